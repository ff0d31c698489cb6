//! Generation throughput on random weights: prefill and decode tokens per second for the
//! benchmark shapes, so runs can be compared with the PyTorch and candle peers.

use std::cell::RefCell;
use std::str::FromStr;
use std::time::Instant;

use burn::tensor::{DType, Int, Tensor, backend::Backend};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::config::Qwen2Config;
use crate::error::{ModelError, Result};
use crate::generate::{Chooser, GenerationConfig, SamplingSite};
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
    /// New tokens per second of decoding with the KV cache (tokens chosen as the benchmark's
    /// `choice` says), prefill excluded.
    pub decode_tok_s: f64,
    /// Rows generated side by side; the rates count the tokens of every row.
    pub batch: usize,
    /// Prompt length used.
    pub prompt_tokens: usize,
    /// Number of decoded tokens timed.
    pub decode_tokens: usize,
}

/// One decoding benchmark: random weights of `shape` in `dtype`, `batch` rows of `prompt`
/// seeded random tokens, then `decode` steps of every row, each token chosen as `choice` says
/// (its temperature, top-k, top-p, repetition penalty and seed; greedy by default) at the
/// backend's own [`SamplingSite`].
#[derive(Debug, Clone)]
pub struct DecodeBench {
    /// Model shape.
    pub shape: BenchShape,
    /// Weight and compute dtype.
    pub dtype: DType,
    /// Rows decoded side by side.
    pub batch: usize,
    /// Prompt length of the prefill.
    pub prompt: usize,
    /// Decoding steps.
    pub decode: usize,
    /// How tokens are chosen; `max_new_tokens`, stop and pad tokens are not used.
    pub choice: GenerationConfig,
}

impl DecodeBench {
    /// Greedy decoding of `decode` tokens after a `prompt`-token prefill of `batch` rows.
    pub fn greedy(
        shape: BenchShape,
        dtype: DType,
        batch: usize,
        prompt: usize,
        decode: usize,
    ) -> Self {
        Self {
            shape,
            dtype,
            batch,
            prompt,
            decode,
            choice: GenerationConfig::default(),
        }
    }

    /// Rejects empty lengths and meaningless sampling settings.
    fn validate(&self) -> Result<()> {
        if self.prompt == 0 || self.decode == 0 || self.batch == 0 {
            return Err(ModelError::InvalidRequest {
                what: "benchmark lengths",
                message: format!(
                    "batch {}, prompt {} and decode {} must all be positive",
                    self.batch, self.prompt, self.decode
                ),
            });
        }
        self.choice.validate()
    }
}

/// Times one warm-up and one measured prefill, then the decoding steps of `bench`.
pub fn generation_throughput<B: Backend>(
    bench: &DecodeBench,
    device: &B::Device,
) -> Result<Throughput> {
    bench.validate()?;
    let (batch, prompt, decode) = (bench.batch, bench.prompt, bench.decode);
    let run = DecodeRun::<B>::new(bench, device);
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

/// Random weights of a benchmark shape and seeded random prompts, decoded as `generate` does:
/// the ids are chosen at the backend's [`SamplingSite`], stay on the device when chosen there,
/// and are read once per pass, so the device has finished when a pass returns.
struct DecodeRun<B: Backend> {
    model: Qwen2ForCausalLM<B>,
    ids: Vec<u32>,
    batch: usize,
    choice: GenerationConfig,
    /// The choosers of the current run, made anew by each prefill.
    chooser: RefCell<Option<Chooser<B>>>,
}

impl<B: Backend> DecodeRun<B> {
    fn new(bench: &DecodeBench, device: &B::Device) -> Self {
        let config = bench.shape.config();
        let model = Qwen2ForCausalLM::<B>::random(&config, 7, bench.dtype, device);
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let ids = (0..bench.batch * bench.prompt)
            .map(|_| rng.random_range(0..config.vocab_size as u32))
            .collect();
        Self {
            model,
            ids,
            batch: bench.batch,
            choice: bench.choice.clone(),
            chooser: RefCell::new(None),
        }
    }

    /// An empty cache for `capacity` tokens per row.
    fn cache(&self, capacity: usize) -> KvCache<B> {
        let m = &self.model;
        KvCache::new(&m.config, self.batch, capacity, m.dtype(), &m.device())
    }

    /// Empties `cache` and prefills the prompts; returns the first ids.
    fn prefill(&self, cache: &mut KvCache<B>) -> Result<Tensor<B, 2, Int>> {
        cache.reset();
        let prompts: Vec<Vec<u32>> = self
            .ids
            .chunks(self.ids.len() / self.batch)
            .map(<[u32]>::to_vec)
            .collect();
        let site = SamplingSite::for_backend::<B>();
        *self.chooser.borrow_mut() = Some(Chooser::new(
            &prompts,
            self.model.config.vocab_size,
            &self.choice,
            site,
            &self.model.device(),
        ));
        let input = self.model.ids_tensor(&self.ids, self.batch);
        self.read(self.model.forward_cached(input, cache, None, true)?)
    }

    /// One decoding step from the ids `next`; returns the following ones.
    fn step(&self, cache: &mut KvCache<B>, next: Tensor<B, 2, Int>) -> Result<Tensor<B, 2, Int>> {
        self.read(self.model.forward_cached(next, cache, None, true)?)
    }

    fn read(&self, logits: Tensor<B, 3>) -> Result<Tensor<B, 2, Int>> {
        let mut chooser = self.chooser.borrow_mut();
        let chooser = chooser.as_mut().expect("a prefill made the chooser");
        let (ids, on_device) = chooser.pick(logits, &self.choice);
        chooser.record(&ids);
        Ok(on_device.unwrap_or_else(|| self.model.ids_tensor(&ids, self.batch)))
    }
}

/// [`generation_throughput`] on a backend chosen at run time (its default device).
pub fn generation_throughput_on(
    backend: crate::backend::BackendKind,
    bench: &DecodeBench,
) -> Result<Throughput> {
    struct Measure<'a>(&'a DecodeBench);
    impl crate::backend::BackendTask for Measure<'_> {
        type Output = Result<Throughput>;
        fn run<B: Backend>(self, device: B::Device) -> Self::Output {
            generation_throughput::<B>(self.0, &device)
        }
    }
    backend.run(Measure(bench))?
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

/// Traces the decoding steps of `bench` in stretches of `window` steps. `kernels` tallies the
/// runtime's log (see [`crate::kernel_log`]); pass `None` where there is none (the CPU backend).
pub fn decode_trace<B: Backend>(
    bench: &DecodeBench,
    window: usize,
    kernels: Option<&dyn Fn() -> Result<KernelCounts>>,
    device: &B::Device,
) -> Result<DecodeTrace> {
    bench.validate()?;
    if window == 0 {
        return Err(ModelError::InvalidRequest {
            what: "trace window",
            message: "0 tokens per stretch; at least 1 was expected".into(),
        });
    }
    let (batch, prompt, decode) = (bench.batch, bench.prompt, bench.decode);
    let run = DecodeRun::<B>::new(bench, device);
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
pub fn decode_trace_on(
    backend: crate::backend::BackendKind,
    bench: &DecodeBench,
    window: usize,
    kernel_log: Option<&std::path::Path>,
) -> Result<DecodeTrace> {
    struct Trace<'a> {
        bench: &'a DecodeBench,
        window: usize,
        log: Option<Box<dyn Fn() -> Result<KernelCounts>>>,
    }
    impl crate::backend::BackendTask for Trace<'_> {
        type Output = Result<DecodeTrace>;
        fn run<B: Backend>(self, device: B::Device) -> Self::Output {
            decode_trace::<B>(self.bench, self.window, self.log.as_deref(), &device)
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
    backend.run(Trace { bench, window, log })?
}
