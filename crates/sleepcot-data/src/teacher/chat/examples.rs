//! The worked examples of few-shot prompts: a small fixed pool of reports, follow-up questions
//! and knowledge questions drawn from their own seed, answered by the expert teacher.
//!
//! The pool does not depend on the data run's seed, so prompts (and therefore cache keys) stay
//! the same when only unrelated configuration changes.

use crate::knowledge::{KnowledgeError, Question, generate_questions};
use crate::persona::PopulationMix;
use crate::report::{Report, generate_reports};
use crate::teacher::{FollowUpQuestion, Task, TeacherInput, follow_up_questions};

/// The seed of the example pool (and of the expert's phrasing in the examples).
pub const EXAMPLE_SEED: u64 = 0x5EED_C0DE;

/// `n` examples of each task.
#[derive(Debug, Clone)]
pub struct FewShotPool {
    reports: Vec<Report>,
    follow_ups: Vec<(usize, FollowUpQuestion)>,
    questions: Vec<Question>,
}

impl FewShotPool {
    /// Draws `n` reports (with one follow-up question each) and `n` knowledge questions.
    pub fn new(n: usize) -> Result<Self, KnowledgeError> {
        let reports = if n == 0 {
            Vec::new()
        } else {
            generate_reports(EXAMPLE_SEED, n, &PopulationMix::default(), 7)
        };
        let follow_ups = reports
            .iter()
            .enumerate()
            .flat_map(|(i, r)| {
                follow_up_questions(r, EXAMPLE_SEED ^ i as u64, 1)
                    .into_iter()
                    .map(move |q| (i, q))
            })
            .collect();
        let questions = if n == 0 {
            Vec::new()
        } else {
            generate_questions(EXAMPLE_SEED, n)?
        };
        Ok(FewShotPool {
            reports,
            follow_ups,
            questions,
        })
    }

    /// The examples for `task`, as teacher inputs borrowed from the pool.
    pub fn examples(&self, task: Task) -> Vec<TeacherInput<'_>> {
        match task {
            Task::Recommendation => self
                .reports
                .iter()
                .map(TeacherInput::Recommendation)
                .collect(),
            Task::FollowUp => self
                .follow_ups
                .iter()
                .map(|(i, q)| TeacherInput::FollowUp(&self.reports[*i], q))
                .collect(),
            Task::Knowledge => self.questions.iter().map(TeacherInput::Knowledge).collect(),
        }
    }
}
