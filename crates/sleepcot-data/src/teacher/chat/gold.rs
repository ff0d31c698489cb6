//! Checking a teacher's reply against the gold answer, so that rationales which reason their
//! way to a wrong answer are filtered out before a student learns from them.
//!
//! The checks use the same parser as the evaluator ([`crate::teacher::parse`]):
//! - knowledge: the chosen option letter must be the correct one;
//! - follow-up: [`crate::teacher::GoldAnswer::is_correct`];
//! - recommendation: the teacher-consistency audit ([`crate::audit`]) on the reply and the
//!   report it answers: findings named exactly when their rules fire, directions and units
//!   that follow from the quoted values, a `Referral:` line exactly when a red flag is present,
//!   no contradictory referral, and the stated priority order;
//!
//! and every reply passes the audit of its task, so an LLM's inconsistent rationale is dropped
//! (and counted, [`super::ChatStats::inconsistent`]) even when its final answer is right.

use crate::audit::{Violation, audit_follow_up, audit_knowledge, audit_recommendation};
use crate::knowledge::Topic;
use crate::teacher::parse::{parse_answer, parse_choice};
use crate::teacher::{TeacherInput, user_message};

/// Why a reply was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disagreement {
    /// Its final answer is missing or disagrees with the gold answer.
    Gold(String),
    /// The consistency audit found these violations in it.
    Audit(Vec<Violation>),
}

impl Disagreement {
    /// The reason in a short clause, for logs and error messages.
    pub fn reason(&self) -> String {
        match self {
            Disagreement::Gold(reason) => reason.clone(),
            Disagreement::Audit(v) => format!(
                "the consistency audit found {} violation(s), first {}: {}",
                v.len(),
                v[0].kind.name(),
                v[0].detail
            ),
        }
    }
}

/// The audit of `reply` for `input`'s task (science questions are not audited).
fn audit(input: &TeacherInput<'_>, reply: &str) -> Vec<Violation> {
    let prompt = user_message(input);
    match input {
        TeacherInput::Recommendation(_) => audit_recommendation(&prompt, reply),
        TeacherInput::FollowUp(..) => audit_follow_up(&prompt, reply),
        TeacherInput::Knowledge(q) if q.topic == Topic::Science => Vec::new(),
        TeacherInput::Knowledge(_) => audit_knowledge(&prompt, reply),
    }
}

/// Why a reply must be dropped, if it must: a missing or wrong final answer, or a violation of
/// the consistency audit.
pub fn disagreement(input: &TeacherInput<'_>, reply: &str) -> Option<Disagreement> {
    if let Some(reason) = gold_disagreement(input, reply) {
        return Some(Disagreement::Gold(reason));
    }
    let violations = audit(input, reply);
    (!violations.is_empty()).then_some(Disagreement::Audit(violations))
}

/// Why a reply's final answer disagrees with the gold answer, in a short clause.
fn gold_disagreement(input: &TeacherInput<'_>, reply: &str) -> Option<String> {
    if parse_answer(reply).is_none() {
        return Some("the reply has no `Answer:` line".into());
    }
    match input {
        TeacherInput::Knowledge(q) => match parse_choice(reply) {
            Some(c) if c == q.answer => None,
            Some(c) => Some(format!("it chose {c} but the gold answer is {}", q.answer)),
            None => Some("its answer names no option A-D".into()),
        },
        TeacherInput::FollowUp(_, q) => (!q.gold.is_correct(reply)).then(|| {
            format!(
                "its answer disagrees with the gold answer \"{}\"",
                q.gold.answer_text()
            )
        }),
        // The audit reads the findings, referral and order of a recommendation.
        TeacherInput::Recommendation(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::generate_questions;
    use crate::persona::PopulationMix;
    use crate::report::generate_reports;
    use crate::teacher::{ExpertTeacher, Teacher, follow_up_questions};

    #[test]
    fn a_reply_with_the_right_findings_but_an_inconsistent_comparison_fails_the_audit() {
        let reports = generate_reports(5, 40, &PopulationMix::default(), 7);
        let (i, report) = reports
            .iter()
            .enumerate()
            .find(|(_, r)| {
                r.findings
                    .iter()
                    .any(|f| f.kind.label() == "evening screen use")
            })
            .expect("some report has evening screen use");
        let input = TeacherInput::Recommendation(report);
        let good = ExpertTeacher.teach(&input, 5, i as u64).unwrap().text();
        assert_eq!(disagreement(&input, &good), None);
        // The same reply claiming the screen time is below its norm: findings and referral
        // are still right, but the comparison contradicts the quoted value.
        let bad: String = good
            .lines()
            .map(|l| {
                if l.contains("[evening screen use]") && l.contains("is at or above") {
                    l.replace("is at or above", "is below")
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        assert_ne!(bad, good);
        match disagreement(&input, &bad) {
            Some(Disagreement::Audit(v)) => {
                assert!(
                    v.iter()
                        .any(|v| v.kind == crate::audit::ViolationKind::Direction)
                )
            }
            other => panic!("expected an audit rejection, got {other:?}"),
        }
    }

    #[test]
    fn expert_replies_agree_and_wrong_ones_do_not() {
        let reports = generate_reports(3, 6, &PopulationMix::default(), 7);
        let questions = generate_questions(3, 8).unwrap();
        let t = ExpertTeacher;
        for (i, r) in reports.iter().enumerate() {
            let input = TeacherInput::Recommendation(r);
            let out = t.teach(&input, 3, i as u64).unwrap().text();
            assert_eq!(disagreement(&input, &out), None, "{}", r.id);
            for q in follow_up_questions(r, 3, 3) {
                let input = TeacherInput::FollowUp(r, &q);
                let out = t.teach(&input, 3, i as u64).unwrap().text();
                assert_eq!(disagreement(&input, &out), None, "{}", q.text);
            }
        }
        for (i, q) in questions.iter().enumerate() {
            let input = TeacherInput::Knowledge(q);
            let out = t.teach(&input, 3, i as u64).unwrap().text();
            assert_eq!(disagreement(&input, &out), None);
            let wrong = ['A', 'B', 'C', 'D'].into_iter().find(|c| *c != q.answer);
            let reply = format!("Because.\nAnswer: {}", wrong.unwrap());
            assert!(
                disagreement(&input, &reply)
                    .unwrap()
                    .reason()
                    .contains("gold answer")
            );
            assert!(disagreement(&input, "no marker").is_some());
        }
    }
}
