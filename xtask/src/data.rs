//! `cargo xtask data`: generate and write the synthetic dataset.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use sleepcot_data::pipeline::{DataConfig, Dataset, Progress};
use sleepcot_data::teacher::ExpertTeacher;

/// Options of `cargo xtask data`.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// Seed of every random draw; the same seed gives byte-identical files.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Number of simulated people (one report each).
    #[arg(long, default_value_t = 100)]
    users: usize,
    /// Nights simulated per person.
    #[arg(long, default_value_t = 7)]
    nights: usize,
    /// Number of multiple-choice knowledge questions.
    #[arg(long, default_value_t = 1000)]
    questions: usize,
    /// Follow-up questions asked about each report.
    #[arg(long, default_value_t = 3)]
    follow_ups: usize,
    /// Output directory.
    #[arg(long, default_value = "runs/quick/data")]
    out: PathBuf,
}

/// Generates the dataset, writes it to `--out` and prints a summary table.
pub fn run(args: &DataArgs) -> anyhow::Result<()> {
    let config = DataConfig {
        seed: args.seed,
        users: args.users,
        nights: args.nights,
        questions: args.questions,
        follow_ups_per_report: args.follow_ups,
        ..DataConfig::default()
    };
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg:>12} [{bar:30}] {pos}/{len} ({eta})")
            .expect("static template is valid")
            .progress_chars("=> "),
    );
    let on_progress = |p: Progress| {
        bar.set_message(p.stage);
        bar.set_length(p.total as u64);
        bar.set_position(p.done as u64);
    };
    let dataset = Dataset::generate(&config, &ExpertTeacher, &on_progress)
        .context("could not generate the dataset")?;
    bar.finish_and_clear();
    dataset
        .write(&args.out)
        .with_context(|| format!("could not write the dataset to {}", args.out.display()))?;
    println!("{}", dataset.summary());
    println!("wrote {}", args.out.display());
    Ok(())
}
