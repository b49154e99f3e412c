//! `unspin train techniques`.

use anyhow::{bail, Context, Result};
use std::path::Path;
use unspin_model::fast::train::{train, TrainConfig};

use unspin_model::ptc;
use unspin_neural::techniques::train::NeuralTrainConfig;
use unspin_neural::techniques::NeuralTechniqueModel;

use crate::flags::TrainTechniques;

/// Trains the fast model and writes it to `--out`.
pub fn techniques(args: &TrainTechniques) -> Result<()> {
    let out = args.out.clone().unwrap_or_default();
    if args.tc_cv.is_none() && args.si_cv.is_none() && out.exists() && !args.force {
        bail!("{} exists; pass --force to overwrite it", out.display());
    }
    let split: ptc::Split = args.split.parse()?;
    if split == ptc::Split::Valid {
        eprintln!("warning: training on the valid split; figures on valid will mean nothing");
    }
    if let Some(encoder) = &args.encoder {
        return neural(args, encoder, split, &out);
    }
    let start = std::time::Instant::now();
    let corpus = ptc::load(&args.data, split)
        .with_context(|| format!("reading PTC from {}", args.data.display()))?;
    eprintln!("read {} articles (data sha256 {})", corpus.articles.len(), corpus.sha256);
    let mut cfg =
        TrainConfig { seed: args.seed, si_epochs: args.si_epochs, ..TrainConfig::default() };
    cfg.tc.epochs = args.tc_epochs;
    cfg.tc.seed = args.seed;
    cfg.tc.learning_rate = args.tc_learning_rate;
    cfg.tc.l2 = args.tc_l2;
    cfg.tc_ablate = args.tc_ablate.clone();
    cfg.si_disabled_templates = args.si_ablate.iter().fold(0u64, |m, &t| m | (1u64 << t.min(63)));
    if let Some(k) = args.tc_cv {
        let acc = unspin_model::fast::train::tc_cross_validate(&corpus, &cfg, k);
        println!("TC {k}-fold cross-validated accuracy on {}: {acc:.4}", args.split);
        return Ok(());
    }
    if let Some(k) = args.si_cv {
        return si_cv(&corpus, &cfg, k, &args.split);
    }
    let mut log = |m: String| eprintln!("[{:>6.1}s] {m}", start.elapsed().as_secs_f64());
    let model = train(&corpus, &args.split, &cfg, &mut log)?;
    write_model(&out, &model.to_bytes()?, start)
}

/// Prints the k-fold SI figures of a grid of tagger decodings, best mean F1 first.
fn si_cv(corpus: &ptc::Corpus, cfg: &TrainConfig, k: usize, split: &str) -> Result<()> {
    use unspin_eval::si;
    use unspin_model::fast::select::{si_cross_validate, SiDecoding};
    let mut grid = Vec::new();
    for b in -25..=5 {
        for m in std::iter::once(f32::NEG_INFINITY).chain((-2..=12).map(|m| m as f32 * 0.5)) {
            grid.push(SiDecoding { o_bias: b as f32 * 0.1, min_margin: m });
        }
    }
    let folds = si_cross_validate(corpus, cfg, k, &grid);
    let mut rows: Vec<(usize, SiDecoding, f64, f64, f64, f64)> = grid
        .iter()
        .zip(&folds)
        .enumerate()
        .map(|(k, (d, f))| {
            let of = |x: fn(&si::SiScore) -> f64| f.iter().map(x).collect::<Vec<f64>>();
            let (mean, sd) = unspin_eval::mean_sd(&of(|s| s.f1));
            let (p, r) = (
                unspin_eval::mean_sd(&of(|s| s.precision)).0,
                unspin_eval::mean_sd(&of(|s| s.recall)).0,
            );
            (k, *d, mean, sd, p, r)
        })
        .collect();
    rows.sort_by(|a, b| b.2.total_cmp(&a.2));
    println!("SI {k}-fold cross-validation on {split} ({} decodings)", rows.len());
    println!("o_bias\tmin_margin\tF1 mean\tsd\tP\tR");
    for (_, d, mean, sd, p, r) in rows.iter().take(25) {
        println!("{:.1}\t{:.2}\t{mean:.4}\t{sd:.4}\t{p:.4}\t{r:.4}", d.o_bias, d.min_margin);
    }
    if let Some(&(best, ..)) = rows.first() {
        let f: Vec<String> = folds[best].iter().map(|s| format!("{:.4}", s.f1)).collect();
        println!("best decoding's folds: {}", f.join(" "));
    }
    println!("best O bias for each smallest span margin:");
    let mut seen = Vec::new();
    for (_, d, mean, sd, p, r) in &rows {
        if !seen.contains(&d.min_margin.to_bits()) {
            seen.push(d.min_margin.to_bits());
            println!("{:.1}\t{:.2}\t{mean:.4}\t{sd:.4}\t{p:.4}\t{r:.4}", d.o_bias, d.min_margin);
        }
    }
    Ok(())
}

/// Writes a trained model atomically and says where, how big, and how long it took.
fn write_model(out: &Path, bytes: &[u8], start: std::time::Instant) -> Result<()> {
    super::write_atomically(out, bytes)?;
    eprintln!(
        "wrote {} ({:.1} MB) in {:.1}s",
        out.display(),
        bytes.len() as f64 / 1e6,
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Fine-tunes the neural technique model.
fn neural(args: &TrainTechniques, encoder: &str, split: ptc::Split, out: &Path) -> Result<()> {
    let spec = match encoder {
        "minilm" => &unspin_neural::install::MINILM,
        "mpnet" => &unspin_neural::install::MPNET,
        _ => bail!("unknown encoder {encoder:?}: `minilm` or `mpnet`"),
    };
    let dir = unspin_neural::install::installed(spec)?;
    let start = std::time::Instant::now();
    let corpus = ptc::load(&args.data, split)
        .with_context(|| format!("reading PTC from {}", args.data.display()))?;
    eprintln!("read {} articles (data sha256 {})", corpus.articles.len(), corpus.sha256);
    let mut log = |m: String| eprintln!("[{:>7.1}s] {m}", start.elapsed().as_secs_f64());
    if !args.cross_fit.is_empty() {
        let load = |p: &std::path::PathBuf| NeuralTechniqueModel::load(p);
        let folds = args.cross_fit.iter().map(load).collect::<Result<Vec<_>, _>>()?;
        let mut model = match &args.refit {
            Some(p) => NeuralTechniqueModel::load(p)?,
            None => NeuralTechniqueModel::embedded()?,
        };
        unspin_neural::techniques::train::cross_fit(&dir, &corpus, &folds, &mut model, &mut log)?;
        return write_model(out, &model.to_bytes()?, start);
    }
    if !args.members.is_empty() {
        let models = args
            .members
            .iter()
            .map(|p| NeuralTechniqueModel::load(p).map(NeuralTechniqueModel::networks))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .collect::<Vec<_>>();
        let model = unspin_neural::techniques::train::combine(&dir, &corpus, &models, &mut log)?;
        return write_model(out, &model.to_bytes()?, start);
    }
    let cfg = NeuralTrainConfig {
        encoder: spec,
        layers: args.layers,
        epochs: args.epochs,
        batch: args.batch,
        lr_encoder: args.lr_encoder,
        lr_head: args.lr_head,
        tc_weight_power: args.tc_weight_power,
        seed: args.seed,
        split_seed: args.split_seed,
        tune_fraction: args.tune_fraction,
        fold: args.fold,
        max_steps: args.max_steps,
        window: args.window as usize,
        checkpoint: args.checkpoint.clone(),
        resume: args.resume.clone(),
        ..NeuralTrainConfig::default()
    };
    let mut model = unspin_neural::techniques::train::train(&dir, &corpus, &cfg, &mut log)?;
    model.settings.split = Some(args.split.clone());
    model.settings.data_sha256 = Some(corpus.sha256.clone());
    write_model(out, &model.to_bytes()?, start)
}

/// `unspin train cues`: the reporting words annotators marked as cues in PolNeAR, with
/// how often, written as `word<TAB>as_cue<TAB>occurrences` lines.
pub fn cues(args: &crate::flags::TrainCues) -> Result<()> {
    let articles = unspin_eval::polnear::load(&args.polnear, &args.split).with_context(|| {
        format!("reading PolNeAR {} from {}", args.split, args.polnear.display())
    })?;
    let words = unspin_eval::polnear::cue_lexicon(&articles, args.min_count, args.min_share);
    let mut out = format!(
        "# Reporting words learned from PolNeAR {} ({} articles): one-word cues marked at least {} \
         times and in at least {} of their occurrences (`unspin train cues`).\n",
        args.split,
        articles.len(),
        args.min_count,
        args.min_share
    );
    for w in &words {
        out += &format!("{}\t{}\t{}\n", w.word, w.as_cue, w.occurrences);
    }
    super::write_atomically(&args.out, out.as_bytes())?;
    eprintln!("{} words written to {}", words.len(), args.out.display());
    Ok(())
}

/// `unspin train attribution`: the attribution tagger on PolNeAR; with `--holdout K`, every
/// K-th article is scored (content, speakers, cues) after each epoch instead of trained on.
pub fn attribution(args: &crate::flags::TrainAttribution) -> Result<()> {
    use unspin_detect::quotes::tagger::train;
    let start = std::time::Instant::now();
    let articles = unspin_eval::polnear::load(&args.polnear, &args.split).with_context(|| {
        format!("reading PolNeAR {} from {}", args.split, args.polnear.display())
    })?;
    if args.link {
        return super::link::train(args, &articles);
    }
    if args.cv > 1 {
        anyhow::ensure!(
            args.average <= 1,
            "--average is for training a tagger (and --link); --cv scores one tagger per pass"
        );
        return attribution_cv(args, &articles);
    }
    let held = |k: usize| args.holdout > 0 && k.is_multiple_of(args.holdout);
    let vecs = super::link::vectors(args, &articles)?;
    let (fit, aside): (Vec<_>, Vec<_>) =
        articles.into_iter().zip(vecs).enumerate().partition(|(k, _)| !held(*k));
    let (fit, fit_vecs): (Vec<_>, Vec<_>) = fit.into_iter().map(|(_, a)| a).unzip();
    let (aside, aside_vecs): (Vec<_>, Vec<_>) = aside.into_iter().map(|(_, a)| a).unzip();
    let examples = train::examples_with(&fit, &fit_vecs);
    eprintln!(
        "[{:>6.1}s] {} articles, {} sequences; {} set aside",
        start.elapsed().as_secs_f64(),
        fit.len(),
        examples.len(),
        aside.len()
    );
    let model = if args.average > 1 {
        // Averaged taggers are scored once, at the end.
        let model = super::link::tagger(args, &examples);
        eprintln!("[{:>6.1}s] {} taggers averaged", start.elapsed().as_secs_f64(), args.average);
        if !aside.is_empty() {
            holdout_report(args, &aside, &aside_vecs, &model, args.epochs, start);
        }
        model
    } else {
        train::train(&examples, args.bits, args.epochs, args.seed, |epoch, t| {
            if aside.is_empty() {
                eprintln!("[{:>6.1}s] epoch {epoch}", start.elapsed().as_secs_f64());
                return;
            }
            holdout_report(args, &aside, &aside_vecs, t, epoch, start);
        })
    };
    if let Some(out) = &args.out {
        write_model(out, &model.to_bytes(), start)?;
    }
    Ok(())
}

/// Scores `tagger` (after `epoch` passes) on the set-aside articles, on standard error;
/// with `--verbose`, after the last epoch, each speaker it misses.
fn holdout_report(
    args: &crate::flags::TrainAttribution,
    aside: &[unspin_eval::polnear::Article],
    vecs: &[Option<std::sync::Arc<unspin_detect::quotes::tagger::TokenVectors>>],
    tagger: &unspin_detect::quotes::tagger::Tagger,
    epoch: usize,
    start: std::time::Instant,
) {
    let (pred, cited): (Vec<_>, Vec<_>) = aside
        .iter()
        .zip(vecs)
        .map(|(a, v)| super::eval::polnear_predict(a, Some(tagger), None, v.as_deref()))
        .unzip();
    let s = unspin_eval::polnear::score(aside, &pred, &cited);
    let label =
        format!("{} aside, epoch {epoch}, {:.0}s", args.split, start.elapsed().as_secs_f64());
    eprint!("{}", super::eval::polnear_text(&label, &s));
    if args.verbose && epoch == args.epochs {
        super::eval::speaker_misses(aside, &pred);
    }
}

/// `unspin train attribution --cv K`: K-fold cross-validation over the split's articles
/// (fold `r` holds the articles whose index is `r` modulo K); per epoch, the mean and
/// standard deviation over folds of content F1 (all, direct), speaker accuracy and cue F1.
fn attribution_cv(
    args: &crate::flags::TrainAttribution,
    articles: &[unspin_eval::polnear::Article],
) -> Result<()> {
    use unspin_detect::quotes::tagger::train;
    let k = args.cv;
    let mut per_epoch: Vec<Vec<[f64; 4]>> = vec![Vec::new(); args.epochs];
    for r in 0..k {
        let fit: Vec<_> = articles
            .iter()
            .enumerate()
            .filter(|(i, _)| i % k != r)
            .map(|(_, a)| a.clone())
            .collect();
        let aside: Vec<_> = articles
            .iter()
            .enumerate()
            .filter(|(i, _)| i % k == r)
            .map(|(_, a)| a.clone())
            .collect();
        let examples = train::examples(&fit);
        train::train(&examples, args.bits, args.epochs, args.seed, |epoch, t| {
            let (pred, cited): (Vec<_>, Vec<_>) =
                aside.iter().map(|a| super::eval::polnear_predict(a, Some(t), None, None)).unzip();
            let s = unspin_eval::polnear::score(&aside, &pred, &cited);
            per_epoch[epoch - 1].push([s.all.f1, s.direct.f1, s.speaker_accuracy(), s.cue.f1]);
        });
        eprintln!("fold {} of {k} done", r + 1);
    }
    println!("epoch\tall F1\tdirect F1\tspeaker acc\tcue F1 (mean ± sd over {k} folds)");
    for (e, folds) in per_epoch.iter().enumerate() {
        let cell = |m: usize| {
            let v: Vec<f64> = folds.iter().map(|f| f[m]).collect();
            let mean = v.iter().sum::<f64>() / v.len() as f64;
            let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
            format!("{mean:.4} ± {sd:.4}")
        };
        println!("{}\t{}\t{}\t{}\t{}", e + 1, cell(0), cell(1), cell(2), cell(3));
    }
    Ok(())
}
