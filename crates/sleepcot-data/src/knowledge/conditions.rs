//! Held-out knowledge conditions beside the main (reworded) test split.
//!
//! The main knowledge test asks about facts the student was trained on, in a phrasing it never
//! saw. Two further conditions separate memory from understanding:
//!
//! - **trained phrasing** ([`TRAINED_PHRASING`]): a stem the student was trained on, with a
//!   distractor set no training question of that stem used, and the correct option moved to a
//!   letter no training question of that stem had where one is free. Remembering the fact is
//!   enough; remembering the letter is not.
//! - **unseen fact** ([`UNSEEN_FACT`]): facts held out of the knowledge questions entirely. A
//!   student trained from scratch can only guess here, so it is a control near 0.25.
//!
//! Each condition is written as its own question set and scored as `knowledge_accuracy.<name>`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::error::KnowledgeError;
use super::fact::facts;
use super::question::{LETTERS, Question};
use crate::rng::mix64;

/// The set name of the trained-phrasing condition.
pub const TRAINED_PHRASING: &str = "trained_phrasing";
/// The set name of the unseen-fact condition.
pub const UNSEEN_FACT: &str = "unseen_fact";

/// Salt of the seeded choice of held-out facts.
const UNSEEN_SALT: u64 = 0x0F4C_7000;
/// Salt of the unseen-fact questions' own option draws.
const UNSEEN_QUESTION_SALT: u64 = 0x0F4C_7001;
/// Salt of the trained-phrasing questions' new answer letters.
const LETTER_SALT: u64 = 0x1E77_E400;

/// How many questions each extra knowledge condition gets (`[data.knowledge_conditions]`).
/// All zero (the default) adds no condition and leaves the data as it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KnowledgeConditions {
    /// Facts of the bank held out of training, validation and the main test entirely.
    pub unseen_facts: usize,
    /// Questions asked about the held-out facts.
    pub unseen_fact_questions: usize,
    /// Questions in a trained phrasing with a new distractor set and answer letter.
    pub trained_phrasing_questions: usize,
}

impl KnowledgeConditions {
    /// True when no condition is asked for.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The names of the sets this configuration writes, in report order.
    pub fn names(&self) -> Vec<&'static str> {
        let mut names = Vec::new();
        if self.trained_phrasing_questions > 0 {
            names.push(TRAINED_PHRASING);
        }
        if self.unseen_facts > 0 && self.unseen_fact_questions > 0 {
            names.push(UNSEEN_FACT);
        }
        names
    }
}

/// The ids of `n` facts chosen by `seed` to be held out, in bank order.
///
/// Fails when `n` would leave no fact to train on.
pub fn unseen_fact_ids(seed: u64, n: usize) -> Result<Vec<&'static str>, KnowledgeError> {
    let bank = facts();
    if n >= bank.len() {
        return Err(KnowledgeError::TooManyUnseenFacts {
            requested: n,
            facts: bank.len(),
        });
    }
    let key = |id: &str| {
        id.bytes()
            .fold(mix64(seed ^ UNSEEN_SALT), |h, b| mix64(h ^ u64::from(b)))
    };
    let mut ranked: Vec<(u64, usize)> = bank
        .iter()
        .enumerate()
        .map(|(i, f)| (key(f.id), i))
        .collect();
    ranked.sort_unstable();
    let mut chosen: Vec<usize> = ranked.into_iter().take(n).map(|(_, i)| i).collect();
    chosen.sort_unstable();
    Ok(chosen.into_iter().map(|i| bank[i].id).collect())
}

/// The seed of the unseen-fact questions, apart from the main pool's so that their option
/// orders are drawn afresh.
pub fn unseen_question_seed(seed: u64) -> u64 {
    mix64(seed ^ UNSEEN_QUESTION_SALT)
}

/// Up to `n` questions of the trained-phrasing condition, taken in order from `candidates`
/// (questions generated after the main pool, so each uses a distractor set no earlier question
/// of its stem used): those whose fact and phrasing appear in `training`. Each keeps its
/// options, but the correct one moves to a letter that no training question of its stem had,
/// when such a letter is free (chosen by `seed`).
///
/// Fails when the candidates hold fewer than `n` such questions.
pub fn trained_phrasing_questions(
    seed: u64,
    training: &[&Question],
    candidates: &[Question],
    n: usize,
) -> Result<Vec<Question>, KnowledgeError> {
    let mut letters: BTreeMap<(&str, usize), BTreeSet<char>> = BTreeMap::new();
    for q in training {
        letters
            .entry((q.fact_id.as_str(), q.phrasing))
            .or_default()
            .insert(q.answer);
    }
    let mut out = Vec::with_capacity(n);
    for q in candidates {
        if out.len() == n {
            break;
        }
        let Some(used) = letters.get(&(q.fact_id.as_str(), q.phrasing)) else {
            continue;
        };
        out.push(with_new_letter(seed, q, used));
    }
    if out.len() < n {
        return Err(KnowledgeError::TooFewTrainedPhrasings {
            requested: n,
            available: out.len(),
        });
    }
    Ok(out)
}

/// `q` with its correct option swapped to a letter outside `used`, where one is free.
fn with_new_letter(seed: u64, q: &Question, used: &BTreeSet<char>) -> Question {
    let free: Vec<usize> = (0..LETTERS.len())
        .filter(|&i| !used.contains(&LETTERS[i]))
        .collect();
    let Some(from) = LETTERS.iter().position(|&l| l == q.answer) else {
        return q.clone();
    };
    if free.is_empty() || free.contains(&from) {
        return q.clone();
    }
    let key =
        q.id.bytes()
            .fold(mix64(seed ^ LETTER_SALT), |h, b| mix64(h ^ u64::from(b)));
    let to = free[(key % free.len() as u64) as usize];
    let mut moved = q.clone();
    moved.options.swap(from, to);
    moved.answer = LETTERS[to];
    moved
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::{generate_questions, questions_for_facts};

    #[test]
    fn held_out_facts_are_seeded_distinct_and_bounded() {
        let a = unseen_fact_ids(3, 20).unwrap();
        assert_eq!(a.len(), 20);
        assert_eq!(a, unseen_fact_ids(3, 20).unwrap());
        assert_ne!(a, unseen_fact_ids(4, 20).unwrap());
        let distinct: BTreeSet<_> = a.iter().collect();
        assert_eq!(distinct.len(), 20);
        let err = unseen_fact_ids(3, facts().len()).unwrap_err().to_string();
        assert!(err.contains("unseen_facts"), "{err}");
        // The unseen questions are answerable questions about those facts only.
        let qs = questions_for_facts(unseen_question_seed(3), &a, 60).unwrap();
        assert!(qs.iter().all(|q| a.contains(&q.fact_id.as_str())));
    }

    #[test]
    fn trained_phrasings_get_new_option_sets_and_free_letters() {
        let pool = generate_questions(7, 1200).unwrap();
        let (main, tail) = pool.split_at(800);
        let training: Vec<&Question> = main.iter().step_by(2).collect();
        let picked = trained_phrasing_questions(7, &training, tail, 100).unwrap();
        assert_eq!(picked.len(), 100);
        for q in &picked {
            let same_stem: Vec<&&Question> = training
                .iter()
                .filter(|t| t.fact_id == q.fact_id && t.phrasing == q.phrasing)
                .collect();
            assert!(!same_stem.is_empty(), "{} is not a trained phrasing", q.id);
            let options: BTreeSet<&String> = q.options.iter().collect();
            for t in &same_stem {
                assert_ne!(
                    options,
                    t.options.iter().collect(),
                    "{} repeats {}",
                    q.id,
                    t.id
                );
            }
            let used: BTreeSet<char> = same_stem.iter().map(|t| t.answer).collect();
            if used.len() < 4 {
                assert!(!used.contains(&q.answer), "{} keeps a trained letter", q.id);
            }
            let original = tail.iter().find(|t| t.id == q.id).unwrap();
            let correct = |x: &Question| x.options[(x.answer as u8 - b'A') as usize].clone();
            assert_eq!(correct(q), correct(original), "{} changed its answer", q.id);
        }
        let err = trained_phrasing_questions(7, &training, tail, 10_000).unwrap_err();
        assert!(
            err.to_string().contains("trained_phrasing_questions"),
            "{err}"
        );
    }
}
