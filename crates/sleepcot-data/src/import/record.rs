//! One record on its way to a night: where it sits (for error messages), the value and unit
//! checks every vendor shares, the night built from it, and the export's final order.
//!
//! Value rules, the same for every vendor:
//! - durations must be finite and not negative;
//! - a signal of exactly 0 is the device's "no reading" and becomes `None`; a negative one, or
//!   one above its ceiling, is impossible (`BadValue`);
//! - units: SpO2 at or below 1 is a fraction and is scaled to %; a breathing rate below 1 can
//!   only be per second (one Oura SDK documents `average_breath` so) and is scaled to per
//!   minute. The ceilings apply after that: SpO2 100 %, heart rate 250 bpm, HRV 1000 ms,
//!   breathing 100 per minute;
//! - a night must end after it starts, last at most 24 hours in bed, and hold no more sleep
//!   than time in bed (1 minute of rounding allowed).

use std::fmt::Display;
use std::path::Path;

use chrono::{DateTime, FixedOffset};
use serde_json::Value;

use super::{Export, ImportError, ImportedNight, Vendor};

/// The unit a vendor gives durations in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    /// Milliseconds (WHOOP, Fitbit's `duration`).
    Millis,
    /// Seconds (Oura, Garmin).
    Seconds,
    /// Minutes (Fitbit).
    Minutes,
}

impl Unit {
    fn per_minute(self) -> f64 {
        match self {
            Unit::Millis => 60_000.0,
            Unit::Seconds => 60.0,
            Unit::Minutes => 1.0,
        }
    }
}

/// A physiological signal, with its unit handling and ceiling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    /// Heart rate, bpm.
    HeartRate,
    /// Heart-rate variability, ms.
    Hrv,
    /// Breathing rate, per minute.
    BreathingRate,
    /// Oxygen saturation, %.
    Spo2,
    /// Events per hour (ODI, Oura's breathing disturbance index).
    EventsPerHour,
}

impl Signal {
    /// The value in the unit `ImportedNight` uses.
    fn normalise(self, v: f64) -> f64 {
        match self {
            Signal::Spo2 if v <= 1.0 => v * 100.0,
            Signal::BreathingRate if v < 1.0 => v * 60.0,
            _ => v,
        }
    }

    /// The largest possible value and how the range is named in errors.
    fn ceiling(self) -> (f64, &'static str) {
        match self {
            Signal::HeartRate => (250.0, "a heart rate of 0-250 bpm"),
            Signal::Hrv => (1000.0, "an HRV of 0-1000 ms"),
            Signal::BreathingRate => (100.0, "a breathing rate of 0-100 per minute"),
            Signal::Spo2 => (100.0, "an SpO2 of 0-100 %"),
            Signal::EventsPerHour => (f64::INFINITY, "a rate of 0 or more per hour"),
        }
    }
}

/// The parts of a night every vendor gives; the rest starts as "not measured".
#[derive(Debug, Clone)]
pub(crate) struct Core {
    /// The vendor.
    pub vendor: Vendor,
    /// The vendor's id of the record.
    pub record_id: Option<String>,
    /// Start of the record.
    pub bed_start: DateTime<FixedOffset>,
    /// End of the record.
    pub bed_end: DateTime<FixedOffset>,
    /// The vendor's own time in bed, if it gives one.
    pub time_in_bed_min: Option<f32>,
    /// Total sleep.
    pub total_sleep_min: f32,
}

/// A record being read: the file and the record's JSON path, for error messages.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rec<'a> {
    path: &'a Path,
    at: &'a str,
}

impl<'a> Rec<'a> {
    /// The record at `at` (a JSON path such as `data[3]`) of `path`.
    pub(crate) fn new(path: &'a Path, at: &'a str) -> Self {
        Self { path, at }
    }

    /// The JSON path of one of the record's fields.
    pub(crate) fn field(&self, name: &str) -> String {
        format!("{}.{name}", self.at)
    }

    /// `BadValue` for one of the record's fields.
    pub(crate) fn bad(
        &self,
        name: &str,
        value: impl Display,
        expected: impl Into<String>,
    ) -> ImportError {
        ImportError::BadValue {
            path: self.path.to_path_buf(),
            field: self.field(name),
            value: value.to_string(),
            expected: expected.into(),
        }
    }

    /// `Malformed` at one of the record's fields.
    pub(crate) fn malformed(&self, name: &str, detail: impl Into<String>) -> ImportError {
        ImportError::Malformed {
            path: self.path.to_path_buf(),
            location: self.field(name),
            detail: detail.into(),
        }
    }

    /// A field the night cannot do without.
    pub(crate) fn require<T>(&self, name: &str, value: Option<T>) -> Result<T, ImportError> {
        value.ok_or_else(|| self.malformed(name, "the field is missing or null"))
    }

    /// A duration in minutes.
    pub(crate) fn duration(
        &self,
        name: &str,
        value: Option<f64>,
        unit: Unit,
    ) -> Result<Option<f32>, ImportError> {
        match value {
            None => Ok(None),
            Some(v) if !v.is_finite() || v < 0.0 => {
                Err(self.bad(name, v, "a duration of 0 or more"))
            }
            Some(v) => Ok(Some((v / unit.per_minute()) as f32)),
        }
    }

    /// A signal in `ImportedNight`'s unit; 0 ("no reading") is `None`.
    pub(crate) fn signal(
        &self,
        name: &str,
        value: Option<f64>,
        signal: Signal,
    ) -> Result<Option<f32>, ImportError> {
        let Some(raw) = value else { return Ok(None) };
        let (ceiling, range) = signal.ceiling();
        if !raw.is_finite() || raw < 0.0 {
            return Err(self.bad(name, raw, range));
        }
        if raw == 0.0 {
            return Ok(None);
        }
        let v = signal.normalise(raw);
        if v > ceiling {
            return Err(self.bad(name, raw, range));
        }
        Ok(Some(v as f32))
    }

    /// A vendor's 0-100 score.
    pub(crate) fn score(&self, name: &str, value: Option<f64>) -> Result<Option<u32>, ImportError> {
        match value {
            None => Ok(None),
            Some(v) if !(0.0..=100.0).contains(&v) => Err(self.bad(name, v, "a score of 0-100")),
            Some(v) => Ok(Some(v.round() as u32)),
        }
    }

    /// A count of events.
    pub(crate) fn count(&self, name: &str, value: Option<f64>) -> Result<Option<u32>, ImportError> {
        match value {
            None => Ok(None),
            Some(v) if !v.is_finite() || v < 0.0 || v > f64::from(u32::MAX) => {
                Err(self.bad(name, v, "a count of 0 or more"))
            }
            Some(v) => Ok(Some(v.round() as u32)),
        }
    }

    /// An ISO 8601 time with its UTC offset (`2024-03-30T23:30:00+01:00`, `...Z`).
    pub(crate) fn time(
        &self,
        name: &str,
        text: &str,
    ) -> Result<DateTime<FixedOffset>, ImportError> {
        DateTime::parse_from_rfc3339(text).map_err(|e| {
            self.malformed(
                name,
                format!("\"{text}\" is not an ISO 8601 time with a UTC offset ({e})"),
            )
        })
    }

    /// The night, with every optional signal "not measured", once its window and totals are
    /// possible. Time in bed is the vendor's figure, else the window's length.
    pub(crate) fn night(&self, core: Core) -> Result<ImportedNight, ImportError> {
        let window_min = (core.bed_end - core.bed_start).num_seconds() as f32 / 60.0;
        if window_min <= 0.0 {
            return Err(self.bad(
                "end",
                core.bed_end.to_rfc3339(),
                format!("a time after the start, {}", core.bed_start.to_rfc3339()),
            ));
        }
        let time_in_bed_min = core.time_in_bed_min.unwrap_or(window_min);
        if time_in_bed_min <= 0.0 || time_in_bed_min > 24.0 * 60.0 {
            return Err(self.bad(
                "time in bed",
                format!("{time_in_bed_min} min"),
                "more than 0 and at most 24 hours",
            ));
        }
        if core.total_sleep_min > time_in_bed_min + 1.0 {
            return Err(self.bad(
                "total sleep",
                format!("{} min", core.total_sleep_min),
                format!("at most the {time_in_bed_min} min in bed"),
            ));
        }
        Ok(ImportedNight {
            vendor: core.vendor,
            record_id: core.record_id,
            bed_start: core.bed_start,
            bed_end: core.bed_end,
            time_in_bed_min,
            total_sleep_min: core.total_sleep_min,
            onset_latency_min: None,
            waso_min: None,
            awakenings: None,
            light_min: None,
            deep_min: None,
            rem_min: None,
            rem_latency_min: None,
            resting_hr: None,
            mean_hr: None,
            hrv_ms: None,
            spo2_mean: None,
            spo2_nadir: None,
            odi: None,
            respiratory_rate: None,
            sleep_score: None,
        })
    }
}

/// A vendor's record id (a string, or a number as in Fitbit's `logId`) as text.
pub(crate) fn id_string(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Counts `n` skipped items (seconds, epochs) under one reason.
pub(crate) fn skip_n(export: &mut Export, reason: &str, n: usize) {
    if n > 0 {
        *export.skipped.entry(reason.to_string()).or_default() += n;
    }
}

/// The reason a night is dropped when its window overlaps an earlier night's.
pub(crate) const OVERLAP: &str = "overlapping duplicate night";

/// Puts the nights in time order and drops any night whose window overlaps the one kept
/// before it (a duplicate of the same sleep, from another source or file), counting it.
pub(crate) fn drop_overlaps(export: &mut Export) {
    export.nights.sort_by_key(|n| n.bed_start);
    let mut kept: Vec<ImportedNight> = Vec::with_capacity(export.nights.len());
    for night in std::mem::take(&mut export.nights) {
        match kept.last() {
            Some(last) if night.bed_start < last.bed_end => export.skip(OVERLAP),
            _ => kept.push(night),
        }
    }
    export.nights = kept;
}

/// Why nothing is left, from the skip counts: "every record was skipped (2 × nap, …)".
pub(crate) fn why_empty(export: &Export) -> String {
    if export.skipped.is_empty() {
        "it holds no sleep records".to_string()
    } else {
        let list: Vec<String> = export
            .skipped
            .iter()
            .map(|(reason, n)| format!("{n} × {reason}"))
            .collect();
        format!("every record was skipped ({})", list.join(", "))
    }
}

/// [`drop_overlaps`], then `NoNights` when no night is left.
pub(crate) fn finish(path: &Path, mut export: Export) -> Result<Export, ImportError> {
    drop_overlaps(&mut export);
    if export.nights.is_empty() {
        return Err(ImportError::NoNights {
            path: path.to_path_buf(),
            why: why_empty(&export),
        });
    }
    Ok(export)
}

/// Several files named as one, for errors about all of them ("a.json and b.json").
pub(crate) fn joined(paths: &[&Path]) -> std::path::PathBuf {
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    match names.as_slice() {
        [] => std::path::PathBuf::new(),
        [one] => one.into(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec() -> Rec<'static> {
        Rec::new(Path::new("x.json"), "data[0]")
    }

    #[test]
    fn signals_zero_is_absent_units_are_scaled_and_impossible_values_fail() {
        let r = rec();
        assert_eq!(r.signal("s", Some(0.0), Signal::Spo2).unwrap(), None);
        assert_eq!(r.signal("s", Some(0.96), Signal::Spo2).unwrap(), Some(96.0));
        assert_eq!(r.signal("s", Some(97.5), Signal::Spo2).unwrap(), Some(97.5));
        assert!(r.signal("s", Some(100.5), Signal::Spo2).is_err());
        assert!(r.signal("hr", Some(-3.0), Signal::HeartRate).is_err());
        assert_eq!(
            r.signal("b", Some(0.25), Signal::BreathingRate).unwrap(),
            Some(15.0)
        );
        assert_eq!(
            r.signal("b", Some(15.125), Signal::BreathingRate).unwrap(),
            Some(15.125)
        );
        let e = r
            .signal("s", Some(101.0), Signal::Spo2)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "x.json: data[0].s is 101, but an SpO2 of 0-100 % was expected"
        );
    }

    #[test]
    fn durations_and_scores() {
        let r = rec();
        assert_eq!(
            r.duration("d", Some(900.0), Unit::Seconds).unwrap(),
            Some(15.0)
        );
        assert_eq!(
            r.duration("d", Some(90_000.0), Unit::Millis).unwrap(),
            Some(1.5)
        );
        assert!(r.duration("d", Some(-1.0), Unit::Minutes).is_err());
        assert!(r.score("s", Some(101.0)).is_err());
        assert_eq!(r.count("c", Some(3.0)).unwrap(), Some(3));
    }
}
