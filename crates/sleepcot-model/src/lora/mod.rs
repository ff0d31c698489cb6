//! LoRA adapters: a linear layer with a low-rank side branch, applied across the Qwen2 decoder,
//! merged into the base weights, and saved/loaded in Hugging Face PEFT's on-disk format.

pub mod apply;
pub mod config;
pub mod error;
pub mod linear;
pub mod peft;
pub mod targets;

pub use apply::{adapter_count, apply_lora, freeze, merge, merge_and_unload, unmerge};
pub use config::{LoraConfig, TargetModule};
pub use error::LoraError;
pub use linear::{LoraAdapter, LoraLinear};
pub use peft::{PeftAdapterConfig, load_peft_adapter, save_peft_adapter};
pub use targets::{LoraTargets, Projection};
