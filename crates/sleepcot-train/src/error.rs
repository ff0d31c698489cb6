//! Everything that can stop a training run, each as one sentence naming what was wrong.

use std::path::PathBuf;

use sleepcot_data::io::IoError;
use sleepcot_model::ModelError;
use sleepcot_model::lora::LoraError;
use sleepcot_model::tokenizer::TokenizerError;

/// Why a training run could not start, continue or finish.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// The configuration file could not be read or parsed.
    #[error("cannot read training config {path}: {reason}")]
    ConfigFile {
        /// The file.
        path: PathBuf,
        /// What went wrong, in one line.
        reason: String,
    },
    /// A configuration value is impossible.
    #[error("invalid training config: `{field}` is {value}, expected {expected}")]
    InvalidConfig {
        /// The dotted key.
        field: &'static str,
        /// The value found.
        value: String,
        /// What would be accepted.
        expected: &'static str,
    },
    /// A record does not fit in the configured maximum length.
    #[error(
        "record {id} is {tokens} tokens long, over max_len {max_len}; raise `max_len` or set `truncate = true`"
    )]
    TooLong {
        /// The record id.
        id: String,
        /// Its length in tokens.
        tokens: usize,
        /// The limit.
        max_len: usize,
    },
    /// The training split has nothing to learn from.
    #[error("no training examples: {reason}")]
    NoData {
        /// Why.
        reason: String,
    },
    /// The loss became NaN or infinite.
    #[error(
        "training diverged at step {step}: the loss is {loss}; the last good checkpoint is kept at {checkpoint}"
    )]
    Diverged {
        /// The optimiser step whose loss was not finite.
        step: usize,
        /// The loss value.
        loss: f64,
        /// The last checkpoint on disk (or "none").
        checkpoint: String,
    },
    /// A checkpoint could not be read back.
    #[error("cannot resume from checkpoint {path}: {reason}")]
    Checkpoint {
        /// The checkpoint directory.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A metrics file could not be read.
    #[error("cannot read metrics file {path}: {reason}")]
    Metrics {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Reading or writing a file failed.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// Data I/O (JSONL, Parquet) failed.
    #[error(transparent)]
    Data(#[from] IoError),
    /// The model crate refused something.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// LoRA setup or export failed.
    #[error(transparent)]
    Lora(#[from] LoraError),
    /// The tokenizer failed.
    #[error(transparent)]
    Tokenizer(#[from] TokenizerError),
}

/// Short for `Result<T, TrainError>`.
pub type Result<T, E = TrainError> = std::result::Result<T, E>;

/// Wraps an I/O error with the action and path.
pub(crate) fn io_err(
    action: &'static str,
    path: &std::path::Path,
) -> impl FnOnce(std::io::Error) -> TrainError {
    let path = path.to_path_buf();
    move |source| TrainError::Io {
        action,
        path,
        source,
    }
}
