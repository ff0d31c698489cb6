//! The SwiGLU gate `silu(gate) · up`, fused.
//!
//! Composed, it is a sigmoid (a scalar `exp` pass), two products, and a backward pass of half a
//! dozen more single-threaded passes over `tokens × intermediate` floats. Fused, the forward
//! pass and the backward pass are one multi-threaded pass each (the backward one writing both
//! gradients).

use std::mem::MaybeUninit;

use burn::backend::Flex;
use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops};
use burn::tensor::activation::silu;
use burn::tensor::backend::Backend;
use burn::tensor::{Shape, Tensor, TensorData};
use burn_flex::FlexTensor;
use rayon::prelude::*;

use super::exp::sigmoid;
use super::route::{
    CpuRoute, buffer, contiguous, for_each_chunk_pair, record, retype, tracked_input, uninit, wrap,
    written,
};

/// Elements per rayon task.
const CHUNK: usize = 16 * 1024;

/// `silu(gate) · up` for two tensors of one shape: fused on the CPU backend for f32 inputs,
/// [`composed_swiglu`] elsewhere.
pub fn swiglu<B: Backend, const D: usize>(gate: Tensor<B, D>, up: Tensor<B, D>) -> Tensor<B, D> {
    if gate.dims() != up.dims() {
        return composed_swiglu(gate, up);
    }
    match CpuRoute::of::<B>(&[gate.dtype(), up.dtype()]) {
        CpuRoute::Composed => composed_swiglu(gate, up),
        CpuRoute::Plain => {
            let (g, u) = (
                buffer(retype::<B, Flex, D>(gate)),
                buffer(retype::<B, Flex, D>(up)),
            );
            retype::<Flex, B, D>(wrap(forward(&g, &u)))
        }
        CpuRoute::Tracked => retype::<Autodiff<Flex>, B, D>(tracked(
            retype::<B, Autodiff<Flex>, D>(gate),
            retype::<B, Autodiff<Flex>, D>(up),
        )),
    }
}

/// [`swiglu`] from tensor operations.
pub fn composed_swiglu<B: Backend, const D: usize>(
    gate: Tensor<B, D>,
    up: Tensor<B, D>,
) -> Tensor<B, D> {
    silu(gate) * up
}

/// A tensor of `shape` from elements computed chunk by chunk, in parallel when there is more
/// than one chunk. (Handing a single chunk to the thread pool costs a thread wake-up, a large
/// share of a decoding step's few-row work.)
fn elementwise(
    shape: Shape,
    len: usize,
    f: impl Fn(usize, &mut [MaybeUninit<f32>]) + Sync,
) -> FlexTensor {
    let mut out = uninit(len);
    if len > CHUNK {
        out.par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(i, chunk)| f(i * CHUNK, chunk));
    } else {
        f(0, &mut out);
    }
    // SAFETY: the chunks tile the buffer, and `f` writes every element of its chunk.
    let out = unsafe { written(out) };
    FlexTensor::from_data(TensorData::new(out, shape))
}

fn forward(gate: &FlexTensor, up: &FlexTensor) -> FlexTensor {
    let (g, u) = (gate.storage::<f32>(), up.storage::<f32>());
    elementwise(gate.layout().shape().clone(), g.len(), |start, out| {
        let (g, u) = (&g[start..start + out.len()], &u[start..start + out.len()]);
        for ((o, &g), &u) in out.iter_mut().zip(g).zip(u) {
            o.write(g * sigmoid(g) * u);
        }
    })
}

/// `(d gate, d up)` from the output's gradient, in one pass: `d up = dout · silu(gate)` and
/// `d gate = dout · up · σ(gate) · (1 + gate · (1 − σ(gate)))`.
fn backward(gate: &FlexTensor, up: &FlexTensor, dout: &FlexTensor) -> (FlexTensor, FlexTensor) {
    let (g, u, d) = (
        gate.storage::<f32>(),
        up.storage::<f32>(),
        dout.storage::<f32>(),
    );
    let (mut dgate, mut dup) = (uninit(g.len()), uninit(g.len()));
    for_each_chunk_pair(&mut dgate, CHUNK, &mut dup, CHUNK, |i, dgate, dup| {
        let start = i * CHUNK;
        let end = start + dgate.len();
        let inputs = g[start..end].iter().zip(&u[start..end]).zip(&d[start..end]);
        for ((dg, du), ((&g, &u), &d)) in dgate.iter_mut().zip(dup.iter_mut()).zip(inputs) {
            let s = sigmoid(g);
            du.write(d * g * s);
            dg.write(d * u * s * (1.0 + g * (1.0 - s)));
        }
    });
    // SAFETY: the chunks tile both buffers and the loop wrote every element of each.
    let (dgate, dup) = unsafe { (written(dgate), written(dup)) };
    let shape = gate.layout().shape().clone();
    (
        FlexTensor::from_data(TensorData::new(dgate, shape.clone())),
        FlexTensor::from_data(TensorData::new(dup, shape)),
    )
}

#[derive(Debug)]
struct SwigluBackward;

impl Backward<Flex, 2> for SwigluBackward {
    type State = (FlexTensor, FlexTensor);

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _: &mut Checkpointer) {
        let dout = contiguous(&grads.consume::<Flex>(&ops.node));
        let (gate, up) = &ops.state;
        let (dgate, dup) = backward(gate, up, &dout);
        let [pg, pu] = ops.parents;
        for (parent, grad) in [(pg, dgate), (pu, dup)] {
            if let Some(node) = parent {
                grads.register::<Flex>(node.id, grad);
            }
        }
    }
}

/// The autodiff node around [`forward`].
fn tracked<const D: usize>(
    gate: Tensor<Autodiff<Flex>, D>,
    up: Tensor<Autodiff<Flex>, D>,
) -> Tensor<Autodiff<Flex>, D> {
    let ((gate, g), (up, u)) = (tracked_input(gate), tracked_input(up));
    let out = forward(&g, &u);
    record(SwigluBackward, [&gate, &up], (g, u), out)
}

#[cfg(test)]
mod tests {
    use burn::backend::{Autodiff, Flex};
    use burn::tensor::{Distribution, Tensor, TensorData};

    use super::{composed_swiglu, swiglu};
    use crate::fused::test_support::{assert_close, values};

    #[test]
    fn fused_swiglu_equals_the_composed_one() {
        type Ad = Autodiff<Flex>;
        let device = Default::default();
        // More elements than one task takes, so that several chunks run.
        let dims = [3, 50, 300];
        let random = || {
            values(Tensor::<Flex, 3>::random(
                dims,
                Distribution::Normal(0.0, 3.0),
                &device,
            ))
        };
        let (gv, uv) = (random(), random());
        let run = |fused: bool| {
            let leaf = |v: &Vec<f32>| {
                Tensor::<Ad, 3>::from_data(TensorData::new(v.clone(), dims), &device).require_grad()
            };
            let (g, u) = (leaf(&gv), leaf(&uv));
            let out = if fused {
                swiglu(g.clone(), u.clone())
            } else {
                composed_swiglu(g.clone(), u.clone())
            };
            let grads = (out.clone() * out.clone()).sum().backward();
            (
                values(out.inner()),
                values(g.grad(&grads).unwrap()),
                values(u.grad(&grads).unwrap()),
            )
        };
        let (fused, reference) = (run(true), run(false));
        assert_close("output", &fused.0, &reference.0, 1e-6);
        assert_close("d gate", &fused.1, &reference.1, 1e-6);
        assert_close("d up", &fused.2, &reference.2, 1e-6);
        let plain =
            |v: &Vec<f32>| Tensor::<Flex, 3>::from_data(TensorData::new(v.clone(), dims), &device);
        assert_eq!(values(swiglu(plain(&gv), plain(&uv))), fused.0);
    }
}
