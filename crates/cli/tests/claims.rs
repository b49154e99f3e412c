use crate::util::{repo, stderr, stdout, Dir};

#[test]
fn tsv_rows_scored_in_order_and_malformed_rows_warned() {
    let d = Dir::new();
    d.create(
        "s.tsv",
        "Sentence_id\tText\tclass_label\n\
         10\tUnemployment fell from 8.1 percent in 2012 to 4.7 percent in 2016.\tYes\n\
         11\tThank you all so much for being here tonight.\tNo\n\
         12\tglued row\tNo13\tanother\tYes\n\
         14\t\"We spent $2 trillion on the war.\"\tYes\n",
    );
    let o = d.run(&["claims", "s.tsv"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("s.tsv:4: expected 3 TAB-separated fields"), "{}", stderr(&o));
    let rows: Vec<Vec<String>> =
        stdout(&o).lines().map(|l| l.split('\t').map(String::from).collect()).collect();
    assert_eq!(rows.iter().map(|r| r[0].as_str()).collect::<Vec<_>>(), ["10", "11", "14"]);
    let score = |i: usize| rows[i][1].parse::<f32>().unwrap();
    assert!(rows.iter().all(|r| (0.0..=1.0).contains(&r[1].parse::<f32>().unwrap())));
    assert!(score(0) > score(1), "a statistic outranks a thank-you");
    assert_eq!(rows[0][2], "Yes");
    assert_eq!(rows[1][2], "No");

    // The predictions evaluate against the same file.
    d.create("pred.tsv", stdout(&o));
    d.create("gold.tsv", "Sentence_id\tText\tclass_label\n10\ta\tYes\n11\tb\tNo\n14\tc\tYes\n");
    let o = d.run(&["eval", "claims", "--gold", "gold.tsv", "--pred", "pred.tsv"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("F1="));
}

#[test]
fn articles_give_ranked_claims_with_exact_offsets() {
    let d = Dir::new();
    let sample = repo().join("samples/harbor-bridge.txt");
    let o = d.run(&["claims", "--format", "json", "--all", sample.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&sample).unwrap();
    let chars: Vec<char> = text.chars().collect();
    let mut last = f64::INFINITY;
    let lines: Vec<serde_json::Value> =
        stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(lines.len() > 10);
    for v in &lines {
        let (s, e) = (v["start"].as_u64().unwrap() as usize, v["end"].as_u64().unwrap() as usize);
        assert_eq!(chars[s..e].iter().collect::<String>(), v["text"].as_str().unwrap());
        let score = v["score"].as_f64().unwrap();
        assert!(score <= last, "ranked best first");
        last = score;
    }
    assert!(lines.iter().any(|v| v["check_worthy"] == true));
    assert!(lines.iter().any(|v| v["check_worthy"] == false));
}

#[test]
fn analyze_lists_claims_above_the_threshold() {
    let d = Dir::new();
    let sample = repo().join("samples/harbor-bridge.txt");
    let o = d.run(&["analyze", "--format", "json", sample.to_str().unwrap()], None);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let claims = v["claims"].as_array().unwrap();
    assert!(!claims.is_empty());
    let text: Vec<char> = v["text"].as_str().unwrap().chars().collect();
    for c in claims {
        let (s, e) = (c["start"].as_u64().unwrap() as usize, c["end"].as_u64().unwrap() as usize);
        assert_eq!(text[s..e].iter().collect::<String>(), c["text"].as_str().unwrap());
        assert!(!c["text"].as_str().unwrap().ends_with(' '), "sentence spans are trimmed");
    }
}

/// The committed claim model keeps its measured F1 on CT24 dev-test.
#[test]
fn embedded_claim_model_on_dev_test() {
    let gold = repo().join("../shared/data/checkworthy/CT24_checkworthy_english_dev-test.tsv");
    if !gold.exists() {
        eprintln!("skipping: CheckThat! data not found at {}", gold.display());
        return;
    }
    let d = Dir::new();
    let o = d.run(&["eval", "claims", "--gold", gold.to_str().unwrap(), "--json"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["sentences"], 318);
    assert!(v["f1"].as_f64().unwrap() >= 0.72, "{v}");
}

/// `bench` times the analysis with the claim model it is given, and reports that
/// analysis's peak memory apart from the whole run's.
#[test]
fn bench_times_the_analysis_with_the_claim_model_asked_for() {
    let d = Dir::new();
    let sample = repo().join("samples/harbor-bridge.txt");
    let args = ["bench", "--repeat", "2", "-j", "1", "--claims-model", "fast"];
    let o = d.run(&[&args[..], &[sample.to_str().unwrap()]].concat(), None);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("1 thread: ") && out.contains(" documents/s"), "{out}");
    if cfg!(target_os = "linux") {
        assert!(out.contains("peak memory of the analysis (VmHWM): "), "{out}");
    }
    let bad = d.run(&["bench", "--claims-model", "/no/such/model.bin"], None);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("/no/such/model.bin"), "{}", stderr(&bad));
}
