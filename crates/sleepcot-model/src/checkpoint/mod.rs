//! Hugging Face checkpoints: loading (single or sharded safetensors, any float dtype on disk,
//! compute dtype chosen by the caller) and saving in the same layout.

mod reader;
mod save;
mod source;

pub use reader::{CheckpointReader, INDEX_FILE, SINGLE_FILE};
pub use save::save_pretrained;
pub use source::CheckpointSource;

use std::path::Path;

use burn::tensor::{DType, backend::Backend};

use crate::config::Qwen2Config;
use crate::error::Result;
use crate::model::Qwen2ForCausalLM;

/// Loads `config.json` and the safetensors weights of a local checkpoint directory, converting
/// the weights to `dtype` on `device`.
pub fn load_pretrained<B: Backend>(
    dir: impl AsRef<Path>,
    dtype: DType,
    device: &B::Device,
) -> Result<Qwen2ForCausalLM<B>> {
    let dir = dir.as_ref();
    let config = Qwen2Config::from_file(dir.join("config.json"))?;
    let reader = CheckpointReader::open(dir)?;
    let mut source = CheckpointSource::<B>::new(&reader, dtype, device);
    Qwen2ForCausalLM::from_source(&config, &mut source, dtype, device)
}
