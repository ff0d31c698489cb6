//! Distillation training of Qwen2 students on teacher rationales.
//!
//! One entry point, [`train`], runs every stage of a [`TrainConfig`]: label-only, one-stage CoT
//! (SleepCoT), two-stage rationale-then-answer (Sci-CoT, with one student or two) and
//! multi-task distilling step-by-step, on a from-scratch student with a trained BPE tokenizer or
//! a pretrained checkpoint with LoRA or full fine-tuning. Runs are seeded and reproducible on
//! CPU, checkpoint atomically, resume after a kill, and export PEFT adapters and merged
//! Hugging Face checkpoints.
//!
//! ```no_run
//! let config = sleepcot_train::TrainConfig::from_file("train.toml")?;
//! let outcome = sleepcot_train::train(&config)?;
//! for stage in &outcome.stages {
//!     println!("{:?}: {} steps, final loss {:.3}", stage.stage, stage.steps, stage.final_train_loss);
//! }
//! # Ok::<(), sleepcot_train::TrainError>(())
//! ```

#![deny(missing_docs)]

pub mod batch;
pub mod bench;
pub mod checkpoint;
pub mod config;
pub mod cpu_cross_entropy;
pub mod error;
pub mod export;
pub mod loss;
pub mod metrics;
pub mod objective;
pub mod optimizer;
pub mod parallel;
pub mod params;
pub mod schedule;
pub mod student;
pub mod trainer;

#[cfg(test)]
mod test_rng;

use std::path::{Path, PathBuf};

use burn::tensor::backend::Backend;
use serde::{Deserialize, Serialize};
use sleepcot_data::instructions::InstructionRecord;
use sleepcot_data::io::{read_jsonl, write_bytes_atomic};
use sleepcot_model::BackendTask;
use sleepcot_model::tokenizer::ChatTokenizer;

pub use config::{LoopConfig, OptimConfig, Precision, ScratchModel, StudentConfig, TrainConfig};
pub use error::{Result, TrainError};
pub use export::Exported;
pub use metrics::MetricRow;
pub use objective::{Objective, Stage, TwoStageStudents};

use crate::batch::encode_records;
use crate::error::io_err;
use crate::student::build_tokenizer;
use crate::trainer::{StageInputs, run_stage_on};

/// The result of one stage (one student) of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageOutcome {
    /// Which student this is.
    pub stage: Stage,
    /// The stage's directory (checkpoints, metrics, exports).
    pub dir: PathBuf,
    /// The exported model (and adapter).
    pub exported: Exported,
    /// Optimiser steps taken in total.
    pub steps: usize,
    /// Training loss of the last step.
    pub final_train_loss: f64,
    /// Validation loss at the end.
    pub final_val_loss: Option<f64>,
    /// Best validation loss seen.
    pub best_val_loss: Option<f64>,
    /// Trainable parameters.
    pub trainable_params: usize,
    /// All parameters.
    pub total_params: usize,
    /// Training tokens seen.
    pub tokens_seen: usize,
    /// Mean training throughput in tokens per second.
    pub tokens_per_s: f64,
    /// Seconds of training (summed over resumes).
    pub wall_s: f64,
    /// The step this invocation resumed from, if it resumed.
    pub resumed_from: Option<usize>,
    /// Whether early stopping ended training.
    pub stopped_early: bool,
}

/// The result of [`train`]: one outcome per student.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainOutcome {
    /// The objective trained.
    pub objective: Objective,
    /// The tokenizer every stage used.
    pub tokenizer: PathBuf,
    /// One entry per stage, in training order.
    pub stages: Vec<StageOutcome>,
}

/// Trains every stage of `config`, resuming each from its newest checkpoint.
///
/// Writes `out/tokenizer.json`, and per stage `out/<stage>/` with `checkpoints/`,
/// `metrics.csv`, `metrics.parquet`, `model/` (merged HF checkpoint), `adapter/` for LoRA, and
/// `outcome.json`. Finally writes `out/outcome.json`.
pub fn train(config: &TrainConfig) -> Result<TrainOutcome> {
    config.validate()?;
    let train_records = load_records(config, "train", config.max_train_records)?;
    let val_records = load_records(config, "val", config.max_val_records)?;
    std::fs::create_dir_all(&config.out).map_err(io_err("create directory", &config.out))?;

    let tokenizer_path = config.out.join("tokenizer.json");
    let tokenizer = if tokenizer_path.is_file() {
        ChatTokenizer::from_file(&tokenizer_path)?
    } else {
        let tokenizer = build_tokenizer(&config.student, &train_records)?;
        tokenizer.save(&tokenizer_path)?;
        tokenizer
    };

    let mut stages = Vec::new();
    for (index, stage) in config.objective.stages().into_iter().enumerate() {
        let parts = config.objective.parts(stage);
        let weights: Vec<f64> = parts.iter().map(|p| p.1).collect();
        let encode = |records: &[InstructionRecord]| {
            encode_records(
                records,
                &parts,
                &tokenizer,
                config.run.max_len,
                config.run.truncate,
            )
        };
        let (train_ex, val_ex) = (encode(&train_records)?, encode(&val_records)?);
        let dir = config.out.join(stage.dir_name());
        std::fs::create_dir_all(&dir).map_err(io_err("create directory", &dir))?;
        let inputs = StageInputs {
            dir: &dir,
            train: &train_ex,
            val: &val_ex,
            part_weights: &weights,
            tokenizer: &tokenizer,
            seed: sleepcot_model::model::mix_seed(config.seed, index as u64),
        };
        let task = StageTask {
            config,
            inputs: &inputs,
            stage,
        };
        let outcome = config.backend.run_on(task, config.run.devices)??;
        write_json(&dir.join("outcome.json"), &outcome)?;
        stages.push(outcome);
    }
    let outcome = TrainOutcome {
        objective: config.objective,
        tokenizer: tokenizer_path,
        stages,
    };
    write_json(&config.out.join("outcome.json"), &outcome)?;
    Ok(outcome)
}

/// The tokenizer [`train`] would use for `config`: a pretrained model's own, the configured
/// `tokenizer.json`, or a BPE trained on the configured training records. An experiment calls
/// it once and shares the result between its variants.
pub fn build_run_tokenizer(config: &TrainConfig) -> Result<ChatTokenizer> {
    let records = load_records(config, "train", config.max_train_records)?;
    build_tokenizer(&config.student, &records)
}

/// Runs one stage on the backend [`sleepcot_model::BackendKind::run`] picks.
struct StageTask<'a> {
    config: &'a TrainConfig,
    inputs: &'a StageInputs<'a>,
    stage: Stage,
}

impl BackendTask for StageTask<'_> {
    type Output = Result<StageOutcome>;

    fn run<B: Backend>(self, device: B::Device) -> Self::Output {
        self.run_on::<B>(vec![device])
    }

    fn run_on<B: Backend>(self, devices: Vec<B::Device>) -> Self::Output {
        let result = run_stage_on::<B>(self.config, self.inputs, &devices)?;
        let model = &result.model;
        let base = match &self.config.student {
            StudentConfig::Pretrained { model, .. } => Some(model.as_str()),
            StudentConfig::Scratch { .. } => None,
        };
        let exported = export::export(model, self.inputs.tokenizer, base, self.inputs.dir)?;
        let history = &result.state.history;
        let last = history.last();
        Ok(StageOutcome {
            stage: self.stage,
            dir: self.inputs.dir.to_path_buf(),
            exported,
            steps: result.state.step,
            final_train_loss: last.map_or(f64::NAN, |r| r.train_loss),
            final_val_loss: history.iter().rev().find_map(|r| r.val_loss),
            best_val_loss: result.state.best_val,
            trainable_params: result.params.0,
            total_params: result.params.1,
            tokens_seen: result.state.tokens_seen,
            tokens_per_s: result.state.tokens_seen as f64 / result.state.wall_s.max(1e-9),
            wall_s: result.state.wall_s,
            resumed_from: result.resumed_from,
            stopped_early: result.stopped_early,
        })
    }
}

/// Reads `data/<split>.jsonl`, keeps the configured tasks and applies the cap.
fn load_records(
    config: &TrainConfig,
    split: &str,
    cap: Option<usize>,
) -> Result<Vec<InstructionRecord>> {
    let path = config.data.join(format!("{split}.jsonl"));
    let mut records: Vec<InstructionRecord> = read_jsonl(&path)?;
    records.retain(|r| config.tasks.contains(&r.task));
    if let Some(cap) = cap {
        records.truncate(cap);
    }
    Ok(records)
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let json = serde_json::to_vec_pretty(value).expect("outcomes always serialise");
    Ok(write_bytes_atomic(path, &json)?)
}
