//! Data parallelism: the micro-batches of one optimiser step spread over several devices.
//!
//! Micro-batch `j` of a step runs on device `j % devices`, each device holding its own replica
//! of the model (`fork`ed from the main one, as burn's multi-device learner does). One host
//! thread builds every micro-batch's forward graph and runs its backward pass; the GPU
//! backends execute those kernels asynchronously, each device on its own queue, so the
//! devices compute concurrently while the host moves on, and nothing waits for a result until
//! the loss values are read at the end. The gradients come back to the main device and are
//! summed in micro-batch order, so a step on N devices computes what gradient accumulation
//! over the same micro-batches computes on one; each micro-batch re-seeds the backend from
//! `(step seed, j)`, so dropout does not depend on the device count either.
//!
//! The launch is deliberately single-threaded. A backend's random generator is process-wide
//! (burn's CPU backend keeps one seeded generator for the whole process), so dropout masks are
//! reproducible only when seeds and draws happen in a fixed order; one launching thread gives
//! that order without locks, and the asynchronous GPU queues still overlap the devices' work.

use burn::module::Module;
use burn::optim::GradientsParams;
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::cast::ToElement;
use sleepcot_model::Qwen2ForCausalLM;
use sleepcot_model::model::mix_seed;

use crate::batch::Batch;
use crate::error::Result;
use crate::loss::batch_loss;

/// The loss value and gradients of one micro-batch, its loss divided by the number of
/// micro-batches of the step.
pub struct MicroStep {
    /// The divided loss.
    pub value: f64,
    /// The gradients of the trainable parameters, on the main device.
    pub grads: GradientsParams,
}

/// Forward and backward passes of `batches` (one optimiser step's micro-batches) on `devices`
/// (the first is the main device, where `model` lives); returns one [`MicroStep`] per batch, in
/// order. `step_seed` seeds the dropout of micro-batch `j` as `mix_seed(step_seed, j)`.
pub fn micro_steps<B: AutodiffBackend>(
    model: &Qwen2ForCausalLM<B>,
    batches: &[Batch],
    devices: &[B::Device],
    step_seed: u64,
) -> Result<Vec<MicroStep>> {
    let Some(main) = devices.first() else {
        return Ok(Vec::new());
    };
    let replicas: Vec<Qwen2ForCausalLM<B>> = devices[1..]
        .iter()
        .map(|device| model.clone().fork(device))
        .collect();
    let split = batches.len() as f64;
    let mut launched = Vec::with_capacity(batches.len());
    for (j, batch) in batches.iter().enumerate() {
        let slot = j % devices.len();
        let (replica, device) = match slot {
            0 => (model, main),
            _ => (&replicas[slot - 1], &devices[slot]),
        };
        B::seed(device, mix_seed(step_seed, j as u64));
        let loss = batch_loss(replica, batch, device)?.div_scalar(split);
        let value = loss.clone().inner();
        let grads = GradientsParams::from_grads(loss.backward(), replica);
        launched.push((value, grads, slot));
    }
    Ok(launched
        .into_iter()
        .map(|(value, grads, slot)| MicroStep {
            value: value.into_scalar().to_f64(),
            grads: if slot == 0 {
                grads
            } else {
                grads.to_device(main, model)
            },
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use burn::backend::{Autodiff, Flex};
    use burn::tensor::DType;
    use sleepcot_model::lora::{LoraConfig, apply_lora};
    use sleepcot_model::{Qwen2Config, Qwen2ForCausalLM};

    use super::micro_steps;
    use crate::batch::{Example, collate};

    type B = Autodiff<Flex>;

    fn model() -> Qwen2ForCausalLM<B> {
        let config = Qwen2Config {
            vocab_size: 64,
            hidden_size: 32,
            intermediate_size: 48,
            num_hidden_layers: 2,
            num_attention_heads: 4,
            num_key_value_heads: 2,
            head_dim: 8,
            max_position_embeddings: 64,
            rope_theta: 10_000.0,
            rms_norm_eps: 1e-6,
            tie_word_embeddings: true,
            bos_token_id: None,
            eos_token_ids: Vec::new(),
        };
        let mut model = Qwen2ForCausalLM::random(&config, 1, DType::F32, &Default::default());
        apply_lora(&mut model, &LoraConfig::all_projections(4, 8.0, 0.3), 2).unwrap();
        crate::params::stabilise_ids(model)
    }

    /// The gradients of `B` (which see the dropout masks: `dL/dB = (dropout(x)·A)ᵀ·dL/dy`) are
    /// bit-identical whether the two micro-batches run on one device or one per replica.
    #[test]
    fn replicas_give_the_gradients_of_one_device() {
        let _rng = crate::test_rng::lock();
        let model = model();
        let examples: Vec<Example> = (0..4u32)
            .map(|r| Example {
                ids: (0..12).map(|t| (t * 5 + r * 3) % 64).collect(),
                supervised: vec![true; 12],
                part: 0,
            })
            .collect();
        let batches: Vec<_> = examples
            .chunks(2)
            .map(|pair| collate(&pair.iter().collect::<Vec<_>>(), &[1.0], 0))
            .collect();
        let device = Default::default();
        let one = micro_steps(&model, &batches, &[device], 5).unwrap();
        let two = micro_steps(&model, &batches, &[device, device], 5).unwrap();
        for (j, (a, b)) in one.iter().zip(&two).enumerate() {
            assert_eq!(a.value, b.value, "micro-batch {j}");
        }
        let adapter = model.model.layers[0]
            .self_attn
            .q_proj
            .adapter
            .as_ref()
            .unwrap();
        for (j, (a, b)) in one.iter().zip(&two).enumerate() {
            let ga: Vec<f32> = a
                .grads
                .get::<Flex, 2>(adapter.b.id)
                .unwrap()
                .into_data()
                .to_vec()
                .unwrap();
            let gb: Vec<f32> = b
                .grads
                .get::<Flex, 2>(adapter.b.id)
                .unwrap()
                .into_data()
                .to_vec()
                .unwrap();
            assert_eq!(ga, gb, "micro-batch {j}: gradient of B");
        }
    }
}
