//! The output conventions shared by the report renderer, the teachers and the parser.
//!
//! Numbers are written in exactly one way everywhere (the report the student reads, the
//! teacher's rationale, the gold answers), so a number a student quotes can be checked against
//! the report by simple string or value comparison:
//!
//! | quantity | unit | rounding |
//! |---|---|---|
//! | durations, latencies, WASO | `min` | whole minutes |
//! | sleep time in hours | `h` and `min` | whole minutes (`6 h 57 min`) |
//! | not measured | — | the words `not measured`, never a number |
//! | shares, efficiency, SpO2 | `%` | one decimal |
//! | heart rate | `bpm` | whole |
//! | HRV (RMSSD) | `ms` | whole |
//! | event indices (ODI) | `/h` | one decimal |
//! | respiratory rate | `/min` | one decimal |
//! | clock times | `HH:MM` | whole minutes, 24-hour clock |
//!
//! Rounding is half away from zero (Rust's `f64::round`), applied once at display time.

use crate::findings::FindingKind;

/// Marks the start of the final answer; the parser reads from the last line that begins with it.
pub const ANSWER_MARKER: &str = "Answer:";

/// Begins the line that refers the person to a physician; present exactly when the report has
/// red flags.
pub const REFERRAL_MARKER: &str = "Referral:";

/// The human-readable rounding convention, quoted in the system prompt.
pub const ROUNDING_RULE: &str = "Quote numbers exactly as the report shows them: minutes as whole numbers, hours, percentages, event and breathing rates with one decimal, heart rate in whole bpm, HRV in whole ms, clock times as HH:MM.";

/// The machine-checkable tag that names a finding in text: its label in square brackets.
pub fn tag(kind: FindingKind) -> String {
    format!("[{}]", kind.label())
}

/// Whole minutes: `412 min`.
pub fn minutes(v: impl Into<f64>) -> String {
    let v: f64 = v.into();
    format!("{} min", v.round() as i64)
}

/// Whole minutes shown as hours and minutes: `6 h 57 min` (never rounded to a tenth of an
/// hour, which could put 417 min on the 7 h line).
pub fn hours_minutes(v: impl Into<f64>) -> String {
    let total = v.into().round() as i64;
    let (h, m) = (total.div_euclid(60), total.rem_euclid(60));
    format!("{h} h {m} min")
}

/// What the report shows for a value that was not measured (a weekend average without a
/// weekend night, a signal the device does not record): never a number.
pub const NOT_MEASURED: &str = "not measured";

/// `show(value)` when measured, [`NOT_MEASURED`] otherwise.
pub fn or_not_measured<T>(value: Option<T>, show: impl FnOnce(T) -> String) -> String {
    value.map_or_else(|| NOT_MEASURED.to_string(), show)
}

/// A percentage with one decimal: `86.4 %`.
pub fn percent(v: impl Into<f64>) -> String {
    let v: f64 = v.into();
    format!("{:.1} %", round1(v))
}

/// Heart rate in whole beats per minute: `58 bpm`.
pub fn bpm(v: impl Into<f64>) -> String {
    let v: f64 = v.into();
    format!("{} bpm", v.round() as i64)
}

/// HRV (RMSSD) in whole milliseconds: `42 ms`.
pub fn millis(v: impl Into<f64>) -> String {
    let v: f64 = v.into();
    format!("{} ms", v.round() as i64)
}

/// An hourly event rate with one decimal: `7.3 /h`.
pub fn per_hour(v: impl Into<f64>) -> String {
    let v: f64 = v.into();
    format!("{:.1} /h", round1(v))
}

/// Breaths per minute with one decimal: `15.2 /min`.
pub fn per_minute(v: impl Into<f64>) -> String {
    let v: f64 = v.into();
    format!("{:.1} /min", round1(v))
}

/// A number with one decimal and no unit: `1.4`.
pub fn one_decimal(v: impl Into<f64>) -> String {
    format!("{:.1}", round1(v.into()))
}

/// A whole number and no unit: `398`.
pub fn whole(v: impl Into<f64>) -> String {
    format!("{}", v.into().round() as i64)
}

/// How a night is named in text: one-based, `night 3` for the night with index 2.
pub fn night_name(index: u32) -> String {
    format!("night {}", index + 1)
}

/// A clock time in the report's clock-hour convention (may exceed 24): `23:45`.
pub fn clock(hours: f32) -> String {
    crate::report::clock_label(hours)
}

/// Rounds to one decimal, half away from zero, and turns `-0.0` into `0.0`.
pub fn round1(v: f64) -> f64 {
    let r = (v * 10.0).round() / 10.0;
    if r == 0.0 { 0.0 } else { r }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_the_rounding_convention() {
        assert_eq!(minutes(411.6), "412 min");
        assert_eq!(hours_minutes(417.0), "6 h 57 min");
        assert_eq!(hours_minutes(419.6), "7 h 0 min");
        assert_eq!(or_not_measured(None::<f32>, minutes), "not measured");
        assert_eq!(percent(86.44), "86.4 %");
        assert_eq!(percent(-0.01), "0.0 %");
        assert_eq!(bpm(57.5), "58 bpm");
        assert_eq!(millis(41.2), "41 ms");
        assert_eq!(per_hour(7.25), "7.3 /h");
        assert_eq!(per_minute(15.0), "15.0 /min");
    }

    #[test]
    fn clock_wraps_onto_a_day() {
        assert_eq!(clock(23.75), "23:45");
        assert_eq!(clock(24.5), "00:30");
        assert_eq!(clock(31.0), "07:00");
    }

    #[test]
    fn tags_use_the_stable_label() {
        for kind in FindingKind::ALL {
            assert_eq!(tag(kind), format!("[{}]", kind.label()));
        }
    }
}
