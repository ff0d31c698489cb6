//! The training loop of one stage: micro-batches, accumulation, clipping, AdamW, validation,
//! early stopping, checkpoints and resume.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::module::AutodiffModule;
use burn::optim::{GradientsAccumulator, GradientsParams, Optimizer};
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::cast::ToElement;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sleepcot_model::Qwen2ForCausalLM;
use sleepcot_model::model::mix_seed;
use sleepcot_model::tokenizer::ChatTokenizer;

use crate::batch::{Batch, RecordExamples, collate, epoch_batches};
use crate::checkpoint::{self, LoopState};
use crate::config::TrainConfig;
use crate::error::{Result, TrainError};
use crate::loss::batch_loss;
use crate::metrics::{MetricRow, write_metrics};
use crate::optimizer::FusedAdamW;
use crate::parallel::DataParallel;
use crate::params::{clip_global_norm, count_params};
use crate::schedule::learning_rate;
use crate::student::{build_model, lora_of, reload_model};

/// What one stage's loop needs besides the configuration.
pub struct StageInputs<'a> {
    /// The stage's output directory.
    pub dir: &'a Path,
    /// Tokenised training records.
    pub train: &'a [RecordExamples],
    /// Tokenised validation records.
    pub val: &'a [RecordExamples],
    /// The weight of each part's mean token loss.
    pub part_weights: &'a [f64],
    /// The student's tokenizer.
    pub tokenizer: &'a ChatTokenizer,
    /// Seed of this stage (the run seed mixed with the stage).
    pub seed: u64,
}

/// How a stage's loop ended, with the trained model.
#[derive(Debug)]
pub struct LoopResult<B: Backend> {
    /// The trained model, off the autodiff graph (adapters unmerged for a LoRA student).
    pub model: Qwen2ForCausalLM<B>,
    /// The loop state at the end (history included).
    pub state: LoopState,
    /// The step the run resumed from, if it did.
    pub resumed_from: Option<usize>,
    /// Whether early stopping ended the run.
    pub stopped_early: bool,
    /// Trainable and total parameter counts.
    pub params: (usize, usize),
    /// The last checkpoint written.
    pub checkpoint: PathBuf,
}

/// Trains one stage on backend `B` (the autodiff wrapper is added here) and returns where it
/// ended; resumes from the newest complete checkpoint in `inputs.dir` if there is one.
pub fn run_stage<B: Backend>(
    config: &TrainConfig,
    inputs: &StageInputs<'_>,
    device: &B::Device,
) -> Result<LoopResult<B>> {
    run_stage_on::<B>(config, inputs, std::slice::from_ref(device))
}

/// [`run_stage`] with each step's micro-batches spread over `devices` (data parallelism; see
/// [`crate::parallel`]). The model, the optimiser and the checkpoints live on the first device.
pub fn run_stage_on<B: Backend>(
    config: &TrainConfig,
    inputs: &StageInputs<'_>,
    devices: &[B::Device],
) -> Result<LoopResult<B>> {
    run_autodiff::<burn::backend::Autodiff<B>>(config, inputs, devices)
}

fn run_autodiff<B: AutodiffBackend>(
    config: &TrainConfig,
    inputs: &StageInputs<'_>,
    devices: &[B::Device],
) -> Result<LoopResult<B::InnerBackend>> {
    let Some(device) = devices.first() else {
        return Err(TrainError::InvalidConfig {
            field: "loop.devices",
            value: "0".into(),
            expected: "at least 1",
        });
    };
    if inputs.train.is_empty() {
        return Err(TrainError::NoData {
            reason: format!(
                "no training record of the tasks {:?} in {}",
                config.tasks,
                config.data.display()
            ),
        });
    }
    let lora = lora_of(&config.student).is_some();
    let o = &config.optim;
    let mut optim = adamw::<B>(o);

    let latest = checkpoint::list(inputs.dir)?.pop();
    let (mut model, mut state, resumed_from) = match &latest {
        Some(dir) => {
            let model = reload_model::<B>(&config.student, dir, device)?;
            optim = checkpoint::load_optimizer::<B, _>(dir, optim, device)?;
            let state = checkpoint::read_state(dir)?;
            let step = state.step;
            (model, state, Some(step))
        }
        None => {
            let model = build_model::<B>(&config.student, inputs.tokenizer, inputs.seed, device)?;
            let state = LoopState {
                step: 0,
                epoch: 0,
                batch_in_epoch: 0,
                seed: inputs.seed,
                tokens_seen: 0,
                best_val: None,
                evals_since_best: 0,
                wall_s: 0.0,
                history: Vec::new(),
            };
            (model, state, None)
        }
    };
    let params = count_params(&model);
    let mut parallel = DataParallel::new(&model, devices);
    let total = config.total_steps(inputs.train.len());
    let lengths: Vec<usize> = inputs
        .train
        .iter()
        .map(|r| r.iter().map(|e| e.ids.len()).max().unwrap_or(0))
        .collect();
    let pad = inputs.tokenizer.special_tokens().pad;
    let bar = progress_bar(config.run.progress, total, state.step);
    let mut checkpoint_dir = latest.clone();
    let mut stopped_early = false;
    let mut plan = epoch_batches(&lengths, config.run.batch_size, state.seed, state.epoch);

    while state.step < total && !stopped_early {
        let started = Instant::now();
        let mut batches = Vec::with_capacity(config.run.grad_accum);
        for _ in 0..config.run.grad_accum {
            if state.batch_in_epoch >= plan.len() {
                state.epoch += 1;
                state.batch_in_epoch = 0;
                plan = epoch_batches(&lengths, config.run.batch_size, state.seed, state.epoch);
            }
            batches.push(make_batch(inputs, &plan[state.batch_in_epoch], pad));
            state.batch_in_epoch += 1;
        }
        let step_seed = mix_seed(state.seed, state.step as u64);
        let mut accumulator = GradientsAccumulator::<Qwen2ForCausalLM<B>>::new();
        let (mut loss_sum, mut tokens) = (0.0f64, 0usize);
        parallel.run(&model, &batches, step_seed, |j, micro| {
            if !micro.value.is_finite() {
                return Err(diverged(state.step + 1, micro.value, &checkpoint_dir));
            }
            loss_sum += micro.value;
            tokens += batches[j].tokens;
            accumulator.accumulate(&model, micro.grads);
            Ok(())
        })?;
        let mut grads = accumulator.grads();
        let grad_norm = clip_global_norm(&model, &mut grads, o.clip_norm);
        if !grad_norm.is_finite() {
            return Err(diverged(state.step + 1, grad_norm, &checkpoint_dir));
        }
        let lr = learning_rate(o, state.step, total);
        model = optim.step(lr, model, grads);
        parallel.sync(&model);
        state.step += 1;
        state.tokens_seen += tokens;
        let elapsed = started.elapsed().as_secs_f64();
        state.wall_s += elapsed;

        let last = state.step == total;
        let evaluate =
            last || (config.run.eval_every > 0 && state.step.is_multiple_of(config.run.eval_every));
        let val_loss = if evaluate && !inputs.val.is_empty() {
            let v = validation_loss(&model.valid(), inputs, config.run.batch_size, pad, device)?;
            if state.best_val.is_none_or(|b| v < b) {
                state.best_val = Some(v);
                state.evals_since_best = 0;
            } else {
                state.evals_since_best += 1;
                stopped_early = config
                    .run
                    .early_stopping_patience
                    .is_some_and(|p| state.evals_since_best >= p);
            }
            Some(v)
        } else {
            None
        };
        state.history.push(MetricRow {
            step: state.step,
            epoch: state.epoch,
            train_loss: loss_sum,
            val_loss,
            lr,
            grad_norm,
            tokens_per_s: tokens as f64 / elapsed.max(1e-9),
            wall_s: state.wall_s,
        });
        bar.set_position(state.step as u64);
        bar.set_message(format!(
            "loss {loss_sum:.4}{} · {:.0} tok/s",
            val_loss.map(|v| format!(" val {v:.4}")).unwrap_or_default(),
            tokens as f64 / elapsed.max(1e-9)
        ));
        let periodic = config.run.checkpoint_every > 0
            && state.step.is_multiple_of(config.run.checkpoint_every);
        if periodic || last || stopped_early {
            checkpoint_dir = Some(checkpoint::save(
                inputs.dir,
                &model,
                lora,
                inputs.tokenizer,
                &optim,
                &state,
                config.run.keep_checkpoints,
            )?);
            write_metrics(inputs.dir, &state.history)?;
        }
    }
    bar.finish_and_clear();
    write_metrics(inputs.dir, &state.history)?;
    let checkpoint = match checkpoint_dir {
        Some(dir) => dir,
        None => checkpoint::save(
            inputs.dir,
            &model,
            lora,
            inputs.tokenizer,
            &optim,
            &state,
            config.run.keep_checkpoints,
        )?,
    };
    Ok(LoopResult {
        model: model.valid(),
        state,
        resumed_from,
        stopped_early,
        params,
        checkpoint,
    })
}

/// Forward and backward pass of one micro-batch whose loss is divided by `accumulation`;
/// returns the (divided) loss value and the gradients of the trainable parameters.
pub fn backward_batch<B: AutodiffBackend>(
    model: &Qwen2ForCausalLM<B>,
    batch: &Batch,
    accumulation: usize,
    device: &B::Device,
) -> Result<(f64, GradientsParams)> {
    let loss = batch_loss(model, batch, device)?.div_scalar(accumulation as f64);
    let value = loss.clone().into_scalar().to_f64();
    Ok((value, GradientsParams::from_grads(loss.backward(), model)))
}

/// Builds the AdamW optimiser of `optim` (PyTorch's defaults unless configured), fused on the
/// CPU backend.
pub fn adamw<B: AutodiffBackend>(
    optim: &crate::config::OptimConfig,
) -> impl Optimizer<Qwen2ForCausalLM<B>, B> {
    FusedAdamW::init::<B, Qwen2ForCausalLM<B>>(optim)
}

fn diverged(step: usize, loss: f64, checkpoint: &Option<PathBuf>) -> TrainError {
    TrainError::Diverged {
        step,
        loss,
        checkpoint: checkpoint
            .as_ref()
            .map_or_else(|| "none".to_string(), |p| p.display().to_string()),
    }
}

/// Collates the sequences of the records in `indices`.
fn make_batch(inputs: &StageInputs<'_>, indices: &[usize], pad: u32) -> Batch {
    let examples: Vec<_> = indices
        .iter()
        .flat_map(|&i| inputs.train[i].iter())
        .collect();
    collate(&examples, inputs.part_weights, pad)
}

/// The objective's loss on the validation records, averaged over fixed, length-sorted batches.
pub fn validation_loss<B: Backend>(
    model: &Qwen2ForCausalLM<B>,
    inputs: &StageInputs<'_>,
    batch_size: usize,
    pad: u32,
    device: &B::Device,
) -> Result<f64> {
    let mut order: Vec<usize> = (0..inputs.val.len()).collect();
    order.sort_by_key(|&i| (inputs.val[i].iter().map(|e| e.ids.len()).max(), i));
    let (mut sum, mut batches) = (0.0, 0usize);
    for chunk in order.chunks(batch_size) {
        let examples: Vec<_> = chunk.iter().flat_map(|&i| inputs.val[i].iter()).collect();
        let batch = collate(&examples, inputs.part_weights, pad);
        sum += batch_loss(model, &batch, device)?.into_scalar().to_f64();
        batches += 1;
    }
    Ok(sum / batches.max(1) as f64)
}

fn progress_bar(show: bool, total: usize, position: usize) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(
        Some(total as u64),
        if show {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    bar.set_style(
        ProgressStyle::with_template("  train {bar:30} {pos}/{len} steps · {msg} · ETA {eta}")
            .expect("the template is valid"),
    );
    bar.set_position(position as u64);
    bar
}
