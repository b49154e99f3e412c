//! The engine: choices parse once, the loader reads a file's kind from its header and
//! refuses the wrong kind by name, and a fallback is used only when asked for.

use std::ops::Range;
use std::sync::Arc;

use unspin_detect::{AnalyzerBuilder, Document, Section};
use unspin_engine::{load, EngineConfig, LoadError, ModelChoice};
use unspin_model::api::{ClaimScorer, Detection, Labelled, ModelFailure, TechniqueDetector};
use unspin_model::claims::ClaimModel;
use unspin_model::fast::FastModel;

const TEXT: &str = "This evil, corrupt regime must be stopped! Stop it now! \
                    Unemployment rose to 7.5 percent in 2019, the ministry said.";

#[test]
fn choices_parse_and_serialise_as_their_names() {
    for (s, c) in [
        ("fast", ModelChoice::Fast),
        ("neural", ModelChoice::Neural),
        ("accurate", ModelChoice::Accurate),
        ("models/x.bin", ModelChoice::File("models/x.bin".into())),
    ] {
        assert_eq!(s.parse::<ModelChoice>().unwrap(), c);
        assert_eq!(serde_json::to_string(&c).unwrap(), format!("\"{s}\""));
        assert_eq!(serde_json::from_str::<ModelChoice>(&format!("\"{s}\"")).unwrap(), c);
    }
    assert!("".parse::<ModelChoice>().is_err());
    assert!(serde_json::from_str::<ModelChoice>("\"\"").is_err());
    let config: EngineConfig = serde_json::from_str(r#"{"claims": "neural"}"#).unwrap();
    assert_eq!(config.techniques, ModelChoice::Fast);
    assert_eq!(config.claims, ModelChoice::Neural);
    assert!(!config.fallback);
    assert!(serde_json::from_str::<EngineConfig>(r#"{"model": "fast"}"#).is_err());
}

#[test]
fn a_model_file_loads_by_its_header_and_the_wrong_kind_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let techniques = dir.path().join("t.bin");
    let claims = dir.path().join("c.bin");
    std::fs::write(&techniques, FastModel::embedded().unwrap().to_bytes().unwrap()).unwrap();
    std::fs::write(&claims, ClaimModel::embedded().unwrap().to_bytes().unwrap()).unwrap();

    let from_file = load::techniques(&ModelChoice::File(techniques.clone())).unwrap();
    let embedded = load::techniques(&ModelChoice::Fast).unwrap();
    let ranges = |d: &dyn TechniqueDetector| -> Vec<Range<usize>> {
        d.detect(TEXT).unwrap().into_iter().map(|d| d.range).collect()
    };
    assert!(!ranges(embedded.as_ref()).is_empty());
    assert_eq!(ranges(from_file.as_ref()), ranges(embedded.as_ref()));
    let scorer = load::claims(&ModelChoice::File(claims.clone())).unwrap();
    assert_eq!(scorer.name(), "fast");
    assert_eq!(
        scorer.score(TEXT).unwrap(),
        load::claims(&ModelChoice::Fast).unwrap().score(TEXT).unwrap()
    );

    let e = load::techniques(&ModelChoice::File(claims.clone())).err().unwrap();
    assert!(matches!(e, LoadError::WrongKind { .. }), "{e:?}");
    assert!(e.to_string().contains("is a fast claim model, not a technique model"), "{e}");
    let e = load::claims(&ModelChoice::File(techniques.clone())).err().unwrap();
    assert!(e.to_string().contains("is a fast technique model, not a claim model"), "{e}");
}

#[test]
fn a_broken_model_file_names_the_file_and_the_cause() {
    let dir = tempfile::tempdir().unwrap();
    let truncated = dir.path().join("truncated.bin");
    let bytes = FastModel::embedded().unwrap().to_bytes().unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let e = load::techniques(&ModelChoice::File(truncated)).err().unwrap();
    assert!(e.to_string().starts_with("loading model "), "{e}");
    assert!(e.to_string().contains("truncated.bin"), "{e}");
    let cause = std::error::Error::source(&e).expect("a cause").to_string();
    assert!(!cause.is_empty());

    let not_a_model = dir.path().join("notes.txt");
    std::fs::write(&not_a_model, "just some words").unwrap();
    let e = load::claims(&ModelChoice::File(not_a_model)).err().unwrap();
    let chain = format!("{e}: {}", std::error::Error::source(&e).unwrap());
    assert!(chain.contains("not an unspin model file"), "{chain}");
    let e = load::claims(&ModelChoice::File(dir.path().join("missing.bin"))).err().unwrap();
    assert!(e.to_string().contains("missing.bin"), "{e}");
}

/// A detector and scorer that fail on every text.
struct Failing;

impl TechniqueDetector for Failing {
    fn name(&self) -> &str {
        "failing"
    }
    fn detect(&self, _: &str) -> Result<Vec<Detection>, ModelFailure> {
        Err(ModelFailure::new("failing", "out of memory"))
    }
    fn classify(&self, _: &str, _: &[Range<usize>]) -> Result<Vec<Vec<Labelled>>, ModelFailure> {
        Err(ModelFailure::new("failing", "out of memory"))
    }
}

impl ClaimScorer for Failing {
    fn name(&self) -> &str {
        "failing"
    }
    fn score(&self, _: &str) -> Result<f32, ModelFailure> {
        Err(ModelFailure::new("failing", "tokenizer error"))
    }
    fn threshold(&self) -> f32 {
        // Every fast score would pass this: the fallback must use its own.
        0.0
    }
}

#[test]
fn a_failing_model_fails_the_analysis_unless_a_fallback_is_asked_for() {
    let doc = Document::new("d", TEXT.to_string());
    let mut builder = AnalyzerBuilder::new();
    builder.techniques_shared(Arc::new(Failing)).claims_shared(Arc::new(Failing));
    let e = builder.build().analyze(&doc).unwrap_err();
    assert_eq!(e.to_string(), "the failing model failed: out of memory");

    let fast = EngineConfig::default().analyzer().unwrap().analyze(&doc).unwrap();
    builder.fallback(
        load::techniques(&ModelChoice::Fast).unwrap(),
        load::claims(&ModelChoice::Fast).unwrap(),
    );
    let report = builder.build().analyze(&doc).unwrap();
    assert_eq!(report.techniques, fast.techniques);
    assert_eq!(report.claims, fast.claims, "claims judged by the fast model's threshold");
    assert!(!report.techniques.is_empty());
    assert_eq!(report.models.techniques.as_deref(), Some("fast"));
    assert_eq!(report.models.claims.as_deref(), Some("fast"));
    let failures: Vec<_> = report
        .models
        .failures
        .iter()
        .map(|f| (f.section, f.model.as_str(), f.cause.as_str()))
        .collect();
    assert_eq!(
        failures,
        [
            (Section::Techniques, "failing", "out of memory"),
            (Section::Claims, "failing", "tokenizer error")
        ]
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["models"]["failures"][0]["section"], "techniques");
    assert!(serde_json::to_value(&fast).unwrap()["models"].get("failures").is_none());
}

/// An encoder that fails on every text.
struct FailingVectors;

impl unspin_detect::quotes::VectorSource for FailingVectors {
    fn name(&self) -> &str {
        "neural"
    }
    fn vectors(
        &self,
        _: &str,
        _: &unspin_model::api::VectorRecipe,
    ) -> Result<unspin_model::api::TokenVectors, ModelFailure> {
        Err(ModelFailure::new("neural attribution", "out of memory"))
    }
}

#[test]
fn a_failing_attribution_model_falls_back_to_the_embedded_tagger_only_when_asked() {
    let doc = Document::new("d", "“We will win,” Ana Ruiz said on Tuesday.".to_string());
    let neural = unspin_detect::quotes::NeuralAttribution::shipped(Arc::new(FailingVectors))
        .expect("the embedded neural tagger reads");
    let mut builder = AnalyzerBuilder::new();
    builder.quotes_neural(Arc::new(neural));
    let e = builder.build().analyze(&doc).unwrap_err();
    assert_eq!(e.to_string(), "the neural attribution model failed: out of memory");

    builder.fallback(
        load::techniques(&ModelChoice::Fast).unwrap(),
        load::claims(&ModelChoice::Fast).unwrap(),
    );
    let report = builder.build().analyze(&doc).unwrap();
    let fast = AnalyzerBuilder::new().build().analyze(&doc).unwrap();
    assert_eq!(report.quotes, fast.quotes);
    assert!(!report.quotes.is_empty());
    assert_eq!(report.models.quotes.as_deref(), Some("fast"));
    let failures: Vec<_> =
        report.models.failures.iter().map(|f| (f.section, f.cause.as_str())).collect();
    assert_eq!(failures, [(Section::Quotes, "out of memory")]);
    assert_eq!(
        serde_json::to_value(&report).unwrap()["models"]["failures"][0]["section"],
        "quotes"
    );
}
