//! The router driven in-process: every endpoint and every error status.

use std::ops::Range;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use tower::ServiceExt;
use unspin_detect::claims::FastClaimScorer;
use unspin_detect::techniques::{Detection, FastDetector, Labelled};
use unspin_detect::{Analyzer, AnalyzerBuilder, TechniqueDetector};
use unspin_model::claims::ClaimModel;
use unspin_model::fast::FastModel;
use unspin_server::{app, AppState, ServerConfig};

static ANALYZER: LazyLock<Analyzer> = LazyLock::new(|| {
    AnalyzerBuilder::new()
        .techniques(FastDetector::new(FastModel::embedded().unwrap()))
        .claims(FastClaimScorer::new(ClaimModel::embedded().unwrap()))
        .build()
});

const SAMPLE: &str = include_str!("../../../samples/harbor-bridge.txt");

fn router(config: ServerConfig) -> Router {
    app(AppState::new(ANALYZER.clone(), config))
}

async fn send(
    r: Router,
    req: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
    let resp = r.oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let v = serde_json::from_slice(&bytes)
        .unwrap_or(serde_json::Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, headers, v)
}

fn post(path: &str, ct: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut b = Request::post(path);
    if let Some(ct) = ct {
        b = b.header(header::CONTENT_TYPE, ct);
    }
    b.body(body.into()).unwrap()
}

fn check_report(v: &serde_json::Value) {
    let text: Vec<char> = v["text"].as_str().unwrap().chars().collect();
    for t in v["techniques"].as_array().unwrap() {
        let (s, e) = (t["start"].as_u64().unwrap() as usize, t["end"].as_u64().unwrap() as usize);
        assert_eq!(text[s..e].iter().collect::<String>(), t["text"].as_str().unwrap());
    }
}

#[tokio::test]
async fn analyze_json_text_and_html_bodies() {
    let body = serde_json::json!({"text": SAMPLE, "id": "s"}).to_string();
    let (st, h, v) = send(
        router(ServerConfig::default()),
        post("/api/v1/analyze", Some("application/json"), body),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert!(h[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("default-src 'none'"));
    assert_eq!(v["id"], "s");
    assert!(!v["techniques"].as_array().unwrap().is_empty());
    assert!(!v["claims"].as_array().unwrap().is_empty());
    check_report(&v);

    let (st, _, v) = send(
        router(ServerConfig::default()),
        post("/api/v1/analyze", Some("text/plain; charset=utf-8"), SAMPLE),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    check_report(&v);

    let page = "<html><body><article><p>A shameful, disgraceful plan. Who really benefits?</p></article></body></html>";
    let (st, _, v) =
        send(router(ServerConfig::default()), post("/api/v1/analyze", Some("text/html"), page))
            .await;
    assert_eq!(st, StatusCode::OK);
    assert!(v["text"].as_str().unwrap().contains("shameful"));
    let body = serde_json::json!({"html": page}).to_string();
    let (st, _, _) = send(
        router(ServerConfig::default()),
        post("/api/v1/analyze", Some("application/json"), body),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
}

#[tokio::test]
async fn batch_in_order_and_bounded() {
    let body = serde_json::json!([{"text": "A vile plan."}, {"text": "Another shameful idea!", "id": "x"}]).to_string();
    let (st, _, v) = send(
        router(ServerConfig::default()),
        post("/api/v1/analyze/batch", Some("application/json"), body),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v[0]["id"], "0");
    assert_eq!(v[1]["id"], "x");
    let many: Vec<_> = (0..5).map(|_| serde_json::json!({"text": "x"})).collect();
    let cfg = ServerConfig { max_batch: 4, ..ServerConfig::default() };
    let (st, _, v) = send(
        router(cfg),
        post(
            "/api/v1/analyze/batch",
            Some("application/json"),
            serde_json::to_string(&many).unwrap(),
        ),
    )
    .await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(v["type"], "payload_too_large");
    let bad = serde_json::json!([{"text": "fine"}, {"text": "  "}]).to_string();
    let (st, _, v) = send(
        router(ServerConfig::default()),
        post("/api/v1/analyze/batch", Some("application/json"), bad),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["error"].as_str().unwrap().starts_with("document 1"));
}

#[tokio::test]
async fn error_statuses_are_json() {
    let r = || router(ServerConfig { max_body: 1000, ..ServerConfig::default() });
    let cases: Vec<(Request<Body>, StatusCode, &str)> = vec![
        (
            post("/api/v1/analyze", Some("application/json"), "{not json"),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            post("/api/v1/analyze", Some("application/json"), "{\"text\":\"a\",\"html\":\"b\"}"),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            post("/api/v1/analyze", Some("application/json"), "{\"txt\":\"a\"}"),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            post("/api/v1/analyze", Some("text/plain"), "x".repeat(5000)),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
        (
            post("/api/v1/analyze", Some("application/xml"), "<a/>"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            post("/api/v1/analyze", None, "text"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            post("/api/v1/analyze", Some("text/plain"), vec![0xffu8, 0xfe, 0x41]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "undecodable_text",
        ),
        (
            post("/api/v1/analyze", Some("text/plain"), "a\0b"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "undecodable_text",
        ),
        (
            post("/api/v1/analyze", Some("application/json"), "{\"text\":\"   \"}"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "undecodable_text",
        ),
        (
            post("/api/v1/analyze", Some("text/html"), "<html><body></body></html>"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "undecodable_text",
        ),
        (
            Request::get("/api/v1/nope").body(Body::empty()).unwrap(),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ];
    for (req, status, kind) in cases {
        let (st, _, v) = send(r(), req).await;
        assert_eq!(st, status, "{v}");
        assert_eq!(v["type"], kind, "{v}");
        assert!(v["error"].as_str().is_some_and(|e| !e.is_empty()));
    }
}

#[tokio::test]
async fn techniques_health_openapi_and_page() {
    let (st, _, v) = send(
        router(ServerConfig::default()),
        Request::get("/api/v1/techniques").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v.as_array().unwrap().len(), 14);
    assert_eq!(v[8]["name"], "Loaded_Language");
    assert!(v[8]["definition"].as_str().unwrap().len() > 20);
    let (st, _, v) = send(
        router(ServerConfig::default()),
        Request::get("/healthz").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!((st, v["status"].as_str()), (StatusCode::OK, Some("ok")));
    let (st, _, v) = send(
        router(ServerConfig::default()),
        Request::get("/api/v1/openapi.json").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert!(v["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(v["paths"]["/api/v1/analyze"]["post"].is_object());
    assert!(v["components"]["schemas"]["Report"].is_object());
    let (st, h, v) =
        send(router(ServerConfig::default()), Request::get("/").body(Body::empty()).unwrap()).await;
    assert_eq!(st, StatusCode::OK);
    let page = v.as_str().unwrap();
    assert!(page.contains("<textarea") && page.contains("/app.js"));
    assert!(!page.contains("http://") && !page.contains("https://"), "no external assets");
    assert!(!page.contains("<script>"), "no inline script under the CSP");
    assert!(h[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("script-src 'self'"));
    let (st, h, _) =
        send(router(ServerConfig::default()), Request::get("/app.js").body(Body::empty()).unwrap())
            .await;
    assert_eq!(st, StatusCode::OK);
    assert!(h[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/javascript"));
}

#[tokio::test]
async fn no_cors_unless_asked() {
    let req = || {
        Request::get("/healthz")
            .header(header::ORIGIN, "https://newsroom.example")
            .body(Body::empty())
            .unwrap()
    };
    let (_, h, _) = send(router(ServerConfig::default()), req()).await;
    assert!(!h.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));
    let cfg =
        ServerConfig { cors: Some("https://newsroom.example".into()), ..ServerConfig::default() };
    let (_, h, _) = send(router(cfg), req()).await;
    assert_eq!(h[header::ACCESS_CONTROL_ALLOW_ORIGIN], "https://newsroom.example");
}

/// A detector that takes its time, to fill the queue and pass the time limit.
struct Slow(Duration);

impl TechniqueDetector for Slow {
    fn name(&self) -> &str {
        "slow"
    }
    fn detect(&self, _: &str) -> Vec<Detection> {
        std::thread::sleep(self.0);
        vec![]
    }
    fn classify(&self, _: &str, r: &[Range<usize>]) -> Vec<Vec<Labelled>> {
        vec![vec![]; r.len()]
    }
}

fn slow_router(sleep: Duration, config: ServerConfig) -> Router {
    let analyzer = AnalyzerBuilder::new().techniques_shared(Arc::new(Slow(sleep))).build();
    app(AppState::new(analyzer, config))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overload_is_503_with_retry_after() {
    let r = slow_router(
        Duration::from_millis(600),
        ServerConfig { queue: 1, ..ServerConfig::default() },
    );
    let first = tokio::spawn(send(r.clone(), post("/api/v1/analyze", Some("text/plain"), "one")));
    tokio::time::sleep(Duration::from_millis(150)).await;
    let (st, h, v) = send(r.clone(), post("/api/v1/analyze", Some("text/plain"), "two")).await;
    assert_eq!(st, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(h[header::RETRY_AFTER], "1");
    assert_eq!(v["type"], "overloaded");
    assert_eq!(first.await.unwrap().0, StatusCode::OK);
    // The slot is free again.
    let (st, _, _) = send(r, post("/api/v1/analyze", Some("text/plain"), "three")).await;
    assert_eq!(st, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_requests_time_out_with_504() {
    let cfg = ServerConfig { timeout: Duration::from_millis(100), ..ServerConfig::default() };
    let r = slow_router(Duration::from_millis(500), cfg);
    let (st, _, v) = send(r, post("/api/v1/analyze", Some("text/plain"), "slow")).await;
    assert_eq!(st, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(v["type"], "timeout");
}
