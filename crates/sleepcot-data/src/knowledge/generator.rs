//! Turning the fact bank into distinct multiple-choice questions.
//!
//! Each fact has a list of same-kind distractor candidates that no reader could take for a
//! correct answer ([`Fact::distractors`]); every 3-subset of (up to) the nearest
//! [`MAX_CANDIDATES`] of them is one distractor set. Question `(fact, phrasing, variant)`
//! uses the `variant`-th set of a seeded permutation of those sets, so two questions of a fact
//! never share both stem and option set. Questions are emitted round by round (variant 0 of
//! every fact and phrasing, then variant 1, ...), so a prefix covers all facts and phrasings
//! evenly. The correct option's position follows a balanced scheme: each block of four
//! consecutive questions uses each letter exactly once, in a seeded order.
//!
//! Everything is sequential and seeded per item, so output depends only on the seed.

use rand::seq::SliceRandom;

use super::error::KnowledgeError;
use super::fact::{Fact, facts};
use super::question::{LETTERS, Question};
use crate::rng::{Stream, item_rng, sub_rng};

/// How many of the nearest distractor candidates a fact draws its distractor sets from.
pub const MAX_CANDIDATES: usize = 8;

/// Salt separating the answer-position blocks from the per-question option shuffles.
const BLOCK_SALT: u64 = 0xB10C_0000;

/// One fact's distractor candidates and, per phrasing, the seeded order of its distractor sets.
struct FactPlan {
    /// Same-kind values that are not a reading of the answer, nearest first.
    candidates: Vec<String>,
    /// `orders[phrasing][variant]` is a 3-subset of `candidates` (as indices).
    orders: Vec<Vec<[usize; 3]>>,
}

/// The distractor sets (indices into the candidates) of one fact.
fn distractor_sets(candidates: usize) -> Vec<[usize; 3]> {
    let k = candidates.min(MAX_CANDIDATES);
    let mut sets = Vec::new();
    for a in 0..k {
        for b in a + 1..k {
            for c in b + 1..k {
                sets.push([a, b, c]);
            }
        }
    }
    sets
}

/// The number of distinct questions one fact can yield.
fn fact_capacity(fact: &Fact) -> usize {
    distractor_sets(fact.distractors().len()).len() * fact.phrasing_count()
}

/// The number of distinct questions the whole bank can yield.
pub fn capacity() -> usize {
    facts().iter().map(fact_capacity).sum()
}

/// The number of distinct questions the named facts can yield (unknown ids count for nothing).
pub fn capacity_of(fact_ids: &[&str]) -> usize {
    facts()
        .iter()
        .filter(|f| fact_ids.contains(&f.id))
        .map(fact_capacity)
        .sum()
}

/// `n` distinct questions over the whole bank, deterministic in `seed`.
///
/// Fails with [`KnowledgeError::TooManyQuestions`] when `n` exceeds [`capacity`].
pub fn generate_questions(seed: u64, n: usize) -> Result<Vec<Question>, KnowledgeError> {
    let chosen: Vec<(usize, &Fact)> = facts().iter().enumerate().collect();
    generate_from(seed, &chosen, n)
}

/// `n` distinct questions about the named facts only (for example a held-out fact set).
///
/// A fact yields the same questions here as in [`generate_questions`] for the same seed, apart
/// from option order. Fails on an unknown fact id or when `n` exceeds what these facts can yield.
pub fn questions_for_facts(
    seed: u64,
    fact_ids: &[&str],
    n: usize,
) -> Result<Vec<Question>, KnowledgeError> {
    let bank = facts();
    let mut chosen = Vec::with_capacity(fact_ids.len());
    for id in fact_ids {
        let index =
            bank.iter()
                .position(|f| f.id == *id)
                .ok_or_else(|| KnowledgeError::UnknownFact {
                    question_id: "(fact list)".into(),
                    fact_id: id.to_string(),
                })?;
        if !chosen.iter().any(|&(i, _)| i == index) {
            chosen.push((index, &bank[index]));
        }
    }
    generate_from(seed, &chosen, n)
}

/// The shared generator over `(bank index, fact)` pairs.
fn generate_from(
    seed: u64,
    chosen: &[(usize, &Fact)],
    n: usize,
) -> Result<Vec<Question>, KnowledgeError> {
    let capacity: usize = chosen.iter().map(|(_, f)| fact_capacity(f)).sum();
    if n > capacity {
        return Err(KnowledgeError::TooManyQuestions {
            requested: n,
            capacity,
        });
    }
    // Per fact: its candidates and, per phrasing, a seeded order of its distractor sets.
    let plans: Vec<FactPlan> = chosen
        .iter()
        .map(|&(index, fact)| {
            let candidates = fact.distractors();
            let orders = (0..fact.phrasing_count())
                .map(|p| {
                    let mut sets = distractor_sets(candidates.len());
                    sets.shuffle(&mut sub_rng(seed, Stream::Question, index as u64, p as u64));
                    sets
                })
                .collect();
            FactPlan { candidates, orders }
        })
        .collect();
    let rounds = plans
        .iter()
        .map(|p| p.orders.first().map_or(0, Vec::len))
        .max()
        .unwrap_or(0);

    let mut out = Vec::with_capacity(n);
    'rounds: for round in 0..rounds {
        for (&(_, fact), plan) in chosen.iter().zip(&plans) {
            for (p, sets) in plan.orders.iter().enumerate() {
                if out.len() == n {
                    break 'rounds;
                }
                let Some(set) = sets.get(round) else { continue };
                let j = out.len();
                out.push(build(
                    seed,
                    j,
                    fact,
                    p,
                    round,
                    set.map(|i| plan.candidates[i].as_str()),
                ));
            }
        }
    }
    Ok(out)
}

/// Question number `j` of the output: `fact` in phrasing `p`, variant `round`.
fn build(
    seed: u64,
    j: usize,
    fact: &Fact,
    p: usize,
    round: usize,
    distractors: [&str; 3],
) -> Question {
    let phrasing = fact
        .phrasing(p)
        .expect("phrasing index comes from phrasing_count");
    // Balanced positions: block j/4 is a seeded permutation of the four letters.
    let mut block = [0usize, 1, 2, 3];
    block.shuffle(&mut sub_rng(
        seed,
        Stream::Question,
        (j / 4) as u64,
        BLOCK_SALT,
    ));
    let position = block[j % 4];
    let mut wrong = distractors;
    wrong.shuffle(&mut item_rng(seed, Stream::Question, j as u64));
    let answer_text = fact.answer.text();
    let mut wrong_iter = wrong.iter();
    let options: [String; 4] = std::array::from_fn(|slot| {
        let value = if slot == position {
            answer_text.as_str()
        } else {
            wrong_iter
                .next()
                .expect("three distractors fill three slots")
        };
        fact.option_text(phrasing, value)
    });
    Question {
        id: format!("{}/p{p}/v{round}", fact.id),
        fact_id: fact.id.to_string(),
        topic: fact.topic,
        stem: fact.stem(phrasing),
        options,
        answer: LETTERS[position],
        phrasing: p,
        source_url: fact.source_url.to_string(),
    }
}
