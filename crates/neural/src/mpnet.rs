//! What MPNet (all-mpnet-base-v2) adds to a BERT-shaped encoder: a relative-position
//! attention bias — the key-minus-query offset put into one of 32 log-spaced buckets,
//! each bucket a learned bias per head, shared by all layers — and position ids that
//! start after the padding id (fairseq's convention). Everything else (post-norm
//! layers, exact GELU) is BERT's; only the tensor names differ.

use candle_core::{Device, Tensor};

use crate::Error;

/// Offsets beyond this share the last bucket of their direction.
const MAX_DISTANCE: f32 = 128.0;

/// The bucket of key-minus-query offset `rel` among `buckets` (Hugging Face's
/// `MPNetEncoder.relative_position_bucket`): half the buckets per direction, the first
/// half of those exact, the rest log-spaced up to 128.
pub fn bucket(rel: i64, buckets: usize) -> usize {
    let half = (buckets / 2) as i64;
    let n = -rel;
    let ret = if n < 0 { half } else { 0 };
    let n = n.abs();
    let exact = half / 2;
    let v = if n < exact {
        n
    } else {
        // In f32, as the reference computes it, truncated towards zero.
        let scaled = (n as f32 / exact as f32).ln() / (MAX_DISTANCE / exact as f32).ln()
            * (half - exact) as f32;
        (exact + scaled as i64).min(half - 1)
    };
    (ret + v) as usize
}

/// The attention bias `(1, heads, len, len)` of a window of `len` pieces, from the
/// learned table `(buckets, heads)`.
pub fn position_bias(table: &Tensor, len: usize) -> Result<Tensor, Error> {
    let buckets = table.dim(0)?;
    let ids: Vec<u32> = (0..len as i64)
        .flat_map(|q| (0..len as i64).map(move |k| bucket(k - q, buckets) as u32))
        .collect();
    let ids = Tensor::from_vec(ids, len * len, &Device::Cpu)?;
    let heads = table.dim(1)?;
    let values = table.index_select(&ids, 0)?.reshape((len, len, heads))?;
    Ok(values.permute((2, 0, 1))?.unsqueeze(0)?.contiguous()?)
}

/// Position ids `(batch, len)` of word-piece ids: `pad + 1, pad + 2, …` over the pieces
/// that are not `pad`, `pad` on those that are.
pub fn position_ids(ids: &Tensor, pad: u32) -> Result<Tensor, Error> {
    let rows = ids.to_vec2::<u32>()?;
    let (b, t) = (rows.len(), rows.first().map_or(0, Vec::len));
    let mut out = Vec::with_capacity(b * t);
    for row in &rows {
        let mut seen = 0;
        for &id in row {
            if id == pad {
                out.push(pad);
            } else {
                seen += 1;
                out.push(pad + seen);
            }
        }
    }
    Ok(Tensor::from_vec(out, (b, t), &Device::Cpu)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_exact_near_and_logarithmic_far() {
        assert_eq!(bucket(0, 32), 0);
        assert_eq!(bucket(-1, 32), 1, "a key before the query");
        assert_eq!(bucket(1, 32), 17, "a key after it");
        assert_eq!(bucket(-7, 32), 7);
        assert_eq!(bucket(-500, 32), 15);
        assert_eq!(bucket(500, 32), 31);
    }

    #[test]
    fn positions_start_after_the_padding_id() {
        let ids = Tensor::new(&[[0u32, 7, 2, 1, 1], [0, 5, 6, 7, 2]], &Device::Cpu).unwrap();
        let p = position_ids(&ids, 1).unwrap().to_vec2::<u32>().unwrap();
        assert_eq!(p, vec![vec![2, 3, 4, 1, 1], vec![2, 3, 4, 5, 6]]);
    }
}
