//! `GET /healthz`.

use axum::routing::get;
use axum::{Json, Router};

use super::AppState;

/// Liveness.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "The server is up")))]
pub async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz))
}
