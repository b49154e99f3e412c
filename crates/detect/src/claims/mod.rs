//! Check-worthy claims: which sentences state facts worth checking, ranked. The scorer
//! sits behind [`ClaimScorer`] (defined with the models, in `unspin_model::api`).

pub use unspin_model::api::{ClaimScorer, FastClaimScorer, ModelFailure};

use unspin_text::segment::{sentences, trim};
use unspin_text::Document;

use crate::report::Claim;

/// Every sentence of `doc` that holds a word, with its score, best first (ties in text
/// order). Offsets are characters; each span is the sentence without surrounding space.
pub fn score_sentences(
    scorer: &dyn ClaimScorer,
    doc: &Document,
) -> Result<Vec<Claim>, ModelFailure> {
    let ranges: Vec<_> = sentences(&doc.text)
        .into_iter()
        .map(|s| trim(&doc.text, s))
        .filter(|r| doc.text[r.clone()].chars().any(char::is_alphanumeric))
        .collect();
    let texts: Vec<&str> = ranges.iter().map(|r| &doc.text[r.clone()]).collect();
    let scores = scorer.score_batch(&texts)?;
    let mut out: Vec<Claim> = ranges
        .iter()
        .zip(texts)
        .zip(scores)
        .map(|((r, text), score)| {
            let (start, end) = doc.char_span(r.clone());
            Claim { start, end, text: text.to_string(), score }
        })
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.start.cmp(&b.start)));
    Ok(out)
}
