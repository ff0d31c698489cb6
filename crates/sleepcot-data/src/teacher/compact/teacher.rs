//! The expert teacher writing in the compact style.

use super::compact_recommendation;
use super::followup::compact_follow_up;
use crate::teacher::expert::check_report;
use crate::teacher::{ExpertTeacher, Teacher, TeacherError, TeacherInput, TeacherOutput};

/// The rule-based expert in the compact style: recommendations as a rule-by-rule checklist
/// ([`compact_recommendation`]), follow-up replies that quote only the compact report
/// ([`super::followup`]), knowledge replies as [`ExpertTeacher`] writes them. Deterministic: the checklist has one wording, so the same report always gets the same
/// reply whatever the seed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CompactExpertTeacher;

impl Teacher for CompactExpertTeacher {
    fn name(&self) -> &str {
        ExpertTeacher::NAME
    }

    fn teach(
        &self,
        input: &TeacherInput<'_>,
        seed: u64,
        index: u64,
    ) -> Result<TeacherOutput, TeacherError> {
        match *input {
            TeacherInput::Recommendation(report) => {
                check_report(report)?;
                Ok(compact_recommendation(report))
            }
            TeacherInput::FollowUp(report, question) => {
                check_report(report)?;
                compact_follow_up(report, question)
            }
            TeacherInput::Knowledge(_) => ExpertTeacher.teach(input, seed, index),
        }
    }
}
