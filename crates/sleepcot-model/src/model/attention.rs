//! Grouped-query self-attention with q/k/v biases and a bias-free output projection.
//!
//! Key/value heads are never repeated: the queries of the `groups` heads that share one KV head
//! are folded into the sequence axis (`[batch, kv_heads, groups * seq, head_dim]`), so one
//! batched matmul per KV head serves the whole group.

use burn::module::Module;
use burn::tensor::{DType, Tensor, activation::softmax, backend::Backend};

use super::rope::RopeRows;
use crate::cast::to_dtype;
use crate::kv_cache::LayerCache;
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
        cache: Option<(&mut LayerCache<B>, usize)>,
    ) -> Tensor<B, 3> {
        let [batch, seq, _] = x.dims();
        let (h, kv, d) = (self.num_heads, self.num_kv_heads, self.head_dim);
        let groups = h / kv;
        // Rotate in the projections' own layout (contiguous, heads next to each other), then view
        // the heads as the second axis.
        let q = rope
            .apply_query(self.q_proj.forward(x.clone()).reshape([batch, seq, h, d]))
            .swap_dims(1, 2);
        let k = rope
            .apply_key(self.k_proj.forward(x.clone()).reshape([batch, seq, kv, d]))
            .swap_dims(1, 2);
        let v = self
            .v_proj
            .forward(x)
            .reshape([batch, seq, kv, d])
            .swap_dims(1, 2);
        let (k, v) = match cache {
            Some((layer, start)) => layer.write_and_read(k, v, start),
            None => (k, v),
        };
        let keys = k.dims()[2];
        let q = q.reshape([batch, kv, groups * seq, d]);
        let scores = q
            .matmul(k.swap_dims(2, 3))
            .mul_scalar(1.0 / (d as f64).sqrt());
        let dtype = scores.dtype();
        let scores = to_dtype(scores, DType::F32);
        let scores = match bias {
            // One bias for every row (causal masking only): each head's score block gets the
            // same `[seq, keys]` row added, as one flat row broadcast down a 2-D view.
            Some(bias) if bias.dims()[0] == 1 => (scores
                .reshape([batch * kv * groups, seq * keys])
                + bias.clone().reshape([1, seq * keys]))
            .reshape([batch, kv, groups * seq, keys]),
            Some(bias) => (scores.reshape([batch, kv, groups, seq, keys]) + bias.clone())
                .reshape([batch, kv, groups * seq, keys]),
            None => scores,
        };
        let out = to_dtype(softmax(scores, 3), dtype)
            .matmul(v)
            .reshape([batch, h, seq, d])
            .swap_dims(1, 2)
            .reshape([batch, seq, h * d]);
        self.o_proj.forward(out)
    }
}
