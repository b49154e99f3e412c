//! `unspin analyze`: documents in, reports out through a sink.

use std::io::{IsTerminal, Write};

use anyhow::{Context, Result};
use rayon::prelude::*;
use unspin_detect::Sink;
use unspin_engine::EngineConfig;
use unspin_printer::{Html, Json, JsonLines, Pretty, SemevalSi, SemevalTc};
use unspin_text::source::Sources;

use crate::flags::{AnalyzeArgs, Format};

/// Documents analysed in parallel at a time; output keeps input order.
const BATCH: usize = 64;

/// The sink for a format.
pub fn sink<'a>(format: Format, out: Box<dyn Write + 'a>) -> Box<dyn Sink + 'a> {
    match format {
        Format::Pretty => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            Box::new(Pretty::new(out, color))
        }
        Format::Json => Box::new(Json::new(out)),
        Format::Jsonl => Box::new(JsonLines::new(out)),
        Format::SemevalSi => Box::new(SemevalSi::new(out)),
        Format::SemevalTc => Box::new(SemevalTc::new(out)),
        Format::Html => Box::new(Html::new(out)),
    }
}

/// Runs `analyze`; `Ok(false)` when some inputs failed (each reported on stderr).
pub fn run(args: &AnalyzeArgs) -> Result<bool> {
    let analyzer = EngineConfig {
        techniques: args.model.model.clone(),
        claims: args.claims_model.clone(),
        quotes: args.quotes_model.clone(),
        min_confidence: args.min_confidence,
        fallback: args.fallback,
    }
    .analyzer()?;
    if let Some(out) = &args.out {
        return super::corpus::run(args, analyzer, out);
    }
    let format = args.format.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Pretty
    } else {
        Format::Json
    });
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()
        .context("starting worker threads")?;
    let stdout = std::io::stdout();
    let mut sink = sink(format, Box::new(std::io::BufWriter::new(stdout.lock())));
    let mut sources = Sources::new(&args.paths, super::read_options(&args.input));
    let mut ok = true;
    loop {
        let batch: Vec<_> = sources.by_ref().take(BATCH).collect();
        if batch.is_empty() {
            break;
        }
        let reports: Vec<_> =
            pool.install(|| batch.into_par_iter().map(|doc| analyze_one(&analyzer, doc)).collect());
        for r in reports {
            match r {
                Ok(report) => sink.report(&report)?,
                Err(e) => {
                    ok = false;
                    eprintln!("unspin: {e}");
                }
            }
        }
    }
    sink.finish()?;
    Ok(ok)
}

/// One document's report, or what went wrong, naming the input.
fn analyze_one(
    analyzer: &unspin_detect::Analyzer,
    doc: Result<unspin_text::Document, unspin_text::source::InputError>,
) -> Result<unspin_detect::report::Report, String> {
    let doc = doc.map_err(|e| e.to_string())?;
    analyzer.analyze(&doc).map_err(|e| format!("{}: {e}", doc.source.as_deref().unwrap_or(&doc.id)))
}
