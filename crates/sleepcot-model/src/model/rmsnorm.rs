//! Root-mean-square layer normalisation as Qwen2 computes it: statistics in f32, the scale
//! applied in the compute dtype.

use burn::module::{Module, Param};
use burn::tensor::{Tensor, backend::Backend};

use crate::fused::rms_norm;

/// `weight * x / sqrt(mean(x^2) + eps)` over the last dimension.
#[derive(Module, Debug)]
pub struct RmsNorm<B: Backend> {
    /// Per-channel scale, HF name `...norm.weight`.
    pub weight: Param<Tensor<B, 1>>,
    /// The epsilon read from `rms_norm_eps`.
    pub eps: f64,
}

impl<B: Backend> RmsNorm<B> {
    /// Wraps a loaded scale vector.
    pub fn new(weight: Tensor<B, 1>, eps: f64) -> Self {
        Self {
            weight: Param::from_tensor(weight),
            eps,
        }
    }

    /// Normalises the last dimension of `x`.
    pub fn forward<const D: usize>(&self, x: Tensor<B, D>) -> Tensor<B, D> {
        rms_norm(x, self.weight.val(), self.eps)
    }
}
