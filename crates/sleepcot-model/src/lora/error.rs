//! Errors raised while configuring, applying, saving or loading LoRA adapters.

use std::path::PathBuf;

/// A LoRA failure; each message is one sentence naming the file, field or tensor at fault.
#[derive(Debug, thiserror::Error)]
pub enum LoraError {
    /// A `LoraConfig` value is unusable.
    #[error("LoRA config field `{field}` is {value} but it must be {expected}")]
    InvalidConfig {
        /// The offending field.
        field: &'static str,
        /// The value found.
        value: String,
        /// What is accepted.
        expected: &'static str,
    },
    /// An adapter file is absent.
    #[error("adapter file {} does not exist; expected PEFT's {what}", path.display())]
    MissingFile {
        /// The path looked up.
        path: PathBuf,
        /// Which file was expected.
        what: &'static str,
    },
    /// Reading or writing an adapter file failed.
    #[error("could not {action} adapter file {} ({reason})", path.display())]
    Io {
        /// What was being done (read, write, create directory …).
        action: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The operating system's message.
        reason: String,
    },
    /// `adapter_config.json` is not valid JSON or lacks a required field.
    #[error("adapter config {} is malformed ({reason})", path.display())]
    MalformedConfig {
        /// The config file.
        path: PathBuf,
        /// What the parser reported.
        reason: String,
    },
    /// `adapter_config.json` asks for a feature this crate does not implement.
    #[error("adapter config {} sets `{field}` to {value}, but only {expected} is supported", path.display())]
    UnsupportedConfig {
        /// The config file.
        path: PathBuf,
        /// The field at fault.
        field: &'static str,
        /// Its value.
        value: String,
        /// What this crate handles.
        expected: &'static str,
    },
    /// `adapter_model.safetensors` cannot be parsed.
    #[error("adapter weights {} are not a valid safetensors file ({reason})", path.display())]
    MalformedWeights {
        /// The weights file.
        path: PathBuf,
        /// What the parser reported.
        reason: String,
    },
    /// The weights file holds a tensor that matches no adapted projection of the model.
    #[error("adapter weights {} hold tensor {name}, which matches no LoRA target of this model", path.display())]
    UnknownTensor {
        /// The weights file.
        path: PathBuf,
        /// The unexpected key.
        name: String,
    },
    /// A tensor the config implies is absent from the weights file.
    #[error("adapter weights {} lack tensor {name}, which the adapter config's target_modules require", path.display())]
    MissingTensor {
        /// The weights file.
        path: PathBuf,
        /// The missing key.
        name: String,
    },
    /// A tensor's shape does not fit the model (usually an adapter for another base model).
    #[error("tensor {name} in {} has shape {found:?} but this model needs {expected:?} (an adapter for a different base model?)", path.display())]
    ShapeMismatch {
        /// The weights file.
        path: PathBuf,
        /// The tensor key.
        name: String,
        /// Its shape in the file.
        found: Vec<usize>,
        /// The shape the model requires.
        expected: Vec<usize>,
    },
    /// A tensor is stored with an element type that cannot hold LoRA weights.
    #[error("tensor {name} in {} has dtype {dtype}, but LoRA weights must be F32, F16 or BF16", path.display())]
    UnsupportedDType {
        /// The weights file.
        path: PathBuf,
        /// The tensor key.
        name: String,
        /// The dtype found.
        dtype: String,
    },
    /// Saving was asked of a model that carries no adapter.
    #[error("the model carries no LoRA adapter to save; apply_lora or load_peft_adapter first")]
    NoAdapters,
    /// The adapters differ in rank, alpha or dropout, which one PEFT config cannot express.
    #[error(
        "LoRA adapters disagree on {what} ({first} vs {other}); one adapter_config.json needs the same value for every projection"
    )]
    Inconsistent {
        /// Which hyper-parameter differs.
        what: &'static str,
        /// The first value seen.
        first: String,
        /// A different value.
        other: String,
    },
}
