//! `GenerationConfig`: how many tokens to produce and how to pick each one.

use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};

/// Decoding settings. `temperature == 0` means greedy decoding; the other filters then only
/// matter through the repetition penalty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GenerationConfig {
    /// Maximum number of new tokens per row.
    pub max_new_tokens: usize,
    /// Softmax temperature; 0 selects greedy decoding.
    pub temperature: f32,
    /// Keep only the `top_k` most likely tokens (0 disables).
    pub top_k: usize,
    /// Keep the smallest set of tokens whose probability reaches `top_p` (1 disables).
    pub top_p: f32,
    /// HF-style repetition penalty on every token already in the row (1 disables).
    pub repetition_penalty: f32,
    /// Tokens that end a row (the stop token itself is emitted).
    pub stop_tokens: Vec<u32>,
    /// Token used for left padding of shorter prompts.
    pub pad_token: u32,
    /// Seed of the sampling generators (one per row, derived from this seed and the row index).
    pub seed: u64,
}

impl Default for GenerationConfig {
    fn default() -> Self {
        Self {
            max_new_tokens: 64,
            temperature: 0.0,
            top_k: 0,
            top_p: 1.0,
            repetition_penalty: 1.0,
            stop_tokens: Vec::new(),
            pad_token: 0,
            seed: 0,
        }
    }
}

impl GenerationConfig {
    /// Greedy decoding of `max_new_tokens` tokens.
    pub fn greedy(max_new_tokens: usize) -> Self {
        Self {
            max_new_tokens,
            ..Self::default()
        }
    }

    /// Whether tokens are picked by argmax.
    pub fn is_greedy(&self) -> bool {
        self.temperature == 0.0
    }

    /// Rejects values that have no meaning (negative temperature, `top_p` outside `(0, 1]`, ...).
    pub fn validate(&self) -> Result<()> {
        let bad =
            |what: &'static str, message: String| Err(ModelError::InvalidRequest { what, message });
        if !(self.temperature.is_finite() && self.temperature >= 0.0) {
            return bad(
                "temperature",
                format!("{} is not a finite number >= 0", self.temperature),
            );
        }
        if !(self.top_p > 0.0 && self.top_p <= 1.0) {
            return bad("top_p", format!("{} is not in (0, 1]", self.top_p));
        }
        if !(self.repetition_penalty.is_finite() && self.repetition_penalty > 0.0) {
            return bad(
                "repetition_penalty",
                format!("{} is not a finite number > 0", self.repetition_penalty),
            );
        }
        Ok(())
    }
}
