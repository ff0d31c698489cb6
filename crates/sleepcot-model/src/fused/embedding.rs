//! The token embedding lookup, fused.
//!
//! burn's CPU backend gathers the rows in one single-threaded pass and, backward, zero-fills a
//! whole `[vocab, hidden]` gradient (a byte vector copied into an aligned one) before
//! scatter-adding the rows into it, single-threaded too. Here the gather runs in parallel, and
//! the backward pass splits the table into fixed bands of rows: each task zero-fills its band
//! and adds the gradient rows of the tokens that fall in it, in token order, so the sums do not
//! depend on the thread count.

use std::mem::MaybeUninit;

use burn::backend::Flex;
use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops};
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor, TensorData};
use burn_flex::FlexTensor;
use rayon::prelude::*;

use super::route::{
    CpuRoute, buffer, contiguous, record, retype, tracked_input, uninit, wrap, written,
};

/// Table rows per task of the backward pass.
const BAND: usize = 256;

/// Tokens per task of the forward gather.
const TOKENS: usize = 64;

/// The rows of `weight` (`[vocab, hidden]`) picked by `ids` (`[batch, seq]`), as
/// `[batch, seq, hidden]`: fused on the CPU backend for an f32 table, [`composed_embedding`]
/// elsewhere (and for an id outside the table, which burn reports).
pub fn embedding<B: Backend>(weight: Tensor<B, 2>, ids: Tensor<B, 2, Int>) -> Tensor<B, 3> {
    if CpuRoute::of::<B>(&[weight.dtype()]) == CpuRoute::Composed {
        return composed_embedding(weight, ids);
    }
    let [batch, seq] = ids.dims();
    let vocab = weight.dims()[0];
    let rows: Option<Vec<usize>> = ids
        .clone()
        .into_data()
        .convert::<i64>()
        .to_vec::<i64>()
        .ok()
        .and_then(|v| {
            v.into_iter()
                .map(|id| usize::try_from(id).ok().filter(|&r| r < vocab))
                .collect()
        });
    let hidden = weight.dims()[1];
    let (Some(rows), true) = (rows, batch * seq > 0 && hidden > 0) else {
        return composed_embedding(weight, ids);
    };
    match CpuRoute::of::<B>(&[weight.dtype()]) {
        CpuRoute::Plain => {
            let table = buffer(retype::<B, Flex, 2>(weight));
            retype::<Flex, B, 3>(wrap(gather(&table, &rows, [batch, seq])))
        }
        _ => {
            let (w, table) = tracked_input(retype::<B, Autodiff<Flex>, 2>(weight));
            let out = gather(&table, &rows, [batch, seq]);
            let state = State {
                rows,
                vocab,
                hidden,
            };
            retype::<Autodiff<Flex>, B, 3>(record(EmbeddingBackward, [&w], state, out))
        }
    }
}

/// [`embedding`] from tensor operations (burn's own).
pub fn composed_embedding<B: Backend>(
    weight: Tensor<B, 2>,
    ids: Tensor<B, 2, Int>,
) -> Tensor<B, 3> {
    burn::tensor::module::embedding(weight, ids)
}

/// The picked rows, `[batch, seq, hidden]`.
fn gather(table: &FlexTensor, rows: &[usize], [batch, seq]: [usize; 2]) -> FlexTensor {
    let hidden = table.layout().shape().dims::<2>()[1];
    let values = table.storage::<f32>();
    let mut out = uninit(rows.len() * hidden);
    out.par_chunks_mut(TOKENS * hidden.max(1))
        .enumerate()
        .for_each(|(task, block)| {
            for (i, row) in block.chunks_exact_mut(hidden).enumerate() {
                let r = rows[task * TOKENS + i];
                for (o, &v) in row.iter_mut().zip(&values[r * hidden..(r + 1) * hidden]) {
                    o.write(v);
                }
            }
        });
    // SAFETY: each token's row of `hidden` elements was written, and the rows tile the buffer.
    let out = unsafe { written(out) };
    FlexTensor::from_data(TensorData::new(out, [batch, seq, hidden]))
}

/// What the backward pass needs: the table row of each token and the table's shape.
#[derive(Debug, Clone)]
struct State {
    rows: Vec<usize>,
    vocab: usize,
    hidden: usize,
}

impl State {
    /// `d weight`: the sum, per table row, of the output gradients of the tokens that picked it.
    fn dweight(&self, dout: &[f32]) -> FlexTensor {
        let hidden = self.hidden;
        let mut dw = uninit(self.vocab * hidden);
        dw.par_chunks_mut(BAND * hidden.max(1))
            .enumerate()
            .for_each(|(band, block)| {
                block.iter_mut().for_each(|d| {
                    d.write(0.0);
                });
                let first = band * BAND;
                // SAFETY: every element of the band was just set to zero.
                let block = unsafe { &mut *(block as *mut [MaybeUninit<f32>] as *mut [f32]) };
                for (t, &r) in self.rows.iter().enumerate() {
                    if (first..first + BAND).contains(&r) {
                        let target = &mut block[(r - first) * hidden..][..hidden];
                        let source = &dout[t * hidden..][..hidden];
                        target.iter_mut().zip(source).for_each(|(d, &g)| *d += g);
                    }
                }
            });
        // SAFETY: every band was zero-filled whole before the sums went in.
        let dw = unsafe { written(dw) };
        FlexTensor::from_data(TensorData::new(dw, [self.vocab, hidden]))
    }
}

#[derive(Debug)]
struct EmbeddingBackward;

impl Backward<Flex, 1> for EmbeddingBackward {
    type State = State;

    fn backward(self, ops: Ops<State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let dout = contiguous(&grads.consume::<Flex>(&ops.node));
        if let [Some(node)] = &ops.parents {
            grads.register::<Flex>(node.id, ops.state.dweight(dout.storage::<f32>()));
        }
    }
}

#[cfg(test)]
mod tests {
    use burn::backend::{Autodiff, Flex};
    use burn::tensor::{Distribution, Int, Tensor, TensorData};

    use super::{composed_embedding, embedding};
    use crate::fused::test_support::values;

    #[test]
    fn fused_embedding_gives_the_composed_bits_forward_and_backward() {
        type Ad = Autodiff<Flex>;
        let device = Default::default();
        // A table taller than one band, and repeated tokens whose gradients add up.
        let (vocab, hidden, batch, seq) = (600, 24, 3, 50);
        let table = values(Tensor::<Flex, 2>::random(
            [vocab, hidden],
            Distribution::Normal(0.0, 1.0),
            &device,
        ));
        let ids: Vec<i64> = (0..batch * seq).map(|i| ((i * 37) % 530) as i64).collect();
        let run = |fused: bool| {
            let w = Tensor::<Ad, 2>::from_data(
                TensorData::new(table.clone(), [vocab, hidden]),
                &device,
            )
            .require_grad();
            let ids = Tensor::<Ad, 2, Int>::from_data(
                TensorData::new(ids.clone(), [batch, seq]),
                &device,
            );
            let out = if fused {
                embedding(w.clone(), ids)
            } else {
                composed_embedding(w.clone(), ids)
            };
            let grads = (out.clone() * out.clone()).sum().backward();
            (values(out.inner()), values(w.grad(&grads).unwrap()))
        };
        assert_eq!(run(true), run(false));
    }

    #[test]
    fn an_id_outside_the_table_is_left_to_burn() {
        let device = Default::default();
        let w = Tensor::<Flex, 2>::ones([4, 3], &device);
        let ids =
            Tensor::<Flex, 2, Int>::from_data(TensorData::new(vec![1i64, 9], [1, 2]), &device);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| embedding(w, ids)));
        assert!(result.is_err(), "burn's own lookup reports the bad id");
    }
}
