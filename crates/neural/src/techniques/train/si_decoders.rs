//! Span decoders fitted on the held-out articles: the shipped hysteresis over the mixed
//! token probabilities ([`SiEnsemble`], [`HeldOutRun::fit_si_ensemble`]), and its
//! comparison with a BIO transition model over them ([`SiViterbi`]) by nested
//! cross-validation: in each fold both fit their settings on the other folds' articles (by
//! SI F1, the transition probabilities by counting their gold tags) and decode the fold's
//! articles; the folds' predictions are scored together and one by one.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;
use unspin_eval::labels::SiSpan;
use unspin_eval::si;
use unspin_model::fast::train::bio_tags;
use unspin_text::segment::trim_span;

use super::{HeldOutRun, SiFit};
use crate::techniques::ensemble::{
    token_scores, viterbi_spans, window_spans, ArticleScores, SiEnsemble, SiViterbi,
};
use crate::techniques::heads::TAG_O;

/// One decoder's cross-validated SI F1: all folds' predictions scored together, and
/// each fold's.
pub(super) struct DecoderCv {
    pub pooled: f64,
    pub folds: Vec<f64>,
}

impl DecoderCv {
    /// `pooled (folds mean ± sd)`.
    pub fn describe(&self) -> String {
        let (mean, sd) = unspin_eval::mean_sd(&self.folds);
        format!("{:.4} (folds {mean:.4} ± {sd:.4})", self.pooled)
    }
}

/// What the decoders read of the held-out articles, computed once.
pub(super) struct Inputs<'a> {
    scores: HashMap<usize, ArticleScores<'a>>,
    /// Per example: the network's in-span probability per piece (hysteresis) and its
    /// token scores (transition model).
    pieces: HashMap<usize, Vec<f32>>,
    tokens: HashMap<usize, Vec<(usize, f32, f32)>>,
}

/// Every hysteresis setting tried: weight 0–1 by 0.1, threshold and seed ≥ threshold
/// 0.10–0.90 by 0.05 (1,683 settings).
fn hysteresis_grid() -> Vec<SiEnsemble> {
    let mut grid = Vec::new();
    for m in 0..=10 {
        for t in 2..=18 {
            for seed in t..=18 {
                let (mix, threshold) = (m as f32 / 10.0, t as f32 / 20.0);
                grid.push(SiEnsemble { mix, threshold, seed: seed as f32 / 20.0 });
            }
        }
    }
    grid
}

/// The first setting of `scored` (in grid order) with the highest F1 among those `keep`
/// accepts, and its F1.
fn first_best(
    scored: &[(SiEnsemble, f64)],
    keep: impl Fn(&SiEnsemble) -> bool,
) -> (SiEnsemble, f64) {
    let start = (SiEnsemble { mix: 1.0, threshold: 0.5, seed: 0.5 }, -1.0);
    scored
        .iter()
        .filter(|(e, _)| keep(e))
        .fold(start, |best, &(e, f)| if f > best.1 { (e, f) } else { best })
}

impl HeldOutRun<'_> {
    /// The fast model's scores of every held-out article and the network's of every
    /// held-out window.
    pub(super) fn inputs(&self) -> Inputs<'_> {
        let scores: HashMap<usize, ArticleScores<'_>> = self
            .ho
            .articles
            .iter()
            .map(|&a| (a, ArticleScores::new(self.texts[a], self.fast[&a])))
            .collect();
        let mut pieces = HashMap::new();
        let mut tokens = HashMap::new();
        for &i in &self.ho.ex {
            let logp = &self.preds.logp[i];
            pieces.insert(i, logp.iter().map(|l| 1.0 - l[TAG_O].exp()).collect());
            let ex = &self.exs[i];
            tokens.insert(i, token_scores(&scores[&ex.article], &ex.window, logp));
        }
        Inputs { scores, pieces, tokens }
    }

    /// Span identification mixing the network's token probabilities with the fast
    /// model's: every setting of the grid scored by SI F1 over all held-out articles; the
    /// first best in grid order wins.
    pub(super) fn fit_si_ensemble(&self, inp: &Inputs<'_>) -> SiFit {
        let all: HashSet<usize> = self.ho.articles.iter().copied().collect();
        let scored = self.score_hysteresis(inp, &all);
        SiFit {
            best: first_best(&scored, |_| true),
            plain: first_best(&scored, |e| e.seed == e.threshold),
            fast_only: first_best(&scored, |e| e.mix == 0.0 && e.seed == e.threshold).1,
        }
    }

    /// Hysteresis against the transition model, by `k`-fold nested cross-validation over
    /// the held-out articles (dealt as the stacker deals its folds): (hysteresis,
    /// transition model).
    pub(super) fn compare_si_decoders(&self, inp: &Inputs<'_>, k: usize) -> (DecoderCv, DecoderCv) {
        let dealt = unspin_model::stack::train::folds(&self.ho.articles, k, 13);
        let (mut hyst, mut trans) = (Vec::new(), Vec::new());
        let (mut hyst_folds, mut trans_folds) = (Vec::new(), Vec::new());
        for fold in 0..k.max(2) {
            let (test, train): (HashSet<usize>, HashSet<usize>) = (
                dealt.iter().filter(|d| d.1 == fold).map(|d| d.0).collect(),
                dealt.iter().filter(|d| d.1 != fold).map(|d| d.0).collect(),
            );
            let gold = self.gold_of(&test);
            let e = self.best_hysteresis(inp, &train);
            let h = self.hysteresis_spans(inp, &test, e);
            hyst_folds.push(si::score(&gold, &h).f1);
            hyst.extend(h);
            let v = self.best_viterbi(inp, &train);
            let t = self.viterbi_spans(inp, &test, &v);
            trans_folds.push(si::score(&gold, &t).f1);
            trans.extend(t);
        }
        let gold = &self.ho.gold_si;
        (
            DecoderCv { pooled: si::score(gold, &hyst).f1, folds: hyst_folds },
            DecoderCv { pooled: si::score(gold, &trans).f1, folds: trans_folds },
        )
    }

    /// The first best hysteresis setting on the articles `arts`.
    pub(super) fn best_hysteresis(&self, inp: &Inputs<'_>, arts: &HashSet<usize>) -> SiEnsemble {
        first_best(&self.score_hysteresis(inp, arts), |_| true).0
    }

    /// SI F1 of hysteresis setting `e` on the articles `arts`.
    pub(super) fn hysteresis_f1(
        &self,
        inp: &Inputs<'_>,
        arts: &HashSet<usize>,
        e: SiEnsemble,
    ) -> f64 {
        si::score(&self.gold_of(arts), &self.hysteresis_spans(inp, arts, e)).f1
    }

    /// The gold spans of the articles `arts`.
    fn gold_of(&self, arts: &HashSet<usize>) -> Vec<SiSpan> {
        let ids: HashSet<String> = arts.iter().map(usize::to_string).collect();
        self.ho.gold_si.iter().filter(|g| ids.contains(&g.id)).cloned().collect()
    }

    /// Every grid setting with its SI F1 on the articles `arts`.
    fn score_hysteresis(&self, inp: &Inputs<'_>, arts: &HashSet<usize>) -> Vec<(SiEnsemble, f64)> {
        let gold = self.gold_of(arts);
        hysteresis_grid()
            .into_par_iter()
            .map(|e| (e, si::score(&gold, &self.hysteresis_spans(inp, arts, e)).f1))
            .collect()
    }

    /// Trimmed byte spans as SI spans of their article.
    fn as_si(&self, article: usize, spans: Vec<(std::ops::Range<usize>, f32)>) -> Vec<SiSpan> {
        spans
            .into_iter()
            .map(|(r, _)| trim_span(self.texts[article], r))
            .filter(|r| !r.is_empty())
            .map(|r| SiSpan { id: article.to_string(), start: r.start, end: r.end })
            .collect()
    }

    fn hysteresis_spans(
        &self,
        inp: &Inputs<'_>,
        arts: &HashSet<usize>,
        e: SiEnsemble,
    ) -> Vec<SiSpan> {
        let mut out = Vec::new();
        for &i in self.ho.ex.iter().filter(|&&i| arts.contains(&self.exs[i].article)) {
            let ex = &self.exs[i];
            let s = window_spans(&inp.scores[&ex.article], &ex.window, &inp.pieces[&i], e);
            out.extend(self.as_si(ex.article, s));
        }
        out
    }

    fn viterbi_spans(&self, inp: &Inputs<'_>, arts: &HashSet<usize>, v: &SiViterbi) -> Vec<SiSpan> {
        let mut out = Vec::new();
        for &i in self.ho.ex.iter().filter(|&&i| arts.contains(&self.exs[i].article)) {
            let a = self.exs[i].article;
            out.extend(self.as_si(a, viterbi_spans(&inp.scores[&a], &inp.tokens[&i], v)));
        }
        out
    }

    /// The transition model counted on the gold tags of `arts`, with the weight, O bias
    /// and seed of the best SI F1 there.
    fn best_viterbi(&self, inp: &Inputs<'_>, arts: &HashSet<usize>) -> SiViterbi {
        let gold = self.gold_of(arts);
        let tags: Vec<Vec<u8>> =
            arts.iter().flat_map(|&a| gold_tags(&inp.scores[&a], &gold, a)).collect();
        let trans = SiViterbi::transitions(tags.iter().map(Vec::as_slice));
        let mut best = (SiViterbi { mix: 1.0, o_bias: 0.0, seed: 0.0, trans }, -1.0);
        for m in 0..=10 {
            for b in -12..=12 {
                for seed in (0..=18).step_by(3) {
                    let (mix, o_bias, seed) =
                        (m as f32 / 10.0, b as f32 * 0.25, seed as f32 / 20.0);
                    let v = SiViterbi { mix, o_bias, seed, trans };
                    let f = si::score(&gold, &self.viterbi_spans(inp, arts, &v)).f1;
                    if f > best.1 {
                        best = (v, f);
                    }
                }
            }
        }
        best.0
    }
}

/// The gold O/B/I tag of every token of each sentence of `article`.
fn gold_tags(a: &ArticleScores<'_>, gold: &[SiSpan], article: usize) -> Vec<Vec<u8>> {
    let id = article.to_string();
    let spans: Vec<std::ops::Range<usize>> =
        gold.iter().filter(|g| g.id == id).map(|g| g.start..g.end).collect();
    a.ctx.sentences.iter().map(|s| bio_tags(&a.ctx.tokens[s.clone()], &spans)).collect()
}
