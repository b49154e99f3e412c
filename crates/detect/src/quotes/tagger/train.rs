//! Training the tagger: an averaged structured perceptron (Collins 2002) over PolNeAR
//! articles, gold labels from their Source, Cue and Content spans.

use std::ops::Range;

use unspin_eval::polnear::Article;

use super::{allowed, begin, sequences, Item, Role, Tagger, TokenVectors, LABELS};

/// One training sequence: its items and gold labels.
pub struct Example {
    items: Vec<Item>,
    gold: Vec<usize>,
    /// The article's token vectors, if the tagger reads them.
    vectors: Option<std::sync::Arc<TokenVectors>>,
}

/// Byte offsets of every character offset of `text` (and of its end).
pub(crate) fn byte_offsets(text: &str) -> Vec<usize> {
    text.char_indices().map(|(b, _)| b).chain([text.len()]).collect()
}

/// The labelled byte spans of an article, longest first (so that an attribution inside
/// another one's content keeps its own labels).
fn gold_spans(a: &Article) -> Vec<(Range<usize>, Role)> {
    let bytes = byte_offsets(&a.text);
    let b = |c: usize| bytes[c.min(bytes.len() - 1)];
    let mut out = Vec::new();
    for at in &a.attributions {
        for (parts, role) in
            [(&at.content, Role::Content), (&at.cue, Role::Cue), (&at.source, Role::Source)]
        {
            out.extend(parts.iter().map(|r| (b(r.start)..b(r.end), role)));
        }
    }
    out.sort_by_key(|(r, _)| std::cmp::Reverse(r.len()));
    out
}

/// The training sequences of `articles`.
pub fn examples(articles: &[Article]) -> Vec<Example> {
    examples_with(articles, &vec![None; articles.len()])
}

/// The training sequences of `articles`, each with its article's token vectors
/// (`vectors[k]` belongs to `articles[k]`).
pub fn examples_with(
    articles: &[Article],
    vectors: &[Option<std::sync::Arc<TokenVectors>>],
) -> Vec<Example> {
    let mut out = Vec::new();
    for (a, vectors) in articles.iter().zip(vectors) {
        let spans = gold_spans(a);
        for items in sequences(&a.text) {
            let mut owner: Vec<Option<usize>> = vec![None; items.len()];
            for (k, (r, _)) in spans.iter().enumerate() {
                for (i, item) in items.iter().enumerate() {
                    if r.start <= item.range.start && item.range.end <= r.end {
                        owner[i] = Some(k);
                    }
                }
            }
            let gold = (0..items.len())
                .map(|i| match owner[i] {
                    None => 0,
                    Some(k) => begin(spans[k].1) + usize::from(i > 0 && owner[i - 1] == Some(k)),
                })
                .collect();
            out.push(Example { items, gold, vectors: vectors.clone() });
        }
    }
    out
}

/// Weights and their running sums for averaging.
struct Averaged {
    tagger: Tagger,
    sum_e: Vec<f32>,
    sum_t: Vec<f32>,
    sum_d: Vec<f32>,
    step: f32,
}

impl Averaged {
    fn add(&mut self, labels: &[usize], ex: &Example, sign: f32) {
        let step = self.step;
        let mut prev = LABELS;
        let dim = self.tagger.dim();
        for (item, &l) in ex.items.iter().zip(labels) {
            for &f in item.features() {
                let at = self.tagger.bucket(f) * LABELS + l;
                self.tagger.emission[at] += sign;
                self.sum_e[at] += sign * step;
            }
            let v = self.tagger.vector(item, ex.vectors.as_deref());
            if let (Some(v), Some(d)) = (v, self.tagger.dense.as_mut()) {
                let w = &mut d.weights[l * dim..(l + 1) * dim];
                let s = &mut self.sum_d[l * dim..(l + 1) * dim];
                for ((w, s), x) in w.iter_mut().zip(s.iter_mut()).zip(v) {
                    *w += sign * x;
                    *s += sign * step * x;
                }
            }
            self.tagger.transition[prev * LABELS + l] += sign;
            self.sum_t[prev * LABELS + l] += sign * step;
            prev = l;
        }
    }

    fn averaged(&self) -> Tagger {
        let avg = |w: &[f32], s: &[f32]| -> Vec<f32> {
            w.iter().zip(s).map(|(w, s)| w - s / self.step).collect()
        };
        Tagger {
            bits: self.tagger.bits,
            emission: avg(&self.tagger.emission, &self.sum_e),
            transition: avg(&self.tagger.transition, &self.sum_t),
            dense: self.tagger.dense.as_ref().map(|d| super::Dense {
                recipe: d.recipe.clone(),
                weights: avg(&d.weights, &self.sum_d),
            }),
        }
    }
}

/// Trains for `epochs` passes over `examples` (visited in a fixed pseudo-random order
/// from `seed`), with `2^bits` feature buckets; `each` sees the averaged tagger after
/// every epoch (epoch number from 1).
pub fn train(
    examples: &[Example],
    bits: u32,
    epochs: usize,
    seed: u64,
    mut each: impl FnMut(usize, &Tagger),
) -> Tagger {
    // A tagger reads vectors made as those of the first example that has them.
    let first = examples.iter().find_map(|e| e.vectors.as_ref());
    let dim = first.map_or(0, |v| v.dim);
    let mut m = Averaged {
        tagger: match first {
            Some(v) => Tagger::zeros_dense(bits, v.recipe.clone(), dim),
            None => Tagger::zeros(bits),
        },
        sum_e: vec![0.0; (1 << bits) * LABELS],
        sum_t: vec![0.0; (LABELS + 1) * LABELS],
        sum_d: vec![0.0; LABELS * dim],
        step: 1.0,
    };
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let mut state = seed | 1;
    for epoch in 1..=epochs {
        for i in (1..order.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            order.swap(i, (state % (i as u64 + 1)) as usize);
        }
        for &k in &order {
            let ex = &examples[k];
            let pred = m.tagger.decode_with(&ex.items, ex.vectors.as_deref());
            if pred != ex.gold {
                debug_assert!(ex.gold.windows(2).all(|w| allowed(Some(w[0]), w[1])));
                m.add(&ex.gold, ex, 1.0);
                m.add(&pred, ex, -1.0);
            }
            m.step += 1.0;
        }
        each(epoch, &m.averaged());
    }
    m.averaged()
}

/// The mean of `taggers`' weights (all of one shape). Taggers trained on the same examples
/// in different orders (seeds of [`train`]) average into one that scores every sequence as
/// their mean would — a linear model's scores are linear in its weights — at the cost of
/// one, with less of the variance the order puts into each.
///
/// # Panics
/// If `taggers` is empty or their shapes differ.
pub fn average(taggers: &[Tagger]) -> Tagger {
    fn mean<'t>(rows: impl Iterator<Item = &'t [f32]>, into: &mut [f32], n: f32) {
        into.fill(0.0);
        for row in rows {
            for (x, y) in into.iter_mut().zip(row) {
                *x += y;
            }
        }
        into.iter_mut().for_each(|x| *x /= n);
    }
    let n = taggers.len() as f32;
    let mut out = taggers[0].clone();
    let shape = |t: &Tagger| (t.bits, t.dense.as_ref().map(|d| d.weights.len()));
    assert!(taggers.iter().all(|t| shape(t) == shape(&out)), "taggers of different shapes");
    mean(taggers.iter().map(|t| t.emission.as_slice()), &mut out.emission, n);
    mean(taggers.iter().map(|t| t.transition.as_slice()), &mut out.transition, n);
    if let Some(d) = out.dense.as_mut() {
        let rows = taggers.iter().filter_map(|t| t.dense.as_ref().map(|d| d.weights.as_slice()));
        mean(rows, &mut d.weights, n);
    }
    out
}
