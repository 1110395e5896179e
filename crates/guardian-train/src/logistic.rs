//! Logistic regression by stochastic gradient descent with AdaGrad step sizes and L2
//! regularisation, on sparse `(slot, value)` features; and Platt scaling.
//!
//! Single-threaded and seeded: the same examples, settings and seed give bit-identical
//! weights, which is what makes the shipped model reproducible.

use guardian_engine::classifier::sigmoid;

use crate::rng::SplitMix;

#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub bits: u8,
    pub epochs: usize,
    pub learning_rate: f32,
    pub l2: f32,
    /// Weight of a scam example's loss relative to a legitimate one's.
    pub scam_weight: f32,
    pub seed: u64,
}

pub struct Trained {
    pub bias: f32,
    pub weights: Vec<f32>,
}

impl Trained {
    pub fn logit(&self, features: &[(u32, f32)]) -> f32 {
        self.bias + features.iter().map(|&(s, v)| self.weights[s as usize] * v).sum::<f32>()
    }
}

/// One training example: `(slot, value)` features and whether it is a scam.
pub type Sample<'a> = (&'a [(u32, f32)], bool);

/// Trains on `examples`.
pub fn train(examples: &[Sample<'_>], settings: &Settings) -> Trained {
    let size = 1usize << settings.bits;
    let mut weights = vec![0f32; size];
    let mut squared = vec![0f32; size];
    let (mut bias, mut bias_squared) = (0f32, 0f32);
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let mut rng = SplitMix::new(settings.seed);
    const EPSILON: f32 = 1e-6;
    for _ in 0..settings.epochs {
        rng.shuffle(&mut order);
        for &i in &order {
            let (features, scam) = examples[i];
            let z = bias + features.iter().map(|&(s, v)| weights[s as usize] * v).sum::<f32>();
            let (target, weight) = if scam { (1.0, settings.scam_weight) } else { (0.0, 1.0) };
            let error = (sigmoid(z) - target) * weight;
            for &(s, v) in features {
                let s = s as usize;
                let g = error * v + settings.l2 * weights[s];
                squared[s] += g * g;
                weights[s] -= settings.learning_rate * g / (squared[s].sqrt() + EPSILON);
            }
            bias_squared += error * error;
            bias -= settings.learning_rate * error / (bias_squared.sqrt() + EPSILON);
        }
    }
    Trained { bias, weights }
}

/// Platt scaling: `a`, `b` such that sigmoid(a·logit + b) fits the labels, by Newton's
/// method on the log-loss with Platt's smoothed targets.
pub fn platt(scores: &[(f32, bool)]) -> (f32, f32) {
    let positives = scores.iter().filter(|(_, y)| *y).count() as f64;
    let negatives = scores.len() as f64 - positives;
    let hi = (positives + 1.0) / (positives + 2.0);
    let lo = 1.0 / (negatives + 2.0);
    let (mut a, mut b) = (1.0f64, 0.0f64);
    for _ in 0..100 {
        let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 1e-9, 0.0, 1e-9);
        for &(x, y) in scores {
            let x = f64::from(x);
            let t = if y { hi } else { lo };
            let p = 1.0 / (1.0 + (-(a * x + b)).exp());
            let d = p - t;
            let w = p * (1.0 - p);
            ga += d * x;
            gb += d;
            haa += w * x * x;
            hab += w * x;
            hbb += w;
        }
        let det = haa * hbb - hab * hab;
        if det.abs() < 1e-12 {
            break;
        }
        let da = (hbb * ga - hab * gb) / det;
        let db = (haa * gb - hab * ga) / det;
        a -= da;
        b -= db;
        if da.abs() < 1e-9 && db.abs() < 1e-9 {
            break;
        }
    }
    (a as f32, b as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_separable_problem_and_is_deterministic() {
        let scam = [(1u32, 1.0f32)];
        let fine = [(2u32, 1.0f32)];
        let data: Vec<Sample<'_>> = (0..50).flat_map(|_| [(&scam[..], true), (&fine[..], false)]).collect();
        let s = Settings { bits: 4, epochs: 5, learning_rate: 0.5, l2: 0.0, scam_weight: 1.0, seed: 7 };
        let a = train(&data, &s);
        assert!(a.logit(&scam) > 2.0 && a.logit(&fine) < -2.0);
        let b = train(&data, &s);
        assert_eq!(a.weights, b.weights);
    }

    #[test]
    fn platt_maps_scores_to_frequencies() {
        // Score 1 is a scam three times in four, score -1 once in four.
        let mut scores = Vec::new();
        for i in 0..400 {
            scores.push((1.0, i % 4 != 0));
            scores.push((-1.0, i % 4 == 0));
        }
        let (a, b) = platt(&scores);
        let p = |x: f32| sigmoid(a * x + b);
        assert!((p(1.0) - 0.75).abs() < 0.02 && (p(-1.0) - 0.25).abs() < 0.02, "{a} {b}");
    }
}
