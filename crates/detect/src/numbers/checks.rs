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

/// A quantity arithmetic can use: a count, money or a percentage, not zero and not a
/// range (which of its ends would it be?).
fn is_operand(q: &Quantity) -> bool {
    matches!(q.kind, Kind::Cardinal | Kind::Money | Kind::Percent)
        && q.value != 0.0
        && q.high.is_none()
}

/// A quantity that states a rate of change: a percentage, points ("up four points"), or a
/// fraction ("by a third").
fn is_rate(q: &Quantity) -> bool {
    use super::units::{canonical, category, Category};
    let points = q
        .unit
        .as_deref()
        .is_some_and(|u| !q.inferred && category(&canonical(u)) == Some(Category::Point));
    matches!(q.kind, Kind::Percent | Kind::Fraction) || points
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
    "jump",
    "jumps",
    "surge",
    "surged",
    "rises",
    "increases",
    "improves",
    "improved",
    "growth",
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
    "falls",
    "drops",
    "declines",
    "slid",
    "slipped",
    "tumbled",
    "cutting",
    "cuts",
];

/// Longest sentence checked as one statement (about 300 words).
const MAX_STATEMENT_BYTES: usize = 2_000;

/// Checks the statements of `text` against the quantities found in it. Each sentence with
/// quantities is one statement; each kind of arithmetic is one check.
pub fn check(text: &str, qs: &[Quantity]) -> Vec<CheckResult> {
    let sents = sentences(text);
    // Quantities grouped by sentence once, so each statement looks only at its own.
    let mut by_sentence: Vec<Vec<&Quantity>> = vec![Vec::new(); sents.len()];
    for q in qs {
        if let Some(g) = by_sentence.get_mut(q.sentence) {
            g.push(q);
        }
    }
    let mut out = Vec::new();
    for (si, srange) in sents.iter().enumerate() {
        if by_sentence[si].is_empty() {
            continue;
        }
        let range = unspin_text::segment::trim(text, srange.clone());
        if range.len() > MAX_STATEMENT_BYTES {
            // Not a statement a reader checks (a table or list run together, or text
            // with no sentence ends): checking it would cost the square of its length.
            continue;
        }
        let st = Statement::new(text, range, si, &by_sentence);
        for m in st.qs.iter().filter(|q| q.kind == Kind::Multiplier) {
            out.push(st.multiplier(m));
        }
        match st.percent_change().or_else(|| st.linked_percent_change()) {
            Some(c) => out.push(c),
            None => out.extend(st.unsupported_changes()),
        }
        out.extend(st.shares());
        out.extend(st.out_of());
        out.extend(st.total());
        out.extend(st.year_span());
    }
    out
}

/// One sentence being checked, with its quantities.
struct Statement<'a> {
    text: &'a str,
    /// Byte range of the sentence, trimmed.
    range: Range<usize>,
    /// The sentence, lowercased.
    lower: String,
    /// Index of the sentence.
    si: usize,
    /// The quantities of every sentence.
    by_sentence: &'a [Vec<&'a Quantity>],
    /// This sentence's quantities.
    qs: &'a [&'a Quantity],
    /// "from A to B" in this sentence: the two operands of a change.
    from_to: Option<(&'a Quantity, &'a Quantity)>,
}

impl<'a> Statement<'a> {
    fn new(
        text: &'a str,
        range: Range<usize>,
        si: usize,
        by_sentence: &'a [Vec<&'a Quantity>],
    ) -> Statement<'a> {
        let lower = text[range.clone()].to_lowercase();
        let mut st =
            Statement { text, range, lower, si, by_sentence, qs: &by_sentence[si], from_to: None };
        st.from_to = st.find_from_to();
        st
    }

    fn find_from_to(&self) -> Option<(&'a Quantity, &'a Quantity)> {
        let fpos = self.range.start + self.lower.find("from ")?;
        let a = self.qs.iter().find(|q| q.range.start >= fpos && is_operand(q))?;
        let b = self.qs.iter().find(|q| {
            q.range.start > a.range.end
                && is_operand(q)
                && same_unit(a, q)
                && self.text[a.range.end..q.range.start].to_lowercase().contains("to")
        })?;
        Some((*a, *b))
    }

    /// Whether a word of the sentence is in `list`.
    fn has(&self, list: &[&str]) -> bool {
        self.lower
            .split(|c: char| !c.is_alphanumeric() && c != '%')
            .any(|w| !w.is_empty() && list.contains(&w))
    }

    fn result(
        &self,
        claimed: f64,
        computed: f64,
        ok: Option<bool>,
        explanation: String,
    ) -> CheckResult {
        let verdict = match ok {
            Some(true) => Verdict::Consistent,
            Some(false) => Verdict::Inconsistent,
            None => Verdict::Unverifiable,
        };
        CheckResult { range: self.range.clone(), claimed, computed, verdict, explanation }
    }

    /// Check 1: a multiplier ("five times", "doubled") against the ratio of its operands.
    fn multiplier(&self, m: &Quantity) -> CheckResult {
        let n = m.value;
        let mtext = &self.text[m.range.clone()];
        let approx = m.approx.as_deref().or_else(|| self.approx_before(m));
        // The ratio and whether it fits; operands guessed from after the multiplier that
        // do not fit give no verdict (unverifiable).
        let checked = self.multiplier_operands(m, mtext).and_then(|(a, b, guessed)| {
            let ratio = a.value / b.value;
            let ok = multiplier_ok(ratio, n, approx);
            (b.value != 0.0 && (ok || !guessed)).then_some((a, b, ratio, ok))
        });
        match checked {
            Some((a, b, ratio, ok)) => {
                let stated = match approx {
                    Some(w) if m.approx.is_none() => format!("{w} {mtext}"),
                    _ => mtext.to_string(),
                };
                let verdict = if ok {
                    "consistent with the stated multiple and its rounding"
                } else {
                    "does not match the stated multiple"
                };
                let explanation = format!(
                    "claimed {stated} (×{}); {}{} / {}{} = {ratio:.2}×: {verdict}",
                    fmt(n),
                    fmt(a.value),
                    self.whereabouts(a),
                    fmt(b.value),
                    self.whereabouts(b),
                );
                self.result(n, ratio, Some(ok), explanation)
            }
            _ => self.result(
                n,
                f64::NAN,
                None,
                format!(
                    "claimed {mtext}: the numbers it compares are not both given in the article"
                ),
            ),
        }
    }

    /// An approximation written just before a multiplier ("more than twice").
    fn approx_before(&self, m: &Quantity) -> Option<&'static str> {
        let before = self.text[self.range.start..m.range.start].to_lowercase();
        let words = [
            "more than",
            "over",
            "nearly",
            "almost",
            "about",
            "around",
            "roughly",
            "less than",
            "at least",
        ];
        words.into_iter().find(|w| before.trim_end().ends_with(w))
    }

    /// The two operands of a multiplier: a change verb ("doubled") reads "from A to B" as
    /// B / A; "A … N times … B" reads A before the multiplier and B after it, or else the
    /// nearest earlier quantity of the same unit (up to two sentences back).
    fn multiplier_operands(
        &self,
        m: &Quantity,
        mtext: &str,
    ) -> Option<(&'a Quantity, &'a Quantity, bool)> {
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
        if is_change_verb {
            return self.from_to.map(|(from, to)| (to, from, false));
        }
        // "A, N times B" and "B …, N times as high at A" both say one is N times the
        // other, and word order does not say which: the larger is compared with the
        // smaller for N above one, the smaller with the larger below one.
        let (a, b, guessed) = match self.comparison_operands(m) {
            Some((a, b)) => (a, b, false),
            None => {
                let (a, b) = self.both_after(m)?;
                (a, b, true)
            }
        };
        let larger_first = a.value.abs() >= b.value.abs();
        Some(if larger_first == (m.value >= 1.0) { (a, b, guessed) } else { (b, a, guessed) })
    }

    /// The two quantities a comparison word ("five times", "twice") relates, in text
    /// order of finding: the nearest operand before it and the first after it of the
    /// same unit, or the nearest earlier one of that unit, or quantities linked by a year.
    fn comparison_operands(&self, m: &Quantity) -> Option<(&'a Quantity, &'a Quantity)> {
        let a =
            self.qs.iter().rev().find(|q| q.range.end <= m.range.start && is_operand(q)).copied();
        let b_after = self
            .qs
            .iter()
            .find(|q| {
                q.range.start >= m.range.end && is_operand(q) && a.is_none_or(|a| same_unit(a, q))
            })
            .copied();
        let b = b_after.or_else(|| {
            let a = a?;
            self.by_sentence[self.si.saturating_sub(2)..=self.si]
                .iter()
                .flatten()
                .rev()
                .filter(|q| q.range.end <= a.range.start && is_operand(q))
                .find(|q| q.unit.is_some() && q.unit == a.unit)
                .copied()
        });
        a.zip(b).or_else(|| self.year_linked_operands(m))
    }

    /// "about twice as many said A (65%) as B (31%)": with no operand before the
    /// multiplier in its sentence, the first two after it, of one unit and kind (a guess:
    /// the check is consistent when they fit, unverifiable otherwise).
    fn both_after(&self, m: &Quantity) -> Option<(&'a Quantity, &'a Quantity)> {
        if self.qs.iter().any(|q| q.range.end <= m.range.start && is_operand(q)) {
            return None;
        }
        let mut after = self.qs.iter().filter(|q| q.range.start >= m.range.end && is_operand(q));
        let a = *after.next()?;
        let b = *after.next()?;
        (a.kind == b.kind && same_unit(a, b)).then_some((a, b))
    }

    /// Operands linked by a year ("That is four times the 2017 level." between "Exports
    /// reached 5,200 tonnes in 2021." and "In 2017 they were 1,250 tonnes."): the year
    /// after the multiplier names the base, a quantity of that year within two sentences
    /// either side; the compared one is the nearest quantity before the multiplier in
    /// that window with the base's unit and another year.
    fn year_linked_operands(&self, m: &Quantity) -> Option<(&'a Quantity, &'a Quantity)> {
        let year = self
            .qs
            .iter()
            .find(|q| q.kind == Kind::Year && q.range.start >= m.range.end)
            .map(|q| &self.text[q.range.clone()])?;
        let window =
            &self.by_sentence[self.si.saturating_sub(2)..(self.si + 3).min(self.by_sentence.len())];
        let of_year = |q: &&&Quantity| is_operand(q) && q.time.as_deref() == Some(year);
        let b = window
            .iter()
            .flatten()
            .filter(of_year)
            .min_by_key(|q| q.range.start.abs_diff(m.range.start))?;
        let a = window
            .iter()
            .flatten()
            .rev()
            .filter(|q| q.range.end <= m.range.start && is_operand(q) && !std::ptr::eq(**q, *b))
            .find(|q| q.unit.is_some() && q.unit == b.unit && q.time.as_deref() != Some(year))?;
        Some((*a, *b))
    }

    /// Where a quantity is, said relative to this statement ("", " (the sentence
    /// before)", " (2 sentences after)").
    fn whereabouts(&self, q: &Quantity) -> String {
        match q.sentence as isize - self.si as isize {
            0 => String::new(),
            -1 => " (the sentence before)".into(),
            1 => " (the sentence after)".into(),
            d if d < 0 => format!(" ({} sentences before)", -d),
            d => format!(" ({d} sentences after)"),
        }
    }

    /// Check 2: a percentage change, "from A to B … a P% increase" / "rose by P% from A
    /// to B".
    fn percent_change(&self) -> Option<CheckResult> {
        let (a, b) = self.from_to?;
        let p = self.qs.iter().find(|q| {
            q.kind == Kind::Percent
                && q.high.is_none()
                && !std::ptr::eq(**q, a)
                && !std::ptr::eq(**q, b)
        })?;
        let (up, down) = (self.has(UP), self.has(DOWN));
        if !(up || down) || a.value == 0.0 {
            return None;
        }
        let claimed = if down && !up { -p.value.abs() } else { p.value };
        let relative = (b.value - a.value) / a.value * 100.0;
        // Between two percentages ("fell 21%, from 3.8% to 3.0%") a change in percent may be
        // relative or in points: the reading nearer the claim is the one checked.
        let points = b.value - a.value;
        let in_points =
            a.kind == Kind::Percent && (points - claimed).abs() < (relative - claimed).abs();
        let computed = if in_points { points } else { relative };
        let ok = percent_ok(computed, claimed, p.approx.is_some());
        let explanation = format!(
            "claimed a change of {}%; from {} to {} is {:+.1}{}: {}",
            fmt(claimed),
            fmt(a.value),
            fmt(b.value),
            computed,
            if in_points { " points" } else { "%" },
            if ok { "consistent within rounding" } else { "does not match" }
        );
        Some(self.result(claimed, computed, Some(ok), explanation))
    }

    /// Check 2b: a percentage change stated without the numbers it compares ("up 31
    /// percent from a year earlier", "a 30% decline"): unverifiable, as a multiplier
    /// without operands is. A change is a percentage with a change word among the two
    /// words before it or right after it, and not right after "from", "to" or "at".
    fn unsupported_changes(&self) -> Vec<CheckResult> {
        let words = |s: &str| -> Vec<String> {
            s.split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_lowercase)
                .collect()
        };
        let is_change = |w: &String| UP.contains(&w.as_str()) || DOWN.contains(&w.as_str());
        // "50 percent more", "44 percent fewer": a change stated after the percentage.
        let is_change_after =
            |w: &String| is_change(w) || matches!(w.as_str(), "more" | "fewer" | "less");
        self.qs
            .iter()
            .filter(|q| is_rate(q) && q.high.is_none())
            .filter(|q| {
                let before = words(&self.text[self.clause_start(q.range.start)..q.range.start]);
                // "10 points higher": the change word after the unit.
                let mut after = words(&self.text[q.range.end..self.near_after(q.range.end)]);
                let units = after.iter().take_while(|w| super::units::known(w)).count();
                after.drain(..units);
                // "down from 68%", "fell to 5 percent": a level, not the change.
                let level =
                    before.last().is_some_and(|w| matches!(w.as_str(), "from" | "to" | "at"));
                // "cut emissions by a third", "drove up the toll by 20%": "by" after a
                // change word of the clause.
                let by = before.last().is_some_and(|w| w == "by") && before.iter().any(is_change);
                // "down an average of almost 30 percent": a change word up to five words
                // back, unless another quantity stands between.
                // "made up 36 percent of …" is a share: "up" after "make" is no change.
                let made_up = |k: usize| {
                    before[k] == "up"
                        && k > 0
                        && matches!(before[k - 1].as_str(), "made" | "make" | "makes" | "making")
                };
                let near =
                    (0..before.len()).rev().take(5).any(|k| is_change(&before[k]) && !made_up(k));
                !level
                    && (near || by || after.first().is_some_and(is_change_after))
                    && (q.kind != Kind::Fraction || by)
            })
            .map(|q| {
                let stated = &self.text[q.range.clone()];
                self.result(
                    q.value,
                    f64::NAN,
                    None,
                    format!(
                        "claimed a change of {stated}: the numbers it compares are not both \
                         given in the article"
                    ),
                )
            })
            .collect()
    }

    /// A few words before byte `at` (up to 40 bytes back, within this statement): where a
    /// test of the words right before a quantity starts, so that it costs the same however
    /// long the sentence.
    fn near_before(&self, at: usize) -> usize {
        // A quantity may start before the statement: nothing of it is before `at`.
        let mut from = at.saturating_sub(40).max(self.range.start).min(at);
        while !self.text.is_char_boundary(from) {
            from += 1;
        }
        from
    }

    /// A few words after byte `at` (up to 40 bytes on, within this statement), as
    /// [`Self::near_before`].
    fn near_after(&self, at: usize) -> usize {
        // A quantity may end past the statement ("1\r%"): nothing of it is after `at`.
        let mut to = (at + 40).min(self.range.end).max(at);
        while !self.text.is_char_boundary(to) {
            to -= 1;
        }
        to
    }

    /// Where the clause holding byte `at` starts within this statement: after the last
    /// quantity before `at`, or the statement's start.
    fn clause_start(&self, at: usize) -> usize {
        self.qs
            .iter()
            .filter(|q| q.range.end <= at)
            .map(|q| q.range.end)
            .max()
            .unwrap_or(self.range.start)
            .max(self.range.start)
            // A quantity may start before the statement: its clause starts with it.
            .min(at)
    }

    /// Check 2c: a percentage change with one operand in its sentence ("down 16 percent
    /// from the 436,219", "ticked up to 102.9 — an increase of 2.9%") and the other before
    /// it, in this sentence or the two before. The operand after "from" is the base, the
    /// one after "to" the new level. The other is a guess, so each earlier quantity of the
    /// same unit is tried, nearest first: the first that fits makes the check consistent
    /// (naming it); if none fits the check is unverifiable, never inconsistent.
    fn linked_percent_change(&self) -> Option<CheckResult> {
        let (up, down) = (self.has(UP), self.has(DOWN));
        if !(up || down) {
            return None;
        }
        let p = self.qs.iter().find(|q| q.kind == Kind::Percent && q.high.is_none())?;
        let claimed = if down && !up { -p.value.abs() } else { p.value };
        let (anchor, is_base) = self.qs.iter().find_map(|q| {
            let before =
                self.text[self.near_before(q.range.start)..q.range.start].trim_end().to_lowercase();
            let word = before.rsplit(' ').next().unwrap_or("");
            let word = if word == "the" {
                before.trim_end_matches("the").trim_end().rsplit(' ').next().unwrap_or("")
            } else {
                word
            };
            (is_operand(q) && q.kind != Kind::Percent && matches!(word, "from" | "to"))
                .then_some((*q, word == "from"))
        })?;
        let window = &self.by_sentence[self.si.saturating_sub(2)..=self.si];
        let candidates = window.iter().flatten().rev().filter(|q| {
            q.range.end <= anchor.range.start
                && is_operand(q)
                && q.kind == anchor.kind
                && same_unit(q, anchor)
                && !std::ptr::eq(**q, anchor)
        });
        for other in candidates {
            let (base, new) = if is_base { (anchor, *other) } else { (*other, anchor) };
            if base.value == 0.0 {
                continue;
            }
            let computed = (new.value - base.value) / base.value * 100.0;
            if percent_ok(computed, claimed, p.approx.is_some()) {
                let explanation = format!(
                    "claimed a change of {}%; from {}{} to {}{} is {computed:+.1}%: consistent \
                     within rounding",
                    fmt(claimed),
                    fmt(base.value),
                    self.whereabouts(base),
                    fmt(new.value),
                    self.whereabouts(new),
                );
                return Some(self.result(claimed, computed, Some(true), explanation));
            }
        }
        let stated = &self.text[p.range.clone()];
        let explanation = format!(
            "claimed a change of {stated}: no earlier number of the same kind gives it, so the \
             numbers it compares are not both given"
        );
        Some(self.result(claimed, f64::NAN, None, explanation))
    }

    /// Check 6: a share in words ("two-thirds of the voters", "about two-thirds said",
    /// "three-quarters of the $59 million"; not a period: "the second half"): the whole is
    /// the first number after "of", the part another number of the same unit in the
    /// sentence. The part is a guess, so a share is consistent when they fit and
    /// unverifiable otherwise, never inconsistent.
    fn shares(&self) -> Vec<CheckResult> {
        let shares =
            self.qs.iter().filter(|q| q.kind == Kind::Fraction && q.value < 1.0).filter(|q| {
                let before =
                    self.text[self.near_before(q.range.start)..q.range.start].to_lowercase();
                let last = before.split_whitespace().next_back().unwrap_or("");
                // "cut by a third" is a change; "the second half of July" a period.
                let period = matches!(last, "first" | "second" | "last" | "latter" | "former");
                last != "by" && !period
            });
        shares
            .map(|f| {
                let stated = &self.text[f.range.clone()];
                let whole = self.qs.iter().find(|q| {
                    let gap = self.text.get(f.range.end..q.range.start).unwrap_or("");
                    is_operand(q) && gap.len() < 16 && gap.trim_start().starts_with("of")
                });
                // The part: the nearest such number before the share, else after the whole.
                let part = whole.and_then(|w| {
                    let like = |q: &&&Quantity| {
                        is_operand(q)
                            && !std::ptr::eq(**q, *w)
                            && q.kind == w.kind
                            && same_unit(q, w)
                    };
                    let before = self.qs.iter().rev().filter(|q| q.range.end <= f.range.start);
                    let after = self.qs.iter().filter(|q| q.range.start >= w.range.end);
                    before.filter(like).chain(after.filter(like)).next()
                });
                let fits = |w: &Quantity, p: &Quantity| {
                    w.value != 0.0
                        && percent_ok(
                            p.value / w.value * 100.0,
                            f.value * 100.0,
                            f.approx.is_some(),
                        )
                };
                match (whole, part) {
                    // The part is a guess (another number of the whole's unit), so only a
                    // fit is reported; a misfit leaves the share unverifiable.
                    (Some(w), Some(p)) if fits(w, p) => {
                        let computed = p.value / w.value;
                        let explanation = format!(
                            "claimed {stated} ({:.1}%); {} of {} is {:.1}%: consistent within \
                             rounding",
                            f.value * 100.0,
                            fmt(p.value),
                            fmt(w.value),
                            computed * 100.0,
                        );
                        self.result(f.value, computed, Some(true), explanation)
                    }
                    _ => self.result(
                        f.value,
                        f64::NAN,
                        None,
                        format!(
                            "claimed {stated}: the part and the whole are not both given in \
                             the article"
                        ),
                    ),
                }
            })
            .collect()
    }

    /// Check 3: "X out of Y" with a percentage.
    fn out_of(&self) -> Option<CheckResult> {
        let cut = self.range.start + self.lower.find(" out of ")?;
        let x = self.qs.iter().rev().find(|q| q.range.end <= cut && q.kind == Kind::Cardinal)?;
        let y = self.qs.iter().find(|q| q.range.start > cut && q.kind == Kind::Cardinal)?;
        let p = self.qs.iter().find(|q| q.kind == Kind::Percent)?;
        if y.value == 0.0 {
            return None;
        }
        let computed = x.value / y.value * 100.0;
        let ok = percent_ok(computed, p.value, p.approx.is_some());
        let explanation = format!(
            "claimed {}%; {} out of {} is {:.1}%: {}",
            fmt(p.value),
            fmt(x.value),
            fmt(y.value),
            computed,
            if ok { "consistent within rounding" } else { "does not match" }
        );
        Some(self.result(p.value, computed, Some(ok), explanation))
    }

    /// Check 4: totals, "a total of T", "T in total", "… altogether": the other
    /// quantities of the same unit and kind add up to T.
    fn total(&self) -> Option<CheckResult> {
        let l = &self.lower;
        if !(l.contains("total") || l.contains("altogether") || l.contains("combined")) {
            return None;
        }
        let t = match l.find("total of ") {
            Some(pos) => {
                let cut = self.range.start + pos;
                self.qs.iter().find(|q| q.range.start >= cut && is_operand(q)).copied()
            }
            None => self.qs.iter().rev().find(|q| is_operand(q)).copied(),
        }?;
        let parts: Vec<&Quantity> = self
            .qs
            .iter()
            .filter(|q| {
                !std::ptr::eq(**q, t) && is_operand(q) && same_unit(q, t) && q.kind == t.kind
            })
            .copied()
            .collect();
        if parts.len() < 2 {
            return None;
        }
        let sum: f64 = parts.iter().map(|q| q.value).sum();
        let ok = (sum - t.value).abs() <= 0.005 * t.value.abs() + 1e-9;
        let terms: Vec<String> = parts.iter().map(|q| fmt(q.value)).collect();
        let explanation = format!(
            "claimed a total of {}; {} = {}: {}",
            fmt(t.value),
            terms.join(" + "),
            fmt(sum),
            if ok { "consistent" } else { "does not add up" }
        );
        Some(self.result(t.value, sum, Some(ok), explanation))
    }

    /// Check 5: spans of years, "for N years" / "N-year" with two years in the sentence.
    fn year_span(&self) -> Option<CheckResult> {
        let pos = self.lower.find(" years").or_else(|| self.lower.find("-year"))?;
        let cut = self.range.start + pos;
        let n = self.qs.iter().rev().find(|q| {
            q.range.end <= cut + 1 && q.range.end + 2 >= cut && q.kind == Kind::Cardinal
        })?;
        let years: Vec<&&Quantity> = self.qs.iter().filter(|q| q.kind == Kind::Year).collect();
        let [y1, y2, ..] = years.as_slice() else { return None };
        let computed = (y2.value - y1.value).abs();
        let ok = (computed - n.value).abs() <= 1.0;
        let explanation = format!(
            "claimed {} years; {} to {} is {} years: {}",
            fmt(n.value),
            fmt(y1.value),
            fmt(y2.value),
            fmt(computed),
            if ok { "consistent (within a year)" } else { "does not match" }
        );
        Some(self.result(n.value, computed, Some(ok), explanation))
    }
}
