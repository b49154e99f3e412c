use unspin_model::claims::ClaimModel;

use super::{ClaimScorer, ModelFailure};

/// The linear claim model as a [`ClaimScorer`].
pub struct FastClaimScorer {
    model: ClaimModel,
}

impl FastClaimScorer {
    /// Wraps a loaded model.
    pub fn new(model: ClaimModel) -> FastClaimScorer {
        FastClaimScorer { model }
    }
}

impl ClaimScorer for FastClaimScorer {
    fn name(&self) -> &str {
        "fast"
    }

    fn score(&self, sentence: &str) -> Result<f32, ModelFailure> {
        Ok(self.model.score(sentence))
    }

    fn threshold(&self) -> f32 {
        self.model.threshold
    }
}
