//! Root-mean-square normalisation `x / √(mean(x²) + ε) · w`, fused.
//!
//! Composed, it is seven passes forward (square, mean, add, square root, reciprocal, two
//! products) and twice that backward, each single-threaded. Fused, each row's statistics and
//! scaling are one pass forward and one backward, rows in parallel; the weight's gradient is
//! summed per fixed block of rows and then over blocks in order, so it does not depend on the
//! thread count.

use burn::backend::Flex;
use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops};
use burn::tensor::backend::Backend;
use burn::tensor::{DType, Tensor, TensorData};
use burn_flex::FlexTensor;
use rayon::prelude::*;

use super::route::{
    CpuRoute, buffer, contiguous, for_each_chunk_pair, record, retype, tracked_input, uninit, wrap,
    written,
};
use crate::cast::to_dtype;

/// Rows per rayon task.
const ROWS: usize = 32;

/// `x / √(mean(x²) + eps) · weight` over the last axis of `x` (`weight` has that axis's
/// length): fused on the CPU backend for f32 inputs, [`composed_rms_norm`] elsewhere.
pub fn rms_norm<B: Backend, const D: usize>(
    x: Tensor<B, D>,
    weight: Tensor<B, 1>,
    eps: f64,
) -> Tensor<B, D> {
    let hidden = x.dims()[D - 1];
    if hidden == 0 || hidden != weight.dims()[0] {
        return composed_rms_norm(x, weight, eps);
    }
    match CpuRoute::of::<B>(&[x.dtype(), weight.dtype()]) {
        CpuRoute::Composed => composed_rms_norm(x, weight, eps),
        CpuRoute::Plain => {
            let (xc, w) = (
                buffer(retype::<B, Flex, D>(x)),
                buffer(retype::<B, Flex, 1>(weight)),
            );
            retype::<Flex, B, D>(wrap(forward(&xc, &w, eps as f32).0))
        }
        CpuRoute::Tracked => retype::<Autodiff<Flex>, B, D>(tracked(
            retype::<B, Autodiff<Flex>, D>(x),
            retype::<B, Autodiff<Flex>, 1>(weight),
            eps as f32,
        )),
    }
}

/// [`rms_norm`] from tensor operations, as Qwen2 computes it: statistics in f32, the weight
/// applied in the input's dtype.
pub fn composed_rms_norm<B: Backend, const D: usize>(
    x: Tensor<B, D>,
    weight: Tensor<B, 1>,
    eps: f64,
) -> Tensor<B, D> {
    let dtype = x.dtype();
    let xf = to_dtype(x, DType::F32);
    let inv_rms = xf
        .clone()
        .square()
        .mean_dim(D - 1)
        .add_scalar(eps)
        .sqrt()
        .recip();
    to_dtype(xf * inv_rms, dtype) * weight.unsqueeze::<D>()
}

/// The output and each row's `1 / √(mean(x²) + eps)`.
fn forward(x: &FlexTensor, weight: &FlexTensor, eps: f32) -> (FlexTensor, Vec<f32>) {
    let (xs, w) = (x.storage::<f32>(), weight.storage::<f32>());
    let hidden = w.len();
    let rows = xs.len() / hidden.max(1);
    let mut out = uninit(xs.len());
    let mut inv = vec![0.0f32; rows];
    for_each_chunk_pair(&mut out, ROWS * hidden, &mut inv, ROWS, |task, out, inv| {
        let first = task * ROWS;
        for (r, (o, inv)) in out.chunks_exact_mut(hidden).zip(inv).enumerate() {
            let x = &xs[(first + r) * hidden..][..hidden];
            let mean = super::lanes::dot(x, x) / hidden as f32;
            *inv = 1.0 / (mean + eps).sqrt();
            for ((o, &x), &w) in o.iter_mut().zip(x).zip(w) {
                o.write(x * *inv * w);
            }
        }
    });
    // SAFETY: the rows tile the buffer and every element of each row was written.
    let out = unsafe { written(out) };
    let out = FlexTensor::from_data(TensorData::new(out, x.layout().shape().clone()));
    (out, inv)
}

/// `(dx, dweight)`: with `x̂ = x · inv` and `g = dy · w`, `dx = inv · (g − x̂ · mean(g · x̂))`
/// per row and `dweight = Σ_rows dy · x̂` (only when the weight is trained).
fn backward(state: &State, dy: &FlexTensor, weight_grad: bool) -> (FlexTensor, Option<FlexTensor>) {
    let (xs, w, dys) = (
        state.x.storage::<f32>(),
        state.weight.storage::<f32>(),
        dy.storage::<f32>(),
    );
    let hidden = w.len();
    let mut dx = uninit(xs.len());
    let partials: Vec<Vec<f32>> = dx
        .par_chunks_mut(ROWS * hidden)
        .enumerate()
        .map(|(task, dx)| {
            let mut dw = if weight_grad {
                vec![0.0f32; hidden]
            } else {
                Vec::new()
            };
            for (r, dx) in dx.chunks_exact_mut(hidden).enumerate() {
                let row = task * ROWS + r;
                let inv = state.inv[row];
                let x = &xs[row * hidden..][..hidden];
                let dy = &dys[row * hidden..][..hidden];
                let dot: f32 = x
                    .iter()
                    .zip(dy)
                    .zip(w)
                    .map(|((&x, &dy), &w)| dy * w * x * inv)
                    .sum::<f32>()
                    / hidden as f32;
                for (((d, &x), &dy), &w) in dx.iter_mut().zip(x).zip(dy).zip(w) {
                    d.write(inv * (dy * w - x * inv * dot));
                }
                if weight_grad {
                    for ((acc, &x), &dy) in dw.iter_mut().zip(x).zip(dy) {
                        *acc += dy * x * inv;
                    }
                }
            }
            dw
        })
        .collect();
    // SAFETY: the rows tile the buffer and every element of each row was written.
    let dx = unsafe { written(dx) };
    let dx = FlexTensor::from_data(TensorData::new(dx, state.x.layout().shape().clone()));
    let dw = weight_grad.then(|| {
        let mut total = vec![0.0f32; hidden];
        for part in &partials {
            total.iter_mut().zip(part).for_each(|(t, p)| *t += p);
        }
        FlexTensor::from_data(TensorData::new(total, [hidden]))
    });
    (dx, dw)
}

/// What the backward pass needs.
#[derive(Debug, Clone)]
struct State {
    x: FlexTensor,
    weight: FlexTensor,
    inv: Vec<f32>,
}

#[derive(Debug)]
struct RmsNormBackward;

impl Backward<Flex, 2> for RmsNormBackward {
    type State = State;

    fn backward(self, ops: Ops<State, 2>, grads: &mut Gradients, _: &mut Checkpointer) {
        let dy = contiguous(&grads.consume::<Flex>(&ops.node));
        let [px, pw] = ops.parents;
        let (dx, dw) = backward(&ops.state, &dy, pw.is_some());
        if let Some(node) = px {
            grads.register::<Flex>(node.id, dx);
        }
        if let (Some(node), Some(dw)) = (pw, dw) {
            grads.register::<Flex>(node.id, dw);
        }
    }
}

/// The autodiff node around [`forward`].
fn tracked<const D: usize>(
    x: Tensor<Autodiff<Flex>, D>,
    weight: Tensor<Autodiff<Flex>, 1>,
    eps: f32,
) -> Tensor<Autodiff<Flex>, D> {
    let ((x, xc), (weight, wc)) = (tracked_input(x), tracked_input(weight));
    let (out, inv) = forward(&xc, &wc, eps);
    let state = State {
        x: xc,
        weight: wc,
        inv,
    };
    record(RmsNormBackward, [&x, &weight], state, out)
}

#[cfg(test)]
mod tests {
    use burn::backend::{Autodiff, Flex};
    use burn::tensor::{Distribution, Tensor, TensorData};

    use super::{composed_rms_norm, rms_norm};
    use crate::fused::test_support::{assert_close, values};

    type Ad = Autodiff<Flex>;

    fn compare(weight_trained: bool) {
        let device = Default::default();
        // 70 rows: two full blocks and a partial one.
        let dims = [2, 35, 48];
        let xv = values(Tensor::<Flex, 3>::random(
            dims,
            Distribution::Normal(0.0, 2.0),
            &device,
        ));
        let wv = values(Tensor::<Flex, 1>::random(
            [48],
            Distribution::Normal(1.0, 0.3),
            &device,
        ));
        let run = |fused: bool| {
            let x = Tensor::<Ad, 3>::from_data(TensorData::new(xv.clone(), dims), &device)
                .require_grad();
            let mut w = Tensor::<Ad, 1>::from_data(TensorData::new(wv.clone(), [48]), &device);
            if weight_trained {
                w = w.require_grad();
            }
            let out = if fused {
                rms_norm(x.clone(), w.clone(), 1e-6)
            } else {
                composed_rms_norm(x.clone(), w.clone(), 1e-6)
            };
            let weights = Tensor::<Ad, 3>::from_data(
                TensorData::new(
                    (0..xv.len())
                        .map(|i| ((i * 31) % 97) as f32 / 97.0 - 0.5)
                        .collect::<Vec<_>>(),
                    dims,
                ),
                &device,
            );
            let grads = (out.clone() * weights).sum().backward();
            (
                values(out.inner()),
                values(x.grad(&grads).unwrap()),
                w.grad(&grads).map(values),
            )
        };
        let (fused, reference) = (run(true), run(false));
        assert_close("output", &fused.0, &reference.0, 1e-6);
        assert_close("dx", &fused.1, &reference.1, 1e-5);
        assert_eq!(fused.2.is_some(), weight_trained);
        if let (Some(f), Some(r)) = (&fused.2, &reference.2) {
            assert_close("dweight", f, r, 1e-5);
        }
        let plain = rms_norm(
            Tensor::<Flex, 3>::from_data(TensorData::new(xv.clone(), dims), &device),
            Tensor::<Flex, 1>::from_data(TensorData::new(wv.clone(), [48]), &device),
            1e-6,
        );
        assert_eq!(values(plain), fused.0);
    }

    #[test]
    fn fused_rms_norm_equals_the_composed_one() {
        compare(true);
    }

    #[test]
    fn a_frozen_weight_gets_no_gradient_from_the_fused_rms_norm() {
        compare(false);
    }
}
