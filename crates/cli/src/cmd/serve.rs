//! `unspin serve`: bind the socket and run the app from `unspin-server`.

use std::time::Duration;

use anyhow::{Context, Result};
use unspin_engine::EngineConfig;
use unspin_server::{app, serve, AppState, ConnLimits, ServerConfig, Shutdown};

use crate::flags::ServeArgs;

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub fn run(args: &ServeArgs) -> Result<()> {
    let analyzer = EngineConfig {
        techniques: args.model.model.clone(),
        claims: args.claims_model.clone(),
        quotes: args.quotes_model.clone(),
        fallback: args.fallback,
        ..EngineConfig::default()
    }
    .analyzer()?;
    let mut config = ServerConfig {
        max_body: args.max_body,
        timeout: args.timeout,
        body_timeout: args.body_timeout,
        cors: args.cors.clone(),
        allowed_hosts: ServerConfig::hosts_for(args.addr, &args.allow_host),
        ..ServerConfig::default()
    };
    if let Some(q) = args.queue {
        config.queue = q;
    }
    let limits = ConnLimits {
        header_timeout: args.header_timeout,
        shutdown_deadline: args.shutdown_timeout,
    };
    let state = AppState::new(analyzer, config);
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let outcome = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("binding {}", args.addr))?;
        eprintln!("unspin: serving on http://{}", listener.local_addr()?);
        anyhow::Ok(serve(listener, app(state), &limits, shutdown()).await)
    })?;
    // Analyses still running on the blocking pool are not waited for past the deadline.
    rt.shutdown_timeout(Duration::from_millis(100));
    match outcome {
        Shutdown::Clean => eprintln!("unspin: stopped"),
        Shutdown::Deadline(n) => eprintln!(
            "unspin: stopped; connections still open after the {}s shutdown deadline were closed \
             ({n} open when it began)",
            args.shutdown_timeout.as_secs()
        ),
    }
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
