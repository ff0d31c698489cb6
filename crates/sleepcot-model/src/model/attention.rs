//! Grouped-query self-attention with q/k/v biases and a bias-free output projection. The
//! attention itself is [`crate::fused::attention`], or [`crate::fused::cached_attention`] over
//! the KV cache (each one fused kernel on the CPU backend).

use burn::module::Module;
use burn::tensor::{Tensor, backend::Backend};

use super::rope::RopeRows;
use crate::fused::{attention, cached_attention};
use crate::kv_cache::{CacheWindow, LayerCache};
use crate::lora::LoraLinear;

/// Qwen2 attention, with HF field names so LoRA targets `self_attn.{q,k,v,o}_proj`.
#[derive(Module, Debug)]
pub struct Attention<B: Backend> {
    /// `hidden -> heads * head_dim`, with bias.
    pub q_proj: LoraLinear<B>,
    /// `hidden -> kv_heads * head_dim`, with bias.
    pub k_proj: LoraLinear<B>,
    /// `hidden -> kv_heads * head_dim`, with bias.
    pub v_proj: LoraLinear<B>,
    /// `heads * head_dim -> hidden`, no bias.
    pub o_proj: LoraLinear<B>,
    /// Number of query heads.
    pub num_heads: usize,
    /// Number of key/value heads.
    pub num_kv_heads: usize,
    /// Width of one head.
    pub head_dim: usize,
}

impl<B: Backend> Attention<B> {
    /// Attends `x` (`[batch, seq, hidden]`).
    ///
    /// `bias` is an additive mask `[batch or 1, 1, 1, seq, keys]` (0 where allowed, a large
    /// negative value where not); `None` means every key is visible. With `cache`, the new keys
    /// and values are written at `start` and attention covers the cache up to `start + seq`.
    pub fn forward(
        &self,
        x: Tensor<B, 3>,
        rope: &RopeRows<B>,
        bias: Option<&Tensor<B, 5>>,
        cache: Option<(&mut LayerCache<B>, CacheWindow)>,
    ) -> Tensor<B, 3> {
        let [batch, seq, _] = x.dims();
        let (h, kv, d) = (self.num_heads, self.num_kv_heads, self.head_dim);
        // Rotate in the projections' own layout (contiguous, heads next to each other).
        let q = rope.apply_query(self.q_proj.forward(x.clone()).reshape([batch, seq, h, d]));
        let k = rope.apply_key(self.k_proj.forward(x.clone()).reshape([batch, seq, kv, d]));
        let v = self.v_proj.forward(x).reshape([batch, seq, kv, d]);
        let out = match cache {
            // The cache stores heads first; attend over it in that layout.
            Some((layer, window)) => {
                let (k, v) = layer.write_and_read(k.swap_dims(1, 2), v.swap_dims(1, 2), window);
                cached_attention(q, k, v, bias)
            }
            None => attention(q, k, v, bias),
        };
        let out = out.reshape([batch, seq, h * d]);
        self.o_proj.forward(out)
    }
}
