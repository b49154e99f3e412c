//! Reading the Propaganda Techniques Corpus (SemEval-2020 Task 11) from its folder.
//!
//! Layout: `train-articles/articleID.txt`, `train-task2-TC.labels` and
//! `splits/{fit,valid}-ids.txt`. Gold offsets (characters) become byte ranges here.

use std::ops::Range;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use unspin_eval::labels;
use unspin_text::{DecodeOptions, Document};

use crate::{Error, Technique};

/// A part of the corpus.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    /// The articles listed in `splits/fit-ids.txt` (train on these).
    Fit,
    /// The articles listed in `splits/valid-ids.txt` (report on these).
    Valid,
    /// Every article in `train-articles/`.
    All,
}

impl std::str::FromStr for Split {
    type Err = Error;
    fn from_str(s: &str) -> Result<Split, Error> {
        match s {
            "fit" => Ok(Split::Fit),
            "valid" => Ok(Split::Valid),
            "all" => Ok(Split::All),
            _ => Err(Error::Data(format!("unknown split {s:?} (expected fit, valid or all)"))),
        }
    }
}

/// One annotated article.
#[derive(Clone, Debug)]
pub struct Article {
    /// The article and its text.
    pub doc: Document,
    /// Gold spans: byte ranges of `doc.text` with their technique (a span with two
    /// techniques appears twice).
    pub spans: Vec<(Range<usize>, Technique)>,
}

/// A loaded split, with a hash of exactly what was read.
#[derive(Clone, Debug)]
pub struct Corpus {
    /// The articles, sorted by id.
    pub articles: Vec<Article>,
    /// SHA-256 (hex) over the article ids, texts and label lines read.
    pub sha256: String,
}

fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|cause| Error::Io { path: path.to_path_buf(), cause })
}

/// The ids of a split, sorted.
pub fn split_ids(dir: &Path, split: Split) -> Result<Vec<String>, Error> {
    let mut ids: Vec<String> = match split {
        Split::Fit | Split::Valid => {
            let name = if split == Split::Fit { "fit-ids.txt" } else { "valid-ids.txt" };
            read(&dir.join("splits").join(name))?
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect()
        }
        Split::All => {
            let articles = dir.join("train-articles");
            let entries = std::fs::read_dir(&articles)
                .map_err(|cause| Error::Io { path: articles.clone(), cause })?;
            entries
                .filter_map(|e| e.ok())
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    let id = name.strip_prefix("article")?.strip_suffix(".txt")?.to_string();
                    Some(id)
                })
                .collect()
        }
    };
    ids.sort();
    Ok(ids)
}

/// Loads a split of the corpus in `dir` (the `ptc/` folder).
pub fn load(dir: &Path, split: Split) -> Result<Corpus, Error> {
    let ids = split_ids(dir, split)?;
    let label_path: PathBuf = dir.join("train-task2-TC.labels");
    let gold = labels::parse_tc(&read(&label_path)?, &label_path.display().to_string())
        .map_err(|e| Error::Data(e.to_string()))?;
    let mut hasher = Sha256::new();
    let mut articles = Vec::with_capacity(ids.len());
    let opts = DecodeOptions::default();
    for id in &ids {
        let path = dir.join("train-articles").join(format!("article{id}.txt"));
        let bytes =
            std::fs::read(&path).map_err(|cause| Error::Io { path: path.clone(), cause })?;
        let text = unspin_text::decode(&bytes, &opts)
            .map_err(|e| Error::Data(format!("{}: {e}", path.display())))?;
        hasher.update(id.as_bytes());
        hasher.update(&bytes);
        let doc = Document::new(id.clone(), text);
        let mut spans = Vec::new();
        for g in gold.iter().filter(|g| &g.id == id) {
            hasher.update(format!("{}\t{}\t{}\n", g.technique, g.start, g.end).as_bytes());
            let range = doc
                .byte_range(g.start, g.end)
                .map_err(|e| Error::Data(format!("article {id}: {e}")))?;
            spans.push((range, g.technique.parse()?));
        }
        articles.push(Article { doc, spans });
    }
    let sha256 = crate::artifact::hex(&hasher.finalize());
    Ok(Corpus { articles, sha256 })
}
