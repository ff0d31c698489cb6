//! One sourced piece of sleep knowledge with an answerable slot, and the bank that holds them.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::answer::Answer;

/// The area of sleep health a fact belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// Recommended sleep duration by age and the NSF indicators of good sleep quality.
    DurationNorms,
    /// Sleep stages, cycles and how they change with age.
    Architecture,
    /// The body clock, light, chronotype and social jetlag.
    CircadianRhythm,
    /// Insomnia and cognitive behavioural therapy for insomnia.
    InsomniaCbtI,
    /// Obstructive sleep apnea, breathing-event scoring and oxygen saturation.
    Apnea,
    /// Sleep hygiene: caffeine, alcohol, screens, exercise, naps, bedroom, with quantities.
    Hygiene,
    /// Consumer wearables, their exports and their accuracy.
    Wearables,
    /// Other sleep disorders: circadian disorders, restless legs, narcolepsy, parasomnias.
    OtherDisorders,
    /// Warning signs that call for a physician rather than coaching.
    RedFlags,
    /// Sleep questionnaires and their cut-offs.
    Questionnaires,
    /// Not a bank topic: questions read from a science dataset (ARC, OpenBookQA) for Sci-CoT.
    /// No fact has it, and [`Topic::ALL`] leaves it out.
    Science,
}

impl Topic {
    /// Every topic, in a fixed order.
    pub const ALL: [Topic; 10] = [
        Topic::DurationNorms,
        Topic::Architecture,
        Topic::CircadianRhythm,
        Topic::InsomniaCbtI,
        Topic::Apnea,
        Topic::Hygiene,
        Topic::Wearables,
        Topic::OtherDisorders,
        Topic::RedFlags,
        Topic::Questionnaires,
    ];

    /// A short lower-case name used inside sentences ("sleep apnea").
    pub fn label(self) -> &'static str {
        match self {
            Topic::DurationNorms => "sleep duration and sleep-quality norms",
            Topic::Architecture => "sleep architecture",
            Topic::CircadianRhythm => "the circadian rhythm",
            Topic::InsomniaCbtI => "insomnia and CBT-I",
            Topic::Apnea => "sleep apnea",
            Topic::Hygiene => "sleep hygiene",
            Topic::Wearables => "sleep wearables",
            Topic::OtherDisorders => "sleep disorders",
            Topic::RedFlags => "warning signs in sleep",
            Topic::Questionnaires => "sleep questionnaires",
            Topic::Science => "science",
        }
    }
}

/// A sourced fact with one answerable slot.
///
/// `claim` is the fact as a sentence in which `{}` marks the slot; filling it with
/// [`Answer::text`] gives [`Fact::statement`]. `asks` are question phrasings written for this
/// fact; two more phrasings (a statement-choice and a fill-in-the-blank) are built from `claim`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fact {
    /// Stable identifier, e.g. `dur-adult-26-64`.
    pub id: &'static str,
    /// The area the fact belongs to.
    pub topic: Topic,
    /// The fact as a sentence with `{}` where the answer goes.
    pub claim: &'static str,
    /// Question phrasings written for this fact (at least two).
    pub asks: &'static [&'static str],
    /// The value that fills the slot.
    pub answer: Answer,
    /// Where the fact comes from.
    pub source_url: &'static str,
}

/// One way of asking about a fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phrasing {
    /// A question written for the fact; options are bare values.
    Direct(&'static str),
    /// "Which statement is correct?"; options are the claim filled with each value.
    Statement,
    /// The claim with a blank; options are bare values.
    FillBlank,
}

/// Builds a fact (a `const` helper so the topic tables stay compact).
pub const fn fact_row(
    topic: Topic,
    id: &'static str,
    claim: &'static str,
    asks: &'static [&'static str],
    answer: Answer,
    source_url: &'static str,
) -> Fact {
    Fact {
        id,
        topic,
        claim,
        asks,
        answer,
        source_url,
    }
}

/// Upper-cases the first letter, so a claim that starts with its slot still reads as a sentence.
fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl Fact {
    /// The claim with `value` in its slot.
    pub fn claim_with(&self, value: &str) -> String {
        capitalise(&self.claim.replacen("{}", value, 1))
    }

    /// The fact as a complete sentence.
    pub fn statement(&self) -> String {
        self.claim_with(&self.answer.text())
    }

    /// How many phrasings this fact can be asked in.
    pub fn phrasing_count(&self) -> usize {
        self.asks.len() + 2
    }

    /// Phrasing number `index` (`None` past [`Fact::phrasing_count`]).
    pub fn phrasing(&self, index: usize) -> Option<Phrasing> {
        let n = self.asks.len();
        match index {
            i if i < n => Some(Phrasing::Direct(self.asks[i])),
            i if i == n => Some(Phrasing::Statement),
            i if i == n + 1 => Some(Phrasing::FillBlank),
            _ => None,
        }
    }

    /// The text of option `value` under `phrasing`: the bare value, or the filled claim.
    pub fn option_text(&self, phrasing: Phrasing, value: &str) -> String {
        match phrasing {
            Phrasing::Statement => self.claim_with(value),
            Phrasing::Direct(_) | Phrasing::FillBlank => value.to_string(),
        }
    }

    /// The question stem under `phrasing`.
    pub fn stem(&self, phrasing: Phrasing) -> String {
        match phrasing {
            Phrasing::Direct(text) => text.to_string(),
            Phrasing::Statement => format!(
                "Which of the following statements about {} is correct?",
                self.topic.label()
            ),
            Phrasing::FillBlank => format!(
                "Choose the value that completes the sentence: \"{}\"",
                self.claim_with("____")
            ),
        }
    }
}

static BANK: LazyLock<Vec<Fact>> = LazyLock::new(|| super::facts::all().collect());

/// Every fact in the bank, grouped by topic, in a fixed order.
pub fn facts() -> &'static [Fact] {
    &BANK
}

/// The fact with this id, if the bank has one.
pub fn fact(id: &str) -> Option<&'static Fact> {
    BANK.iter().find(|f| f.id == id)
}
