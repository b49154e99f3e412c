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

/// Scores `detector` on `corpus`: SI, TC on gold spans, and end to end.
pub fn evaluate(detector: &dyn TechniqueDetector, corpus: &Corpus) -> Result<Evaluation, Error> {
    let (mut gold_si, mut pred_si, mut gold_tc, mut pred_tc, mut pred_e2e) =
        (vec![], vec![], vec![], vec![], vec![]);
    for a in &corpus.articles {
        let doc = &a.doc;
        for (r, t) in &a.spans {
            let (start, end) = doc.char_span(r.clone());
            gold_si.push(SiSpan { id: doc.id.clone(), start, end });
            gold_tc.push(TcSpan { id: doc.id.clone(), technique: t.name().into(), start, end });
        }
        for d in detector.detect(&doc.text)? {
            let (start, end) = doc.char_span(d.range.clone());
            pred_si.push(SiSpan { id: doc.id.clone(), start, end });
            let technique = d.techniques[0].technique.name().to_string();
            pred_e2e.push(TcSpan { id: doc.id.clone(), technique, start, end });
        }
        // TC: same-span duplicates get distinct techniques, in rank order.
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
                pred_tc.push(TcSpan {
                    id: doc.id.clone(),
                    technique: l.technique.name().into(),
                    start,
                    end,
                });
            }
        }
    }
    Ok(Evaluation {
        articles: corpus.articles.len(),
        si: si::score(&gold_si, &pred_si),
        tc: tc::score(&gold_tc, &pred_tc)?,
        end_to_end: si::score_labelled(&gold_tc, &pred_e2e),
    })
}
