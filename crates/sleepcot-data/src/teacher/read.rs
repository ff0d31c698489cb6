//! Reading a rendered report back: the inverse of [`super::render_report`].
//!
//! A reviewer (the teacher audit, [`crate::audit`]) has only the text a student sees. This
//! module turns that text back into a [`Report`] whose persona, nights and period hold exactly
//! the displayed values, and whose findings and red flags come from the same rule table, so the
//! audit can ask "what does this text imply?" without the simulator's internal state. Fields the
//! text does not show (the simulated conditions, light/deep/REM minutes, the mean heart rate)
//! are left empty or zero; no rule reads them. A value shown as "not measured" reads as absent.

use super::format::NOT_MEASURED;
use super::render::{NIGHT_HEADER, NOT_MEASURED_CELL, weekday_short};
use crate::findings::evaluate;
use crate::persona::{
    Chronotype, ExerciseTiming, Habits, Persona, Questionnaires, Sex, Symptom, WorkSchedule,
};
use crate::quantity::{Unit, quantities};
use crate::report::{
    NightSummary, PeriodSummary, Report, Weekday, minutes_between_clocks, summarize_period,
};

/// Why a text could not be read as a report: the line (one-based) and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("report text line {line}: {message}")]
pub struct ReadError {
    /// One-based line number in the text (0 when a whole section is missing).
    pub line: usize,
    /// What was wrong, naming the expected form.
    pub message: String,
}

fn err(line: usize, message: impl Into<String>) -> ReadError {
    ReadError {
        line,
        message: message.into(),
    }
}

/// The lines of the text with their one-based numbers.
struct Lines<'a> {
    lines: Vec<(usize, &'a str)>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Lines {
            lines: text
                .lines()
                .enumerate()
                .map(|(i, l)| (i + 1, l.trim()))
                .collect(),
        }
    }

    /// The first line starting with `prefix`, without the prefix.
    fn find(&self, prefix: &str) -> Result<(usize, &'a str), ReadError> {
        self.lines
            .iter()
            .find_map(|&(n, l)| l.strip_prefix(prefix).map(|rest| (n, rest.trim())))
            .ok_or_else(|| err(0, format!("no line starts with \"{prefix}\"")))
    }
}

/// A clock `HH:MM` as hours after midnight.
fn clock_hours(text: &str) -> Option<f32> {
    let (h, m) = text.trim().split_once(':')?;
    if m.len() != 2 || h.is_empty() || h.len() > 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h as f32 + m as f32 / 60.0)
}

/// A displayed bedtime in the report's convention: clock times before noon belong to the next
/// morning (bedtimes lie in `[12, 36)`).
fn bedtime_hours(text: &str) -> Option<f32> {
    clock_hours(text).map(|h| if h < 12.0 { h + 24.0 } else { h })
}

fn number(text: &str) -> Option<f32> {
    text.trim().parse::<f32>().ok().filter(|v| v.is_finite())
}

/// The first number in `text` (a plain number, possibly followed by a unit).
fn leading_number(text: &str) -> Option<f32> {
    let t = text.trim();
    let end = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .unwrap_or(t.len());
    number(&t[..end])
}

/// The value of a "label value" item: a number, a clock time, `not measured`, or a duration in
/// minutes (`417 min (6 h 57 min)` reads as 417).
enum Item {
    Value(f32),
    Absent,
}

fn item_value(text: &str) -> Option<Item> {
    let t = text.trim();
    if t.starts_with(NOT_MEASURED) {
        return Some(Item::Absent);
    }
    if let Some(c) = clock_hours(t.split_whitespace().next()?) {
        return Some(Item::Value(c));
    }
    if let Some(q) = quantities(t).first()
        && q.start == 0
    {
        let v = if q.unit == Unit::Hours {
            q.value * 60.0
        } else {
            q.value
        };
        return Some(Item::Value(v as f32));
    }
    leading_number(t).map(Item::Value)
}

/// Splits a summary line into `label → value text` items at ", " and "; ". The value starts
/// at the first word that begins with a digit or at `not measured` (so `SpO2 low 90.1 %` has
/// the label `SpO2 low`).
fn items(body: &str) -> Vec<(String, String)> {
    body.trim_end_matches('.')
        .split([',', ';'])
        .filter_map(|part| {
            let part = part.trim();
            let mut offset = 0;
            for word in part.split(' ') {
                if word.starts_with(|c: char| c.is_ascii_digit())
                    || part[offset..].starts_with(NOT_MEASURED)
                {
                    return Some((
                        part[..offset].trim().to_string(),
                        part[offset..].trim().to_string(),
                    ));
                }
                offset += word.len() + 1;
            }
            None
        })
        .collect()
}

fn persona_from(lines: &Lines<'_>) -> Result<Persona, ReadError> {
    let (n, about) = lines.find("About me:")?;
    let parts: Vec<&str> = about.trim_end_matches('.').split(", ").collect();
    let [age_sex, bmi, chrono, work, drives] = parts[..] else {
        return Err(err(
            n,
            "expected \"N-year-old SEX, BMI X, CHRONOTYPE, SCHEDULE, drives or not\"",
        ));
    };
    let (age, sex) = age_sex
        .split_once("-year-old ")
        .ok_or_else(|| err(n, "expected the age as \"N-year-old\""))?;
    let age: u32 = age
        .parse()
        .map_err(|_| err(n, format!("the age \"{age}\" is not a whole number")))?;
    let sex = Sex::ALL
        .into_iter()
        .find(|s| s.label() == sex)
        .ok_or_else(|| err(n, format!("unknown sex \"{sex}\"")))?;
    let bmi = bmi
        .strip_prefix("BMI ")
        .and_then(number)
        .ok_or_else(|| err(n, "expected \"BMI X\""))?;
    let chronotype = Chronotype::ALL
        .into_iter()
        .find(|c| c.label() == chrono)
        .ok_or_else(|| err(n, format!("unknown chronotype \"{chrono}\"")))?;
    let work = WorkSchedule::ALL
        .into_iter()
        .find(|w| w.label() == work)
        .ok_or_else(|| err(n, format!("unknown schedule \"{work}\"")))?;
    let drives = match drives {
        "drives regularly" => true,
        "does not drive regularly" => false,
        other => {
            return Err(err(
                n,
                format!("expected whether the person drives, got \"{other}\""),
            ));
        }
    };
    let habits = habits_from(lines)?;
    let (n, symptoms_text) = lines.find("Symptoms I have noticed:")?;
    let symptoms_text = symptoms_text.trim_end_matches('.');
    let mut symptoms = Vec::new();
    if symptoms_text != "none" {
        for label in symptoms_text.split("; ") {
            let s = Symptom::from_label(label.trim())
                .ok_or_else(|| err(n, format!("unknown symptom \"{label}\"")))?;
            symptoms.push(s);
        }
    }
    let questionnaires = questionnaires_from(lines)?;
    let complaint = lines.find("My complaint:")?.1.to_string();
    let goal = lines.find("My goal:")?.1.to_string();
    Ok(Persona {
        id: String::new(),
        age,
        sex,
        bmi,
        chronotype,
        work,
        drives,
        habits,
        conditions: Vec::new(),
        symptoms,
        questionnaires,
        complaint,
        goal,
        not_given: Vec::new(),
    })
}

fn questionnaires_from(lines: &Lines<'_>) -> Result<Questionnaires, ReadError> {
    let (n, text) = lines.find("Questionnaires:")?;
    let score = |label: &str, max: &str| -> Result<Option<u32>, ReadError> {
        let rest = text
            .split(", ")
            .find_map(|p| p.trim_end_matches('.').strip_prefix(label))
            .ok_or_else(|| {
                err(
                    n,
                    format!("expected \"{label} N{max}\" or \"not measured\""),
                )
            })?
            .trim();
        if rest == NOT_MEASURED {
            return Ok(None);
        }
        rest.strip_suffix(max)
            .and_then(|v| v.parse().ok())
            .map(Some)
            .ok_or_else(|| err(n, format!("expected \"{label} N{max}\", got \"{rest}\"")))
    };
    Ok(Questionnaires {
        epworth: score("Epworth sleepiness scale ", "/24")?,
        insomnia_severity: score("ISI ", "/28")?,
    })
}

fn habits_from(lines: &Lines<'_>) -> Result<Habits, ReadError> {
    let (n, text) = lines.find("Habits:")?;
    let parts: Vec<&str> = text.trim_end_matches('.').split("; ").collect();
    let [caffeine, alcohol, exercise, screens, naps] = parts[..] else {
        return Err(err(
            n,
            "expected five habits separated by \"; \": caffeine, alcohol, exercise, screens, naps",
        ));
    };
    let bad = |what: &str, got: &str| err(n, format!("could not read the {what} habit \"{got}\""));
    let (caffeine_mg_per_day, last_caffeine_hour) = if caffeine == "no caffeine" {
        (0.0, 0.0)
    } else {
        let (mg, last) = caffeine
            .strip_prefix("caffeine ")
            .and_then(|c| c.split_once(" mg/day, last at "))
            .ok_or_else(|| bad("caffeine", caffeine))?;
        (
            number(mg).ok_or_else(|| bad("caffeine", caffeine))?,
            clock_hours(last).ok_or_else(|| bad("caffeine", caffeine))?,
        )
    };
    let (alcohol_drinks_per_week, evening_drinks) = if alcohol == "no alcohol" {
        (0.0, 0.0)
    } else {
        let (week, evening) = alcohol
            .strip_prefix("alcohol ")
            .and_then(|a| a.split_once(" drinks/week, "))
            .ok_or_else(|| bad("alcohol", alcohol))?;
        (
            number(week).ok_or_else(|| bad("alcohol", alcohol))?,
            leading_number(evening).ok_or_else(|| bad("alcohol", alcohol))?,
        )
    };
    let (exercise_minutes_per_week, exercise_timing, evening_exercise_end_before_bed_min) =
        if exercise == ExerciseTiming::None.label() {
            (0, ExerciseTiming::None, None)
        } else {
            let rest = exercise
                .strip_prefix("exercise ")
                .ok_or_else(|| bad("exercise", exercise))?;
            let fields: Vec<&str> = rest.split(", ").collect();
            let minutes = fields
                .first()
                .and_then(|f| f.strip_suffix(" min/week"))
                .and_then(|m| m.parse().ok())
                .ok_or_else(|| bad("exercise", exercise))?;
            let timing = fields
                .get(1)
                .and_then(|t| ExerciseTiming::ACTIVE.into_iter().find(|x| x.label() == *t))
                .ok_or_else(|| bad("exercise", exercise))?;
            let end = match fields.get(2) {
                Some(f) => Some(
                    f.strip_prefix("ending ")
                        .and_then(|e| e.strip_suffix(" min before bed"))
                        .and_then(|e| e.parse().ok())
                        .ok_or_else(|| bad("exercise", exercise))?,
                ),
                None => None,
            };
            (minutes, timing, end)
        };
    let evening_screen_minutes = screens
        .strip_prefix("screens ")
        .and_then(|s| s.strip_suffix(" min in the 2 h before bed"))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("screen", screens))?;
    let (naps_per_week, nap_minutes) = if naps == "no naps" {
        (0, 0)
    } else {
        naps.split_once(" naps/week of ")
            .and_then(|(n, m)| Some((n.parse().ok()?, m.strip_suffix(" min")?.parse().ok()?)))
            .ok_or_else(|| bad("nap", naps))?
    };
    Ok(Habits {
        caffeine_mg_per_day,
        last_caffeine_hour,
        alcohol_drinks_per_week,
        evening_drinks,
        exercise_minutes_per_week,
        exercise_timing,
        evening_exercise_end_before_bed_min,
        evening_screen_minutes,
        naps_per_week,
        nap_minutes,
    })
}

const WEEKDAYS: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

fn night_from(n: usize, row: &str) -> Result<NightSummary, ReadError> {
    let cells: Vec<&str> = row.split(" | ").map(str::trim).collect();
    let columns = NIGHT_HEADER.split(" | ").count();
    if cells.len() != columns {
        return Err(err(
            n,
            format!("a night row has {} cells, expected {columns}", cells.len()),
        ));
    }
    let num = |i: usize| {
        number(cells[i]).ok_or_else(|| {
            let name = NIGHT_HEADER.split(" | ").nth(i).unwrap_or("?");
            err(
                n,
                format!(
                    "column \"{name}\" holds \"{}\", expected a number",
                    cells[i]
                ),
            )
        })
    };
    // A measured value, or `None` for the not-measured cell.
    let opt = |i: usize| {
        if cells[i] == NOT_MEASURED_CELL {
            Ok(None)
        } else {
            num(i).map(Some)
        }
    };
    let night = num(0)? as u32;
    if night == 0 {
        return Err(err(n, "nights are numbered from 1"));
    }
    let weekday = WEEKDAYS
        .into_iter()
        .find(|d| weekday_short(*d) == cells[1])
        .ok_or_else(|| err(n, format!("unknown day \"{}\"", cells[1])))?;
    let bedtime_h =
        bedtime_hours(cells[2]).ok_or_else(|| err(n, format!("bad bedtime \"{}\"", cells[2])))?;
    let time_in_bed_min = num(4)?;
    Ok(NightSummary {
        night: night - 1,
        weekday,
        is_weekend: weekday.is_weekend_night(),
        bedtime_h,
        wake_time_h: bedtime_h + time_in_bed_min / 60.0,
        time_in_bed_min,
        total_sleep_min: num(5)?,
        efficiency_pct: num(6)?,
        onset_latency_min: opt(7)?,
        waso_min: opt(8)?,
        awakenings: opt(9)?.map(|a| a as u32),
        light_min: None,
        deep_min: None,
        rem_min: None,
        light_pct: opt(10)?,
        deep_pct: opt(11)?,
        rem_pct: opt(12)?,
        rem_latency_min: opt(13)?,
        resting_hr: opt(14)?,
        mean_hr: None,
        hrv_rmssd_ms: opt(15)?,
        spo2_mean: opt(16)?,
        spo2_nadir: opt(17)?,
        odi: opt(18)?,
        respiratory_rate: opt(19)?,
        movement_index: opt(20)?,
        sleep_score: opt(21)?.map(|s| s as u32),
    })
}

fn nights_from(lines: &Lines<'_>) -> Result<Vec<NightSummary>, ReadError> {
    let header = lines
        .lines
        .iter()
        .position(|(_, l)| *l == NIGHT_HEADER)
        .ok_or_else(|| err(0, "the nightly table header is missing"))?;
    lines.lines[header + 1..]
        .iter()
        .take_while(|(_, l)| l.contains(" | "))
        .map(|&(n, l)| night_from(n, l))
        .collect()
}

/// The displayed values of the "Averages:" and "Schedule:" lines, by label.
struct Shown {
    line: usize,
    items: Vec<(String, String)>,
}

impl Shown {
    fn get(&self, label: &str) -> Result<Option<f32>, ReadError> {
        let (_, text) = self
            .items
            .iter()
            .find(|(l, _)| l == label)
            .ok_or_else(|| err(self.line, format!("the value \"{label}\" is missing")))?;
        match item_value(text) {
            Some(Item::Value(v)) => Ok(Some(v)),
            Some(Item::Absent) => Ok(None),
            None => Err(err(self.line, format!("\"{label} {text}\" is not a value"))),
        }
    }

    /// A value every report has (time in bed, sleep, efficiency).
    fn value(&self, label: &str) -> Result<f32, ReadError> {
        self.get(label)?.ok_or_else(|| {
            err(
                self.line,
                format!("\"{label}\" is not measured, but every report has it"),
            )
        })
    }
}

fn period_from(
    lines: &Lines<'_>,
    persona: &Persona,
    nights: &[NightSummary],
) -> Result<PeriodSummary, ReadError> {
    let (a_line, averages) = lines.find("Averages:")?;
    let (s_line, schedule) = lines.find("Schedule:")?;
    let avg = Shown {
        line: a_line,
        items: items(averages),
    };
    let sched = Shown {
        line: s_line,
        items: items(schedule),
    };
    // Counts and extremes a reader derives from the table; means as displayed.
    let mut period = summarize_period(persona.age_group(), nights);
    period.mean_time_in_bed_min = avg.value("in bed")?;
    period.mean_total_sleep_min = avg.value("asleep")?;
    period.mean_efficiency_pct = avg.value("efficiency")?;
    period.mean_onset_latency_min = avg.get("latency")?;
    period.mean_waso_min = avg.get("WASO")?;
    period.mean_awakenings = avg.get("awakenings")?;
    period.mean_light_pct = avg.get("light")?;
    period.mean_deep_pct = avg.get("deep")?;
    period.mean_rem_pct = avg.get("REM")?;
    period.mean_rem_latency_min = avg.get("REM latency")?;
    period.mean_resting_hr = avg.get("resting HR")?;
    period.mean_hrv_rmssd_ms = avg.get("HRV")?;
    period.mean_spo2 = avg.get("SpO2")?;
    period.mean_spo2_nadir = avg.get("SpO2 low")?;
    period.mean_odi = avg.get("ODI")?;
    period.mean_respiratory_rate = avg.get("breathing")?;
    period.mean_movement_index = avg.get("movement")?;
    period.mean_sleep_score = avg.get("score")?;
    let bedtime = sched
        .items
        .iter()
        .find(|(l, _)| l == "bedtime")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    let (bed_clock, bed_sd) = bedtime
        .trim_end_matches(')')
        .split_once(" (SD ")
        .ok_or_else(|| err(s_line, "expected \"bedtime HH:MM (SD N min)\""))?;
    period.mean_bedtime_h =
        bedtime_hours(bed_clock).ok_or_else(|| err(s_line, "expected \"bedtime HH:MM\""))?;
    period.bedtime_sd_min = match item_value(bed_sd) {
        Some(Item::Value(v)) => Some(v),
        Some(Item::Absent) => None,
        None => return Err(err(s_line, "expected the bedtime SD in minutes")),
    };
    period.midsleep_sd_min = sched.get("mid-sleep SD")?;
    period.total_sleep_sd_min = sched.get("sleep length SD")?;
    period.weekday_midsleep_h = sched.get("mid-sleep on work nights")?;
    period.weekend_midsleep_h = sched.get("on weekend nights")?;
    period.social_jetlag_min = period
        .weekday_midsleep_h
        .zip(period.weekend_midsleep_h)
        .map(|(work, free)| minutes_between_clocks(work, free) as f32);
    period.weekday_mean_total_sleep_min = sched.get("work nights asleep")?;
    period.weekend_mean_total_sleep_min = sched.get("weekend nights asleep")?;
    Ok(period)
}

/// Reads a report rendered by [`super::render_report`] (possibly followed by a request or a
/// question) back into a [`Report`] with the displayed values, and evaluates the rule table on
/// them: the findings and red flags the text implies.
pub fn read_report(text: &str) -> Result<Report, ReadError> {
    let lines = Lines::new(text);
    let (n, head) = lines.find("Sleep report ")?;
    let id = head
        .split_whitespace()
        .next()
        .ok_or_else(|| err(n, "expected \"Sleep report ID (N nights, …)\""))?
        .to_string();
    let persona = persona_from(&lines)?;
    let nights = nights_from(&lines)?;
    if nights.is_empty() {
        return Err(err(0, "the nightly table has no rows"));
    }
    let period = period_from(&lines, &persona, &nights)?;
    let (findings, red_flags) = evaluate(&persona, &period, &nights);
    Ok(Report {
        id,
        persona,
        nights,
        period,
        findings,
        red_flags,
    })
}
