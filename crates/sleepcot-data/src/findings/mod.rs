//! Ground truth: which metrics are abnormal for the person's age, why, and what needs a doctor.
//!
//! Findings come from ONE rule table, [`RULES`]: each [`Rule`] names the metric it reads, its
//! age-specific norm and the source of that norm. [`evaluate`] applies every rule to a
//! persona's period summary and nights and returns the [`Finding`]s and [`RedFlag`]s stored in
//! the report. Teachers and evaluators match on the stable labels of [`FindingKind`] and
//! [`RedFlagKind`].

mod cause;
mod kind;
mod norms;
mod red_flags;
mod rules;
#[cfg(test)]
mod tests;

pub use cause::{Cause, explain};
pub use kind::FindingKind;
pub use norms::{
    deep_share_min_pct, hrv_min_ms, max_awakenings, rem_share_min_pct, sleep_range_h,
    waso_limit_min,
};
pub use red_flags::{RedFlag, RedFlagKind, red_flags};
pub use rules::{Direction, Norm, RULES, Rule, evaluate, rule_for};

use serde::{Deserialize, Serialize};

#[cfg(test)]
use crate::persona::Condition;
use crate::persona::Severity;

/// One abnormal metric or risky behaviour, with the norm it was compared with and its likely
/// causes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// What was found.
    pub kind: FindingKind,
    /// The field the value comes from (a [`crate::report::PeriodSummary`] field, or a
    /// `habits.*` field of the persona, or a derived quantity named in the rule).
    pub metric: String,
    /// The measured value, in the metric's unit.
    pub value: f32,
    /// The norm in words, age-specific, e.g. "7-9 h for adults 26-64".
    pub norm: String,
    /// The threshold the value crossed, in the metric's unit.
    pub threshold: f32,
    /// How far beyond the threshold the value lies, signed (value - threshold), in the metric's
    /// unit.
    pub deviation: f32,
    /// How strong the deviation is.
    pub severity: Severity,
    /// Conditions and habits of the persona that plausibly explain the finding (empty when
    /// nothing in the persona explains it, and for behaviour findings, which are causes).
    pub explained_by: Vec<Cause>,
    /// Source URL of the norm.
    pub source_url: String,
}
