//! `cargo xtask train --config FILE`: one training run from a TOML file.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use sleepcot_model::BackendKind;
use sleepcot_train::{TrainConfig, train};

/// Options of `cargo xtask train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The training configuration (TOML; see `sleepcot_train::TrainConfig`).
    #[arg(long)]
    config: PathBuf,
    /// Override the configuration's backend.
    #[arg(long)]
    backend: Option<BackendKind>,
    /// Override the configuration's output directory.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Override `loop.devices`: spread each step's micro-batches over this many GPUs (needs
    /// `loop.grad_accum` of at least as many).
    #[arg(long)]
    devices: Option<usize>,
}

/// Trains every stage of the configuration and prints one line per stage.
pub fn run(args: &TrainArgs) -> anyhow::Result<()> {
    let mut config = TrainConfig::from_file(&args.config)?;
    if let Some(backend) = args.backend {
        config.backend = backend;
    }
    if let Some(out) = &args.out {
        config.out = out.clone();
    }
    if let Some(devices) = args.devices {
        config.run.devices = devices;
        config.validate().with_context(|| {
            format!("--devices {devices} does not fit {}", args.config.display())
        })?;
    }
    let outcome = train(&config)
        .with_context(|| format!("training from {} failed", args.config.display()))?;
    for s in &outcome.stages {
        println!(
            "{:<10} {:>6} steps  train loss {:.4}  val loss {}  {:.0} tok/s  {:.1} s{}  → {}",
            s.stage.dir_name(),
            s.steps,
            s.final_train_loss,
            s.final_val_loss
                .map_or("-".to_string(), |v| format!("{v:.4}")),
            s.tokens_per_s,
            s.wall_s,
            s.resumed_from
                .map_or(String::new(), |r| format!(" (resumed at step {r})")),
            s.exported.model.display()
        );
    }
    Ok(())
}
