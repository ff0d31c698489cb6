//! The embedded default teacher: deterministic, rule-based, with seeded varied phrasing.

use super::followup::answer_follow_up;
use super::format::ANSWER_MARKER;
use super::recommendation::recommend;
use super::{Teacher, TeacherError, TeacherInput, TeacherOutput};
use crate::knowledge::knowledge_rationale;
use crate::report::{NightSummary, Report};
use crate::rng::{Stream, item_rng};

/// The rule-based expert teacher.
///
/// Recommendations and follow-up answers are reasoned from the report's nights and ground
/// truth; knowledge answers delegate to [`knowledge_rationale`]. Phrasing comes from the
/// [`Stream::Teacher`] generator of `(seed, index)`, so one item always gets the same text and
/// different seeds give different wordings of the same reasoning.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExpertTeacher;

impl ExpertTeacher {
    /// The name written into instruction records.
    pub const NAME: &'static str = "expert";
}

/// The night fields the teacher reads, by name, for the finiteness check (a value that was
/// not measured is `None` and passes: the teacher says it was not measured).
fn night_fields(n: &NightSummary) -> [(&'static str, Option<f32>); 13] {
    [
        ("bedtime_h", Some(n.bedtime_h)),
        ("wake_time_h", Some(n.wake_time_h)),
        ("time_in_bed_min", Some(n.time_in_bed_min)),
        ("total_sleep_min", Some(n.total_sleep_min)),
        ("efficiency_pct", Some(n.efficiency_pct)),
        ("onset_latency_min", n.onset_latency_min),
        ("waso_min", n.waso_min),
        ("deep_pct", n.deep_pct),
        ("rem_pct", n.rem_pct),
        ("light_pct", n.light_pct),
        ("rem_latency_min", n.rem_latency_min),
        ("spo2_nadir", n.spo2_nadir),
        ("odi", n.odi),
    ]
}

/// Rejects a report the teacher cannot reason about: no nights, or a non-finite value in a
/// night field or a finding.
pub(crate) fn check_report(report: &Report) -> Result<(), TeacherError> {
    if report.nights.is_empty() {
        return Err(TeacherError::EmptyReport {
            report_id: report.id.clone(),
        });
    }
    let bad = |field: String| TeacherError::NonFinite {
        report_id: report.id.clone(),
        field,
    };
    for (i, n) in report.nights.iter().enumerate() {
        if let Some((name, _)) = night_fields(n)
            .iter()
            .find(|(_, v)| v.is_some_and(|v| !v.is_finite()))
        {
            return Err(bad(format!("nights[{i}].{name}")));
        }
    }
    for (i, f) in report.findings.iter().enumerate() {
        if !f.value.is_finite() || !f.threshold.is_finite() || !f.deviation.is_finite() {
            return Err(bad(format!("findings[{i}] ({})", f.kind.label())));
        }
    }
    Ok(())
}

/// Splits a knowledge rationale whose last line is `Answer: X` into reasoning and answer.
fn split_final_answer(text: &str, letter: char) -> TeacherOutput {
    let trimmed = text.trim_end();
    let reasoning = match trimmed.rfind('\n') {
        Some(i) if trimmed[i + 1..].trim_start().starts_with(ANSWER_MARKER) => &trimmed[..i],
        _ if trimmed.starts_with(ANSWER_MARKER) => "",
        _ => trimmed,
    };
    TeacherOutput {
        rationale: reasoning.trim_end().to_string(),
        answer: format!("{ANSWER_MARKER} {letter}"),
    }
}

impl Teacher for ExpertTeacher {
    fn name(&self) -> &str {
        Self::NAME
    }

    fn teach(
        &self,
        input: &TeacherInput<'_>,
        seed: u64,
        index: u64,
    ) -> Result<TeacherOutput, TeacherError> {
        let mut rng = item_rng(seed, Stream::Teacher, index);
        match *input {
            TeacherInput::Recommendation(report) => {
                check_report(report)?;
                recommend(report, &mut rng)
            }
            TeacherInput::FollowUp(report, question) => {
                check_report(report)?;
                answer_follow_up(report, question, &mut rng)
            }
            TeacherInput::Knowledge(question) => {
                let k = knowledge_rationale(question, &mut rng)?;
                Ok(split_final_answer(&k.rationale, k.answer))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn final_answer_line_is_split_off() {
        let out = split_final_answer("Fact.\nSo C.\nAnswer: C\n", 'C');
        assert_eq!(out.rationale, "Fact.\nSo C.");
        assert_eq!(out.answer, "Answer: C");
        let out = split_final_answer("Only reasoning.", 'A');
        assert_eq!(out.rationale, "Only reasoning.");
        assert_eq!(out.answer, "Answer: A");
    }
}
