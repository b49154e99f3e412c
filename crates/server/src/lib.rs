//! unspin's HTTP API and web app.
//!
//! [`app`] builds the axum `Router` from an [`AppState`]; the binary only binds the
//! socket. Analyses run on tokio's blocking pool, never on the async workers, behind a
//! semaphore: when every permit is taken the server answers `503` with `Retry-After`
//! instead of queueing without bound; a request past its time limit gets `504`.
//!
//! Endpoints: `POST /api/v1/analyze`, `POST /api/v1/analyze/batch`,
//! `GET /api/v1/techniques`, `GET /api/v1/openapi.json`, `GET /healthz`, and the page at
//! `/`. Errors are JSON `{"error", "type"}`.
//!
//! ```
//! use unspin_detect::AnalyzerBuilder;
//! use unspin_server::{app, AppState, ServerConfig};
//!
//! let state = AppState::new(AnalyzerBuilder::new().build(), ServerConfig::default());
//! let router: axum::Router = app(state);
//! # let _ = router;
//! ```
#![deny(missing_docs)]

pub mod http;
pub mod serve;

pub use http::{app, AppState, ServerConfig};
pub use serve::{serve, ConnLimits, Shutdown};
