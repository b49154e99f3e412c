//! Check-worthiness with sentence embeddings: a logistic head on the encoder's mean-pooled
//! embedding (trained on CT24 `train`), stacked with the fast linear model's logit; the
//! stacking weights and the threshold are fitted on `dev`.

use std::path::Path;

use serde::{Deserialize, Serialize};
use unspin_model::api::{ClaimScorer, ModelFailure};
use unspin_model::artifact::{self, sha256_hex};
use unspin_model::checkthat::Row;
use unspin_model::claims::{f1_yes, features, ClaimModel};
use unspin_model::fast::features::hash_name;

use candle_core::{DType, Device, Tensor, Var};

use crate::bert::Bert;
use crate::encoder::{piece_ids, Encoder};
use crate::install::{self, EncoderSpec};
use crate::techniques::StoredTensor;
use crate::Error;

/// File name of the committed neural claim model, under `models/`.
pub const NEURAL_CLAIM_FILE: &str = "claims-neural.bin";
/// File name of the committed accurate-tier (MPNet) claim model, under `models/`.
pub const ACCURATE_CLAIM_FILE: &str = "claims-accurate.bin";
const MAGIC: &[u8; 8] = artifact::NEURAL_CLAIMS_MAGIC;
/// Version of the sentence-embedding recipe (tokenisation, pooling); part of cache keys.
pub const EMBEDDING_VERSION: u32 = 2;
const FORMAT: u32 = 2;

/// The trained parts (the encoder and the fast model are loaded separately).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NeuralClaimModel {
    /// Encoder name.
    pub encoder: String,
    /// SHA-256 of the encoder weights it was trained with.
    pub encoder_sha256: String,
    /// SHA-256 of the fast claim model file it stacks on.
    pub fast_sha256: String,
    /// Fine-tuned encoder tensors replacing the base weights (empty: the frozen encoder
    /// and L2-normalised embeddings).
    pub tensors: Vec<StoredTensor>,
    /// Logistic head on the embedding.
    pub dense: Vec<f32>,
    /// Its bias.
    pub dense_bias: f32,
    /// Stacking: `sigmoid(w0·fast_logit + w1·dense_logit + w2)`.
    pub stack: [f32; 3],
    /// Scores at or above this are check-worthy.
    pub threshold: f32,
    /// Figures measured while fitting, `key=value`.
    pub tuning: Vec<(String, String)>,
}

impl NeuralClaimModel {
    /// Serialises the model.
    pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        Ok(artifact::framed(MAGIC, FORMAT, self)?)
    }

    /// Reads a model from bytes.
    pub fn from_bytes(b: &[u8]) -> Result<NeuralClaimModel, Error> {
        Ok(artifact::unframed(b, MAGIC, FORMAT, "neural claim")?)
    }

    /// The head embedded in this binary (the committed `models/claims-neural.bin`).
    pub fn embedded() -> Result<NeuralClaimModel, Error> {
        static EMBEDDED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/claims-neural.bin"));
        Self::from_embedded(EMBEDDED, NEURAL_CLAIM_FILE)
    }

    /// The accurate tier's claim model embedded in this binary (the committed
    /// `models/claims-accurate.bin`, layers tuned over all-mpnet-base-v2).
    pub fn embedded_accurate() -> Result<NeuralClaimModel, Error> {
        static EMBEDDED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/claims-accurate.bin"));
        Self::from_embedded(EMBEDDED, ACCURATE_CLAIM_FILE)
    }

    fn from_embedded(bytes: &'static [u8], file: &str) -> Result<NeuralClaimModel, Error> {
        artifact::parse_embedded(bytes, Self::from_bytes).unwrap_or_else(|| {
            Err(Error::Format(format!(
                "this build embeds no such claim model (models/{file} was missing)"
            )))
        })
    }

    /// Reads a model file.
    pub fn load(path: &Path) -> Result<NeuralClaimModel, Error> {
        Self::from_bytes(&artifact::read_file(path)?)
    }

    /// Writes the model to `path`.
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        Ok(artifact::write_file(path, &self.to_bytes()?)?)
    }

    fn dense_logit(&self, e: &[f32]) -> f32 {
        self.dense.iter().zip(e).map(|(w, x)| w * x).sum::<f32>() + self.dense_bias
    }

    fn combine(&self, fast_logit: f32, dense_logit: f32) -> f32 {
        sigmoid(self.stack[0] * fast_logit + self.stack[1] * dense_logit + self.stack[2])
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// The fast model's logit (score of `Yes` minus score of `No`).
pub fn fast_logit(fast: &ClaimModel, sentence: &str) -> f32 {
    let mask = (1u64 << fast.classifier.bits) - 1;
    let ids: Vec<u32> = features(sentence).iter().map(|n| hash_name(n, mask)).collect();
    let s = fast.classifier.scores(&ids);
    s[1] - s[0]
}

/// The neural scorer: encoder + fast model + the trained head.
pub struct NeuralClaimScorer {
    encoder: Encoder,
    fast: ClaimModel,
    model: NeuralClaimModel,
    /// The tier its encoder serves (`neural`, `accurate`).
    name: &'static str,
}

impl NeuralClaimScorer {
    /// Loads the installed encoder and checks that the parts belong together.
    pub fn new(fast: ClaimModel, model: NeuralClaimModel) -> Result<NeuralClaimScorer, Error> {
        let fast_sha = sha256_hex(&fast.to_bytes()?);
        if fast_sha != model.fast_sha256 {
            return Err(Error::Format(
                "the neural claim model was trained on another fast claim model".into(),
            ));
        }
        let spec = install::spec_by_sha256(&model.encoder_sha256).ok_or_else(|| {
            Error::Format(format!(
                "the neural claim model expects encoder weights unspin does not know ({})",
                model.encoder
            ))
        })?;
        let overrides: std::collections::HashMap<String, candle_core::Tensor> = model
            .tensors
            .iter()
            .map(|t| Ok((t.name.clone(), t.to_tensor()?)))
            .collect::<Result<_, Error>>()?;
        let encoder = Encoder::load_with(&install::installed(spec)?, &overrides)?;
        let name = spec.tier;
        Ok(NeuralClaimScorer { encoder, fast, model, name })
    }
}

impl ClaimScorer for NeuralClaimScorer {
    fn name(&self) -> &str {
        self.name
    }

    fn score(&self, sentence: &str) -> Result<f32, ModelFailure> {
        Ok(self.score_batch(&[sentence])?[0])
    }

    fn score_batch(&self, sentences: &[&str]) -> Result<Vec<f32>, ModelFailure> {
        // No fallback: the fast model's probability would be judged against this
        // model's threshold. A failure fails the analysis, naming the model.
        let emb = self
            .encoder
            .embed_sentences(sentences)
            .map_err(|e| ModelFailure::new(self.name(), e))?;
        Ok(sentences
            .iter()
            .zip(&emb)
            .map(|(s, e)| self.model.combine(fast_logit(&self.fast, s), self.model.dense_logit(e)))
            .collect())
    }

    fn threshold(&self) -> f32 {
        self.model.threshold
    }
}

/// Embeddings of `texts` by the encoder `spec` names, cached under `UNSPIN_HOME/cache` by
/// a hash of the texts.
pub fn embed_cached(
    spec: &EncoderSpec,
    encoder: &Encoder,
    texts: &[&str],
    log: &mut dyn FnMut(String),
) -> Result<Vec<Vec<f32>>, Error> {
    let key = sha256_hex(texts.join("\u{1e}").as_bytes());
    let cache = install::home().join("cache").join(format!("emb-{}-{}.bin", spec.name, &key[..16]));
    if let Ok(b) = std::fs::read(&cache) {
        if let Ok(v) = bincode::deserialize::<Vec<Vec<f32>>>(&b) {
            if v.len() == texts.len() {
                log(format!("embeddings from cache {}", cache.display()));
                return Ok(v);
            }
        }
    }
    let start = std::time::Instant::now();
    let mut out = Vec::with_capacity(texts.len());
    for (k, chunk) in texts.chunks(2048).enumerate() {
        out.extend(encoder.embed_sentences(chunk)?);
        log(format!(
            "embedded {}/{} sentences ({:.0}/s)",
            (k * 2048 + chunk.len()).min(texts.len()),
            texts.len(),
            out.len() as f64 / start.elapsed().as_secs_f64()
        ));
    }
    if let Some(dir) = cache.parent() {
        let _ = std::fs::create_dir_all(dir);
        if let Ok(b) = bincode::serialize(&out) {
            let _ = std::fs::write(&cache, b);
        }
    }
    Ok(out)
}

/// Logistic regression on dense rows by full-batch gradient descent with momentum.
fn fit_logistic(x: &[Vec<f32>], y: &[f32], l2: f32, iters: usize, lr: f32) -> (Vec<f32>, f32) {
    let d = x.first().map_or(0, Vec::len);
    let (mut w, mut b) = (vec![0.0f32; d], 0.0f32);
    let (mut vw, mut vb) = (vec![0.0f32; d], 0.0f32);
    let n = x.len().max(1) as f32;
    for _ in 0..iters {
        let mut gw = vec![0.0f32; d];
        let mut gb = 0.0f32;
        for (xi, yi) in x.iter().zip(y) {
            let z = xi.iter().zip(&w).map(|(a, b)| a * b).sum::<f32>() + b;
            let g = sigmoid(z) - yi;
            for (gwj, xj) in gw.iter_mut().zip(xi) {
                *gwj += g * xj;
            }
            gb += g;
        }
        for j in 0..d {
            let g = gw[j] / n + l2 * w[j];
            vw[j] = 0.9 * vw[j] + g;
            w[j] -= lr * vw[j];
        }
        vb = 0.9 * vb + gb / n;
        b -= lr * vb;
    }
    (w, b)
}

/// The labelled rows' texts and 0/1 labels.
fn labelled(rows: &[Row]) -> (Vec<String>, Vec<f32>) {
    rows.iter().filter_map(|r| Some((r.text.clone(), r.label? as u8 as f32))).unzip()
}

/// Trains the head on `train`, then fits stacking and threshold on `tune`.
pub fn train(
    spec: &EncoderSpec,
    encoder: &Encoder,
    fast: &ClaimModel,
    train_rows: &[Row],
    tune_rows: &[Row],
    log: &mut dyn FnMut(String),
) -> Result<NeuralClaimModel, Error> {
    let (tr_text, tr_y) = labelled(train_rows);
    let (tu_text, tu_y) = labelled(tune_rows);
    let tr_refs: Vec<&str> = tr_text.iter().map(String::as_str).collect();
    let tu_refs: Vec<&str> = tu_text.iter().map(String::as_str).collect();
    let tr_emb = embed_cached(spec, encoder, &tr_refs, log)?;
    let tu_emb = embed_cached(spec, encoder, &tu_refs, log)?;
    log("fitting the embedding head".into());
    let (dense, dense_bias) = fit_logistic(&tr_emb, &tr_y, 1e-4, 400, 2.0);
    let mut model = NeuralClaimModel {
        encoder: spec.name.into(),
        encoder_sha256: spec.sha256.into(),
        fast_sha256: sha256_hex(&fast.to_bytes()?),
        tensors: vec![],
        dense,
        dense_bias,
        stack: [1.0, 0.0, 0.0],
        threshold: 0.5,
        tuning: vec![],
    };
    stack(&mut model, fast, &tu_refs, &tu_emb, &tu_y, log);
    Ok(model)
}

/// Fits the stacking of the fast logit with the embedding head's logit, and the threshold,
/// on the tuning rows.
fn stack(
    model: &mut NeuralClaimModel,
    fast: &ClaimModel,
    tu_refs: &[&str],
    tu_emb: &[Vec<f32>],
    tu_y: &[f32],
    log: &mut dyn FnMut(String),
) {
    let stack_x: Vec<Vec<f32>> = tu_refs
        .iter()
        .zip(tu_emb)
        .map(|(s, e)| vec![fast_logit(fast, s), model.dense_logit(e)])
        .collect();
    let (sw, sb) = fit_logistic(&stack_x, tu_y, 0.0, 3000, 0.5);
    model.stack = [sw[0], sw[1], sb];
    let gold: Vec<bool> = tu_y.iter().map(|y| *y > 0.5).collect();
    let scores: Vec<f32> = stack_x.iter().map(|x| model.combine(x[0], x[1])).collect();
    let dense_only: Vec<f32> = tu_emb.iter().map(|e| sigmoid(model.dense_logit(e))).collect();
    let best = |sc: &[f32]| {
        (1..100)
            .map(|k| k as f32 / 100.0)
            .map(|t| (f1_yes(&gold, &sc.iter().map(|s| *s >= t).collect::<Vec<_>>()).0, t))
            .fold((-1.0, 0.5), |a, b| if b.0 > a.0 { b } else { a })
    };
    let (f_dense, _) = best(&dense_only);
    let (f, t) = best(&scores);
    model.threshold = t;
    log(format!(
        "stacking on the tuning file: w_fast={:.3} w_dense={:.3} b={:.3}; F1(Yes) dense alone {f_dense:.4}, stacked {f:.4} at threshold {t:.2}",
        model.stack[0], model.stack[1], model.stack[2]
    ));
    model.tuning = vec![
        ("tune_f1_dense_only".into(), format!("{f_dense:.4}")),
        ("tune_f1_stacked".into(), format!("{f:.4}")),
    ];
}

/// Settings of [`finetune`].
#[derive(Clone, Debug)]
pub struct ClaimTuneConfig {
    /// Top encoder layers to fine-tune.
    pub layers: usize,
    /// Passes over the training sentences.
    pub epochs: usize,
    /// Sentences per step.
    pub batch: usize,
    /// Peak learning rate of the encoder layers.
    pub lr_encoder: f64,
    /// Peak learning rate of the head.
    pub lr_head: f64,
    /// Dropout on the pooled embedding.
    pub dropout: f32,
    /// Longest sentence, in word pieces.
    pub max_len: usize,
    /// Seed of shuffles and dropout.
    pub seed: u64,
}

impl Default for ClaimTuneConfig {
    fn default() -> Self {
        ClaimTuneConfig {
            layers: 2,
            epochs: 2,
            batch: 32,
            lr_encoder: 1e-4,
            lr_head: 5e-3,
            dropout: 0.1,
            max_len: 96,
            seed: 13,
        }
    }
}

/// Mean-pooled, L2-normalised rows of hidden states `h` `(b, t, d)` under `mask` `(b, t)`.
fn pooled_unit(h: &Tensor, mask: &Tensor) -> Result<Tensor, Error> {
    let m = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
    let mean = h.broadcast_mul(&m)?.sum(1)?.broadcast_div(&m.sum(1)?)?;
    let norm = (mean.sqr()?.sum_keepdim(1)? + 1e-12)?.sqrt()?;
    Ok(mean.broadcast_div(&norm)?)
}

/// Mean logistic loss of logits `z` against 0/1 labels `y`, in its stable form:
/// max(z, 0) − z·y + log(1 + e^−|z|).
fn logistic_loss(z: &Tensor, y: &Tensor) -> Result<Tensor, Error> {
    Ok(((z.relu()? - (z * y)?)? + ((z.abs()?.neg()?.exp()? + 1.0)?.log()?))?.mean_all()?)
}

/// Sentence embeddings of `texts` as the scorer will compute them: with the tuned
/// layers as stored (f16).
fn embed_with_stored(
    dir: &Path,
    tensors: &[StoredTensor],
    texts: &[String],
) -> Result<Vec<Vec<f32>>, Error> {
    let overrides: std::collections::HashMap<String, Tensor> = tensors
        .iter()
        .map(|t| Ok((t.name.clone(), t.to_tensor()?)))
        .collect::<Result<_, Error>>()?;
    let tuned = Encoder::load_with(dir, &overrides)?;
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    tuned.embed_sentences(&refs)
}

/// The training sentences as the tuned layers see them.
struct Frozen {
    /// Word pieces of each sentence.
    ids: Vec<Vec<u32>>,
    /// The frozen lower layers' states of each (run once).
    states: Vec<Tensor>,
    /// The sentences ordered by length (for batches of similar length).
    order: Vec<usize>,
}

/// Runs the frozen lower layers once over the training sentences.
fn frozen_sentences(
    bert: &Bert,
    tokenizer: &tokenizers::Tokenizer,
    texts: &[String],
    cfg: &ClaimTuneConfig,
    log: &mut dyn FnMut(String),
) -> Result<Frozen, Error> {
    let ids: Vec<Vec<u32>> =
        texts.iter().map(|t| piece_ids(tokenizer, t, cfg.max_len)).collect::<Result<_, _>>()?;
    let start = std::time::Instant::now();
    let rows: Vec<&[u32]> = ids.iter().map(Vec::as_slice).collect();
    let frozen = bert.frozen_states(&rows, bert.num_layers() - cfg.layers)?;
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.sort_by_key(|&i| ids[i].len());
    let pieces: usize = ids.iter().map(Vec::len).sum();
    log(format!(
        "{} sentences, {pieces} word pieces; frozen layers run once in {:.0}s",
        ids.len(),
        start.elapsed().as_secs_f64()
    ));
    Ok(Frozen { ids, states: frozen, order })
}

/// Fine-tunes the top layers of the encoder with a logistic head on CT24 `train`, then
/// fits the stacking with the fast model and the threshold on `tune`, as [`train`] does.
pub fn finetune(
    spec: &EncoderSpec,
    fast: &ClaimModel,
    train_rows: &[Row],
    tune_rows: &[Row],
    cfg: &ClaimTuneConfig,
    log: &mut dyn FnMut(String),
) -> Result<NeuralClaimModel, Error> {
    use crate::techniques::{assemble, load_tokenizer};
    use candle_nn::{AdamW, Optimizer, ParamsAdamW};
    use std::collections::HashMap;

    let dir = &install::installed(spec)?;
    let (tr_text, tr_y) = labelled(train_rows);
    let (tu_text, tu_y) = labelled(tune_rows);
    let tokenizer = load_tokenizer(dir)?;
    let (bert, enc_vars) = assemble(dir, &HashMap::new(), cfg.layers)?;
    let n_layers = bert.num_layers();
    if cfg.layers == 0 || cfg.layers > n_layers {
        return Err(Error::Format(format!("--layers must be 1..={n_layers}")));
    }
    let Frozen { ids, states: frozen, order } =
        frozen_sentences(&bert, &tokenizer, &tr_text, cfg, log)?;
    let d = bert.config.hidden;
    let w = Var::from_tensor(&Tensor::zeros((1, d), DType::F32, &Device::Cpu)?)?;
    let b = Var::from_tensor(&Tensor::zeros(1, DType::F32, &Device::Cpu)?)?;
    let params = |lr: f64, wd: f64| ParamsAdamW { lr, weight_decay: wd, ..ParamsAdamW::default() };
    let mut opt_enc = AdamW::new(
        enc_vars.iter().map(|(_, v)| v.clone()).collect(),
        params(cfg.lr_encoder, 0.01),
    )?;
    let mut opt_head = AdamW::new(vec![w.clone(), b.clone()], params(cfg.lr_head, 0.0))?;
    let mut batches: Vec<Vec<usize>> = order.chunks(cfg.batch).map(|c| c.to_vec()).collect();
    let total = batches.len() * cfg.epochs;
    let warmup = (total as f64 * 0.06).ceil() as usize;
    let mut rng = fastrand::Rng::with_seed(cfg.seed);
    let mut step = 0usize;
    for epoch in 0..cfg.epochs {
        rng.shuffle(&mut batches);
        let t0 = std::time::Instant::now();
        let mut sum = 0f64;
        for (k, batch) in batches.iter().enumerate() {
            let scale = crate::tuning::lr_scale(step, warmup, total);
            opt_enc.set_learning_rate(cfg.lr_encoder * scale);
            opt_head.set_learning_rate(cfg.lr_head * scale);
            let rows: Vec<&[u32]> = batch.iter().map(|&i| ids[i].as_slice()).collect();
            let states: Vec<&Tensor> = batch.iter().map(|&i| &frozen[i]).collect();
            let (x, mask) = crate::bert::stack_padded(&states, &rows)?;
            let h =
                bert.run_layers(&x, &bert.attention_bias(&mask)?, n_layers - cfg.layers..n_layers)?;
            let e = crate::tuning::dropout(&pooled_unit(&h, &mask)?, cfg.dropout, &mut rng)?;
            let z = e.matmul(&w.as_tensor().t()?)?.flatten_all()?.broadcast_add(b.as_tensor())?;
            let y = Tensor::from_vec(
                batch.iter().map(|&i| tr_y[i]).collect::<Vec<f32>>(),
                batch.len(),
                &Device::Cpu,
            )?;
            let loss = logistic_loss(&z, &y)?;
            sum += loss.to_scalar::<f32>()? as f64;
            let grads = loss.backward()?;
            opt_enc.step(&grads)?;
            opt_head.step(&grads)?;
            step += 1;
            if step.is_multiple_of(50) {
                log(format!(
                    "epoch {} step {}/{}: loss {:.4}, {:.2} steps/s",
                    epoch + 1,
                    k + 1,
                    batches.len(),
                    sum / (k + 1) as f64,
                    (k + 1) as f64 / t0.elapsed().as_secs_f64()
                ));
            }
        }
        log(format!("epoch {} done in {:.0}s", epoch + 1, t0.elapsed().as_secs_f64()));
    }
    let tensors: Vec<StoredTensor> = enc_vars
        .iter()
        .map(|(n, v)| StoredTensor::from_tensor(n, v.as_tensor()))
        .collect::<Result<_, _>>()?;
    let tu_emb = embed_with_stored(dir, &tensors, &tu_text)?;
    let mut model = NeuralClaimModel {
        encoder: spec.name.into(),
        encoder_sha256: spec.sha256.into(),
        fast_sha256: sha256_hex(&fast.to_bytes()?),
        tensors,
        dense: w.as_tensor().flatten_all()?.to_vec1()?,
        dense_bias: b.as_tensor().to_vec1::<f32>()?[0],
        stack: [1.0, 0.0, 0.0],
        threshold: 0.5,
        tuning: vec![],
    };
    let tu_refs: Vec<&str> = tu_text.iter().map(String::as_str).collect();
    stack(&mut model, fast, &tu_refs, &tu_emb, &tu_y, log);
    model.tuning.push(("layers".into(), cfg.layers.to_string()));
    model.tuning.push(("epochs".into(), cfg.epochs.to_string()));
    Ok(model)
}
