//! The router: one module per resource, each with its own `router()`.

mod analyze;
mod error;
mod health;
mod host;
mod openapi;
mod page;
mod techniques;

use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::{middleware, Router};
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
    /// Longest time a client may take to send a request body (408 beyond).
    pub body_timeout: Duration,
    /// Origin allowed by CORS; none by default.
    pub cors: Option<String>,
    /// Host names (the `Host` header without its port) the server answers to; empty
    /// answers any. A server bound to loopback should list only loopback names, so that
    /// a web page cannot reach it through a rebound DNS name (421 otherwise).
    pub allowed_hosts: Vec<String>,
}

impl ServerConfig {
    /// The host names a server bound to `addr` answers to: when `addr` is a loopback
    /// address, the loopback names, the address itself (e.g. `127.0.0.2`) and `extra`;
    /// any name when it is not (a public server sits behind its own name).
    pub fn hosts_for(addr: std::net::SocketAddr, extra: &[String]) -> Vec<String> {
        if !addr.ip().is_loopback() {
            return Vec::new();
        }
        let bound = match addr.ip() {
            std::net::IpAddr::V6(ip) => format!("[{ip}]"),
            ip => ip.to_string(),
        };
        let mut hosts: Vec<String> = ["localhost", "127.0.0.1", "[::1]"].map(String::from).to_vec();
        for h in std::iter::once(&bound).chain(extra) {
            if !hosts.contains(h) {
                hosts.push(h.clone());
            }
        }
        hosts
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        ServerConfig {
            max_body: 2 * 1024 * 1024,
            max_batch: 32,
            queue: 4 * cores,
            timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(10),
            cors: None,
            allowed_hosts: Vec::new(),
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
    let mut router = Router::new()
        .merge(page::router())
        .merge(health::router())
        .merge(techniques::router())
        .merge(analyze::router())
        .merge(openapi::router())
        .fallback(|| async { AppError::NotFound })
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
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
    // Outermost: a request for another host is refused before anything else runs.
    router = router.layer(middleware::from_fn_with_state(state.clone(), host::check));
    router.with_state(state)
}
