//! The router: one module per resource, each with its own `router()`.

mod analyze;
mod error;
mod health;
mod openapi;
mod page;
mod techniques;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::Router;
use tokio::sync::Semaphore;
use tower_http::cors::CorsLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use unspin_detect::Analyzer;

pub use error::{AppError, ErrorBody};

/// Server settings.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Largest request body in bytes (413 beyond).
    pub max_body: usize,
    /// Most documents in one batch request.
    pub max_batch: usize,
    /// Analyses running or waiting at once (503 beyond).
    pub queue: usize,
    /// Longest time one request may take (504 beyond).
    pub timeout: Duration,
    /// Origin allowed by CORS; none by default.
    pub cors: Option<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        ServerConfig {
            max_body: 2 * 1024 * 1024,
            max_batch: 32,
            queue: 4 * cores,
            timeout: Duration::from_secs(30),
            cors: None,
        }
    }
}

/// Shared state: the analyzer (models loaded once) and the admission semaphore.
#[derive(Clone)]
pub struct AppState {
    analyzer: Analyzer,
    permits: Arc<Semaphore>,
    config: Arc<ServerConfig>,
}

impl AppState {
    /// State for `analyzer` under `config`.
    pub fn new(analyzer: Analyzer, config: ServerConfig) -> AppState {
        AppState {
            analyzer,
            permits: Arc::new(Semaphore::new(config.queue.max(1))),
            config: Arc::new(config),
        }
    }
}

/// The page's Content-Security-Policy: no inline script, nothing from elsewhere.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                       connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The application.
pub fn app(state: AppState) -> Router {
    let cors = state.config.cors.clone();
    let max_body = state.config.max_body;
    let mut router = Router::new()
        .merge(page::router())
        .merge(health::router())
        .merge(techniques::router())
        .merge(analyze::router())
        .merge(openapi::router())
        .fallback(|| async { AppError::NotFound })
        .layer(DefaultBodyLimit::max(max_body))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ));
    if let Some(origin) = cors.and_then(|o| HeaderValue::from_str(&o).ok()) {
        router = router.layer(
            CorsLayer::new()
                .allow_origin(origin)
                .allow_methods([Method::GET, Method::POST])
                .allow_headers([header::CONTENT_TYPE, HeaderName::from_static("accept")]),
        );
    }
    router.with_state(state)
}
