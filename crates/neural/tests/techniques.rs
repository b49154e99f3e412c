//! The neural technique model on real weights: offsets are sacred. Skips, saying so,
//! unless `unspin model install` has run; under CI (`CI=true`), which installs the
//! encoder, a missing encoder fails instead.

use std::sync::LazyLock;

use proptest::prelude::*;
use unspin_model::api::{FastDetector, TechniqueDetector};
use unspin_model::fast::FastModel;
use unspin_neural::install::{installed, MINILM};

mod common;
use unspin_neural::techniques::windows::{windows, MAX_WINDOW, WINDOW};
use unspin_neural::techniques::{load_tokenizer, NeuralDetector, NeuralTechniqueModel};

/// Whether the encoder is installed; under CI a missing one is a failure, not a skip.
fn encoder_present() -> bool {
    common::encoder_dir(&MINILM).is_some()
}

static DETECTOR: LazyLock<Option<NeuralDetector>> = LazyLock::new(|| {
    if !encoder_present() {
        return None;
    }
    let model = NeuralTechniqueModel::embedded().expect("the committed neural model parses");
    // As shipped: the fast detector with the committed stacker, and its neural stage.
    let stacker = unspin_model::stack::Stacker::embedded();
    let fast = FastDetector::new(FastModel::embedded().unwrap()).with_stacker(stacker);
    let stage = stacker.and_then(|s| s.neural.clone());
    Some(NeuralDetector::new(model, fast).unwrap().with_stage(stage))
});

fn check_windows(text: &str, max: usize) -> Result<(), TestCaseError> {
    if !encoder_present() {
        return Ok(());
    }
    let tok = load_tokenizer(&installed(&MINILM).unwrap()).unwrap();
    let mut last_end = 0;
    for w in windows(&tok, text, max).unwrap() {
        prop_assert!(w.ids.len() <= max);
        prop_assert_eq!(w.ids.len(), w.offsets.len());
        for p in w.inner() {
            let r = &w.offsets[p];
            prop_assert!(r.start >= last_end && r.start <= r.end && r.end <= text.len());
            prop_assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
            last_end = r.start;
        }
    }
    Ok(())
}

fn check_spans(text: &str) -> Result<(), TestCaseError> {
    let Some(d) = DETECTOR.as_ref() else { return Ok(()) };
    let spans = d.detect(text).map_err(|e| TestCaseError::fail(e.to_string()))?;
    for s in &spans {
        prop_assert!(s.range.start < s.range.end && s.range.end <= text.len(), "{:?}", s.range);
        prop_assert!(text.is_char_boundary(s.range.start) && text.is_char_boundary(s.range.end));
        let slice = &text[s.range.clone()];
        prop_assert_eq!(slice, slice.trim(), "spans are trimmed");
        prop_assert!((0.0..=1.0).contains(&s.span_confidence));
        prop_assert!(!s.techniques.is_empty());
    }
    let ranges: Vec<_> = spans.iter().map(|s| s.range.clone()).collect();
    let ranked = d.classify(text, &ranges).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(ranked.len(), ranges.len());
    for r in ranked {
        let sum: f32 = r.iter().map(|l| l.probability).sum();
        prop_assert!((sum - 1.0).abs() < 1e-3, "probabilities sum to {}", sum);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn windows_keep_exact_offsets(text in "\\PC{0,400}", max in 3usize..200) {
        check_windows(&text, WINDOW)?;
        check_windows(&text, max)?;
    }

    #[test]
    fn neural_spans_slice_any_text(text in "\\PC{0,200}") {
        check_spans(&text)?;
    }
}

#[test]
fn an_ensemble_of_one_network_twice_detects_what_it_does_alone() {
    if DETECTOR.is_none() {
        return;
    }
    let mut model = NeuralTechniqueModel::embedded().unwrap();
    model.members.truncate(0);
    let fast = || FastDetector::new(FastModel::embedded().unwrap());
    let single = NeuralDetector::new(model.clone(), fast()).unwrap();
    model.members = vec![model.tensors.clone()];
    let twice = NeuralDetector::new(model, fast()).unwrap();
    let text = "The corrupt, disgraceful elite lies again! Every patriot must stand up now, \
                before these traitors destroy everything we love. Experts say the plan costs \
                seven times what they claimed.";
    let a = single.detect(text).unwrap();
    let b = twice.detect(text).unwrap();
    assert!(!a.is_empty(), "the sample has loaded language");
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.range, y.range);
        assert!((x.span_confidence - y.span_confidence).abs() < 1e-4);
        assert_eq!(x.techniques[0].technique, y.techniques[0].technique);
        assert!((x.techniques[0].probability - y.techniques[0].probability).abs() < 1e-4);
    }
}

#[test]
fn awkward_texts() {
    let long_word = "a".repeat(3000);
    let many = "The corrupt, disgraceful elite lies again! ".repeat(200);
    for text in [
        "",
        "\u{feff}This disgusting, shameful betrayal!",
        "Ends with emoji, a vile plan 😡",
        "CRLF lines\r\nA corrupt, evil, rotten regime\r\n",
        "Они говорят: 腐敗した政府 — a traitorous, evil gang of thieves",
        long_word.as_str(),
        many.as_str(),
    ] {
        check_windows(text, WINDOW).unwrap();
        check_windows(text, 3).unwrap();
        check_spans(text).unwrap();
    }
}

#[test]
fn window_lengths_out_of_range_are_refused() {
    if !encoder_present() {
        return;
    }
    let tok = load_tokenizer(&installed(&MINILM).unwrap()).unwrap();
    for max in [0, 2, MAX_WINDOW + 1] {
        let err = windows(&tok, "A short text.", max).unwrap_err().to_string();
        assert!(err.contains("window length"), "{err}");
    }
}

#[test]
fn minilm_windows_open_with_cls_and_close_with_sep() {
    if !encoder_present() {
        return;
    }
    let tok = load_tokenizer(&installed(&MINILM).unwrap()).unwrap();
    assert_eq!(unspin_neural::techniques::windows::specials(&tok).unwrap(), (101, 102));
}
