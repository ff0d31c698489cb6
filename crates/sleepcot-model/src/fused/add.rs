//! The sum `a + s · b` of two tensors of one shape, fused: the residual connections, and a
//! projection plus its scaled LoRA branch.
//!
//! burn's CPU backend runs `s · b` and the sum as two single-threaded passes, and the scaling
//! again backward. On the 0.5B shape with LoRA on every projection those passes over
//! `tokens × width` floats come to a few percent of a training step. Fused, the forward pass is
//! one multi-threaded pass; backward, `a`'s gradient is the output's own and `b`'s is one
//! multi-threaded scaling (none when `s` is 1).

use burn::backend::Flex;
use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops};
use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData};
use burn_flex::FlexTensor;
use rayon::prelude::*;

use super::route::{
    CpuRoute, buffer, contiguous, record, retype, tracked_input, uninit, wrap, written,
};

/// Elements per rayon task.
const CHUNK: usize = 16 * 1024;

/// `a + scale · b` for two tensors of one shape: fused on the CPU backend for f32 inputs,
/// [`composed_add_scaled`] elsewhere.
pub fn add_scaled<B: Backend, const D: usize>(
    a: Tensor<B, D>,
    b: Tensor<B, D>,
    scale: f64,
) -> Tensor<B, D> {
    let route = if a.dims() == b.dims() {
        CpuRoute::of::<B>(&[a.dtype(), b.dtype()])
    } else {
        CpuRoute::Composed
    };
    let scale32 = scale as f32;
    match route {
        CpuRoute::Composed => composed_add_scaled(a, b, scale),
        CpuRoute::Plain => {
            let (a, b) = (
                buffer(retype::<B, Flex, D>(a)),
                buffer(retype::<B, Flex, D>(b)),
            );
            retype::<Flex, B, D>(wrap(forward(&a, &b, scale32)))
        }
        CpuRoute::Tracked => {
            let (a, ab) = tracked_input(retype::<B, Autodiff<Flex>, D>(a));
            let (b, bb) = tracked_input(retype::<B, Autodiff<Flex>, D>(b));
            let out = forward(&ab, &bb, scale32);
            retype::<Autodiff<Flex>, B, D>(record(AddScaledBackward, [&a, &b], scale32, out))
        }
    }
}

/// [`add_scaled`] from tensor operations.
pub fn composed_add_scaled<B: Backend, const D: usize>(
    a: Tensor<B, D>,
    b: Tensor<B, D>,
    scale: f64,
) -> Tensor<B, D> {
    if scale == 1.0 {
        a + b
    } else {
        a + b.mul_scalar(scale)
    }
}

/// `out[k] = f(a[k], b[k])` for two buffers of one shape, in parallel chunks.
fn zip_map(a: &FlexTensor, b: &[f32], f: impl Fn(f32, f32) -> f32 + Sync) -> FlexTensor {
    let a_values = a.storage::<f32>();
    let mut out = uninit(a_values.len());
    out.par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(i, chunk)| {
            let start = i * CHUNK;
            let (a, b) = (&a_values[start..], &b[start..]);
            for ((o, &a), &b) in chunk.iter_mut().zip(a).zip(b) {
                o.write(f(a, b));
            }
        });
    // SAFETY: the chunks tile the buffer and each element of each chunk was written.
    let out = unsafe { written(out) };
    FlexTensor::from_data(TensorData::new(out, a.layout().shape().clone()))
}

/// `a + scale · b`, as the composed form rounds it (the product, then the sum).
fn forward(a: &FlexTensor, b: &FlexTensor, scale: f32) -> FlexTensor {
    if scale == 1.0 {
        zip_map(a, b.storage::<f32>(), |a, b| a + b)
    } else {
        zip_map(a, b.storage::<f32>(), |a, b| a + b * scale)
    }
}

#[derive(Debug)]
struct AddScaledBackward;

impl Backward<Flex, 2> for AddScaledBackward {
    type State = f32;

    fn backward(self, ops: Ops<f32, 2>, grads: &mut Gradients, _: &mut Checkpointer) {
        let dout = contiguous(&grads.consume::<Flex>(&ops.node));
        let scale = ops.state;
        let [pa, pb] = ops.parents;
        if let Some(node) = pb {
            let db = if scale == 1.0 {
                dout.clone()
            } else {
                zip_map(&dout, dout.storage::<f32>(), |g, _| g * scale)
            };
            grads.register::<Flex>(node.id, db);
        }
        if let Some(node) = pa {
            grads.register::<Flex>(node.id, dout);
        }
    }
}

#[cfg(test)]
mod tests {
    use burn::backend::{Autodiff, Flex};
    use burn::tensor::{Distribution, Tensor, TensorData};

    use super::{add_scaled, composed_add_scaled};
    use crate::fused::test_support::values;

    #[test]
    fn fused_add_scaled_gives_the_composed_bits() {
        type Ad = Autodiff<Flex>;
        let device = Default::default();
        // More elements than one task takes, so that several chunks run.
        let dims = [3, 70, 300];
        let random = || {
            values(Tensor::<Flex, 3>::random(
                dims,
                Distribution::Normal(0.0, 1.0),
                &device,
            ))
        };
        let (av, bv) = (random(), random());
        for scale in [1.0, 2.5] {
            let run = |fused: bool| {
                let leaf = |v: &Vec<f32>| {
                    Tensor::<Ad, 3>::from_data(TensorData::new(v.clone(), dims), &device)
                        .require_grad()
                };
                let (a, b) = (leaf(&av), leaf(&bv));
                let out = if fused {
                    add_scaled(a.clone(), b.clone(), scale)
                } else {
                    composed_add_scaled(a.clone(), b.clone(), scale)
                };
                let grads = (out.clone() * out.clone()).sum().backward();
                (
                    values(out.inner()),
                    values(a.grad(&grads).unwrap()),
                    values(b.grad(&grads).unwrap()),
                )
            };
            assert_eq!(run(true), run(false), "scale {scale}");
        }
        let plain =
            |v: &Vec<f32>| Tensor::<Flex, 3>::from_data(TensorData::new(v.clone(), dims), &device);
        assert_eq!(
            values(add_scaled(plain(&av), plain(&bv), 2.5)),
            values(composed_add_scaled(plain(&av), plain(&bv), 2.5))
        );
    }
}
