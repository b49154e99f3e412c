//! `unspin report`: aggregate a corpus run's results.

use std::io::{BufRead, BufReader, Write};

use anyhow::{bail, Context, Result};
use unspin_detect::report::Report;
use unspin_printer::aggregate::{self, Aggregator};

use crate::flags::{ReportArgs, ReportFormat};

/// Runs `report`.
pub fn run(args: &ReportArgs) -> Result<()> {
    if let Some(out) = &args.out {
        if out.exists() && !args.force {
            bail!("{} exists; pass --force to overwrite it", out.display());
        }
    }
    let path = &args.results;
    let file = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let mut agg = Aggregator::new(args.group_by.clone());
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("reading {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Report>(&line) {
            Ok(r) => agg.add(r),
            Err(e) => eprintln!(
                "unspin: warning: {}:{}: not a report ({e}); skipped",
                path.display(),
                i + 1
            ),
        }
    }
    let (summary, top) = agg.finish();
    let body = match args.format {
        ReportFormat::Json => serde_json::to_string_pretty(&summary)? + "\n",
        ReportFormat::Html => aggregate::to_html(&summary, &top),
    };
    match &args.out {
        Some(out) => super::write_atomically(out, body.as_bytes())?,
        None => std::io::stdout().lock().write_all(body.as_bytes())?,
    }
    Ok(())
}
