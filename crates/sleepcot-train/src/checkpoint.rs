//! Checkpoints: the model (or adapter), the optimiser state and the loop state, written to a
//! temporary directory and renamed into place, so a checkpoint on disk is always whole.

use std::path::{Path, PathBuf};

use burn::optim::Optimizer;
use burn::record::{BinFileRecorder, FullPrecisionSettings, Recorder};
use burn::tensor::backend::AutodiffBackend;
use serde::{Deserialize, Serialize};
use sleepcot_data::io::write_bytes_atomic;
use sleepcot_model::tokenizer::ChatTokenizer;
use sleepcot_model::{Qwen2ForCausalLM, save_pretrained};

use crate::error::{Result, TrainError, io_err};
use crate::metrics::MetricRow;

/// The loop's position and history: everything besides tensors that a resumed run needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoopState {
    /// Optimiser steps completed.
    pub step: usize,
    /// Current epoch (0-based).
    pub epoch: usize,
    /// Micro-batches of the current epoch already consumed. With the seed and epoch this fixes
    /// the data order: the epoch's batch plan is a pure function of `(seed, epoch)`.
    pub batch_in_epoch: usize,
    /// Seed of the data order and of the per-step dropout generator (re-seeded from
    /// `(seed, step)` before each step, so the step count is the generator's whole state).
    pub seed: u64,
    /// Training tokens seen.
    pub tokens_seen: usize,
    /// Best validation loss so far.
    pub best_val: Option<f64>,
    /// Evaluations since the best one (early stopping).
    pub evals_since_best: usize,
    /// Seconds spent training so far.
    pub wall_s: f64,
    /// Every logged step.
    pub history: Vec<MetricRow>,
}

const STATE_FILE: &str = "state.json";
const OPTIMIZER_FILE: &str = "optimizer";
const CHECKPOINTS: &str = "checkpoints";

/// The directory holding a stage's checkpoints.
pub fn checkpoints_dir(stage_dir: &Path) -> PathBuf {
    stage_dir.join(CHECKPOINTS)
}

/// Writes checkpoint `step-NNNNNN` of `stage_dir`: model weights in HF layout (or the PEFT
/// adapter when `lora` is set), tokenizer, optimiser record and loop state. Keeps the newest
/// `keep` checkpoints; returns the checkpoint's directory.
pub fn save<B, O>(
    stage_dir: &Path,
    model: &Qwen2ForCausalLM<B>,
    lora: bool,
    tokenizer: &ChatTokenizer,
    optimizer: &O,
    state: &LoopState,
    keep: usize,
) -> Result<PathBuf>
where
    B: AutodiffBackend,
    O: Optimizer<Qwen2ForCausalLM<B>, B>,
{
    let root = checkpoints_dir(stage_dir);
    let name = format!("step-{:06}", state.step);
    let target = root.join(&name);
    let tmp = root.join(format!(".{name}.tmp"));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(io_err("remove", &tmp))?;
    }
    std::fs::create_dir_all(&tmp).map_err(io_err("create directory", &tmp))?;
    write_model(model, lora, &tmp)?;
    tokenizer.save(tmp.join("tokenizer.json"))?;
    BinFileRecorder::<FullPrecisionSettings>::new()
        .record(optimizer.to_record(), tmp.join(OPTIMIZER_FILE))
        .map_err(|e| TrainError::Checkpoint {
            path: tmp.clone(),
            reason: format!("cannot write the optimiser state: {e}"),
        })?;
    let json = serde_json::to_vec_pretty(state).expect("the loop state always serialises");
    write_bytes_atomic(&tmp.join(STATE_FILE), &json)?;
    if target.exists() {
        std::fs::remove_dir_all(&target).map_err(io_err("replace", &target))?;
    }
    std::fs::rename(&tmp, &target).map_err(io_err("rename into place", &target))?;
    prune(stage_dir, keep)?;
    Ok(target)
}

/// Writes the model: the PEFT adapter of a LoRA student, the whole model otherwise.
pub fn write_model<B: burn::tensor::backend::Backend>(
    model: &Qwen2ForCausalLM<B>,
    lora: bool,
    dir: &Path,
) -> Result<()> {
    if lora {
        let mut model = model.clone();
        sleepcot_model::lora::save_peft_adapter(&mut model, dir, None)?;
    } else {
        save_pretrained(model, dir)?;
    }
    Ok(())
}

/// The complete checkpoints of a stage, oldest first (temporary directories are ignored).
pub fn list(stage_dir: &Path) -> Result<Vec<PathBuf>> {
    let root = checkpoints_dir(stage_dir);
    if !root.is_dir() {
        return Ok(Vec::new());
    }
    let mut found: Vec<(usize, PathBuf)> = std::fs::read_dir(&root)
        .map_err(io_err("list", &root))?
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let step = path
                .file_name()?
                .to_str()?
                .strip_prefix("step-")?
                .parse()
                .ok()?;
            path.join(STATE_FILE).is_file().then_some((step, path))
        })
        .collect();
    found.sort();
    Ok(found.into_iter().map(|(_, p)| p).collect())
}

fn prune(stage_dir: &Path, keep: usize) -> Result<()> {
    let all = list(stage_dir)?;
    for old in all.iter().take(all.len().saturating_sub(keep)) {
        std::fs::remove_dir_all(old).map_err(io_err("remove old checkpoint", old))?;
    }
    Ok(())
}

/// Reads a checkpoint's loop state.
pub fn read_state(dir: &Path) -> Result<LoopState> {
    let path = dir.join(STATE_FILE);
    let bytes = std::fs::read(&path).map_err(io_err("read", &path))?;
    serde_json::from_slice(&bytes).map_err(|e| TrainError::Checkpoint {
        path: dir.to_path_buf(),
        reason: format!("{STATE_FILE} is malformed: {e}"),
    })
}

/// Loads a checkpoint's optimiser record into `optimizer` (the model must have been rebuilt
/// with stabilised parameter ids).
pub fn load_optimizer<B, O>(dir: &Path, optimizer: O, device: &B::Device) -> Result<O>
where
    B: AutodiffBackend,
    O: Optimizer<Qwen2ForCausalLM<B>, B>,
{
    let record = BinFileRecorder::<FullPrecisionSettings>::new()
        .load(dir.join(OPTIMIZER_FILE), device)
        .map_err(|e| TrainError::Checkpoint {
            path: dir.to_path_buf(),
            reason: format!("cannot read the optimiser state: {e}"),
        })?;
    Ok(optimizer.load_record(record))
}
