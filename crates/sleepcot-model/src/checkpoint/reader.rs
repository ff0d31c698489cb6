//! Reads tensors from a Hugging Face checkpoint directory: one `model.safetensors`, or shards
//! listed in `model.safetensors.index.json`. Files are memory-mapped and each tensor is copied
//! out only when asked for.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use burn::tensor::TensorData;
use memmap2::Mmap;
use safetensors::tensor::{Dtype, Metadata, SafeTensors};

use crate::error::{ModelError, Result};

/// File name of a single-file checkpoint.
pub const SINGLE_FILE: &str = "model.safetensors";
/// File name of the shard index of a sharded checkpoint.
pub const INDEX_FILE: &str = "model.safetensors.index.json";

/// One memory-mapped safetensors file with its parsed header.
struct Shard {
    path: PathBuf,
    map: Mmap,
    data_start: usize,
    metadata: Metadata,
}

impl Shard {
    fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                ModelError::MissingFile {
                    path: path.to_path_buf(),
                    what: "the checkpoint names this safetensors file".into(),
                }
            } else {
                ModelError::Io {
                    action: "open",
                    path: path.to_path_buf(),
                    source,
                }
            }
        })?;
        // SAFETY: the map is read-only and lives as long as `Shard`; checkpoint files are not
        // expected to be modified while a model is being loaded from them.
        let map = unsafe { Mmap::map(&file) }.map_err(|source| ModelError::Io {
            action: "memory-map",
            path: path.to_path_buf(),
            source,
        })?;
        let (header_len, metadata) =
            SafeTensors::read_metadata(&map).map_err(|e| ModelError::Safetensors {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
        Ok(Self {
            path: path.to_path_buf(),
            data_start: 8 + header_len,
            map,
            metadata,
        })
    }
}

/// The tensors of a checkpoint directory, by HF name.
pub struct CheckpointReader {
    dir: PathBuf,
    shards: Vec<Shard>,
    location: HashMap<String, usize>,
}

impl std::fmt::Debug for CheckpointReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckpointReader")
            .field("dir", &self.dir)
            .field(
                "shards",
                &self.shards.iter().map(|s| &s.path).collect::<Vec<_>>(),
            )
            .field("tensors", &self.location.len())
            .finish()
    }
}

impl CheckpointReader {
    /// Opens the safetensors files of `dir` (sharded when an index file is present).
    pub fn open(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref().to_path_buf();
        let index_path = dir.join(INDEX_FILE);
        let files: Vec<PathBuf> = if index_path.is_file() {
            shard_files(&index_path)?
                .into_iter()
                .map(|f| dir.join(f))
                .collect()
        } else {
            let single = dir.join(SINGLE_FILE);
            if !single.is_file() {
                return Err(ModelError::MissingFile {
                    path: single,
                    what: format!(
                        "neither {SINGLE_FILE} nor {INDEX_FILE} is in the checkpoint directory"
                    ),
                });
            }
            vec![single]
        };
        let mut shards = Vec::with_capacity(files.len());
        let mut location = HashMap::new();
        for (i, file) in files.iter().enumerate() {
            let shard = Shard::open(file)?;
            for name in shard.metadata.tensors().keys() {
                location.insert(name.clone(), i);
            }
            shards.push(shard);
        }
        Ok(Self {
            dir,
            shards,
            location,
        })
    }

    /// The checkpoint directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Names of all stored tensors, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.location.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    /// Whether the checkpoint stores `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.location.contains_key(name)
    }

    /// Reads `name`, checking that its shape is `expected`; keeps the stored float dtype.
    pub fn read(&self, name: &str, expected: &[usize]) -> Result<TensorData> {
        let shard = self
            .location
            .get(name)
            .map(|&i| &self.shards[i])
            .ok_or_else(|| ModelError::MissingTensor {
                name: name.to_string(),
                path: self.dir.clone(),
            })?;
        let info = shard
            .metadata
            .info(name)
            .ok_or_else(|| ModelError::MissingTensor {
                name: name.to_string(),
                path: shard.path.clone(),
            })?;
        if info.shape != expected {
            return Err(ModelError::TensorShape {
                name: name.to_string(),
                path: shard.path.clone(),
                found: info.shape.clone(),
                expected: expected.to_vec(),
            });
        }
        let (start, end) = info.data_offsets;
        let bytes = shard
            .map
            .get(shard.data_start + start..shard.data_start + end)
            .ok_or_else(|| ModelError::Safetensors {
                path: shard.path.clone(),
                message: format!("the data of tensor {name} lies outside the file"),
            })?;
        let shape = info.shape.clone();
        let data = match info.dtype {
            Dtype::F32 => TensorData::new(bytemuck::pod_collect_to_vec::<u8, f32>(bytes), shape),
            Dtype::F16 => {
                TensorData::new(bytemuck::pod_collect_to_vec::<u8, half::f16>(bytes), shape)
            }
            Dtype::BF16 => {
                TensorData::new(bytemuck::pod_collect_to_vec::<u8, half::bf16>(bytes), shape)
            }
            other => {
                return Err(ModelError::UnsupportedDtype {
                    name: name.to_string(),
                    path: shard.path.clone(),
                    dtype: format!("{other:?}"),
                });
            }
        };
        Ok(data)
    }
}

/// The distinct shard files named by an index's `weight_map`, in first-seen order.
fn shard_files(index_path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(index_path).map_err(|source| ModelError::Io {
        action: "read",
        path: index_path.to_path_buf(),
        source,
    })?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|source| ModelError::Json {
            path: index_path.to_path_buf(),
            source,
        })?;
    let map = value
        .get("weight_map")
        .and_then(serde_json::Value::as_object)
        .ok_or_else(|| ModelError::InvalidConfig {
            path: index_path.to_path_buf(),
            field: "weight_map",
            value: "absent or not an object".into(),
            expected: "an object from tensor name to shard file was expected".into(),
        })?;
    let mut files: Vec<String> = Vec::new();
    for (name, file) in map {
        let file = file.as_str().ok_or_else(|| ModelError::InvalidConfig {
            path: index_path.to_path_buf(),
            field: "weight_map",
            value: format!("{file} for tensor {name}"),
            expected: "a shard file name was expected".into(),
        })?;
        if !files.iter().any(|f| f == file) {
            files.push(file.to_string());
        }
    }
    Ok(files)
}
