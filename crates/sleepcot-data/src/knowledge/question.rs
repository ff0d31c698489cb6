//! A four-option multiple-choice question and the exact text a student sees.

use serde::{Deserialize, Serialize};

use super::fact::Topic;

/// The option letters, in order.
pub const LETTERS: [char; 4] = ['A', 'B', 'C', 'D'];

/// A multiple-choice question about one fact of the knowledge bank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Stable id: `<fact_id>/p<phrasing>/v<variant>`.
    pub id: String,
    /// The fact the question asks about (split by this to hold out whole facts).
    pub fact_id: String,
    /// The fact's topic.
    pub topic: Topic,
    /// The question text without options.
    pub stem: String,
    /// The four options, in display order.
    pub options: [String; 4],
    /// The letter of the correct option, `'A'..='D'`.
    pub answer: char,
    /// Which phrasing of the fact the stem uses (split by this to hold out rewordings).
    pub phrasing: usize,
    /// Where the fact comes from.
    pub source_url: String,
}

impl Question {
    /// The stem followed by one `X. option` line per option: exactly what the student reads.
    pub fn prompt_text(&self) -> String {
        let mut text = self.stem.clone();
        for (letter, option) in LETTERS.iter().zip(&self.options) {
            text.push('\n');
            text.push(*letter);
            text.push_str(". ");
            text.push_str(option);
        }
        text
    }

    /// The position (0..4) of the correct option, `None` if `answer` is not a letter A–D.
    pub fn answer_index(&self) -> Option<usize> {
        LETTERS.iter().position(|&l| l == self.answer)
    }

    /// The text of the correct option, `None` if `answer` is not a letter A–D.
    pub fn correct_option(&self) -> Option<&str> {
        self.answer_index().map(|i| self.options[i].as_str())
    }
}
