//! The weighted, masked next-token cross-entropy every objective trains with.

use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor, TensorData};

use crate::batch::Batch;

/// `Σ_t weight_t · (-log p(target_t))` over a `[rows, seq, vocab]` logits tensor.
///
/// Positions with weight zero (prompt and padding) are multiplied out, so they contribute
/// nothing to the loss or its gradient; the batch builder makes the weights of a batch sum to
/// one, which turns the sum into the objective's weighted mean.
///
/// `-log p(t) = logsumexp(x) - x_t`: only the log-sum-exp needs the whole vocabulary, so no
/// `[tokens, vocab]` log-probability tensor is built (the vocabulary-wide work is one shifted
/// `exp` and its sum, with the row maximum as the shift for stability), and the rows are
/// flattened so the backend sees 2-D row-wise work.
pub fn weighted_cross_entropy<B: Backend>(
    logits: Tensor<B, 3>,
    targets: Tensor<B, 2, Int>,
    weights: Tensor<B, 2>,
) -> Tensor<B, 1> {
    let [rows, seq, vocab] = logits.dims();
    let x = logits.reshape([rows * seq, vocab]);
    let shift = x.clone().max_dim(1).detach();
    let log_sum_exp = (x.clone() - shift.clone()).exp().sum_dim(1).log() + shift;
    let picked = x.gather(1, targets.reshape([rows * seq, 1]));
    ((log_sum_exp - picked).reshape([rows, seq]) * weights).sum()
}

/// The tensors of a batch on `device`: input ids, targets and weights.
pub fn batch_tensors<B: Backend>(
    batch: &Batch,
    device: &B::Device,
) -> (Tensor<B, 2, Int>, Tensor<B, 2, Int>, Tensor<B, 2>) {
    let shape = [batch.rows, batch.seq];
    let ids = |v: &[u32]| {
        let values: Vec<i64> = v.iter().map(|&t| i64::from(t)).collect();
        Tensor::from_data(TensorData::new(values, shape), device)
    };
    let weights = Tensor::from_data(TensorData::new(batch.weights.clone(), shape), device);
    (ids(&batch.inputs), ids(&batch.targets), weights)
}
