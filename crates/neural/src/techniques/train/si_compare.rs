//! The two span decoders compared by nested cross-validation over the held-out articles:
//! hysteresis over the mixed token probabilities ([`SiEnsemble`]) and a BIO transition
//! model over them ([`SiViterbi`]). In each fold both fit their settings on the other
//! folds' articles (by SI F1, the transition probabilities by counting their gold tags)
//! and decode the fold's articles; the folds' predictions are scored together and one by one.

use std::collections::{HashMap, HashSet};

use unspin_eval::labels::SiSpan;
use unspin_eval::si;
use unspin_model::fast::train::bio_tags;
use unspin_text::segment::trim_span;

use super::HeldOutRun;
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
    /// `pooled (mean ± sd over folds)`.
    pub fn describe(&self) -> String {
        let n = self.folds.len().max(1) as f64;
        let mean = self.folds.iter().sum::<f64>() / n;
        let var = self.folds.iter().map(|f| (f - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
        format!("{:.4} (folds {mean:.4} ± {:.4})", self.pooled, var.sqrt())
    }
}

/// What both decoders read of the held-out articles, computed once.
struct Inputs<'a> {
    scores: HashMap<usize, ArticleScores<'a>>,
    /// Per example: the network's in-span probability per piece (hysteresis) and its
    /// token scores (transition model).
    pieces: HashMap<usize, Vec<f32>>,
    tokens: HashMap<usize, Vec<(usize, f32, f32)>>,
}

impl HeldOutRun<'_> {
    /// Hysteresis against the transition model, by `k`-fold nested cross-validation over
    /// the held-out articles: (hysteresis, transition model).
    pub(super) fn compare_si_decoders(&self, k: usize) -> (DecoderCv, DecoderCv) {
        let inputs = self.inputs();
        let mut arts = self.ho.articles.clone();
        fastrand::Rng::with_seed(13).shuffle(&mut arts);
        let (mut hyst, mut trans) = (Vec::new(), Vec::new());
        let (mut hyst_folds, mut trans_folds) = (Vec::new(), Vec::new());
        for fold in 0..k {
            let (test, train) = unspin_model::fast::select::fold_split(&arts, k, fold);
            let (test, train): (HashSet<usize>, HashSet<usize>) =
                (test.into_iter().collect(), train.into_iter().collect());
            let e = self.best_hysteresis(&inputs, &train);
            let h = self.hysteresis_spans(&inputs, &test, e);
            hyst_folds.push(self.f1(&test, &h));
            hyst.extend(h);
            let v = self.best_viterbi(&inputs, &train);
            let t = self.viterbi_spans(&inputs, &test, &v);
            trans_folds.push(self.f1(&test, &t));
            trans.extend(t);
        }
        let all: HashSet<usize> = arts.into_iter().collect();
        (
            DecoderCv { pooled: self.f1(&all, &hyst), folds: hyst_folds },
            DecoderCv { pooled: self.f1(&all, &trans), folds: trans_folds },
        )
    }

    fn inputs(&self) -> Inputs<'_> {
        let scores: HashMap<usize, ArticleScores<'_>> = self
            .ho
            .articles
            .iter()
            .map(|&a| (a, ArticleScores::new(self.texts[a], self.fast)))
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

    /// SI F1 of `pred` against the gold spans of `arts`.
    fn f1(&self, arts: &HashSet<usize>, pred: &[SiSpan]) -> f64 {
        let gold: Vec<SiSpan> = self
            .ho
            .gold_si
            .iter()
            .filter(|g| g.id.parse().is_ok_and(|a: usize| arts.contains(&a)))
            .cloned()
            .collect();
        si::score(&gold, pred).f1
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

    /// The hysteresis setting with the best SI F1 on `arts` (the grid of the shipped fit).
    fn best_hysteresis(&self, inp: &Inputs<'_>, arts: &HashSet<usize>) -> SiEnsemble {
        let mut best = (SiEnsemble { mix: 1.0, threshold: 0.5, seed: 0.5 }, -1.0);
        for m in 0..=10 {
            for t in 2..=18 {
                for seed in t..=18 {
                    let e = SiEnsemble {
                        mix: m as f32 / 10.0,
                        threshold: t as f32 / 20.0,
                        seed: seed as f32 / 20.0,
                    };
                    let f = self.f1(arts, &self.hysteresis_spans(inp, arts, e));
                    if f > best.1 {
                        best = (e, f);
                    }
                }
            }
        }
        best.0
    }

    /// The transition model counted on the gold tags of `arts`, with the weight and O
    /// bias of the best SI F1 there.
    fn best_viterbi(&self, inp: &Inputs<'_>, arts: &HashSet<usize>) -> SiViterbi {
        let tags: Vec<Vec<u8>> =
            arts.iter().flat_map(|&a| gold_tags(&inp.scores[&a], &self.ho.gold_si, a)).collect();
        let trans = SiViterbi::transitions(tags.iter().map(Vec::as_slice));
        let mut best = (SiViterbi { mix: 1.0, o_bias: 0.0, seed: 0.0, trans }, -1.0);
        for m in 0..=10 {
            for b in -12..=12 {
                for seed in (0..=18).step_by(3) {
                    let (mix, o_bias, seed) =
                        (m as f32 / 10.0, b as f32 * 0.25, seed as f32 / 20.0);
                    let v = SiViterbi { mix, o_bias, seed, trans };
                    let f = self.f1(arts, &self.viterbi_spans(inp, arts, &v));
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
