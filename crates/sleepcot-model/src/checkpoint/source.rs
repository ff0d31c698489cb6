//! Feeds a [`CheckpointReader`] into model construction, converting to the compute dtype.

use burn::tensor::{DType, Tensor, backend::Backend};

use super::reader::CheckpointReader;
use crate::error::Result;
use crate::model::WeightSource;

/// A [`WeightSource`] reading HF tensors from a checkpoint and casting them to `dtype`.
#[derive(Debug)]
pub struct CheckpointSource<'a, B: Backend> {
    reader: &'a CheckpointReader,
    dtype: DType,
    device: &'a B::Device,
}

impl<'a, B: Backend> CheckpointSource<'a, B> {
    /// Reads from `reader`, producing tensors of `dtype` on `device`.
    pub fn new(reader: &'a CheckpointReader, dtype: DType, device: &'a B::Device) -> Self {
        Self {
            reader,
            dtype,
            device,
        }
    }
}

impl<B: Backend> WeightSource<B> for CheckpointSource<'_, B> {
    fn tensor<const D: usize>(&mut self, name: &str, shape: [usize; D]) -> Result<Tensor<B, D>> {
        let data = self.reader.read(name, &shape)?;
        let data = if data.dtype == self.dtype {
            data
        } else {
            data.convert_dtype(self.dtype)
        };
        Ok(Tensor::from_data(data, (self.device, self.dtype)))
    }
}
