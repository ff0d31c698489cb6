//! The prompt formats of the student variants: what a student reads and what it must write.
//!
//! Training and evaluation must agree on these byte for byte (a student trained on one prompt
//! layout and tested on another measures nothing), so both build their conversations here.
//!
//! - label-only: the question, then the answer alone;
//! - one-stage CoT (SleepCoT): the question, then rationale and answer;
//! - two-stage (Sci-CoT): stage 1 reads the question and writes the rationale; stage 2 reads the
//!   question plus a rationale and writes the answer;
//! - distilling step-by-step (Hsieh et al. 2023): one model, two task prefixes, `[rationale]`
//!   asks for the rationale and `[answer]` for the answer.

use serde::{Deserialize, Serialize};

use super::record::{ChatTurn, InstructionRecord};

/// Which part of the teacher's output a training example supervises. Objectives weigh the parts
/// separately (step-by-step: `a·answer + (1-a)·rationale`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// The final answer only.
    Answer,
    /// The rationale only.
    Rationale,
    /// Rationale followed by answer, as one message.
    Full,
}

/// How a student is prompted and what it writes in reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StudentFormat {
    /// The question; the reply is the answer (label-only fine-tuning).
    AnswerOnly,
    /// The question; the reply is rationale then answer (one-stage CoT).
    RationaleThenAnswer,
    /// The question; the reply is the rationale (Sci-CoT stage 1, the rationale generator).
    RationaleStage,
    /// The question and a rationale; the reply is the answer (Sci-CoT stage 2, the inferrer).
    AnswerFromRationale,
    /// The question behind the `[rationale]` prefix; the reply is the rationale.
    PrefixedRationale,
    /// The question behind the `[answer]` prefix; the reply is the answer.
    PrefixedAnswer,
}

/// The task prefix that asks a step-by-step student for its rationale.
pub const RATIONALE_PREFIX: &str = "[rationale] ";
/// The task prefix that asks a step-by-step student for its answer.
pub const ANSWER_PREFIX: &str = "[answer] ";
/// The header under which Sci-CoT's second stage reads the rationale.
pub const RATIONALE_HEADER: &str = "Reasoning:";

impl StudentFormat {
    /// What the reply in this format supervises.
    pub fn target(self) -> Target {
        match self {
            Self::AnswerOnly | Self::AnswerFromRationale | Self::PrefixedAnswer => Target::Answer,
            Self::RationaleStage | Self::PrefixedRationale => Target::Rationale,
            Self::RationaleThenAnswer => Target::Full,
        }
    }

    /// The user message: the record's question, with a task prefix or a rationale where the
    /// format has one. `rationale` is only read by [`StudentFormat::AnswerFromRationale`]; pass
    /// the teacher's when training and the student's own (stage 1 output) when evaluating.
    pub fn user_message(self, record: &InstructionRecord, rationale: &str) -> String {
        match self {
            Self::AnswerOnly | Self::RationaleThenAnswer | Self::RationaleStage => {
                record.user.clone()
            }
            Self::AnswerFromRationale => format!(
                "{}\n\n{RATIONALE_HEADER}\n{}",
                record.user,
                rationale.trim()
            ),
            Self::PrefixedRationale => format!("{RATIONALE_PREFIX}{}", record.user),
            Self::PrefixedAnswer => format!("{ANSWER_PREFIX}{}", record.user),
        }
    }

    /// The reply the teacher's record supervises in this format.
    pub fn reply(self, record: &InstructionRecord) -> String {
        match self.target() {
            Target::Answer => record.answer.trim_end().to_string(),
            Target::Rationale => record.rationale.trim_end().to_string(),
            Target::Full => InstructionRecord::assistant_text(&record.rationale, &record.answer),
        }
    }

    /// The prompt turns (system, user) a student in this format reads.
    pub fn prompt(self, record: &InstructionRecord, rationale: &str) -> [ChatTurn; 2] {
        [
            ChatTurn::new("system", &record.system),
            ChatTurn::new("user", &self.user_message(record, rationale)),
        ]
    }

    /// The whole supervised conversation (system, user, assistant) built from the teacher's
    /// record.
    pub fn conversation(self, record: &InstructionRecord) -> [ChatTurn; 3] {
        let [system, user] = self.prompt(record, &record.rationale);
        [
            system,
            user,
            ChatTurn::new("assistant", &self.reply(record)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instructions::Split;
    use crate::teacher::Task;

    fn record() -> InstructionRecord {
        InstructionRecord {
            id: "kq-1".into(),
            task: Task::Knowledge,
            split: Split::Train,
            person_id: None,
            source_id: "q-1".into(),
            fact_id: None,
            teacher: "expert".into(),
            system: "sys".into(),
            user: "Which?".into(),
            assistant: "Because.\n\nAnswer: B".into(),
            rationale: "Because.".into(),
            answer: "Answer: B".into(),
        }
    }

    #[test]
    fn formats_split_the_teacher_output() {
        let r = record();
        assert_eq!(
            StudentFormat::RationaleThenAnswer.conversation(&r)[2].content,
            r.assistant
        );
        assert_eq!(
            StudentFormat::AnswerOnly.conversation(&r)[2].content,
            "Answer: B"
        );
        assert_eq!(
            StudentFormat::RationaleStage.conversation(&r)[2].content,
            "Because."
        );
        let stage2 = StudentFormat::AnswerFromRationale.conversation(&r);
        assert_eq!(stage2[1].content, "Which?\n\nReasoning:\nBecause.");
        assert_eq!(stage2[2].content, "Answer: B");
        assert_eq!(
            StudentFormat::AnswerFromRationale.user_message(&r, "Mine."),
            "Which?\n\nReasoning:\nMine."
        );
        assert_eq!(
            StudentFormat::PrefixedAnswer.conversation(&r)[1].content,
            "[answer] Which?"
        );
        assert_eq!(
            StudentFormat::PrefixedRationale.conversation(&r)[2].content,
            "Because."
        );
    }
}
