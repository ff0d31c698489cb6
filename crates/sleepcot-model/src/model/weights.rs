//! Where the parameters of a freshly built model come from: a checkpoint or a seeded random
//! initialisation. Building the model through one trait keeps the layer wiring in one place.

use burn::tensor::{DType, Tensor, TensorData, backend::Backend};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::Result;

/// Supplies each parameter by its Hugging Face name and expected shape (HF layout: linear
/// weights are `[out, in]`).
pub trait WeightSource<B: Backend> {
    /// Returns the tensor `name` with exactly `shape`, in the source's compute dtype.
    fn tensor<const D: usize>(&mut self, name: &str, shape: [usize; D]) -> Result<Tensor<B, D>>;
}

/// Seeded random weights for benchmarks and tests: uniform noise with standard deviation
/// `std`, norm scales set to one. Each tensor gets its own generator derived from the seed and
/// the tensor's index, so the result does not depend on build order or threads.
#[derive(Debug, Clone)]
pub struct RandomWeights<'a, B: Backend> {
    device: &'a B::Device,
    dtype: DType,
    seed: u64,
    std: f32,
    index: u64,
}

impl<'a, B: Backend> RandomWeights<'a, B> {
    /// Random weights on `device` in `dtype`.
    pub fn new(device: &'a B::Device, dtype: DType, seed: u64, std: f32) -> Self {
        Self {
            device,
            dtype,
            seed,
            std,
            index: 0,
        }
    }
}

/// SplitMix64 finaliser: mixes a seed and an index into an independent stream seed.
pub fn mix_seed(seed: u64, index: u64) -> u64 {
    let mut z = seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl<B: Backend> WeightSource<B> for RandomWeights<'_, B> {
    fn tensor<const D: usize>(&mut self, name: &str, shape: [usize; D]) -> Result<Tensor<B, D>> {
        let n: usize = shape.iter().product();
        let values: Vec<f32> = if name.ends_with("norm.weight") {
            vec![1.0; n]
        } else {
            let mut rng = ChaCha8Rng::seed_from_u64(mix_seed(self.seed, self.index));
            let half_width = self.std * 3f32.sqrt();
            (0..n)
                .map(|_| rng.random_range(-half_width..half_width))
                .collect()
        };
        self.index += 1;
        let data = TensorData::new(values, shape).convert_dtype(self.dtype);
        Ok(Tensor::from_data(data, (self.device, self.dtype)))
    }
}
