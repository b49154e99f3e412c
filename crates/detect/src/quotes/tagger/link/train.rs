//! Training the linker: one example per tagged attribution that matches a gold one (its
//! candidates, and which of them is the gold source or "no source"), and a multinomial
//! logistic regression over each example's candidates (`quotes/choice.rs`).

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
    let grouped = assemble::group(text, spans);
    let mut out = Vec::new();
    for t in &grouped.attributions {
        let Some(g) = gold_match(a, &bytes, &t.extent()) else { continue };
        let gold = &a.attributions[g];
        let rule = grouped.rule_source(text, t);
        let candidates = super::candidates(text, &grouped.spans(), t, rule.as_ref());
        let target = match hull(&bytes, &gold.source) {
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

/// The byte range from the first of `parts` (character ranges) to the last; `bytes` maps
/// characters to bytes ([`byte_offsets`]).
fn hull(bytes: &[usize], parts: &[std::ops::Range<usize>]) -> Option<std::ops::Range<usize>> {
    let b = |c: usize| bytes[c.min(bytes.len() - 1)];
    Some(b(parts.first()?.start)..b(parts.last()?.end))
}

/// The gold attribution of `a` a tagged one with byte extent `e` matches: the one whose
/// content it overlaps most, by at least half of the shorter one.
pub(crate) fn gold_match(
    a: &Article,
    bytes: &[usize],
    e: &std::ops::Range<usize>,
) -> Option<usize> {
    a.attributions
        .iter()
        .enumerate()
        .filter_map(|(i, g)| {
            let c = hull(bytes, &g.content)?;
            let o = e.end.min(c.end).saturating_sub(e.start.max(c.start));
            (2 * o >= e.len().min(c.len()) && o > 0).then_some((o, i))
        })
        .max_by_key(|(o, _)| *o)
        .map(|(_, i)| i)
}

impl crate::quotes::choice::Choices<N> for Example {
    fn len(&self) -> usize {
        self.candidates.len()
    }
    fn x(&self, k: usize) -> &[f32; N] {
        &self.candidates[k].x
    }
    fn right(&self, k: usize) -> bool {
        k == self.target
    }
}

/// Fits the weights by minimising the mean log-loss plus `l2`/2 · |w|² (Adam, full
/// batch, `iterations` steps).
pub fn fit(examples: &[Example], l2: f32, iterations: usize) -> Linker {
    Linker::new(crate::quotes::choice::fit(examples, l2, iterations))
}

/// The share of `examples` whose right candidate scores best, and their mean log-loss.
pub fn accuracy(linker: &Linker, examples: &[Example]) -> (f64, f64) {
    let w: [f32; N] = linker.weights.clone().try_into().unwrap_or([0.0; N]);
    crate::quotes::choice::accuracy(&w, examples)
}
