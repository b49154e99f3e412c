//! Check-worthy claims: which sentences state facts worth checking, ranked. The scorer
//! sits behind [`ClaimScorer`]; implementations have a file each.

mod fast;

pub use fast::FastClaimScorer;

pub use crate::techniques::ModelFailure;

use unspin_text::segment::{sentences, trim};
use unspin_text::Document;

use crate::report::Claim;

/// Scores sentences for check-worthiness.
pub trait ClaimScorer: Send + Sync {
    /// A short name of the model (`fast`, `neural`).
    fn name(&self) -> &str;
    /// The score of one sentence, in [0, 1].
    fn score(&self, sentence: &str) -> Result<f32, ModelFailure>;
    /// The scores of many sentences (implementations may batch them).
    fn score_batch(&self, sentences: &[&str]) -> Result<Vec<f32>, ModelFailure> {
        sentences.iter().map(|s| self.score(s)).collect()
    }
    /// Scores at or above this are check-worthy.
    fn threshold(&self) -> f32;
}

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
