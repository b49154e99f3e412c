use std::ops::Range;

use crate::{Error, OffsetMap};

/// One article: an id, where it came from, and its text with an offset map.
#[derive(Clone, Debug)]
pub struct Document {
    /// The document id (`articleNNN.txt` → `NNN`, otherwise the file stem or JSONL `id`).
    pub id: String,
    /// Where the document came from (a path, `path:line` for JSONL, or `<stdin>`).
    pub source: Option<String>,
    /// The text every offset indexes. For HTML input, the extracted article text.
    pub text: String,
    /// Other fields of a JSON Lines input object (outlet, date, …), kept for reports.
    pub meta: serde_json::Map<String, serde_json::Value>,
    offsets: OffsetMap,
}

impl Document {
    /// Makes a document from an id and its text.
    pub fn new(id: impl Into<String>, text: String) -> Document {
        let offsets = OffsetMap::new(&text);
        Document { id: id.into(), source: None, text, meta: serde_json::Map::new(), offsets }
    }

    /// Sets where the document came from.
    pub fn with_source(mut self, source: impl Into<String>) -> Document {
        self.source = Some(source.into());
        self
    }

    /// Length of the text in characters (Unicode scalar values).
    pub fn len_chars(&self) -> usize {
        self.offsets.len_chars()
    }

    /// Converts a byte range of the text into character offsets `(start, end)`.
    pub fn char_span(&self, bytes: Range<usize>) -> (usize, usize) {
        (
            self.offsets.byte_to_char(&self.text, bytes.start),
            self.offsets.byte_to_char(&self.text, bytes.end),
        )
    }

    /// Converts character offsets into a byte range of the text.
    pub fn byte_range(&self, start: usize, end: usize) -> Result<Range<usize>, Error> {
        let err = || Error::OffsetOutOfBounds { start, end, len: self.len_chars() };
        if start > end {
            return Err(err());
        }
        let s = self.offsets.char_to_byte(&self.text, start).ok_or_else(err)?;
        let e = self.offsets.char_to_byte(&self.text, end).ok_or_else(err)?;
        Ok(s..e)
    }

    /// The characters `[start, end)` of the text.
    pub fn slice_chars(&self, start: usize, end: usize) -> Result<&str, Error> {
        Ok(&self.text[self.byte_range(start, end)?])
    }
}

/// The document id for a file name: `articleNNN.txt` → `NNN` (the PTC convention),
/// otherwise the file stem.
pub fn id_from_file_name(name: &str) -> String {
    let stem = match name.rfind('.') {
        Some(i) if i > 0 => &name[..i],
        _ => name,
    };
    match stem.strip_prefix("article") {
        Some(rest) if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()) => {
            rest.to_string()
        }
        _ => stem.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        for (name, id) in [
            ("article111111111.txt", "111111111"),
            ("article.txt", "article"),
            ("articleX1.txt", "articleX1"),
            ("op-ed.html", "op-ed"),
            (".hidden", ".hidden"),
            ("noext", "noext"),
        ] {
            assert_eq!(id_from_file_name(name), id, "{name}");
        }
    }

    #[test]
    fn offsets_at_the_very_end() {
        let d = Document::new("x", "ab😀".to_string());
        assert_eq!(d.len_chars(), 3);
        assert_eq!(d.slice_chars(2, 3).unwrap(), "😀");
        assert_eq!(d.slice_chars(3, 3).unwrap(), "");
        assert!(d.slice_chars(3, 4).is_err());
        assert!(d.slice_chars(2, 1).is_err());
    }
}
