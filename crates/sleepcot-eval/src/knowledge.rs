//! Multiple-choice knowledge questions (SleepCoT task 3): gold letters and per-item outcomes.
//!
//! The gold letter is [`Question::answer`](sleepcot_data::knowledge::Question) when the
//! question is at hand, or the letter of the teacher's `Answer: X` in a knowledge
//! [`InstructionRecord`] (the expert teacher always answers with the question's own letter).
//! Outputs are read with [`crate::answer_parse::parse_choice`]; an unparseable output is wrong
//! and counted as [`Outcome::Unparseable`].

use sleepcot_data::instructions::InstructionRecord;
use sleepcot_data::teacher::{Task, parse};

use crate::accuracy::Outcome;
use crate::answer_parse::parse_choice;
use crate::error::EvalError;

/// Scores one output against the gold letter (`'A'..='D'`, either case).
pub fn score_choice(gold: char, output: &str) -> Outcome {
    match parse_choice(output) {
        None => Outcome::Unparseable,
        Some(letter) if letter.eq_ignore_ascii_case(&gold) => Outcome::Correct,
        Some(_) => Outcome::Wrong,
    }
}

/// The gold letter stored in a knowledge record's `answer` field.
///
/// Fails when the record is not a knowledge record or its answer has no `Answer: X` letter.
pub fn gold_letter(record: &InstructionRecord) -> Result<char, EvalError> {
    if record.task != Task::Knowledge {
        return Err(EvalError::WrongTask {
            id: record.id.clone(),
            expected: Task::Knowledge,
            found: record.task,
        });
    }
    parse::parse_choice(&record.answer).ok_or_else(|| EvalError::UnparseableGold {
        id: record.id.clone(),
        answer: record.answer.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accuracy::Accuracy;
    use crate::test_data::dataset;

    #[test]
    fn record_gold_is_the_question_letter_and_the_teacher_scores_full_marks() {
        let data = dataset();
        let mut n = 0;
        for record in data.records.iter().filter(|r| r.task == Task::Knowledge) {
            let question = data
                .questions
                .iter()
                .find(|q| q.id == record.source_id)
                .expect("every knowledge record names its question");
            assert_eq!(
                gold_letter(record).unwrap(),
                question.answer,
                "{}",
                record.id
            );
            assert_eq!(
                score_choice(question.answer, &record.assistant),
                Outcome::Correct
            );
            n += 1;
        }
        assert!(n >= 20, "only {n} knowledge records");
    }

    #[test]
    fn wrong_and_unparseable_outputs_are_told_apart() {
        let acc: Accuracy = [
            score_choice('C', "The answer is (c)"),
            score_choice('c', "Answer: C"),
            score_choice('C', "Answer: A"),
            score_choice('C', "I would rather not say."),
        ]
        .into_iter()
        .collect();
        assert_eq!((acc.total, acc.correct, acc.unparseable), (4, 2, 1));
    }

    #[test]
    fn gold_from_a_non_knowledge_record_is_an_error_naming_it() {
        let data = dataset();
        let rec = data
            .records
            .iter()
            .find(|r| r.task == Task::FollowUp)
            .unwrap();
        let err = gold_letter(rec).unwrap_err();
        assert!(err.to_string().contains(&rec.id), "{err}");
        let mut broken = data
            .records
            .iter()
            .find(|r| r.task == Task::Knowledge)
            .unwrap()
            .clone();
        broken.answer = "Answer: maybe".into();
        assert!(matches!(
            gold_letter(&broken),
            Err(EvalError::UnparseableGold { .. })
        ));
    }
}
