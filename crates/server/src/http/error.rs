//! One error type for every handler, and a single `match` for status codes. Internal
//! details are logged, not returned.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

/// The JSON body of every error.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong, for a person.
    pub error: String,
    /// A stable machine-readable kind.
    #[serde(rename = "type")]
    pub kind: &'static str,
}

/// Everything a handler can answer with instead of a result.
#[derive(Debug)]
pub enum AppError {
    /// Malformed request (400).
    BadRequest(String),
    /// Body over the limit (413).
    TooLarge(String),
    /// Content type not accepted (415).
    UnsupportedType(String),
    /// Text that cannot be analysed: empty, binary, not UTF-8 (422).
    Undecodable(String),
    /// Every analysis slot is taken (503).
    Overloaded,
    /// Over the request time limit (504).
    Timeout,
    /// No such route (404).
    NotFound,
    /// The route exists, not with this method (405).
    MethodNotAllowed,
    /// The client sent its body too slowly (408).
    BodyTimeout,
    /// The `Host` header names a host this server does not answer to (421).
    WrongHost(String),
    /// A model failed on the text (500); the cause is logged.
    ModelFailed(unspin_detect::ModelFailure),
    /// A bug or a crashed worker (500).
    Internal(String),
}

impl From<unspin_detect::ModelFailure> for AppError {
    fn from(e: unspin_detect::ModelFailure) -> AppError {
        AppError::ModelFailed(e)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, kind, message) = match self {
            AppError::BadRequest(m) => (StatusCode::BAD_REQUEST, "bad_request", m),
            AppError::TooLarge(m) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", m),
            AppError::UnsupportedType(m) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", m)
            }
            AppError::Undecodable(m) => (StatusCode::UNPROCESSABLE_ENTITY, "undecodable_text", m),
            AppError::Overloaded => (
                StatusCode::SERVICE_UNAVAILABLE,
                "overloaded",
                "the server is busy; retry after a second".to_string(),
            ),
            AppError::Timeout => {
                (StatusCode::GATEWAY_TIMEOUT, "timeout", "the analysis took too long".to_string())
            }
            AppError::NotFound => {
                (StatusCode::NOT_FOUND, "not_found", "no such endpoint".to_string())
            }
            AppError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this endpoint does not take that method".to_string(),
            ),
            AppError::BodyTimeout => (
                StatusCode::REQUEST_TIMEOUT,
                "body_timeout",
                "the request body did not arrive in time".to_string(),
            ),
            AppError::WrongHost(m) => (StatusCode::MISDIRECTED_REQUEST, "wrong_host", m),
            AppError::ModelFailed(e) => {
                tracing::error!("{e}");
                let message = format!("the {} model failed on this text", e.model);
                (StatusCode::INTERNAL_SERVER_ERROR, "model_failed", message)
            }
            AppError::Internal(detail) => {
                tracing::error!("internal error: {detail}");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error".to_string())
            }
        };
        let mut resp = (status, Json(ErrorBody { error: message, kind })).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            resp.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
        }
        resp
    }
}
