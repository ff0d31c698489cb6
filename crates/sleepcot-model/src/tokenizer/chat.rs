//! Chat messages and Qwen's ChatML template, rendered as plain text.
//!
//! Layout of one turn: `<|im_start|>{role}\n{content}<|im_end|>\n`. A generation prompt is
//! `<|im_start|>assistant\n`. When the first message is not a system message and the template has
//! a default system prompt, a system turn with that prompt is inserted first (as Qwen2.5-Instruct's
//! template does).

use serde::{Deserialize, Serialize};

/// Text of the turn-opening special token.
pub const IM_START: &str = "<|im_start|>";
/// Text of the turn-closing special token.
pub const IM_END: &str = "<|im_end|>";
/// Text of the end-of-text token (Qwen's padding and base-model end token).
pub const END_OF_TEXT: &str = "<|endoftext|>";
/// The system prompt that Qwen2.5-Instruct's template inserts when none is given.
pub const QWEN_DEFAULT_SYSTEM: &str =
    "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";

/// Who speaks in a chat turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions that frame the conversation.
    System,
    /// The person asking.
    User,
    /// The model answering; only these turns are trained on.
    Assistant,
}

impl Role {
    /// The role name as written after `<|im_start|>`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// One turn of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Who speaks.
    pub role: Role,
    /// What they say (plain text; special-token look-alikes are never parsed as special tokens).
    pub content: String,
}

impl ChatMessage {
    /// A message with the given role and content.
    pub fn new(role: Role, content: impl Into<String>) -> Self {
        Self {
            role,
            content: content.into(),
        }
    }

    /// A system message.
    pub fn system(content: impl Into<String>) -> Self {
        Self::new(Role::System, content)
    }

    /// A user message.
    pub fn user(content: impl Into<String>) -> Self {
        Self::new(Role::User, content)
    }

    /// An assistant message.
    pub fn assistant(content: impl Into<String>) -> Self {
        Self::new(Role::Assistant, content)
    }
}

/// The ChatML template, with an optional default system prompt.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChatTemplate {
    /// Inserted as a system turn when the conversation does not start with one.
    pub default_system: Option<String>,
}

impl ChatTemplate {
    /// Qwen2.5-Instruct's template (with its default system prompt).
    pub fn qwen() -> Self {
        Self {
            default_system: Some(QWEN_DEFAULT_SYSTEM.to_string()),
        }
    }

    /// The template without a default system prompt (for tokenizers trained by this project).
    pub fn plain() -> Self {
        Self::default()
    }

    /// The turns to render: `messages`, preceded by the default system turn when it applies.
    pub fn turns<'a>(&'a self, messages: &'a [ChatMessage]) -> Vec<(Role, &'a str)> {
        let mut turns = Vec::with_capacity(messages.len() + 1);
        let starts_with_system = messages.first().is_some_and(|m| m.role == Role::System);
        if let (false, Some(system)) = (starts_with_system, &self.default_system) {
            turns.push((Role::System, system.as_str()));
        }
        turns.extend(messages.iter().map(|m| (m.role, m.content.as_str())));
        turns
    }

    /// Renders the conversation as ChatML text, optionally ending with the assistant prompt.
    pub fn render(&self, messages: &[ChatMessage], add_generation_prompt: bool) -> String {
        let mut out = String::new();
        for (role, content) in self.turns(messages) {
            out.push_str(IM_START);
            out.push_str(role.as_str());
            out.push('\n');
            out.push_str(content);
            out.push_str(IM_END);
            out.push('\n');
        }
        if add_generation_prompt {
            out.push_str(IM_START);
            out.push_str(Role::Assistant.as_str());
            out.push('\n');
        }
        out
    }
}
