//! The teacher-consistency audit: does a reply agree with the report it answers?
//!
//! The audit reads only text, as a human reviewer would: the report as the student sees it
//! ([`crate::teacher::render_report`]), the question, and the reply. It never looks at the
//! teacher's internal state or at the report's stored ground truth. What it knows besides the
//! text is what a reviewer knows: the rule table ([`crate::findings::RULES`]), the red-flag
//! criteria and the knowledge bank.
//!
//! Each check yields [`Violation`]s of one [`ViolationKind`]; [`AuditSummary`] counts them by
//! kind and keeps examples. The expert teacher must pass with zero violations on any
//! population, and the chat teacher drops (and counts) replies that fail.

mod dataset;
mod knowledge;
mod recommendation;
mod summary;

pub use dataset::{AuditError, audit_data_dir};
pub use knowledge::audit_knowledge;
pub use recommendation::audit_recommendation;
pub use summary::AuditSummary;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::instructions::InstructionRecord;
use crate::teacher::format::ANSWER_MARKER;
use crate::teacher::{SCIENCE_SYSTEM_PROMPT, Task, read_report};

/// What a violation is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ViolationKind {
    /// A comparison's direction ("above", "below", …) does not follow from the quoted value
    /// and the norm.
    Direction,
    /// A finding is named whose rule does not fire on the report's values.
    UnfiredFinding,
    /// A rule fires on the report's values but its finding is not named.
    MissingFinding,
    /// A value is compared with a norm of another unit or kind (a weekly amount with a
    /// timing norm, minutes with a percentage).
    UnitMismatch,
    /// A value the report marks as not measured is quoted as a number, or the report itself
    /// renders an absent value as a number.
    AbsentAsNumber,
    /// A quoted value differs from the value the report shows.
    WrongValue,
    /// The `Referral:` line is missing although a red flag is present, or present without one,
    /// or it misses a red flag.
    Referral,
    /// The reply says no physician is needed and also tells the person to see one.
    ContradictoryReferral,
    /// The stated priority order breaks Step 4's rule: red-flag findings first, then severity.
    PriorityOrder,
    /// A reply lacks a part the format requires (a step, the `Answer:` line).
    Format,
    /// A knowledge question has no option, or more than one option, that is correct.
    AmbiguousOption,
    /// A knowledge rationale does not name the fact it relies on.
    FactNotNamed,
    /// A knowledge reply picks an option the fact it names does not support.
    WrongAnswer,
}

impl ViolationKind {
    /// Every kind, in a fixed order (the order of the audit's printed summary).
    pub const ALL: [ViolationKind; 13] = [
        ViolationKind::Direction,
        ViolationKind::UnfiredFinding,
        ViolationKind::MissingFinding,
        ViolationKind::UnitMismatch,
        ViolationKind::AbsentAsNumber,
        ViolationKind::WrongValue,
        ViolationKind::Referral,
        ViolationKind::ContradictoryReferral,
        ViolationKind::PriorityOrder,
        ViolationKind::Format,
        ViolationKind::AmbiguousOption,
        ViolationKind::FactNotNamed,
        ViolationKind::WrongAnswer,
    ];

    /// Stable snake_case name, for the printed summary and JSON.
    pub fn name(self) -> &'static str {
        match self {
            ViolationKind::Direction => "direction",
            ViolationKind::UnfiredFinding => "unfired_finding",
            ViolationKind::MissingFinding => "missing_finding",
            ViolationKind::UnitMismatch => "unit_mismatch",
            ViolationKind::AbsentAsNumber => "absent_as_number",
            ViolationKind::WrongValue => "wrong_value",
            ViolationKind::Referral => "referral",
            ViolationKind::ContradictoryReferral => "contradictory_referral",
            ViolationKind::PriorityOrder => "priority_order",
            ViolationKind::Format => "format",
            ViolationKind::AmbiguousOption => "ambiguous_option",
            ViolationKind::FactNotNamed => "fact_not_named",
            ViolationKind::WrongAnswer => "wrong_answer",
        }
    }
}

/// One inconsistency found in one reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// What kind of inconsistency.
    pub kind: ViolationKind,
    /// The offending line or phrase, quoted from the text, and what was expected, in one
    /// sentence.
    pub detail: String,
}

impl Violation {
    /// A violation of `kind` with its explanation.
    pub fn new(kind: ViolationKind, detail: impl Into<String>) -> Self {
        Violation {
            kind,
            detail: detail.into(),
        }
    }
}

/// Audits a follow-up item: the report must read back with no absent value shown as a number,
/// and the reply must end in an answer.
pub fn audit_follow_up(prompt: &str, reply: &str) -> Vec<Violation> {
    let mut out = match read_report(prompt) {
        Ok(report) => recommendation::report_violations(&report),
        Err(e) => vec![Violation::new(
            ViolationKind::Format,
            format!("the report could not be read ({e})"),
        )],
    };
    out.extend(answer_line_violation(reply));
    out
}

/// A `Format` violation when the reply has no line starting with `Answer:`.
fn answer_line_violation(reply: &str) -> Option<Violation> {
    let answered = reply
        .lines()
        .any(|l| l.trim_start().starts_with(ANSWER_MARKER));
    (!answered).then(|| Violation::new(ViolationKind::Format, "the reply has no \"Answer:\" line"))
}

/// Audits one instruction record by its task, from its user message and assistant reply only.
/// Science questions (ARC, OpenBookQA) are not about the sleep knowledge bank and are not
/// audited.
pub fn audit_record(record: &InstructionRecord) -> Vec<Violation> {
    match record.task {
        Task::Recommendation => audit_recommendation(&record.user, &record.assistant),
        Task::FollowUp => audit_follow_up(&record.user, &record.assistant),
        Task::Knowledge if record.system.starts_with(SCIENCE_SYSTEM_PROMPT) => Vec::new(),
        Task::Knowledge => audit_knowledge(&record.user, &record.assistant),
    }
}

/// Audits every record (in parallel; the summary is the same for any thread count) and counts
/// the violations by kind, with examples named by record id.
pub fn audit_records(records: &[InstructionRecord]) -> AuditSummary {
    let results: Vec<Vec<Violation>> = records.par_iter().map(audit_record).collect();
    let mut summary = AuditSummary::default();
    for (record, violations) in records.iter().zip(&results) {
        summary.add(&record.id, violations);
    }
    summary
}
