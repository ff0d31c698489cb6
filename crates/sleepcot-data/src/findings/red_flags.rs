//! Red flags: patterns that move advice from coaching to "see a physician".
//!
//! The criteria follow ../shared/reference/sleep-domain.md §2 and §2.2: what the person or a
//! bed partner reports (witnessed apneas, gasping, loud snoring with sleepiness, falling asleep
//! at the wheel, dream enactment, cataplexy, night-time chest pain, a sudden need for naps),
//! questionnaire cut-offs (Epworth 16+, ISI 15+), and oximetry read like the AHI criteria for
//! sleep apnea (an index of 15/h alone, or 5/h with symptoms), plus low night-time oxygen.
//! Each kind names the next step the reference gives ([`RedFlagKind::next_step`]).

use serde::{Deserialize, Serialize};

use super::FindingKind;
use super::norms::waso_limit_min;
use crate::persona::{AgeGroup, Persona, Symptom};
use crate::report::{NightSummary, PeriodSummary};

/// The kinds of red flag, in the order a referral lists them (most urgent first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RedFlagKind {
    /// Chest pain or breathlessness at night, or confusion or a severe headache on waking.
    UrgentNightSymptoms,
    /// The person reports nodding off while driving.
    FallingAsleepDriving,
    /// Breathing pauses seen by someone else, or waking up gasping or choking.
    WitnessedApneas,
    /// Loud snoring together with daytime sleepiness or unrefreshing sleep.
    SnoringWithSleepiness,
    /// Oxygen desaturation index of 15/h or more, or 5/h or more with snoring, witnessed
    /// apneas, gasping, sleepiness or unrefreshing sleep (the AHI criteria read on ODI).
    SuspectedSleepApnea,
    /// Nightly lowest SpO2 below 88 % on average, or mean SpO2 below 90 %.
    LowNightOxygen,
    /// Cataplexy, sleep-onset REM on two or more nights, or on one night with sleepiness.
    PossibleNarcolepsy,
    /// Acting out dreams: needs video-polysomnography.
    DreamEnactment,
    /// Epworth Sleepiness Scale of 16 or more.
    SevereSleepiness,
    /// A sudden, unexplained new need for daytime naps.
    SuddenNeedForNaps,
    /// Insomnia pattern on most nights, or an Insomnia Severity Index of 15 or more.
    ChronicInsomniaPattern,
    /// A teenager averaging under 7 hours of sleep (linked to self-harm risk).
    SevereShortSleepTeen,
    /// A driver with severe sleep loss or signs of a sleepiness-causing disorder.
    DrowsyDrivingRisk,
}

/// The symptoms that, with an oxygen desaturation index of 5/h or more, point to sleep apnea.
const APNEA_SYMPTOMS: [Symptom; 5] = [
    Symptom::LoudSnoring,
    Symptom::WitnessedApneas,
    Symptom::Gasping,
    Symptom::DaytimeSleepiness,
    Symptom::UnrefreshingSleep,
];

impl RedFlagKind {
    /// Every kind, in referral order.
    pub const ALL: [RedFlagKind; 13] = [
        RedFlagKind::UrgentNightSymptoms,
        RedFlagKind::FallingAsleepDriving,
        RedFlagKind::WitnessedApneas,
        RedFlagKind::SnoringWithSleepiness,
        RedFlagKind::SuspectedSleepApnea,
        RedFlagKind::LowNightOxygen,
        RedFlagKind::PossibleNarcolepsy,
        RedFlagKind::DreamEnactment,
        RedFlagKind::SevereSleepiness,
        RedFlagKind::SuddenNeedForNaps,
        RedFlagKind::ChronicInsomniaPattern,
        RedFlagKind::SevereShortSleepTeen,
        RedFlagKind::DrowsyDrivingRisk,
    ];

    /// Stable human-readable label; no label contains another.
    pub fn label(&self) -> &'static str {
        match self {
            RedFlagKind::UrgentNightSymptoms => "urgent night-time symptoms",
            RedFlagKind::FallingAsleepDriving => "falling asleep while driving",
            RedFlagKind::WitnessedApneas => "witnessed breathing pauses or gasping",
            RedFlagKind::SnoringWithSleepiness => "loud snoring with sleepiness",
            RedFlagKind::SuspectedSleepApnea => "suspected sleep apnea",
            RedFlagKind::LowNightOxygen => "low night-time oxygen",
            RedFlagKind::PossibleNarcolepsy => "possible narcolepsy",
            RedFlagKind::DreamEnactment => "dream enactment",
            RedFlagKind::SevereSleepiness => "severe daytime sleepiness",
            RedFlagKind::SuddenNeedForNaps => "sudden need for naps",
            RedFlagKind::ChronicInsomniaPattern => "chronic insomnia pattern",
            RedFlagKind::SevereShortSleepTeen => "severe short sleep in a teenager",
            RedFlagKind::DrowsyDrivingRisk => "drowsy driving risk",
        }
    }

    /// The next step the reference names for this red flag, as the referral line states it.
    pub fn next_step(&self) -> &'static str {
        match self {
            RedFlagKind::UrgentNightSymptoms => "urgent medical care today",
            RedFlagKind::FallingAsleepDriving => {
                "no driving from now on until a doctor has evaluated the sleepiness, which should happen at once"
            }
            RedFlagKind::WitnessedApneas
            | RedFlagKind::SnoringWithSleepiness
            | RedFlagKind::SuspectedSleepApnea => {
                "a sleep study (home sleep apnea test or polysomnography)"
            }
            RedFlagKind::LowNightOxygen => {
                "a doctor's review of the night-time oxygen, with a sleep study"
            }
            RedFlagKind::PossibleNarcolepsy => {
                "an assessment by a sleep physician, with a multiple sleep latency test (MSLT)"
            }
            RedFlagKind::DreamEnactment => {
                "video-polysomnography with a sleep physician, and a neurology review if REM sleep behaviour disorder is confirmed"
            }
            RedFlagKind::SevereSleepiness => "a physician's assessment of the sleepiness",
            RedFlagKind::SuddenNeedForNaps => "a physician's review of the new need for naps",
            RedFlagKind::ChronicInsomniaPattern => {
                "CBT-I with a clinician, especially if it has lasted 3 months or more"
            }
            RedFlagKind::SevereShortSleepTeen => {
                "a check-up, because chronic short sleep in teenagers is linked to mood problems and self-harm risk"
            }
            RedFlagKind::DrowsyDrivingRisk => {
                "no driving while drowsy until a doctor has assessed the sleepiness"
            }
        }
    }

    /// The findings this red flag rests on or points to; they are addressed before every other
    /// finding (Step 4: red flags first).
    pub fn findings(&self) -> &'static [FindingKind] {
        const APNEA: &[FindingKind] = &[FindingKind::ElevatedOdi, FindingKind::LowSpo2Nadir];
        match self {
            RedFlagKind::WitnessedApneas
            | RedFlagKind::SnoringWithSleepiness
            | RedFlagKind::SuspectedSleepApnea => APNEA,
            RedFlagKind::LowNightOxygen => &[FindingKind::LowSpo2Nadir],
            RedFlagKind::PossibleNarcolepsy => &[FindingKind::ShortRemLatency],
            RedFlagKind::ChronicInsomniaPattern => &[
                FindingKind::LowEfficiency,
                FindingKind::LongOnsetLatency,
                FindingKind::HighWaso,
            ],
            RedFlagKind::SevereShortSleepTeen => &[FindingKind::ShortSleep],
            RedFlagKind::FallingAsleepDriving
            | RedFlagKind::DrowsyDrivingRisk
            | RedFlagKind::SevereSleepiness => &[
                FindingKind::ShortSleep,
                FindingKind::ElevatedOdi,
                FindingKind::LowSpo2Nadir,
                FindingKind::ShortRemLatency,
            ],
            RedFlagKind::SuddenNeedForNaps => &[FindingKind::LongNaps],
            RedFlagKind::UrgentNightSymptoms | RedFlagKind::DreamEnactment => &[],
        }
    }
}

/// One red flag, with the reason in a sentence that quotes the values or symptoms.
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
                && (n.onset_latency_min.is_some_and(|l| l > 30.0)
                    || n.waso_min
                        .is_some_and(|w| w >= waso_limit_min(group) + 20.0))
        })
        .count() as u32
}

/// The labels of those of `symptoms` the person reports, for the reason sentences.
fn named(persona: &Persona, symptoms: &[Symptom]) -> Vec<&'static str> {
    symptoms
        .iter()
        .filter(|s| persona.reports(**s))
        .map(|s| s.label())
        .collect()
}

/// Every red flag of a report, in [`RedFlagKind::ALL`] order. Values are the report's own
/// (rounded as displayed), so the flags follow from what the report shows.
pub fn red_flags(
    persona: &Persona,
    period: &PeriodSummary,
    nights: &[NightSummary],
) -> Vec<RedFlag> {
    let mut flags = Vec::new();
    let mut raise = |kind: RedFlagKind, reason: String| flags.push(RedFlag { kind, reason });
    let reports = |s: Symptom| persona.reports(s);
    let epworth = persona.questionnaires.epworth;
    // Unknown (not given) counts as not driving: no driving red flag is raised on a guess.
    let drives = persona.known_drives() == Some(true);
    let isi = persona.questionnaires.insomnia_severity;

    let urgent = named(
        persona,
        &[
            Symptom::NightChestPainOrBreathlessness,
            Symptom::MorningConfusionOrSevereHeadache,
        ],
    );
    if !urgent.is_empty() {
        raise(
            RedFlagKind::UrgentNightSymptoms,
            format!(
                "The person reports {}, which needs urgent care.",
                urgent.join(" and ")
            ),
        );
    }
    let falls_asleep_driving = drives && reports(Symptom::DrowsyDriving);
    if falls_asleep_driving {
        raise(
            RedFlagKind::FallingAsleepDriving,
            "The person reports nodding off while driving.".to_string(),
        );
    }
    let witnessed = named(persona, &[Symptom::WitnessedApneas, Symptom::Gasping]);
    if !witnessed.is_empty() {
        raise(
            RedFlagKind::WitnessedApneas,
            format!("The person reports {}.", witnessed.join(" and ")),
        );
    }
    let sleepy_or_unrefreshed = named(
        persona,
        &[Symptom::DaytimeSleepiness, Symptom::UnrefreshingSleep],
    );
    if reports(Symptom::LoudSnoring) && !sleepy_or_unrefreshed.is_empty() {
        raise(
            RedFlagKind::SnoringWithSleepiness,
            format!(
                "The person reports loud snoring with {}.",
                sleepy_or_unrefreshed.join(" and ")
            ),
        );
    }
    let apnea_symptoms = named(persona, &APNEA_SYMPTOMS);
    let odi = period.mean_odi.unwrap_or(0.0);
    let apnea =
        period.mean_odi.is_some() && (odi >= 15.0 || (odi >= 5.0 && !apnea_symptoms.is_empty()));
    if apnea {
        let with = if apnea_symptoms.is_empty() {
            String::new()
        } else {
            format!(" with {}", apnea_symptoms.join(", "))
        };
        raise(
            RedFlagKind::SuspectedSleepApnea,
            format!(
                "The mean oxygen desaturation index is {odi:.1}/h{with}, which points to sleep apnea."
            ),
        );
    }
    let low_nadir = period.mean_spo2_nadir.filter(|&v| v < 88.0);
    let low_mean = period.mean_spo2.filter(|&v| v < 90.0);
    if low_nadir.is_some() || low_mean.is_some() {
        let shown =
            |v: Option<f32>| v.map_or_else(|| "not measured".to_string(), |v| format!("{v:.1}%"));
        raise(
            RedFlagKind::LowNightOxygen,
            format!(
                "The nightly lowest SpO2 averages {} and the mean SpO2 is {}.",
                shown(period.mean_spo2_nadir),
                shown(period.mean_spo2)
            ),
        );
    }
    let sleepy = reports(Symptom::DaytimeSleepiness) || epworth.is_some_and(|e| e > 10);
    let narcolepsy = reports(Symptom::Cataplexy)
        || period.nights_soremp >= 2
        || (period.nights_soremp >= 1 && sleepy);
    if narcolepsy {
        raise(
            RedFlagKind::PossibleNarcolepsy,
            format!(
                "REM sleep began within 15 minutes of sleep onset on {} of {} nights{}.",
                period.nights_soremp,
                period.nights,
                if reports(Symptom::Cataplexy) {
                    ", and the person reports muscle weakness when laughing or startled"
                } else if sleepy {
                    ", with daytime sleepiness"
                } else {
                    ""
                }
            ),
        );
    }
    if reports(Symptom::DreamEnactment) {
        raise(
            RedFlagKind::DreamEnactment,
            "The person reports acting out dreams.".to_string(),
        );
    }
    if let Some(e) = epworth.filter(|&e| e >= 16) {
        raise(
            RedFlagKind::SevereSleepiness,
            format!("The Epworth Sleepiness Scale score is {e}, in the severe range (16-24)."),
        );
    }
    if reports(Symptom::SuddenNeedForNaps) {
        raise(
            RedFlagKind::SuddenNeedForNaps,
            "The person reports a sudden new need for daytime naps.".to_string(),
        );
    }
    let pattern = insomnia_pattern_nights(persona.age_group(), nights);
    // Persistent: on most nights (4 of 7), not just the 3 per week of the diagnostic minimum.
    let needed = ((4 * nights.len()) as f32 / 7.0).ceil().max(1.0) as u32;
    let isi_high = isi.is_some_and(|i| i >= 15);
    if (!nights.is_empty() && pattern >= needed) || isi_high {
        raise(
            RedFlagKind::ChronicInsomniaPattern,
            format!(
                "{pattern} of {} nights combine efficiency below 85% with long sleep onset or long night-time waking{}.",
                nights.len(),
                isi.filter(|_| isi_high)
                    .map(|i| format!(", and the Insomnia Severity Index is {i}"))
                    .unwrap_or_default()
            ),
        );
    }
    let mean_h = period.mean_total_sleep_min / 60.0;
    if persona.age_group() == AgeGroup::Adolescent && mean_h < 7.0 {
        raise(
            RedFlagKind::SevereShortSleepTeen,
            format!(
                "A {}-year-old averaging {:.0} min of sleep is far below the 8-10 h teenagers need.",
                persona.age, period.mean_total_sleep_min
            ),
        );
    }
    let sleepiness_disorder = apnea
        || narcolepsy
        || !witnessed.is_empty()
        || (reports(Symptom::LoudSnoring) && !sleepy_or_unrefreshed.is_empty())
        || epworth.is_some_and(|e| e >= 16);
    if drives && !falls_asleep_driving && (mean_h < 6.0 || sleepiness_disorder) {
        raise(
            RedFlagKind::DrowsyDrivingRisk,
            format!(
                "This person drives while averaging {:.0} min of sleep{}.",
                period.mean_total_sleep_min,
                if sleepiness_disorder {
                    " with signs of a sleepiness-causing disorder"
                } else {
                    ""
                }
            ),
        );
    }
    flags
}
