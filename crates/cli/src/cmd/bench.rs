//! `unspin bench`: model load time, analysis throughput on one and on all cores, and peak
//! memory, measured in one run so the ratios compare like with like.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use rayon::prelude::*;
use unspin_detect::{Analyzer, AnalyzerBuilder};
use unspin_engine::ModelChoice;
use unspin_model::claims::ClaimModel;
use unspin_model::fast::FastModel;
use unspin_text::source::Sources;
use unspin_text::Document;

use crate::flags::BenchArgs;

/// The shipped sample, used when no paths are given.
const SAMPLE: &str = include_str!("../../../../samples/harbor-bridge.txt");

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Peak resident memory of this process in bytes (Linux `VmHWM`), if known.
pub fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// A rate with the digits that matter: two decimals below 10, none above.
fn rate(x: f64) -> String {
    if x < 10.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.0}")
    }
}

/// Runs the benchmark and returns its report.
pub fn run(args: &BenchArgs) -> Result<String> {
    let mut out = String::new();
    if args.model.model == ModelChoice::Fast {
        out += &fast_load_time();
    }
    let detector = unspin_engine::load::techniques(&args.model.model)?;
    let mut builder = AnalyzerBuilder::new();
    builder
        .techniques_shared(detector.clone())
        .claims_shared(unspin_engine::load::claims(&args.claims_model)?);
    if let Some(q) = unspin_engine::load::quotes(&args.quotes_model)? {
        builder.quotes_neural(q);
    }
    let analyzer = builder.build();
    let base: Vec<Document> = if args.paths.is_empty() {
        vec![Document::new("sample", SAMPLE.to_string())]
    } else {
        Sources::new(&args.paths, super::read_options(&args.input))
            .collect::<Result<_, _>>()
            .context("reading the benchmark inputs")?
    };
    let neural = ["neural", "accurate"].contains(&detector.name());
    let repeat = args.repeat.unwrap_or(if neural { 4 } else { 200 }).max(1);
    let docs: Vec<&Document> = base.iter().cycle().take(base.len() * repeat).collect();
    let threads =
        args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    out += &analysis_rates(&analyzer, &docs, threads, neural)?;
    // The analysis's own peak, before the encoder benchmark loads an encoder of its own.
    out += &peak_line("the analysis");
    if neural {
        out +=
            &encoder_throughput(args, args.encoder.as_deref().unwrap_or(detector.name()), threads)?;
    }
    out += &claim_rate(&unspin_engine::load::fast_claim_model()?, &base);
    out += &peak_line("the whole benchmark");
    Ok(out)
}

/// Load time of the embedded fast model, median of 5.
fn fast_load_time() -> String {
    let loads: Vec<Duration> = (0..5)
        .map(|_| {
            let t = Instant::now();
            let m = FastModel::embedded();
            let d = t.elapsed();
            drop(m);
            d
        })
        .collect();
    format!(
        "model load (embedded fast model): {:.1} ms (median of 5)\n",
        median(loads).as_secs_f64() * 1e3
    )
}

/// MB/s and documents/s of `analyzer` over `docs` on one thread and on `threads`.
fn analysis_rates(
    analyzer: &Analyzer,
    docs: &[&Document],
    threads: usize,
    neural: bool,
) -> Result<String> {
    let bytes: usize = docs.iter().map(|d| d.text.len()).sum();
    let mut out =
        format!("input: {} documents, {:.2} MB of text\n", docs.len(), bytes as f64 / 1e6);
    let mut one = None;
    for n in [1, threads] {
        if n == 1 && one.is_some() {
            continue;
        }
        let pool = rayon::ThreadPoolBuilder::new().num_threads(n).build()?;
        // Warm up, then take the best of three runs (one run for the neural model).
        let mut best = Duration::MAX;
        for _ in 0..if neural { 1 } else { 3 } {
            let t = Instant::now();
            let spans: usize = pool.install(|| {
                docs.par_iter()
                    .map(|d| analyzer.analyze(d).map(|r| r.techniques.len()))
                    .sum::<Result<usize, _>>()
            })?;
            best = best.min(t.elapsed());
            std::hint::black_box(spans);
        }
        let secs = best.as_secs_f64();
        let mbs = bytes as f64 / 1e6 / secs;
        let ratio = match one {
            Some(o) => format!(" ({:.2}× the 1-thread run)", mbs / o),
            None => String::new(),
        };
        out += &format!(
            "{n} thread{}: {mbs:.2} MB/s, {} documents/s{ratio}\n",
            if n == 1 { "" } else { "s" },
            rate(docs.len() as f64 / secs)
        );
        if n == 1 {
            one = Some(mbs);
        }
    }
    Ok(out)
}

/// The fast claim model alone, one core: sentences per second over `base`'s sentences.
fn claim_rate(claim_model: &ClaimModel, base: &[Document]) -> String {
    let sentences: Vec<&str> = base
        .iter()
        .flat_map(|d| {
            unspin_text::segment::sentences(&d.text).into_iter().map(move |r| d.text[r].trim())
        })
        .filter(|s| !s.is_empty())
        .collect();
    let reps = (20_000 / sentences.len().max(1)).max(1);
    let t = Instant::now();
    let mut total = 0.0f32;
    for _ in 0..reps {
        for s in &sentences {
            total += claim_model.score(s);
        }
    }
    std::hint::black_box(total);
    let n = (reps * sentences.len()) as f64;
    format!("claim scoring, 1 thread: {:.0} sentences/s\n", n / t.elapsed().as_secs_f64())
}

/// The process's peak memory so far, as a report line naming `what` it covers (empty
/// where the system does not say).
fn peak_line(what: &str) -> String {
    peak_memory().map_or(String::new(), |p| {
        format!("peak memory of {what} (VmHWM): {:.1} MB\n", p as f64 / 1e6)
    })
}

/// The encoder alone: word pieces per second through all layers, for fixed-shape batches of
/// random ids (the shape `bench/torch_minilm.py` times in PyTorch), on 1 and on `threads`
/// threads, for every kernel path this CPU runs, side by side.
fn encoder_throughput(args: &BenchArgs, encoder: &str, threads: usize) -> Result<String> {
    use unspin_neural::bert::Bert;
    use unspin_neural::kernels::{active, KernelPath};
    let spec = unspin_neural::install::spec_of(encoder)
        .ok_or_else(|| anyhow::anyhow!("unknown encoder {encoder:?}: `neural` or `accurate`"))?;
    let dir = unspin_neural::install::installed(spec)?;
    let (bert, _) = Bert::load(&dir, 0)?;
    let (b, t) = (args.encoder_batch.max(1), args.encoder_len.clamp(2, 512));
    let mut out =
        format!("encoder {}; kernels: {} (chosen for the analysis above)\n", spec.name, active()?);
    if let Some(s) = unspin_neural::kernels::calibrate::avx512_bf16_speedup() {
        let verdict = match unspin_neural::kernels::calibrate::pays(s) {
            true => "auto takes it where there is no AMX",
            false => "auto takes f32 over it where there is no AMX",
        };
        out += &format!("bf16-avx512 products ran {s:.2}x as fast as f32 here: {verdict}\n");
    }
    for path in KernelPath::ALL {
        let missing = path.missing();
        if !missing.is_empty() {
            out += &format!("encoder {path}: not run, this CPU lacks {}\n", missing.join(", "));
            continue;
        }
        for n in [1, threads] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(n).build()?;
            let rate = pool.install(|| bert.throughput((b, t), 10, path))?;
            out += &format!(
                "encoder forward {path}, batch {b}x{t}, {n} thread{}: {:.0} word pieces/s\n",
                if n == 1 { "" } else { "s" },
                rate
            );
            if n == threads {
                break;
            }
        }
    }
    Ok(out)
}
