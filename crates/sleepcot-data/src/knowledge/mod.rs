//! The sleep knowledge bank and its multiple-choice questions (SleepCoT's third task).
//!
//! A [`Fact`] is one sourced, paraphrased piece of sleep-domain knowledge, stored as a sentence
//! with one answerable slot (a number with a unit, a range, or a member of a category pool).
//! [`generate_questions`] turns the bank into distinct four-option questions in several
//! phrasings with distractors of the same kind that no reader could take for a second correct
//! answer ([`reading`]), and [`knowledge_rationale`] writes the teacher's short chain of
//! thought for one question.

pub mod answer;
pub mod conditions;
pub mod error;
pub mod fact;
mod facts;
pub mod generator;
pub mod pool;
pub mod question;
pub mod rationale;
pub mod reading;
pub mod value;

pub use answer::{Answer, Unit};
pub use conditions::KnowledgeConditions;
pub use error::KnowledgeError;
pub use fact::{Fact, Phrasing, Topic, fact, facts};
pub use generator::{capacity, generate_questions, questions_for_facts};
pub use pool::Pool;
pub use question::Question;
pub use rationale::{KnowledgeAnswer, knowledge_rationale};
pub use reading::{Acceptance, ClaimMatch, claims_in};
pub use value::Value;
