//! Teachers: whoever writes the step-by-step rationale and the final answer a student learns.
//!
//! One trait, [`Teacher`], covers the three SleepCoT tasks ([`Task`]). The embedded default is
//! [`ExpertTeacher`], a deterministic rule-based teacher that reasons over the report's data and
//! ground truth (and, for knowledge questions, over the knowledge bank) with varied phrasing.
//! A network teacher ([`chat::ChatTeacher`], any OpenAI-compatible chat endpoint) implements the
//! same trait and gets its prompt from [`prompt`]; [`select`] picks one from configuration.
//!
//! Output is designed to be machine-checkable, and [`parse`] reads it back: findings are named by
//! bracketed stable labels, recommendations are a numbered list each tagging the finding it
//! addresses, a physician referral is a `Referral:` line, and the final answer follows the last
//! `Answer:` marker. The number format is fixed in [`format`](mod@format).

pub mod chat;
pub mod compact;
mod expert;
pub mod followup;
pub mod format;
pub mod parse;
pub mod phrasing;
pub mod prompt;
pub mod read;
mod recommendation;
pub mod render;
pub mod select;
pub mod style;

pub use compact::CompactExpertTeacher;
pub use expert::ExpertTeacher;
pub use followup::{FollowUpKind, FollowUpQuestion, GoldAnswer, follow_up_questions};
pub use prompt::{
    ChatMessage, SCIENCE_SYSTEM_PROMPT, SYSTEM_PROMPT, few_shot_prompt, question_message,
    system_prompt, system_prompt_for, user_message,
};
pub use read::{ReadError, read_report};
pub use recommendation::quote_value;
pub use render::render_report;
pub use select::{SelectedTeacher, TeacherConfig};
pub use style::Style;

use serde::{Deserialize, Serialize};

use crate::knowledge::{KnowledgeError, Question};
use crate::report::Report;

/// The three SleepCoT tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// Personalised recommendations from a sleep report.
    Recommendation,
    /// A user-specific question about the user's own report.
    FollowUp,
    /// A multiple-choice sleep-knowledge question.
    Knowledge,
}

impl Task {
    /// Every task, in a fixed order.
    pub const ALL: [Task; 3] = [Task::Recommendation, Task::FollowUp, Task::Knowledge];

    /// The serde name (`recommendation`, `follow_up`, `knowledge`), for file names and logs.
    pub fn name(self) -> &'static str {
        match self {
            Task::Recommendation => "recommendation",
            Task::FollowUp => "follow_up",
            Task::Knowledge => "knowledge",
        }
    }
}

/// What a teacher is asked about. Borrowed, so that many follow-up questions on one report do
/// not copy the report.
#[derive(Debug, Clone, Copy)]
pub enum TeacherInput<'a> {
    /// Write prioritised recommendations for this report.
    Recommendation(&'a Report),
    /// Answer this question about this report.
    FollowUp(&'a Report, &'a FollowUpQuestion),
    /// Answer this multiple-choice question.
    Knowledge(&'a Question),
}

impl TeacherInput<'_> {
    /// The task the input belongs to.
    pub fn task(&self) -> Task {
        match self {
            TeacherInput::Recommendation(_) => Task::Recommendation,
            TeacherInput::FollowUp(..) => Task::FollowUp,
            TeacherInput::Knowledge(_) => Task::Knowledge,
        }
    }

    /// A stable identifier of the input (report id, report id + follow-up kind, question id),
    /// for logs, cache keys and error messages.
    pub fn source_id(&self) -> String {
        match self {
            TeacherInput::Recommendation(r) => r.id.clone(),
            TeacherInput::FollowUp(r, q) => format!("{}/{}", r.id, q.kind.name()),
            TeacherInput::Knowledge(q) => q.id.clone(),
        }
    }
}

/// A teacher's reply, with the reasoning and the final answer kept apart: Sci-CoT's first stage
/// learns `rationale` alone and its second stage learns "question + rationale → answer".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeacherOutput {
    /// The step-by-step reasoning, without the final answer.
    pub rationale: String,
    /// The final answer, starting with the `Answer:` marker (see [`format::ANSWER_MARKER`]).
    pub answer: String,
}

impl TeacherOutput {
    /// The whole assistant message: rationale, a blank line, then the answer.
    pub fn text(&self) -> String {
        crate::instructions::InstructionRecord::assistant_text(&self.rationale, &self.answer)
    }
}

/// Why a teacher could not produce an output; each message is one sentence naming the item.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TeacherError {
    /// The report has no nights, so there is nothing to reason about.
    #[error("report {report_id} has no nights; a teacher needs at least one night to reason about")]
    EmptyReport {
        /// The report's id.
        report_id: String,
    },
    /// A value the teacher must quote is not a finite number.
    #[error("report {report_id} has a non-finite value in {field}; expected a finite number")]
    NonFinite {
        /// The report's id.
        report_id: String,
        /// The field holding the value.
        field: String,
    },
    /// A follow-up question was asked about a report it does not apply to.
    #[error(
        "follow-up question {kind} does not apply to report {report_id}; it needs nights (and, for weekend_shift, both work and weekend nights; for first_change, a finding)"
    )]
    NotApplicable {
        /// The report's id.
        report_id: String,
        /// The follow-up kind's name.
        kind: &'static str,
    },
    /// The knowledge question does not match the knowledge bank.
    #[error(transparent)]
    Knowledge(#[from] KnowledgeError),
    /// A remote teacher failed (network, HTTP status, unparseable reply) for this item.
    #[error("teacher {teacher} failed on {source_id}: {message}")]
    Backend {
        /// The teacher's name.
        teacher: String,
        /// The input it was asked about.
        source_id: String,
        /// What went wrong, in one clause.
        message: String,
    },
    /// A remote teacher's reply was unusable for training: its final answer disagrees with the
    /// gold answer, or it has none. The data stage leaves the item out and counts it.
    #[error("teacher {teacher} rejected its reply for {source_id}: {reason}")]
    Rejected {
        /// The teacher's name.
        teacher: String,
        /// The input it was asked about.
        source_id: String,
        /// Why, in one clause.
        reason: String,
    },
}

/// Anything that writes rationales and answers for the three tasks.
///
/// `seed` and `index` identify the item: a deterministic teacher derives its phrasing RNG from
/// them (so the same pair gives byte-identical output on any thread), and a network teacher can
/// use them in its cache key. Implementations must be `Send + Sync` so that items can be taught
/// in parallel.
pub trait Teacher: Send + Sync {
    /// A short stable name recorded in every instruction record (`expert`, `chat:<model>`, ...).
    fn name(&self) -> &str;

    /// Writes the rationale and answer for one input.
    fn teach(
        &self,
        input: &TeacherInput<'_>,
        seed: u64,
        index: u64,
    ) -> Result<TeacherOutput, TeacherError>;

    /// Teaches many items; item `i` is `(index, input)`. The default runs [`Teacher::teach`]
    /// on each in order; a network teacher may override it to batch or run requests
    /// concurrently. Results come back in input order, one per item.
    fn teach_batch(
        &self,
        items: &[(u64, TeacherInput<'_>)],
        seed: u64,
    ) -> Vec<Result<TeacherOutput, TeacherError>> {
        items
            .iter()
            .map(|(index, input)| self.teach(input, seed, *index))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_names_match_serde() {
        for task in Task::ALL {
            let json = serde_json::to_string(&task).unwrap();
            assert_eq!(json, format!("\"{}\"", task.name()));
        }
        assert_eq!(
            serde_json::from_str::<Task>("\"follow_up\"").unwrap(),
            Task::FollowUp
        );
    }

    #[test]
    fn error_messages_name_the_item() {
        let e = TeacherError::EmptyReport {
            report_id: "r000001".into(),
        };
        assert_eq!(
            e.to_string(),
            "report r000001 has no nights; a teacher needs at least one night to reason about"
        );
        let e = TeacherError::NonFinite {
            report_id: "r000002".into(),
            field: "nights[3].spo2_nadir".into(),
        };
        assert!(e.to_string().contains("r000002") && e.to_string().contains("spo2_nadir"));
        let e = TeacherError::Backend {
            teacher: "chat:qwen".into(),
            source_id: "r000003".into(),
            message: "HTTP 503".into(),
        };
        assert_eq!(
            e.to_string(),
            "teacher chat:qwen failed on r000003: HTTP 503"
        );
    }

    #[test]
    fn output_text_joins_rationale_and_answer() {
        let out = TeacherOutput {
            rationale: "Because.".into(),
            answer: "Answer: B".into(),
        };
        assert_eq!(out.text(), "Because.\n\nAnswer: B");
    }
}
