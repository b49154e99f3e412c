//! Cutting an article into encoder windows: whole sentences packed up to
//! [`WINDOW`] word pieces, each piece carrying the byte range of the text it came from.

use std::ops::Range;

use tokenizers::Tokenizer;
use unspin_text::segment::sentences;

use crate::Error;

/// Longest window, in word pieces, including `[CLS]` and `[SEP]`.
pub const WINDOW: usize = 128;
/// Longest window the encoder's position embeddings allow.
pub const MAX_WINDOW: usize = 512;

/// A window of word pieces.
#[derive(Clone, Debug, Default)]
pub struct Window {
    /// Word-piece ids, `[CLS] … [SEP]`.
    pub ids: Vec<u32>,
    /// Byte range in the article of each piece (empty for `[CLS]`/`[SEP]`).
    pub offsets: Vec<Range<usize>>,
}

/// The ids that open and close a window: those `tokenizer` itself puts around a text
/// (BERT's `[CLS]` and `[SEP]`; MPNet's and RoBERTa's `<s>` and `</s>`, although their
/// vocabularies also list `[CLS]`).
pub fn specials(tokenizer: &Tokenizer) -> Result<(u32, u32), Error> {
    let enc = tokenizer.encode("", true).map_err(|e| Error::Tokenizer(e.to_string()))?;
    match enc.get_ids() {
        [open, close] => Ok((*open, *close)),
        ids => Err(Error::Tokenizer(format!(
            "the tokenizer puts {} special tokens around a text, not an opening and a closing one",
            ids.len()
        ))),
    }
}

impl Window {
    fn new(open: u32) -> Window {
        Window { ids: vec![open], offsets: std::iter::once(0..0).collect() }
    }

    fn close(mut self, close: u32) -> Window {
        self.ids.push(close);
        self.offsets.push(0..0);
        self
    }

    /// Pieces between `[CLS]` and `[SEP]`.
    pub fn inner(&self) -> Range<usize> {
        1..self.ids.len().saturating_sub(1)
    }

    /// Positions of the pieces that overlap `bytes`.
    pub fn positions(&self, bytes: &Range<usize>) -> Range<usize> {
        let inner = self.inner();
        let first =
            inner.start + self.offsets[inner.clone()].partition_point(|o| o.end <= bytes.start);
        let mut last = first;
        while last < inner.end && self.offsets[last].start < bytes.end {
            last += 1;
        }
        first..last
    }

    /// Byte range covered by the window's pieces.
    pub fn span(&self) -> Range<usize> {
        let inner = self.inner();
        if inner.is_empty() {
            return 0..0;
        }
        self.offsets[inner.start].start..self.offsets[inner.end - 1].end
    }
}

/// Cuts `text` into windows of at most `max` word pieces (3..=[`MAX_WINDOW`]; models
/// use [`WINDOW`] unless trained otherwise): sentences are packed whole while they fit; a
/// longer sentence is cut into pieces of the window size.
pub fn windows(tokenizer: &Tokenizer, text: &str, max: usize) -> Result<Vec<Window>, Error> {
    if !(3..=MAX_WINDOW).contains(&max) {
        return Err(Error::Format(format!("window length {max} is outside 3..={MAX_WINDOW}")));
    }
    let room = max - 2;
    let (open, close) = specials(tokenizer)?;
    let mut out = Vec::new();
    let mut cur = Window::new(open);
    for s in sentences(text) {
        let enc = tokenizer
            .encode(&text[s.clone()], false)
            .map_err(|e| Error::Tokenizer(e.to_string()))?;
        let pieces: Vec<(u32, Range<usize>)> = enc
            .get_ids()
            .iter()
            .zip(enc.get_offsets())
            .map(|(&id, &(a, b))| (id, s.start + a..s.start + b))
            .filter(|(_, r)| {
                r.end <= s.end && text.is_char_boundary(r.start) && text.is_char_boundary(r.end)
            })
            .collect();
        if pieces.is_empty() {
            continue;
        }
        if cur.ids.len() - 1 + pieces.len() > room && cur.ids.len() > 1 {
            out.push(std::mem::replace(&mut cur, Window::new(open)).close(close));
        }
        for chunk in pieces.chunks(room) {
            if cur.ids.len() - 1 + chunk.len() > room {
                out.push(std::mem::replace(&mut cur, Window::new(open)).close(close));
            }
            for (id, r) in chunk {
                cur.ids.push(*id);
                cur.offsets.push(r.clone());
            }
        }
    }
    if cur.ids.len() > 1 {
        out.push(cur.close(close));
    }
    Ok(out)
}

/// Widens a byte range to whole words: letters and digits on either side are taken in.
pub fn to_word_bounds(text: &str, r: Range<usize>) -> Range<usize> {
    let mut start = r.start;
    while let Some(c) = text[..start].chars().next_back() {
        if !c.is_alphanumeric() {
            break;
        }
        start -= c.len_utf8();
    }
    let mut end = r.end;
    while let Some(c) = text[end..].chars().next() {
        if !c.is_alphanumeric() {
            break;
        }
        end += c.len_utf8();
    }
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_bounds() {
        let t = "Hello wonderful world!";
        assert_eq!(&t[to_word_bounds(t, 8..10)], "wonderful");
        assert_eq!(&t[to_word_bounds(t, 0..3)], "Hello");
        assert_eq!(&t[to_word_bounds(t, 16..22)], "world!");
        let e = "naïve café";
        assert_eq!(&e[to_word_bounds(e, 1..2)], "naïve");
    }
}
