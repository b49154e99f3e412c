//! [`NeuralDetector`]: the neural technique model ready to run, behind
//! [`TechniqueDetector`].

use std::collections::HashMap;
use std::ops::Range;

use candle_core::{Tensor, D};
use tokenizers::Tokenizer;
use unspin_model::api::{
    ranked, Detection, FastDetector, FastSpan, Labelled, ModelFailure, TechniqueDetector,
};
use unspin_model::fast::features::ArticleContext;
use unspin_model::stack::{article_context, NeuralStage};
use unspin_model::Technique;
use unspin_text::segment::trim_span;

use super::decoding::{decode, mean_log_probs, mean_probs};
use super::ensemble::{window_spans, ArticleScores, SiEnsemble};
use super::format::{NeuralTechniqueModel, StoredTensor};
use super::heads::{assemble_nets, load_tokenizer, Net, TAG_O};
use super::windows::{to_word_bounds, windows, Window};
use crate::bert::batch_ids;
use crate::install;
use crate::Error;

/// Windows per forward pass at inference.
pub const INFER_BATCH: usize = 16;

/// A span the token head found: byte range, span confidence, technique probabilities.
pub type NeuralSpan = (Range<usize>, f32, Vec<f32>);

/// The neural model ready to run: its networks (one, or an ensemble averaged), the
/// tokenizer, and the fast model it mixes with.
pub struct NeuralDetector {
    nets: Vec<Net>,
    tokenizer: Tokenizer,
    fast: FastDetector,
    /// Longest window in word pieces.
    window: usize,
    o_bias: f32,
    tc_mix: f32,
    si: Option<SiEnsemble>,
    /// The stacker's neural stage, replacing the fixed mix where the fast detector has a
    /// stacker.
    stage: Option<NeuralStage>,
    /// The tier its encoder serves (`neural`, `accurate`).
    name: &'static str,
    /// Another tier's detector whose technique probabilities the stage averages in
    /// ([`NeuralStage::partner`]).
    partner: Option<Box<NeuralDetector>>,
}

impl NeuralDetector {
    /// Loads the installed encoder and applies `model` to it (its weights are dropped as
    /// they are converted).
    pub fn new(model: NeuralTechniqueModel, fast: FastDetector) -> Result<NeuralDetector, Error> {
        let Some(spec) = install::spec_by_sha256(&model.encoder_sha256) else {
            return Err(Error::Format(
                "the neural technique model expects other encoder weights".into(),
            ));
        };
        let dir = install::installed(spec)?;
        let window = model.window();
        let (o_bias, tc_mix, si) = (model.o_bias, model.tc_mix, model.si);
        let sets: Vec<Vec<StoredTensor>> =
            std::iter::once(model.tensors).chain(model.members).collect();
        Ok(NeuralDetector {
            nets: assemble_nets(&dir, sets)?,
            tokenizer: load_tokenizer(&dir)?,
            fast,
            window,
            o_bias,
            tc_mix,
            si,
            stage: None,
            name: spec.tier,
            partner: None,
        })
    }

    /// Decides techniques through the stacker's neural `stage` (fitted on this model's
    /// held-out articles: the committed stage goes with the committed model) instead of
    /// the fixed mix; it needs the fast detector's stacker.
    pub fn with_stage(mut self, stage: Option<NeuralStage>) -> NeuralDetector {
        self.stage = stage;
        self
    }

    /// Averages `partner`'s technique probabilities into this model's before the stage
    /// decides, by the stage's weight (the accurate tier's stage was fitted so, over the
    /// neural tier's probabilities); without a stage, or with a weight of 0, it is unused.
    pub fn with_partner(mut self, partner: Option<NeuralDetector>) -> NeuralDetector {
        self.partner = partner.map(Box::new);
        self
    }

    /// The probabilities the stage decides on: `own`, with the partner's averaged in.
    fn with_partner_probs(
        &self,
        text: &str,
        ranges: &[Range<usize>],
        own: Vec<Vec<f32>>,
    ) -> Result<Vec<Vec<f32>>, Error> {
        let (Some(stage), Some(partner)) = (&self.stage, &self.partner) else { return Ok(own) };
        if stage.partner <= 0.0 || ranges.is_empty() {
            return Ok(own);
        }
        let theirs = partner.classify_probs(text, ranges)?;
        Ok(own.iter().zip(&theirs).map(|(o, t)| stage.mix_partner(o, t)).collect())
    }

    /// Technique probabilities of `spans` (`(row, positions)`), averaged over the
    /// networks whose hidden states are `hs`.
    fn tc_probs(
        &self,
        hs: &[Tensor],
        spans: &[(usize, Range<usize>)],
    ) -> Result<Vec<Vec<f32>>, Error> {
        let per_net = self
            .nets
            .iter()
            .zip(hs)
            .map(|(net, h)| {
                Ok(candle_nn::ops::softmax_last_dim(&net.heads.tc_logits(h, spans)?)?.to_vec2()?)
            })
            .collect::<Result<Vec<Vec<Vec<f32>>>, Error>>()?;
        Ok(mean_probs(per_net))
    }

    /// Final hidden states of the windows `which` of `wins`, 16 of similar length at a
    /// time; calls `f(window indices, their hidden states in each network)` for each
    /// batch.
    fn encode(
        &self,
        wins: &[Window],
        mut which: Vec<usize>,
        mut f: impl FnMut(&[usize], &[Tensor]) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let order = &mut which;
        order.sort_by_key(|&i| wins[i].ids.len());
        for chunk in order.chunks(INFER_BATCH) {
            let rows: Vec<&[u32]> = chunk.iter().map(|&i| wins[i].ids.as_slice()).collect();
            let (ids, mask) = batch_ids(&rows)?;
            let hs = self
                .nets
                .iter()
                .map(|net| net.bert.forward(&ids, &mask))
                .collect::<Result<Vec<Tensor>, Error>>()?;
            f(chunk, &hs)?;
        }
        Ok(())
    }

    /// Spans of `text` with their span confidence, and their neural technique
    /// probabilities.
    pub fn detect_spans(&self, text: &str) -> Result<Vec<NeuralSpan>, Error> {
        let wins = windows(&self.tokenizer, text, self.window)?;
        let scores = self.si.map(|_| ArticleScores::new(text, self.fast.model()));
        let mut out = Vec::new();
        self.encode(&wins, (0..wins.len()).collect(), |chunk, hs| {
            let per_net = self
                .nets
                .iter()
                .zip(hs)
                .map(|(net, h)| {
                    let logits = net.heads.si.forward(h)?;
                    Ok(candle_nn::ops::log_softmax(&logits, D::Minus1)?.to_vec3()?)
                })
                .collect::<Result<Vec<Vec<Vec<Vec<f32>>>>, Error>>()?;
            let logp = mean_log_probs(per_net);
            let mut found: Vec<(usize, Range<usize>, f32)> = Vec::new();
            for (row, &i) in chunk.iter().enumerate() {
                let w = &wins[i];
                match (&scores, self.si) {
                    (Some(a), Some(e)) => {
                        let p_in: Vec<f32> =
                            logp[row].iter().map(|l| 1.0 - l[TAG_O].exp()).collect();
                        for (bytes, conf) in window_spans(a, w, &p_in, e) {
                            let pos = w.positions(&bytes);
                            if !pos.is_empty() {
                                found.push((row, pos, conf));
                            }
                        }
                    }
                    _ => {
                        for (pos, conf) in decode(&logp[row], w.inner(), self.o_bias) {
                            found.push((row, pos, conf));
                        }
                    }
                }
            }
            if found.is_empty() {
                return Ok(());
            }
            let spans: Vec<(usize, Range<usize>)> =
                found.iter().map(|(r, p, _)| (*r, p.clone())).collect();
            let probs = self.tc_probs(hs, &spans)?;
            for ((row, pos, conf), p) in found.into_iter().zip(probs) {
                let w = &wins[chunk[row]];
                let bytes = w.offsets[pos.start].start..w.offsets[pos.end - 1].end;
                let range = trim_span(text, to_word_bounds(text, bytes));
                if !range.is_empty() {
                    out.push((range, conf, p));
                }
            }
            Ok(())
        })?;
        out.sort_by_key(|(r, _, _)| (r.start, r.end));
        Ok(out)
    }

    /// Neural technique probabilities of byte ranges of `text`.
    pub fn classify_probs(
        &self,
        text: &str,
        ranges: &[Range<usize>],
    ) -> Result<Vec<Vec<f32>>, Error> {
        let wins = windows(&self.tokenizer, text, self.window)?;
        // The window holding each range's first piece.
        let mut by_window: HashMap<usize, Vec<(usize, Range<usize>)>> = HashMap::new();
        for (k, r) in ranges.iter().enumerate() {
            let w =
                wins.partition_point(|w| w.span().end <= r.start).min(wins.len().saturating_sub(1));
            if let Some(win) = wins.get(w) {
                let pos = win.positions(r);
                if !pos.is_empty() {
                    by_window.entry(w).or_default().push((k, pos));
                }
            }
        }
        let mut out =
            vec![vec![1.0 / Technique::ALL.len() as f32; Technique::ALL.len()]; ranges.len()];
        let mut which: Vec<usize> = by_window.keys().copied().collect();
        which.sort_unstable();
        self.encode(&wins, which, |chunk, hs| {
            let mut spans = Vec::new();
            let mut targets = Vec::new();
            for (row, i) in chunk.iter().enumerate() {
                for (k, pos) in &by_window[i] {
                    spans.push((row, pos.clone()));
                    targets.push(*k);
                }
            }
            for (k, p) in targets.into_iter().zip(self.tc_probs(hs, &spans)?) {
                out[k] = p;
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// The ranked techniques of one span from its neural probabilities and its fast
    /// classification: through the stacker's neural stage, or the fixed mix.
    fn decide(
        &self,
        ctx: &ArticleContext<'_>,
        range: Range<usize>,
        neural: &[f32],
        context: &[f32],
        fast: FastSpan,
    ) -> Vec<Labelled> {
        if let (Some(stage), Some(logits)) = (&self.stage, &fast.logits) {
            let p = stage.probabilities(logits, neural, context);
            return ranked(ctx, range, &p, &fast.classification);
        }
        let mixed: Vec<f32> = neural
            .iter()
            .zip(fast.probabilities())
            .map(|(n, f)| self.tc_mix * n + (1.0 - self.tc_mix) * f)
            .collect();
        ranked(ctx, range, &mixed, &fast.classification)
    }

    /// Ranked techniques of `ranges` given their neural probabilities.
    fn decide_all(
        &self,
        text: &str,
        ranges: &[Range<usize>],
        neural: &[Vec<f32>],
    ) -> Vec<Vec<Labelled>> {
        let ctx = ArticleContext::new(text);
        let fast = self.fast.classify_spans(&ctx, ranges);
        let context = match &self.stage {
            Some(stage) if stage.uses_context() => article_context(ranges, neural),
            _ => vec![Vec::new(); ranges.len()],
        };
        ranges
            .iter()
            .zip(neural)
            .zip(context)
            .zip(fast)
            .map(|(((r, p), c), f)| self.decide(&ctx, r.clone(), p, &c, f))
            .collect()
    }
}

impl TechniqueDetector for NeuralDetector {
    fn name(&self) -> &str {
        self.name
    }

    fn detect(&self, text: &str) -> Result<Vec<Detection>, ModelFailure> {
        let spans = self.detect_spans(text).map_err(|e| ModelFailure::new(self.name(), e))?;
        let ranges: Vec<Range<usize>> = spans.iter().map(|(r, _, _)| r.clone()).collect();
        let own: Vec<Vec<f32>> = spans.iter().map(|(_, _, p)| p.clone()).collect();
        let neural = self
            .with_partner_probs(text, &ranges, own)
            .map_err(|e| ModelFailure::new(self.name(), e))?;
        let decided = self.decide_all(text, &ranges, &neural);
        Ok(spans
            .into_iter()
            .zip(decided)
            .map(|((range, span_confidence, _), techniques)| Detection {
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
        let probs = self
            .classify_probs(text, ranges)
            .and_then(|own| self.with_partner_probs(text, ranges, own))
            .map_err(|e| ModelFailure::new(self.name(), e))?;
        Ok(self.decide_all(text, ranges, &probs))
    }
}
