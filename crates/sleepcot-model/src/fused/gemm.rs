//! Single-threaded matrix products on strided f32 views, for use inside the kernels' parallel
//! tasks (the `gemm` crate that burn's CPU backend uses for its own matmul; on the AVX2 path,
//! the packed product of [`super::packed`]).

use super::packed;

/// A read-only strided f32 matrix: element `(i, j)` lives at `ptr + i·rs + j·cs`.
#[derive(Clone, Copy)]
pub(crate) struct Mat {
    pub(crate) ptr: *const f32,
    pub(crate) rs: isize,
    pub(crate) cs: isize,
}

impl Mat {
    /// Rows `rs` elements apart, columns adjacent.
    pub(crate) fn rows(ptr: *const f32, rs: usize) -> Self {
        Self {
            ptr,
            rs: rs as isize,
            cs: 1,
        }
    }

    /// The view from row `rows` on (a view of the same memory).
    pub(crate) fn down(self, rows: usize) -> Self {
        Self {
            // SAFETY: callers stay inside the buffer the view came from.
            ptr: unsafe { self.ptr.offset(rows as isize * self.rs) },
            ..self
        }
    }

    /// The transpose, as a view of the same memory.
    pub(crate) fn t(self) -> Self {
        Self {
            ptr: self.ptr,
            rs: self.cs,
            cs: self.rs,
        }
    }
}

/// `dst[m×n] = (dst if accumulate) + scale · lhs[m×k] · rhs[k×n]`, where `dst` rows are
/// `dst_rs` elements apart with adjacent columns.
///
/// # Safety
/// Every element the views address must be inside live buffers, and no other thread may write
/// `dst`'s elements meanwhile. Without `accumulate`, `dst` may be uninitialised memory: gemm
/// 0.19 then never reads it (it zeroes the `alpha` factor, and its `k = 0`, vector and small
/// kernels write without reading). That is its implementation rather than a documented
/// promise, so check it again when the `gemm` version changes.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn product(
    m: usize,
    n: usize,
    k: usize,
    dst: *mut f32,
    dst_rs: usize,
    lhs: Mat,
    rhs: Mat,
    scale: f32,
    accumulate: bool,
) {
    // SAFETY: forwarded from the caller.
    unsafe {
        product_on(
            gemm::Parallelism::None,
            m,
            n,
            k,
            dst,
            dst_rs,
            lhs,
            rhs,
            scale,
            accumulate,
        )
    }
}

/// Whether a product of this shape goes to [`packed::product`]: on the AVX2 path, where it is
/// faster than `gemm`'s for a training step's shapes; the AVX-512 path keeps `gemm`'s wider
/// kernels.
fn uses_packed(m: usize, n: usize, k: usize) -> bool {
    super::lanes::kernel_path() == super::KernelPath::Avx2 && packed::serves(m, n, k)
}

/// [`product`] split between threads as `parallelism` says (gemm splits by output tiles, each
/// summed over the whole inner dimension in a fixed order, so the result does not depend on
/// the thread count).
///
/// # Safety
/// As [`product`].
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn product_on(
    parallelism: gemm::Parallelism,
    m: usize,
    n: usize,
    k: usize,
    dst: *mut f32,
    dst_rs: usize,
    lhs: Mat,
    rhs: Mat,
    scale: f32,
    accumulate: bool,
) {
    let parallel = !matches!(parallelism, gemm::Parallelism::None);
    if parallel && uses_packed(m, n, k) {
        // SAFETY: forwarded from the caller; `uses_packed` checked the CPU.
        unsafe { packed::product(parallel, m, n, k, dst, dst_rs, lhs, rhs, scale, accumulate) };
        return;
    }
    // SAFETY: forwarded from the caller.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst,
            1,
            dst_rs as isize,
            accumulate,
            lhs.ptr,
            lhs.cs,
            lhs.rs,
            rhs.ptr,
            rhs.cs,
            rhs.rs,
            1.0,
            scale,
            false,
            false,
            false,
            parallelism,
        );
    }
}
