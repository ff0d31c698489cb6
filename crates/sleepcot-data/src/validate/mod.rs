//! Reading and checking reports: impossible values are rejected with a one-sentence error that
//! names the field (with the night index), the value and what was expected.

use std::path::{Path, PathBuf};

use crate::persona::{MAX_AGE, MIN_AGE};
use crate::report::{NightSummary, Report};

/// Tolerance, in minutes, for sums of stage minutes against total sleep.
pub const MINUTES_TOLERANCE: f32 = 1.0;
/// Tolerance, in percentage points, for efficiency against `100 * TST / TIB`.
pub const EFFICIENCY_TOLERANCE: f32 = 0.5;

/// Why a report could not be read or is not plausible.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The file does not exist.
    #[error("report file {path} does not exist")]
    Missing {
        /// The path given.
        path: PathBuf,
    },
    /// The file exists but could not be read.
    #[error("could not read report file {path}: {source}")]
    Io {
        /// The path given.
        path: PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// The file is not a report in JSON.
    #[error("report file {path} is not a valid report at line {line}, column {column}: {message}")]
    Json {
        /// The path given.
        path: PathBuf,
        /// One-based line of the problem.
        line: usize,
        /// One-based column of the problem.
        column: usize,
        /// serde's description.
        message: String,
    },
    /// A value is impossible or inconsistent.
    #[error("report {report}: `{field}` is {value}, but {expected}")]
    Invalid {
        /// Report id.
        report: String,
        /// Field path, e.g. `nights[2].efficiency_pct`.
        field: String,
        /// The offending value.
        value: f64,
        /// What was expected, e.g. "expected a value between 0 and 100".
        expected: String,
    },
}

/// Reads a report from a JSON file and validates it.
pub fn read_report(path: &Path) -> Result<Report, ReportError> {
    let text = std::fs::read_to_string(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            ReportError::Missing {
                path: path.to_path_buf(),
            }
        } else {
            ReportError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    })?;
    let report: Report = serde_json::from_str(&text).map_err(|e| ReportError::Json {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    validate(&report)?;
    Ok(report)
}

struct Checker<'a> {
    report: &'a str,
}

impl Checker<'_> {
    fn fail(&self, field: String, value: f64, expected: impl Into<String>) -> ReportError {
        ReportError::Invalid {
            report: self.report.to_string(),
            field,
            value,
            expected: expected.into(),
        }
    }

    fn range(
        &self,
        field: impl Fn() -> String,
        value: f32,
        lo: f32,
        hi: f32,
    ) -> Result<(), ReportError> {
        if !value.is_finite() || value < lo || value > hi {
            return Err(self.fail(
                field(),
                value as f64,
                format!("expected a value between {lo} and {hi}"),
            ));
        }
        Ok(())
    }

    fn duration(&self, field: impl Fn() -> String, value: f32) -> Result<(), ReportError> {
        if !value.is_finite() || value < 0.0 {
            return Err(self.fail(
                field(),
                value as f64,
                "expected a non-negative duration in minutes",
            ));
        }
        Ok(())
    }
}

fn check_night(c: &Checker, i: usize, n: &NightSummary) -> Result<(), ReportError> {
    let f = |name: &str| {
        let name = name.to_string();
        move || format!("nights[{i}].{name}")
    };
    // A value that was not measured (`None`) has nothing to check.
    let range = |name: &str, v: Option<f32>, lo: f32, hi: f32| match v {
        Some(v) => c.range(f(name), v, lo, hi),
        None => Ok(()),
    };
    c.range(f("bedtime_h"), n.bedtime_h, 12.0, 36.0)?;
    for (name, v) in [
        ("time_in_bed_min", Some(n.time_in_bed_min)),
        ("total_sleep_min", Some(n.total_sleep_min)),
        ("onset_latency_min", n.onset_latency_min),
        ("waso_min", n.waso_min),
        ("light_min", n.light_min),
        ("deep_min", n.deep_min),
        ("rem_min", n.rem_min),
        ("rem_latency_min", n.rem_latency_min),
    ] {
        if let Some(v) = v {
            c.duration(f(name), v)?;
        }
    }
    if n.time_in_bed_min == 0.0 {
        return Err(c.fail(
            f("time_in_bed_min")(),
            0.0,
            "expected a positive time in bed",
        ));
    }
    if n.total_sleep_min > n.time_in_bed_min + MINUTES_TOLERANCE {
        return Err(c.fail(
            f("total_sleep_min")(),
            n.total_sleep_min as f64,
            format!(
                "expected at most the time in bed ({} min)",
                n.time_in_bed_min
            ),
        ));
    }
    let wake = n.bedtime_h + n.time_in_bed_min / 60.0;
    if !n.wake_time_h.is_finite() || (n.wake_time_h - wake).abs() > 0.05 {
        return Err(c.fail(
            f("wake_time_h")(),
            n.wake_time_h as f64,
            format!("expected bedtime plus time in bed ({wake:.2})"),
        ));
    }
    c.range(f("efficiency_pct"), n.efficiency_pct, 0.0, 100.0)?;
    let implied = 100.0 * n.total_sleep_min / n.time_in_bed_min;
    if (n.efficiency_pct - implied).abs() > EFFICIENCY_TOLERANCE {
        return Err(c.fail(
            f("efficiency_pct")(),
            n.efficiency_pct as f64,
            format!("expected 100 * total sleep / time in bed = {implied:.1}"),
        ));
    }
    let stages = [n.light_min, n.deep_min, n.rem_min]
        .into_iter()
        .flatten()
        .sum::<f32>();
    if stages > n.total_sleep_min + MINUTES_TOLERANCE {
        return Err(c.fail(
            f("light_min + deep_min + rem_min")(),
            stages as f64,
            format!(
                "expected at most the total sleep ({} min)",
                n.total_sleep_min
            ),
        ));
    }
    for (name, v) in [
        ("light_pct", n.light_pct),
        ("deep_pct", n.deep_pct),
        ("rem_pct", n.rem_pct),
    ] {
        range(name, v, 0.0, 100.0)?;
    }
    range("resting_hr", n.resting_hr, 20.0, 220.0)?;
    range("mean_hr", n.mean_hr, 20.0, 220.0)?;
    range("hrv_rmssd_ms", n.hrv_rmssd_ms, 0.0, 500.0)?;
    range("spo2_mean", n.spo2_mean, 50.0, 100.0)?;
    range("spo2_nadir", n.spo2_nadir, 30.0, 100.0)?;
    if let (Some(nadir), Some(mean)) = (n.spo2_nadir, n.spo2_mean)
        && nadir > mean
    {
        return Err(c.fail(
            f("spo2_nadir")(),
            nadir as f64,
            format!("expected at most the mean SpO2 ({mean}%)"),
        ));
    }
    for (name, v) in [("odi", n.odi), ("movement_index", n.movement_index)] {
        if let Some(v) = v
            && (!v.is_finite() || v < 0.0)
        {
            return Err(c.fail(f(name)(), v as f64, "expected a non-negative rate per hour"));
        }
    }
    range("respiratory_rate", n.respiratory_rate, 0.0, 60.0)?;
    if let Some(score) = n.sleep_score.filter(|&s| s > 100) {
        return Err(c.fail(
            f("sleep_score")(),
            score as f64,
            "expected a score between 0 and 100",
        ));
    }
    Ok(())
}

/// Checks that a report holds only possible, mutually consistent values.
pub fn validate(report: &Report) -> Result<(), ReportError> {
    let c = Checker { report: &report.id };
    let age = report.persona.age;
    if !(MIN_AGE..=MAX_AGE).contains(&age) {
        return Err(c.fail(
            "persona.age".into(),
            age as f64,
            format!("expected an age between {MIN_AGE} and {MAX_AGE}"),
        ));
    }
    if let Some(bmi) = report.persona.known_bmi() {
        c.range(|| "persona.bmi".into(), bmi, 10.0, 80.0)?;
    }
    if report.nights.is_empty() {
        return Err(c.fail("nights".into(), 0.0, "expected at least one night"));
    }
    for (i, night) in report.nights.iter().enumerate() {
        check_night(&c, i, night)?;
    }
    if report.period.nights as usize != report.nights.len() {
        return Err(c.fail(
            "period.nights".into(),
            report.period.nights as f64,
            format!("expected the number of nights ({})", report.nights.len()),
        ));
    }
    Ok(())
}
