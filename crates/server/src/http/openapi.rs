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
        super::analyze::AnalyzeRequest,
        super::techniques::TechniqueInfo,
        super::ErrorBody
    ))
)]
pub struct ApiDoc;

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    let mut doc = ApiDoc::openapi();
    doc.merge(unspin_detect::report::ReportSchemas::openapi());
    Json(doc)
}

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/openapi.json", get(openapi))
}
