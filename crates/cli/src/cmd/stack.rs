//! `unspin train stacker`: the article-aware technique stacker, every choice by
//! cross-validation over PTC `fit` (never `valid`).

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use unspin_model::api::FastDetector;
use unspin_model::fast::train::TrainConfig;
use unspin_model::fast::FastModel;
use unspin_model::ptc;
use unspin_model::stack::train::{
    cross_validate, fit_linear, fit_neural_stage, folds, out_of_fold_fast, set_context, tc_figures,
    NeuralRow, Row, Setup, StagePenalty, TcFigures,
};
use unspin_model::stack::{fast_input_names, softmax, NeuralStage, Stacker};
use unspin_model::Technique;
use unspin_neural::techniques::train::held_out_articles;
use unspin_neural::techniques::{stack, NeuralDetector, NeuralTechniqueModel};

use crate::flags::TrainStacker;

/// What every tier's stage is fitted with.
struct StageContext<'a> {
    args: &'a TrainStacker,
    corpus: &'a ptc::Corpus,
    setup: &'a Setup,
    /// The first stage's penalty.
    l2: f32,
}

/// Weights of the partner tier's probabilities tried for the accurate tier (0: none).
const PARTNER: [f32; 5] = [0.0, 0.25, 0.4, 0.5, 0.6];

/// The committed technique model of a tier.
type Committed = fn() -> Result<NeuralTechniqueModel, unspin_neural::Error>;

/// Penalties tried for the first stage.
const L2: [f32; 5] = [1e-4, 1e-3, 1e-2, 3e-2, 1e-1];
/// Penalties tried for the neural stage: on its biases, on its per-technique weight
/// deviations, on its cross weights and on its article-context weights (infinite: that
/// kind left out).
const L2_NEURAL: [StagePenalty; 13] = [
    pen(1e-2, INF, INF, INF),
    pen(1e-1, INF, INF, INF),
    pen(1e-2, 1e-1, INF, INF),
    pen(1e-2, 1e-2, INF, INF),
    pen(1e-1, 1e-2, INF, INF),
    pen(1e-2, 1e-3, INF, INF),
    pen(1e-1, INF, 1e-1, INF),
    pen(1e-1, INF, 1e-2, INF),
    pen(1e-1, 1e-2, 1e-2, INF),
    pen(1e-2, 1e-2, INF, 1e-1),
    pen(1e-2, 1e-2, INF, 1e-2),
    pen(1e-2, 1e-2, INF, 1e-3),
    pen(1e-2, 1e-2, INF, 1e-4),
];

const INF: f32 = f32::INFINITY;

const fn pen(bias: f32, class: f32, cross: f32, context: f32) -> StagePenalty {
    StagePenalty { bias, class, cross, context }
}

/// Fits the stacker and writes it to `--out` (or only reports, without `--out`).
pub fn stacker(args: &TrainStacker) -> Result<()> {
    if let Some(out) = &args.out {
        if out.exists() && !args.force {
            bail!("{} exists; pass --force to overwrite it", out.display());
        }
    }
    let corpus = ptc::load(&args.data, ptc::Split::Fit)
        .with_context(|| format!("reading PTC from {}", args.data.display()))?;
    eprintln!("read {} fit articles (data sha256 {})", corpus.articles.len(), corpus.sha256);
    let setup = Setup { folds: args.folds, seed: args.seed, classifier: TrainConfig::default().tc };
    let all: Vec<usize> = (0..corpus.articles.len()).collect();
    let rows = out_of_fold_fast(&corpus, &all, &setup);
    eprintln!("{} out-of-fold gold lines", rows.len());
    let mut about = vec![
        ("data_sha256".to_string(), corpus.sha256.clone()),
        ("split".into(), "fit".into()),
        ("folds".into(), args.folds.to_string()),
        ("seed".into(), args.seed.to_string()),
    ];
    let fast_alone: Vec<Vec<f32>> = rows.iter().map(|r| r.fast.clone()).collect();
    let base = summary("fast alone", &rows, &fast_alone, args.folds, args.seed);
    let names = fast_input_names();
    let cv = cross_validate(&names, &rows, &L2, args.folds, args.seed);
    // The best mean micro-F1 over the folds (the official measure; over 5,000 lines).
    let mut best = (f64::NEG_INFINITY, 0usize);
    for (l, probs) in cv.iter().enumerate() {
        let f = summary(&format!("stacked, l2 {}", L2[l]), &rows, probs, args.folds, args.seed);
        if f.mean > best.0 {
            best = (f.mean, l);
        }
    }
    let l2 = L2[best.1];
    let chosen = summary("chosen", &rows, &cv[best.1], args.folds, args.seed);
    print_techniques(&base.pooled, &chosen.pooled);
    about.push(("fast_l2".into(), l2.to_string()));
    about.push(("cv_tc_micro_fast_alone".into(), base.cv()));
    about.push(("cv_tc_micro_stacked".into(), chosen.cv()));
    let xs: Vec<Vec<f32>> = rows.iter().map(Row::inputs).collect();
    let ys: Vec<usize> = rows.iter().map(|r| r.gold).collect();
    let fast = fit_linear(&names, &xs, &ys, l2);
    let load = |file: &Option<PathBuf>, committed: Committed| -> Result<Loaded> {
        let model = match file {
            Some(p) => NeuralTechniqueModel::load(p)?,
            None => committed()?,
        };
        let held = held_out_articles(&model, corpus.articles.len())?;
        let mix = model.tc_mix;
        let detector = NeuralDetector::new(model, FastDetector::new(FastModel::embedded()?))?;
        Ok(Loaded { detector, held, mix })
    };
    let neural_detector = match args.neural || (args.accurate && !args.no_partner) {
        true => Some(load(&args.neural_model, NeuralTechniqueModel::embedded)?),
        false => None,
    };
    let ctx = StageContext { args, corpus: &corpus, setup: &setup, l2 };
    let neural = match (&neural_detector, args.neural) {
        (Some(_), true) if !args.neural_folds.is_empty() => {
            eprintln!(
                "neural stage: on the out-of-fold rows of {} fold models",
                args.neural_folds.len()
            );
            let folds = args
                .neural_folds
                .iter()
                .map(|p| load(&Some(p.clone()), NeuralTechniqueModel::embedded))
                .collect::<Result<Vec<_>>>()?;
            let data = StageRows::of_folds(&ctx, &folds)?;
            if let Some(tier) = &neural_detector {
                carry_over(&ctx, &data, tier)?;
            }
            about.push(("neural_stage_rows".into(), "out-of-fold, fold models".into()));
            neural_stage(&ctx, data, None, "neural", &mut about)?
        }
        (Some(d), true) => neural_stage(&ctx, StageRows::of(&ctx, d)?, None, "neural", &mut about)?,
        _ => None,
    };
    let accurate = match args.accurate {
        true => {
            let d = load(&args.accurate_model, NeuralTechniqueModel::embedded_accurate)?;
            let data = StageRows::of(&ctx, &d)?;
            let partner = partner_probs(&ctx, &d, neural_detector.as_ref(), &data)?;
            neural_stage(&ctx, data, partner, "accurate", &mut about)?
        }
        false => None,
    };
    let stacker = Stacker { about, fast, neural, accurate };
    if let Some(out) = &args.out {
        let json = serde_json::to_string_pretty(&stacker)?;
        super::write_atomically(out, json.as_bytes())?;
        eprintln!("wrote {}", out.display());
    }
    Ok(())
}

/// Out-of-fold figures: pooled, and the per-fold micro-F1's mean and standard deviation.
struct Summary {
    pooled: TcFigures,
    mean: f64,
    sd: f64,
}

impl Summary {
    fn cv(&self) -> String {
        format!("{:.4} ± {:.4}", self.mean, self.sd)
    }
}

/// The figures of out-of-fold `probs`, printed under `label`.
fn summary(label: &str, rows: &[Row], probs: &[Vec<f32>], k: usize, seed: u64) -> Summary {
    let pooled = tc_figures(rows, probs);
    let mut articles: Vec<usize> = rows.iter().map(|r| r.article).collect();
    articles.dedup();
    let fold_of: HashMap<usize, usize> = folds(&articles, k, seed).into_iter().collect();
    let per_fold: Vec<f64> = (0..k.max(2))
        .map(|f| {
            let idx: Vec<usize> =
                (0..rows.len()).filter(|&i| fold_of[&rows[i].article] == f).collect();
            let r: Vec<Row> = idx.iter().map(|&i| rows[i].clone()).collect();
            let p: Vec<Vec<f32>> = idx.iter().map(|&i| probs[i].clone()).collect();
            tc_figures(&r, &p).micro
        })
        .collect();
    let (mean, sd) = unspin_eval::mean_sd(&per_fold);
    let rep = pooled.per_technique[Technique::Repetition.index()];
    println!(
        "{label:<28} TC micro-F1 {mean:.4} ± {sd:.4} (pooled {:.4}), log-loss {:.4}, Repetition F1 {rep:.3}",
        pooled.micro, pooled.log_loss
    );
    Summary { pooled, mean, sd }
}

fn print_techniques(before: &TcFigures, after: &TcFigures) {
    println!("per technique (pooled out-of-fold F1): before -> after");
    for (t, (b, a)) in
        Technique::ALL.iter().zip(before.per_technique.iter().zip(&after.per_technique))
    {
        println!("  {:<45} {b:.3} -> {a:.3}", t.name());
    }
}

/// A tier's model, ready to run, and what its stage needs of it.
struct Loaded {
    detector: NeuralDetector,
    /// The articles its networks held out.
    held: Vec<usize>,
    /// Its fixed mix with the fast model.
    mix: f32,
}

/// A tier's held-out gold lines, ready for its stage.
struct StageRows {
    /// The first stage's rows (fast probabilities from a classifier trained without them).
    rows: Vec<Row>,
    /// The tier's neural probabilities of each.
    own: Vec<Vec<f32>>,
    /// The tier's fixed mix of neural and fast probabilities of each.
    fixed: Vec<Vec<f32>>,
    /// The stage's rows: first-stage logits (fitted without them) and neural probabilities.
    nrows: Vec<NeuralRow>,
    /// How many articles they come from.
    articles: usize,
}

impl StageRows {
    /// The rows of the articles `tier`'s networks held out.
    fn of(ctx: &StageContext<'_>, tier: &Loaded) -> Result<StageRows> {
        let corpus = ctx.corpus;
        let held = &tier.held;
        let rest: Vec<usize> = (0..corpus.articles.len()).filter(|a| !held.contains(a)).collect();
        let (rows, own) =
            stack::held_out_rows(corpus, held, &rest, &ctx.setup.classifier, &tier.detector)?;
        let (_, nrows) = stack::neural_rows(corpus, &rows, &own, &rest, ctx.setup, ctx.l2);
        let mix = tier.mix;
        let fixed = rows
            .iter()
            .zip(&own)
            .map(|(r, n)| n.iter().zip(&r.fast).map(|(a, b)| mix * a + (1.0 - mix) * b).collect())
            .collect();
        Ok(StageRows { rows, own, fixed, nrows, articles: held.len() })
    }

    /// The rows of networks trained on complementary folds, each on the articles it held
    /// out: every article's neural probabilities come from a network that never saw it.
    fn of_folds(ctx: &StageContext<'_>, folds: &[Loaded]) -> Result<StageRows> {
        let mut all =
            StageRows { rows: vec![], own: vec![], fixed: vec![], nrows: vec![], articles: 0 };
        let mut seen = std::collections::HashSet::new();
        for (k, fold) in folds.iter().enumerate() {
            if fold.held.iter().any(|a| !seen.insert(*a)) {
                bail!("fold model {} holds out articles another fold holds out", k + 1);
            }
            let part = StageRows::of(ctx, fold)?;
            eprintln!("fold {}: {} lines of {} articles", k + 1, part.rows.len(), part.articles);
            all.rows.extend(part.rows);
            all.own.extend(part.own);
            all.fixed.extend(part.fixed);
            all.nrows.extend(part.nrows);
            all.articles += part.articles;
        }
        // Keep the rows sorted by article, as the folds of the choice deal them.
        let mut order: Vec<usize> = (0..all.rows.len()).collect();
        order.sort_by_key(|&i| all.rows[i].article);
        let pick = |v: &[Vec<f32>]| order.iter().map(|&i| v[i].clone()).collect::<Vec<_>>();
        Ok(StageRows {
            own: pick(&all.own),
            fixed: pick(&all.fixed),
            rows: order.iter().map(|&i| all.rows[i].clone()).collect(),
            nrows: order.iter().map(|&i| all.nrows[i].clone()).collect(),
            articles: all.articles,
        })
    }
}

/// The neural stage of `tier` (its name: `neural`, `accurate`), fitted on the rows of the
/// articles its networks held out and measured there by cross-validation against the
/// model alone and its fixed mix; with `partner` probabilities of the same rows, they are
/// averaged in by the weight cross-validation picks. The figures go into `about` under the
/// tier's prefix.
fn neural_stage(
    ctx: &StageContext<'_>,
    data: StageRows,
    partner_probs: Option<Vec<Vec<f32>>>,
    name: &str,
    about: &mut Vec<(String, String)>,
) -> Result<Option<NeuralStage>> {
    let (args, k) = (ctx.args, ctx.args.folds);
    let StageRows { rows: held_rows, own, fixed, mut nrows, articles } = data;
    eprintln!("{name} stage: {} lines of {articles} held-out articles", nrows.len());
    let first: Vec<Vec<f32>> = nrows.iter().map(|r| softmax(r.first.clone())).collect();
    let alone = summary("neural alone", &held_rows, &own, k, args.seed);
    let fixed_f = summary("fixed mix", &held_rows, &fixed, k, args.seed);
    summary("first stage (fast + evidence)", &held_rows, &first, k, args.seed);
    let fast_probs: Vec<Vec<f32>> = held_rows.iter().map(|r| r.fast.clone()).collect();
    summary("fast alone (without them)", &held_rows, &fast_probs, k, args.seed);
    let weights: &[f32] = match &partner_probs {
        Some(p) => {
            summary("partner alone", &held_rows, p, k, args.seed);
            &PARTNER
        }
        None => &[0.0],
    };
    let mut best: Option<(f32, StagePenalty, Summary)> = None;
    for &w in weights {
        set_neural(&mut nrows, &held_rows, &own, partner_probs.as_deref(), w);
        for &l in &L2_NEURAL {
            let probs = neural_cv(&held_rows, &nrows, l, k, args.seed);
            let label = format!("stage, partner {w}, l2 {l}");
            let f = summary(&label, &held_rows, &probs, k, args.seed);
            if best.as_ref().is_none_or(|b| f.pooled.log_loss < b.2.pooled.log_loss) {
                best = Some((w, l, f));
            }
        }
    }
    let Some((w, l, stacked)) = best else { return Ok(None) };
    print_techniques(&alone.pooled, &stacked.pooled);
    // The neural tier's keys keep their names from before the accurate tier existed.
    let key = |k: &str| match name {
        "neural" => k.to_string(),
        _ if k.contains("neural") => k.replace("neural", name),
        _ => format!("{name}_{k}"),
    };
    about.push((key("neural_heldout_articles"), articles.to_string()));
    about.push((key("neural_l2"), l.to_string()));
    if partner_probs.is_some() {
        about.push((key("neural_partner_weight"), w.to_string()));
    }
    about.push((key("cv_heldout_tc_micro_neural_alone"), alone.cv()));
    about.push((key("cv_heldout_tc_micro_fixed_mix"), fixed_f.cv()));
    about.push((key("cv_heldout_tc_micro_stacked"), stacked.cv()));
    if stacked.pooled.log_loss >= fixed_f.pooled.log_loss {
        eprintln!("the {name} stage does not beat the fixed mix in cross-validation: not kept");
        return Ok(None);
    }
    set_neural(&mut nrows, &held_rows, &own, partner_probs.as_deref(), w);
    let stage = fit_neural_stage(&nrows, l);
    Ok(Some(NeuralStage { partner: w, ..stage }))
}

/// How a stage fitted on fold networks' rows carries over to `tier`'s own probabilities
/// (the networks the stage serves): for every penalty, the stage is fitted on the fold
/// rows of all articles but those `tier` held out, and decides those with `tier`'s
/// probabilities; printed beside `tier` alone, its fixed mix, and the same stage deciding
/// them with the fold networks' probabilities.
fn carry_over(ctx: &StageContext<'_>, folds: &StageRows, tier: &Loaded) -> Result<()> {
    let (k, seed) = (ctx.args.folds, ctx.args.seed);
    let own = StageRows::of(ctx, tier)?;
    let held: std::collections::HashSet<usize> = tier.held.iter().copied().collect();
    let (train, test): (Vec<usize>, Vec<usize>) =
        (0..folds.rows.len()).partition(|&i| !held.contains(&folds.rows[i].article));
    let train: Vec<NeuralRow> = train.iter().map(|&i| folds.nrows[i].clone()).collect();
    let fold_rows: Vec<Row> = test.iter().map(|&i| folds.rows[i].clone()).collect();
    println!(
        "carried over to the model's {} held-out articles ({} lines):",
        held.len(),
        own.rows.len()
    );
    summary("  model alone", &own.rows, &own.own, k, seed);
    summary("  model's fixed mix", &own.rows, &own.fixed, k, seed);
    let fold_own: Vec<Vec<f32>> = test.iter().map(|&i| folds.own[i].clone()).collect();
    summary("  fold networks alone", &fold_rows, &fold_own, k, seed);
    for &l in &L2_NEURAL {
        let stage = fit_neural_stage(&train, l);
        let decide = |rows: &[&NeuralRow]| -> Vec<Vec<f32>> {
            rows.iter().map(|n| stage.probabilities(&n.first, &n.neural, &n.context)).collect()
        };
        let mine = decide(&own.nrows.iter().collect::<Vec<_>>());
        let theirs = decide(&test.iter().map(|&i| &folds.nrows[i]).collect::<Vec<_>>());
        summary(&format!("  l2 {l}, model"), &own.rows, &mine, k, seed);
        summary(&format!("  l2 {l}, fold networks"), &fold_rows, &theirs, k, seed);
    }
    Ok(())
}

/// The partner's probabilities of `data`'s rows, when it held out the same articles.
fn partner_probs(
    ctx: &StageContext<'_>,
    tier: &Loaded,
    partner: Option<&Loaded>,
    data: &StageRows,
) -> Result<Option<Vec<Vec<f32>>>> {
    match partner {
        Some(p) if p.held == tier.held => {
            Ok(Some(stack::row_probs(ctx.corpus, &data.rows, &p.detector)?))
        }
        Some(_) => {
            eprintln!("the model held out other articles than its partner: no partner");
            Ok(None)
        }
        None => Ok(None),
    }
}

/// The rows' neural probabilities: the tier's `own` (what they hold already, with their
/// article context), or with `partner`'s averaged in by weight `w`, and the article
/// context of those (`lines`: the same lines' articles and spans).
fn set_neural(
    rows: &mut [NeuralRow],
    lines: &[Row],
    own: &[Vec<f32>],
    partner: Option<&[Vec<f32>]>,
    w: f32,
) {
    let Some(p) = partner else { return };
    for (i, r) in rows.iter_mut().enumerate() {
        r.neural = own[i].iter().zip(&p[i]).map(|(a, b)| (1.0 - w) * a + w * b).collect();
    }
    set_context(lines, rows);
}

/// Out-of-fold probabilities of the neural stage over the held-out articles.
fn neural_cv(
    rows: &[Row],
    nrows: &[NeuralRow],
    l2: StagePenalty,
    k: usize,
    seed: u64,
) -> Vec<Vec<f32>> {
    let mut articles: Vec<usize> = rows.iter().map(|r| r.article).collect();
    articles.dedup();
    let fold_of: HashMap<usize, usize> = folds(&articles, k, seed).into_iter().collect();
    let mut out = vec![Vec::new(); rows.len()];
    for f in 0..k.max(2) {
        let train: Vec<NeuralRow> = (0..rows.len())
            .filter(|&i| fold_of[&rows[i].article] != f)
            .map(|i| nrows[i].clone())
            .collect();
        let stage = fit_neural_stage(&train, l2);
        for i in (0..rows.len()).filter(|&i| fold_of[&rows[i].article] == f) {
            let n = &nrows[i];
            out[i] = stage.probabilities(&n.first, &n.neural, &n.context);
        }
    }
    out
}
