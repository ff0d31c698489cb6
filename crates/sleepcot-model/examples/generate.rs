//! Generates a continuation of token ids with a Qwen2 checkpoint and reports the speed.
//!
//! ```text
//! cargo run --release --example generate -p sleepcot-model -- \
//!     --model DIR_OR_HUB_ID --prompt-ids 1,2,3 --max-new 20 [--dtype f32|f16|bf16] [--backend flex]
//! ```

use std::io::Write;
use std::time::Instant;

use burn::tensor::{DType, backend::Backend};
use clap::Parser;
use sleepcot_model::backend::{BackendKind, BackendTask, parse_dtype};
use sleepcot_model::hub::{HubOptions, resolve_model};
use sleepcot_model::{GenerationConfig, ModelError, generate, load_pretrained};

#[derive(Parser, Debug)]
#[command(about = "Generate tokens with a Qwen2 checkpoint")]
struct Args {
    /// Checkpoint directory or hub id (org/name[@revision]).
    #[arg(long)]
    model: String,
    /// Comma-separated prompt token ids.
    #[arg(long, value_delimiter = ',', required = true)]
    prompt_ids: Vec<u32>,
    /// Number of new tokens.
    #[arg(long, default_value_t = 20)]
    max_new: usize,
    /// Compute dtype: f32, f16 or bf16.
    #[arg(long, default_value = "f32")]
    dtype: String,
    /// Backend: flex, wgpu or cuda.
    #[arg(long, default_value = "flex")]
    backend: String,
    /// Sampling temperature (0 = greedy).
    #[arg(long, default_value_t = 0.0)]
    temperature: f32,
    /// Top-k filter (0 = off).
    #[arg(long, default_value_t = 0)]
    top_k: usize,
    /// Top-p filter (1 = off).
    #[arg(long, default_value_t = 1.0)]
    top_p: f32,
    /// Sampling seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

struct Run {
    dir: std::path::PathBuf,
    dtype: DType,
    prompt: Vec<u32>,
    config: GenerationConfig,
}

impl BackendTask for Run {
    type Output = Result<(), ModelError>;

    fn run<B: Backend>(self, device: B::Device) -> Self::Output {
        let start = Instant::now();
        let model = load_pretrained::<B>(&self.dir, self.dtype, &device)?;
        eprintln!("loaded {} in {:.2?}", self.dir.display(), start.elapsed());
        let start = Instant::now();
        let out = generate(&model, &[self.prompt], &self.config, |_, token| {
            print!("{token} ");
            let _ = std::io::stdout().flush();
        })?;
        let elapsed = start.elapsed().as_secs_f64();
        println!();
        eprintln!(
            "{} tokens in {elapsed:.3} s ({:.1} tok/s including prefill), finish: {:?}",
            out.tokens[0].len(),
            out.tokens[0].len() as f64 / elapsed,
            out.finish[0]
        );
        Ok(())
    }
}

/// Prints the error as its one-sentence message (not its debug form) and exits with status 1.
fn main() {
    if let Err(e) = try_main(Args::parse()) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn try_main(args: Args) -> Result<(), ModelError> {
    let backend: BackendKind = args.backend.parse()?;
    let run = Run {
        dir: resolve_model(&args.model, &HubOptions::from_env())?,
        dtype: parse_dtype(&args.dtype)?,
        prompt: args.prompt_ids,
        config: GenerationConfig {
            max_new_tokens: args.max_new,
            temperature: args.temperature,
            top_k: args.top_k,
            top_p: args.top_p,
            seed: args.seed,
            ..GenerationConfig::default()
        },
    };
    backend.run(run)?
}
