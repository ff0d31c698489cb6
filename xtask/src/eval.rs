//! `cargo xtask eval --run DIR`: metrics, plots and the report from stored predictions.
//!
//! Reads the run directory laid out as `sleepcot_eval::run_dir` documents (`DIR/data` from
//! `cargo xtask data`, `DIR/predictions/<variant>.jsonl`, optional `DIR/train/<variant>/<stage>/
//! metrics.csv`) and writes `DIR/eval/{metrics.json, scores.*, plots/, report.md}`. Nothing is
//! generated, except the model-free baselines when `--baselines` asks for them.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use sleepcot_eval::{BootstrapConfig, EvalConfig, RunDir, RunOptions, TestSet};

/// Options of `cargo xtask eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The run directory.
    #[arg(long)]
    run: PathBuf,
    /// Evaluate only these variants (default: every `predictions/<variant>.jsonl`).
    #[arg(long, value_delimiter = ',')]
    variants: Option<Vec<String>>,
    /// Bootstrap resamples per interval.
    #[arg(long, default_value_t = 10_000)]
    resamples: usize,
    /// Seed of the bootstrap (and of the random-letter baseline).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// First write the predictions of the expert teacher, generic advice and random letters.
    #[arg(long)]
    baselines: bool,
}

/// Evaluates the run and prints where the outputs went.
pub fn run(args: &EvalArgs) -> anyhow::Result<()> {
    let run = RunDir::new(&args.run);
    if args.baselines {
        let test = TestSet::load(&run)?;
        let names =
            sleepcot_eval::predict_baselines(&run, &test, args.seed, &RunOptions::default())?;
        println!("wrote predictions of {}", names.join(", "));
    }
    let config = EvalConfig {
        bootstrap: BootstrapConfig {
            resamples: args.resamples,
            seed: args.seed,
            ..BootstrapConfig::default()
        },
        ..EvalConfig::default()
    };
    let out = sleepcot_eval::evaluate_run(&run, args.variants.as_deref(), &config)
        .with_context(|| format!("could not evaluate run {}", args.run.display()))?;
    for v in &out.metrics.variants {
        let cells: Vec<String> = v
            .metrics
            .iter()
            .filter(|m| !m.metric.ends_with("_unparseable"))
            .map(|m| format!("{} {:.3}", m.metric, m.value.estimate))
            .collect();
        println!("{:<28} {}", v.name, cells.join("  "));
    }
    println!("wrote {}", out.metrics_path.display());
    println!("wrote {}", out.report_path.display());
    Ok(())
}
