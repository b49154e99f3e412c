use std::ops::Range;

use crate::claims::ClaimModel;
use crate::fast::features::ArticleContext;
use crate::fast::{Classification, FastModel};
use crate::stack::{evidence, softmax, Stacker};
use crate::Technique;

use super::{ClaimScorer, Detection, Labelled, ModelFailure, TechniqueDetector};

/// The fast model as a [`TechniqueDetector`], with the article-aware stacker's first stage
/// over its technique probabilities when one is attached. Clones share the model.
#[derive(Clone)]
pub struct FastDetector {
    model: std::sync::Arc<FastModel>,
    stacker: Option<&'static Stacker>,
}

/// A span's fast classification and, with a stacker, its first-stage logits.
pub struct FastSpan {
    /// The fast classifier's ranking and cue.
    pub classification: Classification,
    /// The stacker's first-stage logits (technique order).
    pub logits: Option<Vec<f32>>,
}

impl FastSpan {
    /// The fast probabilities in technique order.
    pub fn probabilities(&self) -> Vec<f32> {
        in_order(&self.classification.techniques)
    }
}

/// Probabilities of a ranking, in technique order.
fn in_order(ranked: &[(Technique, f32)]) -> Vec<f32> {
    let mut v = vec![0f32; Technique::ALL.len()];
    for &(t, p) in ranked {
        v[t.index()] = p;
    }
    v
}

impl FastDetector {
    /// Wraps a loaded model (no stacker).
    pub fn new(model: FastModel) -> FastDetector {
        FastDetector { model: std::sync::Arc::new(model), stacker: None }
    }

    /// Decides techniques through `stacker` (fitted on this model's kind of probabilities:
    /// the committed stacker goes with the committed model).
    pub fn with_stacker(mut self, stacker: Option<&'static Stacker>) -> FastDetector {
        self.stacker = stacker;
        self
    }

    /// The model.
    pub fn model(&self) -> &FastModel {
        &self.model
    }

    /// The attached stacker.
    pub fn stacker(&self) -> Option<&'static Stacker> {
        self.stacker
    }

    /// The fast classification of each of `ranges` of an analysed article, with the
    /// stacker's first-stage logits when one is attached.
    pub fn classify_spans(
        &self,
        ctx: &ArticleContext<'_>,
        ranges: &[Range<usize>],
    ) -> Vec<FastSpan> {
        let classes = ranges.iter().map(|r| self.model.classify_in(ctx, r.clone())).collect();
        self.stack(ctx, ranges, classes)
    }

    /// Adds the first-stage logits (with a stacker) to the classifications of `ranges`.
    fn stack(
        &self,
        ctx: &ArticleContext<'_>,
        ranges: &[Range<usize>],
        classes: Vec<Classification>,
    ) -> Vec<FastSpan> {
        let marked = self.stacker.map(|_| evidence::Marked::new(ctx.text, ranges));
        classes
            .into_iter()
            .enumerate()
            .map(|(k, classification)| {
                let logits = self.stacker.zip(marked.as_ref()).map(|(s, marked)| {
                    let ev = evidence::evidence(ctx, ranges, marked, k);
                    s.first_logits(&in_order(&classification.techniques), &ev)
                });
                FastSpan { classification, logits }
            })
            .collect()
    }

    /// Ranked techniques of spans: the stacked ones where there are logits.
    fn decide(
        &self,
        ctx: &ArticleContext<'_>,
        ranges: &[Range<usize>],
        spans: Vec<FastSpan>,
    ) -> Vec<Vec<Labelled>> {
        spans
            .into_iter()
            .zip(ranges)
            .map(|(s, r)| match &s.logits {
                Some(l) => ranked(ctx, r.clone(), &softmax(l.clone()), &s.classification),
                None => labelled(s.classification),
            })
            .collect()
    }
}

/// Ranks probabilities (technique order); the fast model's cue explains the first
/// technique when it is the fast model's first too, the repetition count when the first is
/// Repetition of a phrase the article repeats; otherwise there is no cue.
pub fn ranked(
    ctx: &ArticleContext<'_>,
    range: Range<usize>,
    probs: &[f32],
    fast: &Classification,
) -> Vec<Labelled> {
    let mut out: Vec<Labelled> = Technique::ALL
        .iter()
        .zip(probs)
        .map(|(&technique, &probability)| Labelled { technique, probability, cue: None })
        .collect();
    out.sort_by(|a, b| b.probability.total_cmp(&a.probability).then(a.technique.cmp(&b.technique)));
    let top = out[0].technique;
    out[0].cue = if fast.techniques.first().is_some_and(|&(t, _)| t == top) {
        fast.cue.as_ref().map(|c| c.description.clone())
    } else if top == Technique::Repetition {
        let n = ctx.occurrences(&ctx.text[range]);
        (n > 1).then(|| format!("the phrase occurs {n} times in the article"))
    } else {
        None
    };
    out
}

fn labelled(c: Classification) -> Vec<Labelled> {
    let cue = c.cue.map(|c| c.description);
    c.techniques
        .into_iter()
        .enumerate()
        .map(|(i, (technique, probability))| Labelled {
            technique,
            probability,
            cue: if i == 0 { cue.clone() } else { None },
        })
        .collect()
}

impl TechniqueDetector for FastDetector {
    fn name(&self) -> &str {
        "fast"
    }

    fn detect(&self, text: &str) -> Result<Vec<Detection>, ModelFailure> {
        let ctx = ArticleContext::new(text);
        let found = self.model.detect_in(&ctx);
        let ranges: Vec<Range<usize>> = found.iter().map(|p| p.range.clone()).collect();
        let confidence: Vec<f32> = found.iter().map(|p| p.span_confidence).collect();
        let classes: Vec<Classification> = found
            .into_iter()
            .map(|p| Classification { techniques: p.techniques, cue: p.cue })
            .collect();
        let spans = self.stack(&ctx, &ranges, classes);
        Ok(self
            .decide(&ctx, &ranges, spans)
            .into_iter()
            .zip(ranges.iter().cloned().zip(confidence))
            .map(|(techniques, (range, span_confidence))| Detection {
                range,
                span_confidence,
                techniques,
            })
            .collect())
    }

    fn classify(
        &self,
        text: &str,
        ranges: &[Range<usize>],
    ) -> Result<Vec<Vec<Labelled>>, ModelFailure> {
        let ctx = ArticleContext::new(text);
        let spans = self.classify_spans(&ctx, ranges);
        Ok(self.decide(&ctx, ranges, spans))
    }
}
/// The linear claim model as a [`ClaimScorer`].
pub struct FastClaimScorer {
    model: ClaimModel,
}

impl FastClaimScorer {
    /// Wraps a loaded model.
    pub fn new(model: ClaimModel) -> FastClaimScorer {
        FastClaimScorer { model }
    }
}

impl ClaimScorer for FastClaimScorer {
    fn name(&self) -> &str {
        "fast"
    }

    fn score(&self, sentence: &str) -> Result<f32, ModelFailure> {
        Ok(self.model.score(sentence))
    }

    fn threshold(&self) -> f32 {
        self.model.threshold
    }
}
