//! Technique detection: the [`TechniqueDetector`] trait (defined with the models, in
//! `unspin_model::api`), scoring against gold labels, and the explanations readers see.

mod evaluate;

pub use evaluate::{evaluate, predict, Evaluation, Predictions};
pub use unspin_model::api::{Detection, FastDetector, Labelled, ModelFailure, TechniqueDetector};
pub use unspin_model::Technique;

/// The explanation a reader sees: the technique, its definition, and the cue.
///
/// ```
/// use unspin_detect::techniques::{explanation, Technique};
/// assert_eq!(
///     explanation(Technique::Doubt, Some("it is phrased as a question")),
///     "Doubt: questions the credibility of someone or something. Cue: it is phrased as a question."
/// );
/// ```
pub fn explanation(technique: Technique, cue: Option<&str>) -> String {
    match cue {
        Some(c) => format!("{}: {}. Cue: {c}.", technique.label(), technique.definition()),
        None => format!("{}: {}.", technique.label(), technique.definition()),
    }
}
