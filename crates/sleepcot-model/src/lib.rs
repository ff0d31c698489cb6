//! Qwen2 in burn: the student architecture of SleepCoT.
//!
//! Reads Hugging Face `config.json` and safetensors checkpoints, runs the decoder with a KV cache
//! for generation, wraps a `tokenizers` tokenizer with Qwen's ChatML template, and trains LoRA
//! adapters that round-trip with Python PEFT. [`serve`] serves a model over OpenAI's
//! chat-completions API.

#![deny(missing_docs)]

pub mod backend;
pub mod bench;
pub mod cast;
pub mod checkpoint;
pub mod config;
pub mod error;
pub mod fused;
pub mod generate;
pub mod hub;
pub mod kernel_log;
pub mod kv_cache;
pub mod lora;
pub mod model;
pub mod serve;
pub mod tokenizer;
pub mod transfer;

pub use backend::{BackendKind, BackendTask};
pub use checkpoint::{load_pretrained, save_pretrained};
pub use config::Qwen2Config;
pub use error::ModelError;
pub use generate::{GenerationConfig, GenerationOutput, SamplingSite, generate, generate_at};
pub use kv_cache::KvCache;
pub use model::Qwen2ForCausalLM;
