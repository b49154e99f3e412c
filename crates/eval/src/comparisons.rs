//! Comparisons in real news (`eval/comparisons.json`): passages of PolNeAR `train` and
//! PTC articles holding a comparison ("twice as many", "down 16 percent", "doubled"), or
//! an idiom that only looks like one ("doubled down"), annotated by hand with the
//! expected verdict of the article's own arithmetic. The file holds references (corpus,
//! article, character offsets, the SHA-256 of the passage), never the texts: they are
//! read from the data directory and checked against the digest.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One annotated comparison.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Comparison {
    /// `polnear-train` or `ptc-train`.
    pub corpus: String,
    /// The article's file name.
    pub article: String,
    /// The passage's first character (Unicode scalar values).
    pub start: usize,
    /// The passage's end (exclusive).
    pub end: usize,
    /// SHA-256 of the passage (UTF-8), hex.
    pub sha256: String,
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

/// Why the set could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ComparisonError {
    /// The annotation file or an article could not be read.
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    /// The annotation file is not valid.
    #[error("{0}: {1}")]
    Json(PathBuf, serde_json::Error),
    /// A corpus name the reader does not know.
    #[error("unknown corpus {0:?}")]
    Corpus(String),
    /// The passage read from the data is not the one annotated.
    #[error("{article} {start}..{end}: the passage in the data does not match its digest")]
    Digest {
        /// The article.
        article: String,
        /// First character.
        start: usize,
        /// End.
        end: usize,
    },
}

/// The directory of a corpus's article texts under the data directory.
fn corpus_dir(data: &Path, corpus: &str) -> Result<PathBuf, ComparisonError> {
    match corpus {
        "polnear-train" => Ok(data.join("polnear/train/text")),
        "ptc-train" => Ok(data.join("ptc/train-articles")),
        other => Err(ComparisonError::Corpus(other.to_string())),
    }
}

/// Reads the annotations in `file` and their passages from `data` (the shared data
/// directory holding `polnear/` and `ptc/`).
pub fn load(file: &Path, data: &Path) -> Result<Vec<Passage>, ComparisonError> {
    let raw = std::fs::read_to_string(file).map_err(|e| ComparisonError::Io(file.into(), e))?;
    let all: Vec<Comparison> =
        serde_json::from_str(&raw).map_err(|e| ComparisonError::Json(file.into(), e))?;
    all.into_iter()
        .map(|c| {
            let path = corpus_dir(data, &c.corpus)?.join(&c.article);
            let article =
                std::fs::read_to_string(&path).map_err(|e| ComparisonError::Io(path, e))?;
            let text: String =
                article.chars().skip(c.start).take(c.end.saturating_sub(c.start)).collect();
            let digest: String =
                Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
            if digest != c.sha256 {
                let (article, start, end) = (c.article.clone(), c.start, c.end);
                return Err(ComparisonError::Digest { article, start, end });
            }
            Ok(Passage { comparison: c, text })
        })
        .collect()
}
