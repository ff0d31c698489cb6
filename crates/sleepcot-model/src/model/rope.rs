//! Rotary position embedding in Hugging Face's rotate-half convention.
//!
//! The cos/sin tables are computed once for every position up to `max_position_embeddings`; a
//! forward pass only gathers the rows of the positions it needs.

use burn::module::Module;
use burn::tensor::{DType, Int, Tensor, TensorData, backend::Backend};

/// Precomputed `cos` and `sin` tables of shape `[max_positions, head_dim]`.
#[derive(Module, Debug)]
pub struct RotaryEmbedding<B: Backend> {
    /// `cos(pos * inv_freq)` duplicated over both halves of the head.
    pub cos: Tensor<B, 2>,
    /// `sin(pos * inv_freq)` duplicated over both halves of the head.
    pub sin: Tensor<B, 2>,
}

/// The cos/sin rows of one forward pass, laid out like the projections' output
/// (`[batch, seq, heads, head_dim]`) and repeated over the heads, once for the query heads and
/// once for the key heads: rotating is then element-wise work on contiguous tensors of one
/// shape, which the CPU backend vectorises, and every layer reuses the same tables.
#[derive(Debug, Clone)]
pub struct RopeRows<B: Backend> {
    /// `cos` and `sin` for the query heads, `[batch, seq, heads, head_dim]`.
    pub query: (Tensor<B, 4>, Tensor<B, 4>),
    /// `cos` and `sin` for the key heads, `[batch, seq, kv_heads, head_dim]`.
    pub key: (Tensor<B, 4>, Tensor<B, 4>),
}

impl<B: Backend> RotaryEmbedding<B> {
    /// Builds the tables for `max_positions` positions with base `theta`, stored in `dtype`.
    pub fn new(
        head_dim: usize,
        max_positions: usize,
        theta: f64,
        dtype: DType,
        device: &B::Device,
    ) -> Self {
        let half = head_dim / 2;
        let inv_freq: Vec<f64> = (0..half)
            .map(|i| 1.0 / theta.powf((2 * i) as f64 / head_dim as f64))
            .collect();
        let mut cos = Vec::with_capacity(max_positions * head_dim);
        let mut sin = Vec::with_capacity(max_positions * head_dim);
        for pos in 0..max_positions {
            // transformers computes the angle in f32; do the same so long positions agree.
            for _ in 0..2 {
                for f in &inv_freq {
                    let angle = (pos as f32) * (*f as f32);
                    cos.push(angle.cos());
                    sin.push(angle.sin());
                }
            }
        }
        let make = |v: Vec<f32>| {
            Tensor::<B, 2>::from_data(
                TensorData::new(v, [max_positions, head_dim]),
                (device, DType::F32),
            )
            .cast(dtype)
        };
        Self {
            cos: make(cos),
            sin: make(sin),
        }
    }

    /// Number of positions the tables cover.
    pub fn max_positions(&self) -> usize {
        self.cos.dims()[0]
    }

    /// Gathers the rows for `positions` (`[batch, seq]`), repeated for `heads` query heads and
    /// `kv_heads` key heads.
    pub fn rows(&self, positions: Tensor<B, 2, Int>, heads: usize, kv_heads: usize) -> RopeRows<B> {
        let [batch, seq] = positions.dims();
        let flat = positions.reshape([batch * seq]);
        let d = self.cos.dims()[1];
        let gather = |table: &Tensor<B, 2>| {
            table
                .clone()
                .select(0, flat.clone())
                .reshape([batch, seq, 1, d])
        };
        let (cos, sin) = (gather(&self.cos), gather(&self.sin));
        let repeat = |n: usize| (cos.clone().repeat_dim(2, n), sin.clone().repeat_dim(2, n));
        let query = repeat(heads);
        let key = if kv_heads == heads {
            query.clone()
        } else {
            repeat(kv_heads)
        };
        RopeRows { query, key }
    }
}

impl<B: Backend> RopeRows<B> {
    /// Rotates the queries `x` (`[batch, seq, heads, head_dim]`).
    pub fn apply_query(&self, x: Tensor<B, 4>) -> Tensor<B, 4> {
        rotate(x, &self.query)
    }

    /// Rotates the keys `x` (`[batch, seq, kv_heads, head_dim]`).
    pub fn apply_key(&self, x: Tensor<B, 4>) -> Tensor<B, 4> {
        rotate(x, &self.key)
    }
}

/// `x * cos + rotate_half(x) * sin`, where `rotate_half` swaps the halves of the last axis and
/// negates the new first half (one fused kernel on the CPU backend).
fn rotate<B: Backend>(x: Tensor<B, 4>, (cos, sin): &(Tensor<B, 4>, Tensor<B, 4>)) -> Tensor<B, 4> {
    crate::fused::rope(x, cos.clone(), sin.clone())
}
