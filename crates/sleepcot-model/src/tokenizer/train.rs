//! Training a byte-level BPE tokenizer that carries the ChatML control tokens.

use tokenizers::decoders::byte_level::ByteLevel as ByteLevelDecoder;
use tokenizers::models::TrainerWrapper;
use tokenizers::models::bpe::{BPE, BpeTrainerBuilder};
use tokenizers::pre_tokenizers::PreTokenizerWrapper;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
use tokenizers::{AddedToken, SplitDelimiterBehavior, Tokenizer};

use super::chat::{END_OF_TEXT, IM_END, IM_START};
use super::chat_tokenizer::ChatTokenizer;
use super::error::TokenizerError;

/// Number of byte symbols every byte-level vocabulary starts with.
const BYTE_ALPHABET: usize = 256;
/// The control tokens, in the order they receive ids 0, 1, 2.
const SPECIAL_TOKENS: [&str; 3] = [END_OF_TEXT, IM_START, IM_END];

/// Trains a byte-level BPE tokenizer of at most `vocab_size` entries on `texts`, with numbers
/// merged like words (see [`train_bpe_with`] for one token per digit).
pub fn train_bpe<S: AsRef<str> + Sync>(
    texts: &[S],
    vocab_size: usize,
) -> Result<ChatTokenizer, TokenizerError> {
    train_bpe_with(texts, vocab_size, false)
}

/// Trains a byte-level BPE tokenizer of at most `vocab_size` entries on `texts`.
///
/// With `split_digits`, every digit is its own pre-token, so no merge spans two digits and a
/// number reaches the model digit by digit: `417` and `420` share their leading `4`, and
/// comparing them is a per-position comparison the model can learn, rather than a look-up of
/// two unrelated merged tokens. Unlike Qwen2's tokenizer, the space before a number stays on
/// its first digit (` 417` is ` 4`, `1`, `7`, not ` `, `4`, `1`, `7`). The token before a
/// value's first digit is then its key (`WASO`, ` 4`), not a space shared by every value, so a
/// student copies a value by looking up the token that follows its key, one token back rather
/// than two.
///
/// The vocabulary starts with `<|endoftext|>`, `<|im_start|>`, `<|im_end|>` (ids 0, 1, 2) and the
/// 256 byte symbols, so any text can be encoded; merges are learnt up to `vocab_size`. The same
/// texts and size always give the same tokenizer (the trainer breaks count ties by pair id).
pub fn train_bpe_with<S: AsRef<str> + Sync>(
    texts: &[S],
    vocab_size: usize,
    split_digits: bool,
) -> Result<ChatTokenizer, TokenizerError> {
    let minimum = BYTE_ALPHABET + SPECIAL_TOKENS.len();
    if vocab_size < minimum {
        return Err(TokenizerError::Train {
            reason: format!(
                "vocab_size {vocab_size} is below the minimum of {minimum} (256 bytes + 3 special tokens)"
            ),
        });
    }
    if texts.is_empty() {
        return Err(TokenizerError::Train {
            reason: "the list of training texts is empty".to_string(),
        });
    }
    let specials = SPECIAL_TOKENS
        .iter()
        .map(|t| AddedToken::from(t.to_string(), true))
        .collect();
    let trainer = BpeTrainerBuilder::new()
        .vocab_size(vocab_size)
        .min_frequency(0)
        .show_progress(false)
        .special_tokens(specials)
        .initial_alphabet(ByteLevel::alphabet().into_iter().collect())
        .build();
    let mut trainer = TrainerWrapper::BpeTrainer(trainer);

    let mut tokenizer = Tokenizer::new(BPE::default());
    let byte_level = ByteLevel::new(false, true, true);
    if split_digits {
        // Each digit, with the space before it when there is one, is a pre-token of its own.
        let digits = Split::new(
            SplitPattern::Regex(" ?[0-9]".to_string()),
            SplitDelimiterBehavior::Isolated,
            false,
        )
        .map_err(|e| TokenizerError::Train {
            reason: format!("the digit pre-tokenizer: {e}"),
        })?;
        tokenizer.with_pre_tokenizer(Some(PreTokenizerWrapper::Sequence(Sequence::new(vec![
            PreTokenizerWrapper::Split(digits),
            PreTokenizerWrapper::ByteLevel(byte_level),
        ]))));
    } else {
        tokenizer.with_pre_tokenizer(Some(byte_level));
    }
    tokenizer.with_decoder(Some(ByteLevelDecoder::default()));
    tokenizer
        .train(&mut trainer, texts.iter().map(|t| t.as_ref()))
        .map_err(|e| TokenizerError::Train {
            reason: e.to_string(),
        })?;
    ChatTokenizer::from_tokenizer(tokenizer, "trained tokenizer")
}
