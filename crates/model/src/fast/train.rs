//! Training the fast model on PTC, deterministically.
//!
//! 1. Every article of the split becomes token features and BIO tags (gold spans merged).
//! 2. A seeded shuffle holds out `tune_fraction` of the articles. A tagger trained on the
//!    rest picks the decoding bias that maximises the official SI F1 on the held-out
//!    part, and a Platt calibration of span confidence on it.
//! 3. The final tagger and the classifier train on the whole split; bias and calibration
//!    carry over in units of the tagger's typical margin.
//!
//! Nothing outside the split is read.

use std::ops::Range;

use unspin_eval::labels::SiSpan;
use unspin_eval::si;

use super::classifier::{self, ClassifierConfig};
use super::features::{hash_name, ArticleContext};
use super::tagger::{Sequence, Tagger, TaggerTrainer, B, I, O};
use super::{Calibration, FastModel, ModelMeta};
use crate::ptc::Corpus;
use crate::{Error, Technique};

/// Training settings; the defaults are the committed model's.
#[derive(Clone, Debug)]
pub struct TrainConfig {
    /// Seed for every shuffle.
    pub seed: u64,
    /// Tagger feature hash bits.
    pub si_bits: u8,
    /// Tagger passes.
    pub si_epochs: usize,
    /// Classifier settings.
    pub tc: ClassifierConfig,
    /// Share of the training articles held out for tuning the decoding bias.
    pub tune_fraction: f64,
    /// Tagger feature templates turned off (bit per template; ablation studies only).
    pub si_disabled_templates: u64,
    /// Classifier feature name prefixes dropped in cross-validation (ablation studies).
    pub tc_ablate: Vec<String>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            seed: 13,
            si_bits: 20,
            si_epochs: 8,
            tc: ClassifierConfig { bits: 18, epochs: 15, learning_rate: 0.03, l2: 1e-4, seed: 13 },
            tune_fraction: 0.15,
            si_disabled_templates: 0,
            tc_ablate: Vec::new(),
        }
    }
}

impl TrainConfig {
    fn settings(&self) -> Vec<(String, String)> {
        [
            ("seed", self.seed.to_string()),
            ("si_bits", self.si_bits.to_string()),
            ("si_epochs", self.si_epochs.to_string()),
            ("tc_bits", self.tc.bits.to_string()),
            ("tc_epochs", self.tc.epochs.to_string()),
            ("tc_learning_rate", self.tc.learning_rate.to_string()),
            ("tc_l2", self.tc.l2.to_string()),
            ("tune_fraction", self.tune_fraction.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }
}

/// The gold SI spans of an article: its technique spans with overlaps merged, as the
/// official SI labels are made.
pub fn merged(spans: &[(Range<usize>, Technique)]) -> Vec<Range<usize>> {
    let v = si::merge(spans.iter().map(|(r, _)| (r.start, r.end)).collect());
    v.into_iter().map(|(s, e)| s..e).collect()
}

/// The merged gold SI spans of the articles `arts`, each with its article index as id.
pub(crate) fn gold_si(corpus: &Corpus, arts: &[usize]) -> Vec<SiSpan> {
    arts.iter()
        .flat_map(|&a| {
            merged(&corpus.articles[a].spans).into_iter().map(move |r| SiSpan {
                id: a.to_string(),
                start: r.start,
                end: r.end,
            })
        })
        .collect()
}

/// Each article's sentence sequences (token features and BIO tags).
pub(crate) fn prepare(corpus: &Corpus, bits: u8, disabled: u64) -> Vec<Vec<Sequence>> {
    let mask = (1u64 << bits) - 1;
    corpus
        .articles
        .iter()
        .map(|a| {
            let ctx = ArticleContext::new(&a.doc.text).with_disabled_templates(disabled);
            let gold = merged(&a.spans);
            ctx.sentences
                .iter()
                .map(|s| {
                    let mut seq = Sequence::default();
                    for i in s.clone() {
                        ctx.token_features(i, mask, &mut seq.feats);
                        seq.ends.push(seq.feats.len() as u32);
                    }
                    seq.gold = bio_tags(&ctx.tokens[s.clone()], &gold);
                    seq
                })
                .collect()
        })
        .collect()
}

/// The gold O/B/I tag of each of `tokens` (one sentence's, in order) under the merged
/// gold spans `gold`: B where a span starts or the token enters another span.
pub fn bio_tags(tokens: &[unspin_text::segment::Token], gold: &[Range<usize>]) -> Vec<u8> {
    let mut prev = None;
    tokens
        .iter()
        .map(|t| {
            let hit = gold.iter().position(|g| t.start < g.end && t.end > g.start);
            let tag = match hit {
                None => O,
                Some(k) if prev == Some(k) => I,
                Some(_) => B,
            };
            prev = hit;
            tag
        })
        .collect()
}

pub(crate) fn train_tagger(
    seqs: &[&Sequence],
    cfg: &TrainConfig,
    log: &mut dyn FnMut(String),
    what: &str,
) -> Tagger {
    let mut trainer = TaggerTrainer::new(cfg.si_bits);
    let mut rng = fastrand::Rng::with_seed(cfg.seed);
    let mut order: Vec<usize> = (0..seqs.len()).collect();
    let tokens: usize = seqs.iter().map(|s| s.len()).sum();
    for epoch in 1..=cfg.si_epochs {
        rng.shuffle(&mut order);
        let errors = trainer.epoch(seqs, &order);
        log(format!(
            "{what}: epoch {epoch}/{}: {errors} token errors of {tokens} ({:.2}%)",
            cfg.si_epochs,
            100.0 * errors as f64 / tokens.max(1) as f64
        ));
    }
    trainer.finish()
}

/// Token margins (best span tag − O) of `tagger` on `seqs`, without bias.
fn margins(tagger: &Tagger, seqs: &[&Sequence]) -> Vec<f32> {
    let mut t = tagger.clone();
    t.o_bias = 0.0;
    seqs.iter()
        .flat_map(|s| t.emissions(s))
        .map(|e| e[B as usize].max(e[I as usize]) - e[O as usize])
        .collect()
}

pub(crate) fn median_abs(v: &[f32]) -> f32 {
    let mut a: Vec<f32> = v.iter().map(|x| x.abs()).collect();
    if a.is_empty() {
        return 1.0;
    }
    a.sort_by(f32::total_cmp);
    a[a.len() / 2].max(1e-3)
}

/// Predicted spans (token runs) of `seqs` for one article, as `(token range, margin)`.
fn tagged_spans(tagger: &Tagger, seqs: &[Sequence]) -> Vec<(usize, Range<usize>, f32)> {
    let mut out = Vec::new();
    for (k, s) in seqs.iter().enumerate() {
        let em = tagger.emissions(s);
        let tags = tagger.decode(&em);
        for (a, b) in super::runs(&tags) {
            out.push((k, a..b, span_margin(&em[a..b])));
        }
    }
    out
}

/// The mean token margin (best span tag over O) of a decoded span's scores.
pub(crate) fn span_margin(em: &[[f32; 3]]) -> f32 {
    let sum: f32 = em.iter().map(|e| e[B as usize].max(e[I as usize]) - e[O as usize]).sum();
    sum / em.len().max(1) as f32
}

/// The index of the largest probability.
fn argmax(p: &[f32]) -> Option<usize> {
    (0..p.len()).max_by(|&i, &j| p[i].total_cmp(&p[j]))
}

/// The spans `tagger` finds in the held-out articles `tune` (byte offsets), and for each
/// its margin with the share of it the gold spans cover (the calibration's targets).
fn heldout_spans(
    corpus: &Corpus,
    seqs: &[Vec<Sequence>],
    tune: &[usize],
    tagger: &Tagger,
) -> (Vec<SiSpan>, Vec<(f32, f32)>) {
    let mut pred = Vec::new();
    let mut margin_target = Vec::new();
    for &a in tune {
        let art = &corpus.articles[a];
        let ctx = ArticleContext::new(&art.doc.text);
        let g = merged(&art.spans);
        for (k, toks, m) in tagged_spans(tagger, &seqs[a]) {
            let s = &ctx.sentences[k];
            let range = unspin_text::segment::trim_span(
                &art.doc.text,
                ctx.tokens[s.start + toks.start].start..ctx.tokens[s.start + toks.end - 1].end,
            );
            if range.is_empty() {
                continue;
            }
            let covered: usize = g
                .iter()
                .map(|x| x.end.min(range.end).saturating_sub(x.start.max(range.start)))
                .sum();
            margin_target.push((m, covered as f32 / range.len() as f32));
            pred.push(SiSpan { id: a.to_string(), start: range.start, end: range.end });
        }
    }
    (pred, margin_target)
}

/// The TC examples of the articles `arts`: each gold span's hashed features and technique.
pub fn tc_examples(corpus: &Corpus, arts: &[usize], bits: u8) -> Vec<(Vec<u32>, usize)> {
    let mask = (1u64 << bits) - 1;
    arts.iter()
        .flat_map(|&a| {
            let art = &corpus.articles[a];
            let ctx = ArticleContext::new(&art.doc.text);
            art.spans
                .iter()
                .map(|(r, t)| {
                    let f = ctx.span_features(r.clone());
                    (f.iter().map(|n| hash_name(n, mask)).collect(), t.index())
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Trains the fast model on `corpus`, logging progress through `log`.
pub fn train(
    corpus: &Corpus,
    split: &str,
    cfg: &TrainConfig,
    log: &mut dyn FnMut(String),
) -> Result<FastModel, Error> {
    if corpus.articles.len() < 4 {
        return Err(Error::Data(format!(
            "need at least 4 articles, got {}",
            corpus.articles.len()
        )));
    }
    log(format!("preparing features for {} articles", corpus.articles.len()));
    let seqs = prepare(corpus, cfg.si_bits, cfg.si_disabled_templates);

    // Held-out part of the training split, for tuning only.
    let mut ids: Vec<usize> = (0..corpus.articles.len()).collect();
    fastrand::Rng::with_seed(cfg.seed ^ 0x5EED).shuffle(&mut ids);
    let n_tune = ((ids.len() as f64 * cfg.tune_fraction).round() as usize).clamp(1, ids.len() - 1);
    let (tune, inner) = ids.split_at(n_tune);
    let inner_seqs: Vec<&Sequence> = inner.iter().flat_map(|&a| &seqs[a]).collect();
    let tune_seqs: Vec<&Sequence> = tune.iter().flat_map(|&a| &seqs[a]).collect();
    log(format!("tuning split: {} articles held out of {}", tune.len(), ids.len()));
    let t1 = train_tagger(&inner_seqs, cfg, log, "tagger (tuning)");
    let scale1 = median_abs(&margins(&t1, &tune_seqs));

    // Gold SI spans of the held-out articles (in byte offsets; the metric only needs
    // consistent units).
    let gold = gold_si(corpus, tune);
    let predict = |tagger: &Tagger| heldout_spans(corpus, &seqs, tune, tagger);
    let mut best = (f64::NEG_INFINITY, 0.0f32);
    let mut tuned = t1.clone();
    for step in -20..=20 {
        let k = step as f32 * 0.1;
        tuned.o_bias = k * scale1;
        let (pred, _) = predict(&tuned);
        let s = si::score(&gold, &pred);
        if s.f1 > best.0 {
            best = (s.f1, k);
        }
    }
    tuned.o_bias = best.1 * scale1;
    let (pred, margin_target) = predict(&tuned);
    let held = si::score(&gold, &pred);
    log(format!(
        "held-out SI (byte offsets): F1={:.4} P={:.4} R={:.4} with O bias {:.1}× margin scale",
        held.f1, held.precision, held.recall, best.1
    ));
    let (a, b) = platt(&margin_target.iter().map(|(m, y)| (m / scale1, *y)).collect::<Vec<_>>());
    log(format!("span confidence calibration: a={a:.3} b={b:.3}"));

    // Held-out TC check with a classifier trained on the inner part.
    let examples = |arts: &[usize]| tc_examples(corpus, arts, cfg.tc.bits);
    let tc_inner = classifier::train(&examples(inner), Technique::ALL.len(), &cfg.tc);
    let tune_ex = examples(tune);
    let right = tune_ex.iter().filter(|(f, y)| argmax(&tc_inner.probabilities(f)) == Some(*y));
    let held_tc = right.count() as f64 / tune_ex.len().max(1) as f64;
    log(format!("held-out TC accuracy (one label per line): {held_tc:.4}"));

    // Final models on the whole split.
    let all_seqs: Vec<&Sequence> = seqs.iter().flatten().collect();
    let mut tagger = train_tagger(&all_seqs, cfg, log, "tagger (final)");
    let scale = median_abs(&margins(&tagger, &tune_seqs));
    tagger.o_bias = best.1 * scale;
    let all: Vec<usize> = (0..corpus.articles.len()).collect();
    log("classifier (final)".to_string());
    let classifier = classifier::train(&examples(&all), Technique::ALL.len(), &cfg.tc);
    let meta = ModelMeta {
        unspin_version: env!("CARGO_PKG_VERSION").to_string(),
        techniques: Technique::ALL.iter().map(|t| t.name().to_string()).collect(),
        data_sha256: corpus.sha256.clone(),
        split: split.to_string(),
        settings: cfg.settings(),
        tuning: vec![
            ("heldout_articles".into(), tune.len().to_string()),
            ("heldout_si_f1".into(), format!("{:.4}", held.f1)),
            ("heldout_tc_accuracy".into(), format!("{held_tc:.4}")),
            ("o_bias_in_scale_units".into(), format!("{:.1}", best.1)),
        ],
    };
    Ok(FastModel { meta, tagger, calibration: Calibration { scale, a, b }, classifier })
}

/// Fits `p = sigmoid(a·x + b)` to soft targets by gradient descent on the log loss.
fn platt(data: &[(f32, f32)]) -> (f32, f32) {
    let (mut a, mut b) = (1.0f32, 0.0f32);
    if data.is_empty() {
        return (a, b);
    }
    let n = data.len() as f32;
    for _ in 0..2000 {
        let (mut ga, mut gb) = (0.0, 0.0);
        for &(x, y) in data {
            let p = 1.0 / (1.0 + (-(a * x + b)).exp());
            ga += (p - y) * x;
            gb += p - y;
        }
        a -= 0.5 * ga / n;
        b -= 0.5 * gb / n;
    }
    (a, b)
}

/// The `k` (at least 2) cross-validation folds over `n` articles: a shuffle seeded by
/// `seed`, dealt by position; each fold's held-out articles and the others, both in dealt
/// order. TC and SI cross-validation share it, so they hold out the same articles.
pub(crate) fn cv_folds(n: usize, seed: u64, k: usize) -> Vec<(Vec<usize>, Vec<usize>)> {
    let k = k.max(2);
    let mut ids: Vec<usize> = (0..n).collect();
    fastrand::Rng::with_seed(seed ^ 0xC0FF).shuffle(&mut ids);
    (0..k)
        .map(|fold| {
            let (held, rest): (Vec<(usize, usize)>, _) =
                ids.iter().copied().enumerate().partition(|(pos, _)| pos % k == fold);
            let strip = |v: Vec<(usize, usize)>| v.into_iter().map(|(_, a)| a).collect();
            (strip(held), strip(rest))
        })
        .collect()
}

/// TC accuracy (one label per gold line) by `k`-fold cross-validation over the articles
/// of `corpus`: a steadier signal than one held-out part for choosing classifier settings.
pub fn tc_cross_validate(corpus: &Corpus, cfg: &TrainConfig, k: usize) -> f64 {
    let mask = (1u64 << cfg.tc.bits) - 1;
    let per_article: Vec<Vec<(Vec<u32>, usize)>> = corpus
        .articles
        .iter()
        .map(|art| {
            let ctx = ArticleContext::new(&art.doc.text);
            art.spans
                .iter()
                .map(|(r, t)| {
                    let f = ctx.span_features(r.clone());
                    let kept = f.iter().filter(|n| {
                        let key = n.split('=').next().unwrap_or(n);
                        !cfg.tc_ablate.iter().any(|p| p == key)
                    });
                    (kept.map(|n| hash_name(n, mask)).collect(), t.index())
                })
                .collect()
        })
        .collect();
    let (mut right, mut total) = (0usize, 0usize);
    for (held, rest) in cv_folds(corpus.articles.len(), cfg.seed, k) {
        let lines = |arts: &[usize]| -> Vec<(Vec<u32>, usize)> {
            arts.iter().flat_map(|&a| per_article[a].iter().cloned()).collect()
        };
        let (tr, te) = (lines(&rest), lines(&held));
        let m = classifier::train(&tr, Technique::ALL.len(), &cfg.tc);
        for (f, y) in &te {
            let p = m.probabilities(f);
            right += ((0..p.len()).max_by(|&i, &j| p[i].total_cmp(&p[j])) == Some(*y)) as usize;
            total += 1;
        }
    }
    right as f64 / total.max(1) as f64
}
