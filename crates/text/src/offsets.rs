//! Byte offsets ↔ character offsets.
//!
//! Analyses work on byte ranges of a `&str`; reports count Unicode scalar values
//! (Python `str` indices), the SemEval/PTC convention. [`OffsetMap`] converts between the
//! two in O(1) for ASCII text and O(64) otherwise, with one checkpoint every 64
//! characters, so it stays small for a 10 MB article.
//!
//! ```
//! use unspin_text::OffsetMap;
//!
//! let text = "naïve 😀 end";
//! let map = OffsetMap::new(text);
//! assert_eq!(map.len_chars(), 11);
//! assert_eq!(map.byte_to_char(text, text.find("end").unwrap()), 8);
//! assert_eq!(map.char_to_byte(text, 8), Some(text.find("end").unwrap()));
//! assert_eq!(map.char_to_byte(text, 11), Some(text.len()));
//! assert_eq!(map.char_to_byte(text, 12), None);
//! ```

const STRIDE: usize = 64;

/// A map between byte offsets and character offsets of one text.
#[derive(Clone, Debug)]
pub struct OffsetMap {
    len_chars: usize,
    len_bytes: usize,
    /// Byte offset of every `STRIDE`-th character; empty for ASCII text.
    checkpoints: Vec<usize>,
}

impl OffsetMap {
    /// Builds the map for `text`.
    pub fn new(text: &str) -> OffsetMap {
        if text.is_ascii() {
            return OffsetMap { len_chars: text.len(), len_bytes: text.len(), checkpoints: vec![] };
        }
        let mut checkpoints = Vec::with_capacity(text.len() / STRIDE + 1);
        let mut n = 0;
        for (b, _) in text.char_indices() {
            if n % STRIDE == 0 {
                checkpoints.push(b);
            }
            n += 1;
        }
        OffsetMap { len_chars: n, len_bytes: text.len(), checkpoints }
    }

    /// Length of the text in characters.
    pub fn len_chars(&self) -> usize {
        self.len_chars
    }

    fn is_ascii(&self) -> bool {
        self.len_chars == self.len_bytes
    }

    /// The character offset of byte offset `byte` (which must be a char boundary of
    /// `text`, the text the map was built for; `text.len()` maps to the length in chars).
    pub fn byte_to_char(&self, text: &str, byte: usize) -> usize {
        debug_assert_eq!(text.len(), self.len_bytes);
        if self.is_ascii() {
            return byte.min(self.len_bytes);
        }
        let block = match self.checkpoints.binary_search(&byte) {
            Ok(i) => return i * STRIDE,
            Err(i) => i - 1,
        };
        let from = self.checkpoints[block];
        let byte = byte.min(text.len());
        block * STRIDE + text[from..byte].chars().count()
    }

    /// The byte offset of character offset `ch` in `text`, or `None` past its end.
    pub fn char_to_byte(&self, text: &str, ch: usize) -> Option<usize> {
        debug_assert_eq!(text.len(), self.len_bytes);
        if ch > self.len_chars {
            return None;
        }
        if self.is_ascii() {
            return Some(ch);
        }
        if ch == self.len_chars {
            return Some(self.len_bytes);
        }
        let from = self.checkpoints[ch / STRIDE];
        let rest = ch % STRIDE;
        text[from..].char_indices().nth(rest).map(|(b, _)| from + b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn round_trips(text in "\\PC{0,300}") {
            let map = OffsetMap::new(&text);
            prop_assert_eq!(map.len_chars(), text.chars().count());
            for (ci, (b, _)) in text.char_indices().enumerate() {
                prop_assert_eq!(map.byte_to_char(&text, b), ci);
                prop_assert_eq!(map.char_to_byte(&text, ci), Some(b));
            }
            prop_assert_eq!(map.byte_to_char(&text, text.len()), map.len_chars());
        }
    }
}
