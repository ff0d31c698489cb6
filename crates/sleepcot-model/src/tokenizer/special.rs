//! The ids of the special tokens that the ChatML template and generation rely on.

use tokenizers::Tokenizer;

use super::chat::{END_OF_TEXT, IM_END, IM_START};
use super::error::TokenizerError;

/// Ids of the ChatML control tokens, read from a tokenizer's vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecialTokens {
    /// `<|im_start|>`: opens a turn.
    pub im_start: u32,
    /// `<|im_end|>`: closes a turn; the usual stop token of a chat model.
    pub im_end: u32,
    /// `<|endoftext|>`: end of a document; also a stop token.
    pub end_of_text: u32,
    /// Padding id: the tokenizer's configured pad token, else `<|endoftext|>` (Qwen's choice).
    pub pad: u32,
}

impl SpecialTokens {
    /// Looks the control tokens up in `tokenizer`; `source_name` names it in errors.
    pub fn from_tokenizer(
        tokenizer: &Tokenizer,
        source_name: &str,
    ) -> Result<Self, TokenizerError> {
        let lookup = |token: &str| {
            tokenizer
                .token_to_id(token)
                .ok_or_else(|| TokenizerError::MissingSpecialToken {
                    source_name: source_name.to_string(),
                    token: token.to_string(),
                })
        };
        let end_of_text = lookup(END_OF_TEXT)?;
        let pad = match tokenizer.get_padding() {
            Some(padding) => lookup(&padding.pad_token)?,
            None => end_of_text,
        };
        Ok(Self {
            im_start: lookup(IM_START)?,
            im_end: lookup(IM_END)?,
            end_of_text,
            pad,
        })
    }

    /// The ids that end generation: `<|im_end|>` and `<|endoftext|>`.
    pub fn stop_ids(&self) -> [u32; 2] {
        [self.im_end, self.end_of_text]
    }
}
