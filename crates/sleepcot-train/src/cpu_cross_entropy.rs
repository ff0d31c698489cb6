//! The weighted cross-entropy as one fused CPU kernel with its own backward pass, used when the
//! training backend is burn's CPU backend (`Flex`, or `Autodiff<Flex>` while training).
//!
//! Composed from tensor operations, the loss over a `[tokens, vocab]` logits matrix costs a
//! dozen passes over it: the row maximum, the shift, a scalar `exp`, the sum and the gather
//! forward; the gradients of each of those, a zero-filled scatter for the gather, and their sum
//! backward. Here the forward pass reads each row twice (maximum, then the sum of the
//! exponentials) and keeps one log-sum-exp per row; the backward pass writes the gradient
//! `w · (softmax(x) − onehot(target))` in one pass. Rows run in parallel (rayon), each row's
//! arithmetic is fixed, and the total is summed in row order, so the result does not depend on
//! the thread count. Other backends (wgpu, cuda) keep the composed form, which they fuse
//! themselves.

use burn::backend::Flex;
use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, unary};
use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData, TensorPrimitive};
use burn_flex::FlexTensor;
use rayon::prelude::*;
use sleepcot_model::fused::{CpuRoute, buffer, lanes, record, retype, tracked_input};

/// Rows per rayon task: enough work per task to amortise the scheduling.
const ROWS_PER_TASK: usize = 8;

/// `Σ_r weights[r] · (logsumexp(logits[r]) − logits[r, targets[r]])` over `[rows, vocab]` f32
/// logits, fused, when `B` is `Flex` or `Autodiff<Flex>`; otherwise the logits come back
/// untouched for the composed form. They also come back when `targets` and `weights` do not
/// have one entry per row or a target is not a vocabulary index, so that the composed form
/// reports the mismatch as it always has.
pub fn try_fused<B: Backend>(
    logits: Tensor<B, 2>,
    targets: &[u32],
    weights: &[f32],
) -> Result<Tensor<B, 1>, Tensor<B, 2>> {
    let [rows, vocab] = logits.dims();
    let fits = targets.len() == rows
        && weights.len() == rows
        && targets.iter().all(|&t| (t as usize) < vocab);
    if !fits {
        return Err(logits);
    }
    match CpuRoute::of::<B>(&[logits.dtype()]) {
        CpuRoute::Tracked => {
            let logits = retype::<B, Autodiff<Flex>, 2>(logits);
            Ok(retype::<Autodiff<Flex>, B, 1>(tracked(
                logits, targets, weights,
            )))
        }
        CpuRoute::Plain => {
            let x = buffer(retype::<B, Flex, 2>(logits));
            let (loss, _) = forward(&x, targets, weights);
            Ok(retype::<Flex, B, 1>(Tensor::from_primitive(
                TensorPrimitive::Float(scalar(loss)),
            )))
        }
        CpuRoute::Composed => Err(logits),
    }
}

/// A one-element f32 tensor holding `value`.
fn scalar(value: f32) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(vec![value], [1]))
}

/// The autodiff node: forward on the inner tensor, and a backward pass that writes the logits'
/// gradient directly.
fn tracked(
    logits: Tensor<Autodiff<Flex>, 2>,
    targets: &[u32],
    weights: &[f32],
) -> Tensor<Autodiff<Flex>, 1> {
    let (logits, x) = tracked_input(logits);
    let (loss, lse) = forward(&x, targets, weights);
    let state = State {
        logits: x,
        lse,
        targets: targets.to_vec(),
        weights: weights.to_vec(),
    };
    record(CrossEntropyBackward, [&logits], state, scalar(loss))
}

/// What the backward pass needs: the logits, each row's log-sum-exp, the targets and weights.
#[derive(Debug, Clone)]
struct State {
    logits: FlexTensor,
    lse: Vec<f32>,
    targets: Vec<u32>,
    weights: Vec<f32>,
}

#[derive(Debug)]
struct CrossEntropyBackward;

impl Backward<Flex, 1> for CrossEntropyBackward {
    type State = State;

    fn backward(
        self,
        ops: Ops<Self::State, 1>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let state = ops.state;
        unary::<Flex, _>(ops.parents, ops.node, grads, move |grad: FlexTensor| {
            let g = grad.into_data().to_vec::<f32>().unwrap_or_default();
            let g = g.first().copied().unwrap_or(0.0);
            backward(state, g)
        });
    }
}

/// The loss and each row's log-sum-exp.
fn forward(x: &FlexTensor, targets: &[u32], weights: &[f32]) -> (f32, Vec<f32>) {
    let values = x.storage::<f32>();
    let vocab = x.layout().shape().dims::<2>()[1];
    let rows = values.len() / vocab.max(1);
    let mut lse = vec![0.0f32; rows];
    lse.par_chunks_mut(ROWS_PER_TASK)
        .enumerate()
        .for_each(|(task, out)| {
            for (i, slot) in out.iter_mut().enumerate() {
                let r = task * ROWS_PER_TASK + i;
                *slot = log_sum_exp(&values[r * vocab..(r + 1) * vocab]);
            }
        });
    let mut loss = 0.0f32;
    for r in 0..rows {
        if weights[r] != 0.0 {
            let picked = values[r * vocab + targets[r] as usize];
            loss += weights[r] * (lse[r] - picked);
        }
    }
    (loss, lse)
}

/// `g · w_r · (exp(x_r − lse_r) − onehot(t_r))` for every row, written over the logits.
///
/// The logits are needed by nothing else once their gradient is known, and the node holds
/// the only reference to them, so the gradient takes their memory: a fresh logits-sized buffer
/// would cost its page faults once and, at every step, reading each cache line before writing
/// it. (Were the buffer shared, `storage_mut` would copy it first and the result would be the
/// same.)
fn backward(state: State, g: f32) -> FlexTensor {
    let mut logits = state.logits;
    let vocab = logits.layout().shape().dims::<2>()[1];
    let x = logits.storage_mut::<f32>();
    x.par_chunks_mut(vocab * ROWS_PER_TASK)
        .enumerate()
        .for_each(|(task, block)| {
            for (i, row) in block.chunks_mut(vocab).enumerate() {
                let r = task * ROWS_PER_TASK + i;
                let scale = g * state.weights[r];
                if scale == 0.0 {
                    row.fill(0.0);
                    continue;
                }
                lanes::exp_in_place(row, state.lse[r]);
                lanes::scale(row, scale);
                if let Some(slot) = row.get_mut(state.targets[r] as usize) {
                    *slot -= scale;
                }
            }
        });
    logits
}

/// `max + ln Σ exp(x − max)` of one row.
fn log_sum_exp(row: &[f32]) -> f32 {
    let max = lanes::max(row);
    if !max.is_finite() {
        return max;
    }
    max + lanes::exp_sum(row, max).ln()
}

#[cfg(test)]
mod tests {
    use burn::backend::{Autodiff, Flex};
    use burn::tensor::{Distribution, Int, Tensor, TensorData};

    use super::try_fused;
    use crate::loss::weighted_cross_entropy;

    /// Random `[rows, vocab]` logits with a wide spread, targets and weights (every third zero).
    fn case(rows: usize, vocab: usize) -> (Vec<f32>, Vec<u32>, Vec<f32>) {
        let device = Default::default();
        let logits: Vec<f32> =
            Tensor::<Flex, 2>::random([rows, vocab], Distribution::Normal(0.0, 4.0), &device)
                .into_data()
                .to_vec()
                .unwrap();
        let targets = (0..rows).map(|r| ((r * 7919) % vocab) as u32).collect();
        let weights = (0..rows)
            .map(|r| if r % 3 == 0 { 0.0 } else { 1.0 / rows as f32 })
            .collect();
        (logits, targets, weights)
    }

    fn composed<B: burn::tensor::backend::Backend>(
        logits: Tensor<B, 2>,
        targets: &[u32],
        weights: &[f32],
    ) -> Tensor<B, 1> {
        let device = logits.device();
        let shape = [1, targets.len()];
        let ids: Vec<i64> = targets.iter().map(|&t| i64::from(t)).collect();
        weighted_cross_entropy(
            logits.unsqueeze_dim(0),
            Tensor::<B, 2, Int>::from_data(TensorData::new(ids, shape), &device),
            Tensor::from_data(TensorData::new(weights.to_vec(), shape), &device),
        )
    }

    #[test]
    fn the_fused_loss_and_gradient_equal_the_composed_ones() {
        let _rng = crate::test_rng::lock();
        type Ad = Autodiff<Flex>;
        let (rows, vocab) = (37, 1000);
        let (values, targets, weights) = case(rows, vocab);
        let device = Default::default();
        let leaf = || {
            Tensor::<Ad, 2>::from_data(TensorData::new(values.clone(), [rows, vocab]), &device)
                .require_grad()
        };
        let (a, b) = (leaf(), leaf());
        let fused = try_fused(a.clone(), &targets, &weights).expect("Autodiff<Flex> is fused");
        let reference = composed(b.clone(), &targets, &weights);
        let (f, r) = (fused.clone().into_scalar(), reference.clone().into_scalar());
        assert!((f - r).abs() <= 1e-5 * r.abs(), "fused {f}, composed {r}");
        let grad = |leaf: &Tensor<Ad, 2>, loss: Tensor<Ad, 1>| -> Vec<f32> {
            let grads = loss.backward();
            leaf.grad(&grads).unwrap().into_data().to_vec().unwrap()
        };
        let (ga, gb) = (grad(&a, fused), grad(&b, reference));
        for (i, (x, y)) in ga.iter().zip(&gb).enumerate() {
            assert!(
                (x - y).abs() <= 1e-6,
                "gradient {i}: fused {x}, composed {y}"
            );
        }
        // Rows of weight zero get exactly zero gradient.
        assert!(ga[..vocab].iter().all(|&g| g == 0.0));

        // A view into a larger buffer (here the rows after the first) reads its own elements.
        let wide =
            Tensor::<Flex, 2>::from_data(TensorData::new(values.clone(), [rows, vocab]), &device);
        let tail = wide.slice([1..rows, 0..vocab]);
        let v_tail = try_fused(tail.clone(), &targets[1..], &weights[1..])
            .expect("a view is fused")
            .into_scalar();
        let r_tail = composed(tail, &targets[1..], &weights[1..]).into_scalar();
        assert!(
            (v_tail - r_tail).abs() <= 1e-5 * r_tail.abs(),
            "{v_tail} vs {r_tail}"
        );
        // Mismatched lengths or a target outside the vocabulary go back to the composed form.
        let probe = || {
            Tensor::<Flex, 2>::from_data(TensorData::new(values.clone(), [rows, vocab]), &device)
        };
        assert!(try_fused(probe(), &targets[1..], &weights).is_err());
        let mut bad = targets.clone();
        bad[3] = vocab as u32;
        assert!(try_fused(probe(), &bad, &weights).is_err());

        // Without autodiff (validation) the value is the same.
        let plain = Tensor::<Flex, 2>::from_data(TensorData::new(values, [rows, vocab]), &device);
        let v = try_fused(plain, &targets, &weights)
            .expect("Flex is fused")
            .into_scalar();
        assert_eq!(v, f);
    }
}
