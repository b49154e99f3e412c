//! `unspin eval kernels`: how far each reduced-precision kernel path moves the neural
//! models' decisions from fp32's. It reads training data by default (PTC `fit`, CheckThat!
//! `train`), so a path — or a change to one — is judged without reading `valid` or
//! `dev-test`: the agreement with fp32 needs no labels, and the figures' changes are
//! measured on data the models were fitted to.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::time::Instant;

use anyhow::{Context, Result};
use unspin_detect::techniques::{self, Predictions};
use unspin_model::ptc;
use unspin_neural::kernels::{set_kernels, KernelChoice, KernelPath};

use crate::flags::EvalKernels;

/// One path's decisions and figures.
#[derive(serde::Serialize)]
struct Run {
    path: String,
    /// Seconds the technique model took over the articles.
    technique_seconds: f64,
    si_f1: f64,
    tc_f1: f64,
    end_to_end_f1: f64,
    claims_f1: f64,
    /// F1 of the detected (span, technique) pairs against fp32's, exact matches.
    spans_agree: f64,
    /// Share of the gold spans named the same technique as fp32 names them.
    techniques_agree: f64,
    /// Claim decisions that differ from fp32's.
    claims_flipped: usize,
    /// Largest difference of a claim score from fp32's.
    claims_max_gap: f32,
    #[serde(skip)]
    predictions: Predictions,
    #[serde(skip)]
    scores: Vec<f32>,
}

/// `unspin eval kernels`.
pub fn compare(args: &EvalKernels) -> Result<String> {
    let split: ptc::Split = args.split.parse()?;
    let mut corpus = ptc::load(&args.data, split)
        .with_context(|| format!("reading PTC from {}", args.data.display()))?;
    if args.articles > 0 {
        corpus.articles.truncate(args.articles);
    }
    let rows = super::claims::read_tsv(&args.claims)?;
    let mut labelled: Vec<_> = rows.iter().filter(|r| r.label.is_some()).collect();
    if args.sentences > 0 {
        labelled.truncate(args.sentences);
    }
    let texts: Vec<&str> = labelled.iter().map(|r| r.text.as_str()).collect();
    let gold: Vec<bool> = labelled.iter().map(|r| r.label == Some(true)).collect();
    // Loaded on fp32, the models keep the f32 weights every path can be packed from (on a
    // reduced path they would keep only the packed ones).
    set_kernels(KernelChoice::Exact(KernelPath::Fp32))?;
    let detector = unspin_engine::load::techniques(&args.model)?;
    let scorer = unspin_engine::load::claims(&args.claims_model)?;
    let mut runs: Vec<Run> = Vec::new();
    for path in paths(args)? {
        set_kernels(KernelChoice::Exact(path))?;
        let started = Instant::now();
        let predictions = techniques::predict(detector.as_ref(), &corpus)?;
        let technique_seconds = started.elapsed().as_secs_f64();
        let scores = scorer.score_batch(&texts)?;
        let decided: Vec<bool> = scores.iter().map(|s| *s >= scorer.threshold()).collect();
        let e = predictions.score()?;
        let mut run = Run {
            path: path.name().into(),
            technique_seconds,
            si_f1: e.si.f1,
            tc_f1: e.tc.f1,
            end_to_end_f1: e.end_to_end.f1,
            claims_f1: unspin_model::claims::f1_yes(&gold, &decided).0,
            spans_agree: 1.0,
            techniques_agree: 1.0,
            claims_flipped: 0,
            claims_max_gap: 0.0,
            predictions,
            scores,
        };
        if let Some(reference) = runs.first() {
            agreement(&mut run, reference, scorer.threshold());
        }
        runs.push(run);
    }
    if args.json {
        return Ok(serde_json::to_string_pretty(&runs)? + "\n");
    }
    Ok(table(args, &runs, corpus.articles.len(), texts.len()))
}

/// fp32 first, then the paths asked for (default: every other one this CPU runs).
fn paths(args: &EvalKernels) -> Result<Vec<KernelPath>> {
    let mut out = vec![KernelPath::Fp32];
    if args.paths.is_empty() {
        out.extend(KernelPath::ALL[1..].iter().filter(|p| p.supported()));
        return Ok(out);
    }
    for name in &args.paths {
        let path = name.parse::<KernelChoice>()?.resolve()?;
        if !out.contains(&path) {
            out.push(path);
        }
    }
    Ok(out)
}

/// Fills in how `run` agrees with the `reference` run.
fn agreement(run: &mut Run, reference: &Run, threshold: f32) {
    let (a, b) = (&run.predictions, &reference.predictions);
    let mine: HashSet<_> = a.pred_e2e.iter().collect();
    let theirs: HashSet<_> = b.pred_e2e.iter().collect();
    let both = mine.intersection(&theirs).count();
    let total = mine.len() + theirs.len();
    run.spans_agree = if total == 0 { 1.0 } else { 2.0 * both as f64 / total as f64 };
    let same = a.pred_tc.iter().zip(&b.pred_tc).filter(|(x, y)| x == y).count();
    run.techniques_agree = same as f64 / b.pred_tc.len().max(1) as f64;
    let pairs = run.scores.iter().zip(&reference.scores);
    run.claims_flipped =
        pairs.clone().filter(|(x, y)| (**x >= threshold) != (**y >= threshold)).count();
    run.claims_max_gap = pairs.map(|(x, y)| (x - y).abs()).fold(0.0, f32::max);
}

/// The runs side by side.
fn table(args: &EvalKernels, runs: &[Run], articles: usize, sentences: usize) -> String {
    let mut out = format!(
        "technique model {} on PTC {} ({articles} articles), claim model {} on {} \
         ({sentences} sentences)\n\
         {:<12} {:>7} {:>7} {:>7} {:>7} {:>9} {:>9} {:>8} {:>8} {:>7}\n",
        args.model,
        args.split,
        args.claims_model,
        args.claims.display(),
        "path",
        "SI F1",
        "TC F1",
        "e2e F1",
        "claims",
        "spans=",
        "TC=",
        "flipped",
        "max gap",
        "seconds",
    );
    for r in runs {
        let _ = writeln!(
            out,
            "{:<12} {:>7.4} {:>7.4} {:>7.4} {:>7.4} {:>9.4} {:>9.4} {:>8} {:>8.4} {:>7.1}",
            r.path,
            r.si_f1,
            r.tc_f1,
            r.end_to_end_f1,
            r.claims_f1,
            r.spans_agree,
            r.techniques_agree,
            r.claims_flipped,
            r.claims_max_gap,
            r.technique_seconds
        );
    }
    out + "spans=: detected (span, technique) pairs matching fp32's exactly (F1); TC=: gold \
           spans named fp32's technique; flipped: claim decisions that differ from fp32's\n"
}
