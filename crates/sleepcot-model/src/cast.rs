//! Casting between float dtypes only where needed, for the mixed-precision paths (statistics and
//! LoRA branches in f32 around a bf16 or f16 base).

use burn::module::{Module, ModuleMapper, Param};
use burn::tensor::backend::Backend;
use burn::tensor::{DType, Tensor};

/// `tensor` in `dtype`; a no-op when it already is (a cast is a copy, and on an autodiff backend
/// a graph node).
pub fn to_dtype<B: Backend, const D: usize>(tensor: Tensor<B, D>, dtype: DType) -> Tensor<B, D> {
    if tensor.dtype() == dtype {
        tensor
    } else {
        tensor.cast(dtype)
    }
}

/// `module` with every float parameter in `dtype` (ids and gradient flags kept); used to merge
/// a bf16-base LoRA student in f32, so the adapter's update is not rounded to bf16.
pub fn cast_params<B: Backend, M: Module<B>>(module: M, dtype: DType) -> M {
    struct Cast(DType);
    impl<B: Backend> ModuleMapper<B> for Cast {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
            let dtype = self.0;
            param.map(|t| {
                let require_grad = t.is_require_grad();
                to_dtype(t, dtype).set_require_grad(require_grad)
            })
        }
    }
    module.map(&mut Cast(dtype))
}
