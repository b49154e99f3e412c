//! Span identification: the official SemEval-2020 Task 11 SI metric.
//!
//! Per article, overlapping spans (sharing at least one character) are merged, in gold
//! and in prediction alike. Then for every pair (s predicted, t gold) of the same article,
//! precision accumulates |s∩t|/|s| and recall |s∩t|/|t|; P divides by the number of
//! predicted spans, R by the number of gold spans, both over the whole corpus. Articles
//! with gold spans and no prediction add to R's denominator only.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::labels::SiSpan;
use crate::prf;

/// SI figures.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SiScore {
    /// F1, the harmonic mean of P and R.
    pub f1: f64,
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// Predicted spans after merging.
    pub n_pred: usize,
    /// Gold spans after merging.
    pub n_gold: usize,
}

/// Merges overlapping `(start, end)` spans; the result is sorted and disjoint.
pub fn merge(mut spans: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    spans.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for (s, e) in spans {
        match out.last_mut() {
            Some(last) if s < last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

fn by_article(spans: &[SiSpan]) -> BTreeMap<&str, Vec<(usize, usize)>> {
    let mut m: BTreeMap<&str, Vec<(usize, usize)>> = BTreeMap::new();
    for s in spans {
        m.entry(s.id.as_str()).or_default().push((s.start, s.end));
    }
    m.into_iter().map(|(k, v)| (k, merge(v))).collect()
}

/// Scores a prediction against gold with the official SI metric.
pub fn score(gold: &[SiSpan], pred: &[SiSpan]) -> SiScore {
    let gold = by_article(gold);
    let pred = by_article(pred);
    let n_gold: usize = gold.values().map(Vec::len).sum();
    let n_pred: usize = pred.values().map(Vec::len).sum();
    let (mut sum_p, mut sum_r) = (0.0, 0.0);
    for (id, ps) in &pred {
        let Some(gs) = gold.get(id) else { continue };
        for &(ps_, pe) in ps {
            for &(gs_, ge) in gs {
                let inter = pe.min(ge).saturating_sub(ps_.max(gs_));
                if inter > 0 {
                    sum_p += inter as f64 / (pe - ps_) as f64;
                    sum_r += inter as f64 / (ge - gs_) as f64;
                }
            }
        }
    }
    let (precision, recall, f1) = prf(sum_p, n_pred, sum_r, n_gold);
    SiScore { f1, precision, recall, n_pred, n_gold }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(v: &[(&str, usize, usize)]) -> Vec<SiSpan> {
        v.iter().map(|&(id, start, end)| SiSpan { id: id.into(), start, end }).collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn merging() {
        assert_eq!(merge(vec![(5, 9), (0, 3), (2, 6), (9, 12)]), vec![(0, 9), (9, 12)]);
        assert_eq!(merge(vec![(0, 10), (2, 3)]), vec![(0, 10)]);
    }

    #[test]
    fn hand_computed() {
        // Partial overlap: pred [5,15) gold [0,10): inter 5 → P 5/10, R 5/10.
        let s = score(&spans(&[("a", 0, 10)]), &spans(&[("a", 5, 15)]));
        assert!(close(s.precision, 0.5) && close(s.recall, 0.5) && close(s.f1, 0.5));

        // Nested: pred [2,4) inside gold [0,10): P = 2/2 = 1, R = 2/10.
        let s = score(&spans(&[("a", 0, 10)]), &spans(&[("a", 2, 4)]));
        assert!(close(s.precision, 1.0) && close(s.recall, 0.2));
        assert!(close(s.f1, 2.0 * 0.2 / 1.2));

        // One prediction over two gold spans: P = (2+3)/10, R = (2/2 + 3/3)/2 = 1.
        let s = score(&spans(&[("a", 0, 2), ("a", 7, 10)]), &spans(&[("a", 0, 10)]));
        assert!(close(s.precision, 0.5) && close(s.recall, 1.0));

        // Overlapping gold spans merge: [0,6)+[4,10) → [0,10); pred [0,5): P 1, R 0.5.
        let s = score(&spans(&[("a", 0, 6), ("a", 4, 10)]), &spans(&[("a", 0, 5)]));
        assert_eq!(s.n_gold, 1);
        assert!(close(s.precision, 1.0) && close(s.recall, 0.5));

        // Article missing from the prediction counts in R's denominator;
        // a predicted article absent from gold counts in P's.
        let s = score(&spans(&[("a", 0, 4), ("b", 0, 4)]), &spans(&[("a", 0, 4), ("c", 0, 4)]));
        assert!(close(s.precision, 0.5) && close(s.recall, 0.5));

        // Empty prediction.
        let s = score(&spans(&[("a", 0, 4)]), &[]);
        assert_eq!((s.precision, s.recall, s.f1), (0.0, 0.0, 0.0));
        // Adjacent spans are not merged.
        let s = score(&spans(&[("a", 0, 4)]), &spans(&[("a", 0, 2), ("a", 2, 4)]));
        assert_eq!(s.n_pred, 2);
        assert!(close(s.precision, 1.0) && close(s.recall, 1.0));
    }
}

/// The end-to-end figure: spans with techniques, scored like SI but counting overlap only
/// between spans of the same technique (spans merged per article and technique) — the
/// SemEval-2019 FLC-style partial-overlap measure.
pub fn score_labelled(gold: &[crate::labels::TcSpan], pred: &[crate::labels::TcSpan]) -> SiScore {
    let key = |s: &crate::labels::TcSpan| SiSpan {
        id: format!("{}\u{1f}{}", s.id, s.technique),
        start: s.start,
        end: s.end,
    };
    let g: Vec<SiSpan> = gold.iter().map(key).collect();
    let p: Vec<SiSpan> = pred.iter().map(key).collect();
    score(&g, &p)
}

#[cfg(test)]
mod labelled_tests {
    use super::*;
    use crate::labels::TcSpan;

    #[test]
    fn techniques_must_match() {
        let t =
            |tech: &str, s, e| TcSpan { id: "a".into(), technique: tech.into(), start: s, end: e };
        let gold = [t("X", 0, 10), t("Y", 0, 10)];
        let s = score_labelled(&gold, &[t("X", 0, 5), t("Z", 0, 10)]);
        // X: P 5/5 over 2 predicted spans, R 5/10 over 2 gold spans.
        assert!((s.precision - 0.5).abs() < 1e-9 && (s.recall - 0.25).abs() < 1e-9);
    }
}
