//! `unspin train techniques`.

use anyhow::{bail, Context, Result};
use unspin_model::fast::train::{train, TrainConfig};
use unspin_model::ptc;

use crate::flags::TrainTechniques;

/// Trains the fast model and writes it to `--out`.
pub fn techniques(args: &TrainTechniques) -> Result<()> {
    if args.out.exists() && !args.force {
        bail!("{} exists; pass --force to overwrite it", args.out.display());
    }
    let split: ptc::Split = args.split.parse()?;
    if split == ptc::Split::Valid {
        eprintln!("warning: training on the valid split; figures on valid will mean nothing");
    }
    let start = std::time::Instant::now();
    let corpus = ptc::load(&args.data, split)
        .with_context(|| format!("reading PTC from {}", args.data.display()))?;
    eprintln!("read {} articles (data sha256 {})", corpus.articles.len(), corpus.sha256);
    let mut cfg = TrainConfig { seed: args.seed, si_epochs: args.si_epochs, ..TrainConfig::default() };
    cfg.tc.epochs = args.tc_epochs;
    cfg.tc.seed = args.seed;
    let mut log = |m: String| eprintln!("[{:>6.1}s] {m}", start.elapsed().as_secs_f64());
    let model = train(&corpus, &args.split, &cfg, &mut log)?;
    // Write to a temporary file first so that an interrupted run never leaves a torn model.
    let tmp = args.out.with_extension("tmp");
    model.save(&tmp)?;
    std::fs::rename(&tmp, &args.out)
        .with_context(|| format!("moving the model into {}", args.out.display()))?;
    let size = std::fs::metadata(&args.out).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "wrote {} ({:.1} MB) in {:.1}s",
        args.out.display(),
        size as f64 / 1e6,
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
