//! Turning one row of logits into a token: repetition penalty, temperature, top-k, top-p and
//! a draw from a seeded generator (or argmax when greedy).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::config::GenerationConfig;
use crate::model::mix_seed;

/// Picks tokens for one row; owns that row's random stream.
#[derive(Debug, Clone)]
pub struct Sampler {
    rng: ChaCha8Rng,
}

impl Sampler {
    /// The sampler of batch row `row` under `config.seed`.
    pub fn new(config: &GenerationConfig, row: usize) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(mix_seed(config.seed, row as u64)),
        }
    }

    /// The row's next uniform number in `[0, 1)`, for a draw made elsewhere (the device
    /// sampler's inverse-CDF draw).
    pub fn uniform(&mut self) -> f32 {
        self.rng.random::<f32>()
    }

    /// Chooses the next token from `logits` (modified in place) given the row's `history`.
    pub fn pick(&mut self, logits: &mut [f32], history: &[u32], config: &GenerationConfig) -> u32 {
        apply_repetition_penalty(logits, history, config.repetition_penalty);
        if config.is_greedy() {
            return argmax(logits);
        }
        for l in logits.iter_mut() {
            *l /= config.temperature;
        }
        // Most likely first, ties by lower id: a total order, so partitioning out the top k
        // before sorting them gives the same candidates in the same order as a full sort.
        let by_likelihood =
            |&a: &usize, &b: &usize| logits[b].total_cmp(&logits[a]).then(a.cmp(&b));
        let mut order: Vec<usize> = (0..logits.len()).collect();
        if config.top_k > 0 && config.top_k < order.len() {
            order.select_nth_unstable_by(config.top_k - 1, by_likelihood);
            order.truncate(config.top_k);
        }
        order.sort_unstable_by(by_likelihood);
        let max = logits[order[0]];
        let mut probs: Vec<f64> = order
            .iter()
            .map(|&i| f64::from(logits[i] - max).exp())
            .collect();
        let total: f64 = probs.iter().sum();
        for p in &mut probs {
            *p /= total;
        }
        if config.top_p < 1.0 {
            let mut cumulative = 0.0;
            let mut keep = probs.len();
            for (i, p) in probs.iter().enumerate() {
                cumulative += p;
                if cumulative >= f64::from(config.top_p) {
                    keep = i + 1;
                    break;
                }
            }
            probs.truncate(keep);
            order.truncate(keep);
        }
        let total: f64 = probs.iter().sum();
        let mut draw = self.rng.random::<f64>() * total;
        for (p, &token) in probs.iter().zip(&order) {
            if draw < *p {
                return token as u32;
            }
            draw -= p;
        }
        order[order.len() - 1] as u32
    }
}

/// Divides positive logits (multiplies negative ones) of every token in `history` by `penalty`.
pub fn apply_repetition_penalty(logits: &mut [f32], history: &[u32], penalty: f32) {
    if penalty == 1.0 {
        return;
    }
    let mut seen = vec![false; logits.len()];
    for &t in history {
        let t = t as usize;
        if t < logits.len() && !seen[t] {
            seen[t] = true;
            let l = &mut logits[t];
            *l = if *l < 0.0 { *l * penalty } else { *l / penalty };
        }
    }
}

/// Index of the largest value (the first one on ties, as PyTorch does).
pub fn argmax(values: &[f32]) -> u32 {
    let mut best = 0;
    for (i, v) in values.iter().enumerate() {
        if *v > values[best] {
            best = i;
        }
    }
    best as u32
}
