//! Tokenizer wrapper with Qwen's ChatML template.
//!
//! Loads a Hugging Face `tokenizer.json` (or trains a byte-level BPE one), renders conversations
//! as `<|im_start|>role\n…<|im_end|>\n`, encodes them without letting message text forge control
//! tokens, and marks which positions belong to the assistant for loss masking.

pub mod chat;
pub mod chat_tokenizer;
pub mod error;
pub mod special;
pub mod stream;
pub mod train;

pub use chat::{ChatMessage, ChatTemplate, Role};
pub use chat_tokenizer::{ChatEncoding, ChatTokenizer};
pub use error::TokenizerError;
pub use special::SpecialTokens;
pub use stream::TextStream;
pub use train::{train_bpe, train_bpe_with};
