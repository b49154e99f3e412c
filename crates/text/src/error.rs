use std::path::PathBuf;

/// Everything that can go wrong while turning input into text.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input holds no text (nothing, or only white space).
    #[error("input is empty")]
    Empty,
    /// The input holds a NUL byte, which no text file does.
    #[error("input looks binary (NUL byte at byte offset {offset})")]
    Binary {
        /// Byte offset of the first NUL.
        offset: usize,
    },
    /// The input is not valid UTF-8.
    #[error(
        "input is not valid UTF-8 (first bad byte at byte offset {offset}); \
         lossy decoding (--lossy) replaces bad bytes with U+FFFD"
    )]
    InvalidUtf8 {
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
    /// The input is larger than the configured limit.
    #[error("input is {size} bytes, over the limit of {limit} bytes (raise it with --max-bytes)")]
    TooLarge {
        /// Size of the input in bytes (at least this many).
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// Reading a path failed.
    #[error("cannot read {}: {cause}", path.display())]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The underlying error: part of the message, and not also returned by
        /// `source()`, so that a printed chain names it once.
        cause: std::io::Error,
    },
    /// The input is one of this run's own output files.
    #[error("is this run's own output file; not read as input")]
    OwnOutput,
    /// An HTML page had no extractable text.
    #[error("no article text could be extracted from the HTML")]
    NoHtmlText,
    /// A line of a JSON Lines input is malformed.
    #[error("line {line}: {message}")]
    Jsonl {
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
    /// Character offsets do not fit the text.
    #[error("character offsets {start}..{end} do not fit a text of {len} characters")]
    OffsetOutOfBounds {
        /// Start (inclusive), in characters.
        start: usize,
        /// End (exclusive), in characters.
        end: usize,
        /// Length of the text in characters.
        len: usize,
    },
}
