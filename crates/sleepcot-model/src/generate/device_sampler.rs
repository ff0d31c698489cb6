//! Choosing tokens on the device: the repetition penalty, temperature, top-k, top-p and a
//! seeded draw run as tensor operations, so a sampled decoding step reads back only its chosen
//! ids, as a greedy one does.
//!
//! The draw is an inverse-CDF draw: each row's generator ([`Sampler`]) gives one uniform number
//! per step on the host, the numbers go up as one small `[rows, 1]` tensor, and the device picks
//! the first candidate whose cumulative probability passes it (summed in two levels of blocks,
//! see [`inverse_cdf`]). The generators are the rows'
//! own, so a row's draws do not depend on which other rows share its batch.
//!
//! It keeps the host sampler's distribution, not its exact choices: the candidates are visited
//! in vocabulary order instead of by descending probability, so the same uniform number can
//! land on another token. Greedy choices, with or without the repetition
//! penalty, are the same as the host's.
//!
//! Without a device sort (burn 0.21's sort reads the tensor back on the GPU backends) both
//! filters are thresholds. Top-k keeps the scores at or above the k-th largest (a device top-k
//! reduction). Top-p within at most [`PAIRWISE_NUCLEUS`] top-k candidates compares every pair
//! of them: a candidate is kept when the mass strictly more likely than it is below `top_p`.
//! Top-p over the whole vocabulary keeps the probabilities at or above a threshold found by
//! bisection, [`NUCLEUS_STEPS`] halvings of a per-row interval, each one a masked sum; there,
//! probabilities closer together than the last interval (2⁻³¹ of the largest) are not told
//! apart. Either way, tokens tied with the last kept one are all kept, where the host keeps
//! the lower token ids first.

use burn::tensor::activation::softmax;
use burn::tensor::{FloatDType, IndexingUpdateOp, Int, Tensor, TensorData, backend::Backend};

use super::config::GenerationConfig;
use super::sampler::Sampler;
use crate::transfer::upload;

/// Bisection steps of the top-p threshold over the whole vocabulary: the interval starts at
/// twice the largest probability and halves each step.
pub const NUCLEUS_STEPS: usize = 32;

/// Up to this many top-k candidates, top-p is computed over all pairs of candidates instead of
/// by bisection (`top_k²` comparisons per row, in a handful of kernels).
pub const PAIRWISE_NUCLEUS: usize = 256;

/// Per-row state of device sampling that outlives one step: which tokens each row has seen,
/// for the repetition penalty.
#[derive(Debug, Clone)]
pub struct DeviceSampler<B: Backend> {
    /// `[rows, vocab]`, 1 where the token is in the row's prompt or output; `None` without a
    /// repetition penalty.
    seen: Option<Tensor<B, 2>>,
    /// The repetition penalty the state was made for (1 when there is none).
    penalty: f32,
}

impl<B: Backend> DeviceSampler<B> {
    /// The state for rows starting from `prompts` (uploaded once, as one `[rows, vocab]`
    /// tensor, and only when `config` has a repetition penalty).
    pub fn new(
        prompts: &[Vec<u32>],
        vocab: usize,
        config: &GenerationConfig,
        device: &B::Device,
    ) -> Self {
        let seen = (config.repetition_penalty != 1.0).then(|| {
            let mut marks = vec![0.0f32; prompts.len() * vocab];
            for (row, prompt) in prompts.iter().enumerate() {
                for &t in prompt {
                    if (t as usize) < vocab {
                        marks[row * vocab + t as usize] = 1.0;
                    }
                }
            }
            upload(TensorData::new(marks, [prompts.len(), vocab]), device)
        });
        Self {
            seen,
            penalty: config.repetition_penalty,
        }
    }

    /// Chooses one token per row from last-position logits `[rows, 1, vocab]` and returns them
    /// on the device as `[rows, 1]`. `samplers` are the rows' generators, in row order; they
    /// are drawn from only when sampling (not greedy). The repetition penalty is the one this
    /// sampler was made with; `config` gives the temperature, top-k and top-p.
    ///
    /// # Panics
    /// When `samplers` does not hold one generator per row.
    pub fn pick(
        &mut self,
        logits: Tensor<B, 3>,
        samplers: &mut [Sampler],
        config: &GenerationConfig,
    ) -> Tensor<B, 2, Int> {
        let [rows, _, vocab] = logits.dims();
        assert_eq!(samplers.len(), rows, "one generator per row");
        let scores = logits.reshape([rows, vocab]);
        if config.is_greedy() && self.seen.is_none() {
            // The argmax of the logits as they are: no cast, nothing else.
            return scores.argmax(1);
        }
        let mut scores = scores.cast(FloatDType::F32);
        if let Some(seen) = &self.seen {
            scores = penalise(scores, seen.clone(), self.penalty);
        }
        let chosen = if config.is_greedy() {
            scores.argmax(1)
        } else {
            let uniforms: Vec<f32> = samplers.iter_mut().map(Sampler::uniform).collect();
            let uniforms = upload(TensorData::new(uniforms, [rows, 1]), &scores.device());
            draw(scores, uniforms, config)
        };
        if let Some(seen) = self.seen.take() {
            let ones = Tensor::ones([rows, 1], &seen.device());
            let marked = seen.scatter(1, chosen.clone(), ones, IndexingUpdateOp::Add);
            self.seen = Some(marked.clamp_max(1.0));
        }
        chosen
    }

    /// Keeps the rows at `keep` (indices into the current rows), in that order, when rows leave
    /// the batch. Uploads the indices only when there is per-row state to select.
    pub fn retain(&mut self, keep: &[usize]) {
        if let Some(seen) = self.seen.take() {
            let index: Vec<i64> = keep.iter().map(|&at| at as i64).collect();
            let index = upload(TensorData::new(index, [keep.len()]), &seen.device());
            self.seen = Some(seen.select(0, index));
        }
    }
}

/// The HF repetition penalty on `[rows, vocab]` scores: where `seen` is 1, positive scores are
/// divided by `penalty` and negative ones multiplied by it.
fn penalise<B: Backend>(scores: Tensor<B, 2>, seen: Tensor<B, 2>, penalty: f32) -> Tensor<B, 2> {
    let negative = scores.clone().lower_elem(0.0);
    let penalised = (scores.clone() / penalty).mask_where(negative, scores.clone() * penalty);
    scores.mask_where(seen.greater_elem(0.0), penalised)
}

/// Temperature, top-k, top-p, then the inverse-CDF draw at `uniforms` (`[rows, 1]` in
/// `[0, 1)`); returns token ids `[rows, 1]`.
fn draw<B: Backend>(
    scores: Tensor<B, 2>,
    uniforms: Tensor<B, 2>,
    config: &GenerationConfig,
) -> Tensor<B, 2, Int> {
    let [rows, vocab] = scores.dims();
    let mut scores = scores / config.temperature;
    // Top-k (and top-p within it, when the candidates are few) as a score threshold: the k-th
    // largest score, or the smallest score of the nucleus among the k. burn's top-k values are
    // a device reduction on the GPU backends; its top-k indices are not implemented on the CPU.
    let top_k = config.top_k > 0 && config.top_k < vocab;
    let nucleus_in_top_k = top_k && config.top_p < 1.0 && config.top_k <= PAIRWISE_NUCLEUS;
    if top_k {
        let top = scores.clone().topk(config.top_k, 1);
        let threshold = if nucleus_in_top_k {
            nucleus_floor(top, config.top_p)
        } else {
            top.min_dim(1)
        };
        let below = scores.clone().lower(threshold.expand([rows, vocab]));
        scores = scores.mask_fill(below, f32::NEG_INFINITY);
    }
    let mut probs = softmax(scores, 1);
    if config.top_p < 1.0 && !nucleus_in_top_k {
        probs = nucleus(probs, config.top_p);
    }
    inverse_cdf(probs, uniforms)
}

/// The inverse-CDF draw from unnormalised probabilities `[rows, n]` at `uniforms` (`[rows, 1]`
/// in `[0, 1)`): the first token whose cumulative probability passes `uniform × total`, as
/// `[rows, 1]`. burn's cumulative sum costs the square of its length on the GPU backends (each
/// output sums its whole prefix), so the sum runs in two levels of about √n: over blocks of
/// tokens to find the block, then within that block.
fn inverse_cdf<B: Backend>(probs: Tensor<B, 2>, uniforms: Tensor<B, 2>) -> Tensor<B, 2, Int> {
    let [rows, n] = probs.dims();
    let size = (n as f64).sqrt().ceil() as usize;
    let count = n.div_ceil(size);
    let probs = if count * size > n {
        let pad = Tensor::zeros([rows, count * size - n], &probs.device());
        Tensor::cat(vec![probs, pad], 1)
    } else {
        probs
    };
    let blocks = probs.reshape([rows, count, size]);
    let mass = blocks.clone().sum_dim(2).reshape([rows, count]);
    let cumulative = mass.clone().cumsum(1);
    let total = cumulative.clone().slice([0..rows, count - 1..count]);
    let target = total * uniforms;
    let block = first_past(cumulative.clone(), target.clone(), &mass);
    let before = (cumulative - mass).gather(1, block.clone());
    let inside = blocks
        .gather(
            1,
            block.clone().reshape([rows, 1, 1]).expand([rows, 1, size]),
        )
        .reshape([rows, size]);
    let at = first_past(inside.clone().cumsum(1), target - before, &inside);
    block * size as i64 + at
}

/// The first position whose `cumulative` value passes `target` (`[rows, 1]`): the number of
/// positions at or below it. Such a position always has a probability above zero; rounding can
/// push the count past the end or, with a target just below zero, to a zero before the first
/// mass, so it is clamped to the positions of `probs` that hold mass.
fn first_past<B: Backend>(
    cumulative: Tensor<B, 2>,
    target: Tensor<B, 2>,
    probs: &Tensor<B, 2>,
) -> Tensor<B, 2, Int> {
    let [rows, n] = cumulative.dims();
    let count = cumulative
        .lower_equal(target.expand([rows, n]))
        .int()
        .sum_dim(1);
    let positions = Tensor::<B, 1, Int>::arange(0..n as i64, &probs.device())
        .reshape([1, n])
        .expand([rows, n]);
    let empty = probs.clone().lower_equal_elem(0.0);
    let first = positions
        .clone()
        .mask_fill(empty.clone(), n as i64)
        .min_dim(1);
    let last = positions.mask_fill(empty, -1).max_dim(1);
    count.max_pair(first).min_pair(last)
}

/// The smallest score in the nucleus of `top` (`[rows, k]` candidate scores, in any order), as
/// `[rows, 1]`: a candidate is in the nucleus when the probability of the candidates strictly
/// more likely than it (renormalised over the `k`) is below `top_p`. Computed over all pairs,
/// `[rows, k, k]`, which for a few hundred candidates costs less than bisection.
fn nucleus_floor<B: Backend>(top: Tensor<B, 2>, top_p: f32) -> Tensor<B, 2> {
    let [rows, k] = top.dims();
    let probs = softmax(top.clone(), 1);
    let other = probs.clone().reshape([rows, 1, k]).expand([rows, k, k]);
    let this = probs.reshape([rows, k, 1]).expand([rows, k, k]);
    let not_above = other.clone().lower_equal(this);
    let above = other
        .mask_fill(not_above, 0.0)
        .sum_dim(2)
        .reshape([rows, k]);
    let outside = above.greater_equal_elem(top_p);
    top.mask_fill(outside, f32::INFINITY).min_dim(1)
}

/// Zeroes every probability outside the row's nucleus: the most likely candidates whose mass
/// first reaches `top_p`, found by bisecting a probability threshold (see the module docs).
fn nucleus<B: Backend>(probs: Tensor<B, 2>, top_p: f32) -> Tensor<B, 2> {
    let [rows, n] = probs.dims();
    // Invariant: keeping the candidates at or above `low` reaches `top_p`; at or above `high`
    // does not (nothing is kept at twice the largest probability, and `top_p > 0`).
    let mut low = Tensor::<B, 2>::zeros([rows, 1], &probs.device());
    let mut high = probs.clone().max_dim(1) * 2.0;
    // The probabilities at or above `threshold`, the others zeroed.
    let from = |threshold: Tensor<B, 2>| {
        let dropped = probs.clone().lower(threshold.expand([rows, n]));
        probs.clone().mask_fill(dropped, 0.0)
    };
    for _ in 0..NUCLEUS_STEPS {
        let middle = (low.clone() + high.clone()) * 0.5;
        let enough = from(middle.clone()).sum_dim(1).greater_equal_elem(top_p);
        high = middle.clone().mask_where(enough.clone(), high);
        low = low.mask_where(enough, middle);
    }
    from(low)
}
