//! `unspin claims` and `unspin train claims`.

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Serialize;
use unspin_model::checkthat;
use unspin_model::claims;
use unspin_model::fast::classifier::ClassifierConfig;
use unspin_text::source::Sources;

use crate::flags::{ClaimsArgs, ClaimsFormat, TrainClaims};

/// Reads a CheckThat! TSV, printing a warning per skipped row.
pub fn read_tsv(path: &Path) -> Result<Vec<checkthat::Row>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(rows_of(path, &text))
}

/// The rows of a CheckThat! TSV already read from `path`, warning per skipped row.
fn rows_of(path: &Path, text: &str) -> Vec<checkthat::Row> {
    let (rows, warnings) = checkthat::parse(text);
    for w in warnings {
        eprintln!("unspin: warning: {}:{}: {} (row skipped)", path.display(), w.line, w.message);
    }
    rows
}

fn is_tsv(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("tsv"))
}

#[derive(Serialize)]
struct ScoredRow<'a> {
    id: &'a str,
    score: f32,
    label: &'static str,
}

#[derive(Serialize)]
struct ArticleClaim<'a> {
    id: &'a str,
    start: usize,
    end: usize,
    score: f32,
    check_worthy: bool,
    text: &'a str,
}

/// Runs `claims`; `Ok(false)` when some inputs failed.
pub fn run(args: &ClaimsArgs) -> Result<bool> {
    let scorer = unspin_engine::load::claims(&args.claims_model)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut ok = true;
    let (tsvs, articles): (Vec<_>, Vec<_>) = args.paths.iter().partition(|p| is_tsv(p));
    for path in tsvs {
        let rows = read_tsv(path)?;
        let texts: Vec<&str> = rows.iter().map(|r| r.text.as_str()).collect();
        let scores = scorer.score_batch(&texts).with_context(|| path.display().to_string())?;
        for (r, score) in rows.iter().zip(scores) {
            let label = if score >= scorer.threshold() { "Yes" } else { "No" };
            match args.format {
                ClaimsFormat::Tsv => writeln!(out, "{}\t{score:.6}\t{label}", r.id)?,
                ClaimsFormat::Json => {
                    serde_json::to_writer(&mut out, &ScoredRow { id: &r.id, score, label })?;
                    writeln!(out)?;
                }
            }
        }
    }
    for doc in Sources::new(&articles, super::read_options(&args.input)) {
        let doc = match doc {
            Ok(d) => d,
            Err(e) => {
                ok = false;
                eprintln!("unspin: {e}");
                continue;
            }
        };
        let mut ranked = match unspin_detect::claims::score_sentences(scorer.as_ref(), &doc) {
            Ok(r) => r,
            Err(e) => {
                ok = false;
                eprintln!("unspin: {}: {e}", doc.source.as_deref().unwrap_or(&doc.id));
                continue;
            }
        };
        if !args.all {
            ranked.retain(|c| c.score >= scorer.threshold());
        }
        for c in &ranked {
            let check_worthy = c.score >= scorer.threshold();
            match args.format {
                ClaimsFormat::Tsv => writeln!(
                    out,
                    "{}\t{}\t{}\t{:.6}\t{}",
                    doc.id,
                    c.start,
                    c.end,
                    c.score,
                    c.text.replace(['\t', '\n', '\r'], " ")
                )?,
                ClaimsFormat::Json => {
                    let row = ArticleClaim {
                        id: &doc.id,
                        start: c.start,
                        end: c.end,
                        score: c.score,
                        check_worthy,
                        text: &c.text,
                    };
                    serde_json::to_writer(&mut out, &row)?;
                    writeln!(out)?;
                }
            }
        }
    }
    out.flush()?;
    Ok(ok)
}

/// `unspin train claims`.
pub fn train(args: &TrainClaims) -> Result<()> {
    if args.out.exists() && !args.force {
        bail!("{} exists; pass --force to overwrite it", args.out.display());
    }
    let start = std::time::Instant::now();
    let train_text = std::fs::read_to_string(&args.train)
        .with_context(|| format!("reading {}", args.train.display()))?;
    let sha = unspin_model::artifact::sha256_hex(train_text.as_bytes());
    let train_rows = rows_of(&args.train, &train_text);
    let tune_rows = read_tsv(&args.tune)?;
    let mut log = |m: String| eprintln!("[{:>6.1}s] {m}", start.elapsed().as_secs_f64());
    if args.neural {
        let spec = unspin_neural::install::spec_of(&args.encoder)
            .with_context(|| format!("--encoder is `minilm` or `mpnet`, not `{}`", args.encoder))?;
        let dir = unspin_neural::install::installed(spec)?;
        let fast = unspin_engine::load::fast_claim_model()?;
        let head = if args.layers > 0 {
            let cfg = unspin_neural::claims::ClaimTuneConfig {
                layers: args.layers,
                epochs: args.neural_epochs,
                seed: args.seed,
                ..Default::default()
            };
            unspin_neural::claims::finetune(spec, &fast, &train_rows, &tune_rows, &cfg, &mut log)?
        } else {
            let encoder = unspin_neural::encoder::Encoder::load(&dir)?;
            unspin_neural::claims::train(spec, &encoder, &fast, &train_rows, &tune_rows, &mut log)?
        };
        super::write_atomically(&args.out, &head.to_bytes()?)?;
        log(format!("wrote {}", args.out.display()));
        return Ok(());
    }
    let cfg = ClassifierConfig {
        bits: 20,
        epochs: args.epochs,
        learning_rate: args.learning_rate,
        l2: args.l2,
        seed: args.seed,
    };
    let model = claims::train(&train_rows, &tune_rows, &cfg, sha, &mut log);
    super::write_atomically(&args.out, &model.to_bytes()?)?;
    log(format!("wrote {}", args.out.display()));
    Ok(())
}
