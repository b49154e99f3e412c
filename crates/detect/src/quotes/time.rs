//! Time expressions at the edges of a source phrase: "Gov. Mike Pence on Thursday",
//! "Priebus later Thursday", "Since Thursday, Mr. Khan". A date says when something was
//! said, never who said it, so a speaker's name never ends (or starts) with one.

use std::ops::Range;

use unspin_text::segment::calendar::{is_month, is_weekday};

/// Words that lead a time expression ("on Thursday", "late Tuesday", "since May 3").
const LEADS: &[&str] = &[
    "on", "in", "since", "until", "till", "by", "last", "this", "next", "early", "late", "later",
    "earlier", "mid", "from", "before", "after", "during", "of", "through",
];

/// A whitespace-separated word's letters and digits (an abbreviation's full stop kept).
fn clean(w: &str) -> &str {
    w.trim_matches(|c: char| !c.is_alphanumeric() && c != '.').trim_start_matches('.')
}

fn is_lead(w: &str) -> bool {
    LEADS.contains(&clean(w).to_lowercase().as_str())
}

fn is_number(w: &str) -> bool {
    let digits = clean(w).trim_end_matches(['.', ',']);
    !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
}

/// Whether `ws[i]` is a calendar word here: a weekday, or a month after a leading word or
/// before a number ("in May", "May 3"; not "Theresa May").
fn is_date(ws: &[&str], i: usize) -> bool {
    let w = clean(ws[i]);
    is_weekday(w)
        || is_month(w)
            && w.chars().next().is_some_and(char::is_uppercase)
            && (i.checked_sub(1).is_some_and(|p| is_lead(ws[p]))
                || ws.get(i + 1).is_some_and(|n| is_number(n)))
}

/// How many of the whitespace-separated words `ws` a trailing time expression takes:
/// numbers and calendar words holding at least one calendar word, and the leading words
/// before them ("… Pence on Thursday", "… later Thursday").
pub(super) fn trailing(ws: &[&str]) -> usize {
    let mut k = ws.len();
    let mut dated = false;
    while k > 0 && (is_number(ws[k - 1]) || is_date(ws, k - 1)) {
        dated |= is_date(ws, k - 1);
        k -= 1;
    }
    if !dated {
        return 0;
    }
    while k > 0 && is_lead(ws[k - 1]) {
        k -= 1;
    }
    ws.len() - k
}

/// How many words a leading time expression set off by a comma takes at the start of
/// `ws` ("On Thursday,", "Since May 3,").
fn leading(ws: &[&str]) -> usize {
    let mut k = 0;
    while k < ws.len() && is_lead(ws[k]) {
        k += 1;
    }
    let first_date = k;
    while k < ws.len() && (is_number(ws[k]) || is_date(ws, k)) {
        k += 1;
    }
    let dated = (first_date..k).any(|i| is_date(ws, i));
    if dated && k > 0 && ws[k - 1].ends_with(',') {
        k
    } else {
        0
    }
}

/// `source` without a time expression at its end or (set off by a comma) at its start;
/// the whole of it if nothing would be left.
pub fn without_time(text: &str, source: &Range<usize>) -> Range<usize> {
    let s = &text[source.clone()];
    let ws: Vec<&str> = s.split_whitespace().collect();
    let head = leading(&ws);
    let tail = trailing(&ws[head..]);
    if head + tail >= ws.len() || head + tail == 0 {
        return source.clone();
    }
    let at = |w: &str| source.start + (w.as_ptr() as usize - s.as_ptr() as usize);
    let last = ws[ws.len() - tail - 1];
    at(ws[head])..at(last) + last.trim_end_matches(',').len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(s: &str) -> &str {
        &s[without_time(s, &(0..s.len()))]
    }

    #[test]
    fn dates_leave_the_edges_of_a_source() {
        assert_eq!(cut("Gov. Mike Pence on Thursday"), "Gov. Mike Pence");
        assert_eq!(cut("Priebus later Thursday"), "Priebus");
        assert_eq!(cut("Since Thursday, Mr. Khan"), "Mr. Khan");
        assert_eq!(cut("the senator in a statement on Jan. 5, 2016"), "the senator in a statement");
        assert_eq!(cut("Trump Tuesday"), "Trump");
        assert_eq!(cut("the agency, in March"), "the agency");
    }

    #[test]
    fn names_that_are_also_months_and_sources_that_are_only_dates_stay() {
        assert_eq!(cut("Theresa May"), "Theresa May");
        assert_eq!(cut("Thursday"), "Thursday");
        assert_eq!(cut("On Thursday,"), "On Thursday,");
        assert_eq!(cut("the 2016 report"), "the 2016 report");
        assert_eq!(cut("   "), "   ");
        assert_eq!(cut("Ana Díaz 😀 on Sunday"), "Ana Díaz 😀");
    }

    proptest::proptest! {
        #[test]
        fn the_result_slices_the_source(
            words in proptest::collection::vec(
                "(on|Since|Thursday|May|Jan\\.|5,|2016|Mr\\.|Khan|\\PC{1,4}|,| )", 0..12),
            pad in 0usize..3,
        ) {
            let inner = words.join(" ");
            let text = format!("{}{inner}{}", "é".repeat(pad), " x".repeat(pad));
            let source = 2 * pad..2 * pad + inner.len();
            let r = without_time(&text, &source);
            proptest::prop_assert!(source.start <= r.start && r.end <= source.end);
            proptest::prop_assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
            proptest::prop_assert!(r.start <= r.end);
        }
    }
}
