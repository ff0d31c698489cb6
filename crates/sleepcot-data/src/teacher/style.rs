//! The prompt style of a dataset: the full report and reply, or the compact ones.

use serde::{Deserialize, Serialize};

use super::compact::{
    CompactExpertTeacher, compact_system_prompt, compact_user_message, render_compact_report,
};
use super::{
    ExpertTeacher, Task, Teacher, TeacherInput, question_message, system_prompt, system_prompt_for,
    user_message,
};
use crate::report::Report;

/// How records are written: `full` (the default) for LLM teachers and pretrained students,
/// `compact` ([`super::compact`]) for from-scratch students on a CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Style {
    /// The full report table, the long system prompt and the four-step expert reply.
    #[default]
    Full,
    /// The key-value report, one-sentence system prompts and the checklist reply.
    Compact,
}

impl Style {
    /// Whether this is the default style (not serialised then, so configurations written
    /// before the key existed keep their hashes).
    pub fn is_full(&self) -> bool {
        *self == Style::Full
    }

    /// The name used in configuration files.
    pub fn name(self) -> &'static str {
        match self {
            Style::Full => "full",
            Style::Compact => "compact",
        }
    }

    /// The style a record of `task` was written in, recognised by its system prompt (the
    /// compact prompts are fixed strings; anything else is the full style).
    pub fn of_system_prompt(task: super::Task, system: &str) -> Style {
        if system == compact_system_prompt(task) {
            Style::Compact
        } else {
            Style::Full
        }
    }

    /// The system prompt of `input` in this style.
    pub fn system_prompt(self, input: &TeacherInput<'_>) -> String {
        match self {
            Style::Full => system_prompt_for(input),
            Style::Compact => compact_system_prompt(input.task()),
        }
    }

    /// The system prompt and user message of a follow-up question in the user's own words
    /// (`cargo xtask ask --question`), which has no computed gold answer.
    pub fn question_prompts(self, report: &Report, question: &str) -> (String, String) {
        let user = match self {
            Style::Full => question_message(report, question),
            Style::Compact => format!("{}\n\nQuestion: {question}", render_compact_report(report)),
        };
        (self.task_system_prompt(Task::FollowUp), user)
    }

    /// The system prompt of a sleep-domain item of `task` in this style.
    pub fn task_system_prompt(self, task: Task) -> String {
        match self {
            Style::Full => system_prompt(task),
            Style::Compact => compact_system_prompt(task),
        }
    }

    /// The embedded expert teacher that writes this style.
    pub fn expert(self) -> &'static dyn Teacher {
        match self {
            Style::Full => &ExpertTeacher,
            Style::Compact => &CompactExpertTeacher,
        }
    }

    /// The user message of `input` in this style.
    pub fn user_message(self, input: &TeacherInput<'_>) -> String {
        match self {
            Style::Full => user_message(input),
            Style::Compact => compact_user_message(input),
        }
    }
}
