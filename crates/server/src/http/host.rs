//! The `Host` check: a server bound to loopback answers only to loopback names, so a web
//! page cannot reach it through a DNS name rebound to 127.0.0.1.

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{AppError, AppState};

/// The host part of a `Host` header value: the name or address without the port.
fn host_name(value: &str) -> &str {
    if value.starts_with('[') {
        // [::1]:8080 → [::1]
        return value.find(']').map_or(value, |i| &value[..=i]);
    }
    value.rsplit_once(':').map_or(value, |(h, _)| h)
}

/// Refuses (421) a request whose `Host` is not one of the configured names. Requests
/// without a `Host` header (HTTP/1.0 clients, in-process tests) are not from a browser,
/// which always sends one, and pass.
pub async fn check(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let allowed = &state.config.allowed_hosts;
    if allowed.is_empty() {
        return next.run(req).await;
    }
    if let Some(value) = req.headers().get(header::HOST) {
        let name = value.to_str().map(host_name).unwrap_or("");
        if !allowed.iter().any(|a| a.eq_ignore_ascii_case(name)) {
            let shown: String = name.chars().take(100).collect();
            return AppError::WrongHost(format!(
                "this server does not answer to the host {shown:?} (it answers to {})",
                allowed.join(", ")
            ))
            .into_response();
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::host_name;

    #[test]
    fn host_names_drop_the_port() {
        let cases = [
            ("localhost:8080", "localhost"),
            ("127.0.0.1", "127.0.0.1"),
            ("[::1]:80", "[::1]"),
            ("[::1]", "[::1]"),
            ("evil.example:8080", "evil.example"),
        ];
        for (value, want) in cases {
            assert_eq!(host_name(value), want, "{value}");
        }
    }
}
