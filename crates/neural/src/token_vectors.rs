//! Contextual vectors for the tokens of a text: the encoder's hidden states after a given
//! layer, averaged over each token's word pieces and scaled to a fixed length — extra
//! evidence for taggers that work on whole tokens (the attribution tagger).

use std::ops::Range;

use unspin_text::segment::tokens;

use tokenizers::Tokenizer;

use crate::bert::Bert;
use crate::techniques::windows::windows;
use crate::Error;

/// Longest window, in word pieces (whole sentences packed, as the technique windows).
pub const WINDOW: usize = 256;

/// Per-token vectors of a text: `tokens × dim`, row `i` for `segment::tokens(text)[i]`
/// (zeros for a token no word piece covers).
#[derive(Clone, Debug)]
pub struct Vectors {
    /// Length of each vector.
    pub dim: usize,
    /// The rows, one after another.
    pub data: Vec<f32>,
}

/// The vectors of the tokens of `text`: hidden states after `layers` encoder layers
/// (f32 arithmetic), averaged over each token's word pieces, each row scaled to Euclidean
/// length `norm`.
pub fn token_vectors(
    bert: &Bert,
    tokenizer: &Tokenizer,
    text: &str,
    layers: usize,
    norm: f32,
) -> Result<Vectors, Error> {
    let toks = tokens(text);
    let dim = bert.config.hidden;
    let mut sum = vec![0f32; toks.len() * dim];
    let mut count = vec![0u32; toks.len()];
    let wins = windows(tokenizer, text, WINDOW)?;
    let rows: Vec<&[u32]> = wins.iter().map(|w| w.ids.as_slice()).collect();
    let states = bert.frozen_states(&rows, layers)?;
    for (w, h) in wins.iter().zip(states) {
        let h: Vec<Vec<f32>> = h.to_vec2()?;
        for p in w.inner() {
            for t in covering(&toks, &w.offsets[p]) {
                count[t] += 1;
                for (s, x) in sum[t * dim..(t + 1) * dim].iter_mut().zip(&h[p]) {
                    *s += x;
                }
            }
        }
    }
    for (row, n) in sum.chunks_exact_mut(dim).zip(&count) {
        let len = row.iter().map(|x| x * x).sum::<f32>().sqrt();
        if *n > 0 && len > 0.0 {
            row.iter_mut().for_each(|x| *x *= norm / len);
        }
    }
    Ok(Vectors { dim, data: sum })
}

/// Indices of the tokens that overlap byte range `r`.
fn covering(toks: &[unspin_text::segment::Token], r: &Range<usize>) -> Range<usize> {
    let first = toks.partition_point(|t| t.end <= r.start);
    let last = first + toks[first..].iter().take_while(|t| t.start < r.end).count();
    first..last
}
