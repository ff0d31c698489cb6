//! How the model-wide LoRA functions reach every adaptable projection of a model.

use burn::tensor::backend::Backend;

use super::config::TargetModule;
use super::linear::LoraLinear;
use crate::model::Qwen2ForCausalLM;

/// One adaptable projection: its Hugging Face module path, its kind, and the layer itself.
pub struct Projection<'a, B: Backend> {
    /// Module path as in a Hugging Face checkpoint, e.g. `model.layers.0.self_attn.q_proj`.
    pub path: String,
    /// Which of the seven projections it is.
    pub module: TargetModule,
    /// The layer.
    pub layer: &'a mut LoraLinear<B>,
}

/// A model whose projections LoRA can adapt.
///
/// The model-wide functions ([`super::apply_lora`], [`super::merge`], the PEFT save/load) are
/// written against this trait so they depend only on the list of projections, not on the model's
/// internal layout. The order of the list must be stable: it seeds each adapter's initialisation.
pub trait LoraTargets<B: Backend> {
    /// Every adaptable projection, in a fixed order (layer by layer, q, k, v, o, gate, up, down).
    fn projections_mut(&mut self) -> Vec<Projection<'_, B>>;
}

impl<B: Backend> LoraTargets<B> for Qwen2ForCausalLM<B> {
    fn projections_mut(&mut self) -> Vec<Projection<'_, B>> {
        let mut out = Vec::with_capacity(self.model.layers.len() * TargetModule::ALL.len());
        for (i, layer) in self.model.layers.iter_mut().enumerate() {
            let attn = &mut layer.self_attn;
            let mlp = &mut layer.mlp;
            let layers = [
                (TargetModule::Q, &mut attn.q_proj),
                (TargetModule::K, &mut attn.k_proj),
                (TargetModule::V, &mut attn.v_proj),
                (TargetModule::O, &mut attn.o_proj),
                (TargetModule::Gate, &mut mlp.gate_proj),
                (TargetModule::Up, &mut mlp.up_proj),
                (TargetModule::Down, &mut mlp.down_proj),
            ];
            out.extend(layers.into_iter().map(|(module, layer)| Projection {
                path: module.module_path(i),
                module,
                layer,
            }));
        }
        out
    }
}
