//! Imported nights → the project's [`Report`], with findings from the same rule table.
//!
//! Each [`ImportedNight`] becomes a [`NightSummary`] rounded to the precision the report
//! displays (whole minutes, bpm and ms; one decimal for efficiency, shares, SpO2 and rates), as
//! the simulator's summaries are, so a rule decides on the number a reader sees. The period
//! summary is [`summarize_period`]'s and the findings and red flags are [`evaluate`]'s.
//!
//! - **Dates and clock hours.** Night `i` is the `i`-th in time order; its weekday is the one
//!   of its evening ([`Evening`]), and bed and wake are report clock hours: bedtime from the
//!   local bed start, wake time `bedtime + time in bed` (the report's convention; across a DST
//!   change the wake clock shown is therefore an hour off the wall clock, while the time in bed
//!   is the true elapsed time).
//! - **Not measured stays absent.** A signal the device lacks is `None`. HRV is RMSSD in the
//!   report and in the rule table's norms; an SDNN (Apple) is a different statistic and is not
//!   passed off as RMSSD: the report's HRV is then not measured. Movement is never exported
//!   and is not measured. The sleep score is the vendor's own, where it gives one.
//! - **The person.** Age and sex come from [`PersonContext`] (the command line) or else the
//!   export (Apple's `Me`); the habits are the context's, when given. Everything else about
//!   the person (BMI, chronotype, work schedule, driving, symptoms, questionnaires, complaint
//!   and goal) is not known: [`Persona::not_given`] marks it, the report says "not given" or
//!   "not measured", and the rules that need it do not fire.

use std::path::PathBuf;

use super::evening::Evening;
use super::{Export, HrvKind, ImportError, ImportedNight};
use crate::findings::evaluate;
use crate::persona::{
    AgeGroup, Chronotype, ContextField, ExerciseTiming, Habits, MAX_AGE, MIN_AGE, NOT_GIVEN,
    Persona, Questionnaires, Sex, WorkSchedule,
};
use crate::report::{NightSummary, Report, round_to, summarize_period};

/// What is known about the person beside the export.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PersonContext {
    /// The report's id (it appears in the text the student reads).
    pub id: String,
    /// Age in years; overrides the export's.
    pub age: Option<u32>,
    /// Sex; overrides the export's.
    pub sex: Option<Sex>,
    /// Habits, when the person gave them.
    pub habits: Option<Habits>,
    /// Where the export came from, for errors about a missing or unsupported age or sex
    /// (the export's files).
    pub export_path: PathBuf,
}

/// The report of an imported export for the person in `context`.
///
/// Errors: no age or sex known, or an age outside `MIN_AGE..=MAX_AGE` (the ages whose norms
/// the rule table holds, teenagers 13-17 being the youngest group) → [`ImportError::Person`];
/// an export without nights → [`ImportError::NoNights`].
pub fn build_report(export: &Export, context: &PersonContext) -> Result<Report, ImportError> {
    let persona = persona(export, context)?;
    if export.nights.is_empty() {
        return Err(ImportError::NoNights {
            path: context.export_path.clone(),
            why: super::record::why_empty(export),
        });
    }
    let group = persona.age_group();
    let nights: Vec<NightSummary> = export
        .nights
        .iter()
        .enumerate()
        .map(|(i, n)| night_summary(i as u32, n))
        .collect();
    let period = summarize_period(group, &nights);
    let (findings, red_flags) = evaluate(&persona, &period, &nights);
    Ok(Report {
        id: context.id.clone(),
        persona,
        nights,
        period,
        findings,
        red_flags,
    })
}

/// The person: age and sex known, the rest marked as not given.
fn persona(export: &Export, context: &PersonContext) -> Result<Persona, ImportError> {
    let fail = |field: &'static str, value: String, origin: &str| ImportError::Person {
        field,
        value,
        origin: origin.to_string(),
        expected: match field {
            "age" => format!(
                "an age of {MIN_AGE}-{MAX_AGE} years (the rule table's norms start with {}) was expected",
                AgeGroup::Adolescent.label()
            ),
            _ => "female or male was expected".to_string(),
        },
    };
    let export_origin = format!("the export {}", context.export_path.display());
    let (age, origin) = match (context.age, export.age) {
        (Some(age), _) => (age, "--age".to_string()),
        (None, Some(age)) => (age, export_origin.clone()),
        (None, None) => {
            return Err(fail(
                "age",
                NOT_GIVEN.to_string(),
                &format!("{export_origin} or --age"),
            ));
        }
    };
    if !(MIN_AGE..=MAX_AGE).contains(&age) {
        return Err(fail("age", age.to_string(), &origin));
    }
    let sex = context.sex.or(export.sex).ok_or_else(|| {
        fail(
            "sex",
            NOT_GIVEN.to_string(),
            &format!("{export_origin} or --sex"),
        )
    })?;
    let mut not_given = vec![
        ContextField::Bmi,
        ContextField::Chronotype,
        ContextField::Work,
        ContextField::Driving,
        ContextField::Symptoms,
    ];
    if context.habits.is_none() {
        not_given.push(ContextField::Habits);
    }
    not_given.sort();
    Ok(Persona {
        id: format!("person-{}", context.id),
        age,
        sex,
        // Placeholders nothing reads: `not_given` marks them (see `persona::context`).
        bmi: 0.0,
        chronotype: Chronotype::Intermediate,
        work: WorkSchedule::Flexible,
        drives: false,
        habits: context.habits.clone().unwrap_or_else(no_habits),
        conditions: Vec::new(),
        symptoms: Vec::new(),
        questionnaires: Questionnaires::default(),
        complaint: NOT_GIVEN.to_string(),
        goal: NOT_GIVEN.to_string(),
        not_given,
    })
}

/// The placeholder habits of a person who gave none (marked not given, never read).
pub(super) fn no_habits() -> Habits {
    Habits {
        caffeine_mg_per_day: 0.0,
        last_caffeine_hour: 0.0,
        alcohol_drinks_per_week: 0.0,
        evening_drinks: 0.0,
        exercise_minutes_per_week: 0,
        exercise_timing: ExerciseTiming::None,
        evening_exercise_end_before_bed_min: None,
        evening_screen_minutes: 0,
        naps_per_week: 0,
        nap_minutes: 0,
    }
}

/// One imported night as the report's night `index`, rounded as the report displays it.
pub fn night_summary(index: u32, n: &ImportedNight) -> NightSummary {
    let evening = Evening::of(n);
    let weekday = evening.weekday();
    let time_in_bed = round_to(n.time_in_bed_min, 0);
    // A vendor's total may exceed its time in bed by rounding (at most 1 min, checked on import).
    let total_sleep = round_to(n.total_sleep_min, 0).min(time_in_bed);
    let share = |stage: Option<f32>| {
        stage
            .filter(|_| n.total_sleep_min > 0.0)
            .map(|m| round_to(100.0 * m / n.total_sleep_min, 1))
    };
    let whole = |v: Option<f32>| v.map(|v| round_to(v, 0));
    let tenth = |v: Option<f32>| v.map(|v| round_to(v, 1));
    NightSummary {
        night: index,
        weekday,
        is_weekend: weekday.is_weekend_night(),
        bedtime_h: evening.bedtime_h,
        wake_time_h: evening.bedtime_h + time_in_bed / 60.0,
        time_in_bed_min: time_in_bed,
        total_sleep_min: total_sleep,
        efficiency_pct: round_to(100.0 * total_sleep / time_in_bed, 1),
        onset_latency_min: whole(n.onset_latency_min),
        waso_min: whole(n.waso_min),
        awakenings: n.awakenings,
        light_min: tenth(n.light_min),
        deep_min: tenth(n.deep_min),
        rem_min: tenth(n.rem_min),
        light_pct: share(n.light_min),
        deep_pct: share(n.deep_min),
        rem_pct: share(n.rem_min),
        rem_latency_min: whole(n.rem_latency_min),
        resting_hr: whole(n.resting_hr),
        mean_hr: tenth(n.mean_hr),
        hrv_rmssd_ms: whole(
            n.hrv_ms
                .filter(|(_, kind)| *kind == HrvKind::Rmssd)
                .map(|(v, _)| v),
        ),
        spo2_mean: tenth(n.spo2_mean),
        spo2_nadir: tenth(n.spo2_nadir),
        odi: tenth(n.odi),
        respiratory_rate: tenth(n.respiratory_rate),
        movement_index: None,
        sleep_score: n.sleep_score,
    }
}
