//! unspin's models.
//!
//! - [`Technique`]: the 14 SemEval-2020 Task 11 techniques, names and definitions.
//! - [`fast`]: the fast technique model — an averaged structured perceptron that tags
//!   spans (SI) and a multinomial logistic regression that names their technique (TC),
//!   both over hashed sparse features; trained in Rust in seconds, small enough to embed.
//! - [`claims`]: check-worthiness of sentences (CheckThat! Task 1), read by [`checkthat`].
//! - [`stack`]: article-aware technique decisions over the models' probabilities.
//! - [`ptc`]: reading the PTC corpus for training and evaluation.
//! - [`api`]: the traits every technique and claim model implements, and the fast adapters.
//! - [`artifact`]: model files: the format, names and the embedded default model.
//!
//! ```
//! use unspin_model::{fast::FastModel, Technique};
//!
//! let model = FastModel::embedded()?;
//! let text = "This evil, corrupt regime must be stopped! Stop it now!";
//! for span in model.detect(text) {
//!     assert!(text.is_char_boundary(span.range.start) && span.range.end <= text.len());
//!     assert!(Technique::ALL.contains(&span.techniques[0].0));
//! }
//! # Ok::<(), unspin_model::Error>(())
//! ```
#![deny(missing_docs)]

pub mod api;
pub mod artifact;
pub mod checkthat;
pub mod claims;
pub mod fast;
pub mod ptc;
pub mod stack;
mod technique;

use std::path::PathBuf;

pub use technique::Technique;

/// Errors from loading, training or running a model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A technique name that is not in the official list.
    #[error("unknown technique {0:?}")]
    UnknownTechnique(String),
    /// Reading a file failed.
    #[error("cannot read {}: {cause}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The underlying error: part of the message, and not also returned by
        /// `source()`, so that a printed chain names it once.
        cause: std::io::Error,
    },
    /// A model file is not a model unspin can read.
    #[error("model file: {0}")]
    Format(String),
    /// Training data is malformed.
    #[error("training data: {0}")]
    Data(String),
}
