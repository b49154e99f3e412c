//! Technique classification on given spans: micro and per-technique P/R/F1.
//!
//! Prediction and gold must hold the same multiset of `(id, start, end)`. Where gold gives
//! a span several techniques (several lines), the predicted labels of that span are
//! paired with the gold ones to maximise matches: the matches are the size of the
//! multiset intersection of the two label lists.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::labels::TcSpan;
use crate::{prf, Error};

/// Figures for one technique.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TechniqueScore {
    /// The technique.
    pub technique: String,
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
    /// Gold spans with this technique.
    pub support: usize,
    /// Predicted spans with this technique.
    pub predicted: usize,
}

/// TC figures.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TcScore {
    /// Micro F1 (equal to P and R, since both sides hold the same spans).
    pub f1: f64,
    /// Micro precision.
    pub precision: f64,
    /// Micro recall.
    pub recall: f64,
    /// Macro F1 over the techniques present in gold.
    pub macro_f1: f64,
    /// Per technique, sorted by name: every technique in gold or prediction.
    pub per_technique: Vec<TechniqueScore>,
}

type Key<'a> = (&'a str, usize, usize);

fn group(spans: &[TcSpan]) -> BTreeMap<Key<'_>, Vec<&str>> {
    let mut m: BTreeMap<Key<'_>, Vec<&str>> = BTreeMap::new();
    for s in spans {
        m.entry((s.id.as_str(), s.start, s.end)).or_default().push(s.technique.as_str());
    }
    m
}

/// Scores predicted techniques against gold, on the same spans.
pub fn score(gold: &[TcSpan], pred: &[TcSpan]) -> Result<TcScore, Error> {
    let g = group(gold);
    let p = group(pred);
    for (k, gl) in &g {
        let n = p.get(k).map_or(0, Vec::len);
        if n != gl.len() {
            return Err(Error::SpanMismatch(format!(
                "article {} span {}-{}: {} gold line(s), {} predicted",
                k.0,
                k.1,
                k.2,
                gl.len(),
                n
            )));
        }
    }
    if let Some(k) = p.keys().find(|k| !g.contains_key(*k)) {
        return Err(Error::SpanMismatch(format!(
            "article {} span {}-{}: predicted, but not in gold",
            k.0, k.1, k.2
        )));
    }
    let mut hits: BTreeMap<&str, usize> = BTreeMap::new();
    let mut n_gold: BTreeMap<&str, usize> = BTreeMap::new();
    let mut n_pred: BTreeMap<&str, usize> = BTreeMap::new();
    let mut total_hits = 0;
    for (k, gl) in &g {
        let mut left = p[k].clone();
        for t in gl {
            *n_gold.entry(t).or_default() += 1;
        }
        for t in &left {
            *n_pred.entry(t).or_default() += 1;
        }
        for t in gl {
            if let Some(i) = left.iter().position(|x| x == t) {
                left.swap_remove(i);
                *hits.entry(t).or_default() += 1;
                total_hits += 1;
            }
        }
    }
    let total = gold.len();
    let (precision, recall, f1) = prf(total_hits as f64, total, total_hits as f64, total);
    let mut names: Vec<&str> = n_gold.keys().chain(n_pred.keys()).copied().collect();
    names.sort_unstable();
    names.dedup();
    let per_technique: Vec<TechniqueScore> = names
        .into_iter()
        .map(|t| {
            let h = *hits.get(t).unwrap_or(&0) as f64;
            let (np, ng) = (*n_pred.get(t).unwrap_or(&0), *n_gold.get(t).unwrap_or(&0));
            let (precision, recall, f1) = prf(h, np, h, ng);
            TechniqueScore {
                technique: t.to_string(),
                precision,
                recall,
                f1,
                support: ng,
                predicted: np,
            }
        })
        .collect();
    let in_gold: Vec<&TechniqueScore> = per_technique.iter().filter(|t| t.support > 0).collect();
    let macro_f1 = if in_gold.is_empty() {
        0.0
    } else {
        in_gold.iter().map(|t| t.f1).sum::<f64>() / in_gold.len() as f64
    };
    Ok(TcScore { f1, precision, recall, macro_f1, per_technique })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(v: &[(&str, &str, usize, usize)]) -> Vec<TcSpan> {
        v.iter()
            .map(|&(id, t, start, end)| TcSpan { id: id.into(), technique: t.into(), start, end })
            .collect()
    }

    #[test]
    fn hand_computed() {
        let gold = spans(&[("a", "X", 0, 4), ("a", "Y", 0, 4), ("a", "X", 5, 9), ("b", "Z", 1, 2)]);
        // Multi-label span predicted in the other order still matches twice.
        let pred = spans(&[("a", "Y", 0, 4), ("a", "X", 0, 4), ("a", "Y", 5, 9), ("b", "Z", 1, 2)]);
        let s = score(&gold, &pred).unwrap();
        assert!((s.f1 - 0.75).abs() < 1e-9);
        let x = s.per_technique.iter().find(|t| t.technique == "X").unwrap();
        assert!((x.precision - 1.0).abs() < 1e-9 && (x.recall - 0.5).abs() < 1e-9);
        let y = s.per_technique.iter().find(|t| t.technique == "Y").unwrap();
        assert!((y.precision - 0.5).abs() < 1e-9 && (y.recall - 1.0).abs() < 1e-9);
        // Macro over gold techniques X (F1 2/3), Y (2/3), Z (1).
        assert!((s.macro_f1 - (2.0 / 3.0 + 2.0 / 3.0 + 1.0) / 3.0).abs() < 1e-9);
    }

    #[test]
    fn mismatches_are_named() {
        let gold = spans(&[("a", "X", 0, 4)]);
        let e = score(&gold, &spans(&[("a", "X", 0, 5)])).unwrap_err().to_string();
        assert!(e.contains("article a span 0-4: 1 gold line(s), 0 predicted"), "{e}");
        let e = score(&gold, &spans(&[("a", "X", 0, 4), ("a", "X", 0, 4)])).unwrap_err();
        assert!(e.to_string().contains("2 predicted"));
        assert!(score(&[], &[]).is_ok());
    }
}
