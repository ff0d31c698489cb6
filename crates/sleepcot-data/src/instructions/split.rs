//! Deterministic train/validation/test splits.
//!
//! Sleep reports are split **by person**, so nobody's nights appear in two splits. Knowledge
//! questions are split by fact: by default a held-out question asks about a fact the student
//! has seen in training, but in a phrasing it has never seen ([`KnowledgeSplit::Reworded`]);
//! [`KnowledgeSplit::UnseenFacts`] instead holds whole facts out.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::rng::mix64;

/// One of the three dataset splits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    /// Used to fit the student.
    Train,
    /// Used for validation loss and early stopping.
    Val,
    /// Held out for evaluation.
    Test,
}

impl Split {
    /// All splits in file order.
    pub const ALL: [Split; 3] = [Split::Train, Split::Val, Split::Test];

    /// The file stem of the split (`train`, `val`, `test`).
    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Val => "val",
            Split::Test => "test",
        }
    }
}

/// The share of items that go to validation and test; the rest is training data.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitFractions {
    /// Share of people (or question groups) in the validation split.
    pub val: f64,
    /// Share of people (or question groups) in the test split.
    pub test: f64,
}

impl Default for SplitFractions {
    fn default() -> Self {
        SplitFractions {
            val: 0.1,
            test: 0.2,
        }
    }
}

/// A split configuration that cannot be honoured.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SplitError {
    /// A fraction is outside `[0, 1)` or the two leave nothing for training.
    #[error(
        "split fractions val = {val} and test = {test} are invalid: each must be in [0, 1) and their sum below 1"
    )]
    Fractions {
        /// The validation fraction given.
        val: f64,
        /// The test fraction given.
        test: f64,
    },
}

impl SplitFractions {
    /// Checks that both fractions are in `[0, 1)` and leave a training share.
    pub fn validate(&self) -> Result<(), SplitError> {
        let ok = |f: f64| f.is_finite() && (0.0..1.0).contains(&f);
        if ok(self.val) && ok(self.test) && self.val + self.test < 1.0 {
            Ok(())
        } else {
            Err(SplitError::Fractions {
                val: self.val,
                test: self.test,
            })
        }
    }

    /// How many of `n` items go to (validation, test), rounded to the nearest whole item.
    pub fn counts(&self, n: usize) -> (usize, usize) {
        let val = (self.val * n as f64).round() as usize;
        let test = ((self.test * n as f64).round() as usize).min(n - val.min(n));
        (val.min(n), test)
    }
}

/// How held-out knowledge questions relate to the training questions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KnowledgeSplit {
    /// Held-out questions ask about trained facts in phrasings never used for that fact in training.
    #[default]
    Reworded,
    /// Held-out questions ask about facts that never appear in training.
    UnseenFacts,
}

/// The ordering key of a group under `seed`: a stable pseudo-random shuffle by name.
fn group_key(seed: u64, name: &str) -> u64 {
    name.bytes()
        .fold(mix64(seed ^ 0x5EED_5A17), |h, b| mix64(h ^ u64::from(b)))
}

/// Assigns each person to a split. `people` are person ids (in any order, duplicates allowed:
/// every occurrence of a person gets the same split). Exact counts follow [`SplitFractions::counts`]
/// over the distinct people.
pub fn split_people(
    seed: u64,
    people: &[&str],
    fractions: SplitFractions,
) -> Result<Vec<Split>, SplitError> {
    fractions.validate()?;
    let mut distinct: Vec<&str> = people.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    distinct.sort_by_key(|p| (group_key(seed, p), *p));
    let (n_val, n_test) = fractions.counts(distinct.len());
    let assigned: BTreeMap<&str, Split> = distinct
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let split = if i < n_test {
                Split::Test
            } else if i < n_test + n_val {
                Split::Val
            } else {
                Split::Train
            };
            (*p, split)
        })
        .collect();
    Ok(people.iter().map(|p| assigned[p]).collect())
}

/// Assigns knowledge questions, given as `(fact_id, phrasing)` pairs, to splits.
///
/// Questions with the same fact and phrasing always share a split, so no stem is ever repeated
/// across splits. With [`KnowledgeSplit::Reworded`], one phrasing of every fact stays in training
/// and held-out groups are drawn from the other phrasings; a fact with a single phrasing stays in
/// training. The target sizes are fractions of the number of questions.
pub fn split_questions(
    seed: u64,
    questions: &[(&str, usize)],
    fractions: SplitFractions,
    mode: KnowledgeSplit,
) -> Result<Vec<Split>, SplitError> {
    fractions.validate()?;
    // Group sizes, keyed by group name: the fact alone, or the fact and phrasing.
    let group_of = |(fact, phrasing): &(&str, usize)| match mode {
        KnowledgeSplit::Reworded => format!("{fact}#{phrasing}"),
        KnowledgeSplit::UnseenFacts => fact.to_string(),
    };
    let mut sizes: BTreeMap<String, usize> = BTreeMap::new();
    for q in questions {
        *sizes.entry(group_of(q)).or_default() += 1;
    }
    // In reworded mode, each fact keeps one phrasing (chosen by the seed) in training.
    let mut anchors: BTreeMap<&str, (u64, String)> = BTreeMap::new();
    if mode == KnowledgeSplit::Reworded {
        for q in questions {
            let group = group_of(q);
            let key = group_key(seed ^ 0xA7C4, &group);
            let entry = anchors.entry(q.0).or_insert((key, group.clone()));
            if (key, &group) < (entry.0, &entry.1) {
                *entry = (key, group);
            }
        }
    }
    let anchored: std::collections::BTreeSet<&String> = anchors.values().map(|(_, g)| g).collect();
    let mut candidates: Vec<(&String, usize)> = sizes
        .iter()
        .filter(|(g, _)| !anchored.contains(g))
        .map(|(g, n)| (g, *n))
        .collect();
    candidates.sort_by_key(|(g, _)| (group_key(seed, g), (*g).clone()));
    let (n_val, n_test) = fractions.counts(questions.len());
    let mut assigned: BTreeMap<&String, Split> = BTreeMap::new();
    let (mut test, mut val) = (0usize, 0usize);
    for (group, size) in candidates {
        let split = if test < n_test {
            test += size;
            Split::Test
        } else if val < n_val {
            val += size;
            Split::Val
        } else {
            Split::Train
        };
        assigned.insert(group, split);
    }
    Ok(questions
        .iter()
        .map(|q| {
            let g = group_of(q);
            assigned.get(&g).copied().unwrap_or(Split::Train)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_never_straddle_splits_and_counts_follow_fractions() {
        let ids: Vec<String> = (0..100).map(|i| format!("p{i:03}")).collect();
        let mut people: Vec<&str> = ids.iter().map(String::as_str).collect();
        people.extend(ids.iter().take(30).map(String::as_str)); // repeated people
        let f = SplitFractions {
            val: 0.1,
            test: 0.2,
        };
        let splits = split_people(3, &people, f).unwrap();
        for (i, p) in people.iter().enumerate() {
            let first = people.iter().position(|q| q == p).unwrap();
            assert_eq!(splits[i], splits[first], "{p} in two splits");
        }
        let count = |s| splits[..100].iter().filter(|x| **x == s).count();
        assert_eq!((count(Split::Val), count(Split::Test)), (10, 20));
        assert_ne!(splits, split_people(4, &people, f).unwrap());
        assert_eq!(splits, split_people(3, &people, f).unwrap());
    }

    #[test]
    fn reworded_questions_keep_their_fact_in_training() {
        let facts: Vec<String> = (0..40).map(|i| format!("f{i}")).collect();
        let qs: Vec<(&str, usize)> = facts
            .iter()
            .flat_map(|f| (0..6).map(move |k| (f.as_str(), k % 3)))
            .collect();
        let splits =
            split_questions(1, &qs, SplitFractions::default(), KnowledgeSplit::Reworded).unwrap();
        let test = splits.iter().filter(|s| **s == Split::Test).count();
        assert!((40..=56).contains(&test), "test size {test}");
        for (q, s) in qs.iter().zip(&splits) {
            if *s != Split::Train {
                // the same fact is trained on, in another phrasing, and this phrasing is not
                assert!(
                    qs.iter()
                        .zip(&splits)
                        .any(|(o, os)| o.0 == q.0 && o.1 != q.1 && *os == Split::Train)
                );
                assert!(
                    !qs.iter()
                        .zip(&splits)
                        .any(|(o, os)| o == q && *os == Split::Train)
                );
            }
        }
    }

    #[test]
    fn unseen_facts_mode_holds_whole_facts_out() {
        let facts: Vec<String> = (0..50).map(|i| format!("f{i}")).collect();
        let qs: Vec<(&str, usize)> = facts
            .iter()
            .flat_map(|f| (0..4).map(move |k| (f.as_str(), k)))
            .collect();
        let splits = split_questions(
            9,
            &qs,
            SplitFractions::default(),
            KnowledgeSplit::UnseenFacts,
        )
        .unwrap();
        for (q, s) in qs.iter().zip(&splits) {
            assert!(qs.iter().zip(&splits).all(|(o, os)| o.0 != q.0 || os == s));
        }
        assert_eq!(splits.iter().filter(|s| **s == Split::Test).count(), 40);
    }

    #[test]
    fn impossible_fractions_are_rejected_with_a_sentence() {
        let err = split_people(
            0,
            &["a"],
            SplitFractions {
                val: 0.6,
                test: 0.5,
            },
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "split fractions val = 0.6 and test = 0.5 are invalid: each must be in [0, 1) and their sum below 1"
        );
    }
}
