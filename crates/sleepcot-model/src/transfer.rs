//! Host↔device transfers of the inference path, counted.
//!
//! On a GPU every upload and every read is a round trip through the driver, and a read waits for
//! the queue to drain; a decoding step that makes more than the one read of its chosen ids pays
//! for it in latency. Uploads and reads of the model's inference code go through [`upload`] and
//! [`read`], which count them per thread, so a benchmark or a test can see how many a step
//! makes ([`counts`]).

use std::cell::Cell;

use burn::tensor::backend::Backend;
use burn::tensor::{BasicOps, Tensor, TensorCreationOptions, TensorData};
use serde::Serialize;

/// Transfers made by this thread since it started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TransferCounts {
    /// Tensors built from host data.
    pub uploads: u64,
    /// Tensors read back to the host (each one waits for the device).
    pub reads: u64,
}

impl TransferCounts {
    /// The transfers made between `earlier` and `self`.
    pub fn since(self, earlier: TransferCounts) -> TransferCounts {
        TransferCounts {
            uploads: self.uploads - earlier.uploads,
            reads: self.reads - earlier.reads,
        }
    }
}

thread_local! {
    static COUNTS: Cell<TransferCounts> = const {
        Cell::new(TransferCounts { uploads: 0, reads: 0 })
    };
}

/// The transfers this thread has made so far.
pub fn counts() -> TransferCounts {
    COUNTS.with(Cell::get)
}

fn bump(f: impl FnOnce(&mut TransferCounts)) {
    COUNTS.with(|c| {
        let mut counts = c.get();
        f(&mut counts);
        c.set(counts);
    });
}

/// Builds a tensor from host data on the device given by `options`, counting one upload.
pub fn upload<B: Backend, const D: usize, K: BasicOps<B>>(
    data: TensorData,
    options: impl Into<TensorCreationOptions<B>>,
) -> Tensor<B, D, K> {
    bump(|c| c.uploads += 1);
    Tensor::from_data(data, options)
}

/// Reads a tensor back to the host, counting one read.
pub fn read<B: Backend, const D: usize, K: BasicOps<B>>(tensor: Tensor<B, D, K>) -> TensorData {
    bump(|c| c.reads += 1);
    tensor.into_data()
}

#[cfg(test)]
mod tests {
    use burn::backend::Flex;
    use burn::tensor::{Int, TensorData};

    use super::{counts, read, upload};

    #[test]
    fn uploads_and_reads_are_counted_per_thread() {
        let before = counts();
        let t = upload::<Flex, 1, Int>(TensorData::new(vec![1i64, 2, 3], [3]), &Default::default());
        let _ = read(t.clone());
        let _ = read(t);
        let made = counts().since(before);
        assert_eq!((made.uploads, made.reads), (1, 2));
        // Another thread's transfers are its own.
        std::thread::spawn(|| {
            let _ = read(upload::<Flex, 1, Int>(
                TensorData::new(vec![0i64], [1]),
                &Default::default(),
            ));
        })
        .join()
        .unwrap();
        assert_eq!(counts().since(before), made);
    }
}
