//! Fused kernels for burn's CPU backend (`Flex`, and `Autodiff<Flex>` while training).
//!
//! burn's CPU backend runs each element-wise operation as its own single-threaded pass over
//! memory, so on a few cores the passes around the matrix products (softmax, masking, head
//! transposes, SiLU, the RMS statistics) take as long as the products themselves and do not
//! get faster with more threads. Each function here computes one of those blocks in one
//! multi-threaded pass forward and one backward, with its own autodiff node, when the backend
//! is the CPU one and the tensors are f32. On any other backend or dtype it returns the
//! composed form, which the GPU backends fuse themselves; the composed forms are public so
//! that tests can compare the two.
//!
//! Work is split into tasks by fixed sizes (rows, heads), never by thread count, and every
//! task's arithmetic is fixed, so results do not depend on how many threads run them.

mod attention;
mod exp;
mod gemm;
mod rmsnorm;
mod route;
mod swiglu;

pub use attention::{attention, composed_attention, grouped_attention};
pub use exp::exp;
pub use rmsnorm::{composed_rms_norm, rms_norm};
pub use route::{CpuRoute, buffer, retype};
pub use swiglu::{composed_swiglu, swiglu};

#[cfg(test)]
pub(crate) mod test_support {
    use burn::tensor::Tensor;
    use burn::tensor::backend::Backend;

    /// A tensor's elements as f32.
    pub(crate) fn values<B: Backend, const D: usize>(tensor: Tensor<B, D>) -> Vec<f32> {
        tensor
            .into_data()
            .convert::<f32>()
            .to_vec()
            .expect("f32 data")
    }

    /// Fails naming `what` and the first element where `got` and `want` differ by more than
    /// `tol` relative to the largest magnitude in `want` (at least 1).
    pub(crate) fn assert_close(what: &str, got: &[f32], want: &[f32], tol: f32) {
        assert_eq!(got.len(), want.len(), "{what}: lengths");
        let scale = want.iter().fold(1.0f32, |m, v| m.max(v.abs()));
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            assert!(
                (g - w).abs() <= tol * scale,
                "{what}[{i}]: fused {g}, composed {w}"
            );
        }
    }
}
