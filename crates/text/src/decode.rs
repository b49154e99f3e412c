//! Bytes → text, with the checks every input goes through.
//!
//! ```
//! use unspin_text::{decode, DecodeOptions, Error};
//!
//! let opts = DecodeOptions::default();
//! assert_eq!(decode(b"caf\xc3\xa9\r\n", &opts)?, "café\r\n");
//! assert!(matches!(decode(b"a\0b", &opts), Err(Error::Binary { offset: 1 })));
//! let lossy = DecodeOptions { lossy: true, ..DecodeOptions::default() };
//! assert_eq!(decode(b"bad \xff byte", &lossy)?, "bad \u{FFFD} byte");
//! # Ok::<(), Error>(())
//! ```

use crate::Error;

/// The default input size limit: 10 MB.
pub const DEFAULT_MAX_BYTES: u64 = 10_000_000;

/// How [`decode`] treats its input.
#[derive(Clone, Debug)]
pub struct DecodeOptions {
    /// Inputs larger than this many bytes are refused.
    pub max_bytes: u64,
    /// Replace invalid UTF-8 with U+FFFD instead of failing.
    pub lossy: bool,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions { max_bytes: DEFAULT_MAX_BYTES, lossy: false }
    }
}

/// Decodes `bytes` as UTF-8 text.
///
/// The text is kept exactly as it is: a byte-order mark stays as U+FEFF at character 0
/// (the PTC corpus counts it), and line endings are not normalised. Fails on input that is
/// empty (or only white space), binary (a NUL byte), over `max_bytes`, or not UTF-8
/// (unless `lossy`).
pub fn decode(bytes: &[u8], opts: &DecodeOptions) -> Result<String, Error> {
    if bytes.len() as u64 > opts.max_bytes {
        return Err(Error::TooLarge { size: bytes.len() as u64, limit: opts.max_bytes });
    }
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        return Err(Error::Binary { offset });
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) if opts.lossy => String::from_utf8_lossy(bytes).into_owned(),
        Err(e) => return Err(Error::InvalidUtf8 { offset: e.valid_up_to() }),
    };
    if text.chars().all(|c| c.is_whitespace() || c == '\u{feff}') {
        return Err(Error::Empty);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_bom_and_crlf() {
        let t = decode(b"\xef\xbb\xbfHi\r\nthere", &DecodeOptions::default()).unwrap();
        assert_eq!(t.chars().next(), Some('\u{feff}'));
        assert!(t.ends_with("Hi\r\nthere"));
    }

    #[test]
    fn refuses_bad_input() {
        let o = DecodeOptions { max_bytes: 5, lossy: false };
        assert!(matches!(decode(b"", &o), Err(Error::Empty)));
        assert!(matches!(decode(b" \n\t", &o), Err(Error::Empty)));
        assert!(matches!(decode(b"\xef\xbb\xbf", &o), Err(Error::Empty)));
        assert!(matches!(decode(b"123456", &o), Err(Error::TooLarge { size: 6, limit: 5 })));
        assert!(matches!(decode(b"ab\xffc", &o), Err(Error::InvalidUtf8 { offset: 2 })));
        assert!(matches!(decode(b"\x00", &o), Err(Error::Binary { offset: 0 })));
    }
}
