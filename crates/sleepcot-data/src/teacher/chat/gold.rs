//! Checking a teacher's reply against the gold answer, so that rationales which reason their
//! way to a wrong answer are filtered out before a student learns from them.
//!
//! The checks use the same parser as the evaluator ([`crate::teacher::parse`]):
//! - knowledge: the chosen option letter must be the correct one;
//! - follow-up: [`crate::teacher::GoldAnswer::is_correct`];
//! - recommendation: the bracketed findings named must be exactly the report's ground-truth
//!   findings, and a `Referral:` line must appear exactly when the report has a red flag.

use std::collections::BTreeSet;

use crate::teacher::TeacherInput;
use crate::teacher::parse::{has_referral, mentioned_findings, parse_answer, parse_choice};

/// Why a reply was rejected, in a short clause for logs and error messages.
pub fn disagreement(input: &TeacherInput<'_>, reply: &str) -> Option<String> {
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
        TeacherInput::Recommendation(report) => {
            let named: BTreeSet<_> = mentioned_findings(reply).into_iter().collect();
            let truth: BTreeSet<_> = report.findings.iter().map(|f| f.kind).collect();
            if named != truth {
                return Some(format!(
                    "it names {} finding(s) but the report has {} (set differs)",
                    named.len(),
                    truth.len()
                ));
            }
            let referral = has_referral(reply);
            match (referral, report.red_flags.is_empty()) {
                (true, true) => Some("it refers to a physician without a red flag".into()),
                (false, false) => Some("it omits the referral a red flag requires".into()),
                _ => None,
            }
        }
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
                    .contains("gold answer")
            );
            assert!(disagreement(&input, "no marker").is_some());
        }
    }
}
