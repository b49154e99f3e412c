//! Cross-fitting: networks trained on complementary folds of the training split
//! (`train techniques --fold K`) each predict the articles they held out, so every article
//! has a prediction from a network that never saw it. The `O` bias, the technique mix and
//! the span ensemble are then fitted on all of those articles at once (each with a fast
//! model trained without its fold), and the span decoders compared by nested
//! cross-validation over all of them, instead of over one model's few held-out articles.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use unspin_model::fast::FastModel;
use unspin_model::ptc::Corpus;

use super::{
    all_examples, best_o_bias, fast_without, fit_on, load_tokenizer, network_predictions, HeldOut,
    HeldOutRun, HeldOutSplit, Inputs, Predictions,
};
use crate::techniques::NeuralTechniqueModel;
use crate::Error;

/// Fits `model`'s decodings and mixes on the out-of-fold predictions of `folds` (models,
/// or ensembles, each holding out a different fold of `corpus`; trained with the same
/// window as `model`).
pub fn cross_fit(
    dir: &Path,
    corpus: &Corpus,
    folds: &[NeuralTechniqueModel],
    model: &mut NeuralTechniqueModel,
    log: &mut dyn FnMut(String),
) -> Result<(), Error> {
    let held = fold_articles(folds, model, corpus)?;
    let mut articles: Vec<usize> = held.iter().flatten().copied().collect();
    articles.sort_unstable();
    log(format!(
        "{} folds hold out {} of {} articles",
        folds.len(),
        articles.len(),
        corpus.articles.len()
    ));
    let keep: HashSet<usize> = articles.iter().copied().collect();
    let tokenizer = load_tokenizer(dir)?;
    let exs = all_examples(&tokenizer, corpus, model.window(), |a| keep.contains(&a), log)?;
    let ho = HeldOut::new(corpus, &exs, articles);
    let mut logp = vec![Vec::new(); exs.len()];
    let mut tc_of: HashMap<usize, Vec<Vec<f32>>> = HashMap::new();
    let mut fasts = Vec::new();
    for (k, (m, h)) in folds.iter().zip(&held).enumerate() {
        let mine: HashSet<usize> = h.iter().copied().collect();
        let which: Vec<usize> =
            ho.ex.iter().copied().filter(|&i| mine.contains(&exs[i].article)).collect();
        let nets: Vec<Predictions> = m
            .clone()
            .networks()
            .iter()
            .map(|n| network_predictions(dir, n, &exs, &which))
            .collect::<Result<_, _>>()?;
        let mut preds = Predictions::mean(nets);
        let mut tc = preds.tc.into_iter();
        for &i in &which {
            logp[i] = std::mem::take(&mut preds.logp[i]);
            tc_of.insert(i, tc.by_ref().take(exs[i].spans.len()).collect());
        }
        fasts.push(fast_without(corpus, h)?);
        log(format!("fold {}: {} windows of {} articles predicted", k + 1, which.len(), h.len()));
    }
    let tc = ho.ex.iter().flat_map(|i| tc_of.remove(i).unwrap_or_default()).collect();
    let preds = Predictions { logp, tc };
    let fast_of: HashMap<usize, &FastModel> =
        held.iter().zip(&fasts).flat_map(|(h, f)| h.iter().map(move |&a| (a, f))).collect();
    let (bias, f1) = best_o_bias(corpus, &exs, &ho, &preds);
    log(format!("out-of-fold SI F1 under BIO decoding {f1:.4} (O bias {bias})"));
    model.o_bias = bias;
    let texts: Vec<&str> = corpus.articles.iter().map(|a| a.doc.text.as_str()).collect();
    let run = HeldOutRun { exs: &exs, ho: &ho, preds: &preds, texts: &texts, fast: &fast_of };
    let inputs = run.inputs();
    carry_over(dir, corpus, &run, &inputs, model, log)?;
    fit_on(&run, &inputs, model, log);
    NeuralTechniqueModel::set(&mut model.tuning, "cross_fitted_folds", folds.len().to_string());
    Ok(())
}

/// How span settings fitted on the fold networks carry over to `model`'s own networks:
/// fitted on every article but those `model` held out, they decode those with `model`'s
/// predictions; logged beside the fold networks' F1 on the same articles and `model`'s
/// own setting (fitted on those articles themselves, so in-sample).
fn carry_over(
    dir: &Path,
    corpus: &Corpus,
    run: &HeldOutRun<'_>,
    inputs: &Inputs<'_>,
    model: &NeuralTechniqueModel,
    log: &mut dyn FnMut(String),
) -> Result<(), Error> {
    let held = HeldOutSplit::of(model).articles(corpus.articles.len())?;
    let test: HashSet<usize> = held.iter().copied().collect();
    if !held.iter().all(|a| run.ho.articles.contains(a)) {
        log("the refitted model held out articles the folds did not: no carry-over check".into());
        return Ok(());
    }
    let train: HashSet<usize> =
        run.ho.articles.iter().copied().filter(|a| !test.contains(a)).collect();
    let e = run.best_hysteresis(inputs, &train);
    let folds_f1 = run.hysteresis_f1(inputs, &test, e);
    let ho = HeldOut::new(corpus, run.exs, held.clone());
    let nets: Vec<Predictions> = model
        .clone()
        .networks()
        .iter()
        .map(|n| network_predictions(dir, n, run.exs, &ho.ex))
        .collect::<Result<_, _>>()?;
    let preds = Predictions::mean(nets);
    let fast = fast_without(corpus, &held)?;
    let fast_of: HashMap<usize, &FastModel> = held.iter().map(|&a| (a, &fast)).collect();
    let own = HeldOutRun { exs: run.exs, ho: &ho, preds: &preds, texts: run.texts, fast: &fast_of };
    let own_inputs = own.inputs();
    let carried = own.hysteresis_f1(&own_inputs, &test, e);
    let in_sample = model.si.map(|s| own.hysteresis_f1(&own_inputs, &test, s));
    log(format!(
        "carry-over to the refitted model's {} held-out articles: setting fitted on the other {} \
         (weight {}, threshold {}, seed {}): fold networks {folds_f1:.4}, refitted model {carried:.4}; \
         the model's own setting there (in-sample) {}",
        held.len(),
        train.len(),
        e.mix,
        e.threshold,
        e.seed,
        in_sample.map_or("none".into(), |f| format!("{f:.4}"))
    ));
    Ok(())
}

/// Each fold model's held-out articles, checked: the same shuffle, window and data as
/// `model`, and no article held out twice.
fn fold_articles(
    folds: &[NeuralTechniqueModel],
    model: &NeuralTechniqueModel,
    corpus: &Corpus,
) -> Result<Vec<Vec<usize>>, Error> {
    if folds.len() < 2 {
        return Err(Error::Format("cross-fitting needs at least two fold models".into()));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (k, m) in folds.iter().enumerate() {
        let what = |x: &str| Error::Format(format!("fold model {}: {x}", k + 1));
        if m.window() != model.window() || m.encoder_sha256 != model.encoder_sha256 {
            return Err(what("has another window or encoder than the model refitted"));
        }
        if m.settings.data_sha256.as_ref().is_some_and(|s| *s != corpus.sha256) {
            return Err(what("was trained on other data than the split given"));
        }
        let (split, first) = (HeldOutSplit::of(m), HeldOutSplit::of(&folds[0]));
        if (split.seed, split.fraction) != (first.seed, first.fraction) {
            return Err(what("was dealt by another shuffle (--split-seed, --tune-fraction)"));
        }
        let held = split.articles(corpus.articles.len())?;
        if held.iter().any(|a| !seen.insert(*a)) {
            return Err(what("holds out articles another fold model holds out"));
        }
        out.push(held);
    }
    Ok(out)
}
