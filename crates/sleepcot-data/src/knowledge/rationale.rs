//! The knowledge part of the teacher: a short rationale that cites the fact behind a question.
//!
//! The rationale restates the fact, says which option matches it and, often, why a tempting
//! distractor does not, then ends with the line `Answer: X`. Sentence templates are chosen by
//! the caller's generator, so a student cannot pass by memorising one fixed string.

use rand::Rng;
use rand::seq::IndexedRandom;
use serde::{Deserialize, Serialize};

use super::error::KnowledgeError;
use super::fact::{Phrasing, fact};
use super::question::{LETTERS, Question};

/// The teacher's answer to a knowledge question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnowledgeAnswer {
    /// The reasoning; its last line is always `Answer: X` with the same letter as `answer`.
    pub rationale: String,
    /// The chosen letter, `'A'..='D'`.
    pub answer: char,
}

const OPENERS: &[&str] = &[
    "This question is about {topic}.",
    "The question tests what is known about {topic}.",
    "To answer, recall the evidence on {topic}.",
    "Here the topic is {topic}.",
    "",
];

const RECALLS: &[&str] = &[
    "The relevant fact: {fact}",
    "What the evidence says: {fact}",
    "Key fact: {fact}",
    "The source states it this way, in short: {fact}",
];

const MATCHES_VALUE: &[&str] = &[
    "The value that agrees with this is {value}, which is option {letter}.",
    "Option {letter} ({value}) is the one that matches.",
    "So the matching choice is {letter}: {value}.",
    "Among the options, only {letter} gives {value}.",
];

const MATCHES_STATEMENT: &[&str] = &[
    "Option {letter} states exactly this.",
    "Only option {letter} is consistent with it; the others change the key detail.",
    "Statement {letter} restates this fact correctly.",
];

const REJECTS_NUMBER: &[&str] = &[
    "Option {other} ({wrong}) is close but does not match the stated figure.",
    "{wrong} (option {other}) may look plausible, yet the evidence gives {value}.",
    "Option {other} is off: the figure is {value}, not {wrong}.",
];

const REJECTS_CATEGORY: &[&str] = &[
    "Option {other} ({wrong}) is a related idea but not the one described here.",
    "{wrong} (option {other}) can be tempting, but it does not fit this fact.",
    "Option {other}, {wrong}, belongs to a different part of the picture.",
];

const REJECTS_STATEMENT: &[&str] = &[
    "Option {other} misstates the key detail.",
    "Statement {other} sounds similar but gets the value wrong.",
];

/// Writes the teacher's rationale for `question`, drawing phrasing from `rng`.
///
/// The rationale's last line is `Answer: X`. Fails when the question names a fact that is not
/// in the bank, has an answer letter outside A–D, or marks an option that does not state the
/// fact's answer.
pub fn knowledge_rationale(
    question: &Question,
    rng: &mut impl Rng,
) -> Result<KnowledgeAnswer, KnowledgeError> {
    let fact = fact(&question.fact_id).ok_or_else(|| KnowledgeError::UnknownFact {
        question_id: question.id.clone(),
        fact_id: question.fact_id.clone(),
    })?;
    let index = question
        .answer_index()
        .ok_or_else(|| KnowledgeError::InvalidAnswer {
            question_id: question.id.clone(),
            letter: question.answer,
        })?;
    let value = fact.answer.text();
    let phrasing = fact
        .phrasing(question.phrasing)
        .unwrap_or(Phrasing::FillBlank);
    let expected = fact.option_text(phrasing, &value);
    let letter = LETTERS[index];
    if question.options[index] != expected {
        return Err(KnowledgeError::AnswerMismatch {
            question_id: question.id.clone(),
            letter,
            marked: question.options[index].clone(),
            fact_id: fact.id.to_string(),
            expected,
        });
    }
    let fill = |template: &str, other: Option<(char, &str)>| {
        let (other_letter, wrong) = other.unwrap_or((' ', ""));
        template
            .replace("{topic}", fact.topic.label())
            .replace("{fact}", &fact.statement())
            .replace("{value}", &value)
            .replace("{letter}", &letter.to_string())
            .replace("{other}", &other_letter.to_string())
            .replace("{wrong}", wrong)
    };
    let pick = |list: &[&'static str], rng: &mut _| {
        *list.choose(rng).expect("template lists are non-empty")
    };

    let mut lines: Vec<String> = Vec::new();
    let opener = fill(pick(OPENERS, rng), None);
    if !opener.is_empty() {
        lines.push(opener);
    }
    lines.push(fill(pick(RECALLS, rng), None));
    let statement_style = phrasing == Phrasing::Statement;
    let matches = if statement_style {
        MATCHES_STATEMENT
    } else {
        MATCHES_VALUE
    };
    lines.push(fill(pick(matches, rng), None));
    if rng.random_bool(0.6) {
        let others: Vec<usize> = (0..4).filter(|&i| i != index).collect();
        let other = *others.choose(rng).expect("three other options");
        let rejects = match (statement_style, fact.answer.unit()) {
            (true, _) => REJECTS_STATEMENT,
            (false, Some(_)) => REJECTS_NUMBER,
            (false, None) => REJECTS_CATEGORY,
        };
        lines.push(fill(
            pick(rejects, rng),
            Some((LETTERS[other], &question.options[other])),
        ));
    }
    lines.push(format!("Answer: {letter}"));
    Ok(KnowledgeAnswer {
        rationale: lines.join("\n"),
        answer: letter,
    })
}
