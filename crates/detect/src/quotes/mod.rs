//! Quotations, their speakers, and cited sources (rule-based).
//!
//! - Direct quotations between `"…"`, `“…”`, `«…»`, or `‘…’`/`'…'` where unambiguous; a
//!   quotation that runs over paragraphs (a paragraph opening a quote without closing it,
//!   the next reopening it) is one quotation; one or two quoted words are `scare` quotes.
//! - Speakers from reporting verbs before or after the quotation ("said X", "X told
//!   reporters", "X: «…»", "according to X"), with titles and roles split off
//!   ("Prime Minister Winston Churchill" → `Winston Churchill`, role kept), and pronouns
//!   ("he added") resolved to the last named speaker. Unattributed quotations keep
//!   `speaker: null`.
//! - Indirect speech: "X said (that) …" → `indirect`, the reported clause as the span.
//! - Sources: "(Source: …)", "according to" an organisation or report, "`<Outlet>` reported",
//!   tweets and posts, URLs.

mod attribution;
mod merge;
mod scan;
pub mod tagger;

use std::ops::Range;

use unspin_text::Document;

use crate::report::{Part, Quote, SourceRef};

pub(crate) use attribution::is_reporting;
pub use merge::{attributions, attributions_with, Attributed};
pub use scan::{find, Found, FoundQuote, FoundSource};

fn part(doc: &Document, r: Range<usize>) -> Part {
    let (start, end) = doc.char_span(r.clone());
    Part { start, end, text: doc.text[r].to_string() }
}

/// The report's `quotes` and `sources` for a document.
pub fn analyze(doc: &Document) -> (Vec<Quote>, Vec<SourceRef>) {
    let found = find(&doc.text);
    let quotes = attributions(&doc.text, &found)
        .into_iter()
        .map(|a| {
            let q = a.quote;
            let (start, end) = doc.char_span(q.range.clone());
            Quote {
                start,
                end,
                text: doc.text[q.range].to_string(),
                speaker: q.speaker,
                kind: q.kind,
                role: q.role,
                source: a.source.map(|r| part(doc, r)),
                cue: a.cue.map(|r| part(doc, r)),
            }
        })
        .collect();
    let sources = found
        .sources
        .into_iter()
        .map(|s| {
            let (start, end) = doc.char_span(s.range.clone());
            SourceRef { start, end, text: doc.text[s.range].to_string(), name: s.name }
        })
        .collect();
    (quotes, sources)
}

#[cfg(test)]
mod tests;
