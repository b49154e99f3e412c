//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 document, generated from the types.

use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;

use super::AppState;

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(title = "unspin", description = "Shows how a news or opinion article tries to persuade."),
    paths(
        super::analyze::analyze,
        super::analyze::batch,
        super::techniques::techniques,
        super::health::healthz
    ),
    components(schemas(
        unspin_detect::report::Report,
        unspin_detect::report::TechniqueSpan,
        unspin_detect::report::Claim,
        unspin_detect::report::Quote,
        unspin_detect::report::SourceRef,
        unspin_detect::report::Number,
        unspin_detect::report::Check,
        super::analyze::AnalyzeRequest,
        super::techniques::TechniqueInfo,
        super::ErrorBody
    ))
)]
pub struct ApiDoc;

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/openapi.json", get(openapi))
}
