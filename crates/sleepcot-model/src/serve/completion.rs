//! From a validated request to text: the ChatML prompt, the context-length check (or left
//! truncation), the generation settings, and incremental decoding for streaming.

use std::sync::Arc;

use super::engine::Engine;
use super::error::ApiError;
use super::wire::{ChatRequest, Usage};
use crate::generate::{FinishReason, GenerationConfig};
use crate::tokenizer::{ChatTokenizer, TextStream};

/// What a finished completion produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    /// The generated text, special tokens removed.
    pub text: String,
    /// `stop` (a stop token) or `length` (`max_tokens` reached).
    pub finish_reason: &'static str,
    /// Token counts.
    pub usage: Usage,
}

/// The model, its tokenizer and how over-long prompts are handled.
pub struct Completer {
    engine: Arc<dyn Engine>,
    tokenizer: ChatTokenizer,
    truncate_prompt: bool,
}

/// A prompt ready to generate from.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedPrompt {
    /// Token ids (possibly truncated from the left).
    pub ids: Vec<u32>,
    /// The generation settings.
    pub config: GenerationConfig,
}

impl Completer {
    /// A completer; with `truncate_prompt`, prompts longer than the context keep their last
    /// tokens instead of being refused with `context_length_exceeded`.
    pub fn new(engine: Arc<dyn Engine>, tokenizer: ChatTokenizer, truncate_prompt: bool) -> Self {
        Completer {
            engine,
            tokenizer,
            truncate_prompt,
        }
    }

    /// The tokenizer.
    pub fn tokenizer(&self) -> &ChatTokenizer {
        &self.tokenizer
    }

    /// Encodes the conversation with a generation prompt and checks it fits the context.
    pub fn prepare(&self, request: &ChatRequest, seed: u64) -> Result<PreparedPrompt, ApiError> {
        let max_positions = self.engine.max_positions();
        if request.max_tokens >= max_positions {
            return Err(ApiError::invalid(
                format!(
                    "`max_tokens` is {}, but this model's context holds {max_positions} tokens in all; ask for fewer.",
                    request.max_tokens
                ),
                Some("max_tokens"),
            ));
        }
        let mut ids = self
            .tokenizer
            .encode_chat(&request.messages, true)
            .map_err(|e| ApiError::invalid(e.to_string(), Some("messages")))?
            .ids;
        let vocab = self.engine.vocab_size();
        if let Some(bad) = ids.iter().find(|&&t| t as usize >= vocab) {
            return Err(ApiError::internal(format!(
                "The tokenizer produced token {bad}, outside the model's vocabulary of {vocab}; the tokenizer does not belong to this model."
            )));
        }
        // generate() needs prompt + max_tokens - 1 positions.
        let room = max_positions + 1 - request.max_tokens;
        if ids.len() > room {
            if !self.truncate_prompt {
                return Err(ApiError::invalid(
                    format!(
                        "This model's maximum context length is {max_positions} tokens, but the messages take {} tokens and max_tokens asks for {} more.",
                        ids.len(),
                        request.max_tokens
                    ),
                    Some("messages"),
                )
                .with_code("context_length_exceeded"));
            }
            ids.drain(..ids.len() - room);
        }
        let special = self.tokenizer.special_tokens();
        let config = GenerationConfig {
            max_new_tokens: request.max_tokens,
            temperature: request.temperature,
            top_p: request.top_p,
            stop_tokens: special.stop_ids().to_vec(),
            pad_token: special.pad,
            seed: request.seed.unwrap_or(seed),
            ..GenerationConfig::default()
        };
        Ok(PreparedPrompt { ids, config })
    }

    /// Generates; `on_text` receives each new piece of text as soon as it decodes to whole
    /// characters (an incomplete UTF-8 sequence waits for the next token).
    pub fn run(
        &self,
        prompt: &PreparedPrompt,
        mut on_text: impl FnMut(&str),
    ) -> Result<Completion, ApiError> {
        let mut stream = TextStream::new(&self.tokenizer);
        let mut decode_error = None;
        let mut on_token = |t: u32| match stream.push(t) {
            Ok(Some(new)) => on_text(&new),
            Ok(None) => {}
            Err(e) => decode_error = Some(e.to_string()),
        };
        let out = self
            .engine
            .generate(&prompt.ids, &prompt.config, &mut on_token)
            .map_err(|e| ApiError::internal(format!("Generation failed: {e}")))?;
        if let Some(e) = decode_error {
            return Err(ApiError::internal(format!("Decoding failed: {e}")));
        }
        let generated = out.tokens.into_iter().next().unwrap_or_default();
        let (rest, text) = stream
            .finish(&generated)
            .map_err(|e| ApiError::internal(format!("Decoding failed: {e}")))?;
        if let Some(rest) = rest {
            on_text(&rest);
        }
        let finish_reason = match out.finish.first() {
            Some(FinishReason::Stop) => "stop",
            _ => "length",
        };
        Ok(Completion {
            text,
            finish_reason,
            usage: Usage {
                prompt_tokens: prompt.ids.len(),
                completion_tokens: generated.len(),
                total_tokens: prompt.ids.len() + generated.len(),
            },
        })
    }
}
