//! Follow-up questions (SleepCoT task 2): answers checked against the gold answer computed from
//! the report.
//!
//! The gold answer is [`GoldAnswer`], computed by the data crate from the report's nights, and
//! correctness is its own [`GoldAnswer::is_correct`]: a number within the gold tolerance, yes or
//! no, the bracketed finding to change first, or the night number. The answer is read after the
//! last `Answer:` marker; an output without the marker is read from its last non-empty line.
//! An answer of the wrong shape (no number where a number is asked, ...) is
//! [`Outcome::Unparseable`].

use sleepcot_data::instructions::InstructionRecord;
use sleepcot_data::report::Report;
use sleepcot_data::teacher::followup::gold_answer;
use sleepcot_data::teacher::format::ANSWER_MARKER;
use sleepcot_data::teacher::parse::{
    mentioned_findings, parse_answer, parse_night, parse_number, parse_yes_no,
};
use sleepcot_data::teacher::{FollowUpKind, GoldAnswer, Task};

use crate::accuracy::Outcome;
use crate::error::EvalError;

/// Scores one output against its gold answer.
pub fn score_follow_up(gold: &GoldAnswer, output: &str) -> Outcome {
    let marked;
    let output = if parse_answer(output).is_some() {
        output
    } else {
        let last = output.lines().rev().find(|l| !l.trim().is_empty());
        marked = format!("{ANSWER_MARKER} {}", last.unwrap_or_default());
        marked.as_str()
    };
    let parsed = match gold {
        GoldAnswer::Number { .. } => parse_number(output).is_some(),
        GoldAnswer::YesNo(_) => parse_yes_no(output).is_some(),
        GoldAnswer::Choice(_) => {
            parse_answer(output).is_some_and(|a| !mentioned_findings(&a).is_empty())
        }
        GoldAnswer::Night { .. } => parse_night(output).is_some(),
    };
    match (parsed, gold.is_correct(output)) {
        (false, _) => Outcome::Unparseable,
        (true, true) => Outcome::Correct,
        (true, false) => Outcome::Wrong,
    }
}

/// The report id and follow-up kind a record's `source_id` (`<report id>/<kind>`) names;
/// `None` when it is malformed.
pub fn follow_up_source(record: &InstructionRecord) -> Option<(&str, FollowUpKind)> {
    let (report_id, name) = record.source_id.rsplit_once('/')?;
    let kind = FollowUpKind::ALL.into_iter().find(|k| k.name() == name)?;
    Some((report_id, kind))
}

/// The kind and gold answer of a follow-up `record` about `report`, recomputed from the report.
///
/// The record's `source_id` is `<report id>/<follow-up kind>`. Fails when the record is not a
/// follow-up, its `source_id` is malformed, it names another report, or the kind has no gold
/// answer for this report.
pub fn gold_for_record(
    record: &InstructionRecord,
    report: &Report,
) -> Result<(FollowUpKind, GoldAnswer), EvalError> {
    if record.task != Task::FollowUp {
        return Err(EvalError::WrongTask {
            id: record.id.clone(),
            expected: Task::FollowUp,
            found: record.task,
        });
    }
    let malformed = || EvalError::MalformedSourceId {
        id: record.id.clone(),
        source_id: record.source_id.clone(),
    };
    let (report_id, kind) = follow_up_source(record).ok_or_else(malformed)?;
    if report_id != report.id {
        return Err(EvalError::ReportMismatch {
            id: record.id.clone(),
            expected: report_id.to_string(),
            found: report.id.clone(),
        });
    }
    let gold = gold_answer(kind, report).ok_or_else(|| EvalError::FollowUpNotApplicable {
        id: record.id.clone(),
        kind: kind.name(),
    })?;
    Ok((kind, gold))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accuracy::Accuracy;
    use crate::test_data::dataset;

    fn follow_ups() -> impl Iterator<Item = (&'static InstructionRecord, &'static Report)> {
        let data = dataset();
        data.records
            .iter()
            .filter(|r| r.task == Task::FollowUp)
            .map(move |r| {
                let report = data
                    .reports
                    .iter()
                    .find(|p| r.source_id.starts_with(&format!("{}/", p.id)))
                    .expect("every follow-up names its report");
                (r, report)
            })
    }

    #[test]
    fn the_teacher_answers_every_kind_correctly() {
        let mut kinds = std::collections::BTreeSet::new();
        let acc: Accuracy = follow_ups()
            .map(|(record, report)| {
                let (kind, gold) = gold_for_record(record, report).unwrap();
                kinds.insert(kind);
                score_follow_up(&gold, &record.assistant)
            })
            .collect();
        assert_eq!(acc.correct, acc.total);
        assert_eq!(kinds.len(), FollowUpKind::ALL.len(), "{kinds:?}");
    }

    #[test]
    fn numbers_use_the_gold_tolerance_and_shapes_are_checked() {
        let pct = GoldAnswer::Number {
            value: 86.4,
            unit: "%".into(),
            tolerance: 0.1,
        };
        assert_eq!(score_follow_up(&pct, "Answer: 86.5 %"), Outcome::Correct);
        assert_eq!(score_follow_up(&pct, "Answer: 86.6 %"), Outcome::Wrong);
        assert_eq!(
            score_follow_up(&pct, "It was about\n86.4 %"),
            Outcome::Correct
        );
        assert_eq!(
            score_follow_up(&pct, "Answer: quite good"),
            Outcome::Unparseable
        );
        let yes = GoldAnswer::YesNo(true);
        assert_eq!(
            score_follow_up(&yes, "Answer: Yes, see a doctor."),
            Outcome::Correct
        );
        assert_eq!(score_follow_up(&yes, "Answer: no"), Outcome::Wrong);
        assert_eq!(score_follow_up(&yes, "Answer: maybe"), Outcome::Unparseable);
        let choice = GoldAnswer::Choice("late caffeine".into());
        assert_eq!(
            score_follow_up(&choice, "Answer: [Late Caffeine]"),
            Outcome::Correct
        );
        assert_eq!(
            score_follow_up(&choice, "Answer: [evening alcohol]"),
            Outcome::Wrong
        );
        assert_eq!(
            score_follow_up(&choice, "Answer: cut coffee"),
            Outcome::Unparseable
        );
        let night = GoldAnswer::Night {
            night: 3,
            value: 84.0,
            unit: "%".into(),
        };
        assert_eq!(
            score_follow_up(&night, "Answer: night 3, 84.0 %"),
            Outcome::Correct
        );
        assert_eq!(score_follow_up(&night, "Answer: night 4"), Outcome::Wrong);
        assert_eq!(
            score_follow_up(&night, "Answer: 84.0 %"),
            Outcome::Unparseable
        );
    }

    #[test]
    fn bad_records_give_errors_naming_them() {
        let (record, report) = follow_ups().next().unwrap();
        let other = dataset()
            .reports
            .iter()
            .find(|r| r.id != report.id)
            .unwrap();
        let err = gold_for_record(record, other).unwrap_err();
        assert!(matches!(err, EvalError::ReportMismatch { .. }));
        assert!(err.to_string().contains(&record.id) && err.to_string().contains(&other.id));
        let mut bad = record.clone();
        bad.source_id = format!("{}/sleepiness", report.id);
        let err = gold_for_record(&bad, report).unwrap_err();
        assert!(matches!(err, EvalError::MalformedSourceId { .. }), "{err}");
        bad.task = Task::Knowledge;
        assert!(matches!(
            gold_for_record(&bad, report),
            Err(EvalError::WrongTask { .. })
        ));
    }
}
