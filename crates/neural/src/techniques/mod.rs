//! The neural technique model: MiniLM with its top layers fine-tuned on PTC, a token head
//! for span identification (BIO over word pieces) and a span head for technique
//! classification (mean of the span's pieces + the window's `[CLS]`), mixed with the fast
//! model's technique probabilities.
//!
//! The committed file holds only what training changed (the top layers and the heads, in
//! f16), for one network or for each network of a seed ensemble, whose probabilities are
//! averaged; the base weights come from the installed encoder package.
//!
//! One file per concern: [`format`](mod@format) (the model file), [`heads`] (the heads and assembling
//! networks from the installed encoder), [`decoding`] (BIO decoding and ensemble
//! averages), [`detector`] (the [`TechniqueDetector`](unspin_model::api::TechniqueDetector)
//! that runs it); [`windows`] cuts articles into encoder windows, [`ensemble`] mixes spans
//! with the fast model, [`train`] fine-tunes.

pub mod decoding;
pub mod detector;
pub mod ensemble;
pub mod format;
pub mod heads;
pub mod stack;
pub mod train;
pub mod windows;

pub use decoding::decode;
pub use detector::{NeuralDetector, NeuralSpan, INFER_BATCH};
pub use format::{
    NeuralTechniqueModel, Settings, StoredTensor, ACCURATE_TECHNIQUE_FILE, NEURAL_TECHNIQUE_FILE,
};
pub use heads::{assemble, load_tokenizer, Heads, TAG_B, TAG_I, TAG_O};
