//! Fine-tuning the neural technique model on PTC, in Rust.
//!
//! 1. A seeded shuffle holds out `tune_fraction` of the training articles.
//! 2. Articles are cut into windows ([`windows`](mod@super::windows)); each word piece gets a
//!    BIO tag from the merged gold spans; each gold span becomes a technique example in the
//!    window holding its start.
//! 3. The frozen bottom layers run once over every window; their output is kept.
//! 4. Each epoch trains the top `layers` layers and both heads (AdamW, linear warm-up and
//!    decay, dropout on the last hidden states, class-weighted technique loss), then
//!    measures SI F1 and TC accuracy on the held-out articles and writes a checkpoint.
//! 5. On the held-out articles: the `O` bias that maximises SI F1, and the weight of the
//!    neural probabilities in the mix with a fast model trained on the same articles.
//!
//! [`combine`] makes an ensemble of models trained this way with other seeds (`split_seed`
//! keeps their held-out articles the same): step 5 again, on their averaged probabilities.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Instant;

use candle_core::{Device, Tensor, Var, D};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use tokenizers::Tokenizer;
use unspin_eval::labels::SiSpan;
use unspin_eval::si;
use unspin_model::fast::train::merged;
use unspin_model::fast::FastModel;
use unspin_model::ptc::{Article, Corpus};
use unspin_model::Technique;
use unspin_text::segment::trim_span;

mod cross_fit;
mod si_decoders;

use si_decoders::Inputs;

pub use cross_fit::cross_fit;

use super::decoding::{decode, mean_log_probs, mean_probs};
use super::ensemble::SiEnsemble;
use super::windows::{to_word_bounds, windows, Window};
use super::{
    assemble, load_tokenizer, Heads, NeuralTechniqueModel, Settings, StoredTensor, TAG_B, TAG_I,
    TAG_O,
};
use crate::bert::{stack_padded, Bert, Linear};
use crate::install::{EncoderSpec, MINILM};
use crate::tuning;
use crate::Error;

/// Training settings.
#[derive(Clone, Debug)]
pub struct NeuralTrainConfig {
    /// The base encoder (its installed folder is passed to [`train`]).
    pub encoder: &'static EncoderSpec,
    /// Top encoder layers to fine-tune (the rest stay frozen).
    pub layers: usize,
    /// Passes over the training windows.
    pub epochs: usize,
    /// Windows per step.
    pub batch: usize,
    /// Peak learning rate of the encoder layers.
    pub lr_encoder: f64,
    /// Peak learning rate of the heads.
    pub lr_head: f64,
    /// Technique class weights are `(most frequent count / count)^power`.
    pub tc_weight_power: f32,
    /// Dropout on the last hidden states.
    pub dropout: f32,
    /// Seed of the shuffles, the dropout and the head initialisation.
    pub seed: u64,
    /// Seed of the choice of held-out articles (kept apart from `seed` so that models
    /// trained with different seeds share their held-out articles and can be combined).
    pub split_seed: u64,
    /// Share of the articles held out for tuning.
    pub tune_fraction: f64,
    /// Which share of the shuffle is held out: fold `k` holds out its `k`-th chunk of
    /// `tune_fraction` (fold 0, the default, its first), so that networks trained on every
    /// fold give each training article a prediction from a network that never saw it.
    pub fold: usize,
    /// Longest window in word pieces (the model keeps it for inference).
    pub window: usize,
    /// Stop after this many steps (quick runs and tests).
    pub max_steps: Option<usize>,
    /// Where to write a checkpoint after each epoch.
    pub checkpoint: Option<PathBuf>,
    /// A checkpoint to resume from.
    pub resume: Option<PathBuf>,
}

impl Default for NeuralTrainConfig {
    fn default() -> Self {
        NeuralTrainConfig {
            encoder: &MINILM,
            layers: 2,
            epochs: 3,
            batch: 16,
            lr_encoder: 1e-4,
            lr_head: 1e-3,
            tc_weight_power: 0.5,
            dropout: 0.1,
            seed: 13,
            split_seed: 13,
            tune_fraction: 0.1,
            fold: 0,
            window: super::windows::WINDOW,
            max_steps: None,
            checkpoint: None,
            resume: None,
        }
    }
}

impl NeuralTrainConfig {
    fn settings(&self) -> Settings {
        let recorded = [
            ("layers", self.layers.to_string()),
            ("epochs", self.epochs.to_string()),
            ("batch", self.batch.to_string()),
            ("lr_encoder", self.lr_encoder.to_string()),
            ("lr_head", self.lr_head.to_string()),
            ("tc_weight_power", self.tc_weight_power.to_string()),
            ("dropout", self.dropout.to_string()),
        ];
        Settings {
            window: Some(self.window),
            seed: Some(self.seed),
            split_seed: Some(self.split_seed),
            tune_fraction: Some(self.tune_fraction),
            fold: Some(self.fold),
            recorded: recorded.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            ..Settings::default()
        }
    }
}

/// One training window with its targets.
struct Example {
    article: usize,
    window: Window,
    /// O/B/I per piece; `u8::MAX` for `[CLS]`/`[SEP]`.
    tags: Vec<u8>,
    /// Gold technique spans: piece positions and technique index.
    spans: Vec<(Range<usize>, usize)>,
}

fn examples(
    tokenizer: &Tokenizer,
    index: usize,
    a: &Article,
    window: usize,
) -> Result<Vec<Example>, Error> {
    let gold = merged(&a.spans);
    let wins = windows(tokenizer, &a.doc.text, window)?;
    let mut out: Vec<Example> = wins
        .into_iter()
        .map(|window| {
            let mut tags = vec![u8::MAX; window.ids.len()];
            let mut prev: Option<usize> = None;
            for p in window.inner() {
                let o = &window.offsets[p];
                let k = gold.partition_point(|g| g.end <= o.start);
                let inside = gold.get(k).filter(|g| g.start < o.end).map(|_| k);
                tags[p] = match inside {
                    None => TAG_O,
                    Some(k) if prev == Some(k) => TAG_I,
                    Some(_) => TAG_B,
                } as u8;
                prev = inside;
            }
            Example { article: index, window, tags, spans: Vec::new() }
        })
        .collect();
    for (r, t) in &a.spans {
        let w = out.partition_point(|e| e.window.span().end <= r.start);
        if let Some(e) = out.get_mut(w) {
            let pos = e.window.positions(r);
            if !pos.is_empty() {
                e.spans.push((pos, t.index()));
            }
        }
    }
    Ok(out)
}

fn init(rng: &mut fastrand::Rng, shape: (usize, usize), std: f32) -> Result<Var, Error> {
    let n = shape.0 * shape.1;
    // Irwin–Hall approximation of a normal draw; only a small, seeded start is needed.
    let v: Vec<f32> =
        (0..n).map(|_| ((0..4).map(|_| rng.f32()).sum::<f32>() - 2.0) * std * 1.732).collect();
    Ok(Var::from_tensor(&Tensor::from_vec(v, shape, &Device::Cpu)?)?)
}

/// The trainable state: encoder, heads and their variables.
struct State {
    bert: Bert,
    heads: Heads,
    encoder_vars: Vec<(String, Var)>,
    head_vars: Vec<(String, Var)>,
}

impl State {
    fn new(
        dir: &Path,
        cfg: &NeuralTrainConfig,
        resume: Option<&NeuralTechniqueModel>,
    ) -> Result<State, Error> {
        let overrides: HashMap<String, Tensor> = match resume {
            Some(m) => m
                .tensors
                .iter()
                .map(|t| Ok((t.name.clone(), t.to_tensor()?)))
                .collect::<Result<_, Error>>()?,
            None => HashMap::new(),
        };
        let (bert, encoder_vars) = assemble(dir, &overrides, cfg.layers)?;
        let d = bert.config.hidden;
        let nt = Technique::ALL.len();
        let mut rng = fastrand::Rng::with_seed(cfg.seed ^ 0x4EAD);
        let mut var = |name: &str, shape: (usize, usize), std: f32| -> Result<Var, Error> {
            match overrides.get(name) {
                Some(t) => Ok(Var::from_tensor(&t.reshape(shape)?)?),
                None => init(&mut rng, shape, std),
            }
        };
        let head_vars = vec![
            ("head.si.weight".to_string(), var("head.si.weight", (3, d), 0.02)?),
            ("head.si.bias".to_string(), var("head.si.bias", (1, 3), 0.0)?),
            ("head.tc.weight".to_string(), var("head.tc.weight", (nt, 2 * d), 0.02)?),
            ("head.tc.bias".to_string(), var("head.tc.bias", (1, nt), 0.0)?),
        ];
        let t = |i: usize| head_vars[i].1.as_tensor().clone();
        let heads = Heads {
            si: Linear { w: t(0), b: t(1).flatten_all()? },
            tc: Linear { w: t(2), b: t(3).flatten_all()? },
        };
        Ok(State { bert, heads, encoder_vars, head_vars })
    }

    fn stored(&self) -> Result<Vec<StoredTensor>, Error> {
        let mut out = Vec::new();
        for (name, v) in self.encoder_vars.iter().chain(&self.head_vars) {
            let t = v.as_tensor();
            let t = if name.ends_with(".bias") && name.starts_with("head.") {
                t.flatten_all()?
            } else {
                t.clone()
            };
            out.push(StoredTensor::from_tensor(name, &t)?);
        }
        Ok(out)
    }

    /// Top-layer hidden states of a batch of examples from their frozen states.
    fn top(
        &self,
        frozen: &[Tensor],
        batch: &[usize],
        exs: &[Example],
        dropout: Option<(f32, &mut fastrand::Rng)>,
    ) -> Result<Tensor, Error> {
        let rows: Vec<&[u32]> = batch.iter().map(|&i| exs[i].window.ids.as_slice()).collect();
        let states: Vec<&Tensor> = batch.iter().map(|&i| &frozen[i]).collect();
        let (x, mask) = stack_padded(&states, &rows)?;
        let n = self.bert.num_layers();
        let h = self.bert.run_layers(
            &x,
            &self.bert.attention_bias(&mask)?,
            n - self.encoder_layers()..n,
        )?;
        match dropout {
            Some((p, rng)) => tuning::dropout(&h, p, rng),
            None => Ok(h),
        }
    }

    /// How many encoder layers are tuned: the distinct `encoder.layer.N.` among the
    /// variables (whatever the encoder calls the tensors inside a layer).
    fn encoder_layers(&self) -> usize {
        tuned_layers(self.encoder_vars.iter().map(|(n, _)| n.as_str()))
    }
}

/// The distinct `encoder.layer.N.` among tensor names.
fn tuned_layers<'a>(names: impl Iterator<Item = &'a str>) -> usize {
    let mut layers: Vec<&str> =
        names.filter_map(|n| n.strip_prefix("encoder.layer.")?.split('.').next()).collect();
    layers.sort_unstable();
    layers.dedup();
    layers.len()
}

/// Held-out predictions: per example the piece log-probabilities, per gold span the
/// technique probabilities.
struct Predictions {
    logp: Vec<Vec<Vec<f32>>>,
    tc: Vec<Vec<f32>>,
}

impl Predictions {
    /// The predictions of several networks on the same examples, averaged.
    fn mean(all: Vec<Predictions>) -> Predictions {
        let (logp, tc): (Vec<_>, Vec<_>) = all.into_iter().map(|p| (p.logp, p.tc)).unzip();
        Predictions { logp: mean_log_probs(logp), tc: mean_probs(tc) }
    }
}

fn predict(
    state: &State,
    frozen: &[Tensor],
    exs: &[Example],
    which: &[usize],
) -> Result<Predictions, Error> {
    let mut logp = vec![Vec::new(); exs.len()];
    let mut tc = Vec::new();
    let mut tc_index = HashMap::new();
    let mut order: Vec<usize> = which.to_vec();
    order.sort_by_key(|&i| exs[i].window.ids.len());
    for chunk in order.chunks(32) {
        let h = state.top(frozen, chunk, exs, None)?.detach();
        let lp: Vec<Vec<Vec<f32>>> =
            candle_nn::ops::log_softmax(&state.heads.si.forward(&h)?, D::Minus1)?.to_vec3()?;
        let mut spans = Vec::new();
        for (row, &i) in chunk.iter().enumerate() {
            logp[i] = lp[row].clone();
            for (k, (pos, _)) in exs[i].spans.iter().enumerate() {
                spans.push((row, pos.clone()));
                tc_index.insert((i, k), tc_index.len());
            }
        }
        if !spans.is_empty() {
            let p: Vec<Vec<f32>> =
                candle_nn::ops::softmax_last_dim(&state.heads.tc_logits(&h, &spans)?.detach())?
                    .to_vec2()?;
            tc.extend(p);
        }
    }
    // Reorder technique predictions to (example, span) order.
    let mut ordered = Vec::new();
    for &i in which {
        for k in 0..exs[i].spans.len() {
            ordered.push(tc[tc_index[&(i, k)]].clone());
        }
    }
    Ok(Predictions { logp, tc: ordered })
}

fn si_f1(
    exs: &[Example],
    which: &[usize],
    preds: &Predictions,
    gold: &[SiSpan],
    texts: &[&str],
    o_bias: f32,
) -> f64 {
    let mut pred = Vec::new();
    for &i in which {
        let e = &exs[i];
        let text = texts[e.article];
        for (pos, _) in decode(&preds.logp[i], e.window.inner(), o_bias) {
            let bytes = e.window.offsets[pos.start].start..e.window.offsets[pos.end - 1].end;
            let r = trim_span(text, to_word_bounds(text, bytes));
            if !r.is_empty() {
                pred.push(SiSpan { id: e.article.to_string(), start: r.start, end: r.end });
            }
        }
    }
    si::score(gold, &pred).f1
}

fn accuracy(probs: &[Vec<f32>], gold: &[usize]) -> f64 {
    let right = probs.iter().zip(gold).filter(|(p, &g)| argmax(p) == g).count();
    right as f64 / gold.len().max(1) as f64
}

fn argmax(p: &[f32]) -> usize {
    p.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map(|(i, _)| i).unwrap_or(0)
}

/// The checkpoint `--resume` names, if any, checked against the settings (and the corpus
/// checked to be large enough to hold articles out).
fn checked_resume(
    corpus: &Corpus,
    cfg: &NeuralTrainConfig,
) -> Result<Option<NeuralTechniqueModel>, Error> {
    if corpus.articles.len() < 4 {
        let n = corpus.articles.len();
        return Err(Error::Format(format!("need at least 4 articles, got {n}")));
    }
    let Some(m) = cfg.resume.as_deref().map(NeuralTechniqueModel::load).transpose()? else {
        return Ok(None);
    };
    if m.trained_layers != cfg.layers {
        return Err(Error::Format(format!(
            "the checkpoint tuned {} layers; pass --layers {}",
            m.trained_layers, m.trained_layers
        )));
    }
    if m.window() != cfg.window {
        return Err(Error::Format(format!(
            "the checkpoint was trained on windows of {} pieces; pass --window {}",
            m.window(),
            m.window()
        )));
    }
    if !m.members.is_empty() {
        return Err(Error::Format(
            "the checkpoint is an ensemble; resume from one of the models it combines".into(),
        ));
    }
    if m.encoder_sha256 != cfg.encoder.sha256 {
        return Err(Error::Format(format!(
            "the checkpoint tuned {}; pass the same --encoder",
            m.encoder
        )));
    }
    let split = HeldOutSplit { seed: cfg.split_seed, fraction: cfg.tune_fraction, fold: cfg.fold };
    if HeldOutSplit::of(&m) != split {
        let s = HeldOutSplit::of(&m);
        return Err(Error::Format(format!(
            "the checkpoint held out other articles; pass --split-seed {} --tune-fraction {} \
             --fold {}",
            s.seed, s.fraction, s.fold
        )));
    }
    Ok(Some(m))
}

/// Technique class weights from the training examples: (most frequent / count)^power.
fn class_weights(exs: &[Example], train_ex: &[usize], power: f32) -> Vec<f32> {
    let mut counts = vec![0usize; Technique::ALL.len()];
    for &i in train_ex {
        for (_, t) in &exs[i].spans {
            counts[*t] += 1;
        }
    }
    let most = *counts.iter().max().unwrap_or(&1) as f32;
    counts.iter().map(|&c| (most / c.max(1) as f32).powf(power)).collect()
}

/// The token (BIO) loss of a batch: mean negative log-likelihood of the gold tags.
fn si_loss(heads: &Heads, h: &Tensor, batch: &[usize], exs: &[Example]) -> Result<Tensor, Error> {
    let (b, w, _) = h.dims3()?;
    let mut target = vec![0f32; b * w * 3];
    let mut count = 0f32;
    for (row, &i) in batch.iter().enumerate() {
        for (p, &t) in exs[i].tags.iter().enumerate() {
            if t != u8::MAX {
                target[(row * w + p) * 3 + t as usize] = 1.0;
                count += 1.0;
            }
        }
    }
    let logits = heads.si.forward(h)?.reshape((b * w, 3))?;
    let logp = candle_nn::ops::log_softmax(&logits, D::Minus1)?;
    let target = Tensor::from_vec(target, (b * w, 3), &Device::Cpu)?;
    Ok(((logp * target)?.sum_all()? * (-1.0 / count.max(1.0) as f64))?)
}

/// The technique loss of a batch (class-weighted negative log-likelihood of the gold
/// technique of each span), or `None` when the batch has no span.
fn tc_loss(
    heads: &Heads,
    h: &Tensor,
    batch: &[usize],
    exs: &[Example],
    class_w: &[f32],
) -> Result<Option<Tensor>, Error> {
    let nt = Technique::ALL.len();
    let mut spans = Vec::new();
    let mut tgt = Vec::new();
    for (row, &i) in batch.iter().enumerate() {
        for (pos, t) in &exs[i].spans {
            spans.push((row, pos.clone()));
            let mut v = vec![0f32; nt];
            v[*t] = class_w[*t];
            tgt.push(v);
        }
    }
    if spans.is_empty() {
        return Ok(None);
    }
    let wsum: f32 = tgt.iter().flatten().sum();
    let k = tgt.len();
    let tgt = Tensor::from_vec(tgt.concat(), (k, nt), &Device::Cpu)?;
    let lp = candle_nn::ops::log_softmax(&heads.tc_logits(h, &spans)?, D::Minus1)?;
    Ok(Some(((lp * tgt)?.sum_all()? * (-1.0 / wsum as f64))?))
}

/// The windows of the articles `keep` accepts, in article order.
fn all_examples(
    tokenizer: &Tokenizer,
    corpus: &Corpus,
    window: usize,
    keep: impl Fn(usize) -> bool,
    log: &mut dyn FnMut(String),
) -> Result<Vec<Example>, Error> {
    let t0 = Instant::now();
    let mut exs = Vec::new();
    for (i, a) in corpus.articles.iter().enumerate().filter(|(i, _)| keep(*i)) {
        exs.extend(examples(tokenizer, i, a, window)?);
    }
    log(format!("{} windows ({:.1}s)", exs.len(), t0.elapsed().as_secs_f64()));
    Ok(exs)
}

/// Training batches: windows of similar length together (the batches are shuffled each
/// epoch).
fn length_batches(exs: &[Example], train_ex: &[usize], size: usize) -> Vec<Vec<usize>> {
    let mut sorted = train_ex.to_vec();
    sorted.sort_by_key(|&i| exs[i].window.ids.len());
    sorted.chunks(size).map(|c| c.to_vec()).collect()
}

/// AdamW for the tuned encoder layers (weight decay 0.01) and for the heads (none), each
/// with its own peak learning rate.
struct Optimizers {
    encoder: AdamW,
    heads: AdamW,
    peak: (f64, f64),
}

impl Optimizers {
    fn new(state: &State, cfg: &NeuralTrainConfig) -> Result<Optimizers, Error> {
        let vars = |v: &[(String, Var)]| -> Vec<Var> { v.iter().map(|(_, v)| v.clone()).collect() };
        let params =
            |lr: f64, wd: f64| ParamsAdamW { lr, weight_decay: wd, ..ParamsAdamW::default() };
        Ok(Optimizers {
            encoder: AdamW::new(vars(&state.encoder_vars), params(cfg.lr_encoder, 0.01))?,
            heads: AdamW::new(vars(&state.head_vars), params(cfg.lr_head, 0.0))?,
            peak: (cfg.lr_encoder, cfg.lr_head),
        })
    }

    /// Sets both learning rates to `scale` times their peaks.
    fn scale(&mut self, scale: f64) {
        self.encoder.set_learning_rate(self.peak.0 * scale);
        self.heads.set_learning_rate(self.peak.1 * scale);
    }

    fn step(&mut self, grads: &candle_core::backprop::GradStore) -> Result<(), Error> {
        self.encoder.step(grads)?;
        self.heads.step(grads)?;
        Ok(())
    }
}

/// Runs the frozen lower layers once over every window.
fn frozen_states(
    state: &State,
    exs: &[Example],
    frozen_layers: usize,
    log: &mut dyn FnMut(String),
) -> Result<Vec<Tensor>, Error> {
    let t0 = Instant::now();
    let pieces: usize = exs.iter().map(|e| e.window.ids.len()).sum();
    let rows: Vec<&[u32]> = exs.iter().map(|e| e.window.ids.as_slice()).collect();
    let frozen = state.bert.frozen_states(&rows, frozen_layers)?;
    log(format!(
        "{pieces} word pieces: frozen layers 1–{frozen_layers} run once over every window in {:.1}s ({:.0} pieces/s)",
        t0.elapsed().as_secs_f64(),
        pieces as f64 / t0.elapsed().as_secs_f64()
    ));
    Ok(frozen)
}

/// What the end of an epoch measures the network on.
struct EpochEnd<'a> {
    corpus: &'a Corpus,
    state: &'a State,
    frozen: &'a [Tensor],
    exs: &'a [Example],
    ho: &'a HeldOut,
}

impl EpochEnd<'_> {
    /// The model after `epochs` epochs, with its `O` bias fitted on the held-out articles
    /// and its held-out figures added to `tuning`; and its held-out predictions.
    fn model(
        &self,
        cfg: &NeuralTrainConfig,
        epochs: usize,
        tuning: &mut Vec<(String, String)>,
        mut log: impl FnMut(String),
    ) -> Result<(NeuralTechniqueModel, Predictions), Error> {
        let preds = predict(self.state, self.frozen, self.exs, &self.ho.ex)?;
        let (best_bias, best_f1) = best_o_bias(self.corpus, self.exs, self.ho, &preds);
        let acc = accuracy(&preds.tc, &self.ho.gold_tc);
        log(format!("held-out SI F1 {best_f1:.4} (O bias {best_bias}), TC accuracy {acc:.4}"));
        tuning.push((format!("epoch{epochs}_heldout_si_f1"), format!("{best_f1:.4}")));
        tuning.push((format!("epoch{epochs}_heldout_tc_accuracy"), format!("{acc:.4}")));
        let m = NeuralTechniqueModel {
            encoder: cfg.encoder.name.to_string(),
            encoder_sha256: cfg.encoder.sha256.to_string(),
            trained_layers: cfg.layers,
            tensors: self.state.stored()?,
            o_bias: best_bias,
            tc_mix: 1.0,
            epochs_done: epochs,
            si: None,
            settings: cfg.settings(),
            tuning: tuning.clone(),
            members: Vec::new(),
        };
        Ok((m, preds))
    }
}

/// Fine-tunes the model on `corpus` (the `fit` split), with the encoder installed in `dir`.
pub fn train(
    dir: &Path,
    corpus: &Corpus,
    cfg: &NeuralTrainConfig,
    log: &mut dyn FnMut(String),
) -> Result<NeuralTechniqueModel, Error> {
    let resume = checked_resume(corpus, cfg)?;
    // A fold past the end fails here, before the encoder loads.
    let split = HeldOutSplit { seed: cfg.split_seed, fraction: cfg.tune_fraction, fold: cfg.fold };
    let tune_articles = split.articles(corpus.articles.len())?;
    let tokenizer = load_tokenizer(dir)?;
    let state = State::new(dir, cfg, resume.as_ref())?;
    let n_layers = state.bert.num_layers();
    if cfg.layers == 0 || cfg.layers > n_layers {
        return Err(Error::Format(format!("--layers must be 1..={n_layers}")));
    }
    let is_tune = |a: usize| tune_articles.contains(&a);
    log(format!(
        "held out {} of {} articles for tuning",
        tune_articles.len(),
        corpus.articles.len()
    ));

    // With nothing left to train, only the held-out windows are needed for refitting.
    let refit_only = resume.as_ref().is_some_and(|m| m.epochs_done >= cfg.epochs);
    let exs = all_examples(&tokenizer, corpus, cfg.window, |a| !refit_only || is_tune(a), log)?;
    let frozen = frozen_states(&state, &exs, n_layers - cfg.layers, log)?;
    let train_ex: Vec<usize> = (0..exs.len()).filter(|&i| !is_tune(exs[i].article)).collect();
    let ho = HeldOut::new(corpus, &exs, tune_articles.clone());

    let class_w = class_weights(&exs, &train_ex, cfg.tc_weight_power);

    let mut batches = length_batches(&exs, &train_ex, cfg.batch);
    let steps_per_epoch = batches.len();
    let total =
        cfg.max_steps.unwrap_or(steps_per_epoch * cfg.epochs).min(steps_per_epoch * cfg.epochs);
    let warmup = (total as f64 * 0.06).ceil() as usize;
    let mut opt = Optimizers::new(&state, cfg)?;
    let first_epoch = resume.as_ref().map(|m| m.epochs_done).unwrap_or(0);
    let mut step = first_epoch * steps_per_epoch;
    let mut rng = fastrand::Rng::with_seed(cfg.seed);
    let mut model = None;
    let mut tuning = Vec::new();
    for epoch in first_epoch..cfg.epochs {
        rng.shuffle(&mut batches);
        let t0 = Instant::now();
        let (mut sum_si, mut sum_tc, mut n) = (0f64, 0f64, 0usize);
        for batch in &batches {
            if step >= total {
                break;
            }
            opt.scale(tuning::lr_scale(step, warmup, total));
            let h = state.top(&frozen, batch, &exs, Some((cfg.dropout, &mut rng)))?;
            let loss_si = si_loss(&state.heads, &h, batch, &exs)?;
            let loss = match tc_loss(&state.heads, &h, batch, &exs, &class_w)? {
                None => loss_si.clone(),
                Some(loss_tc) => {
                    sum_tc += loss_tc.to_scalar::<f32>()? as f64;
                    (&loss_si + loss_tc)?
                }
            };
            sum_si += loss_si.to_scalar::<f32>()? as f64;
            n += 1;
            opt.step(&loss.backward()?)?;
            step += 1;
            if step.is_multiple_of(20) {
                let rate = n as f64 / t0.elapsed().as_secs_f64();
                let eta = steps_per_epoch.saturating_sub(n) as f64 / rate;
                let (si, tc) = (sum_si / n as f64, sum_tc / n as f64);
                log(format!(
                    "epoch {} step {step}/{total}: loss si {si:.4} tc {tc:.4}, {rate:.2} steps/s, epoch ETA {eta:.0}s",
                    epoch + 1
                ));
            }
        }
        let epoch_log = |m: String| {
            log(format!("epoch {} done in {:.0}s: {m}", epoch + 1, t0.elapsed().as_secs_f64()))
        };
        let ctx = EpochEnd { corpus, state: &state, frozen: &frozen, exs: &exs, ho: &ho };
        model = Some(ctx.model(cfg, epoch + 1, &mut tuning, epoch_log)?);
        if let Some(path) = &cfg.checkpoint {
            model.as_ref().map_or(Ok(()), |(m, _)| m.save(path))?;
            log(format!("checkpoint {}", path.display()));
        }
        if step >= total {
            break;
        }
    }
    let (mut model, preds) = match (model, resume) {
        (Some(m), _) => m,
        // Every epoch was done already: refit what is fitted on the held-out articles.
        (None, Some(m)) => {
            log(format!("all {} epochs done; refitting on the held-out articles", m.epochs_done));
            (m, predict(&state, &frozen, &exs, &ho.ex)?)
        }
        (None, None) => return Err(Error::Format("nothing to train".into())),
    };
    fit_mixes(corpus, &exs, &ho, &preds, &mut model, log)?;
    Ok(model)
}

/// Combines models trained like each other with different seeds, on the same held-out
/// split, into one ensemble: their probabilities on the held-out articles are averaged,
/// and the `O` bias, the technique mix and the span ensemble are refitted on the average.
pub fn combine(
    dir: &Path,
    corpus: &Corpus,
    models: &[NeuralTechniqueModel],
    log: &mut dyn FnMut(String),
) -> Result<NeuralTechniqueModel, Error> {
    let [first, rest @ ..] = models else {
        return Err(Error::Format("no models to combine".into()));
    };
    if rest.is_empty() {
        return Err(Error::Format("an ensemble needs at least two models".into()));
    }
    let split = HeldOutSplit::of;
    for (k, m) in models.iter().enumerate() {
        let what = |x: &str| Error::Format(format!("model {}: {x}", k + 1));
        if !m.members.is_empty() {
            return Err(what("is an ensemble already; combine the models it was made of"));
        }
        if m.encoder_sha256 != first.encoder_sha256
            || crate::install::spec_by_sha256(&m.encoder_sha256).is_none()
        {
            return Err(what("expects other encoder weights"));
        }
        if m.window() != first.window() || split(m) != split(first) {
            return Err(what(
                "was trained with another window or held-out split (pass the same --window \
                 and --split-seed when training the models to combine)",
            ));
        }
        if m.settings.data_sha256.as_ref().is_some_and(|s| *s != corpus.sha256) {
            return Err(what("was trained on other data than the split given"));
        }
    }
    let articles = split(first).articles(corpus.articles.len())?;
    log(format!("{} held-out articles (split seed {})", articles.len(), split(first).seed));
    let tokenizer = load_tokenizer(dir)?;
    let mut exs = Vec::new();
    for &a in &articles {
        exs.extend(examples(&tokenizer, a, &corpus.articles[a], first.window())?);
    }
    let ho = HeldOut::new(corpus, &exs, articles);
    let mut all = Vec::new();
    for (k, m) in models.iter().enumerate() {
        let preds = network_predictions(dir, m, &exs, &ho.ex)?;
        let (bias, f1) = best_o_bias(corpus, &exs, &ho, &preds);
        log(format!(
            "model {}: held-out SI F1 {f1:.4} (O bias {bias}), TC accuracy {:.4}",
            k + 1,
            accuracy(&preds.tc, &ho.gold_tc)
        ));
        all.push(preds);
    }
    let preds = Predictions::mean(all);
    let (bias, f1) = best_o_bias(corpus, &exs, &ho, &preds);
    log(format!(
        "average of {}: held-out SI F1 {f1:.4} (O bias {bias}), TC accuracy {:.4}",
        models.len(),
        accuracy(&preds.tc, &ho.gold_tc)
    ));
    let mut model = first.clone();
    model.members = rest.iter().map(|m| m.tensors.clone()).collect();
    model.o_bias = bias;
    let seeds: Vec<String> =
        models.iter().map(|m| m.settings.seed.map_or("?".into(), |s| s.to_string())).collect();
    model.settings.record("member_seeds", seeds.join(","));
    NeuralTechniqueModel::set(&mut model.tuning, "heldout_si_f1_bio_average", format!("{f1:.4}"));
    fit_mixes(corpus, &exs, &ho, &preds, &mut model, log)?;
    Ok(model)
}

/// One network's predictions of the examples `which` (of `exs`).
fn network_predictions(
    dir: &Path,
    m: &NeuralTechniqueModel,
    exs: &[Example],
    which: &[usize],
) -> Result<Predictions, Error> {
    let cfg = NeuralTrainConfig { layers: m.trained_layers, ..NeuralTrainConfig::default() };
    let state = State::new(dir, &cfg, Some(m))?;
    let n = state.bert.num_layers();
    let rows: Vec<&[u32]> = exs.iter().map(|e| e.window.ids.as_slice()).collect();
    let frozen = state.bert.frozen_states(&rows, n - m.trained_layers)?;
    predict(&state, &frozen, exs, which)
}

/// The articles a model held out of `articles` training articles (those its networks
/// never trained on).
pub fn held_out_articles(
    model: &NeuralTechniqueModel,
    articles: usize,
) -> Result<Vec<usize>, Error> {
    HeldOutSplit::of(model).articles(articles)
}

/// Which training articles a network holds out: the `fold`-th chunk, `fraction` of the
/// articles long, of a shuffle seeded by `seed`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HeldOutSplit {
    /// Seed of the shuffle.
    pub seed: u64,
    /// Share of the articles in each chunk.
    pub fraction: f64,
    /// Which chunk is held out (0: the first).
    pub fold: usize,
}

impl HeldOutSplit {
    /// The split a model was trained with (older models: the run's seed, fold 0).
    pub fn of(model: &NeuralTechniqueModel) -> HeldOutSplit {
        let d = NeuralTrainConfig::default();
        let s = &model.settings;
        HeldOutSplit {
            seed: s.held_out_seed().unwrap_or(d.split_seed),
            fraction: s.tune_fraction.unwrap_or(d.tune_fraction),
            fold: s.fold.unwrap_or(0),
        }
    }

    /// The held-out articles of `articles`: at least one, and at least one left to train
    /// on; an error when the fold lies past the end of the shuffle.
    pub fn articles(&self, articles: usize) -> Result<Vec<usize>, Error> {
        let at = |k: usize| (articles as f64 * self.fraction * k as f64).round() as usize;
        let (start, end) = match self.fold {
            0 => (0, at(1).clamp(1, articles.saturating_sub(1))),
            k => (at(k), at(k + 1).min(articles)),
        };
        if !(self.fraction > 0.0 && self.fraction < 1.0) || start >= end {
            return Err(Error::Format(format!(
                "no fold {} of {articles} articles held out {} at a time",
                self.fold, self.fraction
            )));
        }
        let mut ids: Vec<usize> = (0..articles).collect();
        fastrand::Rng::with_seed(self.seed ^ 0x5EED).shuffle(&mut ids);
        Ok(ids[start..end].to_vec())
    }
}

/// The held-out articles, their examples and their gold labels.
struct HeldOut {
    articles: Vec<usize>,
    /// Indices of the held-out articles' examples.
    ex: Vec<usize>,
    /// Merged gold spans, with the article index as id.
    gold_si: Vec<SiSpan>,
    /// Gold technique of each example's spans, in (example, span) order.
    gold_tc: Vec<usize>,
}

impl HeldOut {
    fn new(corpus: &Corpus, exs: &[Example], articles: Vec<usize>) -> HeldOut {
        let ex: Vec<usize> =
            (0..exs.len()).filter(|&i| articles.contains(&exs[i].article)).collect();
        let mut gold_si = Vec::new();
        for &a in &articles {
            for r in merged(&corpus.articles[a].spans) {
                gold_si.push(SiSpan { id: a.to_string(), start: r.start, end: r.end });
            }
        }
        let gold_tc = ex.iter().flat_map(|&i| exs[i].spans.iter().map(|(_, t)| *t)).collect();
        HeldOut { articles, ex, gold_si, gold_tc }
    }
}

/// The `O` bias with the best held-out SI F1 under BIO decoding, and that F1.
fn best_o_bias(corpus: &Corpus, exs: &[Example], ho: &HeldOut, preds: &Predictions) -> (f32, f64) {
    let texts: Vec<&str> = corpus.articles.iter().map(|a| a.doc.text.as_str()).collect();
    (-12..=12)
        .map(|k| k as f32 * 0.25)
        .map(|bias| (bias, si_f1(exs, &ho.ex, preds, &ho.gold_si, &texts, bias)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap_or((0.0, 0.0))
}

/// Fits, on the held-out articles, the mixes with a fast model trained without them: the
/// weight of the neural technique probabilities, and the span ensemble.
fn fit_mixes(
    corpus: &Corpus,
    exs: &[Example],
    ho: &HeldOut,
    preds: &Predictions,
    model: &mut NeuralTechniqueModel,
    log: &mut dyn FnMut(String),
) -> Result<(), Error> {
    let texts: Vec<&str> = corpus.articles.iter().map(|a| a.doc.text.as_str()).collect();
    // Mix with a fast model that never saw the held-out articles.
    let fast = fast_without(corpus, &ho.articles)?;
    let fast_of: HashMap<usize, &FastModel> = ho.articles.iter().map(|&a| (a, &fast)).collect();
    let held = HeldOutRun { exs, ho, preds, texts: &texts, fast: &fast_of };
    fit_on(&held, &held.inputs(), model, log);
    Ok(())
}

/// The fast model trained on `corpus` without the articles `held`.
fn fast_without(corpus: &Corpus, held: &[usize]) -> Result<FastModel, Error> {
    let sub = Corpus {
        articles: (0..corpus.articles.len())
            .filter(|a| !held.contains(a))
            .map(|a| corpus.articles[a].clone())
            .collect(),
        sha256: corpus.sha256.clone(),
    };
    let mut quiet = |_m: String| {};
    Ok(unspin_model::fast::train::train(
        &sub,
        "fit-minus-heldout",
        &Default::default(),
        &mut quiet,
    )?)
}

/// Fits the technique mix and the span ensemble on `held` into `model`, and compares the
/// span decoders there by nested cross-validation.
fn fit_on(
    held: &HeldOutRun<'_>,
    inputs: &Inputs<'_>,
    model: &mut NeuralTechniqueModel,
    log: &mut dyn FnMut(String),
) {
    let (exs, ho, preds, texts) = (held.exs, held.ho, held.preds, held.texts);
    let (mix, acc) = held.fit_tc_mix(log);
    model.tc_mix = mix;
    let fit = held.fit_si_ensemble(inputs);
    let (best, plain) = (fit.best, fit.plain);
    log(format!(
        "held-out SI F1 without a seed threshold: {:.4} (neural weight {}, threshold {})",
        plain.1, plain.0.mix, plain.0.threshold
    ));
    let bio = si_f1(exs, &ho.ex, preds, &ho.gold_si, texts, model.o_bias);
    log(format!(
        "held-out SI F1: neural BIO {bio:.4}, fast tokens {:.4}, ensemble {:.4} (neural weight {}, threshold {}, seed {})",
        fit.fast_only, best.1, best.0.mix, best.0.threshold, best.0.seed
    ));
    let tuning = &mut model.tuning;
    NeuralTechniqueModel::set(tuning, "heldout_si_f1_ensemble", format!("{:.4}", best.1));
    NeuralTechniqueModel::set(tuning, "heldout_si_f1_ensemble_no_seed", format!("{:.4}", plain.1));
    NeuralTechniqueModel::set(tuning, "heldout_si_f1_bio", format!("{bio:.4}"));
    NeuralTechniqueModel::set(tuning, "heldout_tc_accuracy_mixed", format!("{acc:.4}"));
    NeuralTechniqueModel::set(tuning, "heldout_articles", ho.articles.len().to_string());
    model.si = (best.1 > bio).then_some(best.0);
    let (hyst, viterbi) = held.compare_si_decoders(inputs, 5);
    log(format!(
        "held-out SI F1 by 5-fold nested cross-validation: hysteresis {}, BIO transition model {}",
        hyst.describe(),
        viterbi.describe()
    ));
}

/// The held-out articles' windows, the network's predictions on them, and a fast model
/// trained without them: what the mixes are fitted on.
struct HeldOutRun<'a> {
    exs: &'a [Example],
    ho: &'a HeldOut,
    preds: &'a Predictions,
    texts: &'a [&'a str],
    /// Each held-out article's fast model (trained without it).
    fast: &'a HashMap<usize, &'a FastModel>,
}

/// The span ensemble fitted on the held-out articles: the best setting and its F1, the
/// best without a seed threshold, and the F1 of the fast model's tokens alone.
struct SiFit {
    best: (SiEnsemble, f64),
    plain: (SiEnsemble, f64),
    fast_only: f64,
}

impl HeldOutRun<'_> {
    /// The fast model's technique probabilities of each held-out gold span.
    fn fast_probs(&self) -> Vec<Vec<f32>> {
        let mut out = Vec::new();
        for &i in &self.ho.ex {
            let e = &self.exs[i];
            let ranges: Vec<Range<usize>> = e
                .spans
                .iter()
                .map(|(pos, _)| {
                    e.window.offsets[pos.start].start..e.window.offsets[pos.end - 1].end
                })
                .collect();
            for c in self.fast[&e.article].classify(self.texts[e.article], &ranges) {
                let mut v = vec![0f32; Technique::ALL.len()];
                for (t, p) in c.techniques {
                    v[t.index()] = p;
                }
                out.push(v);
            }
        }
        out
    }

    /// The weight of the neural technique probabilities in the mix with the fast model's:
    /// the one with the lowest held-out log-loss (on a few hundred spans accuracy is flat
    /// over a wide range of weights, and its maximum is a matter of a span or two). The
    /// weight and the mix's accuracy.
    fn fit_tc_mix(&self, log: &mut dyn FnMut(String)) -> (f32, f64) {
        let (gold_tc, preds) = (&self.ho.gold_tc, self.preds);
        let fast_probs = self.fast_probs();
        let mixed = |a: f32| -> Vec<Vec<f32>> {
            preds
                .tc
                .iter()
                .zip(&fast_probs)
                .map(|(n, f)| n.iter().zip(f).map(|(x, y)| a * x + (1.0 - a) * y).collect())
                .collect()
        };
        let log_loss = |a: f32| -> f64 {
            let m = mixed(a);
            let sum: f64 = m.iter().zip(gold_tc).map(|(p, &g)| -(p[g].max(1e-9) as f64).ln()).sum();
            sum / m.len().max(1) as f64
        };
        let curve: Vec<(f32, f64, f64)> = (0..=10)
            .map(|k| k as f32 / 10.0)
            .map(|a| (a, log_loss(a), accuracy(&mixed(a), gold_tc)))
            .collect();
        let points: Vec<String> =
            curve.iter().map(|(a, l, acc)| format!("{a} {l:.3}/{acc:.3}")).collect();
        log(format!("held-out TC by neural weight (log-loss / accuracy): {}", points.join(", ")));
        let (mix, _, acc) =
            curve.iter().copied().min_by(|a, b| a.1.total_cmp(&b.1)).unwrap_or((1.0, 0.0, 0.0));
        log(format!(
            "held-out TC accuracy: fast {:.4}, neural {:.4}, mixed {acc:.4} with neural weight {mix}",
            accuracy(&fast_probs, gold_tc),
            accuracy(&preds.tc, gold_tc)
        ));
        (mix, acc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(settings: &[(&str, &str)]) -> NeuralTechniqueModel {
        NeuralTechniqueModel {
            encoder: MINILM.name.into(),
            encoder_sha256: MINILM.sha256.into(),
            trained_layers: 1,
            tensors: Vec::new(),
            o_bias: 0.0,
            tc_mix: 1.0,
            epochs_done: 1,
            si: None,
            settings: Settings::try_from(
                settings.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>(),
            )
            .unwrap(),
            tuning: Vec::new(),
            members: Vec::new(),
        }
    }

    fn combine_error(models: &[NeuralTechniqueModel]) -> String {
        let corpus = Corpus { articles: Vec::new(), sha256: "data".into() };
        match combine(Path::new("/nonexistent"), &corpus, models, &mut |_| {}) {
            Ok(_) => panic!("combined"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn combining_refuses_what_cannot_be_averaged() {
        let a = model(&[("seed", "13")]);
        assert!(combine_error(std::slice::from_ref(&a)).contains("at least two"));
        // Without a split seed of its own, a model's held-out split follows its seed.
        let other_split = model(&[("seed", "14")]);
        assert!(combine_error(&[a.clone(), other_split]).contains("held-out split"));
        let window = model(&[("seed", "14"), ("split_seed", "13"), ("window", "64")]);
        assert!(combine_error(&[a.clone(), window]).contains("window"));
        let data = model(&[("seed", "14"), ("split_seed", "13"), ("data_sha256", "other")]);
        assert!(combine_error(&[a.clone(), data]).contains("other data"));
        let mut ensemble = model(&[("seed", "14"), ("split_seed", "13")]);
        ensemble.members.push(Vec::new());
        assert!(combine_error(&[a, ensemble]).contains("ensemble already"));
    }

    #[test]
    fn tuned_layers_are_counted_whatever_the_encoder_names_them() {
        let bert =
            ["encoder.layer.4.attention.self.query.weight", "encoder.layer.5.output.dense.bias"];
        let mpnet = [
            "encoder.layer.10.attention.attn.q.weight",
            "encoder.layer.10.attention.attn.q.bias",
            "encoder.layer.11.output.LayerNorm.weight",
        ];
        assert_eq!(tuned_layers(bert.into_iter()), 2);
        assert_eq!(tuned_layers(mpnet.into_iter()), 2);
        assert_eq!(tuned_layers(["head.si.weight"].into_iter()), 0);
    }

    #[test]
    fn held_out_articles_depend_on_the_split_seed_alone() {
        let held_out =
            |n, seed, fraction| HeldOutSplit { seed, fraction, fold: 0 }.articles(n).unwrap();
        let a = held_out(325, 13, 0.1);
        assert_eq!(a.len(), 33);
        assert_eq!(a, held_out(325, 13, 0.1));
        assert_ne!(a, held_out(325, 14, 0.1));
        assert_eq!(held_out(2, 13, 0.9).len(), 1, "one article is always left to train on");
    }

    #[test]
    fn folds_hold_out_every_article_once() {
        let fold = |fold| HeldOutSplit { seed: 13, fraction: 0.2, fold }.articles(325);
        let mut all: Vec<usize> = (0..5).flat_map(|k| fold(k).unwrap()).collect();
        assert_eq!(fold(0).unwrap().len(), 65);
        all.sort_unstable();
        assert_eq!(all, (0..325).collect::<Vec<_>>());
        assert!(fold(5).is_err(), "a fold past the end is an error");
        let first = HeldOutSplit { seed: 13, fraction: 0.1, fold: 0 }.articles(325).unwrap();
        let tenth = HeldOutSplit { seed: 13, fraction: 0.1, fold: 1 }.articles(325).unwrap();
        assert!(first.iter().all(|a| !tenth.contains(a)));
    }
}
