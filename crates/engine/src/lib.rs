//! unspin's engine: what every front end (the CLI, the server, the benches, the Python
//! binding) calls to turn a user's choice of models into a running [`Analyzer`].
//!
//! The walk from a flag to a detector is one step per file:
//! - [`choice`]: [`ModelChoice`], the model a user names (`fast`, `neural`, or a model
//!   file), parsed once (clap parses flags into it through `FromStr`);
//! - [`load`]: the one loader, from a choice to a [`TechniqueDetector`] or a
//!   [`ClaimScorer`], reading a model file's kind from its header
//!   ([`unspin_model::artifact::ArtifactKind`]);
//! - the detectors themselves, behind the traits of [`unspin_model::api`].
//!
//! [`EngineConfig`] puts the choices together into an [`Analyzer`].
//!
//! ```
//! use unspin_engine::{EngineConfig, ModelChoice};
//! use unspin_detect::Document;
//!
//! let config = EngineConfig { techniques: "fast".parse()?, ..EngineConfig::default() };
//! assert_eq!(config.claims, ModelChoice::Fast);
//! let analyzer = config.analyzer()?;
//! let report = analyzer.analyze(&Document::new("d", "A shameful betrayal!".into()))?;
//! assert_eq!(report.models.techniques.as_deref(), Some("fast"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod choice;
pub mod load;

use serde::{Deserialize, Serialize};
use unspin_detect::{Analyzer, AnalyzerBuilder};

pub use choice::ModelChoice;
pub use load::LoadError;
pub use unspin_model::api::{ClaimScorer, TechniqueDetector};

/// The models an analysis runs with, and how it treats their results.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EngineConfig {
    /// The technique model.
    pub techniques: ModelChoice,
    /// The claim model.
    pub claims: ModelChoice,
    /// The attribution model (`fast`: the embedded tagger; `neural`: the tagger that
    /// reads MiniLM's token vectors).
    pub quotes: ModelChoice,
    /// Technique spans below this confidence are dropped (in [0, 1]).
    pub min_confidence: f32,
    /// When a model fails on a text, fill its section with the fast model (with the fast
    /// model's own threshold) instead of failing the analysis; the report's `models` says
    /// which model filled each section and why. Off unless asked for.
    pub fallback: bool,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            techniques: ModelChoice::Fast,
            claims: ModelChoice::Fast,
            quotes: ModelChoice::Fast,
            min_confidence: 0.0,
            fallback: false,
        }
    }
}

impl EngineConfig {
    /// Loads the models and builds the analyzer.
    pub fn analyzer(&self) -> Result<Analyzer, LoadError> {
        let techniques = load::techniques(&self.techniques)?;
        let claims = load::claims(&self.claims)?;
        let mut b = AnalyzerBuilder::new();
        b.techniques_shared(techniques.clone())
            .claims_shared(claims.clone())
            .min_confidence(self.min_confidence);
        if let Some(neural) = load::quotes(&self.quotes)? {
            b.quotes_neural(neural);
        }
        if self.fallback {
            // The fast models are loaded once: a section already on them falls back to itself.
            let fast = |c: &ModelChoice| *c == ModelChoice::Fast;
            let t = if fast(&self.techniques) {
                techniques
            } else {
                load::techniques(&ModelChoice::Fast)?
            };
            let c = if fast(&self.claims) { claims } else { load::claims(&ModelChoice::Fast)? };
            b.fallback(t, c);
        }
        Ok(b.build())
    }
}
