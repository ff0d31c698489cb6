//! Streaming decoded text while tokens are generated.

use super::{ChatTokenizer, TokenizerError};

/// Turns generated tokens into text pieces as soon as they decode to whole characters: an
/// incomplete UTF-8 sequence (decoded as U+FFFD) waits for the next token. Special tokens are
/// dropped. Shared by the server's streaming and `cargo xtask ask`.
pub struct TextStream<'a> {
    tokenizer: &'a ChatTokenizer,
    tokens: Vec<u32>,
    sent: usize,
}

impl<'a> TextStream<'a> {
    /// An empty stream.
    pub fn new(tokenizer: &'a ChatTokenizer) -> Self {
        TextStream {
            tokenizer,
            tokens: Vec::new(),
            sent: 0,
        }
    }

    /// Adds one token; returns the new text it completes, if any.
    pub fn push(&mut self, token: u32) -> Result<Option<String>, TokenizerError> {
        self.tokens.push(token);
        let text = self.tokenizer.decode(&self.tokens, true)?;
        if text.ends_with('\u{FFFD}') || text.len() <= self.sent {
            return Ok(None);
        }
        let new = text.get(self.sent..).map(str::to_string);
        self.sent = text.len();
        Ok(new)
    }

    /// The text of `tokens` (the whole generation) not yet returned by [`TextStream::push`],
    /// and the whole text.
    pub fn finish(&mut self, tokens: &[u32]) -> Result<(Option<String>, String), TokenizerError> {
        let text = self.tokenizer.decode(tokens, true)?;
        let rest = (text.len() > self.sent)
            .then(|| text.get(self.sent..).map(str::to_string))
            .flatten();
        self.sent = text.len();
        Ok((rest, text))
    }
}
