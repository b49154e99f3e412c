//! Text handling for unspin: everything between the bytes a user hands us and the
//! `&str` the analyses run on, with exact offsets both ways.
//!
//! The pipeline, one module per stage:
//!
//! 1. [`mod@decode`]: bytes → `String` (UTF-8 with or without BOM, binary and size checks,
//!    optional lossy replacement). Nothing else is changed: CRLF and the BOM stay, so
//!    offsets agree with every other tool that reads the same file.
//! 2. [`html`]: an HTML page → its main article text (readability-style extraction).
//! 3. [`source`]: paths, directories, standard input and `*.jsonl` → [`Document`]s.
//! 4. [`segment`]: a text → sentences (which tile the text) and tokens, as byte ranges.
//! 5. [`offsets`]: byte ranges ↔ character offsets. Reports count Unicode scalar values
//!    (Python `str` indices), as SemEval-2020 Task 11 and the PTC corpus do.
//!
//! ```
//! use unspin_text::{Document, segment};
//!
//! let doc = Document::new("demo", "Héllo there. Who? 😀 Done.".to_string());
//! let sentences = segment::sentences(&doc.text);
//! assert_eq!(sentences.len(), 3);
//! let second = sentences[1].clone();
//! assert_eq!(&doc.text[second.clone()], "Who? ");
//! // Byte range → character offsets, and back.
//! let (start, end) = doc.char_span(second.clone());
//! assert_eq!((start, end), (13, 18));
//! assert_eq!(doc.byte_range(start, end)?, second);
//! # Ok::<(), unspin_text::Error>(())
//! ```
#![deny(missing_docs)]

pub mod decode;
mod document;
mod error;
pub mod html;
pub mod offsets;
pub mod segment;
pub mod source;

pub use decode::{decode, DecodeOptions};
pub use document::Document;
pub use error::Error;
pub use offsets::OffsetMap;
