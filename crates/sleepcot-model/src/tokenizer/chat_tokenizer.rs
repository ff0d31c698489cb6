//! A `tokenizers` tokenizer bound to the ChatML template, with injection-safe chat encoding and a
//! mask of the assistant's tokens for training.

use std::path::{Path, PathBuf};

use tokenizers::Tokenizer;

use super::chat::{ChatMessage, ChatTemplate, Role};
use super::error::{TokenizerError, snippet};
use super::special::SpecialTokens;

/// Token ids of a rendered conversation and, per position, whether it belongs to an assistant turn.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChatEncoding {
    /// The token ids, template tokens included.
    pub ids: Vec<u32>,
    /// `true` at the positions of assistant content and of the `<|im_end|>` closing an assistant
    /// turn: the tokens a "loss only on the assistant" objective trains on.
    pub assistant_mask: Vec<bool>,
}

impl ChatEncoding {
    fn push(&mut self, ids: &[u32], assistant: bool) {
        self.ids.extend_from_slice(ids);
        self.assistant_mask
            .extend(std::iter::repeat_n(assistant, ids.len()));
    }
}

/// A tokenizer with Qwen's ChatML template and the ids of its control tokens.
///
/// Two copies of the underlying tokenizer are kept: one that recognises special tokens written in
/// text (used for decoding and for [`ChatTokenizer::encode_with_special_tokens`]) and one that
/// treats them as ordinary text (used for every piece of message content, so a user cannot forge
/// `<|im_end|>` or `<|im_start|>`).
#[derive(Debug, Clone)]
pub struct ChatTokenizer {
    tokenizer: Tokenizer,
    plain: Tokenizer,
    special: SpecialTokens,
    template: ChatTemplate,
}

impl ChatTokenizer {
    /// Loads a Hugging Face `tokenizer.json`, with the template that has no default system prompt
    /// (use [`ChatTokenizer::with_template`] with [`ChatTemplate::qwen`] for Qwen2.5-Instruct).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, TokenizerError> {
        let path = path.as_ref();
        if !path.is_file() {
            return Err(TokenizerError::MissingFile {
                path: path.to_path_buf(),
            });
        }
        let tokenizer = Tokenizer::from_file(path).map_err(|e| TokenizerError::Malformed {
            path: path.to_path_buf(),
            reason: one_line(&e.to_string()),
        })?;
        Self::from_tokenizer(tokenizer, &path.display().to_string())
    }

    /// Wraps an in-memory tokenizer; `source_name` names it in error messages.
    pub fn from_tokenizer(tokenizer: Tokenizer, source_name: &str) -> Result<Self, TokenizerError> {
        let special = SpecialTokens::from_tokenizer(&tokenizer, source_name)?;
        let mut plain = tokenizer.clone();
        plain.set_encode_special_tokens(true);
        Ok(Self {
            tokenizer,
            plain,
            special,
            template: ChatTemplate::plain(),
        })
    }

    /// Replaces the chat template (for example with [`ChatTemplate::qwen`]).
    pub fn with_template(mut self, template: ChatTemplate) -> Self {
        self.template = template;
        self
    }

    /// The chat template in use.
    pub fn template(&self) -> &ChatTemplate {
        &self.template
    }

    /// The ids of the control tokens.
    pub fn special_tokens(&self) -> SpecialTokens {
        self.special
    }

    /// The wrapped `tokenizers` tokenizer.
    pub fn inner(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// Vocabulary size including added (special) tokens: the minimum embedding height.
    pub fn vocab_size(&self) -> usize {
        self.tokenizer.get_vocab_size(true)
    }

    /// The id of `token`, if it is in the vocabulary.
    pub fn token_to_id(&self, token: &str) -> Option<u32> {
        self.tokenizer.token_to_id(token)
    }

    /// Encodes plain text; special-token look-alikes in it are tokenised as ordinary text.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>, TokenizerError> {
        encode_with(&self.plain, text)
    }

    /// Encodes text in which literal special tokens (e.g. `<|im_end|>`) become their ids.
    ///
    /// Only for trusted text such as an already rendered template; never for user content.
    pub fn encode_with_special_tokens(&self, text: &str) -> Result<Vec<u32>, TokenizerError> {
        encode_with(&self.tokenizer, text)
    }

    /// Decodes ids to text, optionally dropping special tokens.
    pub fn decode(&self, ids: &[u32], skip_special_tokens: bool) -> Result<String, TokenizerError> {
        self.tokenizer
            .decode(ids, skip_special_tokens)
            .map_err(|e| TokenizerError::Decode {
                count: ids.len(),
                reason: one_line(&e.to_string()),
            })
    }

    /// Renders the conversation as ChatML text (see [`ChatTemplate::render`]).
    pub fn render_chat(&self, messages: &[ChatMessage], add_generation_prompt: bool) -> String {
        self.template.render(messages, add_generation_prompt)
    }

    /// Encodes a conversation with the ChatML template.
    ///
    /// The control tokens are spliced in by id; the role header (`role\n`), each message's
    /// content and the newline after each turn are tokenised separately with special-token parsing
    /// off. For ordinary content this gives the same ids as tokenising the rendered text, and the
    /// assistant content starts on a token boundary, exactly as it does after a generation prompt.
    pub fn encode_chat(
        &self,
        messages: &[ChatMessage],
        add_generation_prompt: bool,
    ) -> Result<ChatEncoding, TokenizerError> {
        let newline = self.encode("\n")?;
        let mut out = ChatEncoding::default();
        for (role, content) in self.template.turns(messages) {
            let assistant = role == Role::Assistant;
            out.push(&[self.special.im_start], false);
            out.push(&self.encode(&format!("{}\n", role.as_str()))?, false);
            out.push(&self.encode(content)?, assistant);
            out.push(&[self.special.im_end], assistant);
            out.push(&newline, false);
        }
        if add_generation_prompt {
            out.push(&[self.special.im_start], false);
            out.push(
                &self.encode(&format!("{}\n", Role::Assistant.as_str()))?,
                false,
            );
        }
        Ok(out)
    }

    /// Writes the tokenizer as `tokenizer.json` at `path`, atomically (temporary file + rename).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), TokenizerError> {
        let path = path.as_ref();
        let save_err = |reason: String| TokenizerError::Save {
            path: path.to_path_buf(),
            reason,
        };
        let json = self
            .tokenizer
            .to_string(true)
            .map_err(|e| save_err(one_line(&e.to_string())))?;
        write_atomic(path, json.as_bytes()).map_err(|e| save_err(e.to_string()))
    }

    /// Writes the tokenizer as a Hugging Face directory expects it: `dir/tokenizer.json`, and
    /// `dir/tokenizer_config.json` naming the generic fast tokenizer class with the stop and
    /// pad tokens, so `AutoTokenizer` reads `tokenizer.json` as written rather than as the
    /// model type's tokenizer class would rebuild it. `transformers` 5 ignores the class for
    /// `qwen2` checkpoints and applies Qwen2's pre-tokenizer anyway; there a from-scratch
    /// student's tokenizer is read with `PreTrainedTokenizerFast(tokenizer_file=...)`.
    pub fn save_pretrained(&self, dir: impl AsRef<Path>) -> Result<(), TokenizerError> {
        let dir = dir.as_ref();
        self.save(dir.join("tokenizer.json"))?;
        let path = dir.join("tokenizer_config.json");
        let name = |id: u32| self.tokenizer.id_to_token(id);
        let config = serde_json::json!({
            "tokenizer_class": "PreTrainedTokenizerFast",
            "eos_token": name(self.special.im_end),
            "pad_token": name(self.special.pad),
            "bos_token": null,
            "unk_token": null,
            "clean_up_tokenization_spaces": false,
        });
        let text = serde_json::to_string_pretty(&config).map_err(|e| TokenizerError::Save {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        write_atomic(&path, text.as_bytes()).map_err(|e| TokenizerError::Save {
            path: path.clone(),
            reason: e.to_string(),
        })
    }
}

fn encode_with(tokenizer: &Tokenizer, text: &str) -> Result<Vec<u32>, TokenizerError> {
    tokenizer
        .encode(text, false)
        .map(|encoding| encoding.get_ids().to_vec())
        .map_err(|e| TokenizerError::Encode {
            snippet: snippet(text),
            reason: one_line(&e.to_string()),
        })
}

/// Collapses a multi-line library message into one line for a one-sentence error.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "tokenizer.json".to_string());
    let tmp = dir.join(format!(".{file_name}.tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
