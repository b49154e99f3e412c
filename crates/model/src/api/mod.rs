//! The engine API every model implements and every front end (CLI, server, benches,
//! bindings) calls: [`TechniqueDetector`] for propaganda spans and their techniques,
//! [`ClaimScorer`] for check-worthiness, the types they return, and [`ModelFailure`] for a
//! model that fails on a text at run time. The fast models' adapters live here, beside
//! the fast models; other model crates (the encoder) implement the same traits.

mod fast;

use std::ops::Range;

pub use fast::{ranked, FastClaimScorer, FastDetector, FastSpan};

use crate::Technique;

/// A technique the detector names for a span, with its probability and cue.
#[derive(Clone, Debug, PartialEq)]
pub struct Labelled {
    /// The technique.
    pub technique: Technique,
    /// Probability of the technique given the span.
    pub probability: f32,
    /// What pointed to it, in words ("the word “evil”"), if anything did.
    pub cue: Option<String>,
}

/// A detected span (byte range of the text) with its techniques, most likely first.
#[derive(Clone, Debug)]
pub struct Detection {
    /// Byte range of the text.
    pub range: Range<usize>,
    /// Probability that the span is propaganda at all.
    pub span_confidence: f32,
    /// Techniques, most likely first (at least one).
    pub techniques: Vec<Labelled>,
}

/// A model that failed on a text at run time (an allocation, a shape, a tokenizer
/// error): the analysis of that text fails, it is never reported without the section.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the {model} model failed: {cause}")]
pub struct ModelFailure {
    /// The model's name (`neural`, …).
    pub model: String,
    /// What went wrong.
    pub cause: String,
}

impl ModelFailure {
    /// A failure of `model` for `cause`.
    pub fn new(model: impl Into<String>, cause: impl std::fmt::Display) -> ModelFailure {
        ModelFailure { model: model.into(), cause: cause.to_string() }
    }
}

/// Finds propaganda spans and names their techniques.
pub trait TechniqueDetector: Send + Sync {
    /// A short name of the model (`fast`, `neural`).
    fn name(&self) -> &str;
    /// Finds the spans of `text` (SI) and names their techniques.
    fn detect(&self, text: &str) -> Result<Vec<Detection>, ModelFailure>;
    /// Names the techniques of given byte ranges of `text` (TC), each ranked.
    fn classify(
        &self,
        text: &str,
        ranges: &[Range<usize>],
    ) -> Result<Vec<Vec<Labelled>>, ModelFailure>;
}

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

/// How token vectors are made: an encoder's hidden states after each of `layers` layers,
/// averaged over each token's word pieces, each scaled to Euclidean length `norm`, put
/// end to end.
#[derive(Clone, Debug, PartialEq)]
pub struct VectorRecipe {
    /// After how many encoder layers the states are read (increasing, from 1).
    pub layers: Vec<usize>,
    /// Length of each layer's part of a token's vector.
    pub norm: f32,
}

impl VectorRecipe {
    /// Whether the recipe can be followed: at least one layer, increasing from 1, and a
    /// finite positive length.
    pub fn is_valid(&self) -> bool {
        let l = &self.layers;
        !l.is_empty()
            && l[0] >= 1
            && l.windows(2).all(|w| w[0] < w[1])
            && self.norm.is_finite()
            && self.norm > 0.0
    }
}

/// Dense vectors for the tokens of a text, made by `recipe`: row `i` belongs to the
/// text's token `i` (`unspin_text::segment::tokens`); zeros for a token no word piece
/// covers.
#[derive(Clone, Debug)]
pub struct TokenVectors {
    /// How they were made.
    pub recipe: VectorRecipe,
    /// Length of each vector.
    pub dim: usize,
    /// `tokens × dim` values, row-major.
    pub data: Vec<f32>,
}

impl TokenVectors {
    /// The vector of token `i`, if there is one.
    pub fn row(&self, i: usize) -> Option<&[f32]> {
        self.data.get(i * self.dim..(i + 1) * self.dim)
    }
}
