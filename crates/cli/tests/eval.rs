use crate::util::{repo, stderr, stdout, Dir};

fn value(out: &str, key: &str) -> f64 {
    out.lines().find_map(|l| l.strip_prefix(&format!("{key}="))).unwrap().parse().unwrap()
}

#[test]
fn si_hand_computed() {
    let d = Dir::new();
    // Gold [0,10) and [20,30); prediction [5,15) and [20,30) and [40,45).
    // P = (5/10 + 10/10 + 0) / 3 = 0.5; R = (5/10 + 10/10) / 2 = 0.75; F1 = 0.6.
    d.create("gold", "1\t0\t10\n1\t20\t30\n");
    d.create("pred", "1\t5\t15\n1\t20\t30\n1\t40\t45\n");
    let o = d.run(&["eval", "si", "--gold", "gold", "--pred", "pred"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("F1="), "{out}");
    assert!((value(&out, "F1") - 0.6).abs() < 1e-6);
    assert!((value(&out, "Precision") - 0.5).abs() < 1e-6);
    assert!((value(&out, "Recall") - 0.75).abs() < 1e-6);
    let o = d.run(&["eval", "si", "--gold", "gold", "--pred", "pred", "--json"], None);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!((v["f1"].as_f64().unwrap() - 0.6).abs() < 1e-6);
}

#[test]
fn tc_scores_and_mismatches() {
    let d = Dir::new();
    d.create("gold", "1\tDoubt\t0\t4\n1\tSlogans\t0\t4\n1\tRepetition\t5\t9\n");
    d.create("pred", "1\tSlogans\t0\t4\n1\tDoubt\t0\t4\n1\tDoubt\t5\t9\n");
    let o = d.run(&["eval", "tc", "--gold", "gold", "--pred", "pred"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!((value(&out, "F1") - 2.0 / 3.0).abs() < 1e-6, "{out}");
    assert!(out.contains("Repetition"));
    d.create("short", "1\tDoubt\t0\t4\n");
    let o = d.run(&["eval", "tc", "--gold", "gold", "--pred", "short"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("span 0-4: 2 gold line(s), 1 predicted"), "{}", stderr(&o));
}

#[test]
fn malformed_label_lines_name_the_line() {
    let d = Dir::new();
    d.create("gold", "1\t0\t10\n1\tzero\t10\n");
    d.create("pred", "1\t0\t10\n");
    let o = d.run(&["eval", "si", "--gold", "gold", "--pred", "pred"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("gold:2: start \"zero\""), "{}", stderr(&o));
}

#[test]
fn train_never_overwrites_without_force() {
    let d = Dir::new();
    d.create("model.bin", "precious");
    let o = d.run(&["train", "techniques", "--data", "nowhere", "--out", "model.bin"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("pass --force"));
    assert_eq!(std::fs::read_to_string(d.path().join("model.bin")).unwrap(), "precious");
}

/// Issue 7's targets on the repository's own annotated set.
#[test]
fn numbers_eval_set_meets_its_targets() {
    let d = Dir::new();
    let gold = crate::util::repo().join("eval/numbers.json");
    let o = d.run(&["eval", "numbers", "--gold", gold.to_str().unwrap(), "--json"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(v["passages"].as_u64().unwrap() >= 40);
    assert!(v["quantities"]["f1"].as_f64().unwrap() >= 0.95, "{v}");
    assert!(v["verdicts"]["accuracy"].as_f64().unwrap() >= 0.90, "{v}");
    assert_eq!(v["verdicts"]["false_inconsistent"], 0, "{v}");
}

/// Issue 6's targets on the repository's development set, and no guessed speakers but the
/// documented one on the held-out set.
#[test]
fn quotes_eval_sets() {
    let d = Dir::new();
    // The held-out set calls 'Critics dismissed the scheme as a "vanity project"' a scare
    // quote; with the reporting words learned from PolNeAR (whose annotators would name
    // "Critics" as its source) it is attributed: the one guess allowed there (README).
    for (set, quote_f1, speakers, guesses) in
        [("eval/quotes.json", 0.90, 0.85, 0), ("eval/quotes-heldout.json", 0.90, 0.70, 1)]
    {
        let gold = crate::util::repo().join(set);
        let o = d.run(&["eval", "quotes", "--gold", gold.to_str().unwrap(), "--json"], None);
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert!(v["quotes"]["f1"].as_f64().unwrap() >= quote_f1, "{set}: {v}");
        assert!(v["speakers"]["accuracy"].as_f64().unwrap() >= speakers, "{set}: {v}");
        assert!(v["sources"]["f1"].as_f64().unwrap() >= 0.85, "{set}: {v}");
        assert_eq!(v["speakers"]["guessed_for_unattributed"], guesses, "{set}: {v}");
    }
}

/// `eval quotes --polnear`: the attribution scores on PolNeAR dev (skips, saying so,
/// when the corpus is absent).
#[test]
fn polnear_attributions_are_scored() {
    let dir = repo().join("../shared/data/polnear");
    if !dir.join("dev/attributions").is_dir() {
        eprintln!("skipping: PolNeAR not found at {}", dir.display());
        return;
    }
    let d = Dir::new();
    let o = d.run(&["eval", "quotes", "--polnear", dir.to_str().unwrap(), "--json"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["articles"], 84);
    assert!(v["all"]["gold"].as_u64().unwrap() > 2000, "{v}");
    let f1 = |k: &str| v[k]["f1"].as_f64().unwrap();
    // The attribution tagger's regression guard (it scores 0.78 / 0.91 / 0.72 on dev).
    assert!(f1("all") > 0.7 && f1("direct") > 0.85 && f1("cue") > 0.6, "{v}");
    assert!(v["speakers_scored"].as_u64().unwrap() > 500);
    assert!(v["according_gold"].as_u64().unwrap() > 20);
    let o = d.run(&["eval", "quotes", "--polnear", "/nonexistent", "--split", "dev"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("reading PolNeAR dev"), "{}", stderr(&o));
}
