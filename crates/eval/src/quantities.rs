//! Quantities in real news (`eval/quantities.json`): sentences drawn at random from
//! PolNeAR `train` and PTC `train` articles, every quantity in them annotated by hand with
//! its value, a range's high end and its unit's canonical name (none for a bare count:
//! "seven states" counts states, it has no unit). Years, dates, times of day, ordinals and
//! idioms ("one of the", "Day One") are marked optional: a prediction over one is neither
//! right nor wrong. Identifiers ("Fox 35", "AR-15s", "part 2") are not annotated, so a
//! prediction over one is a false positive. Texts are read from the data
//! ([`crate::passages`]).
//!
//! Scoring: predictions and gold quantities are paired one to one by character overlap,
//! largest first; pairs with an optional gold and the optional gold left over are set
//! aside. **value**: a pair whose values agree (relative difference under 1e-6), and whose
//! high ends agree where either is a range; **value + unit**: also the same canonical unit,
//! or none on both sides.

use std::ops::Range;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::passages::{Located, PassageError};
pub use crate::Prf;

/// One annotated quantity, offsets in characters within its passage.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GoldQuantity {
    /// First character.
    pub start: usize,
    /// End (exclusive).
    pub end: usize,
    /// The words, as written.
    pub text: String,
    /// The value (a range's low end).
    pub value: f64,
    /// A range's high end.
    #[serde(default)]
    pub high: Option<f64>,
    /// The unit's canonical name (`dollar`, `percent`, `year`), or none.
    pub unit: Option<String>,
    /// Neither right nor wrong when found (years, dates, ordinals, idioms).
    #[serde(default)]
    pub optional: bool,
}

/// One annotated sentence.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Annotated {
    /// Where the sentence is.
    #[serde(flatten)]
    pub at: Located,
    /// Its quantities.
    pub quantities: Vec<GoldQuantity>,
}

/// An annotated sentence with its text.
#[derive(Clone, Debug)]
pub struct Passage {
    /// The annotation.
    pub annotated: Annotated,
    /// The sentence.
    pub text: String,
}

/// A quantity found by the system under test, offsets in characters.
#[derive(Clone, Debug, PartialEq)]
pub struct Predicted {
    /// Character range (end exclusive).
    pub span: Range<usize>,
    /// The value (a range's low end).
    pub value: f64,
    /// A range's high end.
    pub high: Option<f64>,
    /// The unit's canonical name, if any.
    pub unit: Option<String>,
}

/// The set's scores.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Scores {
    /// Sentences scored.
    pub passages: usize,
    /// Quantities found (overlap).
    pub span: Prf,
    /// Found with the right value (and high end).
    pub value: Prf,
    /// Found with the right value and unit.
    pub value_unit: Prf,
}

/// Reads the annotations in `file` and their sentences from `data`.
pub fn load(file: &Path, data: &Path) -> Result<Vec<Passage>, PassageError> {
    let all = crate::passages::load(file, data, |a: &Annotated| &a.at)?;
    Ok(all.into_iter().map(|(annotated, text)| Passage { annotated, text }).collect())
}

fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

/// What one sentence (or the whole set) counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Gold quantities found (overlap).
    pub found: usize,
    /// Found with the right value and high end.
    pub value: usize,
    /// Found with the right value and unit.
    pub unit: usize,
    /// Predictions scored (those over optional gold set aside).
    pub predicted: usize,
    /// Gold quantities scored (optional ones set aside).
    pub gold: usize,
}

impl Counts {
    /// Whether a figure is missed or wrong.
    pub fn imperfect(&self) -> bool {
        self.unit < self.predicted || self.unit < self.gold
    }

    fn add(self, o: Counts) -> Counts {
        Counts {
            found: self.found + o.found,
            value: self.value + o.value,
            unit: self.unit + o.unit,
            predicted: self.predicted + o.predicted,
            gold: self.gold + o.gold,
        }
    }
}

/// What one sentence adds to the counts.
pub fn score_one(gold: &[GoldQuantity], pred: &[Predicted]) -> Counts {
    let mut pairs = Vec::new();
    for (g, gq) in gold.iter().enumerate() {
        for (p, pq) in pred.iter().enumerate() {
            let o = pq.span.end.min(gq.end).saturating_sub(pq.span.start.max(gq.start));
            if o > 0 {
                pairs.push((o, g, p));
            }
        }
    }
    let matched = crate::one_to_one(pairs, gold.len(), pred.len());
    let set_aside = matched.iter().filter(|(g, _)| gold[*g].optional).count();
    let (mut span, mut value, mut unit) = (0, 0, 0);
    for &(g, p) in matched.iter().filter(|(g, _)| !gold[*g].optional) {
        let (g, p) = (&gold[g], &pred[p]);
        span += 1;
        let highs = match (g.high, p.high) {
            (None, None) => true,
            (Some(a), Some(b)) => same(a, b),
            _ => false,
        };
        if same(g.value, p.value) && highs {
            value += 1;
            unit += usize::from(g.unit == p.unit);
        }
    }
    let n_gold = gold.iter().filter(|g| !g.optional).count();
    Counts { found: span, value, unit, predicted: pred.len() - set_aside, gold: n_gold }
}

/// Scores `pred[k]`, the quantities found in `passages[k]`.
pub fn score(passages: &[Passage], pred: &[Vec<Predicted>]) -> Scores {
    let n = passages
        .iter()
        .zip(pred)
        .map(|(p, q)| score_one(&p.annotated.quantities, q))
        .fold(Counts::default(), Counts::add);
    Scores {
        passages: passages.len(),
        span: Prf::new(n.found, n.predicted, n.gold),
        value: Prf::new(n.value, n.predicted, n.gold),
        value_unit: Prf::new(n.unit, n.predicted, n.gold),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gold(
        start: usize,
        end: usize,
        value: f64,
        unit: Option<&str>,
        optional: bool,
    ) -> GoldQuantity {
        let unit = unit.map(str::to_string);
        GoldQuantity { start, end, text: String::new(), value, high: None, unit, optional }
    }

    #[test]
    fn optional_gold_sets_predictions_aside_and_units_must_agree() {
        // "In 2016, 5 km and 7 states"
        let g = [
            gold(3, 7, 2016.0, None, true),
            gold(9, 13, 5.0, Some("kilometre"), false),
            gold(18, 26, 7.0, None, false),
        ];
        let p = |s: Range<usize>, v: f64, u: Option<&str>| Predicted {
            span: s,
            value: v,
            high: None,
            unit: u.map(str::to_string),
        };
        let pred = [
            p(3..7, 2016.0, None),
            p(9..10, 5.0, Some("kilometre")),
            p(18..19, 7.0, Some("state")),
            p(30..31, 1.0, None),
        ];
        // found 2, values 2, units 1; 3 predictions scored (the year set aside), 2 gold.
        let want = Counts { found: 2, value: 2, unit: 1, predicted: 3, gold: 2 };
        assert_eq!(score_one(&g, &pred), want);
    }

    #[test]
    fn a_range_needs_both_ends() {
        let mut g = gold(0, 10, 12.0, Some("hour"), false);
        g.high = Some(24.0);
        let single = Predicted { span: 0..2, value: 12.0, high: None, unit: Some("hour".into()) };
        assert_eq!(score_one(std::slice::from_ref(&g), std::slice::from_ref(&single)).value, 0);
        let range = Predicted { high: Some(24.0), ..single };
        let c = score_one(&[g], &[range]);
        assert_eq!((c.value, c.unit), (1, 1));
    }
}
