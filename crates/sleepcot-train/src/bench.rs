//! Training throughput on random weights of the benchmark shapes: full training of `tiny`, and
//! LoRA (r=16 on all seven projections) of `0.5b`, batch 4 x 256, as the PyTorch + PEFT peer in
//! `shared/peers/torch_qwen2_cpu.py` measures it.

use std::time::Instant;

use burn::backend::Autodiff;
use burn::optim::Optimizer;
use burn::tensor::DType;
use burn::tensor::backend::{AutodiffBackend, Backend};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use sleepcot_model::bench::BenchShape;
use sleepcot_model::lora::{LoraConfig, apply_lora};
use sleepcot_model::{BackendKind, BackendTask, Qwen2ForCausalLM};

use crate::batch::{Example, collate};
use crate::config::{OptimConfig, Precision};
use crate::error::{Result, TrainError};
use crate::params::{clip_global_norm, count_params};
use crate::trainer::{adamw, backward_batch};

/// What a training benchmark measured.
#[derive(Debug, Clone, Serialize)]
pub struct TrainThroughput {
    /// `full` or `lora-r16`.
    pub mode: String,
    /// Rows per step.
    pub batch: usize,
    /// Tokens per row.
    pub seq: usize,
    /// Timed optimiser steps (after one untimed warm-up step).
    pub steps: usize,
    /// Trainable parameters.
    pub trainable_params: usize,
    /// Input tokens per second over the timed steps (forward, backward, clipping, AdamW).
    pub train_tok_s: f64,
}

/// Measures training steps of `shape` on `backend`: full training for `tiny`, LoRA r=16 on all
/// projections otherwise, with the frozen base in `precision` (mixed precision when it is not
/// f32); `steps` timed steps of `batch x seq` random tokens.
pub fn train_throughput_on(
    backend: BackendKind,
    shape: BenchShape,
    precision: Precision,
    batch: usize,
    seq: usize,
    steps: usize,
) -> Result<TrainThroughput> {
    if shape == BenchShape::Tiny && precision != Precision::F32 {
        return Err(TrainError::InvalidConfig {
            field: "dtype",
            value: precision.to_string(),
            expected: "f32 for the tiny shape, which trains every weight",
        });
    }
    backend.run(Task {
        shape,
        dtype: precision.dtype(),
        batch,
        seq,
        steps,
    })?
}

/// One benchmark's settings, run on the backend [`train_throughput_on`] picks.
#[derive(Clone, Copy)]
struct Task {
    shape: BenchShape,
    dtype: DType,
    batch: usize,
    seq: usize,
    steps: usize,
}

impl BackendTask for Task {
    type Output = Result<TrainThroughput>;
    fn run<B: Backend>(self, device: B::Device) -> Self::Output {
        measure::<Autodiff<B>>(&self, &device)
    }
}

fn measure<B: AutodiffBackend>(task: &Task, device: &B::Device) -> Result<TrainThroughput> {
    let Task {
        shape,
        dtype,
        batch,
        seq,
        steps,
    } = *task;
    let config = shape.config();
    let mut model = Qwen2ForCausalLM::<B>::random(&config, 0, dtype, device);
    let mode = if shape == BenchShape::Tiny {
        "full".to_string()
    } else {
        apply_lora(&mut model, &LoraConfig::all_projections(16, 32.0, 0.0), 0)?;
        "lora-r16".to_string()
    };
    let trainable_params = count_params(&model).0;
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let examples: Vec<Example> = (0..batch)
        .map(|_| Example {
            ids: (0..=seq)
                .map(|_| rng.random_range(0..config.vocab_size as u32))
                .collect(),
            supervised: vec![true; seq + 1],
            part: 0,
        })
        .collect();
    let refs: Vec<&Example> = examples.iter().collect();
    let data = collate(&refs, &[1.0], 0);
    let optim_config = OptimConfig {
        lr: 1e-4,
        ..OptimConfig::default()
    };
    let mut optim = adamw::<B>(&optim_config);
    let mut step = |model: Qwen2ForCausalLM<B>| -> Result<Qwen2ForCausalLM<B>> {
        let (_, mut grads) = backward_batch(&model, &data, 1, device)?;
        clip_global_norm(&model, &mut grads, optim_config.clip_norm);
        Ok(optim.step(optim_config.lr, model, grads))
    };
    model = step(model)?;
    B::sync(device).ok();
    let started = Instant::now();
    for _ in 0..steps {
        model = step(model)?;
    }
    B::sync(device).ok();
    let elapsed = started.elapsed().as_secs_f64();
    Ok(TrainThroughput {
        mode,
        batch,
        seq,
        steps,
        trainable_params,
        train_tok_s: (steps * batch * seq) as f64 / elapsed.max(1e-9),
    })
}
