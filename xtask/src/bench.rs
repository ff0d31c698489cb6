//! `cargo xtask bench generate|train`: generation and training throughput of the Qwen2
//! implementation on random weights, printed as one JSON line for comparison with the peers in
//! `shared/peers/`.

use anyhow::Context;
use sleepcot_model::backend::{BackendKind, parse_dtype};
use sleepcot_model::bench::{BenchShape, generation_throughput_on};
use sleepcot_train::Precision;
use sleepcot_train::bench::train_throughput_on;

/// Arguments of `cargo xtask bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// What to measure.
    #[command(subcommand)]
    pub target: BenchTarget,
}

/// The available benchmarks.
#[derive(Debug, clap::Subcommand)]
pub enum BenchTarget {
    /// Prefill and greedy-decode tokens per second (KV cache) on random weights.
    Generate(GenerateArgs),
    /// Training tokens per second: full training on tiny, LoRA r=16 on 0.5b, random weights.
    Train(TrainBenchArgs),
}

/// Arguments of `cargo xtask bench train`.
#[derive(Debug, clap::Args)]
pub struct TrainBenchArgs {
    /// Model shape: tiny (full training) or 0.5b (LoRA r=16 on all projections).
    #[arg(long, default_value = "tiny")]
    pub shape: String,
    /// Backend: flex, wgpu or cuda (GPU backends need the matching cargo feature).
    #[arg(long, default_value = "flex")]
    pub backend: String,
    /// Element type of the frozen base weights for the LoRA shapes: f32 or bf16 (mixed
    /// precision: adapters, optimiser and loss stay f32). tiny trains every weight in f32.
    #[arg(long, default_value = "f32")]
    pub dtype: String,
    /// Rows per step.
    #[arg(long, default_value_t = 4)]
    pub batch: usize,
    /// Tokens per row.
    #[arg(long, default_value_t = 256)]
    pub seq: usize,
    /// Timed steps (after one warm-up step); default 10 for tiny, 3 otherwise, as the peer.
    #[arg(long)]
    pub steps: Option<usize>,
    /// Print one JSON line instead of a sentence.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `cargo xtask bench generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// Model shape: tiny or 0.5b.
    #[arg(long, default_value = "tiny")]
    pub shape: String,
    /// Weight and compute dtype: f32, f16 or bf16.
    #[arg(long, default_value = "f32")]
    pub dtype: String,
    /// Backend: flex, wgpu or cuda (GPU backends need the matching cargo feature).
    #[arg(long, default_value = "flex")]
    pub backend: String,
    /// Rows generated side by side (the rates count every row's tokens).
    #[arg(long, default_value_t = 1)]
    pub batch: usize,
    /// Prompt length of the prefill.
    #[arg(long, default_value_t = 128)]
    pub prompt: usize,
    /// Number of greedy decode steps timed after the prefill.
    #[arg(long, default_value_t = 64)]
    pub decode: usize,
    /// Print one JSON line instead of a sentence.
    #[arg(long)]
    pub json: bool,
}

/// Runs the selected benchmark and prints its result.
pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    match &args.target {
        BenchTarget::Generate(g) => run_generate(g),
        BenchTarget::Train(t) => run_train(t),
    }
}

fn threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

fn run_train(args: &TrainBenchArgs) -> anyhow::Result<()> {
    let shape: BenchShape = args.shape.parse()?;
    let backend: BackendKind = args.backend.parse()?;
    let steps = args
        .steps
        .unwrap_or(if shape == BenchShape::Tiny { 10 } else { 3 });
    let precision: Precision = args.dtype.parse()?;
    let result = train_throughput_on(backend, shape, precision, args.batch, args.seq, steps)
        .with_context(|| format!("training benchmark on shape {} failed", shape.name()))?;
    if args.json {
        let line = serde_json::json!({
            "bench": "train",
            "impl": "sleepcot-train (burn 0.21)",
            "shape": shape.name(),
            "backend": backend.to_string(),
            "threads": threads(),
            "kernels": sleepcot_model::fused::kernel_path().name(),
            "mode": result.mode,
            "dtype": precision.to_string(),
            "batch": result.batch,
            "seq": result.seq,
            "steps": result.steps,
            "trainable_params": result.trainable_params,
            "train_tok_s": result.train_tok_s,
        });
        println!("{line}");
    } else {
        println!(
            "{} {} on {backend} ({} CPU kernels): {:.1} training tok/s ({} x {}, {} steps, {} trainable parameters)",
            shape.name(),
            result.mode,
            sleepcot_model::fused::kernel_path().name(),
            result.train_tok_s,
            result.batch,
            result.seq,
            result.steps,
            result.trainable_params
        );
    }
    Ok(())
}

fn run_generate(args: &GenerateArgs) -> anyhow::Result<()> {
    let shape: BenchShape = args.shape.parse()?;
    let dtype = parse_dtype(&args.dtype)?;
    let backend: BackendKind = args.backend.parse()?;
    if args.batch == 0 {
        anyhow::bail!("--batch is 0, but at least 1 row was expected");
    }
    let result =
        generation_throughput_on(backend, shape, dtype, args.batch, args.prompt, args.decode)
            .with_context(|| format!("generation benchmark on shape {} failed", shape.name()))?;
    let threads = threads();
    if args.json {
        let line = serde_json::json!({
            "bench": "generate",
            "impl": "sleepcot-model (burn 0.21)",
            "shape": shape.name(),
            "dtype": args.dtype.to_ascii_lowercase(),
            "backend": backend.to_string(),
            "threads": threads,
            "kernels": sleepcot_model::fused::kernel_path().name(),
            "batch": result.batch,
            "prompt_tokens": result.prompt_tokens,
            "decode_tokens": result.decode_tokens,
            "prefill_tok_s": result.prefill_tok_s,
            "decode_tok_s": result.decode_tok_s,
        });
        println!("{line}");
    } else {
        println!(
            "{} {} on {backend} ({} CPU kernels), batch {}: prefill {:.1} tok/s ({} tokens), decode {:.2} tok/s ({} tokens)",
            shape.name(),
            args.dtype,
            sleepcot_model::fused::kernel_path().name(),
            result.batch,
            result.prefill_tok_s,
            result.prompt_tokens,
            result.decode_tok_s,
            result.decode_tokens
        );
    }
    Ok(())
}
