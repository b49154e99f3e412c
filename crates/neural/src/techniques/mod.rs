//! The neural technique model: MiniLM with its top layers fine-tuned on PTC, a token head
//! for span identification (BIO over word pieces) and a span head for technique
//! classification (mean of the span's pieces + the window's `[CLS]`), mixed with the fast
//! model's technique probabilities.
//!
//! The committed file holds only what training changed (the top layers and the heads, in
//! f16), for one network or for each network of a seed ensemble, whose probabilities are
//! averaged; the base weights come from the installed encoder package.

pub mod ensemble;
pub mod train;
pub mod windows;

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use candle_core::{DType, Device, Tensor, D};
use serde::{Deserialize, Serialize};
use tokenizers::Tokenizer;
use unspin_model::api::FastDetector;
use unspin_model::api::{Detection, Labelled, ModelFailure, TechniqueDetector};
use unspin_model::artifact;
use unspin_model::Technique;
use unspin_text::segment::trim_span;

use crate::bert::{batch_ids, read_tensors, Bert, BertConfig, Linear};
use crate::install::{self, MINILM};
use crate::Error;
use ensemble::{window_spans, ArticleScores, SiEnsemble};
use windows::{to_word_bounds, windows, Window};

/// File name of the committed neural technique model, under `models/`.
pub const NEURAL_TECHNIQUE_FILE: &str = "techniques-neural.bin";
const MAGIC: &[u8; 8] = artifact::NEURAL_TECHNIQUES_MAGIC;
const FORMAT: u32 = 4;
/// Windows per forward pass at inference.
pub const INFER_BATCH: usize = 16;

/// A tensor stored in half precision.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredTensor {
    /// Hugging Face name (`encoder.layer.5.output.dense.weight`, `head.si.weight`, …).
    pub name: String,
    /// Shape.
    pub shape: Vec<usize>,
    /// Values as IEEE half-precision bits.
    pub f16: Vec<u16>,
}

impl StoredTensor {
    /// Stores `t` (any float dtype) in f16.
    pub fn from_tensor(name: &str, t: &Tensor) -> Result<StoredTensor, Error> {
        let v: Vec<half::f16> = t.to_dtype(DType::F16)?.flatten_all()?.to_vec1()?;
        Ok(StoredTensor {
            name: name.to_string(),
            shape: t.dims().to_vec(),
            f16: v.into_iter().map(|x| x.to_bits()).collect(),
        })
    }

    /// The tensor in f32.
    pub fn to_tensor(&self) -> Result<Tensor, Error> {
        let v: Vec<f32> = self.f16.iter().map(|&b| half::f16::from_bits(b).to_f32()).collect();
        Ok(Tensor::from_vec(v, self.shape.as_slice(), &Device::Cpu)?)
    }
}

/// The trained parts of the neural technique model.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NeuralTechniqueModel {
    /// Encoder name.
    pub encoder: String,
    /// SHA-256 of the base encoder weights.
    pub encoder_sha256: String,
    /// How many top layers were fine-tuned (the rest are the base weights).
    pub trained_layers: usize,
    /// Fine-tuned layers and the heads.
    pub tensors: Vec<StoredTensor>,
    /// Added to the `O` log-probability of each piece before decoding (fitted on held-out
    /// training articles).
    pub o_bias: f32,
    /// Weight of the neural technique probabilities in the mix with the fast model's
    /// (fitted on held-out training articles).
    pub tc_mix: f32,
    /// Epochs done (for resuming).
    pub epochs_done: usize,
    /// Span identification with the fast model (`None`: the token head alone, BIO
    /// decoding with `o_bias`).
    pub si: Option<SiEnsemble>,
    /// Training settings, `key=value`.
    pub settings: Vec<(String, String)>,
    /// Figures measured while training, `key=value`.
    pub tuning: Vec<(String, String)>,
    /// Further networks of an ensemble: the tuned layers and heads of models trained like
    /// this one with other seeds, on the same held-out split. Their probabilities are
    /// averaged with this network's; `o_bias`, `tc_mix` and `si` were fitted on the average.
    pub members: Vec<Vec<StoredTensor>>,
}

/// Formats 2 and 3 of [`NeuralTechniqueModel`]: one network, no `members`. Format 2's SI
/// ensemble was `(mix, threshold)`, format 3's a [`SiEnsemble`].
#[derive(Deserialize)]
struct OneNetwork<Si> {
    encoder: String,
    encoder_sha256: String,
    trained_layers: usize,
    tensors: Vec<StoredTensor>,
    o_bias: f32,
    tc_mix: f32,
    epochs_done: usize,
    si: Option<Si>,
    settings: Vec<(String, String)>,
    tuning: Vec<(String, String)>,
}

impl<Si> OneNetwork<Si> {
    /// The model in the current format, its SI ensemble read by `si`.
    fn into_model(self, si: impl FnOnce(Si) -> SiEnsemble) -> NeuralTechniqueModel {
        NeuralTechniqueModel {
            encoder: self.encoder,
            encoder_sha256: self.encoder_sha256,
            trained_layers: self.trained_layers,
            tensors: self.tensors,
            o_bias: self.o_bias,
            tc_mix: self.tc_mix,
            epochs_done: self.epochs_done,
            si: self.si.map(si),
            settings: self.settings,
            tuning: self.tuning,
            members: Vec::new(),
        }
    }
}

impl NeuralTechniqueModel {
    /// Longest window in word pieces it was trained with (its `window` setting;
    /// [`windows::WINDOW`] for models that predate the setting).
    pub fn window(&self) -> usize {
        self.setting("window").and_then(|v| v.parse().ok()).unwrap_or(windows::WINDOW)
    }

    /// Serialises the model.
    pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        Ok(artifact::framed(MAGIC, FORMAT, self)?)
    }

    /// Reads a model from bytes (format 4; format 3, one network; or format 2, whose SI
    /// ensemble had no seed threshold: it reads as one equal to its threshold, which
    /// decodes the same).
    pub fn from_bytes(b: &[u8]) -> Result<NeuralTechniqueModel, Error> {
        const KIND: &str = "neural technique";
        match b.get(8..12) {
            Some(v) if v == 2u32.to_le_bytes() => {
                let m: OneNetwork<(f32, f32)> = artifact::unframed(b, MAGIC, 2, KIND)?;
                // No seed threshold: one equal to the threshold decodes the same.
                Ok(m.into_model(|(mix, threshold)| SiEnsemble { mix, threshold, seed: threshold }))
            }
            Some(v) if v == 3u32.to_le_bytes() => {
                let m: OneNetwork<SiEnsemble> = artifact::unframed(b, MAGIC, 3, KIND)?;
                Ok(m.into_model(|si| si))
            }
            _ => Ok(artifact::unframed(b, MAGIC, FORMAT, KIND)?),
        }
    }

    /// A training setting (`seed`, `window`, …) as written in `settings`.
    pub fn setting(&self, key: &str) -> Option<&str> {
        self.settings.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Sets `key` in `list` to `value`, replacing an earlier value.
    pub fn set(list: &mut Vec<(String, String)>, key: &str, value: String) {
        list.retain(|(k, _)| k != key);
        list.push((key.to_string(), value));
    }

    /// The model embedded in this binary (the committed `models/techniques-neural.bin`).
    pub fn embedded() -> Result<NeuralTechniqueModel, Error> {
        static EMBEDDED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/techniques-neural.bin"));
        if EMBEDDED.is_empty() {
            return Err(Error::Format(format!(
                "this build embeds no neural technique model (models/{NEURAL_TECHNIQUE_FILE} was missing)"
            )));
        }
        let model = Self::from_bytes(EMBEDDED);
        artifact::release_embedded(EMBEDDED);
        model
    }

    /// Reads a model file.
    pub fn load(path: &Path) -> Result<NeuralTechniqueModel, Error> {
        Self::from_bytes(&artifact::read_file(path)?)
    }

    /// Writes the model to `path`.
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        Ok(artifact::write_file(path, &self.to_bytes()?)?)
    }
}

/// The heads on top of the encoder.
#[derive(Clone, Debug)]
pub struct Heads {
    /// Word piece → O/B/I.
    pub si: Linear,
    /// [span mean; window CLS] → technique.
    pub tc: Linear,
}

/// Tag indices of the token head.
pub const TAG_O: usize = 0;
/// Beginning of a span.
pub const TAG_B: usize = 1;
/// Inside a span.
pub const TAG_I: usize = 2;

impl Heads {
    /// Technique logits `(n, techniques)` of spans given as `(row, positions)` of hidden
    /// states `h` `(batch, len, hidden)`.
    pub fn tc_logits(&self, h: &Tensor, spans: &[(usize, Range<usize>)]) -> Result<Tensor, Error> {
        let (b, t, d) = h.dims3()?;
        let n = spans.len();
        let mut pool = vec![0f32; n * b * t];
        let mut cls = vec![0f32; n * b * t];
        for (k, (row, pos)) in spans.iter().enumerate() {
            let len = pos.len().max(1) as f32;
            for p in pos.clone() {
                pool[k * b * t + row * t + p] = 1.0 / len;
            }
            cls[k * b * t + row * t] = 1.0;
        }
        let flat = h.reshape((b * t, d))?;
        let pool = Tensor::from_vec(pool, (n, b * t), h.device())?.matmul(&flat)?;
        let cls = Tensor::from_vec(cls, (n, b * t), h.device())?.matmul(&flat)?;
        self.tc.forward(&Tensor::cat(&[pool, cls], 1)?)
    }
}

/// A span the token head found: byte range, span confidence, technique probabilities.
pub type NeuralSpan = (Range<usize>, f32, Vec<f32>);

/// One network of the model: encoder with its tuned layers, and heads.
struct Net {
    bert: Bert,
    heads: Heads,
}

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
}

/// Loads the tokenizer of an installed encoder, with padding and truncation off.
pub fn load_tokenizer(dir: &Path) -> Result<Tokenizer, Error> {
    let mut tokenizer = Tokenizer::from_file(dir.join("tokenizer.json"))
        .map_err(|e| Error::Tokenizer(e.to_string()))?;
    tokenizer.with_padding(None);
    tokenizer.with_truncation(None).map_err(|e| Error::Tokenizer(e.to_string()))?;
    Ok(tokenizer)
}

/// Builds the encoder and the heads from the base weights with `overrides` on top.
pub fn assemble(
    dir: &Path,
    overrides: &HashMap<String, Tensor>,
    trainable: usize,
) -> Result<(Bert, Vec<(String, candle_core::Var)>), Error> {
    let config = BertConfig::read(&dir.join("config.json"))?;
    let base = read_tensors(&dir.join("model.safetensors"), |name| overrides.contains_key(name))?;
    Bert::from_tensors(config, &with_overrides(base, overrides), trainable)
}

/// The base tensors with the encoder tensors of `overrides` in place (heads left out).
fn with_overrides(
    mut tensors: HashMap<String, Tensor>,
    overrides: &HashMap<String, Tensor>,
) -> HashMap<String, Tensor> {
    for (k, v) in overrides {
        if !k.starts_with("head.") {
            tensors.insert(k.clone(), v.clone());
        }
    }
    tensors
}

/// Builds one network per stored tensor set, for inference: the base weights are read
/// once and shared by every network that does not override them; each set is dropped
/// once it is converted.
fn assemble_nets(dir: &Path, sets: Vec<Vec<StoredTensor>>) -> Result<Vec<Net>, Error> {
    let config = BertConfig::read(&dir.join("config.json"))?;
    let overridden = |name: &str| sets.iter().all(|set| set.iter().any(|t| t.name == name));
    let base = read_tensors(&dir.join("model.safetensors"), overridden)?;
    sets.into_iter()
        .map(|set| {
            let own: HashMap<String, Tensor> = set
                .into_iter()
                .map(|t| Ok((t.name.clone(), t.to_tensor()?)))
                .collect::<Result<_, Error>>()?;
            let (bert, _) = Bert::from_tensors(config, &with_overrides(base.clone(), &own), 0)?;
            let get = |n: &str| {
                own.get(n).cloned().ok_or_else(|| Error::Format(format!("model file: no {n}")))
            };
            let heads = Heads {
                si: Linear { w: get("head.si.weight")?, b: get("head.si.bias")? },
                tc: Linear { w: get("head.tc.weight")?, b: get("head.tc.bias")? },
            };
            Ok(Net { bert, heads })
        })
        .collect()
}

/// Piece log-probabilities `(row, position, tag)` averaged over networks in probability
/// space (one network's are returned as they are).
fn mean_log_probs(mut per_net: Vec<Vec<Vec<Vec<f32>>>>) -> Vec<Vec<Vec<f32>>> {
    if per_net.len() == 1 {
        return per_net.pop().unwrap_or_default();
    }
    let n = per_net.len() as f32;
    let mut out = per_net[0].clone();
    for (r, row) in out.iter_mut().enumerate() {
        for (p, tags) in row.iter_mut().enumerate() {
            for (t, v) in tags.iter_mut().enumerate() {
                *v = (per_net.iter().map(|net| net[r][p][t].exp()).sum::<f32>() / n).ln();
            }
        }
    }
    out
}

/// Probability rows averaged over networks.
fn mean_probs(mut per_net: Vec<Vec<Vec<f32>>>) -> Vec<Vec<f32>> {
    if per_net.len() == 1 {
        return per_net.pop().unwrap_or_default();
    }
    let n = per_net.len() as f32;
    let mut out = per_net[0].clone();
    for (r, row) in out.iter_mut().enumerate() {
        for (c, v) in row.iter_mut().enumerate() {
            *v = per_net.iter().map(|net| net[r][c]).sum::<f32>() / n;
        }
    }
    out
}

impl NeuralDetector {
    /// Loads the installed encoder and applies `model` to it (its weights are dropped as
    /// they are converted).
    pub fn new(model: NeuralTechniqueModel, fast: FastDetector) -> Result<NeuralDetector, Error> {
        if model.encoder_sha256 != MINILM.sha256 {
            return Err(Error::Format(
                "the neural technique model expects other encoder weights".into(),
            ));
        }
        let dir = install::installed(&MINILM)?;
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
        })
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

    /// Mixes neural probabilities with the fast model's ranking of the same span.
    fn mix(&self, neural: &[f32], fast: Vec<Labelled>) -> Vec<Labelled> {
        let mut out: Vec<Labelled> = fast
            .into_iter()
            .map(|mut l| {
                l.probability =
                    self.tc_mix * neural[l.technique.index()] + (1.0 - self.tc_mix) * l.probability;
                l
            })
            .collect();
        out.sort_by(|a, b| {
            b.probability.total_cmp(&a.probability).then(a.technique.cmp(&b.technique))
        });
        // The cue explains the fast model's first choice: keep it only while that is first.
        for l in out.iter_mut().skip(1) {
            l.cue = None;
        }
        out
    }
}

/// Decodes piece log-probabilities `(len, 3)` over `inner` into spans of piece positions
/// with their confidence (mean probability of not-O).
pub fn decode(logp: &[Vec<f32>], inner: Range<usize>, o_bias: f32) -> Vec<(Range<usize>, f32)> {
    let mut out = Vec::new();
    let mut cur: Option<usize> = None;
    let close = |out: &mut Vec<(Range<usize>, f32)>, s: usize, e: usize| {
        let conf = (s..e).map(|p| 1.0 - logp[p][TAG_O].exp()).sum::<f32>() / (e - s) as f32;
        out.push((s..e, conf));
    };
    for p in inner.clone() {
        let l = &logp[p];
        let o = l[TAG_O] + o_bias;
        let tag = if o >= l[TAG_B] && o >= l[TAG_I] {
            TAG_O
        } else if l[TAG_B] > l[TAG_I] {
            TAG_B
        } else {
            TAG_I
        };
        match (tag, cur) {
            (TAG_O, Some(s)) => {
                close(&mut out, s, p);
                cur = None;
            }
            (TAG_B, Some(s)) => {
                close(&mut out, s, p);
                cur = Some(p);
            }
            (TAG_B | TAG_I, None) => cur = Some(p),
            _ => {}
        }
    }
    if let Some(s) = cur {
        close(&mut out, s, inner.end);
    }
    out
}

impl TechniqueDetector for NeuralDetector {
    fn name(&self) -> &str {
        "neural"
    }

    fn detect(&self, text: &str) -> Result<Vec<Detection>, ModelFailure> {
        let spans = self.detect_spans(text).map_err(|e| ModelFailure::new(self.name(), e))?;
        let ranges: Vec<Range<usize>> = spans.iter().map(|(r, _, _)| r.clone()).collect();
        let fast = self.fast.classify(text, &ranges)?;
        Ok(spans
            .into_iter()
            .zip(fast)
            .map(|((range, span_confidence, p), f)| Detection {
                range,
                span_confidence,
                techniques: self.mix(&p, f),
            })
            .collect())
    }

    fn classify(
        &self,
        text: &str,
        ranges: &[Range<usize>],
    ) -> Result<Vec<Vec<Labelled>>, ModelFailure> {
        let fast = self.fast.classify(text, ranges)?;
        let probs =
            self.classify_probs(text, ranges).map_err(|e| ModelFailure::new(self.name(), e))?;
        Ok(probs.iter().zip(fast).map(|(p, f)| self.mix(p, f)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_runs() {
        let o = vec![0.0f32, -5.0, -5.0];
        let b = vec![-5.0, 0.0, -5.0];
        let i = vec![-5.0, -5.0, 0.0];
        let logp =
            vec![o.clone(), b.clone(), i.clone(), o.clone(), i.clone(), b.clone(), o.clone()];
        let spans: Vec<_> = decode(&logp, 1..6, 0.0).into_iter().map(|(r, _)| r).collect();
        assert_eq!(spans, vec![1..3, 4..5, 5..6]);
        let none = decode(&logp, 1..6, 10.0);
        assert!(none.is_empty());
    }

    #[test]
    fn averages_are_taken_in_probability_space() {
        let one = vec![vec![vec![0.5f32.ln(), 0.25f32.ln(), 0.25f32.ln()]]];
        assert_eq!(mean_log_probs(vec![one.clone()]), one, "one network passes through");
        let other = vec![vec![vec![0.1f32.ln(), 0.8f32.ln(), 0.1f32.ln()]]];
        let mean = mean_log_probs(vec![one, other]);
        let p: Vec<f32> = mean[0][0].iter().map(|l| l.exp()).collect();
        for (got, want) in p.iter().zip([0.3, 0.525, 0.175]) {
            assert!((got - want).abs() < 1e-6, "{p:?}");
        }
        let tc = mean_probs(vec![vec![vec![1.0, 0.0]], vec![vec![0.0, 1.0]], vec![vec![0.5, 0.5]]]);
        assert_eq!(tc, vec![vec![0.5, 0.5]]);
    }

    #[test]
    fn formats_2_and_3_read_as_one_network() {
        // The fields in the order the older formats wrote them; `si` is what differs.
        fn old<Si: Serialize>(format: u32, si: Si) -> Vec<u8> {
            let settings = vec![("window".to_string(), "64".to_string())];
            let fields = ("e", "s", 2usize, Vec::<StoredTensor>::new(), -1.0f32, 0.6f32, 4usize);
            let rest = (Some(si), settings, Vec::<(String, String)>::new());
            artifact::framed(MAGIC, format, &(fields, rest)).unwrap()
        }
        let m = NeuralTechniqueModel::from_bytes(&old(2, (0.5f32, 0.3f32))).unwrap();
        assert_eq!(m.si, Some(SiEnsemble { mix: 0.5, threshold: 0.3, seed: 0.3 }));
        assert_eq!((m.trained_layers, m.o_bias, m.tc_mix, m.window()), (2, -1.0, 0.6, 64));
        assert!(m.members.is_empty());
        let e = SiEnsemble { mix: 0.6, threshold: 0.15, seed: 0.35 };
        let m = NeuralTechniqueModel::from_bytes(&old(3, e)).unwrap();
        assert_eq!((m.si, m.epochs_done), (Some(e), 4));
    }

    #[test]
    fn members_survive_a_round_trip() {
        let t = |v: f32| StoredTensor {
            name: "head.si.bias".into(),
            shape: vec![1],
            f16: vec![half::f16::from_f32(v).to_bits()],
        };
        let m = NeuralTechniqueModel {
            encoder: "e".into(),
            encoder_sha256: "s".into(),
            trained_layers: 1,
            tensors: vec![t(1.0)],
            o_bias: -1.25,
            tc_mix: 0.5,
            epochs_done: 4,
            si: Some(SiEnsemble { mix: 0.6, threshold: 0.15, seed: 0.35 }),
            settings: vec![("seed".into(), "13".into())],
            tuning: Vec::new(),
            members: vec![vec![t(2.0)], vec![t(3.0)]],
        };
        let back = NeuralTechniqueModel::from_bytes(&m.to_bytes().unwrap()).unwrap();
        assert_eq!(back.members.len(), 2);
        assert_eq!(back.members[1][0].f16, m.members[1][0].f16);
        assert_eq!(back.setting("seed"), Some("13"));
        assert_eq!(back.si, m.si);
    }
}
