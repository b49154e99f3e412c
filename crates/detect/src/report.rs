//! The report schema: what unspin says about one article.
//!
//! Offsets count Unicode scalar values (Python `str` indices) into `text`; `start` is
//! inclusive, `end` exclusive, and every span's `text` is exactly `text[start..end]`.
//! Sections whose analysis has not landed yet stay empty.

use serde::{Deserialize, Serialize};
use unspin_model::api::ModelFailure;
pub use unspin_model::Technique;

pub use crate::numbers::Kind as NumberKind;

/// The OpenAPI components of the report types (what the server publishes and the Python
/// binding derives its Spark schema from).
#[cfg(feature = "openapi")]
#[derive(utoipa::OpenApi)]
#[openapi(components(schemas(
    Report,
    TechniqueSpan,
    Claim,
    Quote,
    Part,
    SourceRef,
    Number,
    Check,
    Models,
    FailedModel
)))]
pub struct ReportSchemas;

/// Serialises an f32 as the f64 nearest its shortest decimal: JSON shows the same digits
/// as for the f32 itself, and formats that carry binary floats (pickle, Arrow) give the
/// value JSON readers see (0.73, not 0.7300000190734863).
fn shortest_f32<S: serde::Serializer>(v: &f32, s: S) -> Result<S::Ok, S::Error> {
    let wide = if v.is_finite() { v.to_string().parse().unwrap_or(*v as f64) } else { *v as f64 };
    s.serialize_f64(wide)
}

/// The analysis of one article.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// Document id.
    pub id: String,
    /// Where the document came from (path, `path:line`, `<stdin>`), if known.
    pub source: Option<String>,
    /// The text every offset indexes (for HTML input, the extracted article text).
    pub text: String,
    /// Other fields of a JSON Lines input object (outlet, date, …); omitted when empty.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub meta: serde_json::Map<String, serde_json::Value>,
    /// Propaganda technique spans, in text order.
    pub techniques: Vec<TechniqueSpan>,
    /// Check-worthy claims, best first.
    pub claims: Vec<Claim>,
    /// Quotations.
    pub quotes: Vec<Quote>,
    /// Cited sources.
    pub sources: Vec<SourceRef>,
    /// Quantities.
    pub numbers: Vec<Number>,
    /// Arithmetic checks of the article's own numbers.
    pub checks: Vec<Check>,
    /// Which model produced each model-made section (`null`: the section was not run).
    #[serde(default)]
    pub models: Models,
}

/// Which model produced each model-made section of a report.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Models {
    /// The technique model (`fast`, `neural`, …), if techniques were detected.
    pub techniques: Option<String>,
    /// The claim model (`fast`, `neural`, …), if claims were scored.
    pub claims: Option<String>,
    /// The attribution model when it is not the default one (`neural`); omitted otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quotes: Option<String>,
    /// Models that failed on this text and were replaced by an opted-in fallback (the
    /// fields above then name the fallback); omitted when none did.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<FailedModel>,
}

impl Models {
    /// Records that `section`'s model failed with `failure` and `fallback` filled it.
    pub fn fell_back(&mut self, section: Section, fallback: &str, failure: ModelFailure) {
        let slot = match section {
            Section::Techniques => &mut self.techniques,
            Section::Claims => &mut self.claims,
            Section::Quotes => &mut self.quotes,
        };
        *slot = Some(fallback.to_string());
        self.failures.push(FailedModel { section, model: failure.model, cause: failure.cause });
    }
}

/// A model-made section of a report.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Section {
    /// Technique spans.
    Techniques,
    /// Check-worthy claims.
    Claims,
    /// Quotations and their attributions.
    Quotes,
}

/// A model that failed on a text, and its section was filled by the fallback.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FailedModel {
    /// The section.
    pub section: Section,
    /// The model that failed.
    pub model: String,
    /// Why.
    pub cause: String,
}

/// A span that uses a propaganda technique.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TechniqueSpan {
    /// Start (characters, inclusive).
    pub start: usize,
    /// End (characters, exclusive).
    pub end: usize,
    /// The span's text.
    pub text: String,
    /// Technique name as in the SemEval-2020 list (e.g. `Loaded_Language`).
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "Loaded_Language"))]
    pub technique: Technique,
    /// Probability that the span is propaganda and uses this technique, in [0, 1].
    #[serde(serialize_with = "shortest_f32")]
    pub confidence: f32,
    /// The technique and the cue that fired, in neutral words.
    pub explanation: String,
}

/// A check-worthy claim.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// Start (characters, inclusive).
    pub start: usize,
    /// End (characters, exclusive).
    pub end: usize,
    /// The sentence.
    pub text: String,
    /// Check-worthiness score in [0, 1].
    #[serde(serialize_with = "shortest_f32")]
    pub score: f32,
}

/// A quotation.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Quote {
    /// Start (characters, inclusive).
    pub start: usize,
    /// End (characters, exclusive).
    pub end: usize,
    /// The quoted words.
    pub text: String,
    /// Who said it, if the article says.
    pub speaker: Option<String>,
    /// `direct`, `indirect`, `mixed` or `scare`.
    pub kind: QuoteKind,
    /// The speaker's title or role, where the article gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The source as the article writes it ("a campaign spokesman", "she"), where found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Part>,
    /// The reporting words ("said", "according to"), where found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cue: Option<Part>,
}

/// A part of an attribution: a span of the text.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Part {
    /// Start (characters, inclusive).
    pub start: usize,
    /// End (characters, exclusive).
    pub end: usize,
    /// The words.
    pub text: String,
}

/// A cited source.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SourceRef {
    /// Start (characters, inclusive).
    pub start: usize,
    /// End (characters, exclusive).
    pub end: usize,
    /// The citing words.
    pub text: String,
    /// Normalised source name.
    pub name: String,
}

/// A quantity.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Number {
    /// Start (characters, inclusive).
    pub start: usize,
    /// End (characters, exclusive).
    pub end: usize,
    /// The words.
    pub text: String,
    /// The value (the low end of a range).
    pub value: f64,
    /// Its unit, as written or coded ("tonnes", "%", "USD", "square metres"); none for a
    /// bare count ("400 jobs": what it counts is in `of`).
    pub unit: Option<String>,
    /// The unit's canonical name ("tonne", "percent", "dollar", "square metre").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_name: Option<String>,
    /// What it counts: the words after "of" ("40 million tonnes of wheat" → "wheat"), else
    /// the noun after it ("400 new jobs" → "jobs").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub of: Option<String>,
    /// The high end of a range ("10–15").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<f64>,
    /// `cardinal`, `percent`, `money`, `ordinal`, `year`, `date`, `multiplier`, `fraction`.
    #[serde(default)]
    pub kind: NumberKind,
    /// An approximation or bound before it ("nearly", "more than").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approx: Option<String>,
    /// The year it refers to, where the sentence says ("in 2019").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
}

/// A recomputed comparison.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// Start (characters, inclusive).
    pub start: usize,
    /// End (characters, exclusive).
    pub end: usize,
    /// The statement.
    pub text: String,
    /// The value the text claims.
    pub claimed: f64,
    /// The value its own numbers give (null when unverifiable).
    pub computed: Option<f64>,
    /// `consistent`, `inconsistent` or `unverifiable`.
    pub verdict: Verdict,
    /// How the check was made, in words.
    pub explanation: String,
}

/// How a quotation reports what was said.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum QuoteKind {
    /// Words in quotation marks, attributed or long enough to be speech.
    Direct,
    /// Reported speech without quotation marks ("she said that …").
    Indirect,
    /// Reported speech with some of its words in quotation marks ("said the plan was
    /// “a disaster”").
    Mixed,
    /// A word or two in quotation marks with no speaker: distance, not speech.
    Scare,
}

/// What recomputing a statement from the article's own numbers found.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The article's numbers give the value it states.
    Consistent,
    /// They give another value.
    Inconsistent,
    /// The statement could not be recomputed from the article alone.
    Unverifiable,
}

impl Verdict {
    /// The lowercase name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Consistent => "consistent",
            Verdict::Inconsistent => "inconsistent",
            Verdict::Unverifiable => "unverifiable",
        }
    }

    /// Order in a report: inconsistent first, then unverifiable, then consistent.
    pub fn rank(self) -> u8 {
        match self {
            Verdict::Inconsistent => 0,
            Verdict::Unverifiable => 1,
            Verdict::Consistent => 2,
        }
    }
}

impl QuoteKind {
    /// The lowercase name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            QuoteKind::Direct => "direct",
            QuoteKind::Indirect => "indirect",
            QuoteKind::Mixed => "mixed",
            QuoteKind::Scare => "scare",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::fmt::Display for QuoteKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
