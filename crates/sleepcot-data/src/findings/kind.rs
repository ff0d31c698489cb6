//! The kinds of finding, with stable labels that generated text and evaluators match on.

use serde::{Deserialize, Serialize};

/// One variant per rule in [`super::RULES`]: metric findings first, behaviour findings last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// Mean total sleep below the age group's recommended minimum.
    ShortSleep,
    /// Mean sleep onset latency above 30 minutes.
    LongOnsetLatency,
    /// Mean wake after sleep onset above the age limit.
    HighWaso,
    /// Two or more awakenings of 5+ minutes per night (three from age 65).
    FrequentAwakenings,
    /// Mean sleep efficiency below 85 %.
    LowEfficiency,
    /// Deep-sleep share below the age band (informational: no consensus norm).
    LowDeepSleep,
    /// REM share below the usual range (informational).
    LowRemShare,
    /// A sleep-onset REM period (REM within 15 minutes of sleep onset).
    ShortRemLatency,
    /// Oxygen desaturation index of 5 per hour or more.
    ElevatedOdi,
    /// Low SpO2 nadir during sleep.
    LowSpo2Nadir,
    /// Mid-sleep time varies by more than an hour between nights.
    IrregularSchedule,
    /// Weekend mid-sleep an hour or more later than on work nights.
    SocialJetlag,
    /// Habitually late bedtime (delayed sleep phase pattern).
    LateSleepPhase,
    /// High sleeping (lowest) heart rate.
    ElevatedRestingHr,
    /// Low night-time HRV for the age group.
    LowHrv,
    /// Many restless (movement) epochs during sleep.
    HighMovement,
    /// Caffeine within 6 hours of bedtime.
    LateCaffeine,
    /// Alcohol in the evening before bed.
    EveningAlcohol,
    /// Exercise late in the evening.
    LateExercise,
    /// Long screen use before bed.
    EveningScreens,
    /// Frequent long daytime naps.
    LongNaps,
}

impl FindingKind {
    /// Every kind, in rule-table order.
    pub const ALL: [FindingKind; 21] = [
        FindingKind::ShortSleep,
        FindingKind::LongOnsetLatency,
        FindingKind::HighWaso,
        FindingKind::FrequentAwakenings,
        FindingKind::LowEfficiency,
        FindingKind::LowDeepSleep,
        FindingKind::LowRemShare,
        FindingKind::ShortRemLatency,
        FindingKind::ElevatedOdi,
        FindingKind::LowSpo2Nadir,
        FindingKind::IrregularSchedule,
        FindingKind::SocialJetlag,
        FindingKind::LateSleepPhase,
        FindingKind::ElevatedRestingHr,
        FindingKind::LowHrv,
        FindingKind::HighMovement,
        FindingKind::LateCaffeine,
        FindingKind::EveningAlcohol,
        FindingKind::LateExercise,
        FindingKind::EveningScreens,
        FindingKind::LongNaps,
    ];

    /// Stable human-readable label; generated rationales use it verbatim.
    pub fn label(&self) -> &'static str {
        match self {
            FindingKind::ShortSleep => "short sleep duration",
            FindingKind::LongOnsetLatency => "long sleep onset latency",
            FindingKind::HighWaso => "high wake after sleep onset",
            FindingKind::FrequentAwakenings => "frequent awakenings",
            FindingKind::LowEfficiency => "low sleep efficiency",
            FindingKind::LowDeepSleep => "low deep sleep",
            FindingKind::LowRemShare => "low REM sleep",
            FindingKind::ShortRemLatency => "sleep-onset REM",
            FindingKind::ElevatedOdi => "elevated oxygen desaturation index",
            FindingKind::LowSpo2Nadir => "low blood oxygen nadir",
            FindingKind::IrregularSchedule => "irregular sleep schedule",
            FindingKind::SocialJetlag => "social jetlag",
            FindingKind::LateSleepPhase => "late sleep timing",
            FindingKind::ElevatedRestingHr => "elevated resting heart rate",
            FindingKind::LowHrv => "low heart rate variability",
            FindingKind::HighMovement => "restless movement during sleep",
            FindingKind::LateCaffeine => "late caffeine",
            FindingKind::EveningAlcohol => "evening alcohol",
            FindingKind::LateExercise => "late exercise",
            FindingKind::EveningScreens => "evening screen use",
            FindingKind::LongNaps => "long daytime naps",
        }
    }

    /// Lower-case keywords that identify the finding in free text (the label's key words and
    /// common synonyms); an evaluator counts a finding as mentioned if any keyword appears.
    pub fn keywords(&self) -> &'static [&'static str] {
        match self {
            FindingKind::ShortSleep => &["short sleep", "not enough sleep", "sleep duration"],
            FindingKind::LongOnsetLatency => &["onset latency", "falling asleep", "fall asleep"],
            FindingKind::HighWaso => &["wake after sleep onset", "waso", "awake during the night"],
            FindingKind::FrequentAwakenings => &["awakenings", "waking up", "fragmented"],
            FindingKind::LowEfficiency => &["efficiency"],
            FindingKind::LowDeepSleep => &["deep sleep", "slow-wave", "n3"],
            FindingKind::LowRemShare => &["rem sleep", "rem share"],
            FindingKind::ShortRemLatency => &["sleep-onset rem", "rem latency", "soremp"],
            FindingKind::ElevatedOdi => &["desaturation", "odi", "breathing"],
            FindingKind::LowSpo2Nadir => &["spo2", "oxygen", "nadir"],
            FindingKind::IrregularSchedule => &["irregular", "regularity", "consistent schedule"],
            FindingKind::SocialJetlag => &["social jetlag", "weekend"],
            FindingKind::LateSleepPhase => &["late bedtime", "late sleep", "delayed"],
            FindingKind::ElevatedRestingHr => &["resting heart rate", "heart rate"],
            FindingKind::LowHrv => &["hrv", "heart rate variability"],
            FindingKind::HighMovement => &["movement", "restless", "legs"],
            FindingKind::LateCaffeine => &["caffeine", "coffee"],
            FindingKind::EveningAlcohol => &["alcohol", "drinks"],
            FindingKind::LateExercise => &["exercise", "workout"],
            FindingKind::EveningScreens => &["screen", "phone"],
            FindingKind::LongNaps => &["nap"],
        }
    }

    /// Whether the finding describes a behaviour (a modifiable habit) rather than a measured
    /// sleep metric.
    pub fn is_behaviour(&self) -> bool {
        matches!(
            self,
            FindingKind::LateCaffeine
                | FindingKind::EveningAlcohol
                | FindingKind::LateExercise
                | FindingKind::EveningScreens
                | FindingKind::LongNaps
        )
    }
}
