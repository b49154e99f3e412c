//! Training the linker: one example per tagged attribution that matches a gold one (its
//! candidates, and which of them is the gold source or "no source"), and a multinomial
//! logistic regression over each example's candidates (full-batch Adam, L2 penalty).

use unspin_eval::polnear::Article;

use super::super::{assemble, train::byte_offsets, Span};
use super::{Candidate, Linker, N};

/// One attribution's candidates and the index of the right one.
#[derive(Clone, Debug)]
pub struct Example {
    /// The candidates (the first is "no source").
    pub candidates: Vec<Candidate>,
    /// The right candidate.
    pub target: usize,
}

/// Whether two byte ranges overlap.
fn overlaps(a: &std::ops::Range<usize>, b: &std::ops::Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

/// The examples of article `a` tagged with `spans` (by a tagger that did not learn from
/// it). A tagged attribution matches the gold content it overlaps most, by at least half
/// of the shorter one; one whose gold source no candidate overlaps is left out.
pub fn examples(a: &Article, spans: &[Span]) -> Vec<Example> {
    let text = &a.text;
    let bytes = byte_offsets(text);
    let b = |c: usize| bytes[c.min(bytes.len() - 1)];
    let hull = |parts: &[std::ops::Range<usize>]| -> Option<std::ops::Range<usize>> {
        Some(b(parts.first()?.start)..b(parts.last()?.end))
    };
    let grouped = assemble::group(text, spans);
    let mut out = Vec::new();
    for t in &grouped.attributions {
        let e = t.extent();
        let best = a
            .attributions
            .iter()
            .filter_map(|g| {
                let c = hull(&g.content)?;
                let o = e.end.min(c.end).saturating_sub(e.start.max(c.start));
                (2 * o >= e.len().min(c.len()) && o > 0).then_some((o, g))
            })
            .max_by_key(|(o, _)| *o);
        let Some((_, gold)) = best else { continue };
        let rule = grouped.rule_source(text, t);
        let candidates = super::candidates(text, &grouped.spans(), t, rule.as_ref());
        let target = match hull(&gold.source) {
            None => Some(0),
            Some(s) => {
                candidates.iter().position(|c| c.source.as_ref().is_some_and(|r| overlaps(r, &s)))
            }
        };
        if let Some(target) = target {
            out.push(Example { candidates, target });
        }
    }
    out
}

/// Softmax probabilities of an example's candidates under `w`.
fn probabilities(w: &[f32; N], ex: &Example) -> Vec<f32> {
    let s: Vec<f32> =
        ex.candidates.iter().map(|c| c.x.iter().zip(w).map(|(a, b)| a * b).sum()).collect();
    let max = s.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let e: Vec<f32> = s.iter().map(|v| (v - max).exp()).collect();
    let z: f32 = e.iter().sum();
    e.iter().map(|v| v / z).collect()
}

/// Fits the weights by minimising the mean log-loss plus `l2`/2 · |w|² (Adam, full
/// batch, `iterations` steps).
pub fn fit(examples: &[Example], l2: f32, iterations: usize) -> Linker {
    let (mut w, mut m, mut v) = ([0f32; N], [0f32; N], [0f32; N]);
    let (rate, b1, b2) = (0.05f32, 0.9f32, 0.999f32);
    let n = examples.len().max(1) as f32;
    for step in 1..=iterations {
        let mut g = [0f32; N];
        for ex in examples {
            for (k, (c, p)) in ex.candidates.iter().zip(probabilities(&w, ex)).enumerate() {
                let d = p - f32::from(u8::from(k == ex.target));
                for (gi, xi) in g.iter_mut().zip(&c.x) {
                    *gi += d * xi;
                }
            }
        }
        for i in 0..N {
            let gi = g[i] / n + l2 * w[i];
            m[i] = b1 * m[i] + (1.0 - b1) * gi;
            v[i] = b2 * v[i] + (1.0 - b2) * gi * gi;
            let mh = m[i] / (1.0 - b1.powi(step as i32));
            let vh = v[i] / (1.0 - b2.powi(step as i32));
            w[i] -= rate * mh / (vh.sqrt() + 1e-8);
        }
    }
    Linker::new(w)
}

/// The share of `examples` whose right candidate scores best, and their mean log-loss.
pub fn accuracy(linker: &Linker, examples: &[Example]) -> (f64, f64) {
    let w: [f32; N] = linker.weights.clone().try_into().unwrap_or([0.0; N]);
    let (mut right, mut loss) = (0usize, 0f64);
    for ex in examples {
        let p = probabilities(&w, ex);
        let best = (0..p.len()).fold(0, |m, k| if p[k] > p[m] { k } else { m });
        right += usize::from(best == ex.target);
        loss -= f64::from(p[ex.target].max(1e-12)).ln();
    }
    let n = examples.len().max(1) as f64;
    (right as f64 / n, loss / n)
}
