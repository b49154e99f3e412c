//! The web app in real headless Chromium (Debian's `chromium` and `chromium-driver`):
//! submit the shipped sample, see highlighted spans and tooltips, keep an XSS payload
//! inert, and save a screenshot. Skips, saying so, when chromedriver is not installed.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

use crate::util::repo;

struct Kill(Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Starts `unspin serve` on a free port and returns it with its base URL.
fn serve() -> (Kill, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_unspin"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    (Kill(child), url)
}

async fn wait_for(c: &Client, script: &str) -> serde_json::Value {
    for _ in 0..100 {
        let v = c.execute(script, vec![]).await.unwrap();
        if v.as_bool() != Some(false) && !v.is_null() {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for: {script}");
}

async fn submit(c: &Client, text: &str) {
    c.execute(
        "document.getElementById('article').replaceChildren(); document.getElementById('text').value = arguments[0];",
        vec![serde_json::Value::String(text.to_string())],
    )
    .await
    .unwrap();
    c.find(Locator::Id("go")).await.unwrap().click().await.unwrap();
    wait_for(c, "return document.querySelectorAll('#article > *').length > 0").await;
}

#[test]
fn page_in_headless_chromium() {
    let driver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    let Some(driver) = driver else {
        eprintln!(
            "skipping: chromedriver not installed (apt-get install chromium chromium-driver)"
        );
        return;
    };
    let (_server, url) = serve();
    let port = free_port();
    let _driver = Kill(
        Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let profile = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({"args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1280,1000",
                format!("--user-data-dir={}", profile.path().display())
            ]}),
        );
        let mut client = None;
        for _ in 0..50 {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector).capabilities(caps.clone()).connect(&format!("http://127.0.0.1:{port}")).await {
                Ok(c) => {
                    client = Some(c);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
        let c = client.expect("chromedriver did not start");
        c.goto(&url).await.unwrap();
        wait_for(&c, "return document.readyState === 'complete'").await;

        // The shipped sample: spans highlighted, a legend, claims, a tooltip on focus.
        let sample = std::fs::read_to_string(repo().join("samples/harbor-bridge.txt")).unwrap();
        submit(&c, &sample).await;
        let marks = wait_for(&c, "return document.querySelectorAll('#article mark').length").await;
        assert!(marks.as_u64().unwrap() >= 3, "highlighted spans: {marks}");
        let shown = c
            .execute(
                "return Array.from(document.getElementById('article').childNodes).map(n => n.textContent).join('')",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(shown.as_str().unwrap(), sample, "the article text is shown exactly");
        let legend = c.execute("return document.querySelectorAll('#legend span').length", vec![]).await.unwrap();
        assert!(legend.as_u64().unwrap() >= 1);
        let claims = c.execute("return document.querySelectorAll('#claims li').length", vec![]).await.unwrap();
        assert!(claims.as_u64().unwrap() >= 1);
        c.execute(
            "document.getElementById('result').scrollIntoView({block: 'start'}); \
             const m = document.querySelectorAll('#article mark'); m[Math.min(5, m.length - 1)].focus({preventScroll: true});",
            vec![],
        )
        .await
        .unwrap();
        let tip = wait_for(
            &c,
            "const t = document.getElementById('tip'); return !t.hidden && t.textContent",
        )
        .await;
        assert!(tip.as_str().unwrap().contains("confidence"), "{tip}");
        let png = c.screenshot().await.unwrap();
        let out = repo().join("target/e2e");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("screenshot.png"), png).unwrap();

        // Untrusted text stays text.
        let payload = "<img src=x onerror=\"window.__xss=1\"><script>window.__xss=2</script> \
                       A shameful, disgraceful <b>plan</b>! javascript:alert(3) </article></div>";
        submit(&c, payload).await;
        let xss = c.execute("return window.__xss === undefined", vec![]).await.unwrap();
        assert_eq!(xss, serde_json::Value::Bool(true), "the payload ran");
        let imgs = c.execute("return document.querySelectorAll('#article img, #article script, #article b').length", vec![]).await.unwrap();
        assert_eq!(imgs.as_u64(), Some(0));
        let text = c.execute("return document.getElementById('article').textContent", vec![]).await.unwrap();
        assert!(text.as_str().unwrap().contains("<script>window.__xss=2</script>"));
        c.close().await.unwrap();
    });
}
