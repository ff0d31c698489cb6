//! `cargo xtask bench generate`: generation throughput of the Qwen2 implementation on random
//! weights, printed as one JSON line for comparison with the peers in `shared/peers/`.

use anyhow::Context;
use sleepcot_model::backend::{BackendKind, parse_dtype};
use sleepcot_model::bench::{BenchShape, generation_throughput_on};

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
    }
}

fn run_generate(args: &GenerateArgs) -> anyhow::Result<()> {
    let shape: BenchShape = args.shape.parse()?;
    let dtype = parse_dtype(&args.dtype)?;
    let backend: BackendKind = args.backend.parse()?;
    let result = generation_throughput_on(backend, shape, dtype, args.prompt, args.decode)
        .with_context(|| format!("generation benchmark on shape {} failed", shape.name()))?;
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    if args.json {
        let line = serde_json::json!({
            "bench": "generate",
            "impl": "sleepcot-model (burn 0.21)",
            "shape": shape.name(),
            "dtype": args.dtype.to_ascii_lowercase(),
            "backend": backend.to_string(),
            "threads": threads,
            "prompt_tokens": result.prompt_tokens,
            "decode_tokens": result.decode_tokens,
            "prefill_tok_s": result.prefill_tok_s,
            "decode_tok_s": result.decode_tok_s,
        });
        println!("{line}");
    } else {
        println!(
            "{} {} on {backend}: prefill {:.1} tok/s ({} tokens), decode {:.2} tok/s ({} tokens)",
            shape.name(),
            args.dtype,
            result.prefill_tok_s,
            result.prompt_tokens,
            result.decode_tok_s,
            result.decode_tokens
        );
    }
    Ok(())
}
