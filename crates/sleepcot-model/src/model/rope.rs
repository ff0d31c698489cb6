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

/// The cos/sin rows of one forward pass, broadcastable against `[batch, heads, seq, head_dim]`.
#[derive(Debug, Clone)]
pub struct RopeRows<B: Backend> {
    /// `[batch, 1, seq, head_dim]`.
    pub cos: Tensor<B, 4>,
    /// `[batch, 1, seq, head_dim]`.
    pub sin: Tensor<B, 4>,
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

    /// Gathers the rows for `positions` (`[batch, seq]`).
    pub fn rows(&self, positions: Tensor<B, 2, Int>) -> RopeRows<B> {
        let [batch, seq] = positions.dims();
        let flat = positions.reshape([batch * seq]);
        let d = self.cos.dims()[1];
        let gather = |table: &Tensor<B, 2>| {
            table
                .clone()
                .select(0, flat.clone())
                .reshape([batch, 1, seq, d])
        };
        RopeRows {
            cos: gather(&self.cos),
            sin: gather(&self.sin),
        }
    }
}

impl<B: Backend> RopeRows<B> {
    /// Rotates `x` (`[batch, heads, seq, head_dim]`): `x * cos + rotate_half(x) * sin`.
    pub fn apply(&self, x: Tensor<B, 4>) -> Tensor<B, 4> {
        let d = x.dims()[3];
        let half = d / 2;
        let x1 = x.clone().narrow(3, 0, half);
        let x2 = x.clone().narrow(3, half, half);
        let rotated = Tensor::cat(vec![x2.neg(), x1], 3);
        x * self.cos.clone() + rotated * self.sin.clone()
    }
}
