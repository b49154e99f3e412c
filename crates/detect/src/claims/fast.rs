use unspin_model::claims::ClaimModel;

use super::ClaimScorer;

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
    fn score(&self, sentence: &str) -> f32 {
        self.model.score(sentence)
    }

    fn threshold(&self) -> f32 {
        self.model.threshold
    }
}
