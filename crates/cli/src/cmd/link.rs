//! `unspin train attribution --link`: the attribution source linker, trained on the
//! tagger's out-of-fold spans over PolNeAR and chosen by cross-validation.

use anyhow::Result;
use std::sync::Arc;

use unspin_detect::quotes::antecedent::{train as ranker, Ranker};
use unspin_detect::quotes::tagger::{
    link::train::{accuracy, examples, fit, Example},
    link::Linker,
    train as tagger_train, Span, Tagger, TokenVectors, VectorRecipe,
};
use unspin_eval::polnear::Article;

/// The L2 penalties tried.
const PENALTIES: [f32; 4] = [1e-4, 1e-3, 1e-2, 1e-1];

/// The L2 penalties tried for the antecedent ranker (fewer examples, so stronger ones).
const RANKER_PENALTIES: [f32; 4] = [1e-3, 1e-2, 1e-1, 1.0];

/// Adam steps of each fit (the log-loss changes by less than 1e-4 over the last 100).
const ITERATIONS: usize = 400;

/// Mean and standard deviation of `v`.
fn mean_sd(v: &[f64]) -> (f64, f64) {
    let mean = v.iter().sum::<f64>() / v.len().max(1) as f64;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len().max(1) as f64;
    (mean, var.sqrt())
}

/// Token vectors of each article, if any.
type Vecs = [Option<Arc<TokenVectors>>];

/// The speaker accuracy of `tagger` with `linker` (none: the rule) on `articles`.
fn speakers(articles: &[Article], vecs: &Vecs, tagger: &Tagger, linker: Option<&Linker>) -> f64 {
    let (pred, cited): (Vec<_>, Vec<_>) = articles
        .iter()
        .zip(vecs)
        .map(|(a, v)| super::eval::polnear_predict(a, Some(tagger), linker, v.as_deref()))
        .unzip();
    unspin_eval::polnear::score(articles, &pred, &cited).speaker_accuracy()
}

/// The items of fold `r` of `k` (index modulo `k`), or all the others.
fn fold<T: Clone>(items: &[T], k: usize, r: usize, inside: bool) -> Vec<T> {
    let keep = |i: usize| (i % k == r) == inside;
    items.iter().enumerate().filter(|(i, _)| keep(*i)).map(|(_, a)| a.clone()).collect()
}

/// MiniLM's token vectors of each article (`--vectors-layers`), or none.
pub fn vectors(
    args: &crate::flags::TrainAttribution,
    articles: &[Article],
) -> Result<Vec<Option<Arc<TokenVectors>>>> {
    use rayon::prelude::*;
    if args.vectors_layers.is_empty() {
        return Ok(vec![None; articles.len()]);
    }
    let recipe = VectorRecipe { layers: args.vectors_layers.clone(), norm: args.vectors_norm };
    // Training reads the vectors on fp32 on every CPU, so that it trains the same
    // everywhere.
    let source = unspin_engine::load::minilm_vectors(unspin_neural::kernels::KernelPath::Fp32)?;
    let start = std::time::Instant::now();
    let out = articles
        .par_iter()
        .map(|a| Ok(Some(Arc::new(source.vectors(&a.text, &recipe)?))))
        .collect::<Result<Vec<_>>>()?;
    eprintln!("[{:>6.1}s] token vectors", start.elapsed().as_secs_f64());
    Ok(out)
}

/// The tagger `args` ask for on `examples`: trained with `--seed`, or with `--average N`
/// the mean of N trained with seeds `seed`, `seed + 2`, … (two at a time; the visiting
/// order's generator treats a seed and that seed with its lowest bit set alike).
pub fn tagger(args: &crate::flags::TrainAttribution, examples: &[tagger_train::Example]) -> Tagger {
    use rayon::prelude::*;
    let seeds: Vec<u64> = (0..args.average.max(1) as u64).map(|i| args.seed + 2 * i).collect();
    let taggers: Vec<Tagger> = seeds
        .par_iter()
        .map(|&s| tagger_train::train(examples, args.bits, args.epochs, s, |_, _| {}))
        .collect();
    tagger_train::average(&taggers)
}

/// The pronoun antecedent ranker, chosen by the same cross-validation: examples from each
/// article's `spans` (as its fold's tagger marked them) and its fold's linker
/// (`linkers[r]`, fitted without fold `r`), a
/// ranker per penalty and fold fitted without the fold, and the fold's speaker accuracy
/// with it. Returns the ranker fitted on every fold with the best penalty if its mean
/// beats `rule_mean` (the linkers' own, with the nearest-name rule), and the fold linkers
/// as chosen (with their fold rankers, or without).
fn ranked(
    articles: &[Article],
    vecs: &Vecs,
    spans: &[Vec<Span>],
    taggers: &[Tagger],
    linkers: Vec<Linker>,
    rule_mean: f64,
) -> (Option<Ranker>, Vec<Linker>) {
    let k = taggers.len();
    let per_article: Vec<Vec<ranker::Example>> = articles
        .iter()
        .zip(spans)
        .enumerate()
        .map(|(i, (a, spans))| ranker::examples(a, spans, Some(&linkers[i % k])))
        .collect();
    let gather = |r: usize, inside: bool| -> Vec<ranker::Example> {
        fold(&per_article, k, r, inside).into_iter().flatten().collect()
    };
    println!("antecedents by	ranker / rule / any candidate right	speaker accuracy");
    let mut best = (rule_mean, None, linkers.clone());
    for l2 in RANKER_PENALTIES {
        let (mut acc, mut spk, mut with) = (Vec::<[f64; 3]>::new(), vec![], vec![]);
        for (r, tagger) in taggers.iter().enumerate() {
            let fitted = ranker::fit(&gather(r, false), l2, ITERATIONS);
            let (ranked, rule, any) = ranker::accuracy(&fitted, &gather(r, true));
            acc.push([ranked, rule, any]);
            let mut linker = linkers[r].clone();
            linker.antecedents = Some(fitted);
            let (a, v) = (fold(articles, k, r, true), fold(vecs, k, r, true));
            spk.push(speakers(&a, &v, tagger, Some(&linker)));
            with.push(linker);
        }
        let col = |j: usize| mean_sd(&acc.iter().map(|a| a[j]).collect::<Vec<_>>()).0;
        let (sm, ssd) = mean_sd(&spk);
        println!(
            "ranker, L2 {l2:e}	{:.4} / {:.4} / {:.4}	{sm:.4} ± {ssd:.4}",
            col(0),
            col(1),
            col(2)
        );
        if sm > best.0 {
            best = (sm, Some(l2), with);
        }
    }
    let all: Vec<ranker::Example> = per_article.into_iter().flatten().collect();
    let chosen = best.1.map(|l2| ranker::fit(&all, l2, ITERATIONS));
    eprintln!(
        "antecedent ranker: {}",
        best.1.map_or("none (the rule)".into(), |l2| format!("L2 {l2:e}"))
    );
    (chosen, best.2)
}

/// Trains the linker (see `--link` in `unspin train attribution --help`).
pub fn train(args: &crate::flags::TrainAttribution, articles: &[Article]) -> Result<()> {
    let start = std::time::Instant::now();
    let k = if args.cv > 1 { args.cv } else { 5 };
    let vecs = vectors(args, articles)?;
    let mut taggers = Vec::new();
    let mut per_article: Vec<Vec<Example>> = vec![Vec::new(); articles.len()];
    // Each article's spans as its fold's tagger marks them (the ranker reads them too).
    let mut spans: Vec<Vec<Span>> = vec![Vec::new(); articles.len()];
    for r in 0..k {
        let fit_on = fold(articles, k, r, false);
        let t = tagger(args, &tagger_train::examples_with(&fit_on, &fold(&vecs, k, r, false)));
        for (i, a) in articles.iter().enumerate().filter(|(i, _)| i % k == r) {
            spans[i] = t.tag_with(&a.text, vecs[i].as_deref());
            per_article[i] = examples(a, &spans[i]);
        }
        taggers.push(t);
        eprintln!("[{:>6.1}s] tagger {} of {k}", start.elapsed().as_secs_f64(), r + 1);
    }
    let gather = |r: usize, inside: bool| -> Vec<Example> {
        let keep = |i: usize| (i % k == r) == inside;
        per_article
            .iter()
            .enumerate()
            .filter(|(i, _)| keep(*i))
            .flat_map(|(_, e)| e.clone())
            .collect()
    };
    let aside = |r: usize| (fold(articles, k, r, true), fold(&vecs, k, r, true));
    let rule: Vec<f64> = (0..k)
        .map(|r| {
            let (a, v) = aside(r);
            speakers(&a, &v, &taggers[r], None)
        })
        .collect();
    let (m, sd) = mean_sd(&rule);
    println!("sources by\tlink accuracy\tlog-loss\tspeaker accuracy (mean ± sd over {k} folds)");
    println!("nearest-cue rule\t–\t–\t{m:.4} ± {sd:.4}");
    // The best penalty, and its fold linkers (each fitted without its fold).
    let mut best = (f64::NEG_INFINITY, PENALTIES[0], Vec::new());
    for l2 in PENALTIES {
        let (mut acc, mut loss, mut spk, mut linkers) = (vec![], vec![], vec![], vec![]);
        for (r, tagger) in taggers.iter().enumerate() {
            let linker = fit(&gather(r, false), l2, ITERATIONS);
            let (a, l) = accuracy(&linker, &gather(r, true));
            acc.push(a);
            loss.push(l);
            let (a, v) = aside(r);
            spk.push(speakers(&a, &v, tagger, Some(&linker)));
            linkers.push(linker);
        }
        let ((am, asd), (lm, lsd), (sm, ssd)) = (mean_sd(&acc), mean_sd(&loss), mean_sd(&spk));
        println!("linker, L2 {l2:e}\t{am:.4} ± {asd:.4}\t{lm:.4} ± {lsd:.4}\t{sm:.4} ± {ssd:.4}");
        if sm > best.0 {
            best = (sm, l2, linkers);
        }
    }
    // The antecedent ranker over the same folds, kept if it beats the rule.
    let (ranker, linkers) = ranked(articles, &vecs, &spans, &taggers, best.2, best.0);
    if args.verbose {
        // Each fold's misses with its own tagger and the linker fitted without it.
        for (r, (tagger, linker)) in taggers.iter().zip(&linkers).enumerate() {
            let (aside, v) = aside(r);
            let pred: Vec<_> = aside
                .iter()
                .zip(&v)
                .map(|(a, v)| {
                    super::eval::polnear_predict(a, Some(tagger), Some(linker), v.as_deref()).0
                })
                .collect();
            super::eval::speaker_misses(&aside, &pred);
        }
    }
    let all: Vec<Example> = per_article.into_iter().flatten().collect();
    let mut linker = fit(&all, best.1, ITERATIONS);
    linker.antecedents = ranker;
    eprintln!(
        "[{:>6.1}s] chosen L2 {:e}; {} examples",
        start.elapsed().as_secs_f64(),
        best.1,
        all.len()
    );
    if let Some(out) = &args.out {
        super::write_atomically(out, (serde_json::to_string_pretty(&linker)? + "\n").as_bytes())?;
        eprintln!("linker written to {}", out.display());
    }
    Ok(())
}
