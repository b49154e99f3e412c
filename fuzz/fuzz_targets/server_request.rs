//! Any bytes as the body of `POST /api/v1/analyze` and `/api/v1/analyze/batch`, under each
//! accepted content type (the first byte picks one): the server answers, never panics;
//! a 200 is a report (or reports) whose spans slice its text, anything else a JSON error.
#![no_main]

use std::sync::LazyLock;

use axum::body::Body;
use axum::http::{header, Request};
use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;
use unspin_detect::claims::FastClaimScorer;
use unspin_detect::techniques::FastDetector;
use unspin_detect::AnalyzerBuilder;
use unspin_model::claims::ClaimModel;
use unspin_model::fast::FastModel;
use unspin_server::{app, AppState, ServerConfig};

static RUNTIME: LazyLock<tokio::runtime::Runtime> =
    LazyLock::new(|| tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap());
static ROUTER: LazyLock<axum::Router> = LazyLock::new(|| {
    let analyzer = AnalyzerBuilder::new()
        .techniques(FastDetector::new(FastModel::embedded().unwrap()))
        .claims(FastClaimScorer::new(ClaimModel::embedded().unwrap()))
        .build();
    app(AppState::new(analyzer, ServerConfig::default()))
});

const TYPES: [&str; 4] = ["application/json", "text/plain", "text/html", "application/json"];

fn check_report(v: &serde_json::Value) {
    let text: Vec<char> = v["text"].as_str().expect("a report has text").chars().collect();
    for section in ["techniques", "claims", "quotes", "sources", "numbers", "checks"] {
        for s in v[section].as_array().expect("sections are arrays") {
            let (a, b) =
                (s["start"].as_u64().unwrap() as usize, s["end"].as_u64().unwrap() as usize);
            assert_eq!(text[a..b].iter().collect::<String>(), s["text"].as_str().unwrap());
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else { return };
    let batch = pick & 4 != 0;
    let path = if batch { "/api/v1/analyze/batch" } else { "/api/v1/analyze" };
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, TYPES[(pick & 3) as usize])
        .body(Body::from(body.to_vec()))
        .unwrap();
    RUNTIME.block_on(async {
        let resp = ROUTER.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let v: serde_json::Value = serde_json::from_slice(&bytes).expect("every answer is JSON");
        if status.is_success() {
            match v.as_array() {
                Some(reports) => reports.iter().for_each(check_report),
                None => check_report(&v),
            }
        } else {
            assert!(v["error"].is_string() && v["type"].is_string(), "{v}");
            assert!(status.as_u16() != 500, "a fast model never fails: {v}");
        }
    });
});
