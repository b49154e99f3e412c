//! `POST /api/v1/analyze` and `POST /api/v1/analyze/batch`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
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

fn body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, AppError> {
    body.map_err(|e| {
        let text = e.body_text();
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE || text.contains("length limit")
        {
            AppError::TooLarge("the request body is over the size limit".into())
        } else {
            AppError::BadRequest(format!("cannot read the request body: {text}"))
        }
    })
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
        e => AppError::Undecodable(e.to_string()),
    })
}

fn from_html(page: &str) -> Result<String, AppError> {
    html::extract(page).map_err(|e| AppError::Undecodable(e.to_string()))
}

fn document(req: AnalyzeRequest, max: usize) -> Result<Document, AppError> {
    let id = req.id.unwrap_or_else(|| "request".to_string());
    let text = match (req.text, req.html) {
        (Some(t), None) => checked(t.as_bytes(), max)?,
        (None, Some(h)) => from_html(&checked(h.as_bytes(), max)?)?,
        _ => return Err(AppError::BadRequest("give exactly one of \"text\" and \"html\"".into())),
    };
    Ok(Document::new(id, text))
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
        (status = 415, description = "Unsupported Content-Type", body = super::ErrorBody),
        (status = 422, description = "Empty, binary or undecodable text", body = super::ErrorBody),
        (status = 503, description = "Overloaded; retry later", body = super::ErrorBody),
        (status = 504, description = "Over the time limit", body = super::ErrorBody)))]
pub async fn analyze(
    State(state): State<AppState>,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Json<Report>, AppError> {
    let max = state.config.max_body;
    let bytes = body(raw)?;
    let doc = match media_type(&headers)?.as_str() {
        "application/json" => {
            let req: AnalyzeRequest = serde_json::from_slice(&bytes)
                .map_err(|e| AppError::BadRequest(format!("invalid JSON: {e}")))?;
            document(req, max)?
        }
        "text/plain" => Document::new("request", checked(&bytes, max)?),
        "text/html" => Document::new("request", from_html(&checked(&bytes, max)?)?),
        other => {
            return Err(AppError::UnsupportedType(format!(
                "Content-Type {other:?} is not accepted (application/json, text/plain, text/html)"
            )))
        }
    };
    Ok(Json(run(&state, move |a| a.analyze(&doc)).await?))
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
    raw: Result<Bytes, BytesRejection>,
) -> Result<Json<Vec<Report>>, AppError> {
    let bytes = body(raw)?;
    if media_type(&headers)? != "application/json" {
        return Err(AppError::UnsupportedType("a batch is a JSON array (application/json)".into()));
    }
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
    let docs: Vec<Document> = reqs
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let mut d = document(r, max).map_err(|e| match e {
                AppError::Undecodable(m) => AppError::Undecodable(format!("document {i}: {m}")),
                AppError::BadRequest(m) => AppError::BadRequest(format!("document {i}: {m}")),
                e => e,
            })?;
            if d.id == "request" {
                d.id = i.to_string();
            }
            Ok(d)
        })
        .collect::<Result<_, AppError>>()?;
    Ok(Json(run(&state, move |a| docs.iter().map(|d| a.analyze(d)).collect()).await?))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/analyze", post(analyze))
        .route("/api/v1/analyze/batch", post(batch))
}
