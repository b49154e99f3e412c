//! `unspin serve`: bind the socket and run the app from `unspin-server`.

use std::time::Duration;

use anyhow::{Context, Result};
use unspin_detect::AnalyzerBuilder;
use unspin_server::{app, AppState, ServerConfig};

use crate::flags::ServeArgs;

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub fn run(args: &ServeArgs) -> Result<()> {
    let analyzer = AnalyzerBuilder::new()
        .techniques_shared(super::detector(&args.model)?)
        .claims_shared(super::claims::scorer(&args.claims_model)?.into())
        .build();
    let mut config = ServerConfig {
        max_body: args.max_body,
        timeout: Duration::from_secs(args.timeout.max(1)),
        cors: args.cors.clone(),
        ..ServerConfig::default()
    };
    if let Some(q) = args.queue {
        config.queue = q.max(1);
    }
    let state = AppState::new(analyzer, config);
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("binding {}", args.addr))?;
        eprintln!("unspin: serving on http://{}", listener.local_addr()?);
        axum::serve(listener, app(state)).with_graceful_shutdown(shutdown()).await?;
        eprintln!("unspin: stopped");
        Ok(())
    })
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
