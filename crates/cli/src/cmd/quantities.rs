//! `unspin eval numbers --quantities FILE`: quantities in real news sentences annotated by
//! hand (`eval/quantities.json`, texts read from the data).

use std::path::Path;

use anyhow::{Context, Result};
use unspin_eval::quantities::{load, score, Passage, Predicted};

/// The numbers unspin reports in a short text (one sentence, one spec case): what the
/// number scorers compare with their gold.
pub(crate) fn reported(text: &str) -> Vec<unspin_detect::report::Number> {
    let doc = unspin_text::Document::new(String::from("passage"), text.to_string());
    unspin_detect::numbers::analyze(&doc).0
}

/// What unspin finds in one sentence, with canonical unit names.
fn predicted(p: &Passage) -> Vec<Predicted> {
    reported(&p.text)
        .into_iter()
        .map(|n| Predicted {
            span: n.start..n.end,
            value: n.value,
            high: n.high,
            unit: n.unit_name,
        })
        .collect()
}

/// Scores the set; with `verbose`, lists each sentence where a figure is missed or wrong
/// on standard error.
pub fn run(file: &Path, data: &Path, json: bool, verbose: bool) -> Result<String> {
    let passages = load(file, data)
        .with_context(|| format!("reading {} (texts from {})", file.display(), data.display()))?;
    let pred: Vec<Vec<Predicted>> = passages.iter().map(predicted).collect();
    if verbose {
        for (p, q) in passages.iter().zip(&pred) {
            if unspin_eval::quantities::score_one(&p.annotated.quantities, q).imperfect() {
                let gold: Vec<_> = p.annotated.quantities.iter().filter(|g| !g.optional).collect();
                eprintln!("{}\n  gold {:?}\n  found {:?}", p.text, gold, q);
            }
        }
    }
    let s = score(&passages, &pred);
    if json {
        return Ok(serde_json::to_string_pretty(&s)? + "\n");
    }
    let row = |name: &str, f: &unspin_eval::Prf| {
        format!(
            "{name}\t{:.3}\t{:.3}\t{:.3}\t({} of {} found, {} gold)\n",
            f.f1, f.precision, f.recall, f.matched, f.predicted, f.gold
        )
    };
    Ok(format!("sentences: {}\n\tF1\tP\tR\n", s.passages)
        + &row("span", &s.span)
        + &row("value", &s.value)
        + &row("value+unit", &s.value_unit))
}
