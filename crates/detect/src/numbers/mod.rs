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
            // A word the unit grammar knows is the unit; another word after the number
            // is what it counts, unless "of" says ("40% of voters").
            let word = q.unit.as_deref().filter(|u| !q.inferred && !is_marker(u));
            let (unit, unit_name, counted) = match word.map(|u| (u, units::name(u))) {
                Some((u, Some(name))) => (Some(u.to_string()), Some(name), None),
                other => (None, None, other.map(|(u, _)| u.to_string())),
            };
            Number {
                start,
                end,
                text: doc.text[q.range.clone()].to_string(),
                value: q.value,
                unit,
                unit_name,
                of: q.of.clone().or(counted),
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

/// The extractor's markers in a quantity's unit slot that are neither a unit nor a counted
/// noun: a date, occasions ("3 times a week").
fn is_marker(unit: &str) -> bool {
    matches!(unit, "date" | "times")
}

#[cfg(test)]
mod tests;
