//! The MiniLM encoder: a BERT model run with candle on the CPU.

use std::path::Path;

use std::collections::HashMap;

use candle_core::{DType, Tensor};
use tokenizers::Tokenizer;

use crate::bert::Bert;
use crate::Error;

/// Longest input, in word pieces (all-MiniLM-L6-v2 was trained up to 256).
pub const MAX_TOKENS: usize = 256;
/// Sentences per forward pass.
pub const BATCH: usize = 32;

/// A loaded encoder.
pub struct Encoder {
    model: Bert,
    tokenizer: Tokenizer,
    hidden: usize,
}

impl Encoder {
    /// Loads the encoder from an installed folder (`config.json`, `tokenizer.json`,
    /// `model.safetensors`).
    pub fn load(dir: &Path) -> Result<Encoder, Error> {
        Self::load_with(dir, &HashMap::new())
    }

    /// Loads the encoder with some of its tensors replaced (fine-tuned layers).
    pub fn load_with(dir: &Path, overrides: &HashMap<String, Tensor>) -> Result<Encoder, Error> {
        let model = match crate::kernels::active()? {
            crate::kernels::KernelPath::Fp32 => crate::techniques::assemble(dir, overrides, 0)?.0,
            _ => crate::shared::load_packed(dir, overrides)?,
        };
        let tokenizer = crate::techniques::load_tokenizer(dir)?;
        let hidden = model.config.hidden;
        Ok(Encoder { model, tokenizer, hidden })
    }

    /// The underlying BERT model.
    pub fn bert(&self) -> &Bert {
        &self.model
    }

    /// Word-piece ids of `text`, with `[CLS]` and `[SEP]`, cut to `max` pieces.
    pub fn ids_upto(&self, text: &str, max: usize) -> Result<Vec<u32>, Error> {
        piece_ids(&self.tokenizer, text, max)
    }

    /// Embedding size.
    pub fn dim(&self) -> usize {
        self.hidden
    }

    /// Word-piece ids of `text`, with `[CLS]` and `[SEP]`, cut to [`MAX_TOKENS`].
    fn ids(&self, text: &str) -> Result<Vec<u32>, Error> {
        self.ids_upto(text, MAX_TOKENS)
    }

    /// Mean-pooled, L2-normalised sentence embeddings (the sentence-transformers recipe),
    /// computed in batches of similar length.
    pub fn embed_sentences(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, Error> {
        let ids: Vec<Vec<u32>> = texts.iter().map(|t| self.ids(t)).collect::<Result<_, _>>()?;
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| ids[i].len());
        let mut out = vec![Vec::new(); texts.len()];
        for chunk in order.chunks(BATCH) {
            let rows: Vec<&[u32]> = chunk.iter().map(|&i| ids[i].as_slice()).collect();
            let (input, mask_t) = crate::bert::batch_ids(&rows)?;
            let hidden = self.model.forward(&input, &mask_t)?;
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

/// Word-piece ids of `text` under `tokenizer`, with `[CLS]` and `[SEP]`, cut to `max`
/// pieces (the last one, `[SEP]`, kept).
pub fn piece_ids(tokenizer: &Tokenizer, text: &str, max: usize) -> Result<Vec<u32>, Error> {
    let enc = tokenizer.encode(text, true).map_err(|e| Error::Tokenizer(e.to_string()))?;
    let mut ids = enc.get_ids().to_vec();
    if ids.len() > max {
        let last = *ids.last().unwrap_or(&0);
        ids.truncate(max - 1);
        ids.push(last);
    }
    Ok(ids)
}
