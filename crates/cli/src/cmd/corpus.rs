//! Corpus mode (`analyze --out FILE`): stream documents through all cores, append one
//! JSON line per document as it completes, resume from what FILE already holds, never
//! overwrite it without --force, log per-document failures, stop cleanly on Ctrl-C.

use std::fs::OpenOptions;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use crossbeam_channel::bounded;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use unspin_detect::Analyzer;
use unspin_printer::resume;
use unspin_text::source::Sources;

use crate::flags::{AnalyzeArgs, Format};

enum Done {
    Line(String),
    Failed { source: String, message: String },
}

fn progress(len: Option<usize>, quiet: bool) -> ProgressBar {
    let bar = match len {
        Some(n) => ProgressBar::new(n as u64),
        None => ProgressBar::no_length(),
    };
    if quiet || !std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    let template = if len.is_some() {
        "{spinner} {pos}/{len} documents · {per_sec} · ETA {eta} {wide_bar}"
    } else {
        "{spinner} {pos} documents · {per_sec} · {elapsed}"
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar
}

/// Runs the corpus pipeline; `Ok(false)` when a document failed or the run was stopped.
pub fn run(args: &AnalyzeArgs, analyzer: Analyzer, out_path: &Path) -> Result<bool> {
    if args.format.is_some_and(|f| f != Format::Jsonl) {
        bail!(
            "--out writes JSON Lines (--format jsonl); redirect standard output for other formats"
        );
    }
    // What the file already holds; a torn last line (from a crash) is cut off and redone.
    let mut done = std::collections::HashSet::new();
    if out_path.exists() && !args.force {
        let scan =
            resume::scan(out_path).with_context(|| format!("reading {}", out_path.display()))?;
        if scan.torn {
            eprintln!(
                "unspin: {}: the last line is incomplete (an interrupted run); redoing it",
                out_path.display()
            );
            let f = OpenOptions::new().write(true).open(out_path)?;
            f.set_len(scan.valid_len)?;
        }
        if scan.lines > 0 {
            eprintln!(
                "unspin: {}: {} documents already done; resuming",
                out_path.display(),
                scan.lines
            );
        }
        done = scan.done;
    }
    let mut out = OpenOptions::new()
        .create(true)
        .append(!args.force)
        .write(true)
        .truncate(args.force)
        .open(out_path)
        .with_context(|| format!("opening {}", out_path.display()))?;
    let mut errors = match &args.errors {
        Some(p) => Some(
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .with_context(|| format!("opening {}", p.display()))?,
        ),
        None => None,
    };

    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        // A second Ctrl-C ends the process at once.
        let _ = ctrlc::set_handler(move || {
            if stop.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
        });
    }
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let sources = Sources::new(&args.paths, super::read_options(&args.input));
    let bar = progress(sources.len_hint(), args.quiet);
    let (doc_tx, doc_rx) = bounded(jobs * 4);
    let (done_tx, done_rx) = bounded::<Done>(jobs * 4);
    let mut skipped = 0usize;
    let (mut written, mut failed) = (0usize, 0usize);
    std::thread::scope(|scope| -> Result<()> {
        let reader_stop = stop.clone();
        let reader_done = done_tx.clone();
        let reader_bar = bar.clone();
        let skipped_ref = &mut skipped;
        scope.spawn(move || {
            for item in sources {
                if reader_stop.load(Ordering::SeqCst) {
                    break;
                }
                match item {
                    Ok(doc) => {
                        if done.contains(&(doc.id.clone(), doc.source.clone())) {
                            *skipped_ref += 1;
                            reader_bar.inc(1);
                            continue;
                        }
                        if doc_tx.send(doc).is_err() {
                            break;
                        }
                    }
                    Err(e) => {
                        let msg =
                            Done::Failed { source: e.input.clone(), message: e.error.to_string() };
                        if reader_done.send(msg).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        for _ in 0..jobs {
            let rx = doc_rx.clone();
            let tx = done_tx.clone();
            let analyzer = analyzer.clone();
            scope.spawn(move || {
                for doc in rx {
                    let report = analyzer.analyze(&doc);
                    let msg = match serde_json::to_string(&report) {
                        Ok(line) => Done::Line(line),
                        Err(e) => Done::Failed {
                            source: doc.source.clone().unwrap_or_else(|| doc.id.clone()),
                            message: e.to_string(),
                        },
                    };
                    if tx.send(msg).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        drop(doc_rx);
        for msg in done_rx {
            match msg {
                Done::Line(line) => {
                    // One write per line, flushed: a crash can tear at most the last line.
                    out.write_all(format!("{line}\n").as_bytes())?;
                    written += 1;
                }
                Done::Failed { source, message } => {
                    failed += 1;
                    bar.suspend(|| eprintln!("unspin: {source}: {message}"));
                    if let Some(e) = errors.as_mut() {
                        let row = serde_json::json!({"source": source, "message": message});
                        writeln!(e, "{row}")?;
                    }
                }
            }
            bar.inc(1);
        }
        Ok(())
    })?;
    out.sync_all()?;
    bar.finish_and_clear();
    let interrupted = stop.load(Ordering::SeqCst);
    eprintln!(
        "unspin: {written} documents written to {}, {skipped} already there, {failed} failed{}",
        out_path.display(),
        if interrupted { "; interrupted — rerun the same command to resume" } else { "" }
    );
    Ok(failed == 0 && !interrupted)
}
