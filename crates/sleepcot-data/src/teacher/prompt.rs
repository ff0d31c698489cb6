//! Prompts: the system prompt per task, the user message a student (or LLM teacher) reads, and
//! the few-shot chat an LLM teacher receives.
//!
//! The system prompt spells out the output format that [`super::parse`] reads, so an LLM
//! teacher's replies can be scored (and filtered) exactly like the expert teacher's. Few-shot
//! examples are written by [`ExpertTeacher`], so they show the format with real data.

use super::format::{ANSWER_MARKER, REFERRAL_MARKER, ROUNDING_RULE};
use super::parse::RED_FLAG_KINDS;
use super::{ExpertTeacher, Task, Teacher, TeacherError, TeacherInput};
use crate::findings::FindingKind;
use crate::report::Report;

pub use super::render::render_report;
/// One chat message (`system`, `user` or `assistant`): the ChatML turn of the instruction
/// records, reused so that prompts and records share one type.
pub use crate::instructions::ChatTurn as ChatMessage;

/// The preamble shared by every task's system prompt.
pub const SYSTEM_PROMPT: &str = "You are a careful sleep-health assistant. You reason step by step from the data you are given, quote numbers exactly as they appear, never invent problems the data do not show, and finish with a line that starts with \"Answer:\".";

/// The request appended to the report for the recommendation task.
pub const RECOMMENDATION_REQUEST: &str =
    "Task: give me personalised, prioritised recommendations based on this report.";

fn bracketed(labels: impl Iterator<Item = &'static str>) -> String {
    labels
        .map(|l| format!("[{l}]"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The full system prompt for `task`: the shared preamble plus the task's output format.
pub fn system_prompt(task: Task) -> String {
    match task {
        Task::Recommendation => format!(
            "{SYSTEM_PROMPT}\nWrite four steps: Step 1 observations with the person's own values, Step 2 comparison with the norms for their age, Step 3 likely causes from their habits, schedule and the pattern, Step 4 priorities (red-flag findings first, then severity and size of the deviation). Name every abnormal finding by its label in square brackets, chosen from: {}. Name no finding that the data do not show; if there is none, say so and name none. Then write \"{ANSWER_MARKER}\" on its own line followed by a numbered list of recommendations, most important first, each starting with the bracketed label of the finding it addresses. If a red flag is present ({}), end with a line starting \"{REFERRAL_MARKER}\" that names each red flag in brackets; otherwise write no such line. {ROUNDING_RULE}",
            bracketed(FindingKind::ALL.iter().map(|k| k.label())),
            bracketed(RED_FLAG_KINDS.iter().map(|k| k.label())),
        ),
        Task::FollowUp => format!(
            "{SYSTEM_PROMPT}\nAnswer the user's question about their own report. Go through the relevant nightly values (nights are numbered from 1), compute what is asked and compare with the norm for their age where it matters. End with \"{ANSWER_MARKER}\" followed by the answer: a number with its unit, yes or no, a bracketed finding label, or \"night N, value\". {ROUNDING_RULE}"
        ),
        Task::Knowledge => format!(
            "{SYSTEM_PROMPT}\nAnswer the multiple-choice sleep-knowledge question. State the relevant fact, say which option matches it, then end with \"{ANSWER_MARKER} X\" where X is A, B, C or D."
        ),
    }
}

/// The preamble of the system prompt for science questions (ARC, OpenBookQA).
pub const SCIENCE_SYSTEM_PROMPT: &str = "You are a careful science tutor. You reason step by step from what the question states and from established science, and finish with a line that starts with \"Answer:\".";

/// The system prompt for one item: [`system_prompt`] of its task, except that a science
/// question (from a science dataset rather than the sleep knowledge bank) gets a science
/// tutor's prompt with the same output format.
pub fn system_prompt_for(input: &TeacherInput<'_>) -> String {
    match input {
        TeacherInput::Knowledge(q) if q.topic == crate::knowledge::Topic::Science => format!(
            "{SCIENCE_SYSTEM_PROMPT}\nAnswer the multiple-choice science question. State the facts or reasoning that decide it, say which option they support, then end with \"{ANSWER_MARKER} X\" where X is A, B, C or D."
        ),
        other => system_prompt(other.task()),
    }
}

/// Whether two items belong to the same domain (a science question and a sleep-knowledge
/// question do not, so one is never the other's few-shot example).
fn same_domain(a: &TeacherInput<'_>, b: &TeacherInput<'_>) -> bool {
    let science = |i: &TeacherInput<'_>| matches!(i, TeacherInput::Knowledge(q) if q.topic == crate::knowledge::Topic::Science);
    a.task() == b.task() && science(a) == science(b)
}

/// The user message for `input`: the rendered report with the request or question, or the
/// multiple-choice question with its options. Never contains ground truth.
pub fn user_message(input: &TeacherInput<'_>) -> String {
    match input {
        TeacherInput::Recommendation(report) => {
            format!("{}\n\n{RECOMMENDATION_REQUEST}", render_report(report))
        }
        TeacherInput::FollowUp(report, question) => question_message(report, &question.text),
        TeacherInput::Knowledge(question) => question.prompt_text(),
    }
}

/// The user message of a follow-up question about `report`: the text [`user_message`] writes
/// for a [`TeacherInput::FollowUp`], here for a question in the user's own words (`cargo xtask
/// ask --question`), which has no computed gold answer.
pub fn question_message(report: &Report, question: &str) -> String {
    format!("{}\n\nQuestion: {question}", render_report(report))
}

fn message(role: &str, content: String) -> ChatMessage {
    ChatMessage {
        role: role.to_string(),
        content,
    }
}

/// The chat an LLM teacher receives for `target`: the task's system prompt, one user/assistant
/// pair per example (the assistant turn written by [`ExpertTeacher`] with `seed` and the
/// example's position as index), then the target's user message.
///
/// Examples of another task or domain than the target's are skipped, so a mixed pool can be
/// passed.
/// Fails only when the expert teacher cannot answer an example (e.g. a report without nights).
pub fn few_shot_prompt(
    target: &TeacherInput<'_>,
    examples: &[TeacherInput<'_>],
    seed: u64,
) -> Result<Vec<ChatMessage>, TeacherError> {
    let mut messages = vec![message("system", system_prompt_for(target))];
    for (i, example) in examples.iter().enumerate() {
        if !same_domain(example, target) {
            continue;
        }
        let out = ExpertTeacher.teach(example, seed, i as u64)?;
        messages.push(message("user", user_message(example)));
        messages.push(message("assistant", out.text()));
    }
    messages.push(message("user", user_message(target)));
    Ok(messages)
}
