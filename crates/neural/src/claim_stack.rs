//! A claim decision over several fine-tuned claim models: a logistic stack of their logits
//! (each already the model's own stack of its encoder head with the fast model), with
//! its threshold, both fitted on CT24 `dev`. Which models it stacks is chosen on `dev` by
//! repeated k-fold cross-validation (`unspin train claims --stack`); the accurate tier
//! stacks MPNet's and MiniLM's claim models (`models/claims-accurate-stack.json`).

use serde::{Deserialize, Serialize};
use unspin_model::api::{ClaimScorer, ModelFailure};
use unspin_model::claims::f1_yes;

use crate::claims::{best_threshold, fit_logistic, sigmoid, NeuralClaimScorer};
use crate::Error;

/// File name of the committed stack of the accurate tier, under `models/`.
pub const ACCURATE_STACK_FILE: &str = "claims-accurate-stack.json";

/// The stack's parameters.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ClaimStack {
    /// The members' head digests ([`crate::claims::NeuralClaimModel::head_sha256`]), in
    /// weight order.
    pub members: Vec<String>,
    /// One weight per member logit.
    pub weights: Vec<f32>,
    /// The bias.
    pub bias: f32,
    /// Scores at or above this are check-worthy.
    pub threshold: f32,
    /// Figures measured while fitting, `key=value`.
    pub tuning: Vec<(String, String)>,
}

impl ClaimStack {
    /// The accurate tier's stack committed with this build (none: this build embeds no
    /// `models/claims-accurate-stack.json`, and the tier scores with MPNet's model alone).
    pub fn embedded_accurate() -> Result<Option<ClaimStack>, Error> {
        let json = include_str!(concat!(env!("OUT_DIR"), "/claims-accurate-stack.json"));
        (!json.trim().is_empty()).then(|| Self::from_json(json)).transpose()
    }

    /// Reads a stack written as JSON.
    pub fn from_json(s: &str) -> Result<ClaimStack, Error> {
        let stack: ClaimStack =
            serde_json::from_str(s).map_err(|e| Error::Format(format!("claim stack: {e}")))?;
        if stack.members.is_empty() || stack.members.len() != stack.weights.len() {
            return Err(Error::Format("claim stack: one weight per member is needed".into()));
        }
        Ok(stack)
    }

    /// The stack over `logits` (one row per sentence, one column per member) fitted to
    /// `gold`: logistic regression, then the threshold with the best F1(Yes).
    pub fn fit(members: Vec<String>, logits: &[Vec<f32>], gold: &[bool]) -> ClaimStack {
        let y: Vec<f32> = gold.iter().map(|g| f32::from(u8::from(*g))).collect();
        let (weights, bias) = fit_logistic(logits, &y, 0.0, 3000, 0.5);
        let mut stack = ClaimStack { members, weights, bias, threshold: 0.5, tuning: vec![] };
        let (f1, t) = best_threshold(gold, &stack.scores(logits));
        stack.threshold = t;
        stack.tuning = vec![("tune_f1".into(), format!("{f1:.4}"))];
        stack
    }

    /// The stacked scores of rows of member logits.
    pub fn scores(&self, logits: &[Vec<f32>]) -> Vec<f32> {
        logits.iter().map(|row| self.score(row)).collect()
    }

    fn score(&self, row: &[f32]) -> f32 {
        sigmoid(row.iter().zip(&self.weights).map(|(l, w)| l * w).sum::<f32>() + self.bias)
    }
}

/// F1(Yes) of a stack over the columns `members` of `logits`, cross-validated on `gold`:
/// for each of `seeds` shuffles, `k` folds, each decided by a stack and threshold fitted
/// on the others; the mean and standard deviation over the shuffles of the pooled F1.
pub fn cross_validate(
    logits: &[Vec<f32>],
    gold: &[bool],
    members: &[usize],
    k: usize,
    seeds: u64,
) -> (f64, f64) {
    let rows: Vec<Vec<f32>> =
        logits.iter().map(|r| members.iter().map(|&m| r[m]).collect()).collect();
    let f1s: Vec<f64> = (0..seeds)
        .map(|seed| {
            let order = shuffled(rows.len(), seed);
            let mut predicted = vec![false; rows.len()];
            for fold in 0..k {
                let (test, fit_on): (Vec<(usize, usize)>, Vec<(usize, usize)>) =
                    order.iter().copied().enumerate().partition(|(i, _)| i % k == fold);
                let test: Vec<usize> = test.into_iter().map(|(_, j)| j).collect();
                let fit_on: Vec<usize> = fit_on.into_iter().map(|(_, j)| j).collect();
                let x: Vec<Vec<f32>> = fit_on.iter().map(|&j| rows[j].clone()).collect();
                let y: Vec<bool> = fit_on.iter().map(|&j| gold[j]).collect();
                let stack = ClaimStack::fit(vec![String::new(); members.len()], &x, &y);
                for j in test {
                    predicted[j] = stack.score(&rows[j]) >= stack.threshold;
                }
            }
            f1_yes(gold, &predicted).0
        })
        .collect();
    let n = f1s.len().max(1) as f64;
    let mean = f1s.iter().sum::<f64>() / n;
    (mean, (f1s.iter().map(|f| (f - mean).powi(2)).sum::<f64>() / n).sqrt())
}

/// `0..n` shuffled by a small fixed generator (SplitMix64) seeded with `seed`.
fn shuffled(n: usize, seed: u64) -> Vec<usize> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut v: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        v.swap(i, (next() % (i as u64 + 1)) as usize);
    }
    v
}

/// Claim scores from a stack over member scorers.
pub struct StackedClaimScorer {
    members: Vec<NeuralClaimScorer>,
    stack: ClaimStack,
    name: &'static str,
}

impl StackedClaimScorer {
    /// The stack over `members`, which must be the models it was fitted to, in order.
    pub fn new(
        members: Vec<NeuralClaimScorer>,
        stack: ClaimStack,
        name: &'static str,
    ) -> Result<StackedClaimScorer, Error> {
        let digests: Vec<String> = members.iter().map(|m| m.model().head_sha256()).collect();
        if digests != stack.members {
            return Err(Error::Format(
                "the claim stack was fitted to other claim models than those given".into(),
            ));
        }
        Ok(StackedClaimScorer { members, stack, name })
    }
}

impl ClaimScorer for StackedClaimScorer {
    fn name(&self) -> &str {
        self.name
    }

    fn score(&self, sentence: &str) -> Result<f32, ModelFailure> {
        Ok(self.score_batch(&[sentence])?[0])
    }

    fn score_batch(&self, sentences: &[&str]) -> Result<Vec<f32>, ModelFailure> {
        let columns =
            self.members.iter().map(|m| m.logits(sentences)).collect::<Result<Vec<_>, _>>()?;
        let rows: Vec<Vec<f32>> =
            (0..sentences.len()).map(|i| columns.iter().map(|c| c[i]).collect()).collect();
        Ok(self.stack.scores(&rows))
    }

    fn threshold(&self) -> f32 {
        self.stack.threshold
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two noisy views of a label: each alone errs, together they rarely do.
    fn data() -> (Vec<Vec<f32>>, Vec<bool>) {
        let order = shuffled(400, 7);
        let gold: Vec<bool> = (0..400).map(|i| i % 3 == 0).collect();
        let noise =
            |i: usize, salt: usize| ((order[(i * 7 + salt) % 400] % 100) as f32 - 50.0) / 12.0;
        let logits = (0..400)
            .map(|i| {
                let y = if gold[i] { 2.0 } else { -2.0 };
                vec![y + noise(i, 1), y + noise(i, 2)]
            })
            .collect();
        (logits, gold)
    }

    #[test]
    fn a_stack_of_two_views_beats_either_alone_in_cross_validation() {
        let (logits, gold) = data();
        let (one, _) = cross_validate(&logits, &gold, &[0], 5, 3);
        let (both, sd) = cross_validate(&logits, &gold, &[0, 1], 5, 3);
        assert!(both > one + 0.02, "{both} vs {one}");
        assert!(sd < 0.05);
        let stack = ClaimStack::fit(vec!["a".into(), "b".into()], &logits, &gold);
        assert!(stack.weights.iter().all(|w| *w > 0.0), "{:?}", stack.weights);
        let json = serde_json::to_string(&stack).unwrap();
        assert_eq!(ClaimStack::from_json(&json).unwrap(), stack);
        let mut broken = stack.clone();
        broken.weights.pop();
        assert!(ClaimStack::from_json(&serde_json::to_string(&broken).unwrap()).is_err());
    }

    #[test]
    fn shuffles_are_permutations_that_depend_on_the_seed() {
        let mut a = shuffled(50, 1);
        assert_ne!(a, shuffled(50, 2));
        a.sort_unstable();
        assert_eq!(a, (0..50).collect::<Vec<_>>());
        assert!(shuffled(0, 1).is_empty());
    }
}
