//! Any bytes through the whole fast analysis (techniques, claims, numbers, checks, quotes,
//! sources): nothing panics, and every span of every section is exactly the slice of the
//! text its character offsets name.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use unspin_detect::claims::FastClaimScorer;
use unspin_detect::techniques::FastDetector;
use unspin_detect::{Analyzer, AnalyzerBuilder};
use unspin_model::claims::ClaimModel;
use unspin_model::fast::FastModel;
use unspin_text::source::looks_like_html;
use unspin_text::{decode, html, DecodeOptions, Document};

static ANALYZER: LazyLock<Analyzer> = LazyLock::new(|| {
    AnalyzerBuilder::new()
        .techniques(FastDetector::new(FastModel::embedded().unwrap()))
        .claims(FastClaimScorer::new(ClaimModel::embedded().unwrap()))
        .build()
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = decode(data, &DecodeOptions::default()) else { return };
    let text = if looks_like_html(&text) {
        let Ok(t) = html::extract(&text) else { return };
        t
    } else {
        text
    };
    let doc = Document::new("fuzz", text);
    let r = ANALYZER.analyze(&doc).expect("the fast models do not fail");
    let slice = |s: usize, e: usize| doc.slice_chars(s, e).expect("offsets in bounds");
    for t in &r.techniques {
        assert_eq!(slice(t.start, t.end), t.text);
        assert!((0.0..=1.0).contains(&t.confidence));
    }
    for c in &r.claims {
        assert_eq!(slice(c.start, c.end), c.text);
    }
    for q in &r.quotes {
        assert_eq!(slice(q.start, q.end), q.text);
    }
    for s in &r.sources {
        assert_eq!(slice(s.start, s.end), s.text);
    }
    for n in &r.numbers {
        assert_eq!(slice(n.start, n.end), n.text);
    }
    for c in &r.checks {
        assert_eq!(slice(c.start, c.end), c.text);
    }
});
