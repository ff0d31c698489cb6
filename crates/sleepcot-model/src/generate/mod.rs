//! Autoregressive generation with the KV cache: one prefill pass over the (left-padded) prompts,
//! then one token per row per step, logits computed for the last position only.
//!
//! A greedy step keeps everything on the device but the chosen ids: the argmax of the logits is
//! fed back as the next input as it is, and read once for the host (stop tokens, streaming).
//! Positions and the attention bias live in the cache's device state ([`KvCache`]). Sampling,
//! and the repetition penalty, read the logits to the host and choose there.

mod config;
mod sampler;

pub use config::GenerationConfig;
pub use sampler::{Sampler, apply_repetition_penalty, argmax};

use burn::tensor::{Int, Tensor, backend::Backend};

use crate::error::{ModelError, Result};
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

/// Generates continuations of `prompts` (one row each, lengths may differ: shorter rows are
/// left-padded and masked). `on_token(row, token)` is called for every new token as soon as it
/// is chosen, which lets callers stream text.
pub fn generate<B: Backend>(
    model: &Qwen2ForCausalLM<B>,
    prompts: &[Vec<u32>],
    config: &GenerationConfig,
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
    // The rows still generating, as indices into `prompts`; their samplers and histories are
    // kept in the same order. A row that stops leaves the batch (and the cache), so it costs
    // nothing afterwards; each row keeps its own sampler, so what it generates does not depend
    // on when the others stop.
    let mut rows: Vec<usize> = (0..batch).collect();
    let mut samplers: Vec<Sampler> = (0..batch).map(|r| Sampler::new(config, r)).collect();
    let mut history: Vec<Vec<u32>> = prompts.to_vec();
    let use_history = config.repetition_penalty != 1.0;

    let mut logits = model.forward_cached(
        model.ids_tensor(&ids, batch),
        &mut cache,
        padded.then_some(mask.as_slice()),
        true,
    )?;
    for step in 0..config.max_new_tokens {
        let (next, on_device) = pick_tokens(logits, &mut samplers, &history, config, use_history);
        let mut keep = Vec::with_capacity(rows.len());
        let mut feed = Vec::with_capacity(rows.len());
        for (at, (&row, &token)) in rows.iter().zip(&next).enumerate() {
            output.tokens[row].push(token);
            if use_history {
                history[at].push(token);
            }
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
            rows = keep.iter().map(|&at| rows[at]).collect();
            samplers = keep.iter().map(|&at| samplers[at].clone()).collect();
            history = keep
                .iter()
                .map(|&at| std::mem::take(&mut history[at]))
                .collect();
        }
        logits = model.forward_cached(input, &mut cache, None, true)?;
    }
    Ok(output)
}

/// Chooses one token per row from last-position logits `[batch, 1, vocab]`. Greedy choices
/// are made on the device and also returned there (`[batch, 1]`), ready to be fed back.
fn pick_tokens<B: Backend>(
    logits: Tensor<B, 3>,
    samplers: &mut [Sampler],
    history: &[Vec<u32>],
    config: &GenerationConfig,
    use_history: bool,
) -> (Vec<u32>, Option<Tensor<B, 2, Int>>) {
    let [batch, _, vocab] = logits.dims();
    if config.is_greedy() && !use_history {
        // Only the indices leave the device.
        let best = logits.argmax(2).reshape([batch, 1]);
        return (token_ids(best.clone()), Some(best));
    }
    let mut values = read(logits)
        .convert::<f32>()
        .to_vec::<f32>()
        .expect("logits convert to f32");
    let picked = (0..batch)
        .map(|row| {
            let slice = &mut values[row * vocab..(row + 1) * vocab];
            samplers[row].pick(slice, &history[row], config)
        })
        .collect();
    (picked, None)
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
