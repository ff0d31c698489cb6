//! Building the student a stage trains: its tokenizer and its (possibly LoRA-adapted) model.

use std::path::{Path, PathBuf};

use burn::tensor::DType;
use burn::tensor::backend::Backend;
use sleepcot_data::instructions::InstructionRecord;
use sleepcot_model::hub::{HubOptions, resolve_model};
use sleepcot_model::lora::{LoraConfig, apply_lora};
use sleepcot_model::tokenizer::{ChatTokenizer, train_bpe_with};
use sleepcot_model::{Qwen2Config, Qwen2ForCausalLM, load_pretrained};

use crate::config::{ScratchModel, StudentConfig};
use crate::error::Result;
use crate::params::stabilise_ids;

/// Where a pretrained student's files are, resolved once (a hub id becomes a cache directory).
pub fn pretrained_dir(spec: &str) -> Result<PathBuf> {
    Ok(resolve_model(spec, &HubOptions::from_env())?)
}

/// The tokenizer of a student: a pretrained model's own, a given `tokenizer.json`, or a
/// byte-level BPE trained on the training records (system, user, rationale and answer texts).
pub fn build_tokenizer(
    student: &StudentConfig,
    train: &[InstructionRecord],
) -> Result<ChatTokenizer> {
    match student {
        StudentConfig::Pretrained { model, .. } => Ok(ChatTokenizer::from_file(
            pretrained_dir(model)?.join("tokenizer.json"),
        )?),
        StudentConfig::Scratch {
            tokenizer: Some(path),
            ..
        } => Ok(ChatTokenizer::from_file(path)?),
        StudentConfig::Scratch {
            vocab_size,
            split_digits,
            ..
        } => {
            let texts: Vec<&str> = train
                .iter()
                .flat_map(|r| {
                    [
                        r.system.as_str(),
                        r.user.as_str(),
                        r.rationale.as_str(),
                        r.answer.as_str(),
                    ]
                })
                .collect();
            Ok(train_bpe_with(&texts, *vocab_size, *split_digits)?)
        }
    }
}

/// The Qwen2 configuration of a from-scratch student with `vocab_size` tokens.
pub fn scratch_config(model: &ScratchModel, vocab_size: usize) -> Qwen2Config {
    Qwen2Config {
        vocab_size,
        hidden_size: model.hidden_size,
        intermediate_size: model.intermediate_size,
        num_hidden_layers: model.layers,
        num_attention_heads: model.heads,
        num_key_value_heads: model.kv_heads,
        head_dim: model.hidden_size / model.heads,
        max_position_embeddings: model.max_positions,
        rope_theta: 10_000.0,
        rms_norm_eps: 1e-6,
        tie_word_embeddings: model.tie_embeddings,
        bos_token_id: None,
        eos_token_ids: Vec::new(),
    }
}

/// The LoRA configuration a student trains with, if any.
pub fn lora_of(student: &StudentConfig) -> Option<&LoraConfig> {
    match student {
        StudentConfig::Pretrained { lora, .. } => lora.as_ref(),
        StudentConfig::Scratch { .. } => None,
    }
}

/// Builds the initial model of a stage: random weights for a scratch student, the checkpoint
/// (plus fresh adapters when LoRA is on) for a pretrained one. Parameter ids are stabilised so
/// the optimiser state of a checkpoint lines up with the rebuilt model.
pub fn build_model<B: Backend>(
    student: &StudentConfig,
    tokenizer: &ChatTokenizer,
    seed: u64,
    device: &B::Device,
) -> Result<Qwen2ForCausalLM<B>> {
    let model = match student {
        StudentConfig::Scratch { model, .. } => {
            let mut config = scratch_config(model, tokenizer.vocab_size());
            let special = tokenizer.special_tokens();
            config.eos_token_ids = special.stop_ids().to_vec();
            Qwen2ForCausalLM::random(&config, seed, DType::F32, device)
        }
        StudentConfig::Pretrained {
            model,
            lora,
            precision,
        } => {
            let mut m = load_pretrained::<B>(pretrained_dir(model)?, precision.dtype(), device)?;
            if let Some(lora) = lora {
                apply_lora(&mut m, lora, seed)?;
            }
            m
        }
    };
    Ok(stabilise_ids(model))
}

/// Reloads the model a checkpoint holds: the full weights in `dir`, or the base plus the PEFT
/// adapter in `dir` for a LoRA student.
pub fn reload_model<B: Backend>(
    student: &StudentConfig,
    dir: &Path,
    device: &B::Device,
) -> Result<Qwen2ForCausalLM<B>> {
    let model = match student {
        StudentConfig::Pretrained {
            model,
            lora: Some(_),
            precision,
        } => {
            let mut m = load_pretrained::<B>(pretrained_dir(model)?, precision.dtype(), device)?;
            sleepcot_model::lora::freeze(&mut m);
            sleepcot_model::lora::load_peft_adapter(&mut m, dir)?;
            m
        }
        _ => load_pretrained::<B>(dir, DType::F32, device)?,
    };
    Ok(stabilise_ids(model))
}
