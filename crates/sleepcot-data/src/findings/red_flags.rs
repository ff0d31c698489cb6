//! Red flags: patterns that should move advice from coaching to "see a physician".

use serde::{Deserialize, Serialize};

use super::norms::waso_limit_min;
use crate::persona::{AgeGroup, Persona};
use crate::report::{NightSummary, PeriodSummary};

/// The kinds of red flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RedFlagKind {
    /// ODI of 15/h or more, or an SpO2 nadir below 85 %: possible moderate or severe apnea.
    SuspectedModerateSevereApnea,
    /// Sleep-onset REM on two or more nights: narcolepsy evaluation (MSLT).
    PossibleNarcolepsy,
    /// Insomnia pattern (efficiency < 85 % with long latency or long waking) on most nights.
    ChronicInsomniaPattern,
    /// A teenager averaging under 7 hours of sleep (linked to self-harm risk).
    SevereShortSleepTeen,
    /// A driver with severe sleep loss or a sleepiness disorder pattern.
    DrowsyDrivingRisk,
}

impl RedFlagKind {
    /// Stable human-readable label.
    pub fn label(&self) -> &'static str {
        match self {
            RedFlagKind::SuspectedModerateSevereApnea => "suspected moderate to severe sleep apnea",
            RedFlagKind::PossibleNarcolepsy => "possible narcolepsy",
            RedFlagKind::ChronicInsomniaPattern => "chronic insomnia pattern",
            RedFlagKind::SevereShortSleepTeen => "severe short sleep in a teenager",
            RedFlagKind::DrowsyDrivingRisk => "drowsy driving risk",
        }
    }
}

/// One red flag, with the reason in a sentence that quotes the measured values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RedFlag {
    /// What kind of red flag.
    pub kind: RedFlagKind,
    /// Why it was raised, with the values.
    pub reason: String,
}

/// Nights that show a clear insomnia pattern: efficiency below 85 % with latency above 30
/// minutes or WASO at least 20 minutes beyond the age limit (long night-time waking).
pub fn insomnia_pattern_nights(group: AgeGroup, nights: &[NightSummary]) -> u32 {
    nights
        .iter()
        .filter(|n| {
            n.efficiency_pct < 85.0
                && (n.onset_latency_min > 30.0 || n.waso_min >= waso_limit_min(group) + 20.0)
        })
        .count() as u32
}

/// All red flags for the persona's nights. Thresholds: ODI >= 15/h (moderate apnea band) or a
/// nadir below 85 %; SOREMP on >= 2 nights; the insomnia pattern on >= 4 nights per 7; a teen
/// averaging < 7 h; a driver averaging < 6 h or with either of the first two flags.
pub fn red_flags(
    persona: &Persona,
    period: &PeriodSummary,
    nights: &[NightSummary],
) -> Vec<RedFlag> {
    let mut flags = Vec::new();
    let apnea = period.mean_odi >= 15.0 || period.worst_spo2_nadir < 85.0;
    if apnea {
        flags.push(RedFlag {
            kind: RedFlagKind::SuspectedModerateSevereApnea,
            reason: format!(
                "Mean oxygen desaturation index is {:.1}/h and the lowest SpO2 was {:.0}% (night {}), which points to moderate or severe sleep apnea and needs a sleep study.",
                period.mean_odi, period.worst_spo2_nadir, period.worst_spo2_night
            ),
        });
    }
    let narcolepsy = period.nights_soremp >= 2;
    if narcolepsy {
        flags.push(RedFlag {
            kind: RedFlagKind::PossibleNarcolepsy,
            reason: format!(
                "REM sleep began within 15 minutes of sleep onset on {} of {} nights, which warrants evaluation by a sleep physician.",
                period.nights_soremp, period.nights
            ),
        });
    }
    let pattern = insomnia_pattern_nights(persona.age_group(), nights);
    // Persistent: on most nights (4 of 7), not just the 3 per week of the diagnostic minimum.
    let needed = ((4 * nights.len()) as f32 / 7.0).ceil().max(1.0) as u32;
    if !nights.is_empty() && pattern >= needed {
        flags.push(RedFlag {
            kind: RedFlagKind::ChronicInsomniaPattern,
            reason: format!(
                "{pattern} of {} nights combine efficiency below 85% with long sleep onset or long night-time waking; if this has lasted 3 months, CBT-I with a clinician is indicated.",
                nights.len()
            ),
        });
    }
    let mean_h = period.mean_total_sleep_min / 60.0;
    if persona.age_group() == AgeGroup::Adolescent && mean_h < 7.0 {
        flags.push(RedFlag {
            kind: RedFlagKind::SevereShortSleepTeen,
            reason: format!(
                "A {}-year-old averaging {mean_h:.1} h of sleep is far below the 8-10 h teenagers need; chronic short sleep in teens is linked to self-harm risk.",
                persona.age
            ),
        });
    }
    if persona.drives && (mean_h < 6.0 || apnea || narcolepsy) {
        flags.push(RedFlag {
            kind: RedFlagKind::DrowsyDrivingRisk,
            reason: format!(
                "This person drives while averaging {mean_h:.1} h of sleep{}; drowsy driving must be avoided until this is assessed.",
                if apnea || narcolepsy {
                    " with signs of a sleepiness-causing disorder"
                } else {
                    ""
                }
            ),
        });
    }
    flags
}
