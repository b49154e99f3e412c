//! Tests on the PTC data in ../shared/data; each skips, saying so, when it is absent.

use crate::util::{repo, stderr, stdout, Dir};

fn ptc() -> Option<std::path::PathBuf> {
    let p = repo().join("../shared/data/ptc");
    if p.join("train-task2-TC.labels").exists() {
        Some(p)
    } else {
        eprintln!("skipping: PTC data not found at {}", p.display());
        None
    }
}

/// The committed model keeps its measured quality on the valid split (a regression guard
/// a little under the README figures).
#[test]
fn embedded_model_quality_on_valid() {
    let Some(data) = ptc() else { return };
    let d = Dir::new();
    let o = d.run(&["eval", "techniques", "--data", data.to_str().unwrap(), "--json"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let si = v["si"]["f1"].as_f64().unwrap();
    let tc = v["tc"]["f1"].as_f64().unwrap();
    assert_eq!(v["articles"], 46);
    assert!(si >= 0.33, "SI F1 {si}");
    assert!(tc >= 0.55, "TC F1 {tc}");
}

/// `classify` on valid gold spans reproduces the TC figure `eval techniques` gives.
#[test]
fn classify_then_eval_tc_on_valid() {
    let Some(data) = ptc() else { return };
    let d = Dir::new();
    let ids: Vec<String> = std::fs::read_to_string(data.join("splits/valid-ids.txt"))
        .unwrap()
        .split_whitespace()
        .map(String::from)
        .collect();
    let gold: String = std::fs::read_to_string(data.join("train-task2-TC.labels"))
        .unwrap()
        .lines()
        .filter(|l| ids.iter().any(|id| l.starts_with(&format!("{id}\t"))))
        .map(|l| format!("{l}\n"))
        .collect();
    d.create("gold.labels", &gold);
    let template: String = gold
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            format!("{}\t?\t{}\t{}\n", f[0], f[2], f[3])
        })
        .collect();
    d.create("template.labels", template);
    let articles: Vec<String> = ids
        .iter()
        .map(|id| data.join(format!("train-articles/article{id}.txt")).display().to_string())
        .collect();
    let mut args = vec!["classify", "--spans", "template.labels"];
    args.extend(articles.iter().map(String::as_str));
    let o = d.run(&args, None);
    assert!(o.status.success(), "{}", stderr(&o));
    d.create("pred.labels", stdout(&o));
    let o =
        d.run(&["eval", "tc", "--gold", "gold.labels", "--pred", "pred.labels", "--json"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let o2 = d.run(&["eval", "techniques", "--data", data.to_str().unwrap(), "--json"], None);
    let e: serde_json::Value = serde_json::from_str(&stdout(&o2)).unwrap();
    assert!((v["f1"].as_f64().unwrap() - e["tc"]["f1"].as_f64().unwrap()).abs() < 1e-9);
}
