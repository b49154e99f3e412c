use std::ops::Range;

use unicode_segmentation::UnicodeSegmentation;

/// Titles and abbreviations after which UAX #29 would wrongly end a sentence
/// ("Mr. Smith"). Deliberately excludes "U.S." and the like, which often do end one.
const ABBREVIATIONS: &[&str] = &[
    "Mr.", "Mrs.", "Ms.", "Dr.", "Prof.", "Sen.", "Rep.", "Gov.", "Gen.", "Col.", "Lt.", "Sgt.",
    "Capt.", "Adm.", "Cmdr.", "Maj.", "St.", "Jr.", "Sr.", "Rev.", "Hon.", "Pres.", "vs.", "e.g.",
    "i.e.", "etc.", "No.", "Nos.", "Inc.", "Corp.", "Co.", "Ltd.", "Jan.", "Feb.", "Mar.", "Apr.",
    "Jun.", "Jul.", "Aug.", "Sep.", "Sept.", "Oct.", "Nov.", "Dec.", "approx.", "Fig.", "p.",
    "pp.",
];

/// Splits `text` into sentences that tile it (UAX #29 sentence boundaries, plus a merge
/// after common abbreviations such as "Mr.").
///
/// Every returned range is non-empty, the first starts at 0, each starts where the last
/// ended, and the last ends at `text.len()`.
pub fn sentences(text: &str) -> Vec<Range<usize>> {
    thread_local! {
        static CACHE: super::memo::Cache<Vec<Range<usize>>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    super::memo::memo(&CACHE, text, split)
}

fn split(text: &str) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    let mut merge_next = false;
    for (start, piece) in text.split_sentence_bound_indices() {
        let range = start..start + piece.len();
        match out.last_mut() {
            Some(last) if merge_next => last.end = range.end,
            _ => out.push(range),
        }
        merge_next = ends_with_abbreviation(piece);
    }
    out
}

fn ends_with_abbreviation(piece: &str) -> bool {
    // A line break ends a sentence whatever precedes it.
    if piece.ends_with(['\n', '\r', '\u{2029}', '\u{85}']) {
        return false;
    }
    let trimmed = piece.trim_end();
    let last_word = trimmed.rsplit(char::is_whitespace).next().unwrap_or("");
    let last_word = last_word.trim_start_matches(['(', '"', '\'', '“', '‘']);
    ABBREVIATIONS.contains(&last_word)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<&str> {
        sentences(text).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn table() {
        let cases: &[(&str, &[&str])] = &[
            ("", &[]),
            ("One. Two.", &["One. ", "Two."]),
            ("Dr. Who met Mr. X. Then left.", &["Dr. Who met Mr. X. ", "Then left."]),
            ("Line one\nLine two", &["Line one\n", "Line two"]),
            ("CRLF one\r\nCRLF two\r\n", &["CRLF one\r\n", "CRLF two\r\n"]),
            ("He asked: \"Why?\" She left.", &["He asked: \"Why?\" ", "She left."]),
            ("Emoji 😀 here. Ünïcode there!", &["Emoji 😀 here. ", "Ünïcode there!"]),
            ("\u{feff}Title\n\nBody.", &["\u{feff}Title\n", "\n", "Body."]),
            ("Ends with Mr.", &["Ends with Mr."]),
        ];
        for (text, want) in cases {
            assert_eq!(split(text), *want, "{text:?}");
        }
    }
}
