//! Numbers and the article's own arithmetic: every quantity with what it counts and when
//! ([`extract()`]), and every comparison or sum recomputed from the article's own numbers
//! ([`check()`]). Rule-based; the tolerances are documented on [`checks`].

pub mod checks;
pub mod extract;
pub mod units;
pub mod words;

pub use checks::{check, CheckResult};
pub use extract::{extract, Kind, Quantity};

use unspin_text::Document;

use crate::report::{Check, Number};

/// The report's `numbers` and `checks` for a document.
pub fn analyze(doc: &Document) -> (Vec<Number>, Vec<Check>) {
    let qs = extract(&doc.text);
    let checks = check(&doc.text, &qs);
    let numbers = qs
        .iter()
        .map(|q| {
            let (start, end) = doc.char_span(q.range.clone());
            Number {
                start,
                end,
                text: doc.text[q.range.clone()].to_string(),
                value: q.value,
                unit: q.unit.clone(),
                unit_name: q.unit.as_deref().map(units::canonical),
                of: q.of.clone(),
                high: q.high,
                kind: q.kind,
                approx: q.approx.clone(),
                time: q.time.clone(),
            }
        })
        .collect();
    let mut checks: Vec<Check> = checks
        .into_iter()
        .map(|c| {
            let (start, end) = doc.char_span(c.range.clone());
            Check {
                start,
                end,
                text: doc.text[c.range.clone()].to_string(),
                claimed: c.claimed,
                computed: if c.computed.is_nan() { None } else { Some(c.computed) },
                verdict: c.verdict,
                explanation: c.explanation,
            }
        })
        .collect();
    // Inconsistent first, then unverifiable, then consistent; text order within each.
    checks.sort_by_key(|c| (c.verdict.rank(), c.start));
    (numbers, checks)
}

#[cfg(test)]
mod tests;
