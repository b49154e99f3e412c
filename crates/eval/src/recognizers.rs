//! Microsoft Recognizers-Text English specs (MIT) as a regression suite for the number
//! parser: `{"Input", "Results": [{"Text", "TypeName", "Resolution": {"value", "unit"},
//! "Start", "End"}]}` per case, `Start`/`End` character offsets with `End` inclusive.
//!
//! Cases marked `NotSupported` or `NotSupportedByDesign` are ones the original library
//! itself does not pass (for some or all of its languages or platforms): they are counted
//! and left out of the scores. Scoring, per spec file and over all of them:
//! - a predicted quantity matches a gold result when their character spans overlap, one
//!   to one, largest overlap first;
//! - **value**: matched, and the values agree (relative difference under 1e-6);
//! - **value + unit**: also the units agree after both are normalised by the caller's
//!   `canonical` function (a gold result without a unit, such as a plain number, accepts
//!   any; a percentage's unit is "percent").

use std::ops::Range;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use crate::Prf;

/// The spec files read, relative to the specs folder.
pub const FILES: &[&str] = &[
    "Number/English/NumberModel.json",
    "Number/English/PercentModel.json",
    "Number/English/NumberRangeModel.json",
    "Number/English/OrdinalModel.json",
    "NumberWithUnit/English/CurrencyModel.json",
    "NumberWithUnit/English/DimensionModel.json",
    "NumberWithUnit/English/TemperatureModel.json",
    "NumberWithUnit/English/AgeModel.json",
];

#[derive(Deserialize)]
struct RawCase {
    #[serde(rename = "Input")]
    input: String,
    #[serde(rename = "Results", default)]
    results: Vec<RawResult>,
    #[serde(rename = "NotSupported", default)]
    not_supported: Option<serde_json::Value>,
    #[serde(rename = "NotSupportedByDesign", default)]
    not_supported_by_design: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct RawResult {
    #[serde(rename = "TypeName", default)]
    type_name: String,
    #[serde(rename = "Start")]
    start: Option<usize>,
    #[serde(rename = "End")]
    end: Option<usize>,
    #[serde(rename = "Resolution", default)]
    resolution: Option<serde_json::Value>,
}

/// One gold quantity.
#[derive(Clone, Debug, PartialEq)]
pub struct Gold {
    /// Character range (end exclusive).
    pub span: Range<usize>,
    /// The value, where it is a single number.
    pub value: Option<f64>,
    /// The unit as the spec names it ("Dollar", "Kilometer"), if any.
    pub unit: Option<String>,
}

/// One spec case.
#[derive(Clone, Debug)]
pub struct Case {
    /// The sentence.
    pub input: String,
    /// Its quantities.
    pub gold: Vec<Gold>,
}

/// One predicted quantity.
#[derive(Clone, Debug)]
pub struct Predicted {
    /// Character range (end exclusive).
    pub span: Range<usize>,
    /// The value.
    pub value: f64,
    /// The unit as predicted, if any.
    pub unit: Option<String>,
}

/// The cases of one spec file.
#[derive(Clone, Debug)]
pub struct Spec {
    /// The file, relative to the specs folder.
    pub file: String,
    /// The scored cases.
    pub cases: Vec<Case>,
    /// Cases left out as not supported by the original library.
    pub not_supported: usize,
}

fn gold_of(r: &RawResult) -> Option<Gold> {
    let (start, end) = (r.start?, r.end?);
    let res = r.resolution.as_ref();
    let field = |k: &str| res.and_then(|v| v.get(k)).and_then(|v| v.as_str());
    // A percentage's value is written "100%": its unit is the percent sign.
    let percent = r.type_name.starts_with("percentage");
    let value = field("value").map(|v| v.trim().trim_end_matches('%').trim());
    let unit = field("unit").map(str::to_string).or_else(|| percent.then(|| "percent".to_string()));
    Some(Gold { span: start..end + 1, value: value.and_then(|v| v.parse::<f64>().ok()), unit })
}

/// Reads the spec files under `dir` (see [`FILES`]; a missing or malformed file is an
/// error naming it).
pub fn load(dir: &Path) -> Result<Vec<Spec>, std::io::Error> {
    FILES.iter().map(|file| load_file(dir, file)).collect()
}

fn load_file(dir: &Path, file: &str) -> Result<Spec, std::io::Error> {
    let path = dir.join(file);
    let named = |e: &dyn std::fmt::Display| {
        std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{}: {e}", path.display()))
    };
    let text = std::fs::read_to_string(&path).map_err(|e| named(&e))?;
    let raw: Vec<RawCase> =
        serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| named(&e))?;
    let skipped = |c: &RawCase| c.not_supported.is_some() || c.not_supported_by_design.is_some();
    let not_supported = raw.iter().filter(|c| skipped(c)).count();
    let cases = raw
        .into_iter()
        .filter(|c| !skipped(c))
        .map(|c| Case { gold: c.results.iter().filter_map(gold_of).collect(), input: c.input })
        .collect();
    Ok(Spec { file: file.to_string(), cases, not_supported })
}

/// The scores of one spec file (or of all of them).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Scores {
    /// The file, or `all`.
    pub file: String,
    /// Cases scored.
    pub cases: usize,
    /// Cases left out as not supported by the original library.
    pub not_supported: usize,
    /// Spans found (overlap).
    pub span: Prf,
    /// Spans with the right value.
    pub value: Prf,
    /// Spans with the right value and unit.
    pub value_unit: Prf,
}

fn overlap(a: &Range<usize>, b: &Range<usize>) -> usize {
    a.end.min(b.end).saturating_sub(a.start.max(b.start))
}

/// One-to-one matches `(gold, predicted)` by overlap, largest first.
fn matches(gold: &[Gold], pred: &[Predicted]) -> Vec<(usize, usize)> {
    let mut pairs: Vec<(usize, usize, usize)> = Vec::new();
    for (g, gq) in gold.iter().enumerate() {
        for (p, pq) in pred.iter().enumerate() {
            let o = overlap(&gq.span, &pq.span);
            if o > 0 {
                pairs.push((o, g, p));
            }
        }
    }
    crate::one_to_one(pairs, gold.len(), pred.len())
}

fn same_value(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

/// Scores `pred[k]` (the quantities found in `spec.cases[k].input`); units compared after
/// `canonical`.
pub fn score(spec: &Spec, pred: &[Vec<Predicted>], canonical: &dyn Fn(&str) -> String) -> Scores {
    let (mut span, mut value, mut unit, mut n_pred, mut n_gold) = (0, 0, 0, 0, 0);
    for (case, pred) in spec.cases.iter().zip(pred) {
        n_pred += pred.len();
        n_gold += case.gold.len();
        for (g, p) in matches(&case.gold, pred) {
            let (g, p) = (&case.gold[g], &pred[p]);
            span += 1;
            if g.value.is_some_and(|v| same_value(v, p.value)) {
                value += 1;
                let gu = g.unit.as_deref().map(canonical);
                let pu = p.unit.as_deref().map(canonical);
                if gu.is_none() || gu == pu {
                    unit += 1;
                }
            }
        }
    }
    Scores {
        file: spec.file.clone(),
        cases: spec.cases.len(),
        not_supported: spec.not_supported,
        span: Prf::new(span, n_pred, n_gold),
        value: Prf::new(value, n_pred, n_gold),
        value_unit: Prf::new(unit, n_pred, n_gold),
    }
}

/// The scores over every file together.
pub fn total(scores: &[Scores]) -> Scores {
    let add = |f: fn(&Scores) -> &Prf| {
        let (r, p, g) = scores
            .iter()
            .map(f)
            .fold((0, 0, 0), |a, x| (a.0 + x.matched, a.1 + x.predicted, a.2 + x.gold));
        Prf::new(r, p, g)
    };
    Scores {
        file: "all".to_string(),
        cases: scores.iter().map(|s| s.cases).sum(),
        not_supported: scores.iter().map(|s| s.not_supported).sum(),
        span: add(|s| &s.span),
        value: add(|s| &s.value),
        value_unit: add(|s| &s.value_unit),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_units_are_scored_on_overlapping_spans() {
        let spec = Spec {
            file: "x".into(),
            not_supported: 0,
            cases: vec![Case {
                input: "paid $94,000 and 5 km".into(),
                gold: vec![
                    Gold { span: 5..12, value: Some(94000.0), unit: Some("Dollar".into()) },
                    Gold { span: 17..21, value: Some(5.0), unit: Some("Kilometer".into()) },
                ],
            }],
        };
        let p = |s: Range<usize>, v: f64, u: &str| Predicted {
            span: s,
            value: v,
            unit: Some(u.into()),
        };
        let canon = |u: &str| if u == "USD" { "dollar".to_string() } else { u.to_lowercase() };
        let s = score(&spec, &[vec![p(6..12, 94000.0, "USD"), p(17..18, 5.0, "km")]], &canon);
        assert_eq!((s.span.matched, s.value.matched, s.value_unit.matched), (2, 2, 1));
        assert_eq!(s.value_unit.gold, 2);
    }
}
