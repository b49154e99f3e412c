//! Recomputing the article's own arithmetic.
//!
//! Tolerances (documented in README):
//! - multipliers ("five times", "doubled"): consistent when the computed ratio is within
//!   the rounding of the stated one — |ratio − N| ≤ max(0.5, 10 % of N); "more than N" /
//!   "over N" need ratio > N; "nearly/almost N" need 0.85·N ≤ ratio ≤ 1.02·N;
//!   "about/around/roughly N" need ratio within 15 % of N;
//! - percentage changes and shares: within 0.5 percentage points or 2 % of the stated
//!   figure (1 point or 10 % with "about", "nearly", …);
//! - totals: within 0.5 % of the stated total; spans of years: within one year.

use std::ops::Range;

use unspin_text::segment::sentences;

use super::extract::{Kind, Quantity};
use crate::report::Verdict;

/// A recomputed statement.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckResult {
    /// Byte range of the statement (its sentence, trimmed).
    pub range: Range<usize>,
    /// The value the text claims.
    pub claimed: f64,
    /// The value its own numbers give (NaN when unverifiable).
    pub computed: f64,
    /// Whether the article's own numbers give the claimed value.
    pub verdict: Verdict,
    /// How the check was made.
    pub explanation: String,
}

fn fmt(v: f64) -> String {
    if v.is_nan() {
        return "?".into();
    }
    if (v - v.round()).abs() < 1e-9 && v.abs() < 1e15 {
        let s = format!("{}", v.round() as i64);
        // Thousands separators.
        let (sign, digits) = s.strip_prefix('-').map_or(("", s.as_str()), |d| ("-", d));
        let mut out = String::new();
        for (k, c) in digits.chars().enumerate() {
            if k > 0 && (digits.len() - k) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        return format!("{sign}{out}");
    }
    format!("{v:.2}")
}

fn is_operand(q: &Quantity) -> bool {
    matches!(q.kind, Kind::Cardinal | Kind::Money | Kind::Percent) && q.value != 0.0
}

fn same_unit(a: &Quantity, b: &Quantity) -> bool {
    a.unit.is_none() || b.unit.is_none() || a.unit == b.unit
}

fn multiplier_ok(ratio: f64, n: f64, approx: Option<&str>) -> bool {
    match approx {
        Some("more than") | Some("over") | Some("at least") => ratio > n * 0.999,
        Some("less than") | Some("under") | Some("fewer than") | Some("up to")
        | Some("at most") => ratio < n * 1.001,
        Some("nearly") | Some("almost") => ratio >= 0.85 * n && ratio <= 1.02 * n,
        Some(_) => (ratio - n).abs() <= 0.15 * n,
        None => (ratio - n).abs() <= f64::max(if n >= 2.0 { 0.5 } else { 0.0 }, 0.1 * n),
    }
}

fn percent_ok(computed: f64, claimed: f64, approx: bool) -> bool {
    let d = (computed - claimed).abs();
    if approx {
        d <= f64::max(1.0, 0.1 * claimed.abs())
    } else {
        d <= f64::max(0.5, 0.02 * claimed.abs())
    }
}

const UP: &[&str] = &[
    "rose",
    "risen",
    "rise",
    "increase",
    "increased",
    "grew",
    "grown",
    "jumped",
    "climbed",
    "up",
    "soared",
    "gain",
    "gained",
    "higher",
];
const DOWN: &[&str] = &[
    "fell",
    "fallen",
    "fall",
    "drop",
    "dropped",
    "declined",
    "decline",
    "decrease",
    "decreased",
    "down",
    "cut",
    "lost",
    "shrank",
    "reduction",
    "lower",
    "plunged",
];

/// Longest sentence checked as one statement (about 300 words).
const MAX_STATEMENT_BYTES: usize = 2_000;

/// Checks the statements of `text` against the quantities found in it.
pub fn check(text: &str, qs: &[Quantity]) -> Vec<CheckResult> {
    let sents = sentences(text);
    let mut out = Vec::new();
    // Quantities grouped by sentence once, so each statement looks only at its own.
    let mut by_sentence: Vec<Vec<&Quantity>> = vec![Vec::new(); sents.len()];
    for q in qs {
        if let Some(g) = by_sentence.get_mut(q.sentence) {
            g.push(q);
        }
    }
    for (si, srange) in sents.iter().enumerate() {
        let in_s: &[&Quantity] = &by_sentence[si];
        if in_s.is_empty() {
            continue;
        }
        let srange = unspin_text::segment::trim(text, srange.clone());
        if srange.len() > MAX_STATEMENT_BYTES {
            // Not a statement a reader checks (a table or list run together, or text
            // with no sentence ends): checking it would cost the square of its length.
            continue;
        }
        let s_lower = text[srange.clone()].to_lowercase();
        let words: Vec<&str> = s_lower
            .split(|c: char| !c.is_alphanumeric() && c != '%')
            .filter(|w| !w.is_empty())
            .collect();
        let has = |list: &[&str]| words.iter().any(|w| list.contains(w));
        let push = |out: &mut Vec<CheckResult>,
                    claimed: f64,
                    computed: f64,
                    ok: Option<bool>,
                    explanation: String| {
            let verdict = match ok {
                Some(true) => Verdict::Consistent,
                Some(false) => Verdict::Inconsistent,
                None => Verdict::Unverifiable,
            };
            out.push(CheckResult {
                range: srange.clone(),
                claimed,
                computed,
                verdict,
                explanation,
            });
        };
        // "from A to B" in this sentence: the two operands of a change.
        let from_to = {
            let f = s_lower.find("from ");
            let mut pair = None;
            if let Some(f) = f {
                let fpos = srange.start + f;
                let a = in_s.iter().find(|q| q.range.start >= fpos && is_operand(q));
                if let Some(a) = a {
                    let b = in_s.iter().find(|q| {
                        q.range.start > a.range.end
                            && is_operand(q)
                            && same_unit(a, q)
                            && text[a.range.end..q.range.start].to_lowercase().contains("to")
                    });
                    if let Some(b) = b {
                        pair = Some((*a, *b));
                    }
                }
            }
            pair
        };

        // 1. Multipliers.
        for m in in_s.iter().filter(|q| q.kind == Kind::Multiplier) {
            let n = m.value;
            let mtext = &text[m.range.clone()];
            let approx = m.approx.as_deref().or_else(|| {
                let before = text[srange.start..m.range.start].to_lowercase();
                [
                    "more than",
                    "over",
                    "nearly",
                    "almost",
                    "about",
                    "around",
                    "roughly",
                    "less than",
                    "at least",
                ]
                .into_iter()
                .find(|w| before.trim_end().ends_with(w))
            });
            let is_change_verb = matches!(
                mtext.to_lowercase().as_str(),
                "doubled"
                    | "tripled"
                    | "trebled"
                    | "quadrupled"
                    | "halved"
                    | "in half"
                    | "doubling"
                    | "halving"
            );
            // The two operands: a change verb ("doubled") reads "from A to B" as B / A;
            // "A … N times … B" reads A before the multiplier and B after it, or else the
            // nearest earlier quantity of the same unit (up to two sentences back).
            let pair: Option<(&Quantity, &Quantity)> = if is_change_verb {
                from_to.map(|(from, to)| (to, from))
            } else {
                let a = in_s
                    .iter()
                    .rev()
                    .find(|q| q.range.end <= m.range.start && is_operand(q))
                    .copied();
                let b_after = in_s
                    .iter()
                    .find(|q| {
                        q.range.start >= m.range.end
                            && is_operand(q)
                            && a.is_none_or(|a| same_unit(a, q))
                    })
                    .copied();
                let b = b_after.or_else(|| {
                    let a = a?;
                    by_sentence[si.saturating_sub(2)..=si]
                        .iter()
                        .flatten()
                        .rev()
                        .filter(|q| q.range.end <= a.range.start && is_operand(q))
                        .find(|q| q.unit.is_some() && q.unit == a.unit)
                        .copied()
                });
                a.zip(b)
            };
            match pair {
                Some((a, b)) if b.value != 0.0 => {
                    let ratio = a.value / b.value;
                    let ok = multiplier_ok(ratio, n, approx);
                    let stated = match approx {
                        Some(w) if m.approx.is_none() => format!("{w} {mtext}"),
                        _ => mtext.to_string(),
                    };
                    push(
                        &mut out,
                        n,
                        ratio,
                        Some(ok),
                        format!(
                            "claimed {stated} (×{}); {} / {} = {:.2}×: {}",
                            fmt(n),
                            fmt(a.value),
                            fmt(b.value),
                            ratio,
                            if ok {
                                "consistent with the stated multiple and its rounding"
                            } else {
                                "does not match the stated multiple"
                            }
                        ),
                    );
                }
                _ => push(
                    &mut out,
                    n,
                    f64::NAN,
                    None,
                    format!("claimed {mtext}: the numbers it compares are not both given in the article"),
                ),
            }
        }

        // 2. Percentage change: "from A to B … a P% increase" / "rose by P% from A to B".
        if let Some((a, b)) = from_to {
            let p = in_s.iter().find(|q| {
                q.kind == Kind::Percent && !std::ptr::eq(**q, a) && !std::ptr::eq(**q, b)
            });
            if let Some(p) = p {
                if (has(UP) || has(DOWN)) && a.kind != Kind::Percent && a.value != 0.0 {
                    let computed = (b.value - a.value) / a.value * 100.0;
                    let claimed = if has(DOWN) && !has(UP) { -p.value.abs() } else { p.value };
                    let ok = percent_ok(computed, claimed, p.approx.is_some());
                    push(
                        &mut out,
                        claimed,
                        computed,
                        Some(ok),
                        format!(
                            "claimed a change of {}%; from {} to {} is {:+.1}%: {}",
                            fmt(claimed),
                            fmt(a.value),
                            fmt(b.value),
                            computed,
                            if ok { "consistent within rounding" } else { "does not match" }
                        ),
                    );
                }
            }
        }

        // 3. "X out of Y" with a percentage.
        if let Some(pos) = s_lower.find(" out of ") {
            let cut = srange.start + pos;
            let x = in_s.iter().rev().find(|q| q.range.end <= cut && q.kind == Kind::Cardinal);
            let y = in_s.iter().find(|q| q.range.start > cut && q.kind == Kind::Cardinal);
            let p = in_s.iter().find(|q| q.kind == Kind::Percent);
            if let (Some(x), Some(y), Some(p)) = (x, y, p) {
                if y.value != 0.0 {
                    let computed = x.value / y.value * 100.0;
                    let ok = percent_ok(computed, p.value, p.approx.is_some());
                    push(
                        &mut out,
                        p.value,
                        computed,
                        Some(ok),
                        format!(
                            "claimed {}%; {} out of {} is {:.1}%: {}",
                            fmt(p.value),
                            fmt(x.value),
                            fmt(y.value),
                            computed,
                            if ok { "consistent within rounding" } else { "does not match" }
                        ),
                    );
                }
            }
        }

        // 4. Totals: "a total of T", "T in total", "… altogether".
        if s_lower.contains("total")
            || s_lower.contains("altogether")
            || s_lower.contains("combined")
        {
            let t = if let Some(pos) = s_lower.find("total of ") {
                let cut = srange.start + pos;
                in_s.iter().find(|q| q.range.start >= cut && is_operand(q)).copied()
            } else {
                in_s.iter().rev().find(|q| is_operand(q)).copied()
            };
            if let Some(t) = t {
                let parts: Vec<&Quantity> = in_s
                    .iter()
                    .filter(|q| {
                        !std::ptr::eq(**q, t)
                            && is_operand(q)
                            && same_unit(q, t)
                            && q.kind == t.kind
                    })
                    .copied()
                    .collect();
                if parts.len() >= 2 {
                    let sum: f64 = parts.iter().map(|q| q.value).sum();
                    let ok = (sum - t.value).abs() <= 0.005 * t.value.abs() + 1e-9;
                    let terms: Vec<String> = parts.iter().map(|q| fmt(q.value)).collect();
                    push(
                        &mut out,
                        t.value,
                        sum,
                        Some(ok),
                        format!(
                            "claimed a total of {}; {} = {}: {}",
                            fmt(t.value),
                            terms.join(" + "),
                            fmt(sum),
                            if ok { "consistent" } else { "does not add up" }
                        ),
                    );
                }
            }
        }

        // 5. Spans of years: "for N years" / "N-year" with two years in the sentence.
        if let Some(pos) = s_lower.find(" years").or_else(|| s_lower.find("-year")) {
            let cut = srange.start + pos;
            let n = in_s.iter().rev().find(|q| {
                q.range.end <= cut + 1 && q.range.end + 2 >= cut && q.kind == Kind::Cardinal
            });
            let years: Vec<&&Quantity> = in_s.iter().filter(|q| q.kind == Kind::Year).collect();
            if let (Some(n), [y1, y2, ..]) = (n, years.as_slice()) {
                let computed = (y2.value - y1.value).abs();
                let ok = (computed - n.value).abs() <= 1.0;
                push(
                    &mut out,
                    n.value,
                    computed,
                    Some(ok),
                    format!(
                        "claimed {} years; {} to {} is {} years: {}",
                        fmt(n.value),
                        fmt(y1.value),
                        fmt(y2.value),
                        fmt(computed),
                        if ok { "consistent (within a year)" } else { "does not match" }
                    ),
                );
            }
        }
    }
    out
}
