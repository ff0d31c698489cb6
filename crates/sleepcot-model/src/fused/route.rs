//! Which form a backend gets: the fused CPU kernels (with or without autodiff) or the composed
//! tensor operations.

use std::any::{Any, TypeId};

use burn::backend::Flex;
use burn::backend::autodiff::Autodiff;
use burn::tensor::backend::Backend;
use burn::tensor::{DType, Tensor, TensorPrimitive};
use burn_flex::FlexTensor;

/// How a fused kernel runs on backend `B`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CpuRoute {
    /// `B` is `Flex`: the kernel's forward pass alone.
    Plain,
    /// `B` is `Autodiff<Flex>`: the forward pass and an autodiff node for the backward pass.
    Tracked,
    /// Any other backend: the composed tensor operations.
    Composed,
}

impl CpuRoute {
    /// The route for backend `B` when every input has dtype `dtypes` (only f32 is fused).
    pub fn of<B: Backend>(dtypes: &[DType]) -> Self {
        if dtypes.iter().any(|&d| d != DType::F32) {
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

/// The same tensor under its concrete backend type. Callers check with [`CpuRoute::of`] that
/// `A` and `B` are one type, so the downcast cannot fail.
pub fn retype<A: Backend, B: Backend, const D: usize>(tensor: Tensor<A, D>) -> Tensor<B, D> {
    let boxed: Box<dyn Any> = Box::new(tensor);
    *boxed
        .downcast::<Tensor<B, D>>()
        .unwrap_or_else(|_| unreachable!("retype is only called on equal backend types"))
}

/// The buffer behind a `Flex` tensor, holding exactly its elements in row-major order
/// (`to_contiguous` copies views, including offset or prefix views whose strides look
/// contiguous, and returns whole buffers as they are).
pub(crate) fn contiguous(tensor: &FlexTensor) -> FlexTensor {
    tensor.to_contiguous()
}

/// A `Flex` tensor around a CPU buffer.
pub(crate) fn wrap<const D: usize>(tensor: FlexTensor) -> Tensor<Flex, D> {
    Tensor::from_primitive(TensorPrimitive::Float(tensor))
}

/// The CPU buffer of a `Flex` tensor, contiguous (see [`contiguous`]).
pub fn buffer<const D: usize>(tensor: Tensor<Flex, D>) -> FlexTensor {
    contiguous(&tensor.into_primitive().tensor())
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
