//! A log-linear choice among candidates, shared by the source linker and the pronoun
//! antecedent ranker: each candidate scores `w · x`, a softmax over an example's
//! candidates gives their probabilities, and the weights are fitted by minimising the
//! mean log-loss of the right candidates (one or several per example) plus an L2 penalty
//! (full-batch Adam).

/// One decision among candidates with `M` features each.
pub trait Choices<const M: usize> {
    /// How many candidates there are.
    fn len(&self) -> usize;
    /// The features of candidate `k`.
    fn x(&self, k: usize) -> &[f32; M];
    /// Whether candidate `k` is a right choice.
    fn right(&self, k: usize) -> bool;
}

impl<const M: usize, E: Choices<M>> Choices<M> for &E {
    fn len(&self) -> usize {
        (*self).len()
    }
    fn x(&self, k: usize) -> &[f32; M] {
        (*self).x(k)
    }
    fn right(&self, k: usize) -> bool {
        (*self).right(k)
    }
}

/// The score of features `x` under weights `w`.
pub fn score<const M: usize>(w: &[f32; M], x: &[f32; M]) -> f32 {
    x.iter().zip(w).map(|(a, b)| a * b).sum()
}

/// The first of the best-scoring candidates (`score` gives each one's score).
pub fn best<T>(candidates: impl IntoIterator<Item = T>, score: impl Fn(&T) -> f32) -> Option<T> {
    candidates
        .into_iter()
        .map(|c| (score(&c), c))
        .fold(None::<(f32, T)>, |best, (s, c)| match best {
            Some((b, _)) if b >= s => best,
            _ => Some((s, c)),
        })
        .map(|(_, c)| c)
}

/// Softmax probabilities of an example's candidates under `w`.
pub fn probabilities<const M: usize>(w: &[f32; M], ex: &impl Choices<M>) -> Vec<f32> {
    let s: Vec<f32> = (0..ex.len()).map(|k| score(w, ex.x(k))).collect();
    let max = s.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let e: Vec<f32> = s.iter().map(|v| (v - max).exp()).collect();
    let z: f32 = e.iter().sum();
    e.iter().map(|v| v / z).collect()
}

/// What each candidate's probability should move towards: the right candidates share the
/// mass in proportion to their probabilities (all of it when one is right).
fn targets<const M: usize>(p: &[f32], ex: &impl Choices<M>) -> Vec<f32> {
    let right = |k: usize| ex.right(k);
    let mass: f32 = (0..p.len()).filter(|&k| right(k)).map(|k| p[k]).sum();
    let count = (0..p.len()).filter(|&k| right(k)).count().max(1) as f32;
    (0..p.len())
        .map(|k| match (right(k), mass > 0.0) {
            (false, _) => 0.0,
            (true, true) => p[k] / mass,
            (true, false) => 1.0 / count,
        })
        .collect()
}

/// Fits the weights by minimising the mean of `−ln Σ p(right)` plus `l2`/2 · |w|² (Adam,
/// full batch, `iterations` steps from zero).
pub fn fit<const M: usize, E: Choices<M>>(examples: &[E], l2: f32, iterations: usize) -> [f32; M] {
    let (mut w, mut m, mut v) = ([0f32; M], [0f32; M], [0f32; M]);
    let (rate, b1, b2) = (0.05f32, 0.9f32, 0.999f32);
    let n = examples.len().max(1) as f32;
    for step in 1..=iterations {
        let mut g = [0f32; M];
        for ex in examples {
            let p = probabilities(&w, ex);
            for (k, (p, t)) in p.iter().zip(targets(&p, ex)).enumerate() {
                let d = p - t;
                for (gi, xi) in g.iter_mut().zip(ex.x(k)) {
                    *gi += d * xi;
                }
            }
        }
        for i in 0..M {
            let gi = g[i] / n + l2 * w[i];
            m[i] = b1 * m[i] + (1.0 - b1) * gi;
            v[i] = b2 * v[i] + (1.0 - b2) * gi * gi;
            let mh = m[i] / (1.0 - b1.powi(step as i32));
            let vh = v[i] / (1.0 - b2.powi(step as i32));
            w[i] -= rate * mh / (vh.sqrt() + 1e-8);
        }
    }
    w
}

/// The share of `examples` whose best-scoring candidate is right, and the mean log-loss.
pub fn accuracy<const M: usize, E: Choices<M>>(w: &[f32; M], examples: &[E]) -> (f64, f64) {
    let (mut right, mut loss) = (0usize, 0f64);
    for ex in examples {
        let p = probabilities(w, ex);
        let best = (0..p.len()).fold(0, |m, k| if p[k] > p[m] { k } else { m });
        right += usize::from(ex.right(best));
        let mass: f32 = (0..p.len()).filter(|&k| ex.right(k)).map(|k| p[k]).sum();
        loss -= f64::from(mass.max(1e-12)).ln();
    }
    let n = examples.len().max(1) as f64;
    (right as f64 / n, loss / n)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Ex(Vec<[f32; 2]>, Vec<bool>);

    impl Choices<2> for Ex {
        fn len(&self) -> usize {
            self.0.len()
        }
        fn x(&self, k: usize) -> &[f32; 2] {
            &self.0[k]
        }
        fn right(&self, k: usize) -> bool {
            self.1[k]
        }
    }

    #[test]
    fn fitting_learns_which_feature_marks_the_right_candidates() {
        // The right candidates have the first feature; the second is noise.
        let examples = vec![
            Ex(vec![[1.0, 0.0], [0.0, 1.0]], vec![true, false]),
            Ex(vec![[0.0, 0.0], [1.0, 1.0], [1.0, 0.0]], vec![false, true, true]),
            Ex(vec![[0.0, 1.0], [1.0, 1.0]], vec![false, true]),
        ];
        let w = fit(&examples, 1e-3, 200);
        assert!(w[0] > 1.0 && w[0] > w[1].abs(), "{w:?}");
        let (acc, loss) = accuracy(&w, &examples);
        assert_eq!(acc, 1.0);
        assert!(loss < 0.2, "{loss}");
        let p = probabilities(&w, &examples[1]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }

    #[test]
    fn the_best_candidate_is_the_first_of_the_highest_scores() {
        let c = [(0, 1.0), (1, 3.0), (2, 3.0), (3, -1.0)];
        assert_eq!(best(c, |(_, s)| *s).map(|(i, _)| i), Some(1));
        assert_eq!(best(Vec::<(usize, f32)>::new(), |(_, s)| *s), None);
    }

    #[test]
    fn one_right_candidate_takes_all_the_mass_and_none_share_it_evenly() {
        let ex = Ex(vec![[0.0, 0.0]; 3], vec![false, true, false]);
        assert_eq!(targets(&[0.2, 0.5, 0.3], &ex), vec![0.0, 1.0, 0.0]);
        let ex = Ex(vec![[0.0, 0.0]; 2], vec![true, true]);
        assert_eq!(targets(&[0.0, 0.0], &ex), vec![0.5, 0.5]);
    }
}
