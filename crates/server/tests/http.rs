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
use unspin_detect::techniques::{Detection, FastDetector, Labelled, ModelFailure};
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

/// How many analyses the slow detector has begun (tests that use it run one at a time).
static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Waits until the slow detector is inside an analysis (so its slot is taken).
async fn wait_until_analysing() {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while STARTED.load(std::sync::atomic::Ordering::SeqCst) == 0 {
        assert!(std::time::Instant::now() < deadline, "the analysis never started");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

impl TechniqueDetector for Slow {
    fn name(&self) -> &str {
        "slow"
    }
    fn detect(&self, _: &str) -> Result<Vec<Detection>, ModelFailure> {
        STARTED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        std::thread::sleep(self.0);
        Ok(vec![])
    }
    fn classify(&self, _: &str, r: &[Range<usize>]) -> Result<Vec<Vec<Labelled>>, ModelFailure> {
        Ok(vec![vec![]; r.len()])
    }
}

/// A detector that fails on every text, as a neural model can at run time.
struct Broken;

impl TechniqueDetector for Broken {
    fn name(&self) -> &str {
        "broken"
    }
    fn detect(&self, _: &str) -> Result<Vec<Detection>, ModelFailure> {
        Err(ModelFailure::new("broken", "shape mismatch in layer 3 (secret detail)"))
    }
    fn classify(&self, _: &str, _: &[Range<usize>]) -> Result<Vec<Vec<Labelled>>, ModelFailure> {
        Err(ModelFailure::new("broken", "shape mismatch"))
    }
}

/// Issue 15: a model that fails is a JSON 500 naming the model, never a 200 without
/// techniques; batches fail whole.
#[tokio::test]
async fn model_failures_are_errors_not_missing_sections() {
    let analyzer = AnalyzerBuilder::new().techniques_shared(Arc::new(Broken)).build();
    let r = || app(AppState::new(analyzer.clone(), ServerConfig::default()));
    let (st, _, v) = send(r(), post("/api/v1/analyze", Some("text/plain"), SAMPLE)).await;
    assert_eq!(st, StatusCode::INTERNAL_SERVER_ERROR, "{v}");
    assert_eq!(v["type"], "model_failed");
    assert_eq!(v["error"], "the broken model failed on this text");
    let batch = serde_json::json!([{"text": "One."}, {"text": "Two."}]).to_string();
    let (st, _, v) =
        send(r(), post("/api/v1/analyze/batch", Some("application/json"), batch)).await;
    assert_eq!(st, StatusCode::INTERNAL_SERVER_ERROR, "{v}");
    assert_eq!(v["type"], "model_failed");
}

fn slow_router(sleep: Duration, config: ServerConfig) -> Router {
    STARTED.store(0, std::sync::atomic::Ordering::SeqCst);
    let analyzer = AnalyzerBuilder::new().techniques_shared(Arc::new(Slow(sleep))).build();
    app(AppState::new(analyzer, config))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overload_is_503_with_retry_after() {
    let _serial = SERIAL.lock().await;
    let r = slow_router(
        Duration::from_millis(600),
        ServerConfig { queue: 1, ..ServerConfig::default() },
    );
    let first = tokio::spawn(send(r.clone(), post("/api/v1/analyze", Some("text/plain"), "one")));
    wait_until_analysing().await;
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
    let _serial = SERIAL.lock().await;
    let cfg = ServerConfig { timeout: Duration::from_millis(100), ..ServerConfig::default() };
    let r = slow_router(Duration::from_millis(500), cfg);
    let (st, _, v) = send(r, post("/api/v1/analyze", Some("text/plain"), "slow")).await;
    assert_eq!(st, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(v["type"], "timeout");
}

/// Issue 21: a page nested 10,000 deep is answered at once (elements past the depth
/// limit are unwrapped), with its text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regression_21_deeply_nested_html_is_answered_quickly() {
    let page = format!(
        "<html><body>{}Officials said the plan failed.{}</body></html>",
        "<div>".repeat(10_000),
        "</div>".repeat(10_000)
    );
    let cfg = ServerConfig { timeout: Duration::from_secs(5), ..ServerConfig::default() };
    let started = std::time::Instant::now();
    let (st, _, v) = send(router(cfg), post("/api/v1/analyze", Some("text/html"), page)).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["text"], "Officials said the plan failed.");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}

/// Issue 21: HTML extraction runs on the analysis pool, under the queue: with the only
/// slot taken, an HTML request is refused like any other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regression_21_html_extraction_is_admitted_like_analysis() {
    let _serial = SERIAL.lock().await;
    let r = slow_router(
        Duration::from_millis(800),
        ServerConfig { queue: 1, ..ServerConfig::default() },
    );
    let first = tokio::spawn(send(r.clone(), post("/api/v1/analyze", Some("text/plain"), "one")));
    wait_until_analysing().await;
    let (st, _, v) =
        send(r.clone(), post("/api/v1/analyze", Some("text/html"), "<p>two</p>")).await;
    assert_eq!(st, StatusCode::SERVICE_UNAVAILABLE, "{v}");
    assert_eq!(v["type"], "overloaded");
    assert_eq!(first.await.unwrap().0, StatusCode::OK);
}

/// Issue 21: a body that stops arriving is answered 408, not waited on forever.
#[tokio::test]
async fn regression_21_slow_bodies_time_out_with_408() {
    let stalled = futures_stream(b"The start of a body".to_vec());
    let cfg = ServerConfig { body_timeout: Duration::from_millis(200), ..ServerConfig::default() };
    let req = post("/api/v1/analyze", Some("text/plain"), Body::from_stream(stalled));
    let started = std::time::Instant::now();
    let (st, _, v) = send(router(cfg), req).await;
    assert_eq!(st, StatusCode::REQUEST_TIMEOUT, "{v}");
    assert_eq!(v["type"], "body_timeout");
    assert!(started.elapsed() < Duration::from_secs(3));
}

/// One chunk, then nothing ever again.
fn futures_stream(
    first: Vec<u8>,
) -> impl futures_core::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + 'static {
    struct Stalled(Option<Vec<u8>>);
    impl futures_core::Stream for Stalled {
        type Item = Result<Vec<u8>, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            match self.0.take() {
                Some(chunk) => std::task::Poll::Ready(Some(Ok(chunk))),
                None => std::task::Poll::Pending,
            }
        }
    }
    Stalled(Some(first))
}

/// Issue 21: every error is JSON, 405 included; CORS preflights pass when CORS is on;
/// the API's 422 does not point at a CLI flag.
#[tokio::test]
async fn regression_21_method_cors_preflight_and_messages() {
    let (st, _, v) = send(
        router(ServerConfig::default()),
        Request::get("/api/v1/analyze").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(v["type"], "method_not_allowed", "{v}");

    let origin = "https://newsroom.example";
    let cfg = ServerConfig { cors: Some(origin.into()), ..ServerConfig::default() };
    let preflight = Request::options("/api/v1/analyze")
        .header(header::ORIGIN, origin)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type")
        .body(Body::empty())
        .unwrap();
    let (st, h, _) = send(router(cfg), preflight).await;
    assert!(st.is_success(), "{st}");
    assert_eq!(h[header::ACCESS_CONTROL_ALLOW_ORIGIN], origin);
    assert!(h[header::ACCESS_CONTROL_ALLOW_METHODS].to_str().unwrap().contains("POST"));

    let (st, _, v) = send(
        router(ServerConfig::default()),
        post("/api/v1/analyze", Some("text/plain"), vec![b'a', 0xff, b'b']),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let msg = v["error"].as_str().unwrap();
    assert!(msg.contains("not valid UTF-8") && !msg.contains("--lossy"), "{msg}");
}

/// Issue 21: a server that answers only to loopback names refuses a rebound host (421).
#[tokio::test]
async fn regression_21_host_header_is_checked() {
    let cfg = ServerConfig {
        allowed_hosts: ServerConfig::hosts_for("127.0.0.1:8080".parse().unwrap(), &[]),
        ..ServerConfig::default()
    };
    let get = |host: &str| {
        Request::get("/healthz").header(header::HOST, host).body(Body::empty()).unwrap()
    };
    for host in ["localhost:8080", "127.0.0.1:8080", "[::1]:8080", "LOCALHOST"] {
        let (st, _, v) = send(router(cfg.clone()), get(host)).await;
        assert_eq!((st, v["status"].as_str()), (StatusCode::OK, Some("ok")), "{host}");
    }
    for host in ["attacker.example:8080", "localhost.attacker.example", "127.0.0.1.nip.io"] {
        let (st, _, v) = send(router(cfg.clone()), get(host)).await;
        assert_eq!(st, StatusCode::MISDIRECTED_REQUEST, "{host}");
        assert_eq!(v["type"], "wrong_host");
    }
    // The address bound to and names given with --allow-host answer too.
    let hosts = ServerConfig::hosts_for("127.0.0.2:8080".parse().unwrap(), &["unspin.lan".into()]);
    assert!(hosts.contains(&"127.0.0.2".to_string()) && hosts.contains(&"unspin.lan".to_string()));
    // A server bound to every interface answers any name.
    assert!(
        ServerConfig::hosts_for("0.0.0.0:8080".parse().unwrap(), &["a.example".into()]).is_empty()
    );
}

/// Issue 21: a 2 MB run of letters is no word, and no technique span.
#[tokio::test]
async fn regression_21_a_huge_word_is_not_a_span() {
    let mut word = String::with_capacity(1_000_000);
    let mut x: u32 = 7;
    while word.len() < 1_000_000 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        word.push((b'a' + (x >> 16) as u8 % 26) as char);
    }
    let cfg = ServerConfig { max_body: 4 << 20, ..ServerConfig::default() };
    let (st, _, v) = send(router(cfg), post("/api/v1/analyze", Some("text/plain"), word)).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["techniques"].as_array().unwrap().len(), 0, "{}", v["techniques"]);
}
