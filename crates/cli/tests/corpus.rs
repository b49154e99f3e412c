//! Corpus mode (`analyze --out`) and `report`: issue 9.

use std::collections::HashMap;

use crate::hay;
use crate::util::{stderr, stdout, Dir};

fn ids(path: &std::path::Path) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for line in std::fs::read_to_string(path).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("every line is valid JSON");
        *m.entry(v["id"].as_str().unwrap().to_string()).or_default() += 1;
    }
    m
}

fn corpus(d: &Dir, n: usize) {
    std::fs::create_dir(d.path().join("in")).unwrap();
    for i in 0..n {
        d.create(&format!("in/doc{i:03}.txt"), format!("{} Item {i}.", hay::OPINION));
    }
}

#[test]
fn writes_every_document_once_and_resumes() {
    let d = Dir::new();
    corpus(&d, 40);
    let o = d.run(&["analyze", "in", "--out", "out.jsonl", "--jobs", "2"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let m = ids(&d.path().join("out.jsonl"));
    assert_eq!(m.len(), 40);
    assert!(m.values().all(|&n| n == 1));
    let line: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(d.path().join("out.jsonl")).unwrap().lines().next().unwrap(),
    )
    .unwrap();
    assert!(line["source"].as_str().unwrap().starts_with("in/doc"));

    // Rerun: nothing new is written, nothing is lost.
    let before = std::fs::read(d.path().join("out.jsonl")).unwrap();
    let o = d.run(&["analyze", "in", "--out", "out.jsonl"], None);
    assert!(o.status.success());
    assert!(stderr(&o).contains("40 already there"), "{}", stderr(&o));
    assert_eq!(std::fs::read(d.path().join("out.jsonl")).unwrap(), before);

    // New documents only are added.
    d.create("in/doc999.txt", hay::MIXED);
    let o = d.run(&["analyze", "in", "--out", "out.jsonl"], None);
    assert!(stderr(&o).contains("1 documents written"), "{}", stderr(&o));
    assert_eq!(ids(&d.path().join("out.jsonl")).len(), 41);
}

#[test]
fn a_torn_last_line_is_redone() {
    let d = Dir::new();
    corpus(&d, 10);
    d.run(&["analyze", "in", "--out", "out.jsonl"], None);
    let p = d.path().join("out.jsonl");
    let len = std::fs::metadata(&p).unwrap().len();
    std::fs::OpenOptions::new().write(true).open(&p).unwrap().set_len(len - 40).unwrap();
    let o = d.run(&["analyze", "in", "--out", "out.jsonl"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("last line is incomplete"));
    let m = ids(&p);
    assert_eq!(m.len(), 10);
    assert!(m.values().all(|&n| n == 1));
}

#[test]
fn force_starts_afresh_and_other_formats_are_refused() {
    let d = Dir::new();
    corpus(&d, 3);
    d.create("out.jsonl", "{\"id\":\"old\",\"source\":null}\n");
    let o = d.run(&["analyze", "in", "--out", "out.jsonl", "--force"], None);
    assert!(o.status.success());
    let m = ids(&d.path().join("out.jsonl"));
    assert!(!m.contains_key("old") && m.len() == 3);
    let o = d.run(&["analyze", "in", "--out", "x.jsonl", "--format", "html"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(!d.path().join("x.jsonl").exists());
}

#[test]
fn failures_are_logged_and_the_run_goes_on() {
    let d = Dir::new();
    corpus(&d, 5);
    d.create("in/zz-bad.txt", b"\xff\xfe binary-ish \0");
    let o = d.run(&["analyze", "in", "--out", "out.jsonl", "--errors", "err.jsonl"], None);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(ids(&d.path().join("out.jsonl")).len(), 5);
    let err = std::fs::read_to_string(d.path().join("err.jsonl")).unwrap();
    let v: serde_json::Value = serde_json::from_str(err.lines().next().unwrap()).unwrap();
    assert!(v["source"].as_str().unwrap().ends_with("zz-bad.txt"));
    assert!(v["message"].as_str().unwrap().contains("binary"));
}

/// Starts a corpus run over 150 large documents on one thread, and returns once it has
/// written its first line (so it is surely running, and far from done).
#[cfg(unix)]
fn running_corpus_run(d: &Dir) -> std::process::Child {
    use std::process::Stdio;
    std::fs::create_dir(d.path().join("in")).unwrap();
    let big = hay::OPINION.repeat(60);
    for i in 0..150 {
        d.create(&format!("in/d{i:03}.txt"), &big);
    }
    let child = d
        .cmd()
        .args(["analyze", "in", "--out", "out.jsonl", "--jobs", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let p = d.path().join("out.jsonl");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::fs::read_to_string(&p).map_or(true, |t| !t.contains('\n')) {
        assert!(std::time::Instant::now() < deadline, "the run wrote nothing");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child
}

/// Sends `signal` to a corpus run in progress: it stops early with exit 2 and a message,
/// leaves whole lines only, and the rerun completes with one line per document.
#[cfg(unix)]
fn interrupted_run_resumes(signal: i32) {
    let d = Dir::new();
    let child = running_corpus_run(&d);
    // SAFETY: plain kill(2) on our own child's pid.
    unsafe {
        libc_kill(child.id() as i32, signal);
    }
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("interrupted"), "{}", stderr(&o));
    let p = d.path().join("out.jsonl");
    let partial = ids(&p);
    assert!(!partial.is_empty() && partial.len() < 150, "{} lines", partial.len());
    assert!(partial.values().all(|&n| n == 1));
    let o = d.run(&["analyze", "in", "--out", "out.jsonl"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let m = ids(&p);
    assert_eq!(m.len(), 150);
    assert!(m.values().all(|&n| n == 1));
}

#[cfg(unix)]
#[test]
fn interrupt_leaves_a_valid_file_that_resumes_to_one_line_each() {
    interrupted_run_resumes(2); // SIGINT
}

#[cfg(unix)]
#[test]
fn regression_21_sigterm_stops_a_corpus_run_like_ctrl_c() {
    interrupted_run_resumes(15); // SIGTERM
}

#[cfg(unix)]
#[test]
fn regression_21_a_second_run_on_the_same_out_is_refused() {
    let d = Dir::new();
    let mut first = running_corpus_run(&d);
    let o = d.run(&["analyze", "in", "--out", "out.jsonl"], None);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("is being written by another unspin run"), "{err}");
    #[cfg(target_os = "linux")]
    assert!(err.contains(&format!("process {}", first.id())), "{err}");
    // A resume started meanwhile is refused too: --force must not empty a file in use.
    let o = d.run(&["analyze", "in", "--out", "out.jsonl", "--force"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(first.wait().unwrap().success());
    let m = ids(&d.path().join("out.jsonl"));
    assert_eq!(m.len(), 150);
    assert!(m.values().all(|&n| n == 1), "no document twice");
}

#[test]
fn regression_21_a_run_never_reads_its_own_output() {
    let d = Dir::new();
    std::fs::create_dir(d.path().join("d")).unwrap();
    d.create("d/in.jsonl", format!("{}\n", serde_json::json!({"id": "a", "text": hay::OPINION})));
    for _ in 0..2 {
        // The glob matches the output (and the error log) from the second run on.
        let o = d.run(
            &["analyze", "d/*.jsonl", "--out", "d/results.jsonl", "--errors", "d/errors.jsonl"],
            None,
        );
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let o = d.run(&["analyze", "d/*.jsonl", "--out", "d/results.jsonl"], None);
    assert!(stderr(&o).contains("own output file"), "{}", stderr(&o));
    assert_eq!(ids(&d.path().join("d/results.jsonl")).len(), 1);
    // The output named as an input: refused, and nothing is changed.
    let before = std::fs::read(d.path().join("d/results.jsonl")).unwrap();
    let o = d.run(&["analyze", "d/results.jsonl", "--out", "d/results.jsonl"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is also an input"), "{}", stderr(&o));
    assert_eq!(std::fs::read(d.path().join("d/results.jsonl")).unwrap(), before);
    // An input file given as --out by mistake is not cut down as a "torn" results file.
    let input = std::fs::read(d.path().join("d/in.jsonl")).unwrap();
    let o = d.run(&["analyze", "d/results.jsonl", "--out", "d/in.jsonl"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not an unspin results file"), "{}", stderr(&o));
    assert_eq!(std::fs::read(d.path().join("d/in.jsonl")).unwrap(), input);
}

#[cfg(unix)]
extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}

#[test]
fn report_renders_charts_and_groups() {
    let d = Dir::new();
    let mut jsonl = String::new();
    for i in 0..12 {
        let outlet = if i % 2 == 0 { "Gazette" } else { "Courier" };
        let text = format!(
            "{} Unemployment rose from 4 percent to 9 percent in 2020. Item {i}.",
            hay::OPINION
        );
        jsonl +=
            &serde_json::json!({"id": format!("a{i}"), "text": text, "outlet": outlet}).to_string();
        jsonl += "\n";
    }
    d.create("in.jsonl", jsonl);
    let o = d.run(&["analyze", "in.jsonl", "--out", "out.jsonl"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = d.run(&["report", "out.jsonl", "--group-by", "outlet", "--out", "r.html"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = std::fs::read_to_string(d.path().join("r.html")).unwrap();
    assert!(page.starts_with("<!doctype html>"));
    assert!(page.matches("<svg").count() >= 5, "charts are drawn");
    assert!(page.contains("Gazette (6 documents)") && page.contains("Courier (6 documents)"));
    assert!(page.contains("href=\"#article-0\"") && page.contains("id=\"article-0\""));
    assert!(!page.contains("<script") && !page.contains("https://") && !page.contains(" src="));
    let o = d.run(&["report", "out.jsonl", "--out", "r.html"], None);
    assert_eq!(o.status.code(), Some(2), "never overwrites without --force");
    let o = d.run(&["report", "out.jsonl", "--format", "json", "--group-by", "outlet"], None);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["documents"], 12);
    assert_eq!(v["groups"].as_array().unwrap().len(), 2);
    assert!(!v["top_claims"].as_array().unwrap().is_empty());
}
