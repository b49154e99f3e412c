//! Check-worthiness: is a sentence a factual claim worth checking? (CLEF CheckThat! Task
//! 1). A logistic regression over hashed sentence features — words, bigrams, numbers,
//! quantities, first-person and opinion cues, named-entity shape — trained on CT24
//! English `train`; its decision threshold is chosen on `dev`.

use serde::{Deserialize, Serialize};
use unspin_text::segment::{tokens, TokenKind};

use crate::checkthat::Row;
use crate::fast::classifier::{self, Classifier, ClassifierConfig};
use crate::fast::features::hash_name;

/// Provenance of a claim model.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ClaimMeta {
    /// unspin version that trained it.
    pub unspin_version: String,
    /// SHA-256 of the training file.
    pub train_sha256: String,
    /// Training settings, `key=value`.
    pub settings: Vec<(String, String)>,
    /// Figures measured on the tuning file when the threshold was chosen.
    pub tuning: Vec<(String, String)>,
}

/// The claim model.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClaimModel {
    /// Provenance.
    pub meta: ClaimMeta,
    /// Two classes: 0 = not check-worthy, 1 = check-worthy.
    pub classifier: Classifier,
    /// Scores at or above this are labelled `Yes`.
    pub threshold: f32,
}

const FIRST_PERSON: &[&str] = &[
    "i", "me", "my", "mine", "we", "us", "our", "ours", "i'm", "i've", "we're", "we've", "i'll",
    "we'll",
];
const OPINION: &[&str] = &[
    "think",
    "believe",
    "feel",
    "hope",
    "want",
    "should",
    "must",
    "maybe",
    "probably",
    "going",
    "gonna",
    "love",
    "great",
    "wonderful",
    "terrible",
    "bad",
    "good",
    "best",
    "thank",
    "thanks",
    "let",
    "please",
];
const QUANTITY: &[&str] = &[
    "percent",
    "million",
    "billion",
    "trillion",
    "thousand",
    "hundred",
    "dollars",
    "half",
    "twice",
    "double",
    "doubled",
    "tripled",
    "times",
    "rate",
    "number",
    "average",
    "increase",
    "increased",
    "decrease",
    "decreased",
    "more",
    "less",
    "fewer",
    "than",
    "most",
    "least",
];

/// The named features of a sentence.
pub fn features(sentence: &str) -> Vec<String> {
    let toks = tokens(sentence);
    let words: Vec<String> = toks
        .iter()
        .filter(|t| t.kind != TokenKind::Punct)
        .map(|t| t.text(sentence).to_lowercase())
        .collect();
    let mut f = Vec::with_capacity(words.len() * 3 + 16);
    f.push("bias".to_string());
    for w in &words {
        let w = if w.chars().next().is_some_and(char::is_numeric) { "<num>" } else { w.as_str() };
        f.push(format!("u={w}"));
    }
    for p in words.windows(2) {
        f.push(format!("bi={} {}", p[0], p[1]));
    }
    let nums = toks.iter().filter(|t| t.kind == TokenKind::Number).count();
    f.push(format!("nums={}", nums.min(3)));
    if toks.iter().any(|t| {
        let s = t.text(sentence);
        s.len() == 4
            && (s.starts_with("19") || s.starts_with("20"))
            && s.bytes().all(|b| b.is_ascii_digit())
    }) {
        f.push("year".into());
    }
    if sentence.contains('%') {
        f.push("percent_sign".into());
    }
    if sentence.contains('$') || sentence.contains('€') || sentence.contains('£') {
        f.push("currency".into());
    }
    let fp = words.iter().filter(|w| FIRST_PERSON.contains(&w.as_str())).count();
    f.push(format!("first_person={}", fp.min(2)));
    if words.iter().any(|w| OPINION.contains(&w.as_str())) {
        f.push("opinion_cue".into());
    }
    if words.iter().any(|w| QUANTITY.contains(&w.as_str())) {
        f.push("quantity_cue".into());
    }
    if sentence.trim_end().ends_with('?') {
        f.push("question".into());
    }
    if sentence.contains('!') {
        f.push("exclamation".into());
    }
    let caps = toks
        .iter()
        .skip(1)
        .filter(|t| {
            t.kind == TokenKind::Word
                && t.text(sentence).chars().next().is_some_and(char::is_uppercase)
        })
        .count();
    f.push(format!("caps={}", caps.min(4)));
    f.push(format!(
        "len={}",
        match words.len() {
            0..=4 => 0,
            5..=9 => 1,
            10..=19 => 2,
            20..=34 => 3,
            _ => 4,
        }
    ));
    f
}

impl ClaimModel {
    /// The check-worthiness score of a sentence, in [0, 1].
    pub fn score(&self, sentence: &str) -> f32 {
        let mask = (1u64 << self.classifier.bits) - 1;
        let ids: Vec<u32> = features(sentence).iter().map(|n| hash_name(n, mask)).collect();
        self.classifier.probabilities(&ids)[1]
    }
}

/// F1, precision and recall of the `Yes` class, in that order.
///
/// ```
/// let (f, p, r) = unspin_model::claims::f1_yes(&[true, true, false], &[true, false, true]);
/// assert!((p - 0.5).abs() < 1e-9 && (r - 0.5).abs() < 1e-9 && (f - 0.5).abs() < 1e-9);
/// let (f, _, _) = unspin_model::claims::f1_yes(&[true, false], &[true, false]);
/// assert_eq!(f, 1.0);
/// ```
pub fn f1_yes(gold: &[bool], predicted: &[bool]) -> (f64, f64, f64) {
    let tp = gold.iter().zip(predicted).filter(|(g, p)| **g && **p).count() as f64;
    let np = predicted.iter().filter(|p| **p).count();
    let ng = gold.iter().filter(|g| **g).count();
    let (p, r, f) = unspin_eval::prf(tp, np, tp, ng);
    (f, p, r)
}

/// Trains on `train`, then picks the threshold that maximises F1(Yes) on `tune`.
pub fn train(
    train_rows: &[Row],
    tune_rows: &[Row],
    cfg: &ClassifierConfig,
    train_sha256: String,
    log: &mut dyn FnMut(String),
) -> ClaimModel {
    let mask = (1u64 << cfg.bits) - 1;
    let data: Vec<(Vec<u32>, usize)> = train_rows
        .iter()
        .filter_map(|r| {
            let y = r.label? as usize;
            Some((features(&r.text).iter().map(|n| hash_name(n, mask)).collect(), y))
        })
        .collect();
    log(format!(
        "training on {} sentences ({} Yes)",
        data.len(),
        data.iter().filter(|d| d.1 == 1).count()
    ));
    let classifier = classifier::train(&data, 2, cfg);
    let mut model = ClaimModel {
        meta: ClaimMeta {
            unspin_version: env!("CARGO_PKG_VERSION").to_string(),
            train_sha256,
            settings: vec![
                ("bits".into(), cfg.bits.to_string()),
                ("epochs".into(), cfg.epochs.to_string()),
                ("learning_rate".into(), cfg.learning_rate.to_string()),
                ("l2".into(), cfg.l2.to_string()),
                ("seed".into(), cfg.seed.to_string()),
            ],
            tuning: vec![],
        },
        classifier,
        threshold: 0.5,
    };
    let labelled: Vec<(&Row, bool)> =
        tune_rows.iter().filter_map(|r| Some((r, r.label?))).collect();
    let scores: Vec<f32> = labelled.iter().map(|(r, _)| model.score(&r.text)).collect();
    let gold: Vec<bool> = labelled.iter().map(|(_, g)| *g).collect();
    let mut best = (-1.0, 0.5f32, 0.0, 0.0);
    for step in 1..100 {
        let t = step as f32 / 100.0;
        let pred: Vec<bool> = scores.iter().map(|s| *s >= t).collect();
        let (f, p, r) = f1_yes(&gold, &pred);
        if f > best.0 {
            best = (f, t, p, r);
        }
    }
    model.threshold = best.1;
    log(format!(
        "threshold {:.2} chosen on the tuning file: F1(Yes)={:.4} P={:.4} R={:.4}",
        best.1, best.0, best.2, best.3
    ));
    model.meta.tuning = vec![
        ("tune_f1_yes".into(), format!("{:.4}", best.0)),
        ("threshold".into(), format!("{:.2}", best.1)),
    ];
    model
}
