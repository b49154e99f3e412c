//! unspin's analyses and the report they fill.
//!
//! An [`Analyzer`] runs each analysis on a [`Document`] and returns a [`report::Report`];
//! a [`Sink`] receives reports one by one, so the terminal printer, the JSON writers and
//! the server share one core.
//!
//! Stages, one folder each:
//! - [`techniques`]: propaganda technique spans (SI + TC) behind [`TechniqueDetector`].
//! - [`claims`]: check-worthy sentences, ranked, behind [`claims::ClaimScorer`].
//! - [`numbers`]: quantities and the article's own arithmetic (rule-based).
//! - [`quotes`]: quotations, speakers and cited sources (rule-based).
//!
//! ```
//! use unspin_detect::{AnalyzerBuilder, techniques::FastDetector};
//! use unspin_model::fast::FastModel;
//! use unspin_text::Document;
//!
//! let analyzer = AnalyzerBuilder::new()
//!     .techniques(FastDetector::new(FastModel::embedded()?))
//!     .build();
//! let doc = Document::new("demo", "A shameful, disgraceful betrayal! 😡 Shameful!".to_string());
//! let report = analyzer.analyze(&doc)?;
//! for t in &report.techniques {
//!     assert_eq!(doc.slice_chars(t.start, t.end)?, t.text);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod claims;
pub mod numbers;
pub mod quotes;
pub mod report;
pub mod techniques;

use std::sync::Arc;

use claims::ClaimScorer;
pub use report::{Models, Section};
pub use techniques::{ModelFailure, TechniqueDetector};
pub use unspin_text::Document;

use report::{Claim, Report, TechniqueSpan};

/// Errors from the analyses.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Scoring failed.
    #[error(transparent)]
    Eval(#[from] unspin_eval::Error),
    /// A model failed.
    #[error(transparent)]
    Model(#[from] unspin_model::Error),
    /// A model failed on a text at run time.
    #[error(transparent)]
    Failed(#[from] ModelFailure),
}

/// Receives reports as they are made.
pub trait Sink {
    /// Called once per report.
    fn report(&mut self, report: &Report) -> std::io::Result<()>;
    /// Called once after the last report.
    fn finish(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs the analyses on documents. Cheap to clone and share across threads.
#[derive(Clone)]
pub struct Analyzer {
    techniques: Option<Arc<dyn TechniqueDetector>>,
    claims: Option<Arc<dyn ClaimScorer>>,
    quotes: Option<Arc<quotes::NeuralAttribution>>,
    min_confidence: f32,
    fallback: Option<Fallback>,
}

/// The models that fill a section when its own model fails on a text (opt-in).
#[derive(Clone)]
struct Fallback {
    techniques: Arc<dyn TechniqueDetector>,
    claims: Arc<dyn ClaimScorer>,
}

/// Configures an [`Analyzer`].
pub struct AnalyzerBuilder {
    techniques: Option<Arc<dyn TechniqueDetector>>,
    claims: Option<Arc<dyn ClaimScorer>>,
    quotes: Option<Arc<quotes::NeuralAttribution>>,
    min_confidence: f32,
    fallback: Option<Fallback>,
}

impl Default for AnalyzerBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl AnalyzerBuilder {
    /// A builder with no analyses and no confidence floor.
    pub fn new() -> AnalyzerBuilder {
        AnalyzerBuilder {
            techniques: None,
            claims: None,
            quotes: None,
            min_confidence: 0.0,
            fallback: None,
        }
    }

    /// Finds attributions with the neural tagger (the rule-and-perceptron one otherwise).
    pub fn quotes_neural(&mut self, neural: Arc<quotes::NeuralAttribution>) -> &mut Self {
        self.quotes = Some(neural);
        self
    }

    /// Detects techniques with `detector`.
    pub fn techniques(&mut self, detector: impl TechniqueDetector + 'static) -> &mut Self {
        self.techniques = Some(Arc::new(detector));
        self
    }

    /// Detects techniques with a shared detector.
    pub fn techniques_shared(&mut self, detector: Arc<dyn TechniqueDetector>) -> &mut Self {
        self.techniques = Some(detector);
        self
    }

    /// Scores sentences for check-worthiness with `scorer`.
    pub fn claims(&mut self, scorer: impl ClaimScorer + 'static) -> &mut Self {
        self.claims = Some(Arc::new(scorer));
        self
    }

    /// Scores sentences for check-worthiness with a shared scorer.
    pub fn claims_shared(&mut self, scorer: Arc<dyn ClaimScorer>) -> &mut Self {
        self.claims = Some(scorer);
        self
    }

    /// Drops technique spans whose confidence is below `c` (clamped to [0, 1]).
    pub fn min_confidence(&mut self, c: f32) -> &mut Self {
        self.min_confidence = if c.is_nan() { 0.0 } else { c.clamp(0.0, 1.0) };
        self
    }

    /// Opts into a fallback: when the technique or claim model fails on a text, that
    /// section is filled by these models instead (claims judged against the fallback's
    /// own threshold), a failing neural attribution model by the embedded tagger, and the
    /// report's `models` names the model used and the failure.
    /// Without it, a failing model fails the analysis.
    pub fn fallback(
        &mut self,
        techniques: Arc<dyn TechniqueDetector>,
        claims: Arc<dyn ClaimScorer>,
    ) -> &mut Self {
        self.fallback = Some(Fallback { techniques, claims });
        self
    }

    /// The analyzer.
    pub fn build(&self) -> Analyzer {
        Analyzer {
            techniques: self.techniques.clone(),
            claims: self.claims.clone(),
            quotes: self.quotes.clone(),
            min_confidence: self.min_confidence,
            fallback: self.fallback.clone(),
        }
    }
}

impl Analyzer {
    /// The technique detector, if any.
    pub fn technique_detector(&self) -> Option<&dyn TechniqueDetector> {
        self.techniques.as_deref()
    }

    /// Which model fills each model-made section of the reports.
    pub fn models(&self) -> Models {
        Models {
            techniques: self.techniques.as_ref().map(|d| d.name().to_string()),
            claims: self.claims.as_ref().map(|c| c.name().to_string()),
            quotes: self.quotes.as_ref().map(|q| q.vectors.name().to_string()),
            failures: vec![],
        }
    }

    /// Analyses one document. A model that fails on it fails the analysis (a report
    /// never comes back with a section silently missing), unless a fallback was opted
    /// into, which then fills the section and is named in the report's `models`.
    pub fn analyze(&self, doc: &Document) -> Result<Report, ModelFailure> {
        let mut models = self.models();
        let techniques = match &self.techniques {
            None => vec![],
            Some(det) => match (self.spans(det.as_ref(), doc), &self.fallback) {
                (Err(e), Some(f)) => {
                    models.fell_back(Section::Techniques, f.techniques.name(), e);
                    self.spans(f.techniques.as_ref(), doc)?
                }
                (r, _) => r?,
            },
        };
        let claims = match &self.claims {
            None => vec![],
            Some(scorer) => match (check_worthy(scorer.as_ref(), doc), &self.fallback) {
                (Err(e), Some(f)) => {
                    models.fell_back(Section::Claims, f.claims.name(), e);
                    check_worthy(f.claims.as_ref(), doc)?
                }
                (r, _) => r?,
            },
        };
        let (numbers, checks) = numbers::analyze(doc);
        let (quotes, sources) =
            match (quotes::analyze_with(doc, self.quotes.as_deref()), &self.fallback) {
                (Err(e), Some(_)) => {
                    models.fell_back(Section::Quotes, "fast", e);
                    quotes::analyze(doc)
                }
                (r, _) => r?,
            };
        Ok(Report {
            id: doc.id.clone(),
            source: doc.source.clone(),
            text: doc.text.clone(),
            meta: doc.meta.clone(),
            techniques,
            claims,
            quotes,
            sources,
            numbers,
            checks,
            models,
        })
    }

    /// The technique spans `det` finds in `doc`, at or above the confidence floor, in
    /// text order.
    fn spans(
        &self,
        det: &dyn TechniqueDetector,
        doc: &Document,
    ) -> Result<Vec<TechniqueSpan>, ModelFailure> {
        let mut techniques = Vec::new();
        for d in det.detect(&doc.text)? {
            let Some(top) = d.techniques.first() else { continue };
            let confidence = d.span_confidence * top.probability;
            if confidence < self.min_confidence || !has_a_word(&doc.text[d.range.clone()]) {
                continue;
            }
            let (start, end) = doc.char_span(d.range.clone());
            techniques.push(TechniqueSpan {
                start,
                end,
                text: doc.text[d.range.clone()].to_string(),
                technique: top.technique,
                confidence,
                explanation: techniques::explanation(top.technique, top.cue.as_deref()),
            });
        }
        techniques.sort_by_key(|t| (t.start, t.end));
        Ok(techniques)
    }
}

/// The check-worthy sentences of `doc`: those `scorer` puts at or above its own
/// threshold, best first.
fn check_worthy(scorer: &dyn ClaimScorer, doc: &Document) -> Result<Vec<Claim>, ModelFailure> {
    let mut c = claims::score_sentences(scorer, doc)?;
    c.retain(|c| c.score >= scorer.threshold());
    Ok(c)
}

/// Longest run of letters read as a word (the longest English dictionary words have 45).
const MAX_WORD_CHARS: usize = 45;

/// Whether a span holds at least one word a reader would recognise as one: a technique
/// is carried by words, and a span made only of a 2 MB run of letters, a hash or a
/// number carries none.
fn has_a_word(span: &str) -> bool {
    unspin_text::segment::tokens(span).iter().any(|t| {
        t.kind == unspin_text::segment::TokenKind::Word
            && t.text(span).chars().take(MAX_WORD_CHARS + 1).count() <= MAX_WORD_CHARS
    })
}
