//! TC: multinomial logistic regression over hashed features, trained with AdaGrad.

use serde::{Deserialize, Serialize};

/// The trained classifier.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Classifier {
    /// Feature hash bits.
    pub bits: u8,
    /// Number of classes.
    pub classes: usize,
    /// Weights, `feature * classes + class`.
    pub weights: Vec<f32>,
}

impl Classifier {
    /// Raw class scores for a feature list.
    pub fn scores(&self, feats: &[u32]) -> Vec<f32> {
        let k = self.classes;
        let mut s = vec![0.0f32; k];
        for &f in feats {
            let w = &self.weights[f as usize * k..f as usize * k + k];
            for (a, b) in s.iter_mut().zip(w) {
                *a += b;
            }
        }
        s
    }

    /// Class probabilities (softmax of the scores).
    pub fn probabilities(&self, feats: &[u32]) -> Vec<f32> {
        softmax(self.scores(feats))
    }

    /// The weight of feature `f` for class `c`.
    pub fn weight(&self, f: u32, c: usize) -> f32 {
        self.weights[f as usize * self.classes + c]
    }
}

fn softmax(mut s: Vec<f32>) -> Vec<f32> {
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

/// Training settings.
#[derive(Clone, Debug)]
pub struct ClassifierConfig {
    /// Feature hash bits.
    pub bits: u8,
    /// Passes over the data.
    pub epochs: usize,
    /// AdaGrad learning rate.
    pub learning_rate: f32,
    /// L2 penalty per update on the weights touched.
    pub l2: f32,
    /// Seed for the shuffling.
    pub seed: u64,
}

/// Trains a classifier on `(features, class)` examples.
pub fn train(data: &[(Vec<u32>, usize)], classes: usize, cfg: &ClassifierConfig) -> Classifier {
    let dim = (1usize << cfg.bits) * classes;
    let mut model = Classifier { bits: cfg.bits, classes, weights: vec![0.0; dim] };
    let mut g2 = vec![1e-6f32; dim];
    let mut rng = fastrand::Rng::with_seed(cfg.seed);
    let mut order: Vec<usize> = (0..data.len()).collect();
    for _ in 0..cfg.epochs {
        rng.shuffle(&mut order);
        for &i in &order {
            let (feats, y) = &data[i];
            let p = model.probabilities(feats);
            for &f in feats {
                let base = f as usize * classes;
                for (c, pc) in p.iter().enumerate() {
                    let idx = base + c;
                    let grad = pc - if c == *y { 1.0 } else { 0.0 } + cfg.l2 * model.weights[idx];
                    g2[idx] += grad * grad;
                    model.weights[idx] -= cfg.learning_rate * grad / g2[idx].sqrt();
                }
            }
        }
    }
    model
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_classes_with_calibrated_probabilities() {
        let data: Vec<(Vec<u32>, usize)> =
            (0..60).map(|i| (vec![0, 1 + (i % 3) as u32], (i % 3) as usize)).collect();
        let cfg = ClassifierConfig { bits: 3, epochs: 20, learning_rate: 0.5, l2: 0.0, seed: 1 };
        let m = train(&data, 3, &cfg);
        for c in 0..3 {
            let p = m.probabilities(&[0, 1 + c as u32]);
            assert!(p[c] > 0.9, "{p:?}");
            assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        }
    }
}
