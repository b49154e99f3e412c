//! Segmentation into sentences and tokens, as byte ranges of the text.
//!
//! Sentences tile the text: every byte belongs to exactly one sentence, trailing white
//! space included, so the concatenation of all sentences is the text. Use [`trim`] for the
//! span a reader would call "the sentence". Tokens skip white space.
//!
//! ```
//! use unspin_text::segment::{sentences, tokens, trim, TokenKind};
//!
//! let text = "Mr. Smith said it: \"No.\"\r\nThen 3 left.";
//! let s: Vec<&str> = sentences(text).into_iter().map(|r| &text[r]).collect();
//! assert_eq!(s, ["Mr. Smith said it: \"No.\"\r\n", "Then 3 left."]);
//! assert_eq!(&text[trim(text, 0..26)], "Mr. Smith said it: \"No.\"");
//! let t = tokens("Don't panic, 42!");
//! assert_eq!(t.iter().map(|t| t.kind).collect::<Vec<_>>(),
//!     [TokenKind::Word, TokenKind::Word, TokenKind::Punct, TokenKind::Number, TokenKind::Punct]);
//! ```

pub mod calendar;
mod memo;
mod sentences;
mod stopwords;
mod words;

use std::ops::Range;

pub use sentences::sentences;
pub use stopwords::{is_content_word, is_stop_word};
pub use words::{tokens, Token, TokenKind};

/// Shrinks `range` so that it starts and ends on a character that is not white space
/// (nor a byte-order mark). An all-white range shrinks to an empty range at its start.
pub fn trim(text: &str, range: Range<usize>) -> Range<usize> {
    let s = &text[range.clone()];
    let is_space = |c: char| c.is_whitespace() || c == '\u{feff}';
    let lead = s.len() - s.trim_start_matches(is_space).len();
    if lead == s.len() {
        return range.start..range.start;
    }
    let trail = s.len() - s.trim_end_matches(is_space).len();
    range.start + lead..range.end - trail
}

/// Shrinks `range` like [`trim`], and also drops leading and trailing `.,:;` — the way
/// the PTC v2 annotation trims technique spans.
pub fn trim_span(text: &str, range: Range<usize>) -> Range<usize> {
    let s = &text[range.clone()];
    let skip = |c: char| c.is_whitespace() || c == '\u{feff}' || matches!(c, '.' | ',' | ':' | ';');
    let lead = s.len() - s.trim_start_matches(skip).len();
    if lead == s.len() {
        return range.start..range.start;
    }
    let trail = s.len() - s.trim_end_matches(skip).len();
    range.start + lead..range.end - trail
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn trims() {
        let t = " \t, hello world. \n";
        assert_eq!(&t[trim(t, 0..t.len())], ", hello world.");
        assert_eq!(&t[trim_span(t, 0..t.len())], "hello world");
        assert_eq!(trim(t, 0..2), 0..0);
        assert_eq!(trim_span("...", 0..3), 0..0);
    }

    proptest! {
        #[test]
        fn sentences_tile_any_text(text in "\\PC{0,400}") {
            let s = sentences(&text);
            let mut at = 0;
            for r in &s {
                prop_assert_eq!(r.start, at);
                prop_assert!(r.end > r.start);
                prop_assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
                at = r.end;
            }
            prop_assert_eq!(at, text.len());
        }

        #[test]
        fn tokens_are_ordered_and_in_bounds(text in "\\PC{0,400}") {
            let mut last = 0;
            for t in tokens(&text) {
                prop_assert!(t.start >= last && t.end > t.start && t.end <= text.len());
                prop_assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end));
                prop_assert!(!text[t.start..t.end].trim().is_empty());
                last = t.end;
            }
        }

        #[test]
        fn trim_stays_inside(text in "\\PC{0,100}") {
            let r = trim_span(&text, 0..text.len());
            prop_assert!(r.start <= r.end && r.end <= text.len());
            prop_assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
        }
    }
}
