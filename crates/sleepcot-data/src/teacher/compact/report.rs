//! The compact report: the person, the nights and the averages as `key value` pairs.

use std::fmt::Write as _;

use crate::persona::{ExerciseTiming, Habits, NOT_GIVEN, Persona};
use crate::report::{NightSummary, Report};
use crate::teacher::format::{clock, one_decimal, whole};
use crate::teacher::render::{cell, symptoms_text};

/// `key value`, with [`crate::teacher::render::NOT_MEASURED_CELL`] for a value the device did not record.
fn pair<T>(key: &str, value: Option<T>, show: impl FnOnce(T) -> String) -> String {
    format!("{key} {}", cell(value, show))
}

fn person_lines(p: &Persona, bedtime_h: f32, out: &mut String) {
    let drives = match p.known_drives() {
        Some(true) => "drives",
        Some(false) => "no driving",
        None => "driving not given",
    };
    let work = p
        .known_work()
        .map_or("work schedule not given", |w| w.label());
    let _ = writeln!(out, "Me: {} y, {}, {work}, {drives}.", p.age, p.sex.label());
    match p.known_habits() {
        Some(h) => habits_line(h, bedtime_h, out),
        None => {
            let _ = writeln!(out, "Habits: {NOT_GIVEN}.");
        }
    }
    let q = &p.questionnaires;
    let _ = writeln!(
        out,
        "Symptoms: {}. {}, {}.",
        symptoms_text(p),
        pair("Epworth", q.epworth, |e| e.to_string()),
        pair("ISI", q.insomnia_severity, |i| i.to_string()),
    );
}

fn habits_line(h: &Habits, bedtime_h: f32, out: &mut String) {
    let caffeine = match h.caffeine_gap_min(bedtime_h) {
        Some(gap) => format!(
            "caffeine {} mg/day, last {}, caffeine to bed {}",
            whole(h.caffeine_mg_per_day),
            clock(h.last_caffeine_hour),
            whole(gap)
        ),
        None => "caffeine none".to_string(),
    };
    let alcohol = if h.alcohol_drinks_per_week > 0.0 {
        format!(
            "alcohol {}/week, evening drinks {}",
            one_decimal(h.alcohol_drinks_per_week),
            one_decimal(h.evening_drinks)
        )
    } else {
        "alcohol none".to_string()
    };
    let exercise = match (h.exercise_minutes_per_week, h.exercise_timing) {
        (0, _) | (_, ExerciseTiming::None) => "exercise none".to_string(),
        (m, t) => match h.evening_exercise_end_before_bed_min {
            Some(end) => format!(
                "exercise {m} min/week, {}, exercise to bed {end}",
                t.label()
            ),
            None => format!("exercise {m} min/week, {}", t.label()),
        },
    };
    let naps = if h.naps_per_week > 0 {
        format!("naps {}/week of {}", h.naps_per_week, h.nap_minutes)
    } else {
        "naps none".to_string()
    };
    let _ = writeln!(
        out,
        "Habits: {caffeine}; {alcohol}; {exercise}; screens {}; {naps}.",
        h.evening_screen_minutes
    );
}

/// The keys of a night's values, in the order a night line shows them. They differ from the
/// averages' keys (`slept` against `asleep`), so every key the checklist quotes names exactly one
/// value of the report: a student copies the average by looking up its key, with no night's
/// value behind the same word.
pub const NIGHT_KEYS: [&str; 7] = [
    "slept",
    "eff",
    "onset",
    "awake",
    "REM after",
    "SpO2 min",
    "score",
];

/// One night: the values a per-night rule or question reads (total sleep, the insomnia-pattern
/// inputs, REM latency for sleep-onset REM, the lowest SpO2, the score) under [`NIGHT_KEYS`];
/// the other signals are in the averages.
fn night_line(n: &NightSummary) -> String {
    let [slept, eff, onset, awake, rem_onset, spo2_min, score] = NIGHT_KEYS;
    [
        format!("Night {}:", n.night + 1),
        format!("{slept} {}", whole(n.total_sleep_min)),
        format!("{eff} {}", one_decimal(n.efficiency_pct)),
        pair(onset, n.onset_latency_min, whole),
        pair(awake, n.waso_min, whole),
        pair(rem_onset, n.rem_latency_min, whole),
        pair(spo2_min, n.spo2_nadir, one_decimal),
        pair(score, n.sleep_score, |s| s.to_string()),
    ]
    .join(" ")
}

/// Renders `report` in the compact style: the person and habits, one line per night, then the
/// averages and the schedule. It carries the values the rule table, the red flags and the
/// follow-up questions read (the full report's other columns, such as light sleep, breathing
/// rate or time in bed, are left out). Values have the full report's precision and no units
/// (the key implies the unit); `-` marks a value the device did not record. Like the full
/// report it shows no ground truth. Derived quantities the rules read are shown under the key the
/// checklist quotes (`caffeine to bed`, `exercise to bed`, `social jetlag`), computed from the
/// displayed clock times exactly as the rule does.
pub fn render_compact_report(report: &Report) -> String {
    let mut out = String::with_capacity(1024);
    let p = &report.period;
    let _ = writeln!(out, "Report {}: {} nights.", report.id, report.nights.len());
    person_lines(&report.persona, p.mean_bedtime_h, &mut out);
    for n in &report.nights {
        let _ = writeln!(out, "{}", night_line(n));
    }
    let averages = [
        format!("asleep {}", whole(p.mean_total_sleep_min)),
        format!("efficiency {}", one_decimal(p.mean_efficiency_pct)),
        pair("latency", p.mean_onset_latency_min, whole),
        pair("WASO", p.mean_waso_min, whole),
        pair("awakenings", p.mean_awakenings, one_decimal),
        pair("deep", p.mean_deep_pct, one_decimal),
        pair("REM", p.mean_rem_pct, one_decimal),
        pair("resting HR", p.mean_resting_hr, whole),
        pair("HRV", p.mean_hrv_rmssd_ms, whole),
        pair("SpO2", p.mean_spo2, one_decimal),
        pair("SpO2 low", p.mean_spo2_nadir, one_decimal),
        pair("ODI", p.mean_odi, one_decimal),
        pair("movement", p.mean_movement_index, one_decimal),
    ];
    let _ = writeln!(out, "Averages: {}.", averages.join(", "));
    let schedule = [
        format!("bedtime {}", clock(p.mean_bedtime_h)),
        pair("mid-sleep SD", p.midsleep_sd_min, whole),
        pair("mid-sleep work", p.weekday_midsleep_h, clock),
        pair("mid-sleep weekend", p.weekend_midsleep_h, clock),
        pair("social jetlag", p.social_jetlag_min, whole),
    ];
    let _ = write!(out, "Schedule: {}.", schedule.join(", "));
    out
}
