//! The rotary position embedding `x · cos + rotate_half(x) · sin`, fused.
//!
//! Composed, it is two slices, a negation, a concatenation, two products and a sum forward, and
//! backward the same again plus zero-filled slice writes, each a single-threaded pass over the
//! queries and keys of every layer. Fused, it is one multi-threaded pass each way. The
//! arithmetic is the composed form's, term for term, so the outputs are the same bits.

use std::mem::MaybeUninit;

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

/// Elements per rayon task (a whole number of head rows for every even head width up to 4096).
const CHUNK: usize = 16 * 1024;

/// Rotates each head row of `x` (`[batch, seq, heads, head_dim]`) by the angles whose cosines
/// and sines are `cos` and `sin` (the same shape): fused on the CPU backend for f32 inputs
/// whose tables take no gradient, [`composed_rope`] elsewhere.
pub fn rope<B: Backend>(x: Tensor<B, 4>, cos: Tensor<B, 4>, sin: Tensor<B, 4>) -> Tensor<B, 4> {
    let d = x.dims()[3];
    let fits = d.is_multiple_of(2)
        && d > 0
        && CHUNK.is_multiple_of(d)
        && cos.dims() == x.dims()
        && sin.dims() == x.dims()
        && !cos.is_require_grad()
        && !sin.is_require_grad();
    let route = if fits {
        CpuRoute::of::<B>(&[x.dtype(), cos.dtype(), sin.dtype()])
    } else {
        CpuRoute::Composed
    };
    let tables = |cos: Tensor<B, 4>, sin: Tensor<B, 4>| Tables {
        cos: buffer(retype::<B, Flex, 4>(cos)),
        sin: buffer(retype::<B, Flex, 4>(sin)),
    };
    match route {
        CpuRoute::Composed => composed_rope(x, cos, sin),
        CpuRoute::Plain => {
            let x = buffer(retype::<B, Flex, 4>(x));
            retype::<Flex, B, 4>(wrap(tables(cos, sin).forward(&x)))
        }
        CpuRoute::Tracked => {
            let (x, xb) = tracked_input(retype::<B, Autodiff<Flex>, 4>(x));
            let inner = |t: Tensor<B, 4>| retype::<B, Autodiff<Flex>, 4>(t).inner();
            let tables = Tables {
                cos: buffer(inner(cos)),
                sin: buffer(inner(sin)),
            };
            let out = tables.forward(&xb);
            retype::<Autodiff<Flex>, B, 4>(record(RopeBackward, [&x], tables, out))
        }
    }
}

/// [`rope`] from tensor operations: `rotate_half(x) = [−x₂, x₁]` for the two halves of a row.
pub fn composed_rope<B: Backend>(
    x: Tensor<B, 4>,
    cos: Tensor<B, 4>,
    sin: Tensor<B, 4>,
) -> Tensor<B, 4> {
    let half = x.dims()[3] / 2;
    let x1 = x.clone().narrow(3, 0, half);
    let x2 = x.clone().narrow(3, half, half);
    let rotated = Tensor::cat(vec![x2.neg(), x1], 3);
    x * cos + rotated * sin
}

/// The cosine and sine tables, as CPU buffers shaped like the rotated tensor.
#[derive(Debug, Clone)]
struct Tables {
    cos: FlexTensor,
    sin: FlexTensor,
}

impl Tables {
    /// Applies `row(out, input, cos, sin)` to every head row, in parallel chunks.
    fn each_row(
        &self,
        input: &FlexTensor,
        row: impl Fn(&mut [MaybeUninit<f32>], &[f32], &[f32], &[f32]) + Sync,
    ) -> FlexTensor {
        let d = input.layout().shape().dims::<4>()[3];
        let (xs, cos, sin) = (
            input.storage::<f32>(),
            self.cos.storage::<f32>(),
            self.sin.storage::<f32>(),
        );
        let mut out = uninit(xs.len());
        out.par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(i, chunk)| {
                let start = i * CHUNK;
                for (j, o) in chunk.chunks_exact_mut(d).enumerate() {
                    let at = start + j * d;
                    row(o, &xs[at..at + d], &cos[at..at + d], &sin[at..at + d]);
                }
            });
        // SAFETY: `CHUNK` is a multiple of the row width, so the rows tile every chunk, and
        // `row` writes each element of its row.
        let out = unsafe { written(out) };
        FlexTensor::from_data(TensorData::new(out, input.layout().shape().clone()))
    }

    /// `x · cos + [−x₂, x₁] · sin`.
    fn forward(&self, x: &FlexTensor) -> FlexTensor {
        self.each_row(x, |out, x, cos, sin| {
            let half = x.len() / 2;
            for i in 0..x.len() {
                let rotated = if i < half { -x[i + half] } else { x[i - half] };
                out[i].write(x[i] * cos[i] + rotated * sin[i]);
            }
        })
    }

    /// `dx = dout · cos + [(dout · sin)₂, −(dout · sin)₁]`, the transpose of the rotation.
    fn backward(&self, dout: &FlexTensor) -> FlexTensor {
        self.each_row(dout, |out, g, cos, sin| {
            let half = g.len() / 2;
            for i in 0..g.len() {
                let turned = if i < half {
                    g[i + half] * sin[i + half]
                } else {
                    -(g[i - half] * sin[i - half])
                };
                out[i].write(g[i] * cos[i] + turned);
            }
        })
    }
}

#[derive(Debug)]
struct RopeBackward;

impl Backward<Flex, 1> for RopeBackward {
    type State = Tables;

    fn backward(self, ops: Ops<Tables, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let dout = contiguous(&grads.consume::<Flex>(&ops.node));
        if let [Some(node)] = &ops.parents {
            grads.register::<Flex>(node.id, ops.state.backward(&dout));
        }
    }
}

#[cfg(test)]
mod tests {
    use burn::backend::{Autodiff, Flex};
    use burn::tensor::{Distribution, Tensor, TensorData};

    use super::{composed_rope, rope};
    use crate::fused::test_support::values;

    #[test]
    fn fused_rope_gives_the_composed_bits_forward_and_backward() {
        type Ad = Autodiff<Flex>;
        let device = Default::default();
        // More elements than one task takes, so that several chunks run.
        let dims = [2, 70, 4, 64];
        let random = || {
            values(Tensor::<Flex, 4>::random(
                dims,
                Distribution::Normal(0.0, 1.0),
                &device,
            ))
        };
        let (xv, cv, sv) = (random(), random(), random());
        let run = |fused: bool| {
            let table = |v: &Vec<f32>| {
                Tensor::<Ad, 4>::from_data(TensorData::new(v.clone(), dims), &device)
            };
            let x = table(&xv).require_grad();
            let out = if fused {
                rope(x.clone(), table(&cv), table(&sv))
            } else {
                composed_rope(x.clone(), table(&cv), table(&sv))
            };
            let grads = (out.clone() * out.clone()).sum().backward();
            (values(out.inner()), values(x.grad(&grads).unwrap()))
        };
        let (fused, reference) = (run(true), run(false));
        assert_eq!(fused.0, reference.0, "outputs");
        let worst = fused
            .1
            .iter()
            .zip(&reference.1)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(worst < 1e-6, "gradients differ by {worst}");
        let plain =
            |v: &Vec<f32>| Tensor::<Flex, 4>::from_data(TensorData::new(v.clone(), dims), &device);
        assert_eq!(values(rope(plain(&xv), plain(&cv), plain(&sv))), fused.0);
    }
}
