//! Heart rate, HRV, SpO2 and breathing-rate samples → each night's signals, by the rules in
//! the parent module's documentation.

use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::import::{HrvKind, ImportedNight};

/// The quantity types read from an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Quantity {
    /// Heart rate, count/min.
    HeartRate,
    /// Apple's daily resting heart rate, count/min.
    RestingHeartRate,
    /// HRV as SDNN, ms.
    HrvSdnn,
    /// SpO2 as a fraction, unit "%".
    OxygenSaturation,
    /// Breaths per minute.
    RespiratoryRate,
}

impl Quantity {
    /// Every quantity read.
    const ALL: [Quantity; 5] = [
        Quantity::HeartRate,
        Quantity::RestingHeartRate,
        Quantity::HrvSdnn,
        Quantity::OxygenSaturation,
        Quantity::RespiratoryRate,
    ];

    /// The quantity a record `type` names; `None` for the others.
    pub(super) fn from_type(type_name: &[u8]) -> Option<Quantity> {
        Self::ALL
            .into_iter()
            .find(|q| q.type_name().as_bytes() == type_name)
    }

    /// The record `type`.
    pub(super) fn type_name(self) -> &'static str {
        match self {
            Quantity::HeartRate => "HKQuantityTypeIdentifierHeartRate",
            Quantity::RestingHeartRate => "HKQuantityTypeIdentifierRestingHeartRate",
            Quantity::HrvSdnn => "HKQuantityTypeIdentifierHeartRateVariabilitySDNN",
            Quantity::OxygenSaturation => "HKQuantityTypeIdentifierOxygenSaturation",
            Quantity::RespiratoryRate => "HKQuantityTypeIdentifierRespiratoryRate",
        }
    }

    /// The `unit` attribute Apple writes for it.
    pub(super) fn unit(self) -> &'static str {
        match self {
            Quantity::HeartRate | Quantity::RestingHeartRate | Quantity::RespiratoryRate => {
                "count/min"
            }
            Quantity::HrvSdnn => "ms",
            Quantity::OxygenSaturation => "%",
        }
    }
}

/// A sample: its start (seconds since the epoch) and value.
#[derive(Debug, Clone, Copy)]
struct Point {
    t: i64,
    value: f32,
}

/// The kept samples, sorted by [`Signals::sort`] before use.
#[derive(Debug, Default)]
pub(super) struct Signals {
    heart_rate: Vec<Point>,
    hrv: Vec<Point>,
    /// In %.
    spo2: Vec<Point>,
    respiratory: Vec<Point>,
    /// Apple's resting heart rate by local day.
    resting: Vec<(NaiveDate, f32)>,
    /// SpO2 samples that were percentages already.
    spo2_in_percent: usize,
}

impl Signals {
    /// Keeps one sample; `Err` holds what was expected instead of `value`.
    pub(super) fn add(
        &mut self,
        quantity: Quantity,
        at: DateTime<FixedOffset>,
        value: f32,
    ) -> Result<(), &'static str> {
        if !(value.is_finite() && value > 0.0) {
            return Err("a positive number");
        }
        let point = Point {
            t: at.timestamp(),
            value,
        };
        match quantity {
            Quantity::HeartRate => self.heart_rate.push(point),
            Quantity::RestingHeartRate => self.resting.push((at.date_naive(), value)),
            Quantity::HrvSdnn => self.hrv.push(point),
            Quantity::RespiratoryRate => self.respiratory.push(point),
            Quantity::OxygenSaturation => {
                let value = self.spo2_percent(value)?;
                self.spo2.push(Point { value, ..point });
            }
        }
        Ok(())
    }

    /// An SpO2 value in %: fractions up to 1 are scaled, values up to 100 kept as percentages.
    fn spo2_percent(&mut self, value: f32) -> Result<f32, &'static str> {
        if value <= 1.0 {
            Ok(value * 100.0)
        } else if value <= 100.0 {
            self.spo2_in_percent += 1;
            Ok(value)
        } else {
            Err("a fraction up to 1 (or a percentage up to 100)")
        }
    }

    /// Sorts the samples by time (records come in any order) and logs SpO2 read as %.
    pub(super) fn sort(&mut self) {
        for series in [
            &mut self.heart_rate,
            &mut self.hrv,
            &mut self.spo2,
            &mut self.respiratory,
        ] {
            series.sort_unstable_by_key(|p| p.t);
        }
        self.resting.sort_unstable_by_key(|&(day, _)| day);
        if self.spo2_in_percent > 0 {
            tracing::warn!(
                samples = self.spo2_in_percent,
                "Apple Health SpO2 values above 1 were read as percentages, not fractions"
            );
        }
    }

    /// Fills the night's heart rate, HRV, SpO2 and breathing rate from the samples in it.
    pub(super) fn annotate(&self, night: &mut ImportedNight) {
        let span = (night.bed_start.timestamp(), night.bed_end.timestamp());
        let heart_rate = within(&self.heart_rate, span);
        night.mean_hr = mean(heart_rate);
        night.resting_hr =
            lowest(heart_rate).or_else(|| self.resting_on(night.bed_end.date_naive()));
        night.hrv_ms = mean(within(&self.hrv, span)).map(|ms| (ms, HrvKind::Sdnn));
        let spo2 = within(&self.spo2, span);
        night.spo2_mean = mean(spo2);
        night.spo2_nadir = lowest(spo2);
        night.respiratory_rate = mean(within(&self.respiratory, span));
    }

    /// The lowest resting heart rate Apple gave for `day`.
    fn resting_on(&self, day: NaiveDate) -> Option<f32> {
        let from = self.resting.partition_point(|&(d, _)| d < day);
        let to = self.resting.partition_point(|&(d, _)| d <= day);
        self.resting[from..to]
            .iter()
            .map(|&(_, v)| v)
            .reduce(f32::min)
    }
}

/// The sorted samples starting within `(start, end)`, both ends included.
fn within(points: &[Point], (start, end): (i64, i64)) -> &[Point] {
    let from = points.partition_point(|p| p.t < start);
    let to = points.partition_point(|p| p.t <= end);
    &points[from..to.max(from)]
}

/// The mean value; `None` without samples.
fn mean(points: &[Point]) -> Option<f32> {
    let sum: f64 = points.iter().map(|p| f64::from(p.value)).sum();
    (!points.is_empty()).then(|| (sum / points.len() as f64) as f32)
}

/// The lowest value; `None` without samples.
fn lowest(points: &[Point]) -> Option<f32> {
    points.iter().map(|p| p.value).reduce(f32::min)
}
