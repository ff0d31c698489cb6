//! One teacher-labelled conversation in ChatML roles.

use serde::{Deserialize, Serialize};

use super::Split;
use crate::teacher::Task;

/// One turn of a conversation (`system`, `user` or `assistant`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatTurn {
    /// The speaker's role.
    pub role: String,
    /// What was said.
    pub content: String,
}

/// A supervised example: the student sees `system` and `user`, and learns to write `assistant`,
/// which is the teacher's `rationale` followed by its `answer`.
///
/// `rationale` and `answer` are kept apart as well because the student variants use them
/// differently: label-only training keeps only the answer, Sci-CoT's second stage reads the
/// rationale as input, and step-by-step training weighs the two losses separately.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstructionRecord {
    /// Stable identifier (`rec-…`, `fu-…` or `kq-…`).
    pub id: String,
    /// Which SleepCoT task the record belongs to.
    pub task: Task,
    /// The split the record is in.
    pub split: Split,
    /// The person whose report the record is about (none for knowledge questions).
    pub person_id: Option<String>,
    /// The report or question the record was made from.
    pub source_id: String,
    /// The knowledge fact behind a knowledge question.
    pub fact_id: Option<String>,
    /// Which teacher wrote the rationale.
    pub teacher: String,
    /// The system prompt.
    pub system: String,
    /// The user message.
    pub user: String,
    /// The full assistant message: rationale, a blank line, then the answer.
    pub assistant: String,
    /// The teacher's step-by-step reasoning.
    pub rationale: String,
    /// The teacher's final answer.
    pub answer: String,
}

impl ChatTurn {
    /// A turn of `role` saying `content`.
    pub fn new(role: &str, content: &str) -> Self {
        Self {
            role: role.to_string(),
            content: content.to_string(),
        }
    }
}

impl InstructionRecord {
    /// Joins a rationale and an answer into the assistant message the one-stage student learns.
    pub fn assistant_text(rationale: &str, answer: &str) -> String {
        match (rationale.trim().is_empty(), answer.trim().is_empty()) {
            (true, _) => answer.trim_end().to_string(),
            (false, true) => rationale.trim_end().to_string(),
            (false, false) => format!("{}\n\n{}", rationale.trim_end(), answer.trim_end()),
        }
    }

    /// The conversation in ChatML roles: system, user, assistant.
    pub fn turns(&self) -> [ChatTurn; 3] {
        [
            ChatTurn::new("system", &self.system),
            ChatTurn::new("user", &self.user),
            ChatTurn::new("assistant", &self.assistant),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assistant_text_joins_rationale_and_answer() {
        assert_eq!(
            InstructionRecord::assistant_text("Step 1.\n", "Answer: B"),
            "Step 1.\n\nAnswer: B"
        );
        assert_eq!(
            InstructionRecord::assistant_text("  ", "Answer: B"),
            "Answer: B"
        );
        assert_eq!(InstructionRecord::assistant_text("Why.", ""), "Why.");
    }
}
