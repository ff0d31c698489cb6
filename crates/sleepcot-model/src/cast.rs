//! Casting between float dtypes only where needed, for the mixed-precision paths (statistics and
//! LoRA branches in f32 around a bf16 or f16 base).

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
