//! The error type of the model crate: every message is one sentence naming the file, field or
//! tensor at fault and what was expected.

use std::path::PathBuf;

/// Everything that can go wrong while reading configurations and checkpoints, resolving hub ids
/// or validating generation requests.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A file that should exist is absent.
    #[error("missing file {path}: {what}")]
    MissingFile {
        /// The path that was looked for.
        path: PathBuf,
        /// What the file was needed for.
        what: String,
    },
    /// Reading or writing a file failed at the operating-system level.
    #[error("could not {action} {path}: {source}")]
    Io {
        /// What was being done ("read", "write", "rename" ...).
        action: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// `config.json` (or another JSON file) is not valid JSON.
    #[error("{path} is not valid JSON: {source}")]
    Json {
        /// The file that failed to parse.
        path: PathBuf,
        /// serde's error, which carries the line and column.
        source: serde_json::Error,
    },
    /// A required field is absent from `config.json`.
    #[error("{path} lacks the required field `{field}`")]
    MissingConfigField {
        /// The configuration file.
        path: PathBuf,
        /// The missing field.
        field: &'static str,
    },
    /// A field of `config.json` has a value the model cannot use.
    #[error("{path} field `{field}` is {value} but {expected}")]
    InvalidConfig {
        /// The configuration file.
        path: PathBuf,
        /// The offending field.
        field: &'static str,
        /// The value found, rendered as text.
        value: String,
        /// What was expected instead.
        expected: String,
    },
    /// The configuration describes a model this crate does not implement.
    #[error(
        "{path} describes an unsupported architecture {found}; only Qwen2ForCausalLM (model_type \"qwen2\") is supported"
    )]
    UnsupportedArchitecture {
        /// The configuration file.
        path: PathBuf,
        /// The architecture or model type found.
        found: String,
    },
    /// A safetensors file is malformed.
    #[error("{path} is not a valid safetensors file: {message}")]
    Safetensors {
        /// The checkpoint file.
        path: PathBuf,
        /// What the safetensors parser reported.
        message: String,
    },
    /// A tensor is present but its shape disagrees with the configuration.
    #[error("tensor {name} in {path} has shape {found:?} but the config expects {expected:?}")]
    TensorShape {
        /// The HF name of the tensor.
        name: String,
        /// The file it was read from.
        path: PathBuf,
        /// The shape stored in the file.
        found: Vec<usize>,
        /// The shape implied by the configuration.
        expected: Vec<usize>,
    },
    /// A tensor required by the configuration is absent from the checkpoint.
    #[error("tensor {name} is missing from the checkpoint in {path}")]
    MissingTensor {
        /// The HF name of the tensor.
        name: String,
        /// The checkpoint directory or file.
        path: PathBuf,
    },
    /// A tensor is stored with a dtype that cannot be loaded as floating point weights.
    #[error("tensor {name} in {path} has dtype {dtype}, expected F32, F16 or BF16")]
    UnsupportedDtype {
        /// The HF name of the tensor.
        name: String,
        /// The file it was read from.
        path: PathBuf,
        /// The dtype found.
        dtype: String,
    },
    /// `HF_HUB_OFFLINE=1` is set and the hub cache does not hold the requested file.
    #[error("HF_HUB_OFFLINE is set and {file} of {repo} is not in the hub cache {cache}")]
    OfflineCacheMiss {
        /// The hub repository id.
        repo: String,
        /// The file that was requested.
        file: String,
        /// The cache directory that was searched.
        cache: PathBuf,
    },
    /// Downloading from the hub failed.
    #[error("could not fetch {file} of {repo} from the Hugging Face hub: {message}")]
    Hub {
        /// The hub repository id.
        repo: String,
        /// The file that was requested.
        file: String,
        /// The download error.
        message: String,
    },
    /// A generation or forward request is inconsistent (empty prompt, too long, bad sampling value).
    #[error("invalid {what}: {message}")]
    InvalidRequest {
        /// The argument at fault.
        what: &'static str,
        /// What was wrong and what was expected.
        message: String,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = ModelError> = std::result::Result<T, E>;
