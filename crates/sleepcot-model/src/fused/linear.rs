//! The affine projection `x · W + b` (and `x · Wᵀ`, for tied logits), fused.
//!
//! burn's CPU matmul allocates every product by zero-filling a byte vector and copying it into
//! an aligned one, two single-threaded passes over the output before gemm writes it; the bias
//! is a third pass forward and a single-threaded column sum backward, and the weight's gradient
//! goes through transposed copies. Here the product is written by gemm straight into fresh
//! memory (over the bias, where there is one), and the backward pass is two gemm calls that
//! read the stored input and weight through strided views, plus a column sum over fixed row
//! blocks. gemm splits a product between threads by output tiles, each summed over the whole
//! inner dimension in a fixed order, so no result depends on the thread count.

use burn::backend::Flex;
use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops};
use burn::tensor::backend::Backend;
use burn::tensor::{Shape, Tensor, TensorData};
use burn_flex::FlexTensor;
use rayon::prelude::*;

use super::gemm::{Mat, product_on};
use super::gemv::{gemv, takes_gemv};
use super::route::{
    CpuRoute, buffer, contiguous, record, retype, tracked_input, uninit, wrap, written,
};

/// Multiply-adds from which a product is split between threads (gemm's own tiles); below it
/// one thread does it, since waking the pool costs more than a decoding step's small product.
pub(crate) const PARALLEL_WORK: usize = 1 << 18;

/// Rows per block of the bias gradient's column sum.
const BIAS_ROWS: usize = 64;

/// How a projection's weight is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightLayout {
    /// `[in, out]`, burn's `Linear` layout: the product is `x · W`.
    InOut,
    /// `[out, in]`, an embedding table used as the output head: the product is `x · Wᵀ`.
    OutIn,
}

impl WeightLayout {
    /// `(in, out)` of a weight of dims `dims` in this layout.
    fn widths(self, dims: [usize; 2]) -> (usize, usize) {
        match self {
            Self::InOut => (dims[0], dims[1]),
            Self::OutIn => (dims[1], dims[0]),
        }
    }

    /// The weight as the `[in, out]` right-hand side of a product.
    fn as_in_out(self, ptr: *const f32, dims: [usize; 2]) -> Mat {
        match self {
            Self::InOut => Mat::rows(ptr, dims[1]),
            Self::OutIn => Mat::rows(ptr, dims[1]).t(),
        }
    }
}

/// `x · W + b` over the last axis of `x` (`weight` in `layout`, `bias` of the output width):
/// fused on the CPU backend for f32 inputs, [`composed_linear`] elsewhere.
pub fn linear<B: Backend, const D: usize>(
    x: Tensor<B, D>,
    weight: Tensor<B, 2>,
    bias: Option<Tensor<B, 1>>,
    layout: WeightLayout,
) -> Tensor<B, D> {
    let (d_in, d_out) = layout.widths(weight.dims());
    // Empty widths go to burn, whose shapes handle them.
    let fits = d_in > 0
        && d_out > 0
        && x.dims()[D - 1] == d_in
        && bias.as_ref().is_none_or(|b| b.dims()[0] == d_out);
    let mut dtypes = vec![x.dtype(), weight.dtype()];
    dtypes.extend(bias.as_ref().map(|b| b.dtype()));
    let route = if fits {
        CpuRoute::of::<B>(&dtypes)
    } else {
        CpuRoute::Composed
    };
    match route {
        CpuRoute::Composed => composed_linear(x, weight, bias, layout),
        CpuRoute::Plain => {
            let x = buffer(retype::<B, Flex, D>(x));
            let w = buffer(retype::<B, Flex, 2>(weight));
            let b = bias.map(|b| buffer(retype::<B, Flex, 1>(b)));
            retype::<Flex, B, D>(wrap(forward(&x, &w, b.as_ref(), layout)))
        }
        CpuRoute::Tracked => {
            let (x, xb) = tracked_input(retype::<B, Autodiff<Flex>, D>(x));
            let (w, wb) = tracked_input(retype::<B, Autodiff<Flex>, 2>(weight));
            let bias = bias.map(|b| tracked_input(retype::<B, Autodiff<Flex>, 1>(b)));
            let out = forward(&xb, &wb, bias.as_ref().map(|(_, b)| b), layout);
            let state = State {
                x: xb,
                weight: wb,
                layout,
            };
            let out = match &bias {
                Some((b, _)) => record(BiasedLinearBackward, [&x, &w, b], state, out),
                None => record(LinearBackward, [&x, &w], state, out),
            };
            retype::<Autodiff<Flex>, B, D>(out)
        }
    }
}

/// [`linear`] from tensor operations.
pub fn composed_linear<B: Backend, const D: usize>(
    x: Tensor<B, D>,
    weight: Tensor<B, 2>,
    bias: Option<Tensor<B, 1>>,
    layout: WeightLayout,
) -> Tensor<B, D> {
    let weight = match layout {
        WeightLayout::InOut => weight,
        WeightLayout::OutIn => weight.transpose(),
    };
    burn::tensor::module::linear(x, weight, bias)
}

/// `x`'s dims with the last one replaced by `last`.
fn with_last(shape: &Shape, last: usize) -> Shape {
    let mut shape = shape.clone();
    if let Some(d) = shape.as_mut_slice().last_mut() {
        *d = last;
    }
    shape
}

/// How `m × n × k` multiply-adds run: split by gemm between the pool's threads, or on this one.
fn parallelism(m: usize, n: usize, k: usize) -> gemm::Parallelism {
    if m.saturating_mul(n).saturating_mul(k) >= PARALLEL_WORK {
        gemm::Parallelism::Rayon(0)
    } else {
        gemm::Parallelism::None
    }
}

/// `dst[m×n] = (dst if accumulate) + lhs · rhs`, rows `n` apart, split between threads when
/// large.
///
/// # Safety
/// As [`super::gemm::product`].
unsafe fn product(m: usize, n: usize, k: usize, dst: *mut f32, lhs: Mat, rhs: Mat, acc: bool) {
    // SAFETY: forwarded from the caller.
    unsafe { product_on(parallelism(m, n, k), m, n, k, dst, n, lhs, rhs, 1.0, acc) }
}

/// A fresh buffer of `len` elements that `fill` writes whole through the pointer it gets (a
/// product without accumulation writes its entire destination).
///
/// # Safety
/// `fill` must write all `len` elements.
unsafe fn filled(len: usize, fill: impl FnOnce(*mut f32)) -> Vec<f32> {
    let mut out = uninit(len);
    fill(out.as_mut_ptr().cast::<f32>());
    // SAFETY: the caller's `fill` wrote every element.
    unsafe { written(out) }
}

/// The forward product: `x · W + b` with `x` `[.., in]`.
fn forward(
    x: &FlexTensor,
    weight: &FlexTensor,
    bias: Option<&FlexTensor>,
    layout: WeightLayout,
) -> FlexTensor {
    let dims = weight.layout().shape().dims::<2>();
    let (d_in, d_out) = layout.widths(dims);
    let xs = x.storage::<f32>();
    let rows = xs.len() / d_in.max(1);
    let shape = with_last(x.layout().shape(), d_out);
    if takes_gemv(rows, d_in, d_out, layout) {
        let bias = bias.map(|b| b.storage::<f32>());
        let out = gemv(xs, weight.storage::<f32>(), bias, layout, d_in, d_out);
        return FlexTensor::from_data(TensorData::new(out, shape));
    }
    let lhs = Mat::rows(xs.as_ptr(), d_in);
    let rhs = layout.as_in_out(weight.storage::<f32>().as_ptr(), dims);
    let out = match bias {
        Some(bias) => {
            let b = bias.storage::<f32>();
            let mut out: Vec<f32> = Vec::with_capacity(rows * d_out);
            out.spare_capacity_mut()[..rows * d_out]
                .par_chunks_mut(d_out * BIAS_ROWS)
                .for_each(|block| {
                    for row in block.chunks_mut(d_out) {
                        row.iter_mut().zip(b).for_each(|(o, &v)| {
                            o.write(v);
                        });
                    }
                });
            // SAFETY: every row was just set to the bias (the chunks tile the whole length).
            unsafe { out.set_len(rows * d_out) };
            // SAFETY: `out` holds `rows × d_out` elements, `x` `rows × d_in`, the weight
            // `d_in × d_out` as viewed.
            unsafe { product(rows, d_out, d_in, out.as_mut_ptr(), lhs, rhs, true) };
            out
        }
        // SAFETY: as above; without accumulation gemm writes every element of `dst`.
        None => unsafe {
            filled(rows * d_out, |dst| {
                product(rows, d_out, d_in, dst, lhs, rhs, false)
            })
        },
    };
    FlexTensor::from_data(TensorData::new(out, shape))
}

/// What the backward pass reads: the input and the weight, as the forward pass saw them.
#[derive(Debug, Clone)]
struct State {
    x: FlexTensor,
    weight: FlexTensor,
    layout: WeightLayout,
}

impl State {
    /// `d x = dout · Wᵀ`, shaped like `x`.
    fn dx(&self, dout: &[f32]) -> FlexTensor {
        let dims = self.weight.layout().shape().dims::<2>();
        let (d_in, d_out) = self.layout.widths(dims);
        let rows = dout.len() / d_out.max(1);
        let lhs = Mat::rows(dout.as_ptr(), d_out);
        let rhs = self
            .layout
            .as_in_out(self.weight.storage::<f32>().as_ptr(), dims)
            .t();
        // SAFETY: `dout` is `rows × d_out`, the weight's transpose `d_out × d_in`, the new
        // buffer `rows × d_in`, written whole.
        let dx = unsafe {
            filled(rows * d_in, |dst| {
                product(rows, d_in, d_out, dst, lhs, rhs, false)
            })
        };
        FlexTensor::from_data(TensorData::new(dx, self.x.layout().shape().clone()))
    }

    /// `d W = xᵀ · dout` in `[in, out]`, or its transpose for an `[out, in]` weight, so that it
    /// has the weight's own layout.
    ///
    /// gemm runs `doutᵀ · x` (its left operand column-major) at about half the speed of
    /// `xᵀ · dout`, and a transposed destination makes it choose the former, so the `[out, in]`
    /// case computes `xᵀ · dout` and transposes that: for the tied output head (`[vocab,
    /// hidden]`) the product is the larger cost by far.
    fn dweight(&self, dout: &[f32]) -> FlexTensor {
        let shape = self.weight.layout().shape().clone();
        let dims = shape.dims::<2>();
        let (d_in, d_out) = self.layout.widths(dims);
        let xs = self.x.storage::<f32>();
        let rows = xs.len() / d_in.max(1);
        let x = Mat::rows(xs.as_ptr(), d_in);
        let g = Mat::rows(dout.as_ptr(), d_out);
        // SAFETY: `x` is `rows × d_in` and `dout` `rows × d_out`; the new buffer holds
        // `d_in × d_out` elements, written whole.
        let in_out = unsafe {
            filled(d_in * d_out, |dst| {
                product(d_in, d_out, rows, dst, x.t(), g, false)
            })
        };
        let dw = match self.layout {
            WeightLayout::InOut => in_out,
            WeightLayout::OutIn => transpose(&in_out, d_in, d_out),
        };
        FlexTensor::from_data(TensorData::new(dw, shape))
    }
}

/// Output rows per task of [`transpose`].
const TRANSPOSE_ROWS: usize = 64;

/// The `cols × rows` transpose of a row-major `rows × cols` matrix, in parallel bands of output
/// rows.
fn transpose(m: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut out = uninit(rows * cols);
    out.par_chunks_mut(TRANSPOSE_ROWS * rows)
        .enumerate()
        .for_each(|(band, block)| {
            let first = band * TRANSPOSE_ROWS;
            let width = block.len() / rows.max(1);
            for r in 0..rows {
                let source = &m[r * cols + first..][..width];
                for (c, &v) in source.iter().enumerate() {
                    block[c * rows + r].write(v);
                }
            }
        });
    // SAFETY: each band of output rows `first..first + width` was written whole: element
    // `(c, r)` for every `c` in the band and every `r`.
    unsafe { written(out) }
}

/// `d b`: the column sums of `dout` (`[rows, out]`), over fixed blocks of rows and then over the
/// blocks in order.
fn dbias(dout: &[f32], d_out: usize) -> FlexTensor {
    let partial: Vec<Vec<f32>> = dout
        .par_chunks(d_out * BIAS_ROWS)
        .map(|block| {
            let mut sum = vec![0.0f32; d_out];
            for row in block.chunks(d_out) {
                sum.iter_mut().zip(row).for_each(|(s, v)| *s += v);
            }
            sum
        })
        .collect();
    let mut total = vec![0.0f32; d_out];
    for block in &partial {
        total.iter_mut().zip(block).for_each(|(t, v)| *t += v);
    }
    FlexTensor::from_data(TensorData::new(total, [d_out]))
}

/// Registers the gradients the parents want: `[x, weight]`, then the bias when there is one.
fn backward_into<const N: usize>(ops: Ops<State, N>, grads: &mut Gradients) {
    let dout = contiguous(&grads.consume::<Flex>(&ops.node));
    let dout = dout.storage::<f32>();
    let state = &ops.state;
    let [x, w] = [&ops.parents[0], &ops.parents[1]];
    if let Some(node) = x {
        grads.register::<Flex>(node.id, state.dx(dout));
    }
    if let Some(node) = w {
        grads.register::<Flex>(node.id, state.dweight(dout));
    }
    if let Some(Some(node)) = ops.parents.get(2) {
        let d_out = state
            .layout
            .widths(state.weight.layout().shape().dims::<2>())
            .1;
        grads.register::<Flex>(node.id, dbias(dout, d_out));
    }
}

#[derive(Debug)]
struct LinearBackward;

impl Backward<Flex, 2> for LinearBackward {
    type State = State;

    fn backward(self, ops: Ops<State, 2>, grads: &mut Gradients, _: &mut Checkpointer) {
        backward_into(ops, grads);
    }
}

#[derive(Debug)]
struct BiasedLinearBackward;

impl Backward<Flex, 3> for BiasedLinearBackward {
    type State = State;

    fn backward(self, ops: Ops<State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        backward_into(ops, grads);
    }
}

#[cfg(test)]
mod tests {
    use burn::backend::{Autodiff, Flex};
    use burn::tensor::{Distribution, Tensor, TensorData};

    use super::{WeightLayout, composed_linear, linear};
    use crate::fused::test_support::{assert_close, values};

    type Ad = Autodiff<Flex>;

    /// Outputs and the gradients of input, weight and bias, fused or composed.
    fn run(
        fused: bool,
        layout: WeightLayout,
        with_bias: bool,
        inputs: &(Vec<f32>, Vec<f32>, Vec<f32>),
        dims: ([usize; 3], [usize; 2]),
    ) -> Vec<Vec<f32>> {
        let device = Default::default();
        let (xd, wd) = dims;
        let d_out = match layout {
            WeightLayout::InOut => wd[1],
            WeightLayout::OutIn => wd[0],
        };
        let x = Tensor::<Ad, 3>::from_data(TensorData::new(inputs.0.clone(), xd), &device)
            .require_grad();
        let w = Tensor::<Ad, 2>::from_data(TensorData::new(inputs.1.clone(), wd), &device)
            .require_grad();
        let b = Tensor::<Ad, 1>::from_data(
            TensorData::new(inputs.2[..d_out].to_vec(), [d_out]),
            &device,
        )
        .require_grad();
        let bias = with_bias.then(|| b.clone());
        let out = if fused {
            linear(x.clone(), w.clone(), bias, layout)
        } else {
            composed_linear(x.clone(), w.clone(), bias, layout)
        };
        let grads = (out.clone() * out.clone()).sum().backward();
        let mut all = vec![
            values(out.inner()),
            values(x.grad(&grads).unwrap()),
            values(w.grad(&grads).unwrap()),
        ];
        if with_bias {
            all.push(values(b.grad(&grads).unwrap()));
        }
        all
    }

    fn random(n: usize) -> Vec<f32> {
        values(Tensor::<Flex, 1>::random(
            [n],
            Distribution::Normal(0.0, 1.0),
            &Default::default(),
        ))
    }

    #[test]
    fn fused_linear_equals_the_composed_one_in_both_layouts() {
        // Large enough that gemm splits the products between threads, and the bias sum runs
        // over several row blocks.
        // More than one band of transposed rows for the `[out, in]` weight's gradient.
        let (xd, wd) = ([3, 70, 48], [48, 150]);
        let inputs = (random(3 * 70 * 48), random(48 * 150), random(150));
        for (layout, wd) in [(WeightLayout::InOut, wd), (WeightLayout::OutIn, [150, 48])] {
            for with_bias in [true, false] {
                let fused = run(true, layout, with_bias, &inputs, (xd, wd));
                let reference = run(false, layout, with_bias, &inputs, (xd, wd));
                for (i, (f, r)) in fused.iter().zip(&reference).enumerate() {
                    assert_close(&format!("{layout:?} bias {with_bias} #{i}"), f, r, 1e-5);
                }
            }
        }
    }

    #[test]
    fn the_plain_forward_equals_the_tracked_one() {
        let device = Default::default();
        let (x, w, b) = (random(5 * 7 * 12), random(12 * 9), random(9));
        let plain = linear(
            Tensor::<Flex, 3>::from_data(TensorData::new(x.clone(), [5, 7, 12]), &device),
            Tensor::<Flex, 2>::from_data(TensorData::new(w.clone(), [12, 9]), &device),
            Some(Tensor::<Flex, 1>::from_data(
                TensorData::new(b.clone(), [9]),
                &device,
            )),
            WeightLayout::InOut,
        );
        let tracked = run(
            true,
            WeightLayout::InOut,
            true,
            &(x, w, b),
            ([5, 7, 12], [12, 9]),
        );
        assert_eq!(values(plain), tracked[0]);
    }

    #[test]
    fn mismatched_widths_fall_back_to_the_composed_form() {
        let device = Default::default();
        let x = Tensor::<Flex, 2>::ones([2, 3], &device);
        let w = Tensor::<Flex, 2>::ones([4, 5], &device);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            linear(x, w, None, WeightLayout::InOut)
        }));
        assert!(result.is_err(), "burn's own matmul reports the mismatch");
    }
}
