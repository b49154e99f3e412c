//! Corpus mode (`analyze --out FILE`): stream documents through all cores, append one
//! JSON line per document as it completes, resume from what FILE already holds, never
//! overwrite it without --force, log per-document failures, stop cleanly on Ctrl-C.

use std::fs::OpenOptions;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use crossbeam_channel::{bounded, Receiver, Sender};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use unspin_detect::Analyzer;
use unspin_printer::resume;
use unspin_text::source::{FileId, Sources};
use unspin_text::Document;

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
    let (mut out, done, out_id) = open_out(args, out_path)?;
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
    // The run's own files are never read back as input, whatever name a glob gives them.
    let mut read = super::read_options(&args.input);
    read.exclude.push(out_id);
    if let Some(p) = &args.errors {
        read.exclude.push(FileId::of(p)?);
    }
    let sources = Sources::new(&args.paths, read);
    let bar = progress(sources.len_hint(), args.quiet);
    let (doc_tx, doc_rx) = bounded(jobs * 4);
    let (done_tx, done_rx) = bounded::<Done>(jobs * 4);
    let mut skipped = 0;
    let (mut written, mut failed) = (0usize, 0usize);
    std::thread::scope(|scope| -> Result<()> {
        let reader = {
            let (stop, done_tx, bar) = (stop.clone(), done_tx.clone(), bar.clone());
            scope.spawn(move || read_documents(sources, &done, &stop, &doc_tx, &done_tx, &bar))
        };
        for _ in 0..jobs {
            let (rx, tx, analyzer) = (doc_rx.clone(), done_tx.clone(), analyzer.clone());
            scope.spawn(move || analyze_documents(&analyzer, rx, tx));
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
        skipped = reader.join().map_err(|_| anyhow::anyhow!("the input reader panicked"))?;
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

/// Sends each document not already `done` to the workers (and each unreadable input to
/// the writer as a failure) until the inputs end or `stop` is set; the number skipped.
fn read_documents(
    sources: Sources,
    done: &DoneSet,
    stop: &AtomicBool,
    doc_tx: &Sender<Document>,
    done_tx: &Sender<Done>,
    bar: &ProgressBar,
) -> usize {
    let mut skipped = 0;
    for item in sources {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        match item {
            Ok(doc) => {
                if done.contains(&(doc.id.clone(), doc.source.clone())) {
                    skipped += 1;
                    bar.inc(1);
                    continue;
                }
                if doc_tx.send(doc).is_err() {
                    break;
                }
            }
            Err(e) if matches!(e.error, unspin_text::Error::OwnOutput) => {
                bar.suspend(|| eprintln!("unspin: {e} (skipped)"));
            }
            Err(e) => {
                let msg = Done::Failed { source: e.input.clone(), message: e.error.to_string() };
                if done_tx.send(msg).is_err() {
                    break;
                }
            }
        }
    }
    skipped
}

/// A worker: analyses documents and sends each report as a JSON line, or its failure
/// (logged to --errors; the document is not in --out, so a rerun tries it again).
fn analyze_documents(analyzer: &Analyzer, rx: Receiver<Document>, tx: Sender<Done>) {
    for doc in rx {
        let line = analyzer
            .analyze(&doc)
            .map_err(|e| e.to_string())
            .and_then(|r| serde_json::to_string(&r).map_err(|e| e.to_string()));
        let msg = match line {
            Ok(line) => Done::Line(line),
            Err(message) => Done::Failed {
                source: doc.source.clone().unwrap_or_else(|| doc.id.clone()),
                message,
            },
        };
        if tx.send(msg).is_err() {
            break;
        }
    }
}

/// `(id, source)` of the documents an output file already holds.
type DoneSet = std::collections::HashSet<(String, Option<String>)>;

/// Opens `--out` for appending, locked for the run, and returns it with the documents it
/// already holds. Refuses an `--out` that is also a named input or not a results file;
/// cuts a last line torn by a crash; empties the file with `--force`.
fn open_out(args: &AnalyzeArgs, out_path: &Path) -> Result<(std::fs::File, DoneSet, FileId)> {
    // Opened and locked before it is read, so that a second run on the same file (a
    // resume started while this one goes on) is refused instead of interleaving lines.
    let out = OpenOptions::new()
        .create(true)
        .append(true)
        .open(out_path)
        .with_context(|| format!("opening {}", out_path.display()))?;
    // The output must not be one of the inputs named on the command line (an input
    // exists already, so opening it created nothing).
    let out_id = FileId::of(out_path)?;
    if args.paths.iter().any(|p| p.is_file() && FileId::of(p).is_ok_and(|id| id == out_id)) {
        bail!("--out {} is also an input; write the results to another file", out_path.display());
    }
    lock(&out, out_path)?;
    if args.force {
        out.set_len(0).with_context(|| format!("emptying {}", out_path.display()))?;
    }
    // What the file already holds; a torn last line (from a crash) is cut off and redone.
    let scan = resume::scan(out_path).with_context(|| format!("reading {}", out_path.display()))?;
    if let Some(line) = scan.foreign_line {
        bail!(
            "{} is not an unspin results file (line {line} is not a report); nothing was \
             changed: choose another --out, or --force to replace it",
            out_path.display()
        );
    }
    if scan.torn {
        eprintln!(
            "unspin: {}: the last line is incomplete (an interrupted run); redoing it",
            out_path.display()
        );
        out.set_len(scan.valid_len)?;
    }
    if scan.lines > 0 {
        eprintln!(
            "unspin: {}: {} documents already done; resuming",
            out_path.display(),
            scan.lines
        );
    }
    Ok((out, scan.done, out_id))
}

/// Takes an exclusive lock on the output file for the length of the run, or fails naming
/// the process that holds it.
fn lock(out: &std::fs::File, path: &Path) -> Result<()> {
    match out.try_lock() {
        Ok(()) => Ok(()),
        Err(std::fs::TryLockError::WouldBlock) => {
            let holder = holder(out).map_or(String::new(), |h| format!(" ({h})"));
            bail!(
                "{} is being written by another unspin run{holder}; wait for it to finish, \
                 or write to another --out",
                path.display()
            )
        }
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("locking {}", path.display()))
        }
    }
}

/// The process holding a lock on `file`, from `/proc/locks` (Linux): "process N: command".
fn holder(file: &std::fs::File) -> Option<String> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        let ino = file.metadata().ok()?.ino();
        let locks = std::fs::read_to_string("/proc/locks").ok()?;
        // "1: FLOCK  ADVISORY  WRITE 12345 08:01:1234567 0 EOF"
        let pid = locks.lines().find_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let at = fields.iter().position(|f| f.matches(':').count() == 2)?;
            let inode: u64 = fields[at].rsplit(':').next()?.parse().ok()?;
            (inode == ino).then(|| fields.get(at.checked_sub(1)?)?.parse::<u32>().ok())?
        })?;
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let cmd: Vec<String> = cmd
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        Some(if cmd.is_empty() {
            format!("process {pid}")
        } else {
            format!("process {pid}: {}", cmd.join(" "))
        })
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = file;
        None
    }
}
