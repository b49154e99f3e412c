//! Passages of the shared data referenced by the hand-annotated sets
//! (`eval/comparisons.json`, `eval/quantities.json`): a corpus, an article, character
//! offsets and the SHA-256 of the passage, never the text itself, which is read from the
//! data directory and checked against the digest.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Why a set or one of its passages could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PassageError {
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

/// Where a passage is: `corpus` (`polnear-train` or `ptc-train`), the article's file name,
/// its character range (Unicode scalar values, end exclusive) and the SHA-256 of its text.
#[derive(Clone, Copy, Debug)]
pub struct Reference<'a> {
    /// `polnear-train` or `ptc-train`.
    pub corpus: &'a str,
    /// The article's file name.
    pub article: &'a str,
    /// First character.
    pub start: usize,
    /// End (exclusive).
    pub end: usize,
    /// SHA-256 of the passage (UTF-8), hex.
    pub sha256: &'a str,
}

/// The directory of a corpus's article texts under the data directory.
fn corpus_dir(data: &Path, corpus: &str) -> Result<PathBuf, PassageError> {
    match corpus {
        "polnear-train" => Ok(data.join("polnear/train/text")),
        "ptc-train" => Ok(data.join("ptc/train-articles")),
        other => Err(PassageError::Corpus(other.to_string())),
    }
}

/// The text `r` refers to, read from `data` (the shared data directory holding `polnear/`
/// and `ptc/`) and checked against its digest.
pub fn read(data: &Path, r: Reference<'_>) -> Result<String, PassageError> {
    let path = corpus_dir(data, r.corpus)?.join(r.article);
    let article = std::fs::read_to_string(&path).map_err(|e| PassageError::Io(path, e))?;
    let text: String = article.chars().skip(r.start).take(r.end.saturating_sub(r.start)).collect();
    let digest: String =
        Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    if digest != r.sha256 {
        let (article, start, end) = (r.article.to_string(), r.start, r.end);
        return Err(PassageError::Digest { article, start, end });
    }
    Ok(text)
}

/// Parses the JSON annotation file `file`.
pub fn load_json<T: serde::de::DeserializeOwned>(file: &Path) -> Result<T, PassageError> {
    let raw = std::fs::read_to_string(file).map_err(|e| PassageError::Io(file.into(), e))?;
    serde_json::from_str(&raw).map_err(|e| PassageError::Json(file.into(), e))
}
