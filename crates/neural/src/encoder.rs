//! The MiniLM encoder: a BERT model run with candle on the CPU.

use std::path::Path;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::Tokenizer;

use crate::Error;

/// Longest input, in word pieces (all-MiniLM-L6-v2 was trained up to 256).
pub const MAX_TOKENS: usize = 256;
/// Sentences per forward pass.
pub const BATCH: usize = 32;

/// A loaded encoder.
pub struct Encoder {
    model: BertModel,
    tokenizer: Tokenizer,
    device: Device,
    hidden: usize,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_path_buf(), source }
}

impl Encoder {
    /// Loads the encoder from an installed folder (`config.json`, `tokenizer.json`,
    /// `model.safetensors`).
    pub fn load(dir: &Path) -> Result<Encoder, Error> {
        let cfg_path = dir.join("config.json");
        let cfg_text = std::fs::read_to_string(&cfg_path).map_err(io(&cfg_path))?;
        let config: Config = serde_json::from_str(&cfg_text)
            .map_err(|e| Error::Format(format!("config.json: {e}")))?;
        let hidden: usize = serde_json::from_str::<serde_json::Value>(&cfg_text)
            .ok()
            .and_then(|v| v["hidden_size"].as_u64())
            .unwrap_or(384) as usize;
        let mut tokenizer = Tokenizer::from_file(dir.join("tokenizer.json"))
            .map_err(|e| Error::Tokenizer(e.to_string()))?;
        // The shipped tokenizer.json pads every input to a fixed length; padding here would
        // put pad tokens into the mean. Batches are padded and masked by `embed_sentences`.
        tokenizer.with_padding(None);
        tokenizer.with_truncation(None).map_err(|e| Error::Tokenizer(e.to_string()))?;
        let device = Device::Cpu;
        let weights = dir.join("model.safetensors");
        // SAFETY: the file is memory-mapped; it must not change while mapped. unspin's
        // installer writes it once, whole, and never rewrites it in place.
        let vb = unsafe { VarBuilder::from_mmaped_safetensors(&[weights], DType::F32, &device)? };
        let model = BertModel::load(vb, &config)?;
        Ok(Encoder { model, tokenizer, device, hidden })
    }

    /// Embedding size.
    pub fn dim(&self) -> usize {
        self.hidden
    }

    /// Word-piece ids of `text`, with [CLS] and [SEP], cut to [`MAX_TOKENS`].
    fn ids(&self, text: &str) -> Result<Vec<u32>, Error> {
        let enc = self.tokenizer.encode(text, true).map_err(|e| Error::Tokenizer(e.to_string()))?;
        let mut ids = enc.get_ids().to_vec();
        if ids.len() > MAX_TOKENS {
            let last = *ids.last().unwrap_or(&0);
            ids.truncate(MAX_TOKENS - 1);
            ids.push(last);
        }
        Ok(ids)
    }

    /// Mean-pooled, L2-normalised sentence embeddings (the sentence-transformers recipe),
    /// computed in batches of similar length.
    pub fn embed_sentences(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, Error> {
        let ids: Vec<Vec<u32>> = texts.iter().map(|t| self.ids(t)).collect::<Result<_, _>>()?;
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| ids[i].len());
        let mut out = vec![Vec::new(); texts.len()];
        for chunk in order.chunks(BATCH) {
            let width = chunk.iter().map(|&i| ids[i].len()).max().unwrap_or(1).max(1);
            let mut flat = Vec::with_capacity(chunk.len() * width);
            let mut mask = Vec::with_capacity(chunk.len() * width);
            for &i in chunk {
                let row = &ids[i];
                flat.extend_from_slice(row);
                flat.extend(std::iter::repeat_n(0u32, width - row.len()));
                mask.extend(std::iter::repeat_n(1u32, row.len()));
                mask.extend(std::iter::repeat_n(0u32, width - row.len()));
            }
            let n = chunk.len();
            let input = Tensor::from_vec(flat, (n, width), &self.device)?;
            let mask_t = Tensor::from_vec(mask, (n, width), &self.device)?;
            let types = input.zeros_like()?;
            let hidden = self.model.forward(&input, &types, Some(&mask_t))?;
            let m = mask_t.to_dtype(DType::F32)?.unsqueeze(2)?;
            let summed = hidden.broadcast_mul(&m)?.sum(1)?;
            let counts = m.sum(1)?;
            let mean = summed.broadcast_div(&counts)?;
            let norm = mean.sqr()?.sum_keepdim(1)?.sqrt()?;
            let unit = mean.broadcast_div(&norm)?;
            let rows: Vec<Vec<f32>> = unit.to_vec2()?;
            for (&i, v) in chunk.iter().zip(rows) {
                out[i] = v;
            }
        }
        Ok(out)
    }
}
