//! Accepting connections: HTTP/1.1 with a deadline for each request's headers (which
//! also closes idle keep-alive connections), and a graceful shutdown with a deadline.
//!
//! `axum::serve` sets no timer, so a client that connects and sends nothing, or half its
//! headers, holds its connection (and a graceful shutdown) forever. Here every connection
//! gets hyper's header read timeout, which runs from the moment the connection is ready
//! for its next request: a silent client, a slow one, and an idle keep-alive connection
//! are all closed after [`ConnLimits::header_timeout`]. Request bodies have their own
//! deadline in the handlers ([`crate::ServerConfig::body_timeout`]). On shutdown the
//! listener closes at once, connections between requests close, requests in flight may
//! finish until [`ConnLimits::shutdown_deadline`], and whatever is left is dropped.

use std::future::Future;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

/// Connection-level limits.
#[derive(Clone, Debug)]
pub struct ConnLimits {
    /// Longest wait for a request's headers, counted from when the connection is ready
    /// for its next request (so it also bounds an idle keep-alive connection).
    pub header_timeout: Duration,
    /// Longest wait, after the shutdown signal, for requests in flight to finish.
    pub shutdown_deadline: Duration,
}

impl Default for ConnLimits {
    fn default() -> Self {
        ConnLimits {
            header_timeout: Duration::from_secs(10),
            shutdown_deadline: Duration::from_secs(10),
        }
    }
}

/// How a shutdown ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shutdown {
    /// Every connection finished before the deadline.
    Clean,
    /// The deadline passed with this many connections still open; they were dropped.
    Deadline(usize),
}

/// Serves `router` on `listener` until `signal` resolves, then shuts down gracefully
/// within [`ConnLimits::shutdown_deadline`].
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: &ConnLimits,
    signal: impl Future<Output = ()>,
) -> Shutdown {
    let graceful = GracefulShutdown::new();
    let mut signal = std::pin::pin!(signal);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of descriptors or a connection reset before accept: wait a
                    // little and go on, as a server must.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut signal => break,
        };
        let _ = stream.set_nodelay(true);
        let conn = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(router.clone()));
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!("connection closed: {e}");
            }
        });
    }
    drop(listener);
    let open = graceful.count();
    tokio::select! {
        () = graceful.shutdown() => Shutdown::Clean,
        () = tokio::time::sleep(limits.shutdown_deadline) => Shutdown::Deadline(open),
    }
}
