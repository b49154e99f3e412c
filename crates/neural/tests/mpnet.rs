//! all-mpnet-base-v2 in unspin's encoder against the reference: the last hidden states
//! that Hugging Face transformers' `MPNetModel` (PyTorch, fp32) computed for two
//! sentences we wrote, one padded (`tests/fixtures/mpnet.json`, made by
//! `bench/mpnet_fixture.py`), and the reference's relative-position buckets. Skips, saying
//! so, unless `unspin model install accurate` has run; under CI (`CI=true`), which
//! installs it, a missing encoder fails instead.

use candle_core::{Device, Tensor};
use unspin_neural::bert::Bert;
use unspin_neural::install::{installed, MPNET};
use unspin_neural::mpnet::bucket;

#[derive(serde::Deserialize)]
struct Fixture {
    ids: Vec<Vec<u32>>,
    mask: Vec<Vec<u32>>,
    dims: usize,
    leading: Vec<Vec<Vec<f32>>>,
    sums: Vec<Vec<f32>>,
    bucket_offsets: Vec<i64>,
    buckets: Vec<usize>,
}

fn fixture() -> Fixture {
    let text = include_str!("fixtures/mpnet.json");
    serde_json::from_str(text).expect("the fixture parses")
}

#[test]
fn relative_position_buckets_match_the_reference() {
    let f = fixture();
    for (&rel, &want) in f.bucket_offsets.iter().zip(&f.buckets) {
        assert_eq!(bucket(rel, 32), want, "offset {rel}");
    }
}

#[test]
fn hidden_states_match_the_reference() {
    let dir = match installed(&MPNET) {
        Ok(dir) => dir,
        Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI installs all-mpnet-base-v2, and it is missing: {e}")
        }
        Err(_) => {
            eprintln!(
                "skipping: all-mpnet-base-v2 is not installed (unspin model install accurate)"
            );
            return;
        }
    };
    let f = fixture();
    let (bert, _) = Bert::load(&dir, 0).unwrap();
    let ids = Tensor::new(f.ids.clone(), &Device::Cpu).unwrap();
    let mask = Tensor::new(f.mask.clone(), &Device::Cpu).unwrap();
    let h = bert.forward(&ids, &mask).unwrap().to_vec3::<f32>().unwrap();
    let (mut worst, mut worst_sum) = (0f32, 0f32);
    for (b, row) in f.mask.iter().enumerate() {
        for (t, &m) in row.iter().enumerate() {
            if m == 0 {
                continue;
            }
            for (got, want) in h[b][t].iter().zip(&f.leading[b][t]).take(f.dims) {
                worst = worst.max((got - want).abs());
            }
            let sum: f32 = h[b][t].iter().sum();
            worst_sum = worst_sum.max((sum - f.sums[b][t]).abs());
        }
    }
    eprintln!("largest difference {worst}, of a position's sum {worst_sum}");
    assert!(worst < 1e-4, "largest difference {worst}");
    assert!(worst_sum < 1e-3, "largest difference of a position's sum {worst_sum}");
}
