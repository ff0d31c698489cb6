//! Writes a model in Hugging Face layout: `config.json` plus one `model.safetensors`, linear
//! weights as `[out, in]`, and no `lm_head.weight` when embeddings are tied. Both files are
//! written to a temporary name in the target directory and renamed into place.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use burn::nn::Linear;
use burn::tensor::{DType, Tensor, TensorData, backend::Backend};
use safetensors::tensor::{Dtype, View};

use super::reader::SINGLE_FILE;
use crate::error::{ModelError, Result};
use crate::lora::LoraLinear;
use crate::model::Qwen2ForCausalLM;

/// A tensor ready for serialisation.
struct StoredTensor {
    dtype: Dtype,
    shape: Vec<usize>,
    bytes: Vec<u8>,
}

impl View for &StoredTensor {
    fn dtype(&self) -> Dtype {
        self.dtype
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.bytes)
    }
    fn data_len(&self) -> usize {
        self.bytes.len()
    }
}

fn stored(data: TensorData) -> StoredTensor {
    let (data, dtype) = match data.dtype {
        DType::F16 => (data, Dtype::F16),
        DType::BF16 => (data, Dtype::BF16),
        DType::F32 => (data, Dtype::F32),
        _ => (data.convert_dtype(DType::F32), Dtype::F32),
    };
    StoredTensor {
        dtype,
        shape: data.shape.to_vec(),
        bytes: data.as_bytes().to_vec(),
    }
}

fn tensor<B: Backend, const D: usize>(t: Tensor<B, D>) -> StoredTensor {
    stored(t.into_data())
}

fn push_linear<B: Backend>(
    out: &mut Vec<(String, StoredTensor)>,
    prefix: String,
    layer: &Linear<B>,
) {
    // burn keeps [in, out]; HF stores [out, in].
    out.push((
        format!("{prefix}.weight"),
        tensor(layer.weight.val().transpose()),
    ));
    if let Some(bias) = &layer.bias {
        out.push((format!("{prefix}.bias"), tensor(bias.val())));
    }
}

fn push_lora<B: Backend>(
    out: &mut Vec<(String, StoredTensor)>,
    prefix: String,
    layer: &LoraLinear<B>,
) {
    push_linear(out, prefix, &layer.base);
}

/// Every tensor of `model` under its HF name.
fn named_tensors<B: Backend>(model: &Qwen2ForCausalLM<B>) -> Vec<(String, StoredTensor)> {
    let mut out = Vec::new();
    out.push((
        "model.embed_tokens.weight".to_string(),
        tensor(model.model.embed_tokens.weight.val()),
    ));
    for (i, layer) in model.model.layers.iter().enumerate() {
        let p = format!("model.layers.{i}");
        out.push((
            format!("{p}.input_layernorm.weight"),
            tensor(layer.input_layernorm.weight.val()),
        ));
        out.push((
            format!("{p}.post_attention_layernorm.weight"),
            tensor(layer.post_attention_layernorm.weight.val()),
        ));
        let a = &layer.self_attn;
        push_lora(&mut out, format!("{p}.self_attn.q_proj"), &a.q_proj);
        push_lora(&mut out, format!("{p}.self_attn.k_proj"), &a.k_proj);
        push_lora(&mut out, format!("{p}.self_attn.v_proj"), &a.v_proj);
        push_lora(&mut out, format!("{p}.self_attn.o_proj"), &a.o_proj);
        let m = &layer.mlp;
        push_lora(&mut out, format!("{p}.mlp.gate_proj"), &m.gate_proj);
        push_lora(&mut out, format!("{p}.mlp.up_proj"), &m.up_proj);
        push_lora(&mut out, format!("{p}.mlp.down_proj"), &m.down_proj);
    }
    out.push((
        "model.norm.weight".to_string(),
        tensor(model.model.norm.weight.val()),
    ));
    if let Some(head) = &model.lm_head {
        push_linear(&mut out, "lm_head".to_string(), head);
    }
    out
}

fn temp_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

fn rename(tmp: &Path, target: &Path) -> Result<()> {
    std::fs::rename(tmp, target).map_err(|source| ModelError::Io {
        action: "rename into",
        path: target.to_path_buf(),
        source,
    })
}

/// Writes `bytes` to `target` atomically (temporary file in the same directory, then rename).
fn write_atomic(target: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = temp_path(target);
    std::fs::write(&tmp, bytes).map_err(|source| ModelError::Io {
        action: "write",
        path: tmp.clone(),
        source,
    })?;
    rename(&tmp, target)
}

/// Saves `model` into `dir` (created if needed) as `config.json` + `model.safetensors`.
///
/// LoRA adapters that are not merged are not part of the base checkpoint; merge them first to
/// export a merged model, or save them in PEFT format with the `lora` module.
pub fn save_pretrained<B: Backend>(
    model: &Qwen2ForCausalLM<B>,
    dir: impl AsRef<Path>,
) -> Result<()> {
    let dir = dir.as_ref();
    std::fs::create_dir_all(dir).map_err(|source| ModelError::Io {
        action: "create directory",
        path: dir.to_path_buf(),
        source,
    })?;
    let mut config = model.config.to_hf_json();
    config["dtype"] = serde_json::Value::from(match model.dtype() {
        DType::F16 => "float16",
        DType::BF16 => "bfloat16",
        _ => "float32",
    });
    let text = serde_json::to_string_pretty(&config).expect("a JSON value always serialises");
    write_atomic(&dir.join("config.json"), text.as_bytes())?;

    let tensors = named_tensors(model);
    let target = dir.join(SINGLE_FILE);
    let tmp = temp_path(&target);
    let metadata = HashMap::from([("format".to_string(), "pt".to_string())]);
    safetensors::serialize_to_file(
        tensors.iter().map(|(n, t)| (n.as_str(), t)),
        Some(metadata),
        &tmp,
    )
    .map_err(|e| ModelError::Safetensors {
        path: tmp.clone(),
        message: e.to_string(),
    })?;
    rename(&tmp, &target)
}
