//! Self-reported symptoms and questionnaire scores: what the person says, as opposed to what
//! the wearable measures.
//!
//! Several red flags (../shared/reference/sleep-domain.md §2.2) rest on what a person or their
//! bed partner notices (witnessed breathing pauses, falling asleep at the wheel, acting out
//! dreams), not on anything a wrist or finger sensor records. The report lists them in a fixed
//! order with fixed wording, so a reader (and the audit) can tell exactly which were reported.

use serde::{Deserialize, Serialize};

/// One symptom the person (or a bed partner) has noticed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Symptom {
    /// Loud snoring, noticed by the person or a bed partner.
    LoudSnoring,
    /// Pauses in breathing during sleep that someone else has seen.
    WitnessedApneas,
    /// Waking up gasping or choking.
    Gasping,
    /// Feeling sleepy during the day, dozing off in quiet situations.
    DaytimeSleepiness,
    /// Waking up unrefreshed despite enough time in bed.
    UnrefreshingSleep,
    /// Nodding off or nearly falling asleep while driving.
    DrowsyDriving,
    /// Acting out dreams: shouting, punching or kicking during sleep.
    DreamEnactment,
    /// Sudden muscle weakness triggered by laughter or surprise (cataplexy).
    Cataplexy,
    /// Chest pain or difficulty breathing during sleep.
    NightChestPainOrBreathlessness,
    /// Confusion or a severe headache on waking.
    MorningConfusionOrSevereHeadache,
    /// A sudden, unexplained new need for daytime naps.
    SuddenNeedForNaps,
    /// An urge to move the legs at rest in the evening, relieved by moving.
    UrgeToMoveLegs,
}

impl Symptom {
    /// Every symptom, in the order the report lists them.
    pub const ALL: [Symptom; 12] = [
        Symptom::LoudSnoring,
        Symptom::WitnessedApneas,
        Symptom::Gasping,
        Symptom::DaytimeSleepiness,
        Symptom::UnrefreshingSleep,
        Symptom::DrowsyDriving,
        Symptom::DreamEnactment,
        Symptom::Cataplexy,
        Symptom::NightChestPainOrBreathlessness,
        Symptom::MorningConfusionOrSevereHeadache,
        Symptom::SuddenNeedForNaps,
        Symptom::UrgeToMoveLegs,
    ];

    /// The fixed wording the report uses; no label contains another's text or a `;`.
    pub fn label(self) -> &'static str {
        match self {
            Symptom::LoudSnoring => "loud snoring",
            Symptom::WitnessedApneas => "breathing pauses seen by someone else",
            Symptom::Gasping => "waking up gasping or choking",
            Symptom::DaytimeSleepiness => "daytime sleepiness",
            Symptom::UnrefreshingSleep => "unrefreshing sleep",
            Symptom::DrowsyDriving => "nodding off while driving",
            Symptom::DreamEnactment => "acting out dreams",
            Symptom::Cataplexy => "sudden muscle weakness when laughing or startled",
            Symptom::NightChestPainOrBreathlessness => "chest pain or breathlessness at night",
            Symptom::MorningConfusionOrSevereHeadache => "confusion or a severe headache on waking",
            Symptom::SuddenNeedForNaps => "a sudden new need for daytime naps",
            Symptom::UrgeToMoveLegs => "an urge to move the legs in the evening",
        }
    }

    /// The symptom whose [`Symptom::label`] is `text` (exact match).
    pub fn from_label(text: &str) -> Option<Symptom> {
        Symptom::ALL.into_iter().find(|s| s.label() == text)
    }
}

/// Scores of validated sleep questionnaires the person filled in; `None` when not taken.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Questionnaires {
    /// Epworth Sleepiness Scale, 0-24 (above 10 is excessive sleepiness, 16 or more severe).
    pub epworth: Option<u32>,
    /// Insomnia Severity Index, 0-28 (15 or more is moderate or severe clinical insomnia).
    pub insomnia_severity: Option<u32>,
}

/// Highest possible Epworth score.
pub const EPWORTH_MAX: u32 = 24;
/// Highest possible Insomnia Severity Index.
pub const ISI_MAX: u32 = 28;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_distinct_and_do_not_contain_each_other() {
        for a in Symptom::ALL {
            assert_eq!(Symptom::from_label(a.label()), Some(a));
            assert!(!a.label().contains(';'));
            for b in Symptom::ALL {
                if a != b {
                    assert!(!a.label().contains(b.label()), "{a:?} contains {b:?}");
                }
            }
        }
    }
}
