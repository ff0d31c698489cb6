//! Root-mean-square layer normalisation as Qwen2 computes it: statistics in f32, the scale
//! applied in the compute dtype.

use burn::module::{Module, Param};
use burn::tensor::{DType, Tensor, backend::Backend};

use crate::cast::to_dtype;

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
        let dtype = x.dtype();
        let xf = to_dtype(x, DType::F32);
        let inv_rms = xf
            .clone()
            .square()
            .mean_dim(D - 1)
            .add_scalar(self.eps)
            .sqrt()
            .recip();
        to_dtype(xf * inv_rms, dtype) * self.weight.val().unsqueeze::<D>()
    }
}
