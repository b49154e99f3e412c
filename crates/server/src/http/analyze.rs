//! `POST /api/v1/analyze` and `POST /api/v1/analyze/batch`.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use unspin_detect::report::Report;
use unspin_text::{decode, html, DecodeOptions, Document};

use super::{AppError, AppState};

/// A document to analyse: `text`, or an HTML page in `html`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalyzeRequest {
    /// Plain text.
    pub text: Option<String>,
    /// An HTML page; its main article text is extracted first.
    pub html: Option<String>,
    /// An id for the report (default `request`).
    pub id: Option<String>,
}

/// Reads the whole body, at most `max_body` bytes, within the body deadline: a client
/// that trickles its body is answered 408 instead of holding a connection.
async fn read_body(state: &AppState, body: Body) -> Result<Bytes, AppError> {
    let read = axum::body::to_bytes(body, state.config.max_body);
    match tokio::time::timeout(state.config.body_timeout, read).await {
        Err(_) => Err(AppError::BodyTimeout),
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => {
            let too_large = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            if too_large {
                Err(AppError::TooLarge("the request body is over the size limit".into()))
            } else {
                Err(AppError::BadRequest(format!("cannot read the request body: {e}")))
            }
        }
    }
}

fn media_type(headers: &HeaderMap) -> Result<String, AppError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| AppError::UnsupportedType("a Content-Type header is required".into()))?;
    Ok(ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
}

/// Text checks shared with the CLI: empty, binary, invalid UTF-8 → 422.
fn checked(bytes: &[u8], max: usize) -> Result<String, AppError> {
    let opts = DecodeOptions { max_bytes: max as u64, lossy: false };
    decode(bytes, &opts).map_err(|e| match e {
        unspin_text::Error::TooLarge { .. } => AppError::TooLarge(e.to_string()),
        unspin_text::Error::InvalidUtf8 { offset } => AppError::Undecodable(format!(
            "the text is not valid UTF-8 (first bad byte at byte offset {offset}); send UTF-8"
        )),
        e => AppError::Undecodable(e.to_string()),
    })
}

/// A checked request body, before HTML extraction (which runs on the analysis pool).
struct Input {
    id: String,
    text: String,
    is_html: bool,
}

impl Input {
    fn plain(text: String) -> Input {
        Input { id: "request".into(), text, is_html: false }
    }

    fn html(text: String) -> Input {
        Input { id: "request".into(), text, is_html: true }
    }

    /// The document to analyse: HTML pages have their article text extracted.
    fn document(self) -> Result<Document, AppError> {
        let text = if self.is_html {
            html::extract(&self.text).map_err(|e| AppError::Undecodable(e.to_string()))?
        } else {
            self.text
        };
        Ok(Document::new(self.id, text))
    }
}

fn input(req: AnalyzeRequest, max: usize) -> Result<Input, AppError> {
    let mut input = match (req.text, req.html) {
        (Some(t), None) => Input::plain(checked(t.as_bytes(), max)?),
        (None, Some(h)) => Input::html(checked(h.as_bytes(), max)?),
        _ => return Err(AppError::BadRequest("give exactly one of \"text\" and \"html\"".into())),
    };
    if let Some(id) = req.id {
        input.id = id;
    }
    Ok(input)
}

async fn run<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&unspin_detect::Analyzer) -> T + Send + 'static,
) -> Result<T, AppError> {
    // Admission: a free permit or 503 at once; the permit lives as long as the work, so
    // the bound holds even for work that outlives its request's time limit.
    let permit = state.permits.clone().try_acquire_owned().map_err(|_| AppError::Overloaded)?;
    let analyzer = state.analyzer.clone();
    let task = tokio::task::spawn_blocking(move || {
        let out = work(&analyzer);
        drop(permit);
        out
    });
    match tokio::time::timeout(state.config.timeout, task).await {
        Err(_) => Err(AppError::Timeout),
        Ok(Err(e)) => Err(AppError::Internal(format!("analysis task failed: {e}"))),
        Ok(Ok(v)) => Ok(v),
    }
}

/// Analyse one document: JSON `{"text": …}` or `{"html": …}`, or a raw `text/plain` or
/// `text/html` body.
#[utoipa::path(post, path = "/api/v1/analyze",
    request_body(content = AnalyzeRequest, description = "JSON, or a raw text/plain or text/html body"),
    responses(
        (status = 200, description = "The report", body = Report),
        (status = 400, description = "Malformed request", body = super::ErrorBody),
        (status = 413, description = "Body over the limit", body = super::ErrorBody),
        (status = 408, description = "Body sent too slowly", body = super::ErrorBody),
        (status = 415, description = "Unsupported Content-Type", body = super::ErrorBody),
        (status = 422, description = "Empty, binary or undecodable text", body = super::ErrorBody),
        (status = 500, description = "A model failed on the text", body = super::ErrorBody),
        (status = 503, description = "Overloaded; retry later", body = super::ErrorBody),
        (status = 504, description = "Over the time limit", body = super::ErrorBody)))]
pub async fn analyze(
    State(state): State<AppState>,
    headers: HeaderMap,
    raw: Body,
) -> Result<Json<Report>, AppError> {
    let max = state.config.max_body;
    let ct = media_type(&headers)?;
    let bytes = read_body(&state, raw).await?;
    let input = match ct.as_str() {
        "application/json" => {
            let req: AnalyzeRequest = serde_json::from_slice(&bytes)
                .map_err(|e| AppError::BadRequest(format!("invalid JSON: {e}")))?;
            input(req, max)?
        }
        "text/plain" => Input::plain(checked(&bytes, max)?),
        "text/html" => Input::html(checked(&bytes, max)?),
        other => {
            return Err(AppError::UnsupportedType(format!(
                "Content-Type {other:?} is not accepted (application/json, text/plain, text/html)"
            )))
        }
    };
    // HTML extraction runs with the analysis, under the same admission and time limit.
    let work = move |a: &unspin_detect::Analyzer| -> Result<Report, AppError> {
        Ok(a.analyze(&input.document()?)?)
    };
    let report = run(&state, work).await??;
    Ok(Json(report))
}

/// Analyse several documents (a JSON array of requests, at most the batch limit).
#[utoipa::path(post, path = "/api/v1/analyze/batch",
    request_body(content = [AnalyzeRequest]),
    responses(
        (status = 200, description = "One report per document, in order", body = [Report]),
        (status = 400, description = "Malformed request", body = super::ErrorBody),
        (status = 413, description = "Body or batch over the limit", body = super::ErrorBody),
        (status = 415, description = "Unsupported Content-Type", body = super::ErrorBody),
        (status = 422, description = "A document is empty, binary or undecodable", body = super::ErrorBody),
        (status = 503, description = "Overloaded; retry later", body = super::ErrorBody),
        (status = 504, description = "Over the time limit", body = super::ErrorBody)))]
pub async fn batch(
    State(state): State<AppState>,
    headers: HeaderMap,
    raw: Body,
) -> Result<Json<Vec<Report>>, AppError> {
    if media_type(&headers)? != "application/json" {
        return Err(AppError::UnsupportedType("a batch is a JSON array (application/json)".into()));
    }
    let bytes = read_body(&state, raw).await?;
    let reqs: Vec<AnalyzeRequest> = serde_json::from_slice(&bytes)
        .map_err(|e| AppError::BadRequest(format!("invalid JSON: {e}")))?;
    let limit = state.config.max_batch;
    if reqs.len() > limit {
        return Err(AppError::TooLarge(format!(
            "{} documents; a batch holds at most {limit}",
            reqs.len()
        )));
    }
    let max = state.config.max_body;
    let inputs: Vec<Input> = reqs
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let mut input = input(r, max).map_err(|e| in_document(i, e))?;
            if input.id == "request" {
                input.id = i.to_string();
            }
            Ok(input)
        })
        .collect::<Result<_, AppError>>()?;
    let work = move |a: &unspin_detect::Analyzer| -> Result<Vec<Report>, AppError> {
        let mut reports = Vec::with_capacity(inputs.len());
        for (i, input) in inputs.into_iter().enumerate() {
            let doc = input.document().map_err(|e| in_document(i, e))?;
            reports.push(a.analyze(&doc)?);
        }
        Ok(reports)
    };
    Ok(Json(run(&state, work).await??))
}

/// An error about the `i`th document of a batch says which.
fn in_document(i: usize, e: AppError) -> AppError {
    match e {
        AppError::Undecodable(m) => AppError::Undecodable(format!("document {i}: {m}")),
        AppError::BadRequest(m) => AppError::BadRequest(format!("document {i}: {m}")),
        e => e,
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/analyze", post(analyze))
        .route("/api/v1/analyze/batch", post(batch))
}
