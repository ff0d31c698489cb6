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
use crate::kv_cache::KvCache;
use crate::model::Qwen2ForCausalLM;

/// The benchmark model shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BenchShape {
    /// hidden 256, 4 layers, 4 heads, 2 KV heads, intermediate 704, vocab 8192.
    Tiny,
    /// Qwen2.5-0.5B: hidden 896, 24 layers, 14 heads, 2 KV heads, intermediate 4864, vocab 151936, tied.
    #[serde(rename = "0.5b")]
    HalfB,
}

impl BenchShape {
    /// The architecture of this shape (tied embeddings, rope theta 1e6, eps 1e-6).
    pub fn config(self) -> Qwen2Config {
        // The benchmarks never go past 4096 positions; a shorter rope table is all they need.
        match self {
            Self::Tiny => Qwen2Config::qwen25_shape(8192, 256, 704, 4, 4, 2, 4096),
            Self::HalfB => Qwen2Config {
                max_position_embeddings: 4096,
                ..Qwen2Config::published_qwen25("Qwen2.5-0.5B").expect("a published shape")
            },
        }
    }

    /// The name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Self::Tiny => "tiny",
            Self::HalfB => "0.5b",
        }
    }
}

impl FromStr for BenchShape {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "tiny" => Ok(Self::Tiny),
            "0.5b" | "qwen2.5-0.5b" => Ok(Self::HalfB),
            _ => Err(ModelError::InvalidRequest {
                what: "shape",
                message: format!("\"{s}\" is not one of tiny, 0.5b"),
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
    let config = shape.config();
    let model = Qwen2ForCausalLM::<B>::random(&config, 7, dtype, device);
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let ids: Vec<u32> = (0..batch * prompt)
        .map(|_| rng.random_range(0..config.vocab_size as u32))
        .collect();

    let prefill = |cache: &mut KvCache<B>| -> Result<Tensor<B, 2, Int>> {
        let logits = model.forward_cached(model.ids_tensor(&ids, batch), cache, None, true)?;
        Ok(greedy_ids(logits))
    };
    let mut cache = KvCache::new(&config, batch, prompt + decode + 1, dtype, device);
    prefill(&mut cache)?; // warm-up: allocations, thread pool
    cache.reset();
    let start = Instant::now();
    let mut tokens = prefill(&mut cache)?;
    token_ids(tokens.clone());
    let prefill_s = start.elapsed().as_secs_f64();

    // As `generate` decodes greedily: the ids stay on the device and are read once per step.
    let start = Instant::now();
    for _ in 0..decode {
        let logits = model.forward_cached(tokens, &mut cache, None, true)?;
        tokens = greedy_ids(logits);
        token_ids(tokens.clone());
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
