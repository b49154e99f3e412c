use serde::Deserialize;

use crate::hay;
use crate::util::{repo, stderr, stdout, Dir};

/// The report schema, parsed strictly: an unknown or missing field fails the test.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Report {
    id: String,
    source: Option<String>,
    text: String,
    #[serde(default)]
    meta: serde_json::Map<String, serde_json::Value>,
    techniques: Vec<Technique>,
    claims: Vec<serde_json::Value>,
    quotes: Vec<serde_json::Value>,
    sources: Vec<serde_json::Value>,
    numbers: Vec<serde_json::Value>,
    checks: Vec<serde_json::Value>,
    models: Models,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Models {
    techniques: Option<String>,
    claims: Option<String>,
    #[serde(default)]
    quotes: Option<String>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Technique {
    start: usize,
    end: usize,
    text: String,
    technique: String,
    confidence: f32,
    explanation: String,
}

fn official() -> Vec<&'static str> {
    vec![
        "Appeal_to_Authority",
        "Appeal_to_fear-prejudice",
        "Bandwagon,Reductio_ad_hitlerum",
        "Black-and-White_Fallacy",
        "Causal_Oversimplification",
        "Doubt",
        "Exaggeration,Minimisation",
        "Flag-Waving",
        "Loaded_Language",
        "Name_Calling,Labeling",
        "Repetition",
        "Slogans",
        "Thought-terminating_Cliches",
        "Whataboutism,Straw_Men,Red_Herring",
    ]
}

fn check_offsets(r: &Report) {
    let chars: Vec<char> = r.text.chars().collect();
    for t in &r.techniques {
        assert!(t.start < t.end && t.end <= chars.len(), "{t:?}");
        assert_eq!(chars[t.start..t.end].iter().collect::<String>(), t.text);
        assert!(official().contains(&t.technique.as_str()), "{}", t.technique);
        assert!((0.0..=1.0).contains(&t.confidence));
        assert!(t.explanation.contains(':'));
    }
}

#[test]
fn sample_article_json_has_exact_offsets() {
    let d = Dir::new();
    let sample = repo().join("samples/harbor-bridge.txt");
    let o = d.run(&["analyze", "--format", "json", sample.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let r: Report = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(r.id, "harbor-bridge");
    assert!(r.source.as_deref().unwrap().ends_with("harbor-bridge.txt"));
    assert_eq!(r.models.techniques.as_deref(), Some("fast"), "{:?}", r.models);
    assert_eq!(r.models.claims.as_deref(), Some("fast"));
    assert!(r.techniques.len() >= 3, "the sample should show real detections");
    assert!(!r.claims.is_empty(), "the sample states facts worth checking");
    let speakers: Vec<&str> = r.quotes.iter().filter_map(|q| q["speaker"].as_str()).collect();
    assert!(speakers.contains(&"Elena Park"), "{speakers:?}");
    assert!(r.sources.iter().any(|s| s["name"] == "Millbrook Environmental Trust"));
    assert!(r.numbers.len() >= 10, "the sample's quantities are found");
    let check_texts: Vec<&str> = r.checks.iter().map(|c| c["verdict"].as_str().unwrap()).collect();
    assert!(check_texts.contains(&"consistent"), "{check_texts:?}");
    let text: Vec<char> = r.text.chars().collect();
    for n in &r.numbers {
        let (s, e) = (n["start"].as_u64().unwrap() as usize, n["end"].as_u64().unwrap() as usize);
        assert_eq!(text[s..e].iter().collect::<String>(), n["text"].as_str().unwrap());
    }
    check_offsets(&r);
}

/// The schema is stable: the typed report reads the CLI's JSON and writes it back byte
/// for byte (technique, quote kind, number kind and verdict spelled as before).
#[test]
fn report_json_round_trips_unchanged_through_the_typed_schema() {
    let d = Dir::new();
    let sample = repo().join("samples/harbor-bridge.txt");
    let html = repo().join("samples/harbor-bridge.html");
    let o = d.run(
        &["analyze", "--format", "jsonl", sample.to_str().unwrap(), html.to_str().unwrap()],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 2);
    for line in out.lines() {
        let typed: unspin_detect::report::Report = serde_json::from_str(line).unwrap();
        assert_eq!(serde_json::to_string(&typed).unwrap(), line);
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let names = |section: &str, field: &str| -> Vec<String> {
            v[section]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x[field].as_str().unwrap().to_string())
                .collect()
        };
        assert!(names("techniques", "technique").iter().all(|t| official().contains(&t.as_str())));
        assert!(names("quotes", "kind")
            .iter()
            .all(|k| ["direct", "indirect", "mixed", "scare"].contains(&k.as_str())));
        assert!(names("checks", "verdict").iter().any(|k| k == "consistent"));
        assert!(
            names("numbers", "kind").iter().any(|k| k == "percent"),
            "{:?}",
            names("numbers", "kind")
        );
    }
}

#[test]
fn stdin_with_bom_crlf_emoji() {
    let d = Dir::new();
    let mut input = "\u{feff}".as_bytes().to_vec();
    input.extend_from_slice(hay::MIXED.as_bytes());
    input.extend_from_slice(hay::OPINION.as_bytes());
    let o = d.run(&["analyze", "--format", "jsonl", "-"], Some(&input));
    assert!(o.status.success(), "{}", stderr(&o));
    let r: Report = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(r.id, "stdin");
    assert!(r.text.starts_with('\u{feff}') && r.text.contains("\r\n"), "text kept as is");
    assert!(!r.techniques.is_empty());
    check_offsets(&r);
}

#[test]
fn html_input_is_extracted() {
    let d = Dir::new();
    let page = repo().join("samples/harbor-bridge.html");
    let o = d.run(&["analyze", "--format", "json", page.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let r: Report = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(r.text.starts_with("The Harbor Bridge Betrayal"), "{:?}", &r.text[..80]);
    assert!(!r.text.contains("window.tracker") && !r.text.contains("Subscribe"));
    check_offsets(&r);
}

#[test]
fn bad_inputs_fail_clearly_and_the_rest_go_on() {
    let d = Dir::new();
    d.create("a-empty.txt", "");
    d.create("b-binary.txt", b"abc\0def");
    d.create("c-latin1.txt", b"caf\xe9 is a shameful disaster");
    d.create("d-good.txt", hay::OPINION);
    let o = d.run(&["analyze", "--format", "jsonl", "."], None);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("a-empty.txt: input is empty"), "{err}");
    assert!(err.contains("b-binary.txt: input looks binary"), "{err}");
    assert!(err.contains("c-latin1.txt: input is not valid UTF-8"), "{err}");
    assert!(!err.contains("panicked"));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1, "the good file is still analysed");
    assert!(out.contains("\"id\":\"d-good\""));

    let o = d.run(&["analyze", "--lossy", "--format", "jsonl", "c-latin1.txt"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("caf\u{FFFD} is"));
}

#[test]
fn size_limit_and_missing_paths() {
    let d = Dir::new();
    d.create("big.txt", "word ".repeat(100));
    let o = d.run(&["analyze", "--max-bytes", "100", "big.txt"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("over the limit of 100 bytes"), "{}", stderr(&o));
    let o = d.run(&["analyze", "nope.txt"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nope.txt") && stderr(&o).contains("cannot read"));
    let o = d.run(&["analyze", "--format", "json", "-"], Some(b""));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("<stdin>: input is empty"));
}

#[test]
fn semeval_formats() {
    let d = Dir::new();
    d.create("article123.txt", hay::OPINION);
    let o = d.run(&["analyze", "--format", "semeval-tc", "article123.txt"], None);
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(!out.is_empty());
    for line in out.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 4, "{line}");
        assert_eq!(f[0], "123");
        assert!(official().contains(&f[1]));
        assert!(f[2].parse::<usize>().unwrap() < f[3].parse::<usize>().unwrap());
    }
    let o = d.run(&["analyze", "--format", "semeval-si", "article123.txt"], None);
    let si = stdout(&o);
    assert_eq!(si.lines().count(), out.lines().count());
    assert!(si.lines().all(|l| l.split('\t').count() == 3));
}

#[test]
fn html_output_is_self_contained_and_inert() {
    let d = Dir::new();
    d.create(
        "x.txt",
        format!("{}<script>alert(1)</script> <img src=x onerror=alert(2)>", hay::OPINION),
    );
    let o = d.run(&["analyze", "--format", "html", "x.txt"], None);
    assert!(o.status.success());
    let page = stdout(&o);
    assert!(page.starts_with("<!doctype html>"));
    assert!(!page.contains("<script>") && !page.contains("<img"));
    assert!(!page.contains("http://") && !page.contains("https://"), "no external assets");
    assert!(page.contains("<mark"));
}

#[test]
fn pretty_without_a_terminal_has_no_colour() {
    let d = Dir::new();
    d.create("x.txt", hay::OPINION);
    let o = d.run(&["analyze", "--format", "pretty", "x.txt"], None);
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(out.contains("technique span") && !out.contains('\x1b'));
    // Default format off a terminal is JSON.
    let o = d.run(&["analyze", "x.txt"], None);
    assert!(serde_json::from_str::<Report>(&stdout(&o)).is_ok());
}

#[test]
fn jsonl_input_and_several_documents_as_a_json_array() {
    let d = Dir::new();
    d.create("in.jsonl", "{\"id\": \"one\", \"text\": \"A shameful plan.\", \"outlet\": \"Gazette\"}\n{\"id\": 2, \"text\": \"Another evil idea!\"}\n");
    let o = d.run(&["analyze", "--format", "json", "in.jsonl"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Vec<Report> = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["one", "2"]);
    assert_eq!(v[0].meta["outlet"], "Gazette", "JSONL metadata is kept");
    assert!(v[1].meta.is_empty());
}

#[test]
fn missing_model_file_is_a_clear_error() {
    let d = Dir::new();
    d.create("x.txt", hay::OPINION);
    d.create("bad.bin", "not a model");
    let o = d.run(&["analyze", "--model", "bad.bin", "x.txt"], None);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("loading model bad.bin") && err.contains("not an unspin model file"),
        "{err}"
    );
}

#[test]
fn neural_model_without_weights_names_the_install_command() {
    let d = Dir::new();
    let sample = repo().join("samples/harbor-bridge.txt");
    let mut tiers = vec![("neural", "unspin model install")];
    if repo().join("models/techniques-accurate.bin").exists() {
        tiers.push(("accurate", "unspin model install accurate"));
    }
    for (tier, command) in tiers {
        let o = d
            .cmd()
            .env("UNSPIN_HOME", d.path().join("empty-home"))
            .args(["analyze", "--model", tier, sample.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains(command), "{tier}: {}", stderr(&o));
        assert!(o.stdout.is_empty());
    }
}

/// Issue 15: a broken neural model, or an emptied UNSPIN_HOME, stops `analyze` and
/// `serve` with exit 2 and a message naming the model, never a report without spans.
#[test]
fn broken_neural_models_fail_clearly() {
    let d = Dir::new();
    let sample = repo().join("samples/harbor-bridge.txt");
    let model = std::fs::read(repo().join("models/techniques-neural.bin")).unwrap();
    d.create("truncated.bin", &model[..model.len() / 2]);
    let o = d.run(&["analyze", "--model", "truncated.bin", sample.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("loading model truncated.bin"), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    // The server refuses to start rather than serve reports without techniques.
    let o = d
        .cmd()
        .env("UNSPIN_HOME", d.path().join("empty-home"))
        .args(["serve", "--addr", "127.0.0.1:0", "--model", "neural"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("unspin model install"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("serving on"));
}

/// Whether `unspin model install [TIER]` has put the encoder where the binary looks.
fn encoder_installed(d: &Dir, tier: &str) -> bool {
    let o = d.run(&["model", "path", tier], None);
    let dir = stdout(&o).trim().to_string();
    let ok = std::path::Path::new(&dir).join("model.safetensors").exists();
    if !ok && std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI installs the {tier} tier's encoder, and it is missing from {dir}");
    }
    if !ok {
        eprintln!(
            "skipping: the {tier} encoder is not installed (run `unspin model install {tier}`)"
        );
    }
    ok
}

#[test]
fn neural_model_finds_spans_with_exact_offsets() {
    let d = Dir::new();
    if !encoder_installed(&d, "neural") {
        return;
    }
    let sample = repo().join("samples/harbor-bridge.txt");
    let o = d
        .run(&["analyze", "--model", "neural", "--format", "json", sample.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let r: Report = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(!r.techniques.is_empty(), "the sample should show real detections");
    check_offsets(&r);
    // Awkward text: BOM, CRLF, emoji, mixed scripts, a span-worthy phrase at the very end.
    let tricky =
        "\u{feff}Die Regierung 🚀 said:\r\n\"This is a disgraceful, shameful betrayal!\"\r\n\
                  Они говорят — the corrupt elites will destroy our great nation";
    let o =
        d.run(&["analyze", "--model", "neural", "--format", "json", "-"], Some(tricky.as_bytes()));
    assert!(o.status.success(), "{}", stderr(&o));
    let r: Report = serde_json::from_str(&stdout(&o)).unwrap();
    check_offsets(&r);
    // SemEval TC lines: every technique name is an official one.
    let o = d.run(
        &["analyze", "--model", "neural", "--format", "semeval-tc", sample.to_str().unwrap()],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    for line in stdout(&o).lines() {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 4, "{line}");
        assert!(official().contains(&f[1]), "{line}");
    }
}

/// The accurate tier (issue 20): with its committed model over all-mpnet-base-v2 it finds
/// spans with exact offsets and names itself in the report (a short text: the debug build
/// runs a 12-layer encoder); while no model is committed (`models/techniques-accurate.bin`)
/// it fails with exit 2, naming the missing file, and prints nothing.
#[test]
fn accurate_model_finds_spans_with_exact_offsets() {
    let d = Dir::new();
    if !repo().join("models/techniques-accurate.bin").exists() {
        let o = d.run(&["analyze", "--model", "accurate", "-"], Some(b"Words."));
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("models/techniques-accurate.bin"), "{}", stderr(&o));
        assert!(o.stdout.is_empty());
        return;
    }
    if !encoder_installed(&d, "accurate") {
        return;
    }
    let text = "\u{feff}The corrupt, shameful elites 🚀 will destroy our great nation!\r\n\
                Они говорят: \"Never again, never again, never again!\" \
                Every patriot knows the truth: they lied, and they lied again.";
    let o =
        d.run(&["analyze", "--model", "accurate", "--format", "json", "-"], Some(text.as_bytes()));
    assert!(o.status.success(), "{}", stderr(&o));
    let r: Report = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(r.models.techniques.as_deref(), Some("accurate"));
    assert!(!r.techniques.is_empty(), "loaded language this plain should be found");
    check_offsets(&r);
}

/// The accurate claim model (MPNet, committed): scores an article's sentences and names
/// itself in the report.
#[test]
fn accurate_claim_model_scores_sentences() {
    let d = Dir::new();
    if !encoder_installed(&d, "accurate") {
        return;
    }
    let text = "Unemployment rose to 7.5 percent in 2019, the ministry said. I love autumn.";
    let o = d.run(
        &["analyze", "--claims-model", "accurate", "--format", "json", "-"],
        Some(text.as_bytes()),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let r: Report = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(r.models.claims.as_deref(), Some("accurate"));
    assert!(
        r.claims.iter().any(|c| c["text"].as_str().is_some_and(|t| t.contains("7.5 percent"))),
        "{:?}",
        r.claims
    );
}

#[test]
fn regression_21_hostile_files_and_flags_fail_clearly() {
    let d = Dir::new();
    // A page nested 100,000 deep: read at once, its text kept.
    let deep = format!(
        "<html><body>{}Deep text.{}</body></html>",
        "<div>".repeat(100_000),
        "</div>".repeat(100_000)
    );
    d.create("deep.html", deep);
    let o = d.run(&["analyze", "deep.html", "--format", "jsonl"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["text"], "Deep text.");
    // Model files: a device, a text file, a directory — refused before reading.
    d.create("a.txt", hay::OPINION);
    d.create("notes.bin", "not a model");
    for model in ["/dev/zero", "notes.bin", "."] {
        let o = d.run(&["analyze", "--model", model, "a.txt"], None);
        assert_eq!(o.status.code(), Some(2), "{model}");
        assert!(stderr(&o).contains("loading model"), "{model}: {}", stderr(&o));
    }
    // Flags out of range.
    for args in [
        &["analyze", "--min-confidence", "2", "a.txt"][..],
        &["analyze", "--min-confidence", "NaN", "a.txt"],
        &["analyze", "--min-confidence", "inf", "a.txt"],
        &["analyze", "--jobs", "0", "a.txt"],
        &["serve", "--queue", "0"],
        &["serve", "--timeout", "0"],
    ] {
        let o = d.run(args, None);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains("invalid value"), "{args:?}: {}", stderr(&o));
    }
}

#[cfg(unix)]
#[test]
fn regression_21_dangling_and_looping_links_are_errors() {
    let d = Dir::new();
    std::fs::create_dir(d.path().join("in")).unwrap();
    d.create("in/a.txt", hay::OPINION);
    std::os::unix::fs::symlink(d.path().join("in/gone.txt"), d.path().join("in/b.txt")).unwrap();
    std::os::unix::fs::symlink(d.path().join("in/c.txt"), d.path().join("in/c.txt")).unwrap();
    let o = d.run(&["analyze", "in", "--format", "jsonl"], None);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o).lines().count(), 1, "the readable file is still analysed");
    let err = stderr(&o);
    assert!(err.contains("b.txt") && err.contains("c.txt"), "{err}");
}

/// The neural attribution model: named in the report, exact offsets on awkward text, and
/// a clear refusal of a model it does not have.
#[test]
fn neural_quotes_model_finds_speakers_with_exact_offsets() {
    let d = Dir::new();
    let o = d.run(&["analyze", "--quotes-model", "accurate", "-"], Some(b"He said so."));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("`fast` and a `neural` model only"), "{}", stderr(&o));
    if !encoder_installed(&d, "neural") {
        return;
    }
    let text = "\u{feff}\u{201c}We will not close the library,\u{201d} the mayor, Ruth Okafor, \
                said on Tuesday.\r\nКритики 😀 disagreed. \"It is a mistake,\" said Omar Haddad.";
    let o = d.run(
        &["analyze", "--quotes-model", "neural", "--format", "json", "-"],
        Some(text.as_bytes()),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let r: Report = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(r.models.quotes.as_deref(), Some("neural"), "{:?}", r.models);
    let chars: Vec<char> = r.text.chars().collect();
    let slice = |v: &serde_json::Value| -> String {
        let (s, e) = (v["start"].as_u64().unwrap() as usize, v["end"].as_u64().unwrap() as usize);
        chars[s..e].iter().collect()
    };
    for q in &r.quotes {
        assert_eq!(slice(q), q["text"].as_str().unwrap(), "{q}");
        for part in ["source", "cue"] {
            if q[part].is_object() {
                assert_eq!(slice(&q[part]), q[part]["text"].as_str().unwrap(), "{q}");
            }
        }
    }
    let speakers: Vec<&str> = r.quotes.iter().filter_map(|q| q["speaker"].as_str()).collect();
    assert!(speakers.iter().any(|s| s.contains("Okafor")), "{speakers:?}");
    assert!(speakers.contains(&"Omar Haddad"), "{speakers:?}");
}
