//! SemEval-2020 Task 11 label files and the official metrics.
//!
//! - [`labels`]: parse and write `id<TAB>start<TAB>end` (SI) and
//!   `id<TAB>technique<TAB>start<TAB>end` (TC) lines, with line numbers in every error.
//! - [`si`]: span identification — the official partial-overlap precision/recall with
//!   overlapping spans merged on both sides (the scorer's `-m` behaviour).
//! - [`polnear`]: PolNeAR attribution annotations and the attribution scores.
//! - [`tc`]: technique classification on given spans — micro P/R/F1 and per-technique
//!   figures, multi-label spans paired to maximise matches.
//!
//! Offsets count Unicode scalar values; `start` is inclusive and `end` exclusive.
//!
//! ```
//! use unspin_eval::{labels, si};
//!
//! let gold = labels::parse_si("1\t0\t10\n", "gold")?;
//! let pred = labels::parse_si("1\t5\t15\n", "pred")?;
//! let score = si::score(&gold, &pred);
//! assert!((score.precision - 0.5).abs() < 1e-9 && (score.recall - 0.5).abs() < 1e-9);
//! # Ok::<(), unspin_eval::Error>(())
//! ```
#![deny(missing_docs)]

pub mod comparisons;
pub mod labels;
pub mod passages;
pub mod polnear;
pub mod quantities;
pub mod recognizers;
pub mod si;
pub mod tc;

/// Mean and sample standard deviation (n − 1) of per-fold figures; the deviation is 0 for
/// fewer than two.
pub fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n.max(1.0);
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, var.sqrt())
}

/// Errors from reading label files or scoring them.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A label line is malformed.
    #[error("{file}:{line}: {message}")]
    Malformed {
        /// The file (or a name for it).
        file: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// TC prediction and gold do not cover the same spans.
    #[error("prediction and gold spans differ: {0}")]
    SpanMismatch(String),
}

/// Precision, recall and F1 from their parts; 0 where a denominator is 0.
pub fn prf(hits_p: f64, n_pred: usize, hits_r: f64, n_gold: usize) -> (f64, f64, f64) {
    let p = if n_pred > 0 { hits_p / n_pred as f64 } else { 0.0 };
    let r = if n_gold > 0 { hits_r / n_gold as f64 } else { 0.0 };
    let f = if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
    (p, r, f)
}

/// Precision, recall and F1 with their counts.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Prf {
    /// F1.
    pub f1: f64,
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// Matched pairs.
    pub matched: usize,
    /// Predicted.
    pub predicted: usize,
    /// Gold.
    pub gold: usize,
}

impl Prf {
    /// From the counts.
    pub fn new(matched: usize, predicted: usize, gold: usize) -> Prf {
        let (precision, recall, f1) = prf(matched as f64, predicted, matched as f64, gold);
        Prf { f1, precision, recall, matched, predicted, gold }
    }
}

/// One-to-one matches `(gold, predicted)` from candidate pairs `(overlap, gold,
/// predicted)`: largest overlap first, ties by gold then predicted index.
pub fn one_to_one(
    mut pairs: Vec<(usize, usize, usize)>,
    n_gold: usize,
    n_pred: usize,
) -> Vec<(usize, usize)> {
    pairs.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let (mut used_g, mut used_p) = (vec![false; n_gold], vec![false; n_pred]);
    let mut out = Vec::new();
    for (_, g, p) in pairs {
        if !used_g[g] && !used_p[p] {
            (used_g[g], used_p[p]) = (true, true);
            out.push((g, p));
        }
    }
    out
}
