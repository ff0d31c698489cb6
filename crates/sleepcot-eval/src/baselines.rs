//! Baselines evaluated beside the students: generic sleep-hygiene advice for everyone, random
//! letters for multiple choice, and the population prior fitted on the training split.
//!
//! The generic advice is written in the teacher's output format (steps, an `Answer:` line, a
//! numbered list tagging what each item addresses), so it is scored on content rather than
//! failing on format: it names the usual hygiene topics for every person, and the
//! personalisation metrics show what that is worth.

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sleepcot_data::findings::FindingKind;
use sleepcot_data::instructions::InstructionRecord;
use sleepcot_data::knowledge::question::LETTERS;
use sleepcot_data::rng::mix64;
use sleepcot_data::teacher::format::{ANSWER_MARKER, tag};
use sleepcot_data::teacher::parse::mentioned_findings;
use sleepcot_data::teacher::{FollowUpKind, Task};

/// The same sleep-hygiene advice for everyone, in the teacher's output format. It quotes no
/// value, refers nobody to a physician, and tags the four classic hygiene topics.
pub fn generic_advice() -> String {
    format!(
        "Step 1 - Most sleep problems come from everyday habits.\n\
         Step 2 - Good sleep hygiene helps at every age.\n\
         Step 3 - Schedule, stimulants, screens and alcohol are the usual culprits.\n\
         Step 4 - Start with the habits that are easiest to change.\n\
         {ANSWER_MARKER}\n\
         1. [irregular sleep schedule] Go to bed and get up at the same time every day.\n\
         2. [late caffeine] Avoid coffee, tea and cola in the afternoon and evening.\n\
         3. [evening screen use] Put phones and screens away an hour before bed.\n\
         4. [evening alcohol] Avoid alcohol in the evening.\n\
         5. Keep the bedroom dark, quiet and cool, and get daylight in the morning."
    )
}

/// Picks a multiple-choice letter uniformly at random, reproducibly: the letter of item
/// `index` depends only on the seed and the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RandomLetter {
    /// The seed of every draw.
    pub seed: u64,
}

impl RandomLetter {
    /// The letter (`'A'..='D'`) for item `index`.
    pub fn letter(&self, index: u64) -> char {
        let mut rng = ChaCha8Rng::seed_from_u64(mix64(mix64(self.seed) ^ index));
        LETTERS[rng.random_range(0..LETTERS.len())]
    }

    /// The whole output for item `index`: `Answer: X`.
    pub fn output(&self, index: u64) -> String {
        format!("{ANSWER_MARKER} {}", self.letter(index))
    }
}

/// The population prior: the best a model can answer without reading the person's report,
/// fitted on the training split. It names every finding that at least half of the training
/// people have, gives each follow-up kind its most frequent training answer, and each knowledge
/// question the most frequent training letter. A student that only learnt the population
/// scores about this; a student above it reads the report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PopulationPrior {
    /// Findings in at least half of the training recommendations, most frequent first.
    pub findings: Vec<FindingKind>,
    /// Per follow-up kind, the training answer given most often (`Answer: yes`).
    pub follow_up: BTreeMap<FollowUpKind, String>,
    /// The letter of most training knowledge answers.
    pub letter: Option<char>,
}

/// The follow-up kind a record asks, from its `source_id` (`<report id>/<kind>`).
fn follow_up_kind(record: &InstructionRecord) -> Option<FollowUpKind> {
    crate::followup::follow_up_source(record).map(|(_, kind)| kind)
}

/// The most frequent key of `counts`, the smallest on a tie.
fn most_frequent<K: Ord + Clone>(counts: &BTreeMap<K, usize>) -> Option<K> {
    let top = counts.values().copied().max()?;
    counts
        .iter()
        .find(|(_, n)| **n == top)
        .map(|(k, _)| k.clone())
}

impl PopulationPrior {
    /// Fits the prior on the training records.
    pub fn fit(train: &[InstructionRecord]) -> Self {
        let mut findings = BTreeMap::<FindingKind, usize>::new();
        let mut reports = 0usize;
        let mut follow_up = BTreeMap::<FollowUpKind, BTreeMap<String, usize>>::new();
        let mut letters = BTreeMap::<char, usize>::new();
        for record in train {
            match record.task {
                Task::Recommendation => {
                    reports += 1;
                    let mut named = mentioned_findings(&record.answer);
                    named.sort();
                    named.dedup();
                    for kind in named {
                        *findings.entry(kind).or_default() += 1;
                    }
                }
                Task::FollowUp => {
                    if let Some(kind) = follow_up_kind(record) {
                        *follow_up
                            .entry(kind)
                            .or_default()
                            .entry(record.answer.clone())
                            .or_default() += 1;
                    }
                }
                Task::Knowledge => {
                    let letter = record
                        .answer
                        .trim()
                        .strip_prefix(ANSWER_MARKER)
                        .and_then(|rest| rest.trim().chars().next());
                    if let Some(letter) = letter {
                        *letters.entry(letter).or_default() += 1;
                    }
                }
            }
        }
        let mut common: Vec<(FindingKind, usize)> = findings
            .into_iter()
            .filter(|&(_, n)| 2 * n >= reports)
            .collect();
        common.sort_by_key(|&(kind, n)| (std::cmp::Reverse(n), kind));
        PopulationPrior {
            findings: common.into_iter().map(|(kind, _)| kind).collect(),
            follow_up: follow_up
                .into_iter()
                .filter_map(|(kind, answers)| Some((kind, most_frequent(&answers)?)))
                .collect(),
            letter: most_frequent(&letters),
        }
    }

    /// The prior's output for `record`, in the teacher's answer format.
    pub fn output(&self, record: &InstructionRecord) -> String {
        match record.task {
            Task::Recommendation => {
                let mut lines = vec![ANSWER_MARKER.to_string()];
                lines.extend(
                    self.findings
                        .iter()
                        .enumerate()
                        .map(|(i, &kind)| format!("{}. {}", i + 1, tag(kind))),
                );
                lines.join("\n")
            }
            Task::FollowUp => follow_up_kind(record)
                .and_then(|kind| self.follow_up.get(&kind).cloned())
                .unwrap_or_else(|| ANSWER_MARKER.to_string()),
            Task::Knowledge => match self.letter {
                Some(letter) => format!("{ANSWER_MARKER} {letter}"),
                None => ANSWER_MARKER.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accuracy::{Accuracy, Outcome};
    use crate::knowledge::score_choice;
    use crate::recommendation::{RecommendationMetric as M, per_item, score_recommendation};
    use crate::test_data::{dataset, recommendation_records};

    fn mean(xs: &[f64]) -> f64 {
        xs.iter().sum::<f64>() / xs.len() as f64
    }

    #[test]
    fn generic_advice_scores_low_on_personalisation() {
        let advice = generic_advice();
        let (generic, teacher): (Vec<_>, Vec<_>) = recommendation_records()
            .map(|(record, report)| {
                (
                    score_recommendation(report, &advice, &record.assistant, 1.0),
                    score_recommendation(report, &record.assistant, &record.assistant, 1.0),
                )
            })
            .unzip();
        let recall = mean(&per_item(&generic, M::FindingRecall));
        // The four hygiene habits are common in the population, so recall is not zero, but
        // most of what each person has goes unmentioned.
        assert!(recall < 0.4, "generic finding recall {recall}");
        assert_eq!(mean(&per_item(&teacher, M::FindingRecall)), 1.0);
        let precision = mean(&per_item(&generic, M::FindingPrecision));
        assert!(precision < 0.5, "generic finding precision {precision}");
        assert_eq!(
            per_item(&generic, M::NumericFaithfulness),
            Vec::<f64>::new()
        );
        assert!(
            per_item(&generic, M::ReferralRecall)
                .iter()
                .all(|&v| v == 0.0)
        );
        assert!(mean(&per_item(&generic, M::RougeL)) < 0.3);
        assert!(generic.iter().all(|s| s.recommendations == 5));
    }

    #[test]
    fn random_letters_are_seeded_uniform_and_score_near_chance() {
        let rl = RandomLetter { seed: 9 };
        assert_eq!(rl.letter(5), RandomLetter { seed: 9 }.letter(5));
        let letters: Vec<char> = (0..4000).map(|i| rl.letter(i)).collect();
        assert_ne!(
            letters,
            (0..4000)
                .map(|i| RandomLetter { seed: 10 }.letter(i))
                .collect::<Vec<_>>()
        );
        for l in LETTERS {
            let share = letters.iter().filter(|&&c| c == l).count() as f64 / 4000.0;
            assert!((share - 0.25).abs() < 0.03, "{l}: {share}");
        }
        let data = dataset();
        let acc: Accuracy = data
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| score_choice(q.answer, &rl.output(i as u64)))
            .collect();
        assert_eq!(acc.unparseable, 0);
        assert!(acc.accuracy().unwrap() < 0.6);
        assert_eq!(
            score_choice('B', &rl.output(0)) == Outcome::Correct,
            rl.letter(0) == 'B'
        );
    }

    #[test]
    fn the_population_prior_names_the_common_findings_and_the_usual_answers() {
        let records = &dataset().records;
        let prior = PopulationPrior::fit(records);
        let reports: Vec<_> = recommendation_records().collect();
        // Every finding it names is in at least half of the reports, and no other is.
        for kind in FindingKind::ALL {
            let share = reports
                .iter()
                .filter(|(_, r)| r.findings.iter().any(|f| f.kind == kind))
                .count() as f64
                / reports.len() as f64;
            assert_eq!(
                prior.findings.contains(&kind),
                share >= 0.5,
                "{kind:?} {share}"
            );
        }
        assert!(!prior.findings.is_empty());
        // The same output for every report, whatever it says.
        let (a, b) = (reports[0].0, reports[1].0);
        assert_eq!(prior.output(a), prior.output(b));
        let recall = mean(&per_item(
            &reports
                .iter()
                .map(|(record, report)| {
                    score_recommendation(report, &prior.output(record), &record.assistant, 1.0)
                })
                .collect::<Vec<_>>(),
            M::FindingRecall,
        ));
        assert!(recall > 0.0 && recall < 1.0, "prior recall {recall}");
        // Follow-ups get their kind's most frequent training answer, knowledge a fixed letter.
        let follow_up = records.iter().find(|r| r.task == Task::FollowUp).unwrap();
        let kind = follow_up_kind(follow_up).unwrap();
        assert_eq!(prior.output(follow_up), prior.follow_up[&kind]);
        let question = records.iter().find(|r| r.task == Task::Knowledge).unwrap();
        assert_eq!(
            prior.output(question),
            format!("{ANSWER_MARKER} {}", prior.letter.unwrap())
        );
    }
}
