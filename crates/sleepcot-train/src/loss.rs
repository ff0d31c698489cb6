//! The weighted, masked next-token cross-entropy every objective trains with.

use burn::tensor::backend::Backend;
use burn::tensor::{DType, Int, Tensor, TensorData};
use sleepcot_model::cast::to_dtype;

use sleepcot_model::Qwen2ForCausalLM;

use crate::batch::Batch;
use crate::error::Result;

/// `Σ_t weight_t · (-log p(target_t))` over a `[rows, seq, vocab]` logits tensor.
///
/// Positions with weight zero (prompt and padding) are multiplied out, so they contribute
/// nothing to the loss or its gradient; the batch builder makes the weights of a batch sum to
/// one, which turns the sum into the objective's weighted mean.
///
/// `-log p(t) = logsumexp(x) - x_t`: only the log-sum-exp needs the whole vocabulary, so no
/// `[tokens, vocab]` log-probability tensor is built (the vocabulary-wide work is one shifted
/// `exp` and its sum, with the row maximum as the shift for stability), and the rows are
/// flattened so the backend sees 2-D row-wise work. Logits of a bf16 or f16 model are cast to
/// f32 first, so the loss is always an f32 sum.
pub fn weighted_cross_entropy<B: Backend>(
    logits: Tensor<B, 3>,
    targets: Tensor<B, 2, Int>,
    weights: Tensor<B, 2>,
) -> Tensor<B, 1> {
    let [rows, seq, vocab] = logits.dims();
    let x = to_dtype(logits, DType::F32).reshape([rows * seq, vocab]);
    let shift = x.clone().max_dim(1).detach();
    let log_sum_exp = (x.clone() - shift.clone()).exp().sum_dim(1).log() + shift;
    let picked = x.gather(1, targets.reshape([rows * seq, 1]));
    ((log_sum_exp - picked).reshape([rows, seq]) * weights).sum()
}

/// The weighted cross-entropy of `batch` under `model`, with the LM head applied only at the
/// positions whose weight is non-zero.
///
/// Prompt and padding positions carry weight zero, so their logits could only be multiplied
/// out; skipping them saves the `[tokens, vocab]` projection and softmax work for most of a
/// CoT record, whose prompt (the report) is its longest part. The value equals
/// [`weighted_cross_entropy`] over the full logits up to summation order.
pub fn batch_loss<B: Backend>(
    model: &Qwen2ForCausalLM<B>,
    batch: &Batch,
    device: &B::Device,
) -> Result<Tensor<B, 1>> {
    let kept: Vec<usize> = (0..batch.weights.len())
        .filter(|&i| batch.weights[i] != 0.0)
        .collect();
    let ids = id_tensor::<B>(&batch.inputs, [batch.rows, batch.seq], device);
    if kept.is_empty() || kept.len() == batch.weights.len() {
        let logits = model.forward(ids)?;
        let [rows, seq, vocab] = logits.dims();
        return Ok(token_cross_entropy(
            logits.reshape([rows * seq, vocab]),
            &batch.targets,
            &batch.weights,
            device,
        ));
    }
    let hidden = model.forward_hidden(ids)?;
    let [rows, seq, width] = hidden.dims();
    let positions = Tensor::<B, 1, Int>::from_data(
        TensorData::new(kept.iter().map(|&i| i as i64).collect(), [kept.len()]),
        device,
    );
    let hidden = hidden
        .reshape([rows * seq, width])
        .select(0, positions)
        .unsqueeze_dim::<3>(0);
    let logits = model.logits(hidden);
    let vocab = logits.dims()[2];
    let targets: Vec<u32> = kept.iter().map(|&i| batch.targets[i]).collect();
    let weights: Vec<f32> = kept.iter().map(|&i| batch.weights[i]).collect();
    Ok(token_cross_entropy(
        logits.reshape([kept.len(), vocab]),
        &targets,
        &weights,
        device,
    ))
}

/// `Σ_t weights[t] · (-log p(targets[t]))` over `[tokens, vocab]` logits: the fused CPU kernel
/// of [`crate::cpu_cross_entropy`] on the CPU backend, [`weighted_cross_entropy`] elsewhere.
pub fn token_cross_entropy<B: Backend>(
    logits: Tensor<B, 2>,
    targets: &[u32],
    weights: &[f32],
    device: &B::Device,
) -> Tensor<B, 1> {
    match crate::cpu_cross_entropy::try_fused(to_dtype(logits, DType::F32), targets, weights) {
        Ok(loss) => loss,
        Err(logits) => {
            let shape = [1, targets.len()];
            weighted_cross_entropy(
                logits.unsqueeze_dim(0),
                id_tensor(targets, shape, device),
                Tensor::from_data(TensorData::new(weights.to_vec(), shape), device),
            )
        }
    }
}

/// The tensors of a batch on `device`: input ids, targets and weights.
pub fn batch_tensors<B: Backend>(
    batch: &Batch,
    device: &B::Device,
) -> (Tensor<B, 2, Int>, Tensor<B, 2, Int>, Tensor<B, 2>) {
    let shape = [batch.rows, batch.seq];
    let weights = Tensor::from_data(TensorData::new(batch.weights.clone(), shape), device);
    (
        id_tensor(&batch.inputs, shape, device),
        id_tensor(&batch.targets, shape, device),
        weights,
    )
}

/// Token ids as an integer tensor of `shape` (row-major).
fn id_tensor<B: Backend>(ids: &[u32], shape: [usize; 2], device: &B::Device) -> Tensor<B, 2, Int> {
    let values: Vec<i64> = ids.iter().map(|&t| i64::from(t)).collect();
    Tensor::from_data(TensorData::new(values, shape), device)
}
