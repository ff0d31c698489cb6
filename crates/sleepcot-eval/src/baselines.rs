//! Baselines evaluated beside the students: generic sleep-hygiene advice for everyone, and
//! random letters for multiple choice.
//!
//! The generic advice is written in the teacher's output format (steps, an `Answer:` line, a
//! numbered list tagging what each item addresses), so it is scored on content rather than
//! failing on format: it names the usual hygiene topics for every person, and the
//! personalisation metrics show what that is worth.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sleepcot_data::knowledge::question::LETTERS;
use sleepcot_data::rng::mix64;
use sleepcot_data::teacher::format::ANSWER_MARKER;

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
}
