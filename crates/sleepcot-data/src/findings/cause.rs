//! Causes a finding can be attributed to, and the mapping from a finding to the causes the
//! persona actually has.

use serde::{Deserialize, Serialize};

use super::FindingKind;
use super::rule_for;
use crate::persona::{Chronotype, Condition, Persona};
use crate::report::PeriodSummary;

/// Something in the persona that explains a finding: a condition or a habit/context factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// A simulated sleep condition.
    Condition(Condition),
    /// Age-related change in sleep (less deep sleep, more wake, lower HRV).
    Ageing,
    /// Night or rotating shift work.
    ShiftWork,
    /// Evening chronotype.
    LateChronotype,
    /// Caffeine within 6 hours of bedtime.
    LateCaffeine,
    /// Alcohol in the evening.
    EveningAlcohol,
    /// Exercise late in the evening.
    LateExercise,
    /// An hour or more of screens before bed.
    EveningScreens,
    /// Frequent naps longer than 30 minutes.
    LongNaps,
}

impl Cause {
    /// Human-readable label, stable for matching.
    pub fn label(&self) -> &'static str {
        match self {
            Cause::Condition(c) => c.label(),
            Cause::Ageing => "age-related change",
            Cause::ShiftWork => "shift work",
            Cause::LateChronotype => "evening chronotype",
            Cause::LateCaffeine => "late caffeine",
            Cause::EveningAlcohol => "evening alcohol",
            Cause::LateExercise => "late exercise",
            Cause::EveningScreens => "evening screen use",
            Cause::LongNaps => "long daytime naps",
        }
    }
}

/// Whether the persona has a habit/context cause. A habit counts as a cause exactly when its
/// own behaviour rule fires, so the two can never disagree.
fn has_cause(persona: &Persona, cause: Cause, period: &PeriodSummary) -> bool {
    let habit = |kind: FindingKind| rule_for(kind).fires(persona, period);
    match cause {
        Cause::Condition(c) => persona.has(c),
        Cause::Ageing => persona.age >= 50,
        Cause::ShiftWork => persona.known_work().is_some_and(|w| w.is_shift_work()),
        Cause::LateChronotype => persona.known_chronotype() == Some(Chronotype::Late),
        Cause::LateCaffeine => habit(FindingKind::LateCaffeine),
        Cause::EveningAlcohol => habit(FindingKind::EveningAlcohol),
        Cause::LateExercise => habit(FindingKind::LateExercise),
        Cause::EveningScreens => habit(FindingKind::EveningScreens),
        Cause::LongNaps => habit(FindingKind::LongNaps),
    }
}

/// The causes that can produce a finding of `kind`, most specific first.
fn candidates(kind: FindingKind) -> &'static [Cause] {
    match kind {
        FindingKind::ShortSleep => &[
            Cause::Condition(Condition::Insomnia),
            Cause::Condition(Condition::ShiftWorkDisorder),
            Cause::Condition(Condition::DelayedSleepPhase),
            Cause::ShiftWork,
            Cause::LateChronotype,
            Cause::LateCaffeine,
            Cause::EveningScreens,
        ],
        FindingKind::LongOnsetLatency => &[
            Cause::Condition(Condition::Insomnia),
            Cause::Condition(Condition::DelayedSleepPhase),
            Cause::Condition(Condition::RestlessLegs),
            Cause::Condition(Condition::ShiftWorkDisorder),
            Cause::LateCaffeine,
            Cause::EveningScreens,
            Cause::LateExercise,
            Cause::LongNaps,
        ],
        FindingKind::HighWaso | FindingKind::FrequentAwakenings | FindingKind::LowEfficiency => &[
            Cause::Condition(Condition::Insomnia),
            Cause::Condition(Condition::ObstructiveSleepApnea),
            Cause::Condition(Condition::RestlessLegs),
            Cause::Condition(Condition::NarcolepsyLike),
            Cause::Condition(Condition::ShiftWorkDisorder),
            Cause::Condition(Condition::DelayedSleepPhase),
            Cause::EveningAlcohol,
            Cause::LateCaffeine,
            Cause::Ageing,
        ],
        FindingKind::LowDeepSleep => &[
            Cause::Condition(Condition::ObstructiveSleepApnea),
            Cause::Condition(Condition::Insomnia),
            Cause::LateCaffeine,
            Cause::Ageing,
        ],
        FindingKind::LowRemShare => &[
            Cause::Condition(Condition::ObstructiveSleepApnea),
            Cause::Condition(Condition::Insomnia),
            Cause::EveningAlcohol,
        ],
        FindingKind::ShortRemLatency => &[Cause::Condition(Condition::NarcolepsyLike)],
        FindingKind::ElevatedOdi | FindingKind::LowSpo2Nadir => &[
            Cause::Condition(Condition::ObstructiveSleepApnea),
            Cause::EveningAlcohol,
        ],
        FindingKind::IrregularSchedule => &[
            Cause::Condition(Condition::ShiftWorkDisorder),
            Cause::ShiftWork,
            Cause::Condition(Condition::DelayedSleepPhase),
        ],
        FindingKind::SocialJetlag => &[
            Cause::Condition(Condition::DelayedSleepPhase),
            Cause::LateChronotype,
        ],
        FindingKind::LateSleepPhase => &[
            Cause::Condition(Condition::DelayedSleepPhase),
            Cause::LateChronotype,
            Cause::EveningScreens,
        ],
        FindingKind::ElevatedRestingHr => &[
            Cause::Condition(Condition::ObstructiveSleepApnea),
            Cause::Condition(Condition::Insomnia),
            Cause::EveningAlcohol,
        ],
        FindingKind::LowHrv => &[
            Cause::Condition(Condition::ObstructiveSleepApnea),
            Cause::EveningAlcohol,
            Cause::Ageing,
        ],
        FindingKind::HighMovement => &[Cause::Condition(Condition::RestlessLegs)],
        FindingKind::LateCaffeine
        | FindingKind::EveningAlcohol
        | FindingKind::LateExercise
        | FindingKind::EveningScreens
        | FindingKind::LongNaps => &[],
    }
}

/// The causes of a `kind` finding that this persona has, given the period summary (habits are
/// judged against its mean bedtime). Empty for behaviour findings, which are causes themselves.
pub fn explain(kind: FindingKind, persona: &Persona, period: &PeriodSummary) -> Vec<Cause> {
    candidates(kind)
        .iter()
        .copied()
        .filter(|&c| has_cause(persona, c, period))
        .collect()
}
