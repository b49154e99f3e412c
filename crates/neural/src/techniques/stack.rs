//! The stacker's neural stage, fitted on the articles the networks held out: there the
//! neural probabilities are out-of-sample, the fast ones come from a classifier trained
//! without those articles, and the first stage from rows of the other articles.

use std::collections::HashMap;
use std::ops::Range;

use unspin_model::fast::classifier::{self, ClassifierConfig};
use unspin_model::fast::features::{hash_name, ArticleContext};
use unspin_model::fast::train::tc_examples;
use unspin_model::ptc::Corpus;
use unspin_model::stack::evidence::{evidence, Marked};
use unspin_model::stack::train::{
    fit_linear, out_of_fold_fast, set_context, NeuralRow, Row, Setup,
};
use unspin_model::stack::{fast_input_names, Linear};
use unspin_model::Technique;

use super::detector::NeuralDetector;
use crate::Error;

/// The held-out articles' gold lines: rows for the first stage (fast probabilities from
/// a classifier trained on `rest`), and the neural probabilities of each.
pub fn held_out_rows(
    corpus: &Corpus,
    held: &[usize],
    rest: &[usize],
    cfg: &ClassifierConfig,
    detector: &NeuralDetector,
) -> Result<(Vec<Row>, Vec<Vec<f32>>), Error> {
    let mask = (1u64 << cfg.bits) - 1;
    let train = tc_examples(corpus, rest, cfg.bits);
    let fast = classifier::train(&train, Technique::ALL.len(), cfg);
    let mut rows = Vec::new();
    for &a in held {
        let art = &corpus.articles[a];
        let text = art.doc.text.as_str();
        let ctx = ArticleContext::new(text);
        let ranges: Vec<Range<usize>> = art.spans.iter().map(|(r, _)| r.clone()).collect();
        let marked = Marked::new(text, &ranges);
        for (j, (r, t)) in art.spans.iter().enumerate() {
            let f: Vec<u32> =
                ctx.span_features(r.clone()).iter().map(|n| hash_name(n, mask)).collect();
            rows.push(Row {
                article: a,
                range: r.clone(),
                fast: fast.probabilities(&f),
                evidence: evidence(&ctx, &ranges, &marked, j),
                gold: t.index(),
            });
        }
    }
    rows.sort_by_key(|r| (r.article, r.range.start, r.range.end, r.gold));
    let neural = row_probs(corpus, &rows, detector)?;
    Ok((rows, neural))
}

/// The first stage fitted on out-of-fold rows of `rest` (penalty `l2`), and the neural
/// rows of the held-out lines it scores (with their article context).
pub fn neural_rows(
    corpus: &Corpus,
    held_rows: &[Row],
    neural: &[Vec<f32>],
    rest: &[usize],
    setup: &Setup,
    l2: f32,
) -> (Linear, Vec<NeuralRow>) {
    let rest_rows = out_of_fold_fast(corpus, rest, setup);
    let xs: Vec<Vec<f32>> = rest_rows.iter().map(Row::inputs).collect();
    let ys: Vec<usize> = rest_rows.iter().map(|r| r.gold).collect();
    let first = fit_linear(&fast_input_names(), &xs, &ys, l2);
    let mut rows: Vec<NeuralRow> = held_rows
        .iter()
        .zip(neural)
        .map(|(r, n)| NeuralRow {
            first: first.logits(&r.inputs()),
            neural: n.clone(),
            context: Vec::new(),
            gold: r.gold,
        })
        .collect();
    set_context(held_rows, &mut rows);
    (first, rows)
}

/// `detector`'s technique probabilities of each row's span (rows of [`held_out_rows`]:
/// sorted by article), one pass over each article's distinct spans.
pub fn row_probs(
    corpus: &Corpus,
    rows: &[Row],
    detector: &NeuralDetector,
) -> Result<Vec<Vec<f32>>, Error> {
    let mut out = Vec::with_capacity(rows.len());
    for group in rows.chunk_by(|a, b| a.article == b.article) {
        let text = corpus.articles[group[0].article].doc.text.as_str();
        let mut distinct: Vec<Range<usize>> = group.iter().map(|r| r.range.clone()).collect();
        distinct.dedup();
        let probs = detector.classify_probs(text, &distinct)?;
        let by_range: HashMap<Range<usize>, Vec<f32>> = distinct.into_iter().zip(probs).collect();
        out.extend(group.iter().map(|r| by_range[&r.range].clone()));
    }
    Ok(out)
}
