//! `unspin eval numbers --comparisons FILE`: the arithmetic checks on comparisons in real
//! news passages annotated by hand (`eval/comparisons.json`, texts read from the data).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use unspin_eval::comparisons::{load, Passage};

/// The verdict unspin gives the claim of `p`: that of the check over the claim's words
/// (the one whose claimed value is the annotated one, if several), or `none`.
fn predicted(p: &Passage) -> &'static str {
    let doc = unspin_text::Document::new(String::from("comparison"), p.text.clone());
    let (_, checks) = unspin_detect::numbers::analyze(&doc);
    let Some(byte) = p.text.find(&p.comparison.claim) else { return "none" };
    let at = p.text[..byte].chars().count();
    let over: Vec<_> = checks.iter().filter(|c| c.start <= at && at < c.end).collect();
    let same = |c: &&unspin_detect::report::Check| {
        p.comparison.claimed.is_some_and(|v| (c.claimed - v).abs() <= 1e-6 * v.abs().max(1.0))
    };
    over.iter().find(|c| same(c)).or(over.first()).map_or("none", |c| c.verdict.name())
}

/// Scores the set; with `verbose`, lists each wrong verdict on standard error.
pub fn run(file: &Path, data: &Path, verbose: bool) -> Result<String> {
    let passages = load(file, data)
        .with_context(|| format!("reading {} (texts from {})", file.display(), data.display()))?;
    let mut confusion: BTreeMap<(String, &'static str), usize> = BTreeMap::new();
    let (mut comparisons, mut right, mut lenient, mut idioms, mut false_checks) = (0, 0, 0, 0, 0);
    for p in &passages {
        let want = p.comparison.verdict.as_str();
        let got = predicted(p);
        *confusion.entry((want.to_string(), got)).or_default() += 1;
        if want == "none" {
            idioms += 1;
            false_checks += usize::from(got != "none");
        } else {
            comparisons += 1;
            right += usize::from(got == want);
            lenient += usize::from(got == want || (want == "unverifiable" && got == "none"));
        }
        if verbose && got != want {
            eprintln!(
                "{} {}..{}: \"{}\" expected {want}, got {got}",
                p.comparison.at.article,
                p.comparison.at.start,
                p.comparison.at.end,
                p.comparison.claim
            );
        }
    }
    let share = |n: usize, d: usize| n as f64 / d.max(1) as f64;
    let mut out = format!(
        "comparisons: {comparisons} in {} passages\nverdict accuracy: {:.3} ({right} of {comparisons}; a claim with no check is wrong)\n\
         verdict accuracy, no check read as unverifiable: {:.3} ({lenient} of {comparisons})\n\
         idioms (\"doubled down\"): {idioms}, checked by mistake: {false_checks}\n\nexpected\tgot\tcount\n",
        passages.len(),
        share(right, comparisons),
        share(lenient, comparisons),
    );
    for ((want, got), n) in confusion {
        out += &format!("{want}\t{got}\t{n}\n");
    }
    Ok(out)
}
