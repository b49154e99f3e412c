//! SI: an averaged structured perceptron over BIO tags with first-order transitions
//! (Collins, "Discriminative Training Methods for Hidden Markov Models", EMNLP 2002).

use serde::{Deserialize, Serialize};

/// Tag "outside a span".
pub const O: u8 = 0;
/// Tag "begins a span".
pub const B: u8 = 1;
/// Tag "inside a span".
pub const I: u8 = 2;
const N: usize = 3;
const START: usize = 3;

/// One sentence for the tagger: each token's hashed features, and (in training) its tag.
#[derive(Clone, Debug, Default)]
pub struct Sequence {
    /// Features of every token, concatenated.
    pub feats: Vec<u32>,
    /// `feats[ends[i-1]..ends[i]]` are token i's features.
    pub ends: Vec<u32>,
    /// Gold tags (empty at inference).
    pub gold: Vec<u8>,
}

impl Sequence {
    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the sequence has no token.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    fn token(&self, i: usize) -> &[u32] {
        let s = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.feats[s..self.ends[i] as usize]
    }
}

/// The trained tagger.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Tagger {
    /// Feature hash bits.
    pub bits: u8,
    /// Emission weights, `feature * 3 + tag`.
    pub weights: Vec<f32>,
    /// Transition weights `[previous (O, B, I, start)][tag]`.
    pub trans: [[f32; N]; 4],
    /// Added to the O score of every token at decoding: lower → more spans.
    pub o_bias: f32,
}

impl Tagger {
    /// Per-token scores of O, B, I (with `o_bias` applied).
    pub fn emissions(&self, seq: &Sequence) -> Vec<[f32; N]> {
        (0..seq.len())
            .map(|i| {
                let mut e = [self.o_bias, 0.0, 0.0];
                for &f in seq.token(i) {
                    let w = &self.weights[f as usize * N..f as usize * N + N];
                    e[0] += w[0];
                    e[1] += w[1];
                    e[2] += w[2];
                }
                e
            })
            .collect()
    }

    /// The best tag sequence (I never follows O or the start).
    pub fn decode(&self, em: &[[f32; N]]) -> Vec<u8> {
        viterbi(em, &self.trans)
    }
}

fn allowed(prev: usize, tag: usize) -> bool {
    !(tag == I as usize && (prev == O as usize || prev == START))
}

/// The best tag sequence for emission scores `em` and transition scores `trans`
/// (`[previous (O, B, I, start)][tag]`); I never follows O or the start.
pub fn viterbi(em: &[[f32; N]], trans: &[[f32; N]; 4]) -> Vec<u8> {
    let n = em.len();
    if n == 0 {
        return vec![];
    }
    let mut score = vec![[f32::NEG_INFINITY; N]; n];
    let mut back = vec![[0u8; N]; n];
    for t in 0..N {
        if allowed(START, t) {
            score[0][t] = trans[START][t] + em[0][t];
        }
    }
    for i in 1..n {
        for t in 0..N {
            let mut best = (f32::NEG_INFINITY, 0u8);
            for p in 0..N {
                if allowed(p, t) {
                    let s = score[i - 1][p] + trans[p][t];
                    if s > best.0 {
                        best = (s, p as u8);
                    }
                }
            }
            score[i][t] = best.0 + em[i][t];
            back[i][t] = best.1;
        }
    }
    let mut tags = vec![0u8; n];
    let mut t = (0..N).max_by(|&a, &b| score[n - 1][a].total_cmp(&score[n - 1][b])).unwrap_or(0);
    for i in (0..n).rev() {
        tags[i] = t as u8;
        t = back[i][t] as usize;
    }
    tags
}

/// Trains a [`Tagger`] with the averaged perceptron.
pub struct TaggerTrainer {
    bits: u8,
    w: Vec<f32>,
    u: Vec<f32>,
    trans: [[f32; N]; 4],
    trans_u: [[f32; N]; 4],
    c: f32,
}

impl TaggerTrainer {
    /// A trainer for `2^bits` hashed features.
    pub fn new(bits: u8) -> TaggerTrainer {
        let dim = (1usize << bits) * N;
        TaggerTrainer {
            bits,
            w: vec![0.0; dim],
            u: vec![0.0; dim],
            trans: [[0.0; N]; 4],
            trans_u: [[0.0; N]; 4],
            c: 1.0,
        }
    }

    /// One pass over `data` in the order of `order`; returns the token error count.
    pub fn epoch(&mut self, data: &[&Sequence], order: &[usize]) -> usize {
        let mut errors = 0;
        for &k in order {
            let seq = data[k];
            let current = Tagger {
                bits: self.bits,
                weights: std::mem::take(&mut self.w),
                trans: self.trans,
                o_bias: 0.0,
            };
            let pred = current.decode(&current.emissions(seq));
            self.w = current.weights;
            if pred != seq.gold {
                for i in 0..seq.len() {
                    let (g, p) = (seq.gold[i] as usize, pred[i] as usize);
                    let (gp, pp) = if i == 0 {
                        (START, START)
                    } else {
                        (seq.gold[i - 1] as usize, pred[i - 1] as usize)
                    };
                    if g != p {
                        errors += 1;
                        for &f in seq.token(i) {
                            let f = f as usize * N;
                            self.w[f + g] += 1.0;
                            self.u[f + g] += self.c;
                            self.w[f + p] -= 1.0;
                            self.u[f + p] -= self.c;
                        }
                    }
                    if (gp, g) != (pp, p) {
                        self.trans[gp][g] += 1.0;
                        self.trans_u[gp][g] += self.c;
                        self.trans[pp][p] -= 1.0;
                        self.trans_u[pp][p] -= self.c;
                    }
                }
            }
            self.c += 1.0;
        }
        errors
    }

    /// The averaged weights.
    pub fn finish(&self) -> Tagger {
        let weights = self.w.iter().zip(&self.u).map(|(w, u)| w - u / self.c).collect();
        let mut trans = self.trans;
        for (row, urow) in trans.iter_mut().zip(&self.trans_u) {
            for (t, u) in row.iter_mut().zip(urow) {
                *t -= u / self.c;
            }
        }
        Tagger { bits: self.bits, weights, trans, o_bias: 0.0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_toy_pattern() {
        // Feature 1 marks span starts, 2 span insides, 3 outside.
        let mk = |tags: &[u8]| {
            let mut s = Sequence::default();
            for &t in tags {
                s.feats.push(t as u32 + 1);
                s.feats.push(0);
                s.ends.push(s.feats.len() as u32);
            }
            s.gold = tags.to_vec();
            s
        };
        let data = vec![mk(&[0, 1, 2, 0]), mk(&[1, 2, 2]), mk(&[0, 0, 1])];
        let mut tr = TaggerTrainer::new(4);
        for _ in 0..5 {
            tr.epoch(&data.iter().collect::<Vec<_>>(), &[0, 1, 2]);
        }
        let t = tr.finish();
        for s in &data {
            assert_eq!(t.decode(&t.emissions(s)), s.gold);
        }
        // I after O is never produced.
        let em = vec![[0.0, 0.0, 0.0], [0.0, -1.0, 5.0]];
        assert_ne!(viterbi(&em, &[[0.0; 3]; 4])[..], [0, 2]);
    }
}
