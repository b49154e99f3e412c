//! Article-aware technique decisions: a second stage over the technique models'
//! probabilities and what the whole article says about a span ([`evidence`]).
//!
//! - [`Linear`]: a multinomial logistic regression over standardised dense inputs.
//! - [`Stacker::fast`]: the first stage, over the fast classifier's log-probabilities and
//!   the evidence. It is trained on *out-of-fold* fast probabilities (each article's from
//!   a classifier that did not train on it), so it learns how far to trust them.
//! - [`NeuralStage`]: for the neural model, the first stage's logits and the neural
//!   log-probabilities weighed against each other, with a bias per technique; fitted on
//!   the articles the networks held out.
//!
//! Every setting is chosen by cross-validation over articles ([`train`]); the model file
//! (`models/techniques-stack.json`) records how and with what figures.

pub mod evidence;
pub mod train;

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::{Error, Technique};

/// File name of the committed stacker, under `models/`.
pub const STACK_FILE: &str = "techniques-stack.json";

/// Floor of a probability before its logarithm.
const FLOOR: f32 = 1e-6;

/// A multinomial logistic regression over dense inputs, standardised by `mean` and
/// `scale` before the weights apply.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Linear {
    /// Input names, in order.
    pub inputs: Vec<String>,
    /// Mean of each input on the training rows.
    pub mean: Vec<f32>,
    /// Standard deviation of each input on the training rows (1 where it was 0).
    pub scale: Vec<f32>,
    /// Weights, one row per class.
    pub weights: Vec<Vec<f32>>,
    /// Bias per class.
    pub bias: Vec<f32>,
    /// Weight of each class's own first input (its base model's log-probability), added
    /// unstandardised and unpenalised: the penalty shrinks the stage towards the base
    /// model, not towards a uniform guess.
    pub own: f32,
}

impl Linear {
    /// Class scores of the raw inputs `x`.
    pub fn logits(&self, x: &[f32]) -> Vec<f32> {
        let z: Vec<f32> =
            x.iter().zip(&self.mean).zip(&self.scale).map(|((v, m), s)| (v - m) / s).collect();
        self.weights
            .iter()
            .zip(&self.bias)
            .enumerate()
            .map(|(c, (w, b))| {
                b + self.own * x[c] + w.iter().zip(&z).map(|(a, v)| a * v).sum::<f32>()
            })
            .collect()
    }
}

/// The neural second stage: for technique `c`,
/// `(stacked + stacked_class[c]) · first-stage logit + (neural + neural_class[c]) ·
/// ln p_neural + bias[c]`, the per-technique deviations penalised towards 0.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct NeuralStage {
    /// Weight of the first stage's logits.
    pub stacked: f32,
    /// Weight of the neural log-probabilities.
    pub neural: f32,
    /// Per-technique deviation of the first stage's weight.
    pub stacked_class: Vec<f32>,
    /// Per-technique deviation of the neural weight.
    pub neural_class: Vec<f32>,
    /// Bias per technique.
    pub bias: Vec<f32>,
    /// Weight of a partner tier's probabilities averaged into this tier's before the
    /// stage (the accurate tier's partner is the neural one; 0: none).
    #[serde(default)]
    pub partner: f32,
    /// Cross weights: `cross[c][j]` weighs technique `j`'s neural log-probability in
    /// technique `c`'s score, penalised towards 0 (empty: none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cross: Vec<Vec<f32>>,
    /// Article-context weights: `context[b·k + c]` weighs block `b` of the span's
    /// [`article_context`] for technique `c` in that technique's score, penalised
    /// towards 0 (empty: none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<f32>,
}

impl NeuralStage {
    /// This tier's probabilities `own` averaged with the partner tier's, by [`partner`](
    /// NeuralStage::partner).
    pub fn mix_partner(&self, own: &[f32], partner: &[f32]) -> Vec<f32> {
        let b = self.partner;
        own.iter().zip(partner).map(|(o, p)| (1.0 - b) * o + b * p).collect()
    }

    /// Whether the stage weighs the article context (then [`probabilities`](
    /// NeuralStage::probabilities) needs it).
    pub fn uses_context(&self) -> bool {
        !self.context.is_empty()
    }

    /// Technique probabilities from first-stage logits, neural probabilities and the
    /// span's [`article_context`] (unused, and may be empty, where the stage has no
    /// context weights).
    pub fn probabilities(&self, first: &[f32], neural: &[f32], context: &[f32]) -> Vec<f32> {
        let ln: Vec<f32> = neural.iter().map(|p| p.max(FLOOR).ln()).collect();
        self.probabilities_ln(first, &ln, context)
    }

    /// The same from the neural log-probabilities `ln` (floored as [`probabilities`](
    /// NeuralStage::probabilities) floors them).
    pub(crate) fn probabilities_ln(&self, first: &[f32], ln: &[f32], context: &[f32]) -> Vec<f32> {
        softmax(
            (0..first.len())
                .map(|c| {
                    let cross = self.cross.get(c).map_or(0.0, |w| dot(w, ln));
                    let around: f32 = self
                        .context
                        .iter()
                        .zip(context)
                        .skip(c)
                        .step_by(first.len())
                        .map(|(w, v)| w * v)
                        .sum();
                    (self.stacked + self.stacked_class[c]) * first[c]
                        + (self.neural + self.neural_class[c]) * ln[c]
                        + self.bias[c]
                        + cross
                        + around
                })
                .collect(),
        )
    }
}

/// Blocks of [`article_context`]: the article's other spans, and the spans overlapping
/// this one.
pub const CONTEXT_BLOCKS: usize = 2;

/// How many spans either side, in order of start, are looked at for overlaps (bounded
/// work on texts with very many spans).
const OVERLAP_WINDOW: usize = 64;

/// The article context of each of `ranges` (byte ranges of one article's spans; a range
/// may repeat, and its first probabilities count) from their technique probabilities
/// `probs`, as [`CONTEXT_BLOCKS`] blocks of one value per technique: the logarithm of the
/// mean probabilities of the article's *other* distinct spans, then of the other distinct
/// spans overlapping this one; each mean shrunk towards the uniform distribution by one
/// pseudo-span (with no such span it is the uniform one). What the rest of the article is
/// doing, which a window-bound network cannot see.
pub fn article_context(ranges: &[Range<usize>], probs: &[Vec<f32>]) -> Vec<Vec<f32>> {
    let k = Technique::ALL.len();
    let key = |r: &Range<usize>| (r.start, r.end);
    let mut distinct: Vec<(&Range<usize>, &[f32])> =
        ranges.iter().zip(probs.iter().map(Vec::as_slice)).collect();
    distinct.sort_by_key(|(r, _)| key(r));
    distinct.dedup_by_key(|(r, _)| key(r));
    let mut total = vec![0f32; k];
    for (_, p) in &distinct {
        add(&mut total, p, 1.0);
    }
    let shrunk = |sum: &[f32], n: usize| -> Vec<f32> {
        let u = 1.0 / k as f32;
        sum.iter().map(|s| ((s.max(0.0) + u) / (n as f32 + 1.0)).max(FLOOR).ln()).collect()
    };
    // The context of each distinct span, in their order.
    let of_distinct: Vec<Vec<f32>> = (0..distinct.len())
        .map(|i| {
            let (r, p) = distinct[i];
            let mut others = total.clone();
            add(&mut others, p, -1.0);
            let (mut sum, mut n) = (vec![0f32; k], 0);
            let near =
                i.saturating_sub(OVERLAP_WINDOW)..(i + OVERLAP_WINDOW + 1).min(distinct.len());
            for (o, q) in near.filter(|&j| j != i).map(|j| distinct[j]) {
                if o.start < r.end && r.start < o.end {
                    add(&mut sum, q, 1.0);
                    n += 1;
                }
            }
            let mut c = shrunk(&others, distinct.len() - 1);
            c.extend(shrunk(&sum, n));
            c
        })
        .collect();
    ranges
        .iter()
        .map(|r| {
            let i = distinct.binary_search_by_key(&key(r), |(d, _)| key(d));
            of_distinct[i.expect("every range is among the distinct ones")].clone()
        })
        .collect()
}

/// `acc += w · p`, element by element.
fn add(acc: &mut [f32], p: &[f32], w: f32) {
    for (a, v) in acc.iter_mut().zip(p) {
        *a += w * v;
    }
}

/// The committed second stage: the fast stage, and the neural one where it was fitted.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Stacker {
    /// How it was made and measured, as `key=value` pairs.
    pub about: Vec<(String, String)>,
    /// The stage over the fast probabilities and the evidence.
    pub fast: Linear,
    /// The stage that adds the neural probabilities.
    pub neural: Option<NeuralStage>,
    /// The same over the accurate tier's probabilities (fitted on its held-out articles).
    #[serde(default)]
    pub accurate: Option<NeuralStage>,
}

impl Stacker {
    /// The stacker built into this binary, if one was committed when it was built.
    pub fn embedded() -> Option<&'static Stacker> {
        static EMBEDDED: &str = include_str!(concat!(env!("OUT_DIR"), "/techniques-stack.json"));
        static PARSED: std::sync::OnceLock<Option<Stacker>> = std::sync::OnceLock::new();
        PARSED.get_or_init(|| Stacker::from_json(EMBEDDED).ok()).as_ref()
    }

    /// Parses a stacker file, checking its shapes.
    pub fn from_json(text: &str) -> Result<Stacker, Error> {
        let s: Stacker = serde_json::from_str(text)
            .map_err(|e| Error::Format(format!("technique stacker: {e}")))?;
        let k = Technique::ALL.len();
        let n = fast_input_names().len();
        let f = &s.fast;
        let shapes_ok = f.inputs.len() == n
            && f.mean.len() == n
            && f.scale.len() == n
            && f.bias.len() == k
            && f.weights.len() == k
            && f.weights.iter().all(|w| w.len() == n)
            && [&s.neural, &s.accurate].iter().all(|stage| {
                stage.as_ref().is_none_or(|g| {
                    g.bias.len() == k
                        && g.stacked_class.len() == k
                        && g.neural_class.len() == k
                        && (g.cross.is_empty()
                            || g.cross.len() == k && g.cross.iter().all(|w| w.len() == k))
                        && (g.context.is_empty() || g.context.len() == CONTEXT_BLOCKS * k)
                })
            });
        if !shapes_ok || f.inputs != fast_input_names() {
            return Err(Error::Format("technique stacker: inputs or shapes differ".into()));
        }
        Ok(s)
    }

    /// First-stage logits of a span from its fast probabilities (technique order) and its
    /// evidence.
    pub fn first_logits(&self, fast: &[f32], evidence: &[f32]) -> Vec<f32> {
        self.fast.logits(&fast_inputs(fast, evidence))
    }
}

/// The first stage's input names: the fast log-probability of each technique, then the
/// evidence.
pub fn fast_input_names() -> Vec<String> {
    Technique::ALL
        .iter()
        .map(|t| format!("ln_p_fast[{}]", t.name()))
        .chain(evidence::names())
        .collect()
}

/// The first stage's inputs.
pub fn fast_inputs(fast: &[f32], evidence: &[f32]) -> Vec<f32> {
    fast.iter().map(|p| p.max(FLOOR).ln()).chain(evidence.iter().copied()).collect()
}

/// The dot product of two equally long vectors.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Probabilities of class scores.
pub fn softmax(mut s: Vec<f32>) -> Vec<f32> {
    let m = s.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut z = 0.0;
    for x in s.iter_mut() {
        *x = (*x - m).exp();
        z += *x;
    }
    for x in s.iter_mut() {
        *x /= z;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{FastDetector, TechniqueDetector};
    use crate::fast::FastModel;

    #[test]
    fn the_committed_stacker_loads_and_ranks_every_technique() {
        let Some(stacker) = Stacker::embedded() else {
            panic!("models/techniques-stack.json is committed and must parse");
        };
        assert!(stacker.about.iter().any(|(k, _)| k == "cv_tc_micro_stacked"));
        let fast = FastDetector::new(FastModel::embedded().unwrap()).with_stacker(Some(stacker));
        let text = "Build the wall.\nWe will build the wall! They said build the wall, again.";
        let ranges: Vec<_> =
            text.match_indices("uild the wall").map(|(i, m)| i - 1..i + m.len()).collect();
        for ranked in fast.classify(text, &ranges).unwrap() {
            assert_eq!(ranked.len(), Technique::ALL.len());
            let total: f32 = ranked.iter().map(|l| l.probability).sum();
            assert!((total - 1.0).abs() < 1e-4, "{total}");
            assert!(ranked.windows(2).all(|w| w[0].probability >= w[1].probability));
            assert!(ranked.iter().skip(1).all(|l| l.cue.is_none()));
        }
    }

    #[test]
    fn a_partner_tier_is_averaged_in_by_its_weight_and_older_files_have_none() {
        let s = Stacker::embedded().unwrap();
        let k = Technique::ALL.len();
        if let Some(acc) = &s.accurate {
            assert!((0.0..=1.0).contains(&acc.partner), "{}", acc.partner);
        }
        let mut stage = s.neural.clone().expect("the committed stacker has a neural stage");
        assert_eq!(stage.partner, 0.0, "the neural tier has no partner");
        stage.partner = 0.25;
        let own: Vec<f32> = (0..k).map(|c| (c == 0) as u8 as f32).collect();
        let theirs: Vec<f32> = (0..k).map(|c| (c == 1) as u8 as f32).collect();
        let mixed = stage.mix_partner(&own, &theirs);
        assert_eq!((mixed[0], mixed[1], mixed[2]), (0.75, 0.25, 0.0));
        // A stage written before the field existed reads as having no partner.
        let mut json = serde_json::to_value(&stage).unwrap();
        json.as_object_mut().unwrap().remove("partner");
        let old: NeuralStage = serde_json::from_value(json).unwrap();
        assert_eq!(old.partner, 0.0);
    }

    #[test]
    fn malformed_stacker_files_are_refused() {
        assert!(Stacker::from_json("").is_err());
        assert!(Stacker::from_json("{\"about\": []}").is_err());
        let mut s = Stacker::embedded().unwrap().clone();
        s.fast.weights.pop();
        assert!(Stacker::from_json(&serde_json::to_string(&s).unwrap()).is_err());
    }

    #[test]
    fn article_context_counts_other_distinct_spans_and_overlaps() {
        let k = Technique::ALL.len();
        let one_hot = |c: usize| -> Vec<f32> { (0..k).map(|j| (j == c) as u8 as f32).collect() };
        let u = 1.0 / k as f32;
        // Alone in its article: the uniform distribution in both blocks.
        let alone = article_context(&[Range { start: 0, end: 4 }], &[one_hot(0)]);
        assert!(alone[0].iter().all(|v| (v - u.ln()).abs() < 1e-6), "{alone:?}");
        // 0..10 twice (two gold lines of one span), 5..8 inside it, 20..25 apart.
        let ranges = [0..10, 0..10, 5..8, 20..25];
        let probs = [one_hot(1), one_hot(1), one_hot(2), one_hot(3)];
        let c = article_context(&ranges, &probs);
        assert_eq!(c.len(), 4);
        assert!(c.iter().all(|v| v.len() == CONTEXT_BLOCKS * k));
        assert_eq!(c[0], c[1], "the two lines of one span read the same context");
        // The span 0..10: two other distinct spans (one each of 2 and 3), one overlapping.
        let close = |a: f32, b: f32| (a - b).abs() < 1e-5;
        assert!(close(c[0][2], ((1.0 + u) / 3.0).ln()) && close(c[0][1], (u / 3.0).ln()));
        assert!(close(c[0][k + 2], ((1.0 + u) / 2.0).ln()) && close(c[0][k + 3], (u / 2.0).ln()));
        // 20..25 overlaps nothing: its overlap block is uniform.
        assert!(c[3][k..].iter().all(|v| close(*v, u.ln())));
    }
}
