//! Decoding the token head's BIO log-probabilities into spans, and averaging the
//! networks of an ensemble.

use std::ops::Range;

use super::heads::{TAG_B, TAG_I, TAG_O};

/// Piece log-probabilities `(row, position, tag)` averaged over networks in probability
/// space (one network's are returned as they are).
pub fn mean_log_probs(mut per_net: Vec<Vec<Vec<Vec<f32>>>>) -> Vec<Vec<Vec<f32>>> {
    if per_net.len() == 1 {
        return per_net.pop().unwrap_or_default();
    }
    let n = per_net.len() as f32;
    let mut out = per_net[0].clone();
    for (r, row) in out.iter_mut().enumerate() {
        for (p, tags) in row.iter_mut().enumerate() {
            for (t, v) in tags.iter_mut().enumerate() {
                *v = (per_net.iter().map(|net| net[r][p][t].exp()).sum::<f32>() / n).ln();
            }
        }
    }
    out
}

/// Probability rows averaged over networks.
pub fn mean_probs(mut per_net: Vec<Vec<Vec<f32>>>) -> Vec<Vec<f32>> {
    if per_net.len() == 1 {
        return per_net.pop().unwrap_or_default();
    }
    let n = per_net.len() as f32;
    let mut out = per_net[0].clone();
    for (r, row) in out.iter_mut().enumerate() {
        for (c, v) in row.iter_mut().enumerate() {
            *v = per_net.iter().map(|net| net[r][c]).sum::<f32>() / n;
        }
    }
    out
}

/// Decodes piece log-probabilities `(len, 3)` over `inner` into spans of piece positions
/// with their confidence (mean probability of not-O).
pub fn decode(logp: &[Vec<f32>], inner: Range<usize>, o_bias: f32) -> Vec<(Range<usize>, f32)> {
    let mut out = Vec::new();
    let mut cur: Option<usize> = None;
    let close = |out: &mut Vec<(Range<usize>, f32)>, s: usize, e: usize| {
        let conf = (s..e).map(|p| 1.0 - logp[p][TAG_O].exp()).sum::<f32>() / (e - s) as f32;
        out.push((s..e, conf));
    };
    for p in inner.clone() {
        let l = &logp[p];
        let o = l[TAG_O] + o_bias;
        let tag = if o >= l[TAG_B] && o >= l[TAG_I] {
            TAG_O
        } else if l[TAG_B] > l[TAG_I] {
            TAG_B
        } else {
            TAG_I
        };
        match (tag, cur) {
            (TAG_O, Some(s)) => {
                close(&mut out, s, p);
                cur = None;
            }
            (TAG_B, Some(s)) => {
                close(&mut out, s, p);
                cur = Some(p);
            }
            (TAG_B | TAG_I, None) => cur = Some(p),
            _ => {}
        }
    }
    if let Some(s) = cur {
        close(&mut out, s, inner.end);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_runs() {
        let o = vec![0.0f32, -5.0, -5.0];
        let b = vec![-5.0, 0.0, -5.0];
        let i = vec![-5.0, -5.0, 0.0];
        let logp =
            vec![o.clone(), b.clone(), i.clone(), o.clone(), i.clone(), b.clone(), o.clone()];
        let spans: Vec<_> = decode(&logp, 1..6, 0.0).into_iter().map(|(r, _)| r).collect();
        assert_eq!(spans, vec![1..3, 4..5, 5..6]);
        let none = decode(&logp, 1..6, 10.0);
        assert!(none.is_empty());
    }

    #[test]
    fn averages_are_taken_in_probability_space() {
        let one = vec![vec![vec![0.5f32.ln(), 0.25f32.ln(), 0.25f32.ln()]]];
        assert_eq!(mean_log_probs(vec![one.clone()]), one, "one network passes through");
        let other = vec![vec![vec![0.1f32.ln(), 0.8f32.ln(), 0.1f32.ln()]]];
        let mean = mean_log_probs(vec![one, other]);
        let p: Vec<f32> = mean[0][0].iter().map(|l| l.exp()).collect();
        for (got, want) in p.iter().zip([0.3, 0.525, 0.175]) {
            assert!((got - want).abs() < 1e-6, "{p:?}");
        }
        let tc = mean_probs(vec![vec![vec![1.0, 0.0]], vec![vec![0.0, 1.0]], vec![vec![0.5, 0.5]]]);
        assert_eq!(tc, vec![vec![0.5, 0.5]]);
    }
}
