use std::ops::Range;

use crate::claims::ClaimModel;
use crate::fast::{Classification, FastModel};

use super::{ClaimScorer, Detection, Labelled, ModelFailure, TechniqueDetector};

/// The fast model as a [`TechniqueDetector`].
pub struct FastDetector {
    model: FastModel,
}

impl FastDetector {
    /// Wraps a loaded model.
    pub fn new(model: FastModel) -> FastDetector {
        FastDetector { model }
    }

    /// The model.
    pub fn model(&self) -> &FastModel {
        &self.model
    }
}

fn labelled(c: Classification) -> Vec<Labelled> {
    let cue = c.cue.map(|c| c.description);
    c.techniques
        .into_iter()
        .enumerate()
        .map(|(i, (technique, probability))| Labelled {
            technique,
            probability,
            cue: if i == 0 { cue.clone() } else { None },
        })
        .collect()
}

impl TechniqueDetector for FastDetector {
    fn name(&self) -> &str {
        "fast"
    }

    fn detect(&self, text: &str) -> Result<Vec<Detection>, ModelFailure> {
        Ok(self
            .model
            .detect(text)
            .into_iter()
            .map(|p| Detection {
                range: p.range,
                span_confidence: p.span_confidence,
                techniques: labelled(Classification { techniques: p.techniques, cue: p.cue }),
            })
            .collect())
    }

    fn classify(
        &self,
        text: &str,
        ranges: &[Range<usize>],
    ) -> Result<Vec<Vec<Labelled>>, ModelFailure> {
        Ok(self.model.classify(text, ranges).into_iter().map(labelled).collect())
    }
}

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
