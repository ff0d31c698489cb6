//! The weighted, masked next-token cross-entropy every objective trains with.

use burn::tensor::activation::log_softmax;
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor, TensorData};

use crate::batch::Batch;

/// `Σ_t weight_t · (-log p(target_t))` over a `[rows, seq, vocab]` logits tensor.
///
/// Positions with weight zero (prompt and padding) are multiplied out, so they contribute
/// nothing to the loss or its gradient; the batch builder makes the weights of a batch sum to
/// one, which turns the sum into the objective's weighted mean.
pub fn weighted_cross_entropy<B: Backend>(
    logits: Tensor<B, 3>,
    targets: Tensor<B, 2, Int>,
    weights: Tensor<B, 2>,
) -> Tensor<B, 1> {
    let log_probs = log_softmax(logits, 2);
    let picked: Tensor<B, 2> = log_probs.gather(2, targets.unsqueeze_dim(2)).squeeze_dim(2);
    (picked.neg() * weights).sum()
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
