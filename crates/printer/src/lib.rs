//! Writers for unspin reports, each a [`Sink`]: pretty terminal output, JSON, JSON Lines,
//! SemEval SI/TC lines and a self-contained HTML page.
//!
//! ```
//! use unspin_detect::{report::Report, Sink};
//! use unspin_printer::JsonLines;
//!
//! let report = Report {
//!     id: "1".into(), source: None, text: "Hi".into(), meta: Default::default(),
//!     techniques: vec![], claims: vec![],
//!     quotes: vec![], sources: vec![], numbers: vec![], checks: vec![], models: Default::default(),
//! };
//! let mut out = Vec::new();
//! let mut sink = JsonLines::new(&mut out);
//! sink.report(&report)?;
//! sink.finish()?;
//! assert!(String::from_utf8(out).unwrap().starts_with("{\"id\":\"1\""));
//! # Ok::<(), std::io::Error>(())
//! ```
#![deny(missing_docs)]

pub mod aggregate;
mod html;
mod json;
mod pretty;
pub mod resume;
mod semeval;

pub use html::{escape, page, render_section, Html};
pub use json::{Json, JsonLines};
pub use pretty::Pretty;
pub use semeval::{SemevalSi, SemevalTc};
pub use unspin_detect::Sink;
