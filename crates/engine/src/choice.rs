//! [`ModelChoice`]: the model a user names, parsed once.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A model a user names: a tier unspin ships, or a model file. The same choice names
/// a technique model (`--model`) or a claim model (`--claims-model`); the loader reads
/// which kind a file holds from its header.
///
/// ```
/// use unspin_engine::ModelChoice;
/// assert_eq!("fast".parse::<ModelChoice>()?, ModelChoice::Fast);
/// assert_eq!("neural".parse::<ModelChoice>()?, ModelChoice::Neural);
/// assert_eq!("accurate".parse::<ModelChoice>()?, ModelChoice::Accurate);
/// assert_eq!("./fast".parse::<ModelChoice>()?, ModelChoice::File("./fast".into()));
/// assert_eq!(ModelChoice::Neural.to_string(), "neural");
/// assert!("".parse::<ModelChoice>().is_err());
/// # Ok::<(), unspin_engine::choice::EmptyChoice>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[non_exhaustive]
pub enum ModelChoice {
    /// The embedded linear models: no install, thousands of articles a second.
    Fast,
    /// The fine-tuned MiniLM encoder mixed with the fast models (`unspin model install`).
    Neural,
    /// The fine-tuned all-mpnet-base-v2 encoder (12 layers) mixed with the fast models
    /// (`unspin model install accurate`): slower, more accurate.
    Accurate,
    /// A model file made by `unspin train` (its kind is read from its header). A file
    /// named like a tier is given with a directory: `./fast`.
    File(PathBuf),
}

impl ModelChoice {
    /// Whether the choice needs an installed encoder.
    pub fn is_neural(&self) -> bool {
        matches!(self, ModelChoice::Neural | ModelChoice::Accurate)
    }
}

/// An empty model name.
#[derive(Debug, Clone, thiserror::Error)]
#[error("a model is `fast`, `neural`, `accurate` or the path of a model file, not empty")]
pub struct EmptyChoice;

impl FromStr for ModelChoice {
    type Err = EmptyChoice;

    fn from_str(s: &str) -> Result<ModelChoice, EmptyChoice> {
        Ok(match s {
            "" => return Err(EmptyChoice),
            "fast" => ModelChoice::Fast,
            "neural" => ModelChoice::Neural,
            "accurate" => ModelChoice::Accurate,
            path => ModelChoice::File(path.into()),
        })
    }
}

impl TryFrom<String> for ModelChoice {
    type Error = EmptyChoice;

    fn try_from(s: String) -> Result<ModelChoice, EmptyChoice> {
        s.parse()
    }
}

impl From<ModelChoice> for String {
    fn from(c: ModelChoice) -> String {
        c.to_string()
    }
}

impl fmt::Display for ModelChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelChoice::Fast => f.write_str("fast"),
            ModelChoice::Neural => f.write_str("neural"),
            ModelChoice::Accurate => f.write_str("accurate"),
            ModelChoice::File(p) => write!(f, "{}", p.display()),
        }
    }
}
