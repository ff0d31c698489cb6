//! Generation throughput on random weights: prefill and decode tokens per second for the
//! benchmark shapes, so runs can be compared with the PyTorch and candle peers.

use std::str::FromStr;
use std::time::Instant;

use burn::tensor::{DType, Int, Tensor, backend::Backend};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::config::Qwen2Config;
use crate::error::{ModelError, Result};
use crate::generate::token_ids;
use crate::kernel_log::KernelCounts;
use crate::kv_cache::KvCache;
use crate::model::Qwen2ForCausalLM;
use crate::transfer;

/// The benchmark model shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BenchShape {
    /// hidden 256, 4 layers, 4 heads, 2 KV heads, intermediate 704, vocab 8192.
    Tiny,
    /// Qwen2.5-0.5B: hidden 896, 24 layers, 14 heads, 2 KV heads, intermediate 4864, vocab 151936, tied.
    #[serde(rename = "0.5b")]
    HalfB,
    /// Qwen2.5-1.5B: hidden 1536, 28 layers, 12 heads, 2 KV heads, intermediate 8960, vocab 151936, tied.
    #[serde(rename = "1.5b")]
    OneAndHalfB,
}

impl BenchShape {
    /// The architecture of this shape (tied embeddings, rope theta 1e6, eps 1e-6).
    pub fn config(self) -> Qwen2Config {
        // The benchmarks never go past 4096 positions; a shorter rope table is all they need.
        match self {
            Self::Tiny => Qwen2Config::qwen25_shape(8192, 256, 704, 4, 4, 2, 4096),
            Self::HalfB => Self::published("Qwen2.5-0.5B"),
            Self::OneAndHalfB => Self::published("Qwen2.5-1.5B"),
        }
    }

    fn published(name: &str) -> Qwen2Config {
        Qwen2Config {
            max_position_embeddings: 4096,
            ..Qwen2Config::published_qwen25(name).expect("a published shape")
        }
    }

    /// The name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Self::Tiny => "tiny",
            Self::HalfB => "0.5b",
            Self::OneAndHalfB => "1.5b",
        }
    }
}

impl FromStr for BenchShape {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "tiny" => Ok(Self::Tiny),
            "0.5b" | "qwen2.5-0.5b" => Ok(Self::HalfB),
            "1.5b" | "qwen2.5-1.5b" => Ok(Self::OneAndHalfB),
            _ => Err(ModelError::InvalidRequest {
                what: "shape",
                message: format!("\"{s}\" is not one of tiny, 0.5b, 1.5b"),
            }),
        }
    }
}

/// Measured generation speed.
#[derive(Debug, Clone, Serialize)]
pub struct Throughput {
    /// Prompt tokens per second of one prefill pass (logits for the last position only, as in
    /// generation).
    pub prefill_tok_s: f64,
    /// New tokens per second of greedy decoding with the KV cache, prefill excluded.
    pub decode_tok_s: f64,
    /// Rows generated side by side; the rates count the tokens of every row.
    pub batch: usize,
    /// Prompt length used.
    pub prompt_tokens: usize,
    /// Number of decoded tokens timed.
    pub decode_tokens: usize,
}

/// Times one warm-up and one measured prefill of `batch` rows of `prompt` random tokens, then
/// `decode` greedy steps of every row, on random weights of `shape` in `dtype`.
pub fn generation_throughput<B: Backend>(
    shape: BenchShape,
    dtype: DType,
    batch: usize,
    prompt: usize,
    decode: usize,
    device: &B::Device,
) -> Result<Throughput> {
    if prompt == 0 || decode == 0 || batch == 0 {
        return Err(ModelError::InvalidRequest {
            what: "benchmark lengths",
            message: format!(
                "batch {batch}, prompt {prompt} and decode {decode} must all be positive"
            ),
        });
    }
    let run = GreedyRun::<B>::new(shape, dtype, batch, prompt, device);
    let mut cache = run.cache(prompt + decode + 1);
    run.prefill(&mut cache)?; // warm-up: allocations, thread pool, kernels
    let start = Instant::now();
    let mut tokens = run.prefill(&mut cache)?;
    let prefill_s = start.elapsed().as_secs_f64();

    let start = Instant::now();
    for _ in 0..decode {
        tokens = run.step(&mut cache, tokens)?;
    }
    let decode_s = start.elapsed().as_secs_f64();
    Ok(Throughput {
        prefill_tok_s: (batch * prompt) as f64 / prefill_s,
        decode_tok_s: (batch * decode) as f64 / decode_s,
        batch,
        prompt_tokens: prompt,
        decode_tokens: decode,
    })
}

/// Random weights of a benchmark shape and seeded random prompts, decoded greedily as
/// `generate` does: the ids stay on the device and are read once per pass, so the device has
/// finished when a pass returns.
struct GreedyRun<B: Backend> {
    model: Qwen2ForCausalLM<B>,
    ids: Vec<u32>,
    batch: usize,
}

impl<B: Backend> GreedyRun<B> {
    fn new(
        shape: BenchShape,
        dtype: DType,
        batch: usize,
        prompt: usize,
        device: &B::Device,
    ) -> Self {
        let config = shape.config();
        let model = Qwen2ForCausalLM::<B>::random(&config, 7, dtype, device);
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let ids = (0..batch * prompt)
            .map(|_| rng.random_range(0..config.vocab_size as u32))
            .collect();
        Self { model, ids, batch }
    }

    /// An empty cache for `capacity` tokens per row.
    fn cache(&self, capacity: usize) -> KvCache<B> {
        let m = &self.model;
        KvCache::new(&m.config, self.batch, capacity, m.dtype(), &m.device())
    }

    /// Empties `cache` and prefills the prompts; returns the first greedy ids.
    fn prefill(&self, cache: &mut KvCache<B>) -> Result<Tensor<B, 2, Int>> {
        cache.reset();
        let input = self.model.ids_tensor(&self.ids, self.batch);
        self.read(self.model.forward_cached(input, cache, None, true)?)
    }

    /// One decoding step from the ids `next`; returns the following ones.
    fn step(&self, cache: &mut KvCache<B>, next: Tensor<B, 2, Int>) -> Result<Tensor<B, 2, Int>> {
        self.read(self.model.forward_cached(next, cache, None, true)?)
    }

    fn read(&self, logits: Tensor<B, 3>) -> Result<Tensor<B, 2, Int>> {
        let next = greedy_ids(logits);
        token_ids(next.clone());
        Ok(next)
    }
}

/// The greedy token of each row of last-position logits `[batch, 1, vocab]`, as `[batch, 1]`.
fn greedy_ids<B: Backend>(logits: Tensor<B, 3>) -> Tensor<B, 2, Int> {
    let batch = logits.dims()[0];
    logits.argmax(2).reshape([batch, 1])
}

/// [`generation_throughput`] on a backend chosen at run time (its default device).
pub fn generation_throughput_on(
    backend: crate::backend::BackendKind,
    shape: BenchShape,
    dtype: DType,
    batch: usize,
    prompt: usize,
    decode: usize,
) -> Result<Throughput> {
    struct Measure {
        shape: BenchShape,
        dtype: DType,
        batch: usize,
        prompt: usize,
        decode: usize,
    }
    impl crate::backend::BackendTask for Measure {
        type Output = Result<Throughput>;
        fn run<B: Backend>(self, device: B::Device) -> Self::Output {
            generation_throughput::<B>(
                self.shape,
                self.dtype,
                self.batch,
                self.prompt,
                self.decode,
                &device,
            )
        }
    }
    backend.run(Measure {
        shape,
        dtype,
        batch,
        prompt,
        decode,
    })?
}

/// One stretch of decoded tokens in a [`DecodeTrace`], with its costs per decoded token (per
/// step of the whole batch).
#[derive(Debug, Clone, Serialize)]
pub struct TraceWindow {
    /// First decoded token of the stretch (1-based).
    pub from_token: usize,
    /// Last decoded token of the stretch.
    pub to_token: usize,
    /// Wall-clock milliseconds per step.
    pub ms_per_token: f64,
    /// Reads to the host per step (the chosen ids: 1).
    pub reads: f64,
    /// Uploads per step.
    pub uploads: f64,
    /// Kernel launches, compilations, buffer reservations and new memory pages per step, where
    /// the runtime's log is at hand (GPU backends).
    pub kernels: Option<KernelRates>,
}

/// [`KernelCounts`] divided by a number of steps.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct KernelRates {
    /// Kernel launches per step.
    pub dispatches: f64,
    /// Kernel compilations per step.
    pub compilations: f64,
    /// Buffers reserved from the memory pools per step.
    pub reservations: f64,
    /// New device memory pages per step.
    pub allocations: f64,
}

impl KernelRates {
    fn of(counts: KernelCounts, steps: usize) -> Self {
        let per = |n: u64| n as f64 / steps as f64;
        Self {
            dispatches: per(counts.dispatches),
            compilations: per(counts.compilations),
            reservations: per(counts.reservations),
            allocations: per(counts.allocations),
        }
    }
}

/// What decoding costs step by step, after a warm-up run of the same length.
#[derive(Debug, Clone, Serialize)]
pub struct DecodeTrace {
    /// Rows decoded side by side.
    pub batch: usize,
    /// Prompt length.
    pub prompt_tokens: usize,
    /// Milliseconds of one prefill pass over the prompt (warm).
    pub prefill_ms: f64,
    /// The runtime's counts during the warm-up run (prefill and every step), where known.
    pub warm_up: Option<KernelCounts>,
    /// The measured run's stretches, in order.
    pub windows: Vec<TraceWindow>,
}

/// Traces `decode` greedy steps after a `prompt`-token prefill of `batch` rows on random
/// weights of `shape`, in stretches of `window` steps. `kernels` tallies the runtime's log
/// (see [`crate::kernel_log`]); pass `None` where there is none (the CPU backend).
#[allow(clippy::too_many_arguments)]
pub fn decode_trace<B: Backend>(
    shape: BenchShape,
    dtype: DType,
    batch: usize,
    prompt: usize,
    decode: usize,
    window: usize,
    kernels: Option<&dyn Fn() -> Result<KernelCounts>>,
    device: &B::Device,
) -> Result<DecodeTrace> {
    if prompt == 0 || decode == 0 || batch == 0 || window == 0 {
        return Err(ModelError::InvalidRequest {
            what: "trace lengths",
            message: format!(
                "batch {batch}, prompt {prompt}, decode {decode} and window {window} must all be positive"
            ),
        });
    }
    let run = GreedyRun::<B>::new(shape, dtype, batch, prompt, device);
    let tally = |settle: bool| -> Result<Option<KernelCounts>> {
        match kernels {
            Some(count) => {
                if settle {
                    // The runtime logs from its own thread; let it catch up.
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                count().map(Some)
            }
            None => Ok(None),
        }
    };
    let mut cache = run.cache(prompt + decode);

    // Warm-up: the same prefill and steps, so that every kernel is compiled and tuned.
    let before = tally(false)?;
    let mut next = run.prefill(&mut cache)?;
    for _ in 1..decode {
        next = run.step(&mut cache, next)?;
    }
    let warm_up = tally(true)?.zip(before).map(|(after, b)| after.since(b));

    let start = Instant::now();
    let mut next = run.prefill(&mut cache)?;
    let prefill_ms = start.elapsed().as_secs_f64() * 1e3;
    let mut windows = Vec::new();
    let mut from = 1;
    while from < decode {
        let to = (from + window - 1).min(decode - 1);
        let (kernels_before, transfers_before) = (tally(true)?, transfer::counts());
        let start = Instant::now();
        for _ in from..=to {
            next = run.step(&mut cache, next)?;
        }
        let ms = start.elapsed().as_secs_f64() * 1e3;
        let transfers = transfer::counts().since(transfers_before);
        let steps = to - from + 1;
        let kernels = tally(true)?
            .zip(kernels_before)
            .map(|(after, b)| KernelRates::of(after.since(b), steps));
        windows.push(TraceWindow {
            // Token 1 comes from the prefill; step k decodes token k + 1.
            from_token: from + 1,
            to_token: to + 1,
            ms_per_token: ms / steps as f64,
            reads: transfers.reads as f64 / steps as f64,
            uploads: transfers.uploads as f64 / steps as f64,
            kernels,
        });
        from = to + 1;
    }
    Ok(DecodeTrace {
        batch,
        prompt_tokens: prompt,
        prefill_ms,
        warm_up,
        windows,
    })
}

/// [`decode_trace`] on a backend chosen at run time (its default device). On a GPU backend,
/// `kernel_log` names the file the runtime's log goes to (see [`crate::kernel_log`]); this must
/// be the process's first use of that backend.
#[allow(clippy::too_many_arguments)]
pub fn decode_trace_on(
    backend: crate::backend::BackendKind,
    shape: BenchShape,
    dtype: DType,
    batch: usize,
    prompt: usize,
    decode: usize,
    window: usize,
    kernel_log: Option<&std::path::Path>,
) -> Result<DecodeTrace> {
    struct Trace {
        shape: BenchShape,
        dtype: DType,
        lengths: [usize; 4],
        log: Option<Box<dyn Fn() -> Result<KernelCounts>>>,
    }
    impl crate::backend::BackendTask for Trace {
        type Output = Result<DecodeTrace>;
        fn run<B: Backend>(self, device: B::Device) -> Self::Output {
            let [batch, prompt, decode, window] = self.lengths;
            decode_trace::<B>(
                self.shape,
                self.dtype,
                batch,
                prompt,
                decode,
                window,
                self.log.as_deref(),
                &device,
            )
        }
    }
    let log: Option<Box<dyn Fn() -> Result<KernelCounts>>> = match kernel_log {
        #[cfg(any(feature = "wgpu", feature = "cuda"))]
        Some(path) if backend != crate::backend::BackendKind::Flex && backend.is_available() => {
            let log = crate::kernel_log::KernelLog::start(path)?;
            Some(Box::new(move || log.counts()))
        }
        _ => None,
    };
    backend.run(Trace {
        shape,
        dtype,
        lengths: [batch, prompt, decode, window],
        log,
    })?
}
