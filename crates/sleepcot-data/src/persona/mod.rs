//! Personas: who sleeps, with which habits and which (simulated) sleep conditions.
//!
//! A [`Persona`] is the ground-truth input of one simulated person: demographics, chronotype,
//! work schedule, habits and conditions with severities. Personas are drawn by
//! [`generate_personas`] from a seed and a [`PopulationMix`]; the night simulator turns them into
//! nights, and the report carries them along as the user's self-reported context.

mod context;
pub(crate) mod generate;
mod mix;
mod symptom;
mod text;

pub use context::{ContextField, NOT_GIVEN};
pub use generate::{generate_persona, generate_personas};
pub use mix::{MixError, PopulationMix};
pub use symptom::{EPWORTH_MAX, ISI_MAX, Questionnaires, Symptom};

use serde::{Deserialize, Serialize};

/// Biological sex, which shifts resting heart rate, HRV and apnea risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
}

impl Sex {
    /// Both values.
    pub const ALL: [Sex; 2] = [Sex::Female, Sex::Male];

    /// The word the report uses.
    pub fn label(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
        }
    }
}

/// Preferred timing of sleep (morningness-eveningness).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Chronotype {
    /// Morning type ("lark"): prefers to sleep about an hour earlier than average.
    Early,
    /// Neither type.
    Intermediate,
    /// Evening type ("owl"): prefers to sleep about an hour later than average.
    Late,
}

impl Chronotype {
    /// Every chronotype.
    pub const ALL: [Chronotype; 3] = [
        Chronotype::Early,
        Chronotype::Intermediate,
        Chronotype::Late,
    ];

    /// The words the report uses.
    pub fn label(self) -> &'static str {
        match self {
            Chronotype::Early => "morning type",
            Chronotype::Intermediate => "neither morning nor evening type",
            Chronotype::Late => "evening type",
        }
    }

    /// Shift of the preferred bedtime relative to an intermediate type, in hours.
    pub fn bedtime_shift_h(self) -> f32 {
        match self {
            Chronotype::Early => -0.9,
            Chronotype::Intermediate => 0.0,
            Chronotype::Late => 1.0,
        }
    }
}

/// What fixes the person's wake-up time on work or school days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkSchedule {
    /// School on weekdays (adolescents).
    School,
    /// Regular daytime job on weekdays.
    DayWork,
    /// Permanent night shifts on weekdays: the main sleep happens in the morning.
    NightShift,
    /// Rotating shifts: day, evening and night shifts alternate from day to day.
    RotatingShift,
    /// No fixed wake time (retired, not employed, fully flexible work).
    Flexible,
}

impl WorkSchedule {
    /// Every schedule.
    pub const ALL: [WorkSchedule; 5] = [
        WorkSchedule::School,
        WorkSchedule::DayWork,
        WorkSchedule::NightShift,
        WorkSchedule::RotatingShift,
        WorkSchedule::Flexible,
    ];

    /// Whether the schedule involves shift work (night or rotating shifts).
    pub fn is_shift_work(self) -> bool {
        matches!(self, WorkSchedule::NightShift | WorkSchedule::RotatingShift)
    }

    /// Human-readable name, used in report text.
    pub fn label(self) -> &'static str {
        match self {
            WorkSchedule::School => "school on weekdays",
            WorkSchedule::DayWork => "daytime job",
            WorkSchedule::NightShift => "night shifts",
            WorkSchedule::RotatingShift => "rotating shifts",
            WorkSchedule::Flexible => "flexible schedule",
        }
    }
}

/// When in the day the person usually exercises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExerciseTiming {
    /// No regular exercise.
    None,
    /// Mostly before noon.
    Morning,
    /// Mostly between noon and early evening.
    Afternoon,
    /// Mostly in the late evening, close to bedtime (vigorous exercise ending within about an
    /// hour of bed can lengthen sleep onset).
    Evening,
}

impl ExerciseTiming {
    /// The timings of people who exercise, as the report words them (`None` is "no regular
    /// exercise").
    pub const ACTIVE: [ExerciseTiming; 3] = [
        ExerciseTiming::Morning,
        ExerciseTiming::Afternoon,
        ExerciseTiming::Evening,
    ];

    /// The words the report uses.
    pub fn label(self) -> &'static str {
        match self {
            ExerciseTiming::None => "no regular exercise",
            ExerciseTiming::Morning => "mostly in the morning",
            ExerciseTiming::Afternoon => "mostly in the afternoon",
            ExerciseTiming::Evening => "mostly late in the evening",
        }
    }
}

/// Daily habits that influence sleep; all quantities are the person's typical values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Habits {
    /// Caffeine per day in mg (a cup of brewed coffee holds roughly 100 mg).
    pub caffeine_mg_per_day: f32,
    /// Clock hour of the last caffeinated drink (e.g. 16.5 = 16:30); meaningless when
    /// `caffeine_mg_per_day` is 0.
    pub last_caffeine_hour: f32,
    /// Alcoholic drinks per week.
    pub alcohol_drinks_per_week: f32,
    /// Drinks taken in the evening before bed on a drinking evening (0 = drinks only earlier
    /// in the day or not at all).
    pub evening_drinks: f32,
    /// Minutes of exercise per week.
    pub exercise_minutes_per_week: u32,
    /// When the exercise usually happens.
    pub exercise_timing: ExerciseTiming,
    /// Minutes between the end of a usual evening session and bedtime; `None` unless the
    /// exercise happens in the evening (the timing norm is about sessions close to bed).
    #[serde(default)]
    pub evening_exercise_end_before_bed_min: Option<u32>,
    /// Minutes of screen use (phone, tablet, TV) in the two hours before bed.
    pub evening_screen_minutes: u32,
    /// Daytime naps per week.
    pub naps_per_week: u32,
    /// Typical nap length in minutes (0 when `naps_per_week` is 0).
    pub nap_minutes: u32,
}

impl Habits {
    /// Hours between the last caffeine and a bedtime given as a clock hour (values past 24
    /// mean after midnight); `None` when the person takes no caffeine.
    pub fn caffeine_gap_h(&self, bedtime_h: f32) -> Option<f32> {
        (self.caffeine_mg_per_day > 0.0).then_some(bedtime_h - self.last_caffeine_hour)
    }

    /// Minutes from the last caffeine to a bedtime, computed as a reader of the report does:
    /// from the two clock times as displayed (whole minutes), see
    /// [`crate::report::minutes_between_clocks`]. `None` when the person takes no caffeine.
    pub fn caffeine_gap_min(&self, bedtime_h: f32) -> Option<f32> {
        (self.caffeine_mg_per_day > 0.0).then(|| {
            crate::report::minutes_between_clocks(self.last_caffeine_hour, bedtime_h) as f32
        })
    }
}

/// Sleep conditions the simulator can express. "No condition" is an empty list on the persona.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// Difficulty falling or staying asleep: long sleep onset, long and frequent awakenings.
    Insomnia,
    /// Obstructive sleep apnea: breathing events with oxygen desaturations and arousals.
    ObstructiveSleepApnea,
    /// Delayed sleep-wake phase: the body clock runs late, so sleep comes late.
    DelayedSleepPhase,
    /// Shift-work disorder: insomnia or sleepiness tied to working when others sleep.
    ShiftWorkDisorder,
    /// Restless legs: urge to move at rest, limb movements and awakenings.
    RestlessLegs,
    /// Narcolepsy-like pattern: REM sleep soon after sleep onset, fragmented night sleep,
    /// daytime sleepiness.
    NarcolepsyLike,
}

impl Condition {
    /// Every condition, in a fixed order.
    pub const ALL: [Condition; 6] = [
        Condition::Insomnia,
        Condition::ObstructiveSleepApnea,
        Condition::DelayedSleepPhase,
        Condition::ShiftWorkDisorder,
        Condition::RestlessLegs,
        Condition::NarcolepsyLike,
    ];

    /// Human-readable name, stable for matching in generated text.
    pub fn label(self) -> &'static str {
        match self {
            Condition::Insomnia => "insomnia",
            Condition::ObstructiveSleepApnea => "obstructive sleep apnea",
            Condition::DelayedSleepPhase => "delayed sleep phase",
            Condition::ShiftWorkDisorder => "shift work disorder",
            Condition::RestlessLegs => "restless legs",
            Condition::NarcolepsyLike => "narcolepsy-like sleepiness",
        }
    }
}

/// Severity of a condition or a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Mild.
    Mild,
    /// Moderate.
    Moderate,
    /// Severe.
    Severe,
}

impl Severity {
    /// 0 for mild, 1 for moderate, 2 for severe: handy for scaling effects.
    pub fn level(self) -> usize {
        match self {
            Severity::Mild => 0,
            Severity::Moderate => 1,
            Severity::Severe => 2,
        }
    }

    /// Lower-case name ("mild", "moderate", "severe").
    pub fn label(self) -> &'static str {
        match self {
            Severity::Mild => "mild",
            Severity::Moderate => "moderate",
            Severity::Severe => "severe",
        }
    }
}

/// A condition the persona has, with its severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ConditionSeverity {
    /// The condition.
    pub condition: Condition,
    /// How strongly it shows in the simulated nights.
    pub severity: Severity,
}

/// Age bands with different sleep norms (NSF 2015 / AASM duration bands).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeGroup {
    /// 13-17 years: 8-10 h recommended.
    Adolescent,
    /// 18-25 years: 7-9 h.
    YoungAdult,
    /// 26-64 years: 7-9 h.
    Adult,
    /// 65 years and over: 7-8 h.
    OlderAdult,
}

impl AgeGroup {
    /// The band an age in years falls into (ages below 13 count as adolescent; personas are
    /// never that young).
    pub fn of_age(age: u32) -> AgeGroup {
        match age {
            0..=17 => AgeGroup::Adolescent,
            18..=25 => AgeGroup::YoungAdult,
            26..=64 => AgeGroup::Adult,
            _ => AgeGroup::OlderAdult,
        }
    }

    /// Human-readable band, e.g. "adults 26-64".
    pub fn label(self) -> &'static str {
        match self {
            AgeGroup::Adolescent => "teenagers 13-17",
            AgeGroup::YoungAdult => "young adults 18-25",
            AgeGroup::Adult => "adults 26-64",
            AgeGroup::OlderAdult => "adults 65 and over",
        }
    }

    /// Every group, youngest first.
    pub const ALL: [AgeGroup; 4] = [
        AgeGroup::Adolescent,
        AgeGroup::YoungAdult,
        AgeGroup::Adult,
        AgeGroup::OlderAdult,
    ];
}

/// Youngest age a persona may have.
pub const MIN_AGE: u32 = 13;
/// Oldest age a persona may have.
pub const MAX_AGE: u32 = 90;

/// One simulated person: the ground-truth input of the night simulator and the self-reported
/// context of the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Persona {
    /// Stable identifier, `p<index>` with the index zero-padded to six digits.
    pub id: String,
    /// Age in years ([`MIN_AGE`]..=[`MAX_AGE`]).
    pub age: u32,
    /// Biological sex.
    pub sex: Sex,
    /// Body-mass index in kg/m².
    pub bmi: f32,
    /// Preferred sleep timing.
    pub chronotype: Chronotype,
    /// What fixes the wake time on work or school days.
    pub work: WorkSchedule,
    /// Whether the person drives regularly (commute or job); makes severe sleepiness a safety
    /// red flag.
    pub drives: bool,
    /// Habits.
    pub habits: Habits,
    /// Conditions with severities; empty for a healthy sleeper.
    pub conditions: Vec<ConditionSeverity>,
    /// Symptoms the person reports, in [`Symptom::ALL`] order, without repeats.
    #[serde(default)]
    pub symptoms: Vec<Symptom>,
    /// Questionnaire scores, where the person took them.
    #[serde(default)]
    pub questionnaires: Questionnaires,
    /// The user's complaint, in their own words.
    pub complaint: String,
    /// What the user wants to achieve.
    pub goal: String,
    /// The parts of the self-reported context the person did not give (an imported report);
    /// empty for a simulated persona, and then not serialised. See [`ContextField`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_given: Vec<ContextField>,
}

impl Persona {
    /// The age band whose norms apply.
    pub fn age_group(&self) -> AgeGroup {
        AgeGroup::of_age(self.age)
    }

    /// Severity of `condition` if the persona has it.
    pub fn severity_of(&self, condition: Condition) -> Option<Severity> {
        self.conditions
            .iter()
            .find(|c| c.condition == condition)
            .map(|c| c.severity)
    }

    /// Whether the persona has `condition` at any severity.
    pub fn has(&self, condition: Condition) -> bool {
        self.severity_of(condition).is_some()
    }

    /// Whether the person reports `symptom` (false when the symptoms were not given).
    pub fn reports(&self, symptom: Symptom) -> bool {
        self.known_symptoms().is_some_and(|s| s.contains(&symptom))
    }

    /// Whether the persona has no simulated condition.
    pub fn is_healthy(&self) -> bool {
        self.conditions.is_empty()
    }
}
