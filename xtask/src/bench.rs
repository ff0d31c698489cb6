//! `cargo xtask bench generate|train`: generation and training throughput of the Qwen2
//! implementation on random weights, printed as one JSON line for comparison with the peers in
//! `shared/peers/`.

use anyhow::Context;
use sleepcot_model::GenerationConfig;
use sleepcot_model::backend::{BackendKind, parse_dtype};
use sleepcot_model::bench::{
    BenchShape, DecodeBench, DecodeTrace, decode_trace_on, generation_throughput_on,
};
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
    /// Prefill and decode tokens per second (KV cache) on random weights, greedy unless a
    /// temperature is given.
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
    /// Model shape: tiny, 0.5b or 1.5b.
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
    /// Number of decode steps timed after the prefill.
    #[arg(long, default_value_t = 64)]
    pub decode: usize,
    /// Sampling temperature; 0 decodes greedily. Sampling runs where `generate` runs it: on the
    /// device on the GPU backends, on the host on flex.
    #[arg(long, default_value_t = 0.0)]
    pub temperature: f32,
    /// Keep only the k most likely tokens when sampling (0 keeps all).
    #[arg(long, default_value_t = 0)]
    pub top_k: usize,
    /// Keep the smallest set of tokens whose probability reaches p when sampling (1 keeps all).
    #[arg(long, default_value_t = 1.0)]
    pub top_p: f32,
    /// Repetition penalty on every token already in a row (1 disables).
    #[arg(long, default_value_t = 1.0)]
    pub repetition_penalty: f32,
    /// Trace the decode instead: per decoded token, in stretches of `--window` tokens, the time,
    /// the host reads and uploads and, on GPU backends, the kernel launches, compilations and
    /// memory reservations (from the runtime's log), after a warm-up run of the same length.
    #[arg(long)]
    pub trace: bool,
    /// Tokens per stretch of `--trace`.
    #[arg(long, default_value_t = 32)]
    pub window: usize,
    /// File the GPU runtime logs to under `--trace` (default: a file in the temp directory).
    #[arg(long)]
    pub kernel_log: Option<std::path::PathBuf>,
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

/// The benchmark `args` ask for.
fn decode_bench(args: &GenerateArgs) -> anyhow::Result<DecodeBench> {
    if args.batch == 0 {
        anyhow::bail!("--batch is 0, but at least 1 row was expected");
    }
    let choice = GenerationConfig {
        temperature: args.temperature,
        top_k: args.top_k,
        top_p: args.top_p,
        repetition_penalty: args.repetition_penalty,
        ..GenerationConfig::default()
    };
    if let Err(sleepcot_model::ModelError::InvalidRequest { what, message }) = choice.validate() {
        anyhow::bail!("--{}: {message}", what.replace('_', "-"));
    }
    Ok(DecodeBench {
        choice,
        ..DecodeBench::greedy(
            args.shape.parse()?,
            parse_dtype(&args.dtype)?,
            args.batch,
            args.prompt,
            args.decode,
        )
    })
}

/// How `bench` chooses tokens, for the printed line.
fn choice_label(bench: &DecodeBench) -> String {
    let c = &bench.choice;
    let mut label = if c.is_greedy() {
        "greedy".to_string()
    } else {
        format!(
            "sampled (temperature {}, top-k {}, top-p {})",
            c.temperature, c.top_k, c.top_p
        )
    };
    if c.repetition_penalty != 1.0 {
        label.push_str(&format!(", repetition penalty {}", c.repetition_penalty));
    }
    label
}

fn run_generate(args: &GenerateArgs) -> anyhow::Result<()> {
    let bench = decode_bench(args)?;
    let (shape, backend): (BenchShape, BackendKind) = (bench.shape, args.backend.parse()?);
    if args.trace {
        return run_trace(args, &bench, backend);
    }
    let result = generation_throughput_on(backend, &bench)
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
            "choice": choice_label(&bench),
            "prefill_tok_s": result.prefill_tok_s,
            "decode_tok_s": result.decode_tok_s,
        });
        println!("{line}");
    } else {
        println!(
            "{} {} on {backend} ({} CPU kernels), batch {}: prefill {:.1} tok/s ({} tokens), decode {:.2} tok/s ({} tokens, {})",
            shape.name(),
            args.dtype,
            sleepcot_model::fused::kernel_path().name(),
            result.batch,
            result.prefill_tok_s,
            result.prompt_tokens,
            result.decode_tok_s,
            result.decode_tokens,
            choice_label(&bench)
        );
    }
    Ok(())
}

fn run_trace(args: &GenerateArgs, bench: &DecodeBench, backend: BackendKind) -> anyhow::Result<()> {
    if args.window == 0 {
        anyhow::bail!("--window is 0, but at least 1 token per stretch was expected");
    }
    let shape = bench.shape;
    let log = args.kernel_log.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("sleepcot-kernels-{}.log", std::process::id()))
    });
    let trace = decode_trace_on(backend, bench, args.window, Some(&log))
        .with_context(|| format!("decode trace on shape {} failed", shape.name()))?;
    if args.json {
        let line = serde_json::json!({
            "bench": "generate-trace",
            "shape": shape.name(),
            "dtype": args.dtype.to_ascii_lowercase(),
            "backend": backend.to_string(),
            "threads": threads(),
            "choice": choice_label(bench),
            "trace": trace,
        });
        println!("{line}");
    } else {
        print_trace(&trace, bench, &args.dtype, backend);
    }
    Ok(())
}

fn print_trace(trace: &DecodeTrace, bench: &DecodeBench, dtype: &str, backend: BackendKind) {
    println!(
        "{} {dtype} on {backend}, batch {}, {}: prefill of {} tokens {:.2} ms",
        bench.shape.name(),
        trace.batch,
        choice_label(bench),
        trace.prompt_tokens,
        trace.prefill_ms
    );
    if let Some(w) = trace.warm_up {
        println!(
            "warm-up run: {} launches, {} compilations, {} new memory pages",
            w.dispatches, w.compilations, w.allocations
        );
    }
    println!(
        "{:>9} {:>9} {:>6} {:>8} {:>11} {:>13} {:>13} {:>10}",
        "tokens",
        "ms/token",
        "reads",
        "uploads",
        "launches",
        "compilations",
        "reservations",
        "new pages"
    );
    for w in &trace.windows {
        let k = |f: fn(&sleepcot_model::bench::KernelRates) -> f64| {
            w.kernels
                .map_or("-".to_string(), |k| format!("{:.1}", f(&k)))
        };
        println!(
            "{:>9} {:>9.3} {:>6.2} {:>8.2} {:>11} {:>13} {:>13} {:>10}",
            format!("{}-{}", w.from_token, w.to_token),
            w.ms_per_token,
            w.reads,
            w.uploads,
            k(|k| k.dispatches),
            k(|k| k.compilations),
            k(|k| k.reservations),
            k(|k| k.allocations)
        );
    }
}
