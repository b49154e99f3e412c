//! One module per subcommand.

pub mod analyze;
pub mod bench;
pub mod claims;
pub mod classify;
pub mod corpus;
pub mod eval;
pub mod report;
pub mod serve;
pub mod train;

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use unspin_detect::techniques::FastDetector;
use unspin_detect::TechniqueDetector;
use unspin_model::artifact::{self, ArtifactKind};
use unspin_model::fast::FastModel;
use unspin_neural::techniques::{NeuralDetector, NeuralTechniqueModel};
use unspin_text::source::ReadOptions;
use unspin_text::DecodeOptions;

use crate::flags::{InputArgs, ModelArgs};

/// Loads the technique detector `--model` names.
pub fn detector(args: &ModelArgs) -> Result<Arc<dyn TechniqueDetector>> {
    let fast = || -> Result<FastDetector> {
        Ok(FastDetector::new(FastModel::embedded().context("loading the embedded fast model")?))
    };
    let neural = |m: NeuralTechniqueModel| -> Result<Arc<dyn TechniqueDetector>> {
        let d = NeuralDetector::new(m, fast()?).context("loading the neural technique model")?;
        Ok(Arc::new(d))
    };
    match args.model.as_str() {
        "fast" => Ok(Arc::new(fast()?)),
        "neural" => neural(
            NeuralTechniqueModel::embedded()
                .context("loading the embedded neural technique model")?,
        ),
        path => {
            let load = || format!("loading model {path}");
            let bytes = artifact::read_file(path.as_ref()).with_context(load)?;
            match ArtifactKind::of(&bytes) {
                Some(ArtifactKind::NeuralTechniques) => {
                    neural(NeuralTechniqueModel::from_bytes(&bytes).with_context(load)?)
                }
                Some(ArtifactKind::FastTechniques) => {
                    let m = FastModel::from_bytes(&bytes).with_context(load)?;
                    Ok(Arc::new(FastDetector::new(m)))
                }
                _ => anyhow::bail!(
                    "{path} is a claim model, not a technique model (give it to --claims-model)"
                ),
            }
        }
    }
}

/// Writes `bytes` to `path` through a hidden temporary file beside it and a rename, so an
/// interrupted run never leaves a torn file (and no other file of the user's is touched).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.unspin-partial"));
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("moving the result into {}", path.display()))
}

/// The input options the flags give.
pub fn read_options(args: &InputArgs) -> ReadOptions {
    ReadOptions {
        decode: DecodeOptions { max_bytes: args.max_bytes, lossy: args.lossy },
        ..ReadOptions::default()
    }
}
