//! Errors of the knowledge bank: impossible requests and questions that do not match the bank.

use thiserror::Error;

/// What can go wrong when generating or answering knowledge questions.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KnowledgeError {
    /// More questions were requested than the bank can produce without repeating one.
    #[error(
        "requested {requested} knowledge questions but the bank can produce only {capacity} distinct ones; ask for at most {capacity}"
    )]
    TooManyQuestions {
        /// Number of questions asked for.
        requested: usize,
        /// Number of distinct questions the bank can produce.
        capacity: usize,
    },
    /// More facts were to be held out than leave one to train on.
    #[error(
        "data config field `knowledge_conditions.unseen_facts` is {requested}, but the bank has {facts} facts; hold out fewer than {facts}"
    )]
    TooManyUnseenFacts {
        /// Facts asked to be held out.
        requested: usize,
        /// Facts in the bank.
        facts: usize,
    },
    /// The trained phrasings' unused option sets cannot fill the trained-phrasing condition.
    #[error(
        "data config field `knowledge_conditions.trained_phrasing_questions` is {requested}, but the trained phrasings have only {available} unused option sets; ask for at most {available}"
    )]
    TooFewTrainedPhrasings {
        /// Questions asked for.
        requested: usize,
        /// Questions the trained phrasings could yield.
        available: usize,
    },
    /// A question names a fact id that is not in the bank.
    #[error("question {question_id} names fact_id {fact_id:?}, which is not in the knowledge bank")]
    UnknownFact {
        /// The question's id.
        question_id: String,
        /// The unknown fact id.
        fact_id: String,
    },
    /// A question's answer letter is not one of A, B, C, D.
    #[error("question {question_id} has answer {letter:?}, expected one of 'A', 'B', 'C' or 'D'")]
    InvalidAnswer {
        /// The question's id.
        question_id: String,
        /// The letter found.
        letter: char,
    },
    /// A question's marked option does not state its fact's answer.
    #[error(
        "question {question_id} marks option {letter} ({marked:?}) as correct, but fact {fact_id} gives {expected:?}"
    )]
    AnswerMismatch {
        /// The question's id.
        question_id: String,
        /// The letter marked correct.
        letter: char,
        /// The text of the marked option.
        marked: String,
        /// The fact's id.
        fact_id: String,
        /// The option text the fact implies.
        expected: String,
    },
}
