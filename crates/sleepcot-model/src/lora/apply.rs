//! Model-wide LoRA operations: attach adapters, merge them into the base weights, or remove them.

use burn::module::Module;
use burn::tensor::backend::Backend;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::config::LoraConfig;
use super::error::LoraError;
use super::linear::LoraAdapter;
use super::targets::LoraTargets;
use crate::model::mix_seed;

/// Freezes every parameter of `model` and attaches a fresh PEFT-initialised adapter to each
/// projection that `config` targets; returns how many projections were adapted.
///
/// `A` is uniform in `±1/sqrt(in)` and `B` is zero, so the adapted model initially computes
/// exactly what the base model does. Projection `i` (in [`LoraTargets::projections_mut`] order)
/// draws `A` from its own generator seeded with `mix_seed(seed, i)`, so the result depends only on
/// `seed`. Existing adapters are replaced.
pub fn apply_lora<B, M>(model: &mut M, config: &LoraConfig, seed: u64) -> Result<usize, LoraError>
where
    B: Backend,
    M: LoraTargets<B> + Module<B>,
{
    config.validate()?;
    freeze(model);
    let mut adapted = 0;
    for (index, projection) in model.projections_mut().into_iter().enumerate() {
        if !config.targets(projection.module) {
            continue;
        }
        let layer = projection.layer;
        let weight = layer.base.weight.val();
        let mut rng = ChaCha8Rng::seed_from_u64(mix_seed(seed, index as u64));
        let adapter = LoraAdapter::init_peft(
            layer.d_in(),
            layer.d_out(),
            config.r,
            config.alpha,
            config.dropout,
            &mut rng,
            &weight.device(),
        );
        *layer = layer.clone().with_adapter(adapter);
        adapted += 1;
    }
    Ok(adapted)
}

/// Marks every parameter of `model` as not requiring gradients (adapters attached afterwards
/// are trainable).
pub fn freeze<B: Backend, M: Module<B>>(model: &mut M) {
    *model = model.clone().no_grad();
}

/// Folds every attached adapter into its base weight (`W += scaling·A·B`), keeping the adapters
/// so [`unmerge`] can undo it. Merged projections skip the low-rank branch in `forward`.
pub fn merge<B: Backend, M: LoraTargets<B>>(model: &mut M) {
    for projection in model.projections_mut() {
        *projection.layer = projection.layer.clone().merge();
    }
}

/// Undoes [`merge`] on every projection.
pub fn unmerge<B: Backend, M: LoraTargets<B>>(model: &mut M) {
    for projection in model.projections_mut() {
        *projection.layer = projection.layer.clone().unmerge();
    }
}

/// Folds every adapter into its base weight and removes it, leaving a plain model that can be
/// saved as an ordinary Hugging Face checkpoint (PEFT's `merge_and_unload`).
pub fn merge_and_unload<B: Backend, M: LoraTargets<B>>(model: &mut M) {
    for projection in model.projections_mut() {
        *projection.layer = projection.layer.clone().merge_and_unload();
    }
}

/// Number of projections that currently carry an adapter.
pub fn adapter_count<B: Backend, M: LoraTargets<B>>(model: &mut M) -> usize {
    model
        .projections_mut()
        .iter()
        .filter(|p| p.layer.adapter.is_some())
        .count()
}
