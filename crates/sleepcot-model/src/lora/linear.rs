//! A linear projection with an optional low-rank (LoRA) side branch.
//!
//! The layer computes `y = x·W + b + (alpha/r)·dropout(x)·A·B` with the base weight `W`
//! (`[in, out]`, burn's layout) frozen and only the low-rank factors `A` (`[in, r]`) and `B`
//! (`[r, out]`) trainable. Keeping the branch separate (rather than re-parameterising `W`) means
//! autodiff never materialises a dense `[in, out]` gradient, and dropout can act on the input the
//! way PEFT's does.
//!
//! The factors are always f32, whatever the base weight's dtype (PEFT's default
//! `autocast_adapter_dtype`): a bf16 or f16 base then trains in mixed precision, with the
//! branch's input cast up to f32, its output cast back to the base's dtype, and the adapter's
//! gradients and optimiser state in f32.

use burn::module::{Module, Param, ParamId};
use burn::nn::{Dropout, DropoutConfig, Linear};
use burn::tensor::backend::Backend;
use burn::tensor::{DType, Tensor, TensorData};

use crate::cast::to_dtype;
use crate::fused::{WeightLayout, add_scaled, linear};

/// The trainable low-rank factors of one LoRA projection, plus their scaling and input dropout.
#[derive(Module, Debug)]
pub struct LoraAdapter<B: Backend> {
    /// Down projection `A`, shape `[in, r]` (PEFT's `lora_A.weight` transposed).
    pub a: Param<Tensor<B, 2>>,
    /// Up projection `B`, shape `[r, out]` (PEFT's `lora_B.weight` transposed).
    pub b: Param<Tensor<B, 2>>,
    /// PEFT's `lora_alpha`.
    pub alpha: f64,
    /// `alpha / r`: the factor applied to the low-rank update.
    pub scaling: f64,
    /// Dropout applied to the branch input (active only on an autodiff backend, as in burn).
    pub dropout: Dropout,
}

impl<B: Backend> LoraAdapter<B> {
    /// Builds an adapter from explicit factors in burn layout (`a: [in, r]`, `b: [r, out]`); the
    /// scaling is `alpha / r`. The factors are stored in f32 and marked trainable.
    pub fn from_factors(a: Tensor<B, 2>, b: Tensor<B, 2>, alpha: f64, dropout: f64) -> Self {
        let rank = a.dims()[1].max(1);
        Self {
            a: trainable(to_dtype(a, DType::F32)),
            b: trainable(to_dtype(b, DType::F32)),
            alpha,
            scaling: alpha / rank as f64,
            dropout: DropoutConfig::new(dropout.clamp(0.0, 1.0)).init(),
        }
    }

    /// Builds a PEFT-style adapter: `A` uniform in `±1/sqrt(in)` (PyTorch's
    /// `kaiming_uniform_(a=sqrt(5))` on a `[r, in]` weight) drawn from `rng`, and `B` zero, so the
    /// adapted layer starts out computing exactly the base projection.
    pub fn init_peft<R: rand::Rng>(
        d_in: usize,
        d_out: usize,
        rank: usize,
        alpha: f64,
        dropout: f64,
        rng: &mut R,
        device: &B::Device,
    ) -> Self {
        let bound = 1.0 / (d_in.max(1) as f32).sqrt();
        let values: Vec<f32> = (0..d_in * rank)
            .map(|_| rng.random_range(-bound..=bound))
            .collect();
        let a = Tensor::from_data(TensorData::new(values, [d_in, rank]), (device, DType::F32));
        let b = Tensor::zeros([rank, d_out], (device, DType::F32));
        Self::from_factors(a, b, alpha, dropout)
    }

    /// The rank `r` of the update.
    pub fn rank(&self) -> usize {
        self.a.shape().dims::<2>()[1]
    }

    /// The dense update `scaling·A·B` (`[in, out]`), detached from the autodiff graph.
    pub fn delta_weight(&self) -> Tensor<B, 2> {
        self.a
            .val()
            .detach()
            .matmul(self.b.val().detach())
            .mul_scalar(self.scaling)
    }

    /// The branch output `scaling·dropout(x)·A·B` for an input of any rank, computed in f32
    /// and returned in the input's dtype.
    pub fn forward<const D: usize>(&self, x: Tensor<B, D>) -> Tensor<B, D> {
        let dtype = x.dtype();
        to_dtype(self.unscaled(x).mul_scalar(self.scaling), dtype)
    }

    /// `dropout(x)·A·B` in f32, before the scaling.
    fn unscaled<const D: usize>(&self, x: Tensor<B, D>) -> Tensor<B, D> {
        let x = self.dropout.forward(to_dtype(x, DType::F32));
        let down = linear(x, self.a.val(), None, WeightLayout::InOut);
        linear(down, self.b.val(), None, WeightLayout::InOut)
    }
}

/// A linear projection whose base weights can carry a LoRA adapter.
///
/// With no adapter it is exactly [`burn::nn::Linear`]; the model uses it for all seven Qwen2
/// projections so that LoRA can be attached later without rebuilding the model.
#[derive(Module, Debug)]
pub struct LoraLinear<B: Backend> {
    /// The base projection (`weight: [in, out]`, optional `bias: [out]`).
    pub base: Linear<B>,
    /// The low-rank adapter, when one is attached.
    pub adapter: Option<LoraAdapter<B>>,
    /// True while the adapter's update is folded into `base.weight` (the branch is then skipped).
    pub merged: bool,
}

impl<B: Backend> LoraLinear<B> {
    /// Wraps a base projection without an adapter.
    pub fn new(base: Linear<B>) -> Self {
        Self {
            base,
            adapter: None,
            merged: false,
        }
    }

    /// Input width of the base projection.
    pub fn d_in(&self) -> usize {
        self.base.weight.shape().dims::<2>()[0]
    }

    /// Output width of the base projection.
    pub fn d_out(&self) -> usize {
        self.base.weight.shape().dims::<2>()[1]
    }

    /// Attaches `adapter` and freezes the base weight and bias so they receive no gradient.
    ///
    /// Any previously attached adapter is replaced (after being unmerged if it was merged).
    pub fn with_adapter(self, adapter: LoraAdapter<B>) -> Self {
        let this = self.unmerge();
        Self {
            base: this.base.no_grad(),
            adapter: Some(adapter),
            merged: false,
        }
    }

    /// Computes `x·W + b`, plus `scaling·dropout(x)·A·B` when an unmerged adapter is attached.
    pub fn forward<const D: usize>(&self, x: Tensor<B, D>) -> Tensor<B, D> {
        match (&self.adapter, self.merged) {
            // In f32 the scaling and the sum are one fused pass (the same arithmetic); a
            // low-precision base scales the branch in f32 before casting it down.
            (Some(adapter), false) if x.dtype() == DType::F32 => {
                let branch = adapter.unscaled(x.clone());
                add_scaled(self.base_forward(x), branch, adapter.scaling)
            }
            (Some(adapter), false) => {
                let branch = adapter.forward(x.clone());
                self.base_forward(x) + branch
            }
            _ => self.base_forward(x),
        }
    }

    /// `x·W + b` of the base projection alone (fused on the CPU backend).
    fn base_forward<const D: usize>(&self, x: Tensor<B, D>) -> Tensor<B, D> {
        let bias = self.base.bias.as_ref().map(|b| b.val());
        linear(x, self.base.weight.val(), bias, WeightLayout::InOut)
    }

    /// Folds the adapter's update into the base weight (`W += scaling·A·B`) and keeps the adapter
    /// so that [`LoraLinear::unmerge`] can restore the original weight. No-op without an adapter.
    pub fn merge(self) -> Self {
        match (&self.adapter, self.merged) {
            (Some(adapter), false) => {
                let delta = adapter.delta_weight();
                let base = shift_weight(self.base, delta);
                Self {
                    base,
                    adapter: self.adapter,
                    merged: true,
                }
            }
            _ => self,
        }
    }

    /// Undoes [`LoraLinear::merge`] (`W -= scaling·A·B`). No-op when nothing is merged.
    pub fn unmerge(self) -> Self {
        match (&self.adapter, self.merged) {
            (Some(adapter), true) => {
                let delta = adapter.delta_weight().neg();
                let base = shift_weight(self.base, delta);
                Self {
                    base,
                    adapter: self.adapter,
                    merged: false,
                }
            }
            _ => self,
        }
    }

    /// Folds the adapter into the base weight and drops it, leaving a plain projection (PEFT's
    /// `merge_and_unload`). The base keeps its frozen/trainable state.
    pub fn merge_and_unload(self) -> Self {
        let merged = self.merge();
        Self {
            base: merged.base,
            adapter: None,
            merged: false,
        }
    }
}

/// Adds `delta` to a linear layer's weight, keeping the parameter id and its `require_grad` flag.
fn shift_weight<B: Backend>(base: Linear<B>, delta: Tensor<B, 2>) -> Linear<B> {
    let Linear { weight, bias } = base;
    let weight = weight.map(|w| {
        let require_grad = w.is_require_grad();
        let dtype = w.dtype();
        (w.detach() + to_dtype(delta, dtype)).set_require_grad(require_grad)
    });
    Linear { weight, bias }
}

/// Wraps `tensor` as a parameter that requires gradients on any backend.
///
/// `Param::from_tensor` records `require_grad` from the tensor, which is always false on a
/// backend without autodiff; a model built there and moved with `.train()` would then leave the
/// adapter frozen. A lazily initialised parameter carries the flag explicitly instead.
fn trainable<B: Backend, const D: usize>(tensor: Tensor<B, D>) -> Param<Tensor<B, D>> {
    let device = tensor.device();
    let shape = tensor.shape();
    Param::uninitialized(
        ParamId::new(),
        move |_, require_grad| tensor.clone().set_require_grad(require_grad),
        device,
        true,
        shape,
    )
}
