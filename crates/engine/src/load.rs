//! The one loader: from a [`ModelChoice`] to a running model behind the traits of
//! [`unspin_model::api`]. A model file's kind is read from its header, so one flag takes
//! any file `unspin train` made and a file of the wrong kind is refused by name.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use unspin_detect::quotes::{NeuralAttribution, VectorSource};
use unspin_model::api::{
    ClaimScorer, FastClaimScorer, FastDetector, ModelFailure, TechniqueDetector, TokenVectors,
    VectorRecipe,
};
use unspin_model::artifact::{self, ArtifactKind};
use unspin_model::claims::ClaimModel;
use unspin_model::fast::FastModel;
use unspin_model::stack::Stacker;
use unspin_neural::claims::{NeuralClaimModel, NeuralClaimScorer};
use unspin_neural::techniques::{NeuralDetector, NeuralTechniqueModel};

use crate::ModelChoice;

/// A model that could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// Reading, parsing or starting a model failed (the source says why: a missing
    /// encoder install, a truncated file, …).
    #[error("loading {what}")]
    Failed {
        /// Which model, in words (`the embedded fast model`, `model x.bin`).
        what: String,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A model file of another kind than the section needs.
    #[error("{} is {found}, not {wanted}", path.display())]
    WrongKind {
        /// The file.
        path: PathBuf,
        /// What it holds.
        found: &'static str,
        /// What was asked for.
        wanted: &'static str,
    },
}

fn failed<E>(what: impl Into<String>) -> impl FnOnce(E) -> LoadError
where
    E: std::error::Error + Send + Sync + 'static,
{
    let what = what.into();
    move |e| LoadError::Failed { what, source: Box::new(e) }
}

fn describe(kind: ArtifactKind) -> &'static str {
    match kind {
        ArtifactKind::FastTechniques => "a fast technique model",
        ArtifactKind::NeuralTechniques => "a neural technique model",
        ArtifactKind::FastClaims => "a fast claim model",
        ArtifactKind::NeuralClaims => "a neural claim model",
    }
}

/// A model file's bytes and kind (size and header checked before the rest is read).
fn read(path: &Path) -> Result<(Vec<u8>, ArtifactKind), LoadError> {
    let what = format!("model {}", path.display());
    let bytes = artifact::read_file(path).map_err(failed(what.clone()))?;
    let kind = ArtifactKind::of(&bytes).ok_or_else(|| LoadError::Failed {
        what,
        source: format!("{} has no unspin model header", path.display()).into(),
    })?;
    Ok((bytes, kind))
}

/// The embedded fast technique model, with the committed stacker.
pub fn fast_detector() -> Result<FastDetector, LoadError> {
    let model = FastModel::embedded().map_err(failed("the embedded fast model"))?;
    Ok(FastDetector::new(model).with_stacker(Stacker::embedded()))
}

/// The embedded linear claim model (the neural claim scorer stacks on it).
pub fn fast_claim_model() -> Result<ClaimModel, LoadError> {
    ClaimModel::embedded().map_err(failed("the embedded claim model"))
}

/// Which committed stacker stage goes with a neural detector.
#[derive(Clone, Copy)]
enum Stage {
    /// None: a model file, which the committed stages were not fitted on.
    None,
    /// The stage fitted on the committed `neural` model's held-out articles.
    Neural,
    /// The stage fitted on the committed `accurate` model's held-out articles.
    Accurate,
}

/// A neural detector over the embedded fast one, with the committed stacker stage
/// `stage` names.
fn neural_detector(
    model: NeuralTechniqueModel,
    stage: Stage,
) -> Result<Arc<dyn TechniqueDetector>, LoadError> {
    let fast = fast_detector()?;
    let d =
        NeuralDetector::new(model, fast.clone()).map_err(failed("the neural technique model"))?;
    let stage = Stacker::embedded().and_then(|s| match stage {
        Stage::None => None,
        Stage::Neural => s.neural.clone(),
        Stage::Accurate => s.accurate.clone(),
    });
    // The accurate stage averages in the committed neural model's probabilities.
    let partner = match &stage {
        Some(s) if s.partner > 0.0 => {
            let model = NeuralTechniqueModel::embedded()
                .map_err(failed("the embedded neural technique model"))?;
            let p = NeuralDetector::new(model, fast)
                .map_err(failed("the neural technique model (the accurate tier's partner)"))?;
            Some(p)
        }
        _ => None,
    };
    Ok(Arc::new(d.with_stage(stage).with_partner(partner)))
}

/// The technique detector `choice` names.
pub fn techniques(choice: &ModelChoice) -> Result<Arc<dyn TechniqueDetector>, LoadError> {
    match choice {
        ModelChoice::Fast => Ok(Arc::new(fast_detector()?)),
        ModelChoice::Neural => neural_detector(
            NeuralTechniqueModel::embedded()
                .map_err(failed("the embedded neural technique model"))?,
            Stage::Neural,
        ),
        ModelChoice::Accurate => neural_detector(
            NeuralTechniqueModel::embedded_accurate()
                .map_err(failed("the embedded accurate technique model"))?,
            Stage::Accurate,
        ),
        ModelChoice::File(path) => {
            let what = || format!("model {}", path.display());
            match read(path)? {
                (bytes, ArtifactKind::NeuralTechniques) => neural_detector(
                    NeuralTechniqueModel::from_bytes(&bytes).map_err(failed(what()))?,
                    Stage::None,
                ),
                (bytes, ArtifactKind::FastTechniques) => {
                    let m = FastModel::from_bytes(&bytes).map_err(failed(what()))?;
                    Ok(Arc::new(FastDetector::new(m)))
                }
                (_, kind) => Err(LoadError::WrongKind {
                    path: path.clone(),
                    found: describe(kind),
                    wanted: "a technique model",
                }),
            }
        }
    }
}

fn neural_scorer(head: NeuralClaimModel) -> Result<Arc<dyn ClaimScorer>, LoadError> {
    let s = NeuralClaimScorer::new(fast_claim_model()?, head)
        .map_err(failed("the neural claim scorer"))?;
    Ok(Arc::new(s))
}

/// The claim scorer `choice` names.
pub fn claims(choice: &ModelChoice) -> Result<Arc<dyn ClaimScorer>, LoadError> {
    match choice {
        ModelChoice::Fast => Ok(Arc::new(FastClaimScorer::new(fast_claim_model()?))),
        ModelChoice::Neural => {
            neural_scorer(NeuralClaimModel::embedded().map_err(failed("the neural claim head"))?)
        }
        ModelChoice::Accurate => neural_scorer(
            NeuralClaimModel::embedded_accurate().map_err(failed("the accurate claim model"))?,
        ),
        ModelChoice::File(path) => {
            let what = || format!("claim model {}", path.display());
            match read(path)? {
                (bytes, ArtifactKind::NeuralClaims) => {
                    neural_scorer(NeuralClaimModel::from_bytes(&bytes).map_err(failed(what()))?)
                }
                (bytes, ArtifactKind::FastClaims) => {
                    let m = ClaimModel::from_bytes(&bytes).map_err(failed(what()))?;
                    Ok(Arc::new(FastClaimScorer::new(m)))
                }
                (_, kind) => Err(LoadError::WrongKind {
                    path: path.clone(),
                    found: describe(kind),
                    wanted: "a claim model",
                }),
            }
        }
    }
}

/// MiniLM's token vectors for the neural attribution tagger.
struct MiniLmVectors {
    bert: unspin_neural::bert::Bert,
    tokenizer: tokenizers::Tokenizer,
    path: unspin_neural::kernels::KernelPath,
}

impl VectorSource for MiniLmVectors {
    fn name(&self) -> &str {
        "neural"
    }

    fn vectors(&self, text: &str, recipe: &VectorRecipe) -> Result<TokenVectors, ModelFailure> {
        let (bert, tokenizer) = (&self.bert, &self.tokenizer);
        unspin_neural::token_vectors::token_vectors(bert, tokenizer, text, recipe, self.path)
            .map_err(|e| ModelFailure::new("neural attribution", e))
    }
}

/// The installed MiniLM as a source of token vectors (`unspin model install`), its layers
/// run on the inference kernels of `path` (training reads them on `fp32`, analysis on the
/// active path).
pub fn minilm_vectors(
    path: unspin_neural::kernels::KernelPath,
) -> Result<Arc<dyn VectorSource>, LoadError> {
    const WHAT: &str = "the MiniLM encoder for token vectors";
    let dir =
        unspin_neural::install::installed(&unspin_neural::install::MINILM).map_err(failed(WHAT))?;
    let (bert, _) =
        unspin_neural::techniques::assemble(&dir, &Default::default(), 0).map_err(failed(WHAT))?;
    let tokenizer = unspin_neural::techniques::load_tokenizer(&dir).map_err(failed(WHAT))?;
    Ok(Arc::new(MiniLmVectors { bert, tokenizer, path }))
}

/// The attribution model `choice` names: none for `fast` (the embedded tagger), the
/// neural tagger over MiniLM's token vectors for `neural`.
pub fn quotes(choice: &ModelChoice) -> Result<Option<Arc<NeuralAttribution>>, LoadError> {
    match choice {
        ModelChoice::Fast => Ok(None),
        ModelChoice::Neural => {
            let path = unspin_neural::kernels::active().map_err(failed("the encoder's kernels"))?;
            let neural = NeuralAttribution::shipped(minilm_vectors(path)?).ok_or_else(|| {
                LoadError::Failed {
                    what: "the neural attribution model".into(),
                    source: "its embedded tagger or linker does not read".into(),
                }
            })?;
            Ok(Some(Arc::new(neural)))
        }
        ModelChoice::Accurate | ModelChoice::File(_) => Err(LoadError::Failed {
            what: "the attribution model".into(),
            source: "attributions have a `fast` and a `neural` model only".into(),
        }),
    }
}
