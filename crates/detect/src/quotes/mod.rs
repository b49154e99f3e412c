//! Quotations, their speakers, and cited sources (rules and learned taggers).
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
//! - Attributions (source, cue, content) from a learned tagger ([`tagger`]); with
//!   [`NeuralAttribution`], a tagger that also reads an encoder's token vectors.

pub mod antecedent;
mod attribution;
mod choice;
mod merge;
mod phrase;
mod scan;
pub mod tagger;
mod time;

use std::ops::Range;
use std::sync::Arc;

use unspin_model::api::ModelFailure;
use unspin_text::Document;

use crate::report::{Part, Quote, SourceRef};

pub(crate) use attribution::is_reporting;
pub use merge::{attributions, attributions_with, Attributed};
pub use scan::{find, Found, FoundQuote, FoundSource};

fn part(doc: &Document, r: Range<usize>) -> Part {
    let (start, end) = doc.char_span(r.clone());
    Part { start, end, text: doc.text[r].to_string() }
}

/// Where a tagger that reads token vectors gets them: an encoder run over the text.
pub trait VectorSource: Send + Sync {
    /// The name reports give the attribution model (`neural`).
    fn name(&self) -> &str;
    /// The vectors of the tokens of `text`, made as `recipe` says.
    fn vectors(
        &self,
        text: &str,
        recipe: &tagger::VectorRecipe,
    ) -> Result<tagger::TokenVectors, ModelFailure>;
}

/// Attribution with a tagger that reads an encoder's token vectors: the tagger, the
/// source linker trained on its output, and the encoder.
#[derive(Clone)]
pub struct NeuralAttribution {
    /// The tagger (it has a [`tagger::VectorRecipe`]).
    pub tagger: tagger::Tagger,
    /// The source linker trained with it.
    pub linker: tagger::link::Linker,
    /// The encoder.
    pub vectors: Arc<dyn VectorSource>,
}

impl NeuralAttribution {
    /// The shipped neural tagger and linker, reading vectors from `vectors`; none if
    /// their embedded files do not read.
    pub fn shipped(vectors: Arc<dyn VectorSource>) -> Option<NeuralAttribution> {
        let tagger = tagger::shipped_neural()?.clone();
        let linker = tagger::link::shipped_neural()?.clone();
        tagger.recipe()?;
        Some(NeuralAttribution { tagger, linker, vectors })
    }

    /// The attributions of `text` (see [`attributions_with`]).
    pub fn attributions(&self, text: &str, rules: &Found) -> Result<Vec<Attributed>, ModelFailure> {
        let recipe = self
            .tagger
            .recipe()
            .ok_or_else(|| ModelFailure::new(self.vectors.name(), "the tagger reads no vectors"))?;
        let v = self.vectors.vectors(text, recipe)?;
        Ok(attributions_with(text, rules, Some(&self.tagger), Some(&self.linker), Some(&v)))
    }
}

/// The report's `quotes` and `sources` for a document.
pub fn analyze(doc: &Document) -> (Vec<Quote>, Vec<SourceRef>) {
    let found = find(&doc.text);
    let attributed = attributions(&doc.text, &found);
    report(doc, found, attributed)
}

/// [`analyze`] with the neural tagger when one is given.
pub fn analyze_with(
    doc: &Document,
    neural: Option<&NeuralAttribution>,
) -> Result<(Vec<Quote>, Vec<SourceRef>), ModelFailure> {
    let Some(neural) = neural else { return Ok(analyze(doc)) };
    let found = find(&doc.text);
    let attributed = neural.attributions(&doc.text, &found)?;
    Ok(report(doc, found, attributed))
}

/// The report's `quotes` and `sources` from the attributions and rule findings.
fn report(
    doc: &Document,
    found: Found,
    attributed: Vec<Attributed>,
) -> (Vec<Quote>, Vec<SourceRef>) {
    let quotes = attributed
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
