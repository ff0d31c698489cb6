//! Right, wrong or unparseable: the outcome of one checkable answer, and their tally.

use serde::{Deserialize, Serialize};

/// How one answer compares with its gold answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The parsed answer matches the gold answer.
    Correct,
    /// An answer was parsed, and it is wrong.
    Wrong,
    /// No answer could be parsed; this counts as wrong, and is reported separately.
    Unparseable,
}

impl Outcome {
    /// The per-item score for means and bootstraps: 1 when correct, else 0.
    pub fn score(self) -> f64 {
        if self == Outcome::Correct { 1.0 } else { 0.0 }
    }
}

/// Counts of outcomes over a set of items.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accuracy {
    /// Items scored.
    pub total: usize,
    /// Items answered correctly.
    pub correct: usize,
    /// Items whose answer could not be parsed (included in `total`, counted as wrong).
    pub unparseable: usize,
}

impl Accuracy {
    /// Adds one outcome.
    pub fn add(&mut self, outcome: Outcome) {
        self.total += 1;
        match outcome {
            Outcome::Correct => self.correct += 1,
            Outcome::Wrong => {}
            Outcome::Unparseable => self.unparseable += 1,
        }
    }

    /// Share of items answered correctly; `None` without items.
    pub fn accuracy(&self) -> Option<f64> {
        (self.total > 0).then(|| self.correct as f64 / self.total as f64)
    }

    /// Share of items whose answer could not be parsed; `None` without items.
    pub fn unparseable_rate(&self) -> Option<f64> {
        (self.total > 0).then(|| self.unparseable as f64 / self.total as f64)
    }
}

impl FromIterator<Outcome> for Accuracy {
    fn from_iter<I: IntoIterator<Item = Outcome>>(outcomes: I) -> Self {
        let mut acc = Accuracy::default();
        outcomes.into_iter().for_each(|o| acc.add(o));
        acc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unparseable_counts_as_wrong_and_separately() {
        let acc: Accuracy = [
            Outcome::Correct,
            Outcome::Wrong,
            Outcome::Unparseable,
            Outcome::Correct,
        ]
        .into_iter()
        .collect();
        assert_eq!((acc.total, acc.correct, acc.unparseable), (4, 2, 1));
        assert_eq!(acc.accuracy(), Some(0.5));
        assert_eq!(acc.unparseable_rate(), Some(0.25));
        assert_eq!(Accuracy::default().accuracy(), None);
        assert_eq!(Outcome::Unparseable.score(), 0.0);
    }
}
