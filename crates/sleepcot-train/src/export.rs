//! Exports of a finished stage: a merged Hugging Face checkpoint with its tokenizer, and the
//! PEFT adapter of a LoRA student.

use std::path::{Path, PathBuf};

use burn::tensor::DType;
use burn::tensor::backend::Backend;
use sleepcot_model::Qwen2ForCausalLM;
use sleepcot_model::cast::cast_params;
use sleepcot_model::lora::{merge_and_unload, save_peft_adapter};
use sleepcot_model::save_pretrained;
use sleepcot_model::tokenizer::ChatTokenizer;

use crate::error::Result;

/// The directories an export wrote.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Exported {
    /// HF-layout checkpoint (`config.json`, `model.safetensors`, `tokenizer.json`,
    /// `tokenizer_config.json`), adapters
    /// merged: loadable by `sleepcot-model` and by `transformers`.
    pub model: PathBuf,
    /// PEFT adapter (`adapter_config.json`, `adapter_model.safetensors`), for LoRA students.
    pub adapter: Option<PathBuf>,
}

/// Writes `dir/model` (merged) and, when the model carries adapters, `dir/adapter`, naming
/// `base` as the adapter's base model. A student trained on a bf16 base is merged and saved in
/// f32: a LoRA update is often smaller than bf16's spacing near the base weight, and merging
/// in bf16 would round much of it away.
pub fn export<B: Backend>(
    model: &Qwen2ForCausalLM<B>,
    tokenizer: &ChatTokenizer,
    base: Option<&str>,
    dir: &Path,
) -> Result<Exported> {
    let mut merged = model.clone();
    let adapter = if sleepcot_model::lora::adapter_count(&mut merged) > 0 {
        let path = dir.join("adapter");
        save_peft_adapter(&mut merged, &path, base)?;
        tokenizer.save_pretrained(&path)?;
        Some(path)
    } else {
        None
    };
    let mut merged = cast_params(merged, DType::F32);
    merge_and_unload(&mut merged);
    let path = dir.join("model");
    save_pretrained(&merged, &path)?;
    tokenizer.save_pretrained(&path)?;
    Ok(Exported {
        model: path,
        adapter,
    })
}
