//! The report as the student (and an LLM teacher) reads it: compact text, no ground truth.
//!
//! [`render_report`] shows the person's self-reported context (age, sex, BMI, chronotype, work
//! schedule, driving, habits, complaint and goal), one table row per night and the period
//! averages. It never shows the findings, red flags, the simulated conditions, or derived
//! counts that would give an answer away (nights below a norm, the worst night). Every number is
//! written with the conventions of [`super::format`], which the teacher uses too, so a quoted
//! number can be checked against this text.

use std::fmt::Write as _;

use super::format::{
    NOT_MEASURED, bpm, clock, hours_minutes, millis, minutes, night_name, one_decimal,
    or_not_measured, per_hour, per_minute, percent, whole,
};
use crate::persona::{ContextField, ExerciseTiming, Habits, NOT_GIVEN, Persona};
use crate::report::{NightSummary, Report, Weekday};

/// Three-letter name of the weekday on which a night's evening falls.
pub fn weekday_short(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "Mon",
        Weekday::Tuesday => "Tue",
        Weekday::Wednesday => "Wed",
        Weekday::Thursday => "Thu",
        Weekday::Friday => "Fri",
        Weekday::Saturday => "Sat",
        Weekday::Sunday => "Sun",
    }
}

/// `show(value)` when the person gave it, else "NAME not given".
fn given<T>(value: Option<T>, field: ContextField, show: impl FnOnce(T) -> String) -> String {
    value.map_or_else(|| format!("{} {NOT_GIVEN}", field.label()), show)
}

/// The reported symptoms as the reports list them: `none`, [`NOT_GIVEN`], or the labels
/// joined by `; `.
pub fn symptoms_text(p: &Persona) -> String {
    match p.known_symptoms() {
        None => NOT_GIVEN.to_string(),
        Some([]) => "none".to_string(),
        Some(symptoms) => symptoms
            .iter()
            .map(|s| s.label())
            .collect::<Vec<_>>()
            .join("; "),
    }
}

fn persona_lines(p: &Persona, out: &mut String) {
    let drives = given(p.known_drives(), ContextField::Driving, |d| {
        let text = if d {
            "drives regularly"
        } else {
            "does not drive regularly"
        };
        text.to_string()
    });
    let bmi = given(p.known_bmi(), ContextField::Bmi, |b| {
        format!("BMI {}", one_decimal(b))
    });
    let chronotype = given(p.known_chronotype(), ContextField::Chronotype, |c| {
        c.label().to_string()
    });
    let work = given(p.known_work(), ContextField::Work, |w| {
        w.label().to_string()
    });
    let _ = writeln!(
        out,
        "About me: {}-year-old {}, {bmi}, {chronotype}, {work}, {drives}.",
        p.age,
        p.sex.label(),
    );
    match p.known_habits() {
        Some(h) => habits_line(h, out),
        None => {
            let _ = writeln!(out, "Habits: {NOT_GIVEN}.");
        }
    }
    let _ = writeln!(out, "Symptoms I have noticed: {}.", symptoms_text(p));
    let q = &p.questionnaires;
    let _ = writeln!(
        out,
        "Questionnaires: Epworth sleepiness scale {}, ISI {}.",
        or_not_measured(q.epworth, |e| format!("{e}/24")),
        or_not_measured(q.insomnia_severity, |i| format!("{i}/28")),
    );
    let _ = writeln!(out, "My complaint: {}", p.complaint);
    let _ = writeln!(out, "My goal: {}", p.goal);
}

/// The habits line of a person who gave their habits.
fn habits_line(h: &Habits, out: &mut String) {
    let caffeine = if h.caffeine_mg_per_day > 0.0 {
        format!(
            "caffeine {} mg/day, last at {}",
            whole(h.caffeine_mg_per_day),
            clock(h.last_caffeine_hour)
        )
    } else {
        "no caffeine".to_string()
    };
    let alcohol = if h.alcohol_drinks_per_week > 0.0 {
        format!(
            "alcohol {} drinks/week, {} in the evening before bed",
            one_decimal(h.alcohol_drinks_per_week),
            one_decimal(h.evening_drinks)
        )
    } else {
        "no alcohol".to_string()
    };
    let exercise = match (h.exercise_minutes_per_week, h.exercise_timing) {
        (0, _) | (_, ExerciseTiming::None) => "no regular exercise".to_string(),
        (m, t) => {
            let when = t.label();
            match h.evening_exercise_end_before_bed_min {
                Some(end) => format!("exercise {m} min/week, {when}, ending {end} min before bed"),
                None => format!("exercise {m} min/week, {when}"),
            }
        }
    };
    let naps = if h.naps_per_week > 0 {
        format!(
            "{} naps/week of {}",
            h.naps_per_week,
            minutes(h.nap_minutes)
        )
    } else {
        "no naps".to_string()
    };
    let _ = writeln!(
        out,
        "Habits: {caffeine}; {alcohol}; {exercise}; screens {} in the 2 h before bed; {naps}.",
        minutes(h.evening_screen_minutes)
    );
}

/// A table cell: the value, or [`NOT_MEASURED_CELL`] when the device did not record it.
pub fn cell<T>(value: Option<T>, show: impl FnOnce(T) -> String) -> String {
    value.map_or_else(|| NOT_MEASURED_CELL.to_string(), show)
}

/// What a nightly-table cell shows for a value that was not measured (the line under the table
/// says so in words).
pub const NOT_MEASURED_CELL: &str = "-";

/// The column header of the nightly table; units are in the header so that cells are bare.
pub const NIGHT_HEADER: &str = "night | day | bed | wake | in bed min | asleep min | efficiency % | latency min | WASO min | awakenings | light % | deep % | REM % | REM latency min | resting HR bpm | HRV ms | SpO2 % | SpO2 low % | ODI /h | breaths /min | movement /h | score";

fn night_row_text(n: &NightSummary) -> String {
    let cells = [
        (n.night + 1).to_string(),
        weekday_short(n.weekday).to_string(),
        clock(n.bedtime_h),
        clock(n.wake_time_h),
        whole(n.time_in_bed_min),
        whole(n.total_sleep_min),
        one_decimal(n.efficiency_pct),
        cell(n.onset_latency_min, whole),
        cell(n.waso_min, whole),
        cell(n.awakenings, |a| a.to_string()),
        cell(n.light_pct, one_decimal),
        cell(n.deep_pct, one_decimal),
        cell(n.rem_pct, one_decimal),
        cell(n.rem_latency_min, whole),
        cell(n.resting_hr, whole),
        cell(n.hrv_rmssd_ms, whole),
        cell(n.spo2_mean, one_decimal),
        cell(n.spo2_nadir, one_decimal),
        cell(n.odi, one_decimal),
        cell(n.respiratory_rate, one_decimal),
        cell(n.movement_index, one_decimal),
        cell(n.sleep_score, |s| s.to_string()),
    ];
    cells.join(" | ")
}

fn night_row(n: &NightSummary, out: &mut String) {
    let _ = writeln!(out, "{}", night_row_text(n));
}

/// Renders `report` as the compact text a student reads. Ground truth is left out (see the
/// module docs); the night column is one-based, as in the teacher's text (`night 1` is the
/// first night).
pub fn render_report(report: &Report) -> String {
    let mut out = String::with_capacity(2048);
    let p = &report.period;
    let _ = writeln!(
        out,
        "Sleep report {} ({} nights, {} to {}).",
        report.id,
        report.nights.len(),
        report
            .nights
            .first()
            .map_or_else(|| "-".to_string(), |n| night_name(n.night)),
        report
            .nights
            .last()
            .map_or_else(|| "-".to_string(), |n| night_name(n.night)),
    );
    persona_lines(&report.persona, &mut out);
    let _ = writeln!(out, "Nights:\n{NIGHT_HEADER}");
    for n in &report.nights {
        night_row(n, &mut out);
    }
    if report.nights.iter().any(|n| {
        night_row_text(n)
            .split(" | ")
            .any(|c| c == NOT_MEASURED_CELL)
    }) {
        let _ = writeln!(out, "({NOT_MEASURED_CELL} = {NOT_MEASURED} by the device)");
    }
    let _ = writeln!(
        out,
        "Averages: in bed {}, asleep {} ({}), efficiency {}, latency {}, WASO {}, awakenings {}, light {}, deep {}, REM {}, REM latency {}, resting HR {}, HRV {}, SpO2 {}, SpO2 low {}, ODI {}, breathing {}, movement {}, score {}.",
        minutes(p.mean_time_in_bed_min),
        minutes(p.mean_total_sleep_min),
        hours_minutes(p.mean_total_sleep_min),
        percent(p.mean_efficiency_pct),
        or_not_measured(p.mean_onset_latency_min, minutes),
        or_not_measured(p.mean_waso_min, minutes),
        or_not_measured(p.mean_awakenings, one_decimal),
        or_not_measured(p.mean_light_pct, percent),
        or_not_measured(p.mean_deep_pct, percent),
        or_not_measured(p.mean_rem_pct, percent),
        or_not_measured(p.mean_rem_latency_min, minutes),
        or_not_measured(p.mean_resting_hr, bpm),
        or_not_measured(p.mean_hrv_rmssd_ms, millis),
        or_not_measured(p.mean_spo2, percent),
        or_not_measured(p.mean_spo2_nadir, percent),
        or_not_measured(p.mean_odi, per_hour),
        or_not_measured(p.mean_respiratory_rate, per_minute),
        or_not_measured(p.mean_movement_index, per_hour),
        or_not_measured(p.mean_sleep_score, whole),
    );
    let _ = writeln!(
        out,
        "Schedule: bedtime {} (SD {}), wake {} (SD {}), mid-sleep SD {}, sleep length SD {}; mid-sleep on work nights {}, on weekend nights {}; work nights asleep {}, weekend nights asleep {}.",
        clock(p.mean_bedtime_h),
        or_not_measured(p.bedtime_sd_min, minutes),
        clock(p.mean_wake_time_h),
        or_not_measured(p.wake_time_sd_min, minutes),
        or_not_measured(p.midsleep_sd_min, minutes),
        or_not_measured(p.total_sleep_sd_min, minutes),
        or_not_measured(p.weekday_midsleep_h, clock),
        or_not_measured(p.weekend_midsleep_h, clock),
        or_not_measured(p.weekday_mean_total_sleep_min, minutes),
        or_not_measured(p.weekend_mean_total_sleep_min, minutes),
    );
    out.trim_end().to_string()
}
