//! A learned attribution tagger: a first-order BIO sequence model (averaged structured
//! perceptron over hashed features, Viterbi decoding) marking each token as part of an
//! attribution's **source** (who), **cue** (the reporting words) or **content** (what was
//! said). Trained on PolNeAR `train` (`unspin train attribution`); the shipped weights are
//! embedded in the binary. [`assemble`] ties the tagged spans into attributions.

pub mod assemble;
mod features;
pub mod link;
pub mod train;

use std::ops::Range;
use std::sync::LazyLock;

pub use features::{for_each_sequence, sequences, Item};
pub use unspin_model::api::{TokenVectors, VectorRecipe};

/// What a tagged span is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Who said it.
    Source,
    /// The reporting words.
    Cue,
    /// What was said.
    Content,
}

/// The labels, in table order: outside, then begin/inside for each role.
pub const LABELS: usize = 7;

/// The label index of `B-role` (`I-role` is the next one).
pub fn begin(role: Role) -> usize {
    match role {
        Role::Source => 1,
        Role::Cue => 3,
        Role::Content => 5,
    }
}

fn role_of(label: usize) -> Option<Role> {
    match label {
        1 | 2 => Some(Role::Source),
        3 | 4 => Some(Role::Cue),
        5 | 6 => Some(Role::Content),
        _ => None,
    }
}

/// Whether label `b` may follow label `a` (an `I-x` only after `B-x` or `I-x`).
fn allowed(a: Option<usize>, b: usize) -> bool {
    if b == 0 || b % 2 == 1 {
        return true;
    }
    a.is_some_and(|a| a == b || a + 1 == b)
}

/// A tagged span (byte range of the text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    /// Byte range.
    pub range: Range<usize>,
    /// What it is.
    pub role: Role,
}

const MAGIC: &[u8; 16] = b"UNSPIN-ATTR-v1\0\0";
/// A tagger that also reads token vectors: the v1 body, then the vectors' recipe and the
/// dense weights.
const MAGIC_DENSE: &[u8; 16] = b"UNSPIN-ATTR-v2\0\0";

/// The part of a tagger that reads token vectors: how they are made, and `LABELS × dim`
/// weights.
#[derive(Clone, Debug)]
struct Dense {
    recipe: VectorRecipe,
    weights: Vec<f32>,
}

impl Dense {
    fn dim(&self) -> usize {
        self.weights.len() / LABELS
    }
}

/// The tagger's weights: one row of [`LABELS`] per hashed feature bucket, and the label
/// transitions.
#[derive(Clone, Debug)]
pub struct Tagger {
    /// log2 of the number of feature buckets.
    bits: u32,
    /// `buckets × LABELS` emission weights.
    emission: Vec<f32>,
    /// `(LABELS + 1) × LABELS` transitions; row `LABELS` is the sequence start.
    transition: Vec<f32>,
    /// The token vectors' part, for a tagger that reads them.
    dense: Option<Dense>,
}

/// Why a tagger file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("attribution tagger file: {0}")]
pub struct FormatError(&'static str);

impl Tagger {
    /// An all-zero tagger with `2^bits` feature buckets.
    pub fn zeros(bits: u32) -> Tagger {
        Tagger {
            bits,
            emission: vec![0.0; (1 << bits) * LABELS],
            transition: vec![0.0; (LABELS + 1) * LABELS],
            dense: None,
        }
    }

    /// An all-zero tagger with `2^bits` feature buckets that also reads token vectors of
    /// length `dim` made by `recipe`.
    pub fn zeros_dense(bits: u32, recipe: VectorRecipe, dim: usize) -> Tagger {
        let dense = Dense { recipe, weights: vec![0.0; LABELS * dim] };
        Tagger { dense: Some(dense), ..Tagger::zeros(bits) }
    }

    /// Length of the token vectors the tagger reads (0: none).
    pub fn dim(&self) -> usize {
        self.dense.as_ref().map_or(0, Dense::dim)
    }

    /// How the token vectors this tagger reads are made, if it reads any.
    pub fn recipe(&self) -> Option<&VectorRecipe> {
        self.dense.as_ref().map(|d| &d.recipe)
    }

    fn bucket(&self, feature: u64) -> usize {
        (feature >> (64 - self.bits)) as usize
    }

    /// The emission scores of one token, per label (with its vector, when the tagger
    /// reads vectors and `vectors` has one of the right length).
    fn scores(&self, item: &Item, vectors: Option<&TokenVectors>) -> [f32; LABELS] {
        let mut s = [0.0; LABELS];
        for &f in item.features() {
            let row = &self.emission[self.bucket(f) * LABELS..][..LABELS];
            for (a, w) in s.iter_mut().zip(row) {
                *a += w;
            }
        }
        if let (Some(v), Some(d)) = (self.vector(item, vectors), &self.dense) {
            for (a, w) in s.iter_mut().zip(d.weights.chunks_exact(d.dim())) {
                *a += w.iter().zip(v).map(|(w, x)| w * x).sum::<f32>();
            }
        }
        s
    }

    /// The vector of `item` the tagger reads: none unless `vectors` were made by the
    /// tagger's recipe.
    fn vector<'a>(&self, item: &Item, vectors: Option<&'a TokenVectors>) -> Option<&'a [f32]> {
        let d = self.dense.as_ref()?;
        let v = vectors.filter(|v| v.recipe == d.recipe && v.dim == d.dim())?;
        v.row(item.token())
    }

    /// The best label sequence (Viterbi, BIO-constrained).
    pub fn decode(&self, items: &[Item]) -> Vec<usize> {
        self.decode_with(items, None)
    }

    /// The best label sequence, reading the tokens' `vectors` too.
    pub fn decode_with(&self, items: &[Item], vectors: Option<&TokenVectors>) -> Vec<usize> {
        let n = items.len();
        if n == 0 {
            return vec![];
        }
        let mut score = vec![[f32::NEG_INFINITY; LABELS]; n];
        let mut back = vec![[0u8; LABELS]; n];
        let first = self.scores(&items[0], vectors);
        for b in 0..LABELS {
            if allowed(None, b) {
                score[0][b] = first[b] + self.transition[LABELS * LABELS + b];
            }
        }
        for i in 1..n {
            let e = self.scores(&items[i], vectors);
            for b in 0..LABELS {
                let (mut best, mut arg) = (f32::NEG_INFINITY, 0);
                for a in (0..LABELS).filter(|&a| allowed(Some(a), b)) {
                    let s = score[i - 1][a] + self.transition[a * LABELS + b];
                    if s > best {
                        (best, arg) = (s, a);
                    }
                }
                score[i][b] = best + e[b];
                back[i][b] = arg as u8;
            }
        }
        let mut label =
            (0..LABELS).fold(0, |m, b| if score[n - 1][b] > score[n - 1][m] { b } else { m });
        let mut out = vec![0; n];
        for i in (0..n).rev() {
            out[i] = label;
            label = back[i][label] as usize;
        }
        out
    }

    /// The source, cue and content spans of `text`, in text order.
    pub fn tag(&self, text: &str) -> Vec<Span> {
        self.tag_with(text, None)
    }

    /// [`Tagger::tag`], reading the tokens' `vectors` too (when the tagger was trained
    /// with vectors made the same way).
    pub fn tag_with(&self, text: &str, vectors: Option<&TokenVectors>) -> Vec<Span> {
        let mut out = Vec::new();
        for_each_sequence(text, |seq| out.extend(spans(&seq, &self.decode_with(&seq, vectors))));
        out
    }

    /// The model file: magic, bits, scale, then `i16` emissions and `f32` transitions,
    /// little-endian. Emissions are quantised to `i16` with one scale.
    pub fn to_bytes(&self) -> Vec<u8> {
        let max = self.emission.iter().fold(0f32, |m, w| m.max(w.abs())).max(f32::MIN_POSITIVE);
        let scale = max / f32::from(i16::MAX);
        let mut out = if self.dense.is_some() { MAGIC_DENSE } else { MAGIC }.to_vec();
        out.extend(self.bits.to_le_bytes());
        out.extend(scale.to_le_bytes());
        for w in &self.emission {
            out.extend(((w / scale).round() as i16).to_le_bytes());
        }
        for w in &self.transition {
            out.extend(w.to_le_bytes());
        }
        if let Some(d) = &self.dense {
            out.extend((d.recipe.layers.len() as u32).to_le_bytes());
            for &l in &d.recipe.layers {
                out.extend((l as u32).to_le_bytes());
            }
            out.extend(d.recipe.norm.to_le_bytes());
            out.extend((d.dim() as u32).to_le_bytes());
            for w in &d.weights {
                out.extend(w.to_le_bytes());
            }
        }
        out
    }

    /// Reads a model file written by [`Tagger::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Tagger, FormatError> {
        let (rest, has_dense) = match bytes.strip_prefix(MAGIC) {
            Some(rest) => (rest, false),
            None => (
                bytes.strip_prefix(MAGIC_DENSE).ok_or(FormatError("not an attribution tagger"))?,
                true,
            ),
        };
        let word = |at: usize| -> Result<[u8; 4], FormatError> {
            rest.get(at..at + 4).and_then(|b| b.try_into().ok()).ok_or(FormatError("truncated"))
        };
        let bits = u32::from_le_bytes(word(0)?);
        if !(8..=24).contains(&bits) {
            return Err(FormatError("bad table size"));
        }
        let scale = f32::from_le_bytes(word(4)?);
        let cells = (1usize << bits) * LABELS;
        let trans = (LABELS + 1) * LABELS;
        let v1 = 8 + 2 * cells + 4 * trans;
        if rest.len() < v1 || (!has_dense && rest.len() != v1) {
            return Err(FormatError("wrong length"));
        }
        let body = &rest[8..v1];
        let emission = body[..2 * cells]
            .chunks_exact(2)
            .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) * scale)
            .collect();
        let transition = body[2 * cells..]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let tagger = Tagger { bits, emission, transition, dense: None };
        if has_dense {
            return with_dense(tagger, &rest[v1..]);
        }
        Ok(tagger)
    }
}

/// `tagger` with the dense part of a v2 file (`rest`: recipe, length, weights).
fn with_dense(mut tagger: Tagger, rest: &[u8]) -> Result<Tagger, FormatError> {
    let word = |at: usize| -> Result<u32, FormatError> {
        rest.get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
            .ok_or(FormatError("truncated"))
    };
    let n = word(0)? as usize;
    if !(1..=64).contains(&n) {
        return Err(FormatError("bad token vector recipe"));
    }
    let layers =
        (0..n).map(|i| word(4 + 4 * i).map(|l| l as usize)).collect::<Result<Vec<_>, _>>()?;
    let at = 4 + 4 * n;
    let norm = f32::from_bits(word(at)?);
    let dim = word(at + 4)? as usize;
    let recipe = VectorRecipe { layers, norm };
    if !(1..=65_536).contains(&dim) || !recipe.is_valid() {
        return Err(FormatError("bad token vector recipe"));
    }
    let body = &rest[at + 8..];
    if body.len() != 4 * LABELS * dim {
        return Err(FormatError("wrong length"));
    }
    let weights = body.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    tagger.dense = Some(Dense { recipe, weights: weights.collect() });
    Ok(tagger)
}

/// The spans a label sequence marks.
pub fn spans(items: &[Item], labels: &[usize]) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::new();
    for (item, &label) in items.iter().zip(labels) {
        let Some(role) = role_of(label) else { continue };
        match out.last_mut() {
            Some(last) if label % 2 == 0 && last.role == role => last.range.end = item.range.end,
            _ => out.push(Span { range: item.range.clone(), role }),
        }
    }
    out
}

static SHIPPED: LazyLock<Option<Tagger>> = LazyLock::new(|| {
    Tagger::from_bytes(include_bytes!("../../../../../models/attribution.bin")).ok()
});

/// The tagger shipped with unspin (PolNeAR `train`), if its embedded file reads.
pub fn shipped() -> Option<&'static Tagger> {
    SHIPPED.as_ref()
}

static SHIPPED_NEURAL: LazyLock<Option<Tagger>> = LazyLock::new(|| {
    Tagger::from_bytes(include_bytes!("../../../../../models/attribution-neural.bin")).ok()
});

/// The tagger shipped with unspin that reads MiniLM's token vectors (PolNeAR `train`),
/// if its embedded file reads.
pub fn shipped_neural() -> Option<&'static Tagger> {
    SHIPPED_NEURAL.as_ref()
}

#[cfg(test)]
mod tests;
