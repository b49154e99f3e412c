//! Passages of the shared data referenced by the hand-annotated sets
//! (`eval/comparisons.json`, `eval/quantities.json`): a corpus, an article, character
//! offsets and the SHA-256 of the passage, never the text itself, which is read from the
//! data directory and checked against the digest.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
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
/// An annotation holds it flattened (`#[serde(flatten)]`): the five fields sit beside the
/// annotation's own.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Located {
    /// `polnear-train` or `ptc-train`.
    pub corpus: String,
    /// The article's file name.
    pub article: String,
    /// First character.
    pub start: usize,
    /// End (exclusive).
    pub end: usize,
    /// SHA-256 of the passage (UTF-8), hex.
    pub sha256: String,
}

/// The directory of a corpus's article texts under the data directory.
fn corpus_dir(data: &Path, corpus: &str) -> Result<PathBuf, PassageError> {
    match corpus {
        "polnear-train" => Ok(data.join("polnear/train/text")),
        "ptc-train" => Ok(data.join("ptc/train-articles")),
        other => Err(PassageError::Corpus(other.to_string())),
    }
}

impl Located {
    /// The text this refers to, read from `data` (the shared data directory holding
    /// `polnear/` and `ptc/`) and checked against its digest.
    pub fn read(&self, data: &Path) -> Result<String, PassageError> {
        let path = corpus_dir(data, &self.corpus)?.join(&self.article);
        let article = std::fs::read_to_string(&path).map_err(|e| PassageError::Io(path, e))?;
        let len = self.end.saturating_sub(self.start);
        let text: String = article.chars().skip(self.start).take(len).collect();
        let digest: String =
            Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        if digest != self.sha256 {
            let (article, start, end) = (self.article.clone(), self.start, self.end);
            return Err(PassageError::Digest { article, start, end });
        }
        Ok(text)
    }
}

/// The annotations of the JSON file `file`, each with the text its location (`at`) refers
/// to, read from `data`.
pub fn load<T: DeserializeOwned>(
    file: &Path,
    data: &Path,
    at: impl Fn(&T) -> &Located,
) -> Result<Vec<(T, String)>, PassageError> {
    let raw = std::fs::read_to_string(file).map_err(|e| PassageError::Io(file.into(), e))?;
    let all: Vec<T> = serde_json::from_str(&raw).map_err(|e| PassageError::Json(file.into(), e))?;
    all.into_iter()
        .map(|a| {
            let text = at(&a).read(data)?;
            Ok((a, text))
        })
        .collect()
}
