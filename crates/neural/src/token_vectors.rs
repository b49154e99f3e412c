//! Contextual vectors for the tokens of a text: the encoder's hidden states after given
//! layers, averaged over each token's word pieces, each layer's part scaled to a fixed
//! length and the parts put end to end — extra evidence for taggers that work on whole
//! tokens (the attribution tagger).

use std::ops::Range;

use tokenizers::Tokenizer;
use unspin_model::api::{TokenVectors, VectorRecipe};
use unspin_text::segment::tokens;

use crate::bert::Bert;
use crate::kernels::KernelPath;
use crate::techniques::windows::windows;
use crate::Error;

/// Longest window, in word pieces (whole sentences packed, as the technique windows).
pub const WINDOW: usize = 256;

/// The vectors of the tokens of `text` as `recipe` says: for each of its layers
/// (increasing, each at least 1), the hidden states after that many encoder layers (on
/// the inference kernels of `path`; training reads them on `fp32`) averaged over each
/// token's word pieces and scaled to Euclidean length `recipe.norm`; the parts end to end.
pub fn token_vectors(
    bert: &Bert,
    tokenizer: &Tokenizer,
    text: &str,
    recipe: &VectorRecipe,
    path: KernelPath,
) -> Result<TokenVectors, Error> {
    let (layers, norm) = (recipe.layers.as_slice(), recipe.norm);
    let depth = bert.config.layers;
    if !recipe.is_valid() || layers.last().is_some_and(|&l| l > depth) {
        return Err(Error::Format(format!(
            "token vector layers {layers:?} are not increasing from 1 to at most {depth}, or \
             length {norm} is not positive"
        )));
    }
    let toks = tokens(text);
    let hidden = bert.config.hidden;
    let dim = hidden * layers.len();
    let mut data = vec![0f32; toks.len() * dim];
    let wins = windows(tokenizer, text, WINDOW)?;
    let done = |data| TokenVectors { recipe: recipe.clone(), dim, data };
    if wins.is_empty() {
        return Ok(done(data));
    }
    let rows: Vec<&[u32]> = wins.iter().map(|w| w.ids.as_slice()).collect();
    let mut states = bert.frozen_states_on(&rows, layers[0], path)?;
    for (part, &layer) in layers.iter().enumerate() {
        if part > 0 {
            states = bert.more_states(&states, &rows, layers[part - 1]..layer, path)?;
        }
        let pooled = pooled(&wins, &states, &toks, hidden)?;
        for (t, row) in pooled.chunks_exact(hidden).enumerate() {
            let len = row.iter().map(|x| x * x).sum::<f32>().sqrt();
            if len > 0.0 {
                let out = &mut data[t * dim + part * hidden..][..hidden];
                for (o, x) in out.iter_mut().zip(row) {
                    *o = x * norm / len;
                }
            }
        }
    }
    Ok(done(data))
}

/// Each token's sum of the `states` of the word pieces over it (`tokens × hidden`;
/// zeros where none is); the sum points the same way as the mean.
fn pooled(
    wins: &[crate::techniques::windows::Window],
    states: &[candle_core::Tensor],
    toks: &[unspin_text::segment::Token],
    hidden: usize,
) -> Result<Vec<f32>, Error> {
    let mut sum = vec![0f32; toks.len() * hidden];
    for (w, h) in wins.iter().zip(states) {
        let h: Vec<Vec<f32>> = h.to_vec2()?;
        for p in w.inner() {
            for t in covering(toks, &w.offsets[p]) {
                for (s, x) in sum[t * hidden..(t + 1) * hidden].iter_mut().zip(&h[p]) {
                    *s += x;
                }
            }
        }
    }
    Ok(sum)
}

/// Indices of the tokens that overlap byte range `r`.
fn covering(toks: &[unspin_text::segment::Token], r: &Range<usize>) -> Range<usize> {
    let first = toks.partition_point(|t| t.end <= r.start);
    let last = first + toks[first..].iter().take_while(|t| t.start < r.end).count();
    first..last
}
