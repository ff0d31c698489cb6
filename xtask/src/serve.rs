//! `cargo xtask serve`: serve a student checkpoint over OpenAI's chat-completions API.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use sleepcot_model::BackendKind;
use sleepcot_model::backend::parse_dtype;
use sleepcot_model::serve::{
    Completer, ServeConfig, load_engine, load_tokenizer, run_until_signal,
};

/// Options of `cargo xtask serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The checkpoint directory (HF layout: config.json, safetensors, tokenizer.json).
    #[arg(long)]
    model: PathBuf,
    /// A PEFT LoRA adapter directory, merged into the model at load time.
    #[arg(long)]
    adapter: Option<PathBuf>,
    /// The tokenizer.json to use instead of MODEL/tokenizer.json.
    #[arg(long)]
    tokenizer: Option<PathBuf>,
    /// The model id clients send (default: the model directory's name).
    #[arg(long)]
    model_id: Option<String>,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// The port (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// The backend: flex (CPU), wgpu or cuda (the latter two need the cargo features).
    #[arg(long, default_value = "flex")]
    backend: BackendKind,
    /// Weight dtype: f32, f16 or bf16.
    #[arg(long, default_value = "f32")]
    dtype: String,
    /// Generations running at once.
    #[arg(long, default_value_t = 1)]
    max_concurrent: usize,
    /// Requests that may wait for a slot; more are answered 503.
    #[arg(long, default_value_t = 64)]
    max_queue: usize,
    /// The largest max_tokens a request may ask for.
    #[arg(long, default_value_t = 1024)]
    max_tokens: usize,
    /// Largest request body in bytes.
    #[arg(long, default_value_t = 1 << 20)]
    max_body_bytes: usize,
    /// Keep the end of an over-long prompt instead of answering 400 context_length_exceeded.
    #[arg(long)]
    truncate_prompt: bool,
}

/// Loads the model and serves it until Ctrl-C or SIGTERM.
pub fn run(args: &ServeArgs) -> anyhow::Result<()> {
    let dtype = parse_dtype(&args.dtype)?;
    let tokenizer = load_tokenizer(&args.model, args.tokenizer.as_deref())?;
    let engine = load_engine(args.backend, &args.model, args.adapter.as_deref(), dtype)?;
    let model_id = match &args.model_id {
        Some(id) => id.clone(),
        None => std::fs::canonicalize(&args.model)
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .context("could not name the model from --model; pass --model-id")?,
    };
    let config = ServeConfig {
        max_concurrent: args.max_concurrent,
        max_queue: args.max_queue,
        max_tokens: args.max_tokens,
        default_max_tokens: args.max_tokens.min(256),
        max_body_bytes: args.max_body_bytes,
        truncate_prompt: args.truncate_prompt,
        ..ServeConfig::new(model_id.clone())
    };
    let completer = Arc::new(Completer::new(engine, tokenizer, args.truncate_prompt));
    let addr = SocketAddr::new(args.host, args.port);
    run_until_signal(completer, config, addr, |addr| {
        println!(
            "serving {model_id} on http://{addr}/v1 ({} backend, {} concurrent); Ctrl-C stops",
            args.backend, args.max_concurrent
        );
    })?;
    println!("stopped");
    Ok(())
}
