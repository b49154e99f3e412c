//! MiniLM's token vectors (the neural attribution tagger's input) on real weights. Skips,
//! saying so, unless `unspin model install` has run; under CI (`CI=true`), which
//! installs the encoder, a missing encoder fails instead.

mod common;

use unspin_model::api::VectorRecipe;
use unspin_neural::install::MINILM;
use unspin_neural::kernels::KernelPath;
use unspin_neural::techniques::{assemble, load_tokenizer};
use unspin_neural::token_vectors::token_vectors;

#[test]
fn every_token_gets_a_row_of_the_asked_length_whatever_the_text() {
    let Some(dir) = common::encoder_dir(&MINILM) else { return };
    let (bert, _) = assemble(&dir, &Default::default(), 0).unwrap();
    let tokenizer = load_tokenizer(&dir).unwrap();
    let long = "The council said the budget would pass. ".repeat(80);
    let texts = [
        "",
        "\r\n\r\n",
        "“We will not close the library,” the mayor, Ruth Okafor, said on Tuesday.",
        "Москва said 😀 — “да” \r\n and 東京 replied.",
        long.as_str(),
    ];
    for text in texts {
        let recipe = VectorRecipe { layers: vec![2, 4], norm: 3.0 };
        let v = token_vectors(&bert, &tokenizer, text, &recipe, KernelPath::Fp32).unwrap();
        assert_eq!(v.recipe, recipe);
        let n = unspin_text::segment::tokens(text).len();
        assert_eq!(v.dim, 2 * 384);
        assert_eq!(v.data.len(), n * v.dim, "{text:?}");
        for part in v.data.chunks_exact(384) {
            let len = part.iter().map(|x| x * x).sum::<f32>().sqrt();
            // A token no word piece covers keeps zeros; every other one has the length.
            assert!(len == 0.0 || (len - 3.0).abs() < 1e-3, "{text:?}: {len}");
        }
        if text.contains("Okafor") {
            assert!(v.data.chunks_exact(v.dim).all(|r| r.iter().any(|x| *x != 0.0)));
        }
    }
}

#[test]
fn layers_must_increase_within_the_encoder_on_every_path() {
    let Some(dir) = common::encoder_dir(&MINILM) else { return };
    let (bert, _) = assemble(&dir, &Default::default(), 0).unwrap();
    let tokenizer = load_tokenizer(&dir).unwrap();
    let paths = KernelPath::ALL.into_iter().filter(|p| p.supported());
    for path in paths {
        for bad in [&[][..], &[0], &[4, 2], &[3, 3], &[2, 7]] {
            let recipe = VectorRecipe { layers: bad.to_vec(), norm: 1.0 };
            let got = token_vectors(&bert, &tokenizer, "He said so.", &recipe, path);
            assert!(got.is_err(), "{path}: {bad:?}");
        }
        let zero = VectorRecipe { layers: vec![2], norm: 0.0 };
        assert!(token_vectors(&bert, &tokenizer, "He said so.", &zero, path).is_err());
    }
}

/// Analysis reads the vectors on the active kernel path (a bf16 one where the CPU has
/// it); the tagger learned from fp32 vectors, so the two must agree closely.
#[test]
fn reduced_precision_vectors_point_where_the_fp32_ones_do() {
    let Some(dir) = common::encoder_dir(&MINILM) else { return };
    let (bert, _) = assemble(&dir, &Default::default(), 0).unwrap();
    let tokenizer = load_tokenizer(&dir).unwrap();
    let text = "“We will not close the library,” the mayor, Ruth Okafor, said on Tuesday. \
                Critics, including two council members, said the plan was rushed.\r\n\
                Москва said 😀 — “да” and 東京 replied.";
    let recipe = VectorRecipe { layers: vec![2, 4], norm: 4.0 };
    let reference = token_vectors(&bert, &tokenizer, text, &recipe, KernelPath::Fp32).unwrap();
    let mut ran = 0;
    for path in KernelPath::ALL.into_iter().filter(|p| *p != KernelPath::Fp32) {
        if !path.supported() {
            eprintln!("skipping {path}: this CPU lacks {}", path.missing().join(", "));
            continue;
        }
        let v = token_vectors(&bert, &tokenizer, text, &recipe, path).unwrap();
        assert_eq!(v.data.len(), reference.data.len());
        let mut lowest = 1f32;
        for (a, b) in v.data.chunks_exact(384).zip(reference.data.chunks_exact(384)) {
            let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
            if b.iter().all(|x| *x == 0.0) {
                assert!(a.iter().all(|x| *x == 0.0), "{path}: a token no piece covers");
                continue;
            }
            // Both parts have length 4.
            lowest = lowest.min(dot / 16.0);
        }
        eprintln!("{path}: lowest cosine with fp32 {lowest:.5}");
        assert!(lowest > 0.99, "{path}: lowest cosine {lowest}");
        ran += 1;
    }
    eprintln!("{ran} reduced-precision paths compared with fp32");
}
