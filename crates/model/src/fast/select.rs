//! Choosing how the fast tagger's scores become spans, by k-fold cross-validation over
//! the articles of the training split (never on `valid`).
//!
//! Each fold trains a tagger on the other folds and keeps its raw O/B/I scores on the
//! held-out articles; every candidate [`SiDecoding`] is then decoded from those scores
//! and scored with the official SI metric, fold by fold.

use std::ops::Range;

use unspin_eval::labels::SiSpan;
use unspin_eval::si;

use super::features::ArticleContext;
use super::tagger::{Sequence, Tagger, B, I, O};
use super::train::{
    cv_folds, gold_si, median_abs, prepare, span_margin, train_tagger, TrainConfig,
};
use crate::ptc::Corpus;

/// A decoding of the tagger's scores, in units of its typical token margin.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SiDecoding {
    /// Added to every token's O score before Viterbi (lower → more, longer spans).
    pub o_bias: f32,
    /// A decoded span is kept only when its mean token margin (span tag over O, bias
    /// included) reaches this.
    pub min_margin: f32,
}

/// One held-out article: each sentence's raw scores and token byte ranges.
struct Held {
    article: usize,
    sentences: Vec<HeldSentence>,
}

/// A held-out sentence's raw O/B/I scores and its tokens' byte ranges.
struct HeldSentence {
    em: Vec<[f32; 3]>,
    tokens: Vec<Range<usize>>,
}

/// The cross-validated SI figures of every decoding: `result[d][fold]`.
pub fn si_cross_validate(
    corpus: &Corpus,
    cfg: &TrainConfig,
    k: usize,
    decodings: &[SiDecoding],
) -> Vec<Vec<si::SiScore>> {
    let seqs = prepare(corpus, cfg.si_bits, cfg.si_disabled_templates);
    let mut out = vec![Vec::with_capacity(k); decodings.len()];
    for (held, train) in cv_folds(corpus.articles.len(), cfg.seed, k) {
        let train_seqs: Vec<&Sequence> = train.iter().flat_map(|&a| &seqs[a]).collect();
        let tagger = train_tagger(&train_seqs, cfg, &mut |_| {}, "cv");
        let arts: Vec<Held> =
            held.iter().map(|&a| held_article(corpus, &seqs[a], a, &tagger)).collect();
        let scale = typical_margin(&arts);
        let gold = gold_si(corpus, &held);
        for (d, dec) in decodings.iter().enumerate() {
            let pred: Vec<SiSpan> =
                arts.iter().flat_map(|h| decode(corpus, h, &tagger, dec, scale)).collect();
            out[d].push(si::score(&gold, &pred));
        }
    }
    out
}

fn held_article(corpus: &Corpus, seqs: &[Sequence], a: usize, tagger: &Tagger) -> Held {
    let ctx = ArticleContext::new(&corpus.articles[a].doc.text);
    let sentences = ctx
        .sentences
        .iter()
        .zip(seqs)
        .map(|(s, seq)| {
            let tokens = ctx.tokens[s.clone()].iter().map(|t| t.start..t.end).collect();
            HeldSentence { em: tagger.emissions(seq), tokens }
        })
        .collect();
    Held { article: a, sentences }
}

/// The median absolute token margin, as training measures its scale.
fn typical_margin(arts: &[Held]) -> f32 {
    let margins: Vec<f32> = arts
        .iter()
        .flat_map(|h| h.sentences.iter().flat_map(|s| s.em.iter()))
        .map(|e| e[B as usize].max(e[I as usize]) - e[O as usize])
        .collect();
    median_abs(&margins)
}

fn decode(corpus: &Corpus, h: &Held, tagger: &Tagger, dec: &SiDecoding, scale: f32) -> Vec<SiSpan> {
    let text = &corpus.articles[h.article].doc.text;
    let mut out = Vec::new();
    for HeldSentence { em, tokens: toks } in &h.sentences {
        let em: Vec<[f32; 3]> =
            em.iter().map(|e| [e[0] + dec.o_bias * scale, e[1], e[2]]).collect();
        let tags = tagger.decode(&em);
        for (a, b) in super::runs(&tags) {
            if span_margin(&em[a..b]) < dec.min_margin * scale {
                continue;
            }
            let range = unspin_text::segment::trim_span(text, toks[a].start..toks[b - 1].end);
            if !range.is_empty() {
                out.push(SiSpan { id: h.article.to_string(), start: range.start, end: range.end });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_deal_every_article_once_and_train_on_the_rest() {
        let folds = cv_folds(5, 13, 2);
        assert_eq!(folds.len(), 2);
        let mut held: Vec<usize> = folds.iter().flat_map(|(h, _)| h.clone()).collect();
        held.sort();
        assert_eq!(held, [0, 1, 2, 3, 4]);
        for (h, rest) in &folds {
            assert_eq!(h.len() + rest.len(), 5);
            assert!(h.iter().all(|a| !rest.contains(a)));
        }
        assert_eq!(folds[0].0.len(), 3, "dealt by position: the first fold takes 0, 2, 4");
        assert_eq!(cv_folds(3, 13, 0).len(), 2, "at least two folds");
    }
}
