//! `TrainConfig`: everything one training run needs, read from TOML with unknown keys rejected.

use std::path::{Path, PathBuf};

use burn::tensor::DType;
use serde::{Deserialize, Serialize};
use sleepcot_data::teacher::Task;
use sleepcot_model::BackendKind;
use sleepcot_model::lora::LoraConfig;

use crate::error::{Result, TrainError};
use crate::objective::Objective;

/// One training run: data, student, objective, optimiser and loop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// Seed of initialisation, data order and dropout.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Directory holding `train.jsonl` and `val.jsonl` instruction records (as written by the
    /// data stage under `instructions/`).
    pub data: PathBuf,
    /// Output directory: checkpoints, metrics, exports.
    pub out: PathBuf,
    /// Which SleepCoT tasks to train on (default: all three).
    #[serde(default = "all_tasks")]
    pub tasks: Vec<Task>,
    /// Cap on the number of training records used (after filtering by task); `None` uses all.
    #[serde(default)]
    pub max_train_records: Option<usize>,
    /// Cap on the number of validation records.
    #[serde(default)]
    pub max_val_records: Option<usize>,
    /// The distillation objective.
    #[serde(default)]
    pub objective: Objective,
    /// The student model.
    pub student: StudentConfig,
    /// AdamW and the learning-rate schedule.
    #[serde(default)]
    pub optim: OptimConfig,
    /// Batching, length limits, steps, validation and checkpoints.
    #[serde(default, rename = "loop")]
    pub run: LoopConfig,
    /// The burn backend to train on.
    #[serde(default)]
    pub backend: BackendKind,
}

/// The student: a small Qwen2 trained from scratch, or a pretrained checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum StudentConfig {
    /// A small Qwen2 with random weights and a BPE tokenizer trained on the training split.
    Scratch {
        /// The architecture.
        #[serde(default)]
        model: ScratchModel,
        /// Vocabulary size of the tokenizer trained on the training split.
        #[serde(default = "default_vocab")]
        vocab_size: usize,
        /// Use this `tokenizer.json` instead of training one.
        #[serde(default)]
        tokenizer: Option<PathBuf>,
        /// Train the tokenizer with one token per digit (see
        /// [`sleepcot_model::tokenizer::train_bpe_with`]), so numbers can be compared digit by
        /// digit. Not serialised when off, so older configuration hashes do not change.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        split_digits: bool,
    },
    /// A Hugging Face checkpoint (local directory or hub id), fine-tuned with LoRA or in full.
    Pretrained {
        /// Directory with `config.json`, safetensors and `tokenizer.json`, or a hub id.
        model: String,
        /// LoRA hyper-parameters; absent means full fine-tuning.
        #[serde(default)]
        lora: Option<LoraConfig>,
        /// Element type of the frozen base weights. `bf16` trains a LoRA student in mixed
        /// precision: the base's matmuls run in bf16, while the adapters, their gradients and
        /// optimiser state, the normalisation statistics, the softmaxes and the loss stay f32.
        /// Full fine-tuning keeps f32. (Not serialised when f32, so the hashes of configurations
        /// written before the key existed do not change.)
        #[serde(default, skip_serializing_if = "Precision::is_f32")]
        precision: Precision,
    },
}

/// Element type of a pretrained student's base weights (see [`StudentConfig::Pretrained`]).
///
/// There is no `f16`: its narrow range makes small gradients underflow unless the loss is
/// scaled, and the trainer does no loss scaling; bf16 has f32's range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// 32-bit floats everywhere.
    #[default]
    F32,
    /// bfloat16 base weights: the range of f32 with 8 bits of mantissa; the usual GPU choice.
    Bf16,
}

impl Precision {
    /// The burn dtype of the base weights.
    pub fn dtype(self) -> DType {
        match self {
            Self::F32 => DType::F32,
            Self::Bf16 => DType::BF16,
        }
    }

    /// Bytes per base weight.
    pub fn bytes(self) -> u64 {
        match self {
            Self::F32 => 4,
            Self::Bf16 => 2,
        }
    }

    /// Whether this is the f32 default.
    pub fn is_f32(&self) -> bool {
        *self == Self::F32
    }
}

impl std::str::FromStr for Precision {
    type Err = TrainError;

    /// Reads `f32` or `bf16` (any case).
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "f32" => Ok(Self::F32),
            "bf16" => Ok(Self::Bf16),
            _ => Err(TrainError::InvalidConfig {
                field: "precision",
                value: s.to_string(),
                expected: "f32 or bf16",
            }),
        }
    }
}

impl std::fmt::Display for Precision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::F32 => "f32",
            Self::Bf16 => "bf16",
        })
    }
}

/// The shape of a from-scratch student.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScratchModel {
    /// Width of the residual stream.
    pub hidden_size: usize,
    /// Number of decoder layers.
    pub layers: usize,
    /// Attention heads.
    pub heads: usize,
    /// Key/value heads (grouped-query attention); divides `heads`.
    pub kv_heads: usize,
    /// Width of the SwiGLU MLP.
    pub intermediate_size: usize,
    /// Longest sequence the rotary tables cover.
    pub max_positions: usize,
    /// Tie the output projection to the embeddings.
    #[serde(default = "yes")]
    pub tie_embeddings: bool,
}

impl Default for ScratchModel {
    /// About 1.3 M parameters besides the embeddings: trains in minutes on two CPU cores.
    fn default() -> Self {
        Self {
            hidden_size: 128,
            layers: 4,
            heads: 4,
            kv_heads: 2,
            intermediate_size: 352,
            max_positions: 1024,
            tie_embeddings: true,
        }
    }
}

/// AdamW (PyTorch's defaults) and a linear-warmup, cosine-decay schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OptimConfig {
    /// Peak learning rate.
    pub lr: f64,
    /// Decoupled weight decay.
    pub weight_decay: f64,
    /// First-moment decay.
    pub beta1: f64,
    /// Second-moment decay.
    pub beta2: f64,
    /// Denominator epsilon.
    pub eps: f64,
    /// Steps of linear warmup from 0 to `lr`.
    pub warmup_steps: usize,
    /// The learning rate at the end of the cosine, as a fraction of `lr`.
    pub min_lr_ratio: f64,
    /// Global gradient-norm clip; `None` disables clipping.
    pub clip_norm: Option<f64>,
}

impl Default for OptimConfig {
    fn default() -> Self {
        Self {
            lr: 1e-3,
            weight_decay: 0.01,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            warmup_steps: 0,
            min_lr_ratio: 0.0,
            clip_norm: Some(1.0),
        }
    }
}

/// Batching and the shape of the loop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoopConfig {
    /// Records per micro-batch (a multi-format objective makes several sequences of each).
    pub batch_size: usize,
    /// Micro-batches per optimiser step.
    pub grad_accum: usize,
    /// Passes over the training records (ignored when `max_steps` is set).
    pub epochs: usize,
    /// Stop after this many optimiser steps.
    pub max_steps: Option<usize>,
    /// Longest sequence in tokens.
    pub max_len: usize,
    /// Cut sequences longer than `max_len` instead of refusing them: the oldest prompt
    /// tokens go first, and the reply's tail only when the reply alone is too long.
    pub truncate: bool,
    /// Validation loss every N steps (0: only at the end).
    pub eval_every: usize,
    /// Checkpoint every N steps (0: only at the end).
    pub checkpoint_every: usize,
    /// Stop when the validation loss has not improved for this many evaluations.
    pub early_stopping_patience: Option<usize>,
    /// How many step checkpoints to keep on disk (the newest).
    pub keep_checkpoints: usize,
    /// Show a progress bar on the terminal.
    pub progress: bool,
    /// Devices to spread each step's `grad_accum` micro-batches over (data parallelism; see
    /// [`crate::parallel`]): GPUs `0..devices` of the backend. A step computes the same
    /// gradients as on one device, so the curve does not depend on this number. (Not serialised
    /// when 1, like [`Precision::F32`].)
    #[serde(skip_serializing_if = "is_one")]
    pub devices: usize,
}

impl Default for LoopConfig {
    fn default() -> Self {
        Self {
            batch_size: 8,
            grad_accum: 1,
            epochs: 1,
            max_steps: None,
            max_len: 512,
            truncate: false,
            eval_every: 50,
            checkpoint_every: 50,
            early_stopping_patience: None,
            keep_checkpoints: 2,
            progress: true,
            devices: 1,
        }
    }
}

fn is_one(n: &usize) -> bool {
    *n == 1
}

fn default_seed() -> u64 {
    17
}
fn default_vocab() -> usize {
    2048
}
fn yes() -> bool {
    true
}
fn all_tasks() -> Vec<Task> {
    Task::ALL.to_vec()
}

impl TrainConfig {
    /// Every default: seed 17, all three tasks, a CoT objective, a default from-scratch student
    /// with a 2048-token BPE, AdamW at 1e-3 and one epoch on the CPU; reads `train.jsonl` and
    /// `val.jsonl` from `data` and writes to `out`.
    pub fn new(data: impl Into<PathBuf>, out: impl Into<PathBuf>) -> Self {
        TrainConfig {
            seed: default_seed(),
            data: data.into(),
            out: out.into(),
            tasks: all_tasks(),
            max_train_records: None,
            max_val_records: None,
            objective: Objective::default(),
            student: StudentConfig::Scratch {
                model: ScratchModel::default(),
                vocab_size: default_vocab(),
                tokenizer: None,
                split_digits: false,
            },
            optim: OptimConfig::default(),
            run: LoopConfig::default(),
            backend: BackendKind::default(),
        }
    }

    /// Reads and validates a TOML file; relative `data`/`out` paths are taken from the
    /// current directory, as a shell user expects.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| TrainError::ConfigFile {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        Self::from_toml(&text).map_err(|e| match e {
            TrainError::ConfigFile { reason, .. } => TrainError::ConfigFile {
                path: path.to_path_buf(),
                reason,
            },
            other => other,
        })
    }

    /// Parses and validates TOML text.
    pub fn from_toml(text: &str) -> Result<Self> {
        let config: Self = toml::from_str(text).map_err(|e| TrainError::ConfigFile {
            path: PathBuf::from("<toml>"),
            reason: one_line(&e.to_string()),
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Checks every value that serde cannot: ranges, divisibility, LoRA targets.
    pub fn validate(&self) -> Result<()> {
        fn bad(field: &'static str, value: impl ToString, expected: &'static str) -> TrainError {
            TrainError::InvalidConfig {
                field,
                value: value.to_string(),
                expected,
            }
        }
        let o = &self.optim;
        if !(o.lr.is_finite() && o.lr > 0.0) {
            return Err(bad("optim.lr", o.lr, "a positive number"));
        }
        if !(o.weight_decay.is_finite() && o.weight_decay >= 0.0) {
            return Err(bad("optim.weight_decay", o.weight_decay, "0 or more"));
        }
        for (field, v) in [("optim.beta1", o.beta1), ("optim.beta2", o.beta2)] {
            if !(0.0..1.0).contains(&v) {
                return Err(bad(field, v, "a number in [0, 1)"));
            }
        }
        if !(o.eps.is_finite() && o.eps > 0.0) {
            return Err(bad("optim.eps", o.eps, "a positive number"));
        }
        if !(0.0..=1.0).contains(&o.min_lr_ratio) {
            return Err(bad(
                "optim.min_lr_ratio",
                o.min_lr_ratio,
                "a number in [0, 1]",
            ));
        }
        if let Some(c) = o.clip_norm
            && !(c.is_finite() && c > 0.0)
        {
            return Err(bad("optim.clip_norm", c, "a positive number"));
        }
        let r = &self.run;
        if r.batch_size == 0 {
            return Err(bad("loop.batch_size", 0, "at least 1"));
        }
        if r.grad_accum == 0 {
            return Err(bad("loop.grad_accum", 0, "at least 1"));
        }
        if r.max_steps.is_none() && r.epochs == 0 {
            return Err(bad("loop.epochs", 0, "at least 1 (or set loop.max_steps)"));
        }
        if r.max_steps == Some(0) {
            return Err(bad("loop.max_steps", 0, "at least 1"));
        }
        if r.max_len < 8 {
            return Err(bad("loop.max_len", r.max_len, "at least 8 tokens"));
        }
        if r.devices == 0 {
            return Err(bad("loop.devices", 0, "at least 1"));
        }
        if r.grad_accum < r.devices {
            return Err(bad(
                "loop.grad_accum",
                r.grad_accum,
                "at least loop.devices (each device takes whole micro-batches)",
            ));
        }
        if r.keep_checkpoints == 0 {
            return Err(bad("loop.keep_checkpoints", 0, "at least 1"));
        }
        if self.tasks.is_empty() {
            return Err(bad("tasks", "[]", "at least one task"));
        }
        self.objective.validate()?;
        match &self.student {
            StudentConfig::Scratch {
                model, vocab_size, ..
            } => {
                if *vocab_size < 259 {
                    return Err(bad(
                        "student.vocab_size",
                        vocab_size,
                        "at least 259 (256 bytes + 3 ChatML tokens)",
                    ));
                }
                for (field, v) in [
                    ("student.model.hidden_size", model.hidden_size),
                    ("student.model.layers", model.layers),
                    ("student.model.heads", model.heads),
                    ("student.model.kv_heads", model.kv_heads),
                    ("student.model.intermediate_size", model.intermediate_size),
                ] {
                    if v == 0 {
                        return Err(bad(field, 0, "at least 1"));
                    }
                }
                if model.hidden_size % model.heads != 0
                    || (model.hidden_size / model.heads) % 2 != 0
                {
                    return Err(bad(
                        "student.model.heads",
                        model.heads,
                        "a divisor of hidden_size giving an even head dimension",
                    ));
                }
                if model.heads % model.kv_heads != 0 {
                    return Err(bad(
                        "student.model.kv_heads",
                        model.kv_heads,
                        "a divisor of heads",
                    ));
                }
                if model.max_positions < r.max_len {
                    return Err(bad(
                        "student.model.max_positions",
                        model.max_positions,
                        "at least loop.max_len",
                    ));
                }
            }
            StudentConfig::Pretrained {
                lora, precision, ..
            } => {
                if let Some(lora) = lora {
                    lora.validate()?;
                } else if *precision != Precision::F32 {
                    return Err(bad(
                        "student.precision",
                        precision,
                        "f32 for full fine-tuning (bf16 needs a [student.lora] table)",
                    ));
                }
            }
        }
        Ok(())
    }

    /// Optimiser steps per epoch for `records` training records.
    pub fn steps_per_epoch(&self, records: usize) -> usize {
        let batches = records.div_ceil(self.run.batch_size);
        batches.div_ceil(self.run.grad_accum).max(1)
    }

    /// Total optimiser steps for `records` training records.
    pub fn total_steps(&self, records: usize) -> usize {
        self.run
            .max_steps
            .unwrap_or(self.run.epochs * self.steps_per_epoch(records))
    }
}

/// Keeps the first line of a multi-line parser message (toml puts a source excerpt below).
pub(crate) fn one_line(message: &str) -> String {
    let mut lines = message.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or_default().to_string();
    // toml's message: "TOML parse error at line 3, column 1" then excerpt then the reason.
    match lines.next_back() {
        Some(last) if first.starts_with("TOML parse error") => format!("{first}: {last}"),
        _ => first,
    }
}
