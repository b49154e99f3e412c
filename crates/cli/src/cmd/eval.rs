//! `unspin eval si|tc|techniques`.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use unspin_detect::techniques;
use unspin_eval::tc::TcScore;
use unspin_eval::{labels, si, tc};
use unspin_model::ptc;

use crate::flags::{EvalClaims, EvalFiles, EvalTechniques, ModelArgs};

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

/// The per-technique table.
pub fn tc_table(s: &TcScore) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<36} {:>9} {:>9} {:>9} {:>7} {:>9}",
        "technique", "precision", "recall", "f1", "gold", "predicted"
    );
    for t in &s.per_technique {
        let _ = writeln!(
            out,
            "{:<36} {:>9.4} {:>9.4} {:>9.4} {:>7} {:>9}",
            t.technique, t.precision, t.recall, t.f1, t.support, t.predicted
        );
    }
    out
}

/// `unspin eval si`.
pub fn si(args: &EvalFiles) -> Result<String> {
    let gold = labels::parse_si(&read(&args.gold)?, &args.gold.display().to_string())?;
    let pred = labels::parse_si(&read(&args.pred)?, &args.pred.display().to_string())?;
    let s = si::score(&gold, &pred);
    if args.json {
        return Ok(serde_json::to_string_pretty(&s)? + "\n");
    }
    Ok(format!(
        "F1={:.6}\nPrecision={:.6}\nRecall={:.6}\nspans: {} predicted, {} gold (after merging overlaps)\n",
        s.f1, s.precision, s.recall, s.n_pred, s.n_gold
    ))
}

/// `unspin eval tc`.
pub fn tc(args: &EvalFiles) -> Result<String> {
    let gold = labels::parse_tc(&read(&args.gold)?, &args.gold.display().to_string())?;
    let pred = labels::parse_tc(&read(&args.pred)?, &args.pred.display().to_string())?;
    let s = tc::score(&gold, &pred)?;
    if args.json {
        return Ok(serde_json::to_string_pretty(&s)? + "\n");
    }
    Ok(format!(
        "F1={:.6}\nPrecision={:.6}\nRecall={:.6}\nmacro-F1={:.6}\n\n{}",
        s.f1,
        s.precision,
        s.recall,
        s.macro_f1,
        tc_table(&s)
    ))
}

/// `unspin eval techniques`.
pub fn techniques(args: &EvalTechniques) -> Result<String> {
    let split: ptc::Split = args.split.parse()?;
    let corpus = ptc::load(&args.data, split)
        .with_context(|| format!("reading PTC from {}", args.data.display()))?;
    let det = super::detector(&ModelArgs { model: args.model.model.clone() })?;
    let e = techniques::evaluate(det.as_ref(), &corpus)?;
    if args.json {
        return Ok(serde_json::to_string_pretty(&e)? + "\n");
    }
    Ok(format!(
        "model {} on PTC {} ({} articles)\n\
         SI          F1={:.4} Precision={:.4} Recall={:.4} ({} predicted, {} gold spans)\n\
         TC (gold)   micro-F1={:.4} macro-F1={:.4}\n\
         end-to-end  F1={:.4} Precision={:.4} Recall={:.4}\n\n{}",
        det.name(),
        args.split,
        e.articles,
        e.si.f1,
        e.si.precision,
        e.si.recall,
        e.si.n_pred,
        e.si.n_gold,
        e.tc.f1,
        e.tc.macro_f1,
        e.end_to_end.f1,
        e.end_to_end.precision,
        e.end_to_end.recall,
        tc_table(&e.tc)
    ))
}

/// `unspin eval claims`: F1 of the `Yes` class, precision and recall.
pub fn claims(args: &EvalClaims) -> Result<String> {
    let gold = super::claims::read_tsv(&args.gold)?;
    let mut gold_labels = Vec::new();
    let mut predicted = Vec::new();
    match &args.pred {
        Some(pred_path) => {
            let text = read(pred_path)?;
            let mut pred = std::collections::HashMap::new();
            for (i, line) in text.lines().enumerate() {
                let f: Vec<&str> = line.trim_end_matches('\r').split('\t').collect();
                match f.as_slice() {
                    [id, _score, label] if *label == "Yes" || *label == "No" => {
                        pred.insert(id.to_string(), *label == "Yes");
                    }
                    _ if line.trim().is_empty() || i == 0 && line.starts_with("Sentence_id") => {}
                    _ => anyhow::bail!(
                        "{}:{}: expected Sentence_id<TAB>score<TAB>Yes|No",
                        pred_path.display(),
                        i + 1
                    ),
                }
            }
            for r in &gold {
                let Some(g) = r.label else { continue };
                let p = pred.get(&r.id).with_context(|| {
                    format!("{}: no prediction for sentence {}", pred_path.display(), r.id)
                })?;
                gold_labels.push(g);
                predicted.push(*p);
            }
        }
        None => {
            let scorer = super::claims::scorer(&args.claims_model)?;
            let labelled: Vec<_> = gold.iter().filter(|r| r.label.is_some()).collect();
            let texts: Vec<&str> = labelled.iter().map(|r| r.text.as_str()).collect();
            for (r, s) in labelled.iter().zip(scorer.score_batch(&texts)) {
                gold_labels.push(r.label.unwrap_or(false));
                predicted.push(s >= scorer.threshold());
            }
        }
    }
    let (f1, precision, recall) = unspin_model::claims::f1_yes(&gold_labels, &predicted);
    if args.json {
        let v = serde_json::json!({"f1": f1, "precision": precision, "recall": recall,
            "sentences": gold_labels.len(), "gold_yes": gold_labels.iter().filter(|g| **g).count(),
            "predicted_yes": predicted.iter().filter(|p| **p).count()});
        return Ok(serde_json::to_string_pretty(&v)? + "\n");
    }
    Ok(format!(
        "F1={f1:.6}\nPrecision={precision:.6}\nRecall={recall:.6}\nsentences: {}, gold Yes: {}, predicted Yes: {}\n",
        gold_labels.len(),
        gold_labels.iter().filter(|g| **g).count(),
        predicted.iter().filter(|p| **p).count()
    ))
}
