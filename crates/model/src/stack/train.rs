//! Training and cross-validating the stacker.
//!
//! 1. [`out_of_fold_fast`]: the articles are dealt into folds; a fast classifier trained
//!    on the other folds gives each gold span of a fold its technique probabilities, and
//!    [`evidence`](super::evidence) adds what the article says about it. One [`Row`] per
//!    gold line.
//! 2. [`fit_linear`]: multinomial logistic regression with an L2 penalty, by full-batch
//!    Adam on the mean log-loss (convex: the start and the step only change how fast).
//! 3. [`cross_validate`]: the rows' articles dealt into folds again; each penalty is
//!    scored by the official TC measure on the folds it did not train on.
//! 4. [`fit_neural_stage`]: the neural stage's three kinds of weight, on rows that carry
//!    first-stage logits and neural probabilities.

use std::ops::Range;

use rayon::prelude::*;
use serde::Serialize;

use super::evidence::{evidence, Marked};
use super::{fast_inputs, softmax, Linear, NeuralStage, FLOOR};
use crate::fast::classifier::{self, ClassifierConfig};
use crate::fast::features::{hash_name, ArticleContext};
use crate::ptc::Corpus;
use crate::Technique;

/// How the out-of-fold rows are made.
#[derive(Clone, Debug)]
pub struct Setup {
    /// Folds the articles are dealt into.
    pub folds: usize,
    /// Seed of the dealing.
    pub seed: u64,
    /// The fast classifier's training settings.
    pub classifier: ClassifierConfig,
}

/// One gold line: its article, byte range, inputs and technique.
#[derive(Clone, Debug)]
pub struct Row {
    /// Article index in the corpus.
    pub article: usize,
    /// Byte range of the span.
    pub range: Range<usize>,
    /// The fast technique probabilities (technique order).
    pub fast: Vec<f32>,
    /// The evidence about the span.
    pub evidence: Vec<f32>,
    /// The gold technique's index.
    pub gold: usize,
}

impl Row {
    /// The first stage's inputs.
    pub fn inputs(&self) -> Vec<f32> {
        fast_inputs(&self.fast, &self.evidence)
    }
}

/// The articles of `articles` dealt into `k` folds by a seeded shuffle: fold of each.
pub fn folds(articles: &[usize], k: usize, seed: u64) -> Vec<(usize, usize)> {
    let mut ids = articles.to_vec();
    fastrand::Rng::with_seed(seed ^ 0xF01D).shuffle(&mut ids);
    ids.into_iter().enumerate().map(|(pos, a)| (a, pos % k.max(2))).collect()
}

/// A gold line's hashed fast features and its row (fast probabilities still empty).
type Line = (Vec<u32>, Row);

/// Out-of-fold rows for the gold lines of `articles`: each article's fast probabilities
/// come from a classifier trained on the other folds' articles.
pub fn out_of_fold_fast(corpus: &Corpus, articles: &[usize], setup: &Setup) -> Vec<Row> {
    let (k, seed, cfg) = (setup.folds, setup.seed, &setup.classifier);
    let mask = (1u64 << cfg.bits) - 1;
    // Per article: hashed features, evidence and gold of each line.
    let prepared: Vec<(usize, Vec<Line>)> = articles
        .par_iter()
        .map(|&a| {
            let art = &corpus.articles[a];
            let ctx = ArticleContext::new(&art.doc.text);
            let ranges: Vec<Range<usize>> = art.spans.iter().map(|(r, _)| r.clone()).collect();
            let marked = Marked::new(&art.doc.text, &ranges);
            let lines = art
                .spans
                .iter()
                .enumerate()
                .map(|(j, (r, t))| {
                    let f =
                        ctx.span_features(r.clone()).iter().map(|n| hash_name(n, mask)).collect();
                    let row = Row {
                        article: a,
                        range: r.clone(),
                        fast: Vec::new(),
                        evidence: evidence(&ctx, &ranges, &marked, j),
                        gold: t.index(),
                    };
                    (f, row)
                })
                .collect();
            (a, lines)
        })
        .collect();
    let fold_of: std::collections::HashMap<usize, usize> =
        folds(articles, k, seed).into_iter().collect();
    let per_fold: Vec<Vec<Row>> = (0..k.max(2))
        .into_par_iter()
        .map(|fold| {
            let train: Vec<(Vec<u32>, usize)> = prepared
                .iter()
                .filter(|(a, _)| fold_of[a] != fold)
                .flat_map(|(_, lines)| lines.iter().map(|(f, r)| (f.clone(), r.gold)))
                .collect();
            let m = classifier::train(&train, Technique::ALL.len(), cfg);
            prepared
                .iter()
                .filter(|(a, _)| fold_of[a] == fold)
                .flat_map(|(_, lines)| lines.iter())
                .map(|(f, r)| Row { fast: m.probabilities(f), ..r.clone() })
                .collect()
        })
        .collect();
    let mut rows: Vec<Row> = per_fold.into_iter().flatten().collect();
    rows.sort_by_key(|r| (r.article, r.range.start, r.range.end, r.gold));
    rows
}

/// Fits a [`Linear`] to `(inputs, class)` rows with L2 penalty `l2` on the weights; the
/// first [`Technique::ALL`]`.len()` inputs are the base model's log-probabilities.
pub fn fit_linear(names: &[String], xs: &[Vec<f32>], ys: &[usize], l2: f32) -> Linear {
    let (n, d, k) = (xs.len(), names.len(), Technique::ALL.len());
    let (mean, scale) = standardisation(xs, d);
    let mut model = Linear {
        inputs: names.to_vec(),
        mean,
        scale,
        weights: vec![vec![0.0; d]; k],
        bias: vec![0.0; k],
        own: 1.0,
    };
    let zs: Vec<Vec<f32>> = xs
        .iter()
        .map(|x| {
            x.iter().zip(&model.mean).zip(&model.scale).map(|((v, m), s)| (v - m) / s).collect()
        })
        .collect();
    let mut adam = Adam::new(k * d + k + 1);
    for _ in 0..500 {
        let mut grad = vec![0f32; k * d + k + 1];
        for ((z, x), &y) in zs.iter().zip(xs).zip(ys) {
            let p = softmax(
                (0..k)
                    .map(|c| {
                        let w = &model.weights[c];
                        model.bias[c]
                            + model.own * x[c]
                            + w.iter().zip(z).map(|(a, v)| a * v).sum::<f32>()
                    })
                    .collect(),
            );
            for (c, pc) in p.iter().enumerate() {
                let g = (pc - (c == y) as u8 as f32) / n as f32;
                for (gw, zv) in grad[c * d..(c + 1) * d].iter_mut().zip(z) {
                    *gw += g * zv;
                }
                grad[k * d + c] += g;
                grad[k * d + k] += g * x[c];
            }
        }
        for c in 0..k {
            for j in 0..d {
                grad[c * d + j] += l2 * model.weights[c][j];
            }
        }
        let step = adam.step(&grad, 0.02);
        for c in 0..k {
            for j in 0..d {
                model.weights[c][j] -= step[c * d + j];
            }
            model.bias[c] -= step[k * d + c];
        }
        model.own -= step[k * d + k];
    }
    model
}

/// Mean and standard deviation (1 where it is 0) of each of the `d` inputs.
fn standardisation(xs: &[Vec<f32>], d: usize) -> (Vec<f32>, Vec<f32>) {
    let n = xs.len().max(1) as f32;
    let mut mean = vec![0f32; d];
    let mut scale = vec![0f32; d];
    for x in xs {
        for (m, v) in mean.iter_mut().zip(x) {
            *m += v / n;
        }
    }
    for x in xs {
        for ((s, v), m) in scale.iter_mut().zip(x).zip(&mean) {
            *s += (v - m) * (v - m) / n;
        }
    }
    for s in scale.iter_mut() {
        *s = if *s > 1e-12 { s.sqrt() } else { 1.0 };
    }
    (mean, scale)
}

/// Adam's moment estimates.
struct Adam {
    m: Vec<f32>,
    v: Vec<f32>,
    t: i32,
}

impl Adam {
    fn new(n: usize) -> Adam {
        Adam { m: vec![0.0; n], v: vec![0.0; n], t: 0 }
    }

    /// How many parameters it steps.
    fn len(&self) -> usize {
        self.m.len()
    }

    /// The step to subtract for gradient `g` at learning rate `lr`.
    fn step(&mut self, g: &[f32], lr: f32) -> Vec<f32> {
        self.t += 1;
        let (b1, b2) = (0.9f32, 0.999f32);
        let (c1, c2) = (1.0 - b1.powi(self.t), 1.0 - b2.powi(self.t));
        g.iter()
            .zip(self.m.iter_mut().zip(self.v.iter_mut()))
            .map(|(&gi, (m, v))| {
                *m = b1 * *m + (1.0 - b1) * gi;
                *v = b2 * *v + (1.0 - b2) * gi * gi;
                lr * (*m / c1) / ((*v / c2).sqrt() + 1e-8)
            })
            .collect()
    }
}

/// The official TC measure on rows: the lines of one span get its most likely distinct
/// techniques, as many as it has lines; micro-F1 (= precision = recall) and F1 per
/// technique.
#[derive(Clone, Debug, Serialize)]
pub struct TcFigures {
    /// Micro-averaged F1.
    pub micro: f64,
    /// F1 of each technique, in technique order.
    pub per_technique: Vec<f64>,
    /// Mean log-loss of the gold technique.
    pub log_loss: f64,
}

/// Scores probabilities `probs` (one per row) against the rows' gold techniques.
pub fn tc_figures(rows: &[Row], probs: &[Vec<f32>]) -> TcFigures {
    let k = Technique::ALL.len();
    let (mut tp, mut pred, mut gold) = (vec![0usize; k], vec![0usize; k], vec![0usize; k]);
    let mut i = 0;
    while i < rows.len() {
        let j = (i..rows.len())
            .find(|&j| rows[j].article != rows[i].article || rows[j].range != rows[i].range)
            .unwrap_or(rows.len());
        let p = &probs[i];
        let mut order: Vec<usize> = (0..k).collect();
        order.sort_by(|&a, &b| p[b].total_cmp(&p[a]).then(a.cmp(&b)));
        let mut golds: Vec<usize> = rows[i..j].iter().map(|r| r.gold).collect();
        for &c in order.iter().take(j - i) {
            pred[c] += 1;
            if let Some(pos) = golds.iter().position(|&g| g == c) {
                tp[c] += 1;
                golds.swap_remove(pos);
            }
        }
        for r in &rows[i..j] {
            gold[r.gold] += 1;
        }
        i = j;
    }
    let f1 = |t: usize, p: usize, g: usize| {
        if p + g == 0 {
            0.0
        } else {
            2.0 * t as f64 / (p + g) as f64
        }
    };
    let log_loss =
        rows.iter().zip(probs).map(|(r, p)| -(p[r.gold].max(FLOOR) as f64).ln()).sum::<f64>()
            / rows.len().max(1) as f64;
    TcFigures {
        micro: f1(tp.iter().sum(), pred.iter().sum(), gold.iter().sum()),
        per_technique: (0..k).map(|c| f1(tp[c], pred[c], gold[c])).collect(),
        log_loss,
    }
}

/// Out-of-fold probabilities of `rows` for each penalty in `l2s`: rows dealt into `k`
/// folds by article, each fold's probabilities from a stage fitted on the others.
pub fn cross_validate(
    names: &[String],
    rows: &[Row],
    l2s: &[f32],
    k: usize,
    seed: u64,
) -> Vec<Vec<Vec<f32>>> {
    let articles: Vec<usize> = {
        let mut a: Vec<usize> = rows.iter().map(|r| r.article).collect();
        a.dedup();
        a
    };
    let fold_of: std::collections::HashMap<usize, usize> =
        folds(&articles, k, seed).into_iter().collect();
    let xs: Vec<Vec<f32>> = rows.iter().map(Row::inputs).collect();
    let jobs: Vec<(usize, usize)> =
        (0..l2s.len()).flat_map(|l| (0..k.max(2)).map(move |f| (l, f))).collect();
    let fitted: Vec<(usize, usize, Linear)> = jobs
        .par_iter()
        .map(|&(l, fold)| {
            let train: Vec<usize> =
                (0..rows.len()).filter(|&i| fold_of[&rows[i].article] != fold).collect();
            let tx: Vec<Vec<f32>> = train.iter().map(|&i| xs[i].clone()).collect();
            let ty: Vec<usize> = train.iter().map(|&i| rows[i].gold).collect();
            (l, fold, fit_linear(names, &tx, &ty, l2s[l]))
        })
        .collect();
    let mut out = vec![vec![Vec::new(); rows.len()]; l2s.len()];
    for (l, fold, m) in &fitted {
        for (i, r) in rows.iter().enumerate() {
            if fold_of[&r.article] == *fold {
                out[*l][i] = softmax(m.logits(&xs[i]));
            }
        }
    }
    out
}

/// A row of the neural stage: first-stage logits, neural probabilities, gold.
#[derive(Clone, Debug)]
pub struct NeuralRow {
    /// First-stage logits.
    pub first: Vec<f32>,
    /// Neural technique probabilities.
    pub neural: Vec<f32>,
    /// The span's [`article_context`](super::article_context) from the neural
    /// probabilities of its article's other spans.
    pub context: Vec<f32>,
    /// Gold technique index.
    pub gold: usize,
}

/// Sets each neural row's article context from the rows' neural probabilities; `rows`
/// are the same lines, which say each one's article and span.
pub fn set_context(rows: &[Row], nrows: &mut [NeuralRow]) {
    let mut by_article: std::collections::HashMap<usize, Vec<usize>> = Default::default();
    for (i, r) in rows.iter().enumerate() {
        by_article.entry(r.article).or_default().push(i);
    }
    for lines in by_article.values() {
        let ranges: Vec<Range<usize>> = lines.iter().map(|&i| rows[i].range.clone()).collect();
        let probs: Vec<Vec<f32>> = lines.iter().map(|&i| nrows[i].neural.clone()).collect();
        for (&i, c) in lines.iter().zip(super::article_context(&ranges, &probs)) {
            nrows[i].context = c;
        }
    }
}

/// Penalties of the neural stage's kinds of weight (infinite: that kind is left out).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StagePenalty {
    /// On the per-technique biases.
    pub bias: f32,
    /// On the per-technique deviations of the two shared weights.
    pub class: f32,
    /// On the cross weights (every technique's neural log-probability in every score).
    pub cross: f32,
    /// On the article-context weights.
    pub context: f32,
}

impl std::fmt::Display for StagePenalty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} / {} / {}", self.bias, self.class, self.cross)?;
        match self.context.is_finite() {
            true => write!(f, " / context {}", self.context),
            false => Ok(()),
        }
    }
}

/// Fits the neural stage to `rows` with penalties `pen`: full-batch Adam on the mean
/// log-loss, 800 steps.
pub fn fit_neural_stage(rows: &[NeuralRow], pen: StagePenalty) -> NeuralStage {
    let k = Technique::ALL.len();
    let (per_class, cross) = (pen.class.is_finite(), pen.cross.is_finite());
    let context = pen.context.is_finite();
    let mut st = NeuralStage {
        stacked: 0.5,
        neural: 0.5,
        stacked_class: vec![0.0; k],
        neural_class: vec![0.0; k],
        bias: vec![0.0; k],
        partner: 0.0,
        cross: if cross { vec![vec![0.0; k]; k] } else { Vec::new() },
        context: if context { vec![0.0; super::CONTEXT_BLOCKS * k] } else { Vec::new() },
    };
    let ln: Vec<Vec<f32>> =
        rows.iter().map(|r| r.neural.iter().map(|p| p.max(FLOOR).ln()).collect()).collect();
    // Gradient layout: stacked, neural, biases, stacked deviations, neural deviations,
    // the cross weights row by row, then the context weights.
    let base = 3 * k + 2;
    let around = base + st.cross.len() * k;
    let mut adam = Adam::new(around + st.context.len());
    let n = rows.len().max(1) as f32;
    for _ in 0..800 {
        let mut grad = vec![0f32; adam.len()];
        for (r, ln_n) in rows.iter().zip(&ln) {
            let p = st.probabilities_ln(&r.first, ln_n, &r.context);
            for c in 0..k {
                let g = (p[c] - (c == r.gold) as u8 as f32) / n;
                grad[0] += g * r.first[c];
                grad[1] += g * ln_n[c];
                grad[2 + c] += g;
                grad[2 + k + c] += g * r.first[c];
                grad[2 + 2 * k + c] += g * ln_n[c];
                if cross {
                    for (gj, l) in grad[base + c * k..base + (c + 1) * k].iter_mut().zip(ln_n) {
                        *gj += g * l;
                    }
                }
                if context {
                    for b in 0..super::CONTEXT_BLOCKS {
                        grad[around + b * k + c] += g * r.context[b * k + c];
                    }
                }
            }
        }
        for c in 0..k {
            grad[2 + c] += pen.bias * st.bias[c];
            if per_class {
                grad[2 + k + c] += pen.class * st.stacked_class[c];
                grad[2 + 2 * k + c] += pen.class * st.neural_class[c];
            }
            for j in 0..st.cross.get(c).map_or(0, Vec::len) {
                grad[base + c * k + j] += pen.cross * st.cross[c][j];
            }
        }
        for (g, w) in grad[around..].iter_mut().zip(&st.context) {
            *g += pen.context * w;
        }
        let step = adam.step(&grad, 0.02);
        st.stacked -= step[0];
        st.neural -= step[1];
        for c in 0..k {
            st.bias[c] -= step[2 + c];
            if per_class {
                st.stacked_class[c] -= step[2 + k + c];
                st.neural_class[c] -= step[2 + 2 * k + c];
            }
            for j in 0..st.cross.get(c).map_or(0, Vec::len) {
                st.cross[c][j] -= step[base + c * k + j];
            }
        }
        for (w, s) in st.context.iter_mut().zip(&step[around..]) {
            *w -= s;
        }
    }
    st
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_stage_learns_a_separable_rule_and_scores_multi_label_spans() {
        // Uninformative base log-probabilities, then one input that decides.
        let names: Vec<String> = (0..15).map(|i| format!("x{i}")).collect();
        let input = |v: f32| -> Vec<f32> { std::iter::repeat_n(0.0, 14).chain([v]).collect() };
        let xs: Vec<Vec<f32>> = (0..200).map(|i| input((i % 2) as f32)).collect();
        let ys: Vec<usize> = (0..200).map(|i| if i % 2 == 0 { 3 } else { 7 }).collect();
        let m = fit_linear(&names, &xs, &ys, 1e-3);
        let p0 = softmax(m.logits(&input(0.0)));
        let p1 = softmax(m.logits(&input(1.0)));
        assert!(p0[3] > 0.9 && p1[7] > 0.9, "{p0:?} {p1:?}");
        // One span with two gold lines: its two most likely techniques are scored.
        let row = |gold| Row { article: 0, range: 0..4, fast: vec![], evidence: vec![], gold };
        let rows = vec![row(3), row(7)];
        let mut p = vec![0.0f32; 14];
        p[7] = 0.6;
        p[3] = 0.3;
        let f = tc_figures(&rows, &[p.clone(), p]);
        assert!((f.micro - 1.0).abs() < 1e-9, "{f:?}");
    }

    #[test]
    fn cross_weights_learn_a_confusion_the_shared_weights_cannot() {
        // The network always puts its mass one technique too far: gold c, neural c + 1.
        let k = Technique::ALL.len();
        let rows: Vec<NeuralRow> = (0..280)
            .map(|i| {
                let gold = i % (k - 1);
                let mut neural = vec![0.02f32; k];
                neural[gold + 1] = 0.74;
                NeuralRow { first: vec![0.0; k], neural, context: vec![], gold }
            })
            .collect();
        let accuracy = |st: &NeuralStage| {
            let right = rows.iter().filter(|r| {
                let p = st.probabilities(&r.first, &r.neural, &r.context);
                (0..k).max_by(|&a, &b| p[a].total_cmp(&p[b])) == Some(r.gold)
            });
            right.count() as f64 / rows.len() as f64
        };
        let inf = f32::INFINITY;
        let pen = |cross| StagePenalty { bias: 0.1, class: inf, cross, context: inf };
        let shared = fit_neural_stage(&rows, pen(inf));
        let cross = fit_neural_stage(&rows, pen(1e-3));
        assert!(shared.cross.is_empty() && cross.cross.len() == k);
        assert!(accuracy(&shared) < 0.2, "{}", accuracy(&shared));
        assert_eq!(accuracy(&cross), 1.0);
        // Written without the field, a stage reads as having no cross weights.
        let json = serde_json::to_value(&shared).unwrap();
        assert!(json.get("cross").is_none());
    }

    #[test]
    fn context_weights_read_what_the_rest_of_the_article_does() {
        // Every span of an article has the article's technique; the network puts the most
        // on a wrong one for half of them, but the other spans together lean to the right.
        let k = Technique::ALL.len();
        let (mut rows, mut nrows) = (Vec::new(), Vec::new());
        for a in 0..60 {
            let gold = a % 3;
            for s in 0..4 {
                rows.push(Row {
                    article: a,
                    range: s * 10..s * 10 + 5,
                    fast: vec![],
                    evidence: vec![],
                    gold,
                });
                let mut neural = vec![0.9 / (k - 1) as f32; k];
                neural[(gold + s) % 3] += 0.3;
                neural[gold] += 0.15;
                let z: f32 = neural.iter().sum();
                neural.iter_mut().for_each(|p| *p /= z);
                nrows.push(NeuralRow { first: vec![0.0; k], neural, context: vec![], gold });
            }
        }
        set_context(&rows, &mut nrows);
        assert!(nrows.iter().all(|r| r.context.len() == super::super::CONTEXT_BLOCKS * k));
        let right = |st: &NeuralStage| {
            let ok = nrows.iter().filter(|r| {
                let p = st.probabilities(&r.first, &r.neural, &r.context);
                (0..k).max_by(|&a, &b| p[a].total_cmp(&p[b])) == Some(r.gold)
            });
            ok.count()
        };
        let inf = f32::INFINITY;
        let pen = |context| StagePenalty { bias: 0.1, class: inf, cross: inf, context };
        let without = fit_neural_stage(&nrows, pen(inf));
        let with = fit_neural_stage(&nrows, pen(1e-3));
        assert!(without.context.is_empty() && with.context.len() == nrows[0].context.len());
        assert!(right(&with) > right(&without), "{} {}", right(&with), right(&without));
        assert_eq!(right(&with), nrows.len());
    }
}
