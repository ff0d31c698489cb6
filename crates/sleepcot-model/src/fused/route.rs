//! Which form a backend gets: the fused CPU kernels (with or without autodiff) or the composed
//! tensor operations.

use std::any::{Any, TypeId};
use std::mem::MaybeUninit;

use burn::backend::Flex;
use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::ops::{Backward, OpsKind};
use burn::tensor::backend::Backend;
use burn::tensor::ops::FloatTensor;
use burn::tensor::{DType, Tensor, TensorPrimitive};
use burn_flex::FlexTensor;
use rayon::prelude::*;

/// How a fused kernel runs on backend `B`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CpuRoute {
    /// `B` is `Flex`: the kernel's forward pass alone.
    Plain,
    /// `B` is `Autodiff<Flex>`: the forward pass and an autodiff node for the backward pass.
    Tracked,
    /// Any other backend, or the CPU one on a CPU without AVX2 ([`super::KernelPath`]): the
    /// composed tensor operations.
    Composed,
}

impl CpuRoute {
    /// The route for backend `B` when every input has dtype `dtypes` (only f32 is fused).
    pub fn of<B: Backend>(dtypes: &[DType]) -> Self {
        if dtypes.iter().any(|&d| d != DType::F32)
            || super::lanes::kernel_path() == super::lanes::KernelPath::Composed
        {
            Self::Composed
        } else if TypeId::of::<B>() == TypeId::of::<Autodiff<Flex>>() {
            Self::Tracked
        } else if TypeId::of::<B>() == TypeId::of::<Flex>() {
            Self::Plain
        } else {
            Self::Composed
        }
    }
}

/// Whether `B` is the CPU backend (with or without autodiff), where the host and the "device"
/// share memory: an upload or a read there costs a copy, not a round trip.
pub fn is_cpu_backend<B: Backend>() -> bool {
    let id = TypeId::of::<B>();
    id == TypeId::of::<Flex>() || id == TypeId::of::<Autodiff<Flex>>()
}

/// The same tensor under its concrete backend type, for a caller that has checked with
/// [`CpuRoute::of`] that `A` and `B` are one type.
///
/// # Panics
/// When `A` and `B` are different types.
pub fn retype<A: Backend, B: Backend, const D: usize>(tensor: Tensor<A, D>) -> Tensor<B, D> {
    let boxed: Box<dyn Any> = Box::new(tensor);
    *boxed.downcast::<Tensor<B, D>>().unwrap_or_else(|_| {
        panic!(
            "retype from {} to {}: not the same backend",
            std::any::type_name::<A>(),
            std::any::type_name::<B>()
        )
    })
}

/// The buffer behind a `Flex` tensor, holding exactly its elements in row-major order
/// (`to_contiguous` copies views, including offset or prefix views whose strides look
/// contiguous, and returns whole buffers as they are).
pub(crate) fn contiguous(tensor: &FlexTensor) -> FlexTensor {
    tensor.to_contiguous()
}

/// A tracked CPU tensor's primitive: its buffer and its autodiff node.
pub type TrackedTensor = FloatTensor<Autodiff<Flex>>;

/// A tracked tensor's primitive (for [`record`]) and its buffer, contiguous.
pub fn tracked_input<const D: usize>(
    tensor: Tensor<Autodiff<Flex>, D>,
) -> (TrackedTensor, FlexTensor) {
    let tracked = tensor.into_primitive().tensor();
    let buffer = contiguous(&tracked.primitive);
    (tracked, buffer)
}

/// A fused kernel's `output` as a tracked tensor: an autodiff node whose parents are
/// `parents` and whose backward pass is `kernel` with `state` (dropped unused when no parent
/// needs a gradient).
pub fn record<K: Backward<Flex, N>, const N: usize, const D: usize>(
    kernel: K,
    parents: [&TrackedTensor; N],
    state: K::State,
    output: FlexTensor,
) -> Tensor<Autodiff<Flex>, D> {
    let nodes = parents.map(|p| p.node.clone());
    let out = match kernel
        .prepare::<NoCheckpointing>(nodes)
        .compute_bound()
        .stateful()
    {
        OpsKind::Tracked(prep) => prep.finish(state, output),
        OpsKind::UnTracked(prep) => prep.finish(output),
    };
    Tensor::from_primitive(TensorPrimitive::Float(out))
}

/// A `Flex` tensor around a CPU buffer.
pub(crate) fn wrap<const D: usize>(tensor: FlexTensor) -> Tensor<Flex, D> {
    Tensor::from_primitive(TensorPrimitive::Float(tensor))
}

/// The CPU buffer of a `Flex` tensor, contiguous (see [`contiguous`]).
pub fn buffer<const D: usize>(tensor: Tensor<Flex, D>) -> FlexTensor {
    contiguous(&tensor.into_primitive().tensor())
}

/// Multiply-adds below which a kernel's tasks run one after another on the calling thread:
/// waking the thread pool costs microseconds, more than a decoding step's attention of one
/// query row over a few hundred keys takes.
const PARALLEL_WORK: usize = 1 << 18;

/// Runs `task(i)` for `i` in `0..tasks`, on the thread pool when the tasks together do at least
/// [`PARALLEL_WORK`] multiply-adds (`work`), on the calling thread otherwise.
pub(crate) fn for_each_task(tasks: usize, work: usize, task: impl Fn(usize) + Send + Sync) {
    if work >= PARALLEL_WORK {
        (0..tasks).into_par_iter().for_each(task);
    } else {
        (0..tasks).for_each(task);
    }
}

/// Runs `task(i, a_i, b_i)` over the `i`-th `a_chunk`-sized piece of `a` and `b_chunk`-sized
/// piece of `b`, in parallel when there is more than one piece. A single piece runs inline:
/// handing it to the thread pool costs a thread wake-up, a large share of a decoding step's
/// few-row work.
pub(crate) fn for_each_chunk_pair<T: Send, U: Send>(
    a: &mut [T],
    a_chunk: usize,
    b: &mut [U],
    b_chunk: usize,
    task: impl Fn(usize, &mut [T], &mut [U]) + Send + Sync,
) {
    if a.len() > a_chunk {
        a.par_chunks_mut(a_chunk)
            .zip(b.par_chunks_mut(b_chunk))
            .enumerate()
            .for_each(|(i, (a, b))| task(i, a, b));
    } else {
        task(0, a, b);
    }
}

/// `len` fresh elements, left uninitialised for a kernel that writes every one of them.
///
/// A zero-filled buffer would cost a single-threaded pass over memory that the kernel then
/// overwrites; [`written`] turns the buffer into a vector once it is written.
pub(crate) fn uninit(len: usize) -> Vec<MaybeUninit<f32>> {
    let mut out = Vec::with_capacity(len);
    // SAFETY: `MaybeUninit` needs no initialisation, and the capacity is `len`.
    unsafe { out.set_len(len) };
    out
}

/// The vector of a buffer from [`uninit`] that the caller's kernel has written whole.
///
/// # Safety
/// Every element of `buffer` must have been written.
pub(crate) unsafe fn written(buffer: Vec<MaybeUninit<f32>>) -> Vec<f32> {
    let mut buffer = std::mem::ManuallyDrop::new(buffer);
    let (ptr, len, cap) = (buffer.as_mut_ptr(), buffer.len(), buffer.capacity());
    // SAFETY: same allocation, layout and length; `MaybeUninit<f32>` has `f32`'s layout, and the
    // caller promises every element is initialised.
    unsafe { Vec::from_raw_parts(ptr.cast::<f32>(), len, cap) }
}

/// A pointer that rayon tasks may share because each writes a region no other task touches.
#[derive(Clone, Copy)]
pub(crate) struct Shared(pub(crate) *mut f32);

// SAFETY: the kernels hand each task a disjoint set of elements behind the pointer.
unsafe impl Send for Shared {}
// SAFETY: as above; no element is read by one task while another writes it.
unsafe impl Sync for Shared {}

impl Shared {
    /// The pointer, offset by `elements` (a method, so closures capture the `Send` wrapper).
    pub(crate) fn at(self, elements: usize) -> *mut f32 {
        // SAFETY: callers stay inside the buffer the pointer came from.
        unsafe { self.0.add(elements) }
    }
}

#[cfg(test)]
mod tests {
    use burn::backend::{Autodiff, Flex};
    use burn::tensor::DType;

    use super::CpuRoute;

    /// If burn's type parameters ever change so that these stop matching, every fused kernel
    /// would silently take the composed path (and the tests comparing the two would compare the
    /// composed form with itself).
    #[test]
    fn the_cpu_backend_is_recognised() {
        if super::super::lanes::kernel_path() == super::super::KernelPath::Composed {
            // This CPU has no AVX2: everything takes the composed path.
            assert_eq!(CpuRoute::of::<Flex>(&[DType::F32]), CpuRoute::Composed);
            return;
        }
        assert_eq!(CpuRoute::of::<Flex>(&[DType::F32]), CpuRoute::Plain);
        assert_eq!(
            CpuRoute::of::<Autodiff<Flex>>(&[DType::F32, DType::F32]),
            CpuRoute::Tracked
        );
        assert_eq!(
            CpuRoute::of::<Autodiff<Flex>>(&[DType::F32, DType::BF16]),
            CpuRoute::Composed
        );
        assert_eq!(CpuRoute::of::<Flex>(&[]), CpuRoute::Plain);
    }
}
