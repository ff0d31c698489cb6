//! `cargo xtask`: runs SleepCoT-rs stages from the command line.
//!
//! This binary only parses arguments, shows progress and prints summaries; everything a library
//! user needs lives in the crates.

mod alloc;
mod ask;
mod audit;
mod bench;
mod data;
mod eval;
mod experiment;
mod import;
mod serve;
mod train;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// SleepCoT-rs task runner.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a whole experiment from `experiments/NAME.toml` (default: quick), reusing every
    /// stage that already finished with the same configuration.
    Experiment(experiment::ExperimentArgs),
    /// List the experiments in `experiments/`, one line each.
    List {
        /// Where the experiment files are.
        #[arg(long, default_value = "experiments")]
        dir: std::path::PathBuf,
    },
    /// Generate the synthetic dataset: reports, knowledge questions and instruction records.
    Data(data::DataArgs),
    /// Audit a dataset's teacher replies against their reports and the rule table (exits
    /// non-zero on any violation).
    Audit(audit::AuditArgs),
    /// Train one student configuration (all its stages), resuming from its last checkpoint.
    Train(train::TrainArgs),
    /// Measure throughput (one JSON line per benchmark).
    Bench(bench::BenchArgs),
    /// Recompute metrics, plots and the report of a run from its stored predictions.
    Eval(eval::EvalArgs),
    /// Serve a student over OpenAI's chat-completions API.
    Serve(serve::ServeArgs),
    /// Import a person's own wearable export (Oura, Fitbit, Apple Health, Garmin, WHOOP) into
    /// a report with the rule table's findings.
    Import(import::ImportArgs),
    /// Ask a trained student (or the expert teacher) about a report: recommendations, or a
    /// follow-up question.
    Ask(ask::AskArgs),
}

fn main() -> ExitCode {
    alloc::keep_freed_memory();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    // A bad SLEEPCOT_CPU_KERNELS is an error here, before any kernel runs without it.
    let result = match sleepcot_model::fused::kernel_path_from_env() {
        Ok(path) => sleepcot_model::fused::set_kernel_path(path).map_err(anyhow::Error::from),
        Err(e) => Err(e.into()),
    };
    let result = result.and_then(|()| match &cli.command {
        Command::Experiment(args) => experiment::run(args),
        Command::List { dir } => experiment::list(dir),
        Command::Data(args) => data::run(args),
        Command::Audit(args) => audit::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Train(args) => train::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Import(args) => import::run(args),
        Command::Ask(args) => ask::run(args),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One sentence (the chain of causes joined), never a backtrace.
            let chain: Vec<String> = err.chain().map(|e| e.to_string()).collect();
            eprintln!("error: {}", chain.join(": "));
            ExitCode::FAILURE
        }
    }
}
