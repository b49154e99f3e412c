//! The MiniLM encoder on real weights. Skips, saying so, unless `unspin model install`
//! has run; under CI, which runs it, a missing encoder fails instead.

use unspin_neural::encoder::Encoder;
use unspin_neural::install::{installed_in, MINILM};

mod common;

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[test]
fn sentence_embeddings_are_unit_length_batch_invariant_and_meaningful() {
    let Some(dir) = common::encoder_dir(&MINILM) else { return };
    let enc = Encoder::load(&dir).unwrap();
    let texts = [
        "The economy grew by three percent last year.",
        "Last year GDP rose 3%.",
        "My dog loves playing in the snow.",
        "A much longer sentence, so that the batch needs padding: the council voted five to two to approve the bridge.",
    ];
    let batch = enc.embed_sentences(&texts).unwrap();
    assert_eq!(batch.len(), 4);
    for (t, v) in texts.iter().zip(&batch) {
        assert_eq!(v.len(), 384);
        assert!((cosine(v, v) - 1.0).abs() < 1e-4);
        // Batched (padded) and single results agree.
        let single = enc.embed_sentences(&[t]).unwrap().remove(0);
        assert!(cosine(v, &single) > 0.9999, "{t}");
    }
    eprintln!(
        "cos01={} cos02={} cos03={}",
        cosine(&batch[0], &batch[1]),
        cosine(&batch[0], &batch[2]),
        cosine(&batch[0], &batch[3])
    );
    assert!(cosine(&batch[0], &batch[1]) > cosine(&batch[0], &batch[2]) + 0.2);
}

#[test]
fn missing_weights_name_the_install_command() {
    let dir = tempfile::tempdir().unwrap();
    let e = installed_in(dir.path(), &MINILM).unwrap_err().to_string();
    assert!(e.contains("unspin model install"), "{e}");
}
