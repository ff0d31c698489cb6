//! The compact style: short prompts, a key-value report and a checklist rationale, written for
//! small students that train on a CPU in minutes.
//!
//! The full style ([`super::render_report`], the four-step expert reply) is what an LLM teacher
//! or a pretrained student reads; at about 1,600 tokens per recommendation record it is several
//! times what a from-scratch student can see at once. The compact style carries the same
//! decisions in a form a small transformer can learn to reproduce:
//!
//! - every value sits behind a key (`WASO 9`), so copying a value is a look-up by key rather
//!   than counting table columns ([`render_compact_report`]);
//! - the recommendation rationale checks every rule of the table, one line each, in the same
//!   order every time: key, the person's value, the comparison with the age norm, then `ok` or
//!   the finding's tag ([`compact_recommendation`]), followed by the red flags with their reasons;
//! - the answer lists the findings in priority order with one piece of advice each, and the
//!   `Referral:` line names the red flags, so the evaluation parses it exactly like the full
//!   reply.
//!
//! - follow-up replies quote only what the compact report shows, reusing the checklist lines
//!   and the red-flag block where the question needs them ([`followup`]).
//!
//! Knowledge replies are the expert teacher's own (already short); only their prompt changes. Select the style with `[data] style = "compact"`.

mod followup;
mod reply;
mod report;
mod teacher;

pub use reply::{checklist_key, checklist_value, compact_recommendation};
pub use report::{NIGHT_KEYS, render_compact_report};
pub use teacher::CompactExpertTeacher;

use super::format::{ANSWER_MARKER, REFERRAL_MARKER};
use super::{Task, TeacherInput};

/// The compact system prompt of `task`: one or two sentences stating the output format.
pub fn compact_system_prompt(task: Task) -> String {
    match task {
        Task::Recommendation => format!(
            "Check each sleep metric and habit against the norm for the person's age, one line each, tagging every abnormal finding in square brackets; then list red flags. Write \"{ANSWER_MARKER}\" and numbered recommendations, and a \"{REFERRAL_MARKER}\" line if there is a red flag."
        ),
        Task::FollowUp => format!(
            "Answer the question about this sleep report: quote the values you use, then write \"{ANSWER_MARKER}\" and the answer."
        ),
        Task::Knowledge => format!(
            "Answer the multiple-choice question: state the fact, then \"{ANSWER_MARKER} X\"."
        ),
    }
}

/// The compact user message: the compact report with the request or question, or the
/// multiple-choice question as in the full style.
pub fn compact_user_message(input: &TeacherInput<'_>) -> String {
    match input {
        TeacherInput::Recommendation(report) => {
            format!(
                "{}\n\nTask: recommendations.",
                render_compact_report(report)
            )
        }
        TeacherInput::FollowUp(report, question) => format!(
            "{}\n\nQuestion: {}",
            render_compact_report(report),
            question.text
        ),
        TeacherInput::Knowledge(question) => question.prompt_text(),
    }
}
