//! Errors raised while loading, training, saving or using a tokenizer.

use std::path::PathBuf;

/// A tokenizer failure; each message is one sentence naming the file, token or text involved.
#[derive(Debug, thiserror::Error)]
pub enum TokenizerError {
    /// The tokenizer file does not exist.
    #[error("tokenizer file {} does not exist; expected a Hugging Face tokenizer.json", path.display())]
    MissingFile {
        /// The path that was looked up.
        path: PathBuf,
    },
    /// The tokenizer file exists but could not be read or parsed.
    #[error("tokenizer file {} is not a valid Hugging Face tokenizer.json ({reason})", path.display())]
    Malformed {
        /// The offending file.
        path: PathBuf,
        /// What the parser reported.
        reason: String,
    },
    /// A special token that the chat template needs is not in the vocabulary.
    #[error(
        "tokenizer {source_name} has no special token {token:?}, which the ChatML template needs"
    )]
    MissingSpecialToken {
        /// Where the tokenizer came from (a path, or "trained tokenizer").
        source_name: String,
        /// The missing token text.
        token: String,
    },
    /// Encoding a piece of text failed.
    #[error("could not encode text starting with {snippet:?} ({reason})")]
    Encode {
        /// The first characters of the text.
        snippet: String,
        /// What the tokenizer reported.
        reason: String,
    },
    /// Decoding token ids failed.
    #[error("could not decode {count} token ids ({reason})")]
    Decode {
        /// How many ids were given.
        count: usize,
        /// What the tokenizer reported.
        reason: String,
    },
    /// BPE training failed or was asked for something impossible.
    #[error("could not train a BPE tokenizer ({reason})")]
    Train {
        /// Why training failed.
        reason: String,
    },
    /// Writing the tokenizer file failed.
    #[error("could not write tokenizer file {} ({reason})", path.display())]
    Save {
        /// The destination file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

/// Up to 40 characters of `text`, for error messages.
pub(crate) fn snippet(text: &str) -> String {
    text.chars().take(40).collect()
}
