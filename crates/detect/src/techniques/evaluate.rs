use serde::Serialize;
use unspin_eval::labels::{SiSpan, TcSpan};
use unspin_eval::si::{self, SiScore};
use unspin_eval::tc::{self, TcScore};
use unspin_model::ptc::Corpus;

use super::TechniqueDetector;
use crate::Error;

/// A detector's figures on an annotated corpus.
#[derive(Clone, Debug, Serialize)]
pub struct Evaluation {
    /// Articles scored.
    pub articles: usize,
    /// Span identification (official SI metric).
    pub si: SiScore,
    /// Technique classification on the gold spans (official TC metric).
    pub tc: TcScore,
    /// End to end: detected spans with their techniques, partial overlap with the gold
    /// spans of the same technique.
    pub end_to_end: SiScore,
}

/// What a detector said about an annotated corpus, beside the gold labels, in the official
/// scorers' form.
#[derive(Clone, Debug, Default)]
pub struct Predictions {
    /// Articles read.
    pub articles: usize,
    /// Gold spans.
    pub gold_si: Vec<SiSpan>,
    /// Detected spans.
    pub pred_si: Vec<SiSpan>,
    /// Gold spans with their techniques.
    pub gold_tc: Vec<TcSpan>,
    /// The techniques named for the gold spans (same-span duplicates get distinct
    /// techniques, in rank order).
    pub pred_tc: Vec<TcSpan>,
    /// Detected spans with their first technique.
    pub pred_e2e: Vec<TcSpan>,
}

impl Predictions {
    /// The official figures: SI, TC on gold spans, and end to end.
    pub fn score(&self) -> Result<Evaluation, Error> {
        Ok(Evaluation {
            articles: self.articles,
            si: si::score(&self.gold_si, &self.pred_si),
            tc: tc::score(&self.gold_tc, &self.pred_tc)?,
            end_to_end: si::score_labelled(&self.gold_tc, &self.pred_e2e),
        })
    }
}

/// Scores `detector` on `corpus`: SI, TC on gold spans, and end to end.
pub fn evaluate(detector: &dyn TechniqueDetector, corpus: &Corpus) -> Result<Evaluation, Error> {
    predict(detector, corpus)?.score()
}

/// Runs `detector` over `corpus`: its spans, and its techniques for the gold spans.
pub fn predict(detector: &dyn TechniqueDetector, corpus: &Corpus) -> Result<Predictions, Error> {
    let mut p = Predictions { articles: corpus.articles.len(), ..Predictions::default() };
    for a in &corpus.articles {
        let doc = &a.doc;
        for (r, t) in &a.spans {
            let (start, end) = doc.char_span(r.clone());
            p.gold_si.push(SiSpan { id: doc.id.clone(), start, end });
            p.gold_tc.push(TcSpan { id: doc.id.clone(), technique: t.name().into(), start, end });
        }
        for d in detector.detect(&doc.text)? {
            let (start, end) = doc.char_span(d.range.clone());
            p.pred_si.push(SiSpan { id: doc.id.clone(), start, end });
            let technique = d.techniques[0].technique.name().to_string();
            p.pred_e2e.push(TcSpan { id: doc.id.clone(), technique, start, end });
        }
        let mut groups: Vec<(std::ops::Range<usize>, usize)> = Vec::new();
        for (r, _) in &a.spans {
            match groups.iter_mut().find(|(g, _)| g == r) {
                Some(g) => g.1 += 1,
                None => groups.push((r.clone(), 1)),
            }
        }
        let ranges: Vec<_> = groups.iter().map(|(r, _)| r.clone()).collect();
        for ((r, n), ranked) in groups.iter().zip(detector.classify(&doc.text, &ranges)?) {
            let (start, end) = doc.char_span(r.clone());
            for l in ranked.iter().take(*n) {
                let technique = l.technique.name().into();
                p.pred_tc.push(TcSpan { id: doc.id.clone(), technique, start, end });
            }
        }
    }
    Ok(p)
}
