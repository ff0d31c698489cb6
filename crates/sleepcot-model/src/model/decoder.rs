//! One pre-norm decoder layer: attention and MLP, each behind an RMSNorm and a residual add.

use burn::module::Module;
use burn::tensor::{Tensor, backend::Backend};

use super::attention::Attention;
use super::mlp::Mlp;
use super::rmsnorm::RmsNorm;
use super::rope::RopeRows;
use crate::kv_cache::{CacheWindow, LayerCache};

/// `model.layers.N` of a Qwen2 checkpoint.
#[derive(Module, Debug)]
pub struct DecoderLayer<B: Backend> {
    /// Norm before attention.
    pub input_layernorm: RmsNorm<B>,
    /// Grouped-query self-attention.
    pub self_attn: Attention<B>,
    /// Norm before the MLP.
    pub post_attention_layernorm: RmsNorm<B>,
    /// SwiGLU feed-forward block.
    pub mlp: Mlp<B>,
}

impl<B: Backend> DecoderLayer<B> {
    /// Applies the layer to `[batch, seq, hidden]`; see [`Attention::forward`] for the rest.
    pub fn forward(
        &self,
        x: Tensor<B, 3>,
        rope: &RopeRows<B>,
        bias: Option<&Tensor<B, 5>>,
        cache: Option<(&mut LayerCache<B>, CacheWindow)>,
    ) -> Tensor<B, 3> {
        let attn =
            self.self_attn
                .forward(self.input_layernorm.forward(x.clone()), rope, bias, cache);
        let x = crate::fused::add_scaled(x, attn, 1.0);
        let mlp = self
            .mlp
            .forward(self.post_attention_layernorm.forward(x.clone()));
        crate::fused::add_scaled(x, mlp, 1.0)
    }
}
