//! The heads on top of the encoder, and building networks from the installed encoder's
//! base weights with a model's tuned tensors on top.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use candle_core::Tensor;
use tokenizers::Tokenizer;

use super::format::StoredTensor;
use crate::bert::{read_tensors, Bert, BertConfig, Linear};
use crate::Error;

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

/// One network of the model: encoder with its tuned layers, and heads.
pub(super) struct Net {
    pub(super) bert: Bert,
    pub(super) heads: Heads,
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

/// Builds one network per stored tensor set, for inference. On a bf16 kernel path each
/// network is read and packed layer by layer, the layers no set tunes shared with every
/// other encoder over the same base ([`crate::shared`]); on fp32 the base weights are
/// read once and shared by every network that does not override them.
pub(super) fn assemble_nets(dir: &Path, sets: Vec<Vec<StoredTensor>>) -> Result<Vec<Net>, Error> {
    let path = crate::kernels::active()?;
    let config = BertConfig::read(&dir.join("config.json"))?;
    let mut base = match path {
        crate::kernels::KernelPath::Fp32 => {
            let overridden = |name: &str| sets.iter().all(|set| set.iter().any(|t| t.name == name));
            read_tensors(&dir.join("model.safetensors"), overridden)?
        }
        _ => HashMap::new(),
    };
    let count = sets.len();
    sets.into_iter()
        .enumerate()
        .map(|(i, set)| {
            let own: HashMap<String, Tensor> = set
                .into_iter()
                .map(|t| Ok((t.name.clone(), t.to_tensor()?)))
                .collect::<Result<_, Error>>()?;
            let bert = match path {
                crate::kernels::KernelPath::Fp32 => {
                    let shared =
                        if i + 1 == count { std::mem::take(&mut base) } else { base.clone() };
                    Bert::from_tensors(config, &with_overrides(shared, &own), 0)?.0
                }
                _ => crate::shared::load_packed(dir, &own)?,
            };
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
