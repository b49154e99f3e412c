//! Comparisons in real news (`eval/comparisons.json`): passages of PolNeAR `train` and
//! PTC articles holding a comparison ("twice as many", "down 16 percent", "doubled"), or
//! an idiom that only looks like one ("doubled down"), annotated by hand with the
//! expected verdict of the article's own arithmetic. The file holds references (corpus,
//! article, character offsets, the SHA-256 of the passage), never the texts: they are
//! read from the data directory and checked against the digest.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::passages::{Located, PassageError};

/// One annotated comparison.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Comparison {
    /// Where the passage is.
    #[serde(flatten)]
    pub at: Located,
    /// The words that make the claim, as written ("about twice as many").
    pub claim: String,
    /// The claimed ratio or change, if any.
    pub claimed: Option<f64>,
    /// The operands as written, where the passage has them.
    pub operands: Vec<String>,
    /// The ratio or change the operands give, where they exist.
    pub computed: Option<f64>,
    /// `consistent`, `inconsistent`, `unverifiable`, or `none` (not a comparison).
    pub verdict: String,
}

/// An annotated comparison with its passage.
#[derive(Clone, Debug)]
pub struct Passage {
    /// The annotation.
    pub comparison: Comparison,
    /// The passage's text.
    pub text: String,
}

/// Reads the annotations in `file` and their passages from `data` (the shared data
/// directory holding `polnear/` and `ptc/`).
pub fn load(file: &Path, data: &Path) -> Result<Vec<Passage>, PassageError> {
    let all = crate::passages::load(file, data, |c: &Comparison| &c.at)?;
    Ok(all.into_iter().map(|(comparison, text)| Passage { comparison, text }).collect())
}
