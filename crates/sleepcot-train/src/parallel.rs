//! Data parallelism: the micro-batches of one optimiser step spread over several devices.
//!
//! Micro-batch `j` of a step runs on device `j % devices`. Each extra device holds a replica of
//! the model, `fork`ed once per stage; after every optimiser step only the trainable
//! parameters are copied to the replicas (the adapters of a LoRA student, not its frozen
//! base). One host thread launches a round of micro-batches, one per device, and only then
//! reads their losses and moves their gradients to the main device: the GPU backends execute
//! kernels asynchronously, each device on its own queue, so the devices compute concurrently
//! while the host moves on, and at most one gradient set per device is alive at a time. The
//! gradients are summed in micro-batch order, so a step on N devices computes what gradient
//! accumulation over the same micro-batches computes on one; each micro-batch re-seeds the
//! backend from `(step seed, j)`, so dropout does not depend on the device count either.
//!
//! The launch is deliberately single-threaded. A backend's random generator is process-wide
//! (burn's CPU backend keeps one seeded generator for the whole process), so dropout masks are
//! reproducible only when seeds and draws happen in a fixed order; one launching thread gives
//! that order without locks, and the asynchronous GPU queues still overlap the devices' work.

use std::collections::HashMap;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::cast::ToElement;
use burn::tensor::ops::FloatTensor;
use burn::tensor::{Tensor, TensorPrimitive};
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

/// The devices a stage trains on and the model replicas of all but the first.
pub struct DataParallel<B: AutodiffBackend> {
    devices: Vec<B::Device>,
    replicas: Vec<Qwen2ForCausalLM<B>>,
}

impl<B: AutodiffBackend> DataParallel<B> {
    /// Replicas of `model` (which lives on `devices[0]`) on every other device.
    pub fn new(model: &Qwen2ForCausalLM<B>, devices: &[B::Device]) -> Self {
        let replicas = devices
            .iter()
            .skip(1)
            .map(|device| model.clone().fork(device))
            .collect();
        Self {
            devices: devices.to_vec(),
            replicas,
        }
    }

    /// Copies the trainable parameters of `model` into every replica, after an optimiser step.
    pub fn sync(&mut self, model: &Qwen2ForCausalLM<B>) {
        if self.replicas.is_empty() {
            return;
        }
        let mut trainable = Trainable::<B>::default();
        model.visit(&mut trainable);
        for (replica, device) in self.replicas.iter_mut().zip(&self.devices[1..]) {
            *replica = replica.clone().map(&mut Refresh {
                values: &trainable.values,
                device,
            });
        }
    }

    /// Forward and backward passes of `batches` (one optimiser step's micro-batches, `model`
    /// being the main device's copy); hands each micro-batch's [`MicroStep`] to `each`, in
    /// order. `step_seed` seeds the dropout of micro-batch `j` as `mix_seed(step_seed, j)`.
    pub fn run(
        &self,
        model: &Qwen2ForCausalLM<B>,
        batches: &[Batch],
        step_seed: u64,
        mut each: impl FnMut(usize, MicroStep) -> Result<()>,
    ) -> Result<()> {
        let main = &self.devices[0];
        let split = batches.len() as f64;
        let mut launched = Vec::with_capacity(self.devices.len());
        for round in (0..batches.len()).step_by(self.devices.len()) {
            let end = (round + self.devices.len()).min(batches.len());
            for (j, batch) in batches.iter().enumerate().take(end).skip(round) {
                let slot = j - round;
                let (replica, device) = match slot {
                    0 => (model, main),
                    _ => (&self.replicas[slot - 1], &self.devices[slot]),
                };
                B::seed(device, mix_seed(step_seed, j as u64));
                let loss = batch_loss(replica, batch, device)?.div_scalar(split);
                let value = loss.clone().inner();
                let grads = GradientsParams::from_grads(loss.backward(), replica);
                launched.push((j, value, grads, slot));
            }
            for (j, value, grads, slot) in launched.drain(..) {
                let grads = match slot {
                    0 => grads,
                    _ => grads.to_device(main, model),
                };
                let value = value.into_scalar().to_f64();
                each(j, MicroStep { value, grads })?;
            }
        }
        Ok(())
    }
}

/// Collects the trainable (gradient-requiring) float parameters of a module by id.
struct Trainable<B: AutodiffBackend> {
    values: HashMap<ParamId, FloatTensor<B>>,
}

impl<B: AutodiffBackend> Default for Trainable<B> {
    fn default() -> Self {
        Self {
            values: HashMap::new(),
        }
    }
}

impl<B: AutodiffBackend> ModuleVisitor<B> for Trainable<B> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        let value = param.val();
        if value.is_require_grad() {
            self.values
                .insert(param.id, value.detach().into_primitive().tensor());
        }
    }
}

/// Replaces the parameters whose ids it holds with those values, on `device`, as fresh
/// gradient-requiring leaves.
struct Refresh<'a, B: AutodiffBackend> {
    values: &'a HashMap<ParamId, FloatTensor<B>>,
    device: &'a B::Device,
}

impl<B: AutodiffBackend> ModuleMapper<B> for Refresh<'_, B> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
        match self.values.get(&param.id) {
            Some(value) => {
                let fresh = Tensor::<B, D>::from_primitive(TensorPrimitive::Float(value.clone()))
                    .to_device(self.device)
                    .detach()
                    .require_grad();
                param.map(|_| fresh)
            }
            None => param,
        }
    }
}

#[cfg(test)]
mod tests {
    use burn::backend::{Autodiff, Flex};
    use burn::tensor::DType;
    use sleepcot_model::lora::{LoraConfig, apply_lora};
    use sleepcot_model::{Qwen2Config, Qwen2ForCausalLM};

    use super::{DataParallel, MicroStep};
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
        let collect = |devices: &[_]| {
            let mut steps: Vec<MicroStep> = Vec::new();
            DataParallel::new(&model, devices)
                .run(&model, &batches, 5, |j, step| {
                    assert_eq!(j, steps.len(), "micro-batches come back in order");
                    steps.push(step);
                    Ok(())
                })
                .unwrap();
            steps
        };
        let one = collect(&[device]);
        let two = collect(&[device, device]);
        assert_eq!(one.len(), 2);
        for (j, (a, b)) in one.iter().zip(&two).enumerate() {
            assert_eq!(a.value, b.value, "micro-batch {j}");
        }
        let adapter = model.model.layers[0]
            .self_attn
            .q_proj
            .adapter
            .as_ref()
            .unwrap();
        let grad_of_b = |step: &MicroStep| -> Vec<f32> {
            let grad = step.grads.get::<Flex, 2>(adapter.b.id).unwrap();
            grad.into_data().to_vec().unwrap()
        };
        for (j, (a, b)) in one.iter().zip(&two).enumerate() {
            assert_eq!(grad_of_b(a), grad_of_b(b), "micro-batch {j}: gradient of B");
        }
    }
}
