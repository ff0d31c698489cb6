//! Autoregressive generation with the KV cache: one prefill pass over the (left-padded) prompts,
//! then one token per row per step, logits computed for the last position only.
//!
//! A step keeps everything on the device but the chosen ids: they are fed back as the next
//! input as they are, and read once for the host (stop tokens, streaming). Positions and the
//! attention bias live in the cache's device state ([`KvCache`]). Where the ids are chosen is a
//! [`SamplingSite`]: greedy choices without a repetition penalty are always made on the device; sampling and the repetition
//! penalty run on the device on the GPU backends ([`DeviceSampler`]) and on the host on the CPU
//! backend, where reading the logits costs nothing and the host sampler is faster.

mod chooser;
mod config;
mod device_sampler;
mod sampler;

pub(crate) use chooser::Chooser;

pub use config::GenerationConfig;
pub use device_sampler::{DeviceSampler, NUCLEUS_STEPS, PAIRWISE_NUCLEUS};
pub use sampler::{Sampler, apply_repetition_penalty, argmax};

use burn::tensor::{Int, Tensor, backend::Backend};

use crate::error::{ModelError, Result};
use crate::fused::is_cpu_backend;
use crate::kv_cache::KvCache;
use crate::model::Qwen2ForCausalLM;
use crate::transfer::read;

/// Why a row stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FinishReason {
    /// A stop token was produced (it is the last token of the row).
    Stop,
    /// `max_new_tokens` were produced.
    Length,
}

/// The result of [`generate`].
#[derive(Debug, Clone, PartialEq)]
pub struct GenerationOutput {
    /// New tokens of each row (prompt excluded, stop token included).
    pub tokens: Vec<Vec<u32>>,
    /// Why each row ended.
    pub finish: Vec<FinishReason>,
}

/// Where sampled tokens (and the repetition penalty) are chosen. Greedy choices without a
/// penalty are made on the device either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SamplingSite {
    /// The logits are read to the host and [`Sampler`] chooses (one read of the logits per
    /// step). Exactly the choices of earlier versions for a given seed.
    Host,
    /// [`DeviceSampler`] chooses on the device; a step reads back only the chosen ids.
    Device,
}

impl SamplingSite {
    /// The faster site for backend `B`: the host on the CPU backend, the device on the GPU ones.
    pub fn for_backend<B: Backend>() -> Self {
        if is_cpu_backend::<B>() {
            Self::Host
        } else {
            Self::Device
        }
    }
}

/// Generates continuations of `prompts` (one row each, lengths may differ: shorter rows are
/// left-padded and masked). `on_token(row, token)` is called for every new token as soon as it
/// is chosen, which lets callers stream text. Tokens are chosen at the backend's own
/// [`SamplingSite`].
pub fn generate<B: Backend>(
    model: &Qwen2ForCausalLM<B>,
    prompts: &[Vec<u32>],
    config: &GenerationConfig,
    on_token: impl FnMut(usize, u32),
) -> Result<GenerationOutput> {
    generate_at(
        model,
        prompts,
        config,
        SamplingSite::for_backend::<B>(),
        on_token,
    )
}

/// [`generate`] with the tokens chosen at `site`.
pub fn generate_at<B: Backend>(
    model: &Qwen2ForCausalLM<B>,
    prompts: &[Vec<u32>],
    config: &GenerationConfig,
    site: SamplingSite,
    mut on_token: impl FnMut(usize, u32),
) -> Result<GenerationOutput> {
    config.validate()?;
    if prompts.is_empty() || prompts.iter().any(Vec::is_empty) {
        return Err(ModelError::InvalidRequest {
            what: "prompts",
            message: "every row needs at least one prompt token".into(),
        });
    }
    let vocab = model.config.vocab_size;
    if let Some(bad) = prompts.iter().flatten().find(|&&t| t as usize >= vocab) {
        return Err(ModelError::InvalidRequest {
            what: "prompts",
            message: format!("token {bad} is outside the vocabulary of {vocab} tokens"),
        });
    }
    let batch = prompts.len();
    let width = prompts.iter().map(Vec::len).max().unwrap_or(0);
    let mut ids = Vec::with_capacity(batch * width);
    let mut mask = Vec::with_capacity(batch * width);
    for p in prompts {
        let pad = width - p.len();
        ids.extend(std::iter::repeat_n(config.pad_token, pad).chain(p.iter().copied()));
        mask.extend(std::iter::repeat_n(false, pad).chain(std::iter::repeat_n(true, p.len())));
    }
    let padded = mask.iter().any(|m| !m);

    let mut output = GenerationOutput {
        tokens: vec![Vec::new(); batch],
        finish: vec![FinishReason::Length; batch],
    };
    if config.max_new_tokens == 0 {
        return Ok(output);
    }
    let needed = width + config.max_new_tokens - 1;
    if needed > model.rope.max_positions() {
        return Err(ModelError::InvalidRequest {
            what: "max_new_tokens",
            message: format!(
                "{width} prompt tokens plus {} new tokens need {needed} positions but max_position_embeddings is {}",
                config.max_new_tokens,
                model.rope.max_positions()
            ),
        });
    }
    let device = model.device();
    let mut cache = KvCache::new(
        &model.config,
        batch,
        width + config.max_new_tokens,
        model.dtype(),
        &device,
    );
    // The rows still generating, as indices into `prompts`; the chooser keeps their samplers
    // (and histories) in the same order. A row that stops leaves the batch (and the cache), so
    // it costs nothing afterwards; each row keeps its own sampler, so what it generates does not
    // depend on when the others stop.
    let mut rows: Vec<usize> = (0..batch).collect();
    let mut chooser = Chooser::new(prompts, vocab, config, site, &device);

    let mut logits = model.forward_cached(
        model.ids_tensor(&ids, batch),
        &mut cache,
        padded.then_some(mask.as_slice()),
        true,
    )?;
    for step in 0..config.max_new_tokens {
        let (next, on_device) = chooser.pick(logits, config);
        chooser.record(&next);
        let mut keep = Vec::with_capacity(rows.len());
        let mut feed = Vec::with_capacity(rows.len());
        for (at, (&row, &token)) in rows.iter().zip(&next).enumerate() {
            output.tokens[row].push(token);
            on_token(row, token);
            if config.stop_tokens.contains(&token) {
                output.finish[row] = FinishReason::Stop;
            } else {
                keep.push(at);
                feed.push(token);
            }
        }
        if keep.is_empty() || step + 1 == config.max_new_tokens {
            break;
        }
        // The chosen ids go back in as they are, unless some rows left the batch (then the
        // survivors' ids are uploaded, once) or they were chosen on the host.
        let input = match on_device {
            Some(ids) if keep.len() == rows.len() => ids,
            _ => model.ids_tensor(&feed, keep.len()),
        };
        if keep.len() < rows.len() {
            cache.retain(&keep)?;
            chooser.retain(&keep);
            rows = keep.iter().map(|&at| rows[at]).collect();
        }
        logits = model.forward_cached(input, &mut cache, None, true)?;
    }
    Ok(output)
}

/// Reads token ids (an integer tensor of any shape) to the host, in row-major order.
pub fn token_ids<B: Backend, const D: usize>(ids: Tensor<B, D, Int>) -> Vec<u32> {
    read(ids)
        .convert::<i64>()
        .to_vec::<i64>()
        .expect("token ids convert to i64")
        .into_iter()
        .map(|t| t as u32)
        .collect()
}
