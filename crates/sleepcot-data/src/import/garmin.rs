//! Garmin Health API `sleeps` summaries → nights: an array of summaries, `{"sleeps": [...]}`,
//! or an array of such objects.
//!
//! **Window.** `startTimeInSeconds` is a UTC epoch and `startTimeOffsetInSeconds` the local
//! offset then; Garmin gives no end time, so the night ends time-in-bed after its start, shown
//! in the start's offset (the instants, and so the lengths, are exact across a DST change).
//!
//! **Totals.** `durationInSeconds` is sleep time only (deep + light + REM: awake and
//! unmeasurable time are not in it), so total sleep is `durationInSeconds` (else the three
//! stage fields summed), and time in bed is `durationInSeconds + awakeDurationInSeconds +
//! unmeasurableSleepInSeconds` (an inference from Garmin's published sample rows: Garmin
//! documents no time-in-bed field). Stage minutes are `deepSleepDurationInSeconds`,
//! `lightSleepDurationInSeconds` and `remSleepInSeconds` (no "Duration" in that name).
//!
//! **Hypnogram.** `sleepLevelsMap` (`deep`, `light`, `rem`, `awake`: lists of
//! `{startTimeInSeconds, endTimeInSeconds}`; `unmeasurable` is known but no stage) gives
//! onset latency, WASO, awakenings (wake bouts of 5 minutes or more) and REM latency. Without
//! it, WASO is `awakeDurationInSeconds` (awake time inside Garmin's sleep window) and the rest
//! is `None`. Other level names are skipped, their seconds counted.
//!
//! **Duplicates and naps.** Garmin sends a tentative summary, then a final one, for the same
//! `calendarDate`: per date the summary kept is the last one not marked `*_TENTATIVE` (else the
//! last one), and the others are skipped as superseded. Naps listed in a summary's `naps` are
//! skipped and counted.
//!
//! **Signals.** `timeOffsetSleepSpo2` (offset seconds → %) gives the SpO2 mean and nadir,
//! `timeOffsetSleepRespiration` the mean breathing rate; a reading of 0, a negative one or
//! `null` is "no reading", skipped and counted. The score is `overallSleepScore.value`. The
//! sleep summary holds no heart rate or HRV: those stay `None`.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::{DateTime, FixedOffset, TimeDelta};
use serde::Deserialize;
use serde_json::Value;

use super::hypnogram::{Hypnogram, Stage};
use super::json;
use super::record::{self, Core, Rec, Signal, Unit};
use super::{Export, ImportError, ImportedNight, Vendor};

/// The reason a summary replaced by a later one for the same date is skipped.
const SUPERSEDED: &str = "Garmin summary superseded (same calendarDate)";

/// One `sleeps` summary, with the fields the import reads.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Summary {
    summary_id: Option<Value>,
    calendar_date: Option<String>,
    start_time_in_seconds: Option<f64>,
    start_time_offset_in_seconds: Option<f64>,
    duration_in_seconds: Option<f64>,
    unmeasurable_sleep_in_seconds: Option<f64>,
    deep_sleep_duration_in_seconds: Option<f64>,
    light_sleep_duration_in_seconds: Option<f64>,
    rem_sleep_in_seconds: Option<f64>,
    awake_duration_in_seconds: Option<f64>,
    validation: Option<String>,
    overall_sleep_score: Option<Score>,
    sleep_levels_map: Option<BTreeMap<String, Vec<Interval>>>,
    time_offset_sleep_spo2: Option<BTreeMap<String, Option<f64>>>,
    time_offset_sleep_respiration: Option<BTreeMap<String, Option<f64>>>,
    naps: Option<Vec<Value>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Score {
    value: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Interval {
    start_time_in_seconds: f64,
    end_time_in_seconds: f64,
}

impl Summary {
    /// Final summaries outrank tentative ones.
    fn rank(&self) -> u8 {
        match &self.validation {
            Some(v) if v.contains("TENTATIVE") => 0,
            _ => 1,
        }
    }
}

/// Whether `bytes` look like Garmin `sleeps` summaries: keys only they carry.
pub fn looks_like(bytes: &[u8]) -> bool {
    [
        "deepSleepDurationInSeconds",
        "remSleepInSeconds",
        "unmeasurableSleepInSeconds",
        "sleepLevelsMap",
    ]
    .iter()
    .any(|k| json::has_key(bytes, k))
}

/// Reads Garmin `sleeps` summaries (see the module docs for the rules).
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Export, ImportError> {
    let root = json::read(path, bytes, Vendor::Garmin, looks_like)?;
    let mut summaries = Vec::new();
    for (at, value) in json::records(path, &root, &["sleeps"])? {
        let summary: Summary = json::typed(path, &at, value)?;
        summaries.push((at, summary));
    }
    // Per date, the last summary of the highest rank.
    let mut kept: HashMap<&str, usize> = HashMap::new();
    for (i, (_, s)) in summaries.iter().enumerate() {
        if let Some(date) = s.calendar_date.as_deref() {
            match kept.get(date) {
                Some(&j) if summaries[j].1.rank() > s.rank() => {}
                _ => {
                    kept.insert(date, i);
                }
            }
        }
    }
    let mut export = Export::default();
    for (i, (at, summary)) in summaries.iter().enumerate() {
        if summary
            .calendar_date
            .as_deref()
            .is_some_and(|d| kept[d] != i)
        {
            export.skip(SUPERSEDED);
            continue;
        }
        for _ in summary.naps.iter().flatten() {
            export.skip("Garmin nap");
        }
        let night = night(Rec::new(path, at), summary, &mut export)?;
        export.nights.push(night);
    }
    record::finish(path, export)
}

/// One summary as a night.
fn night(rec: Rec<'_>, s: &Summary, export: &mut Export) -> Result<ImportedNight, ImportError> {
    let start_epoch = rec.require("startTimeInSeconds", s.start_time_in_seconds)?;
    let offset_s = s.start_time_offset_in_seconds.unwrap_or(0.0);
    let offset = FixedOffset::east_opt(offset_s as i32)
        .filter(|_| offset_s.is_finite())
        .ok_or_else(|| {
            rec.bad(
                "startTimeOffsetInSeconds",
                offset_s,
                "an offset within ±24 hours",
            )
        })?;
    let start = DateTime::from_timestamp(start_epoch as i64, 0)
        .filter(|_| start_epoch.is_finite())
        .ok_or_else(|| rec.bad("startTimeInSeconds", start_epoch, "a Unix time in seconds"))?
        .with_timezone(&offset);

    let secs = |name: &str, v: Option<f64>| rec.duration(name, v, Unit::Seconds);
    let deep = secs(
        "deepSleepDurationInSeconds",
        s.deep_sleep_duration_in_seconds,
    )?;
    let light = secs(
        "lightSleepDurationInSeconds",
        s.light_sleep_duration_in_seconds,
    )?;
    let rem = secs("remSleepInSeconds", s.rem_sleep_in_seconds)?;
    let stage_sum = match (deep, light, rem) {
        (Some(d), Some(l), Some(r)) => Some(d + l + r),
        _ => None,
    };
    let asleep = secs("durationInSeconds", s.duration_in_seconds)?.or(stage_sum);
    let asleep = rec.require("durationInSeconds", asleep)?;
    let awake = secs("awakeDurationInSeconds", s.awake_duration_in_seconds)?;
    let unmeasurable = secs(
        "unmeasurableSleepInSeconds",
        s.unmeasurable_sleep_in_seconds,
    )?;
    let in_bed = asleep + awake.unwrap_or(0.0) + unmeasurable.unwrap_or(0.0);
    let end = start + TimeDelta::seconds((f64::from(in_bed) * 60.0).round() as i64);

    let hypnogram = match &s.sleep_levels_map {
        Some(map) => hypnogram(rec, map, start_epoch, export)?.summary(),
        None => None,
    };
    let spo2 = readings(
        rec,
        "timeOffsetSleepSpo2",
        s.time_offset_sleep_spo2.as_ref(),
        Signal::Spo2,
        export,
    )?;
    let breathing = readings(
        rec,
        "timeOffsetSleepRespiration",
        s.time_offset_sleep_respiration.as_ref(),
        Signal::BreathingRate,
        export,
    )?;

    let night = rec.night(Core {
        vendor: Vendor::Garmin,
        record_id: s.summary_id.as_ref().and_then(record::id_string),
        bed_start: start,
        bed_end: end,
        time_in_bed_min: Some(in_bed),
        total_sleep_min: asleep,
    })?;
    Ok(ImportedNight {
        onset_latency_min: hypnogram.map(|h| h.onset_latency_min),
        waso_min: hypnogram.map(|h| h.waso_min).or(awake),
        awakenings: hypnogram.map(|h| h.awakenings),
        light_min: light,
        deep_min: deep,
        rem_min: rem,
        rem_latency_min: hypnogram.and_then(|h| h.rem_latency_min),
        spo2_mean: spo2.map(|r| r.mean),
        spo2_nadir: spo2.map(|r| r.min),
        respiratory_rate: breathing.map(|r| r.mean),
        sleep_score: rec.score(
            "overallSleepScore.value",
            s.overall_sleep_score.as_ref().and_then(|o| o.value),
        )?,
        ..night
    })
}

/// `sleepLevelsMap` painted from the summary's start.
fn hypnogram(
    rec: Rec<'_>,
    map: &BTreeMap<String, Vec<Interval>>,
    start_epoch: f64,
    export: &mut Export,
) -> Result<Hypnogram, ImportError> {
    let mut h = Hypnogram::new();
    for (level, intervals) in map {
        let stage = match level.as_str() {
            "deep" => Some(Stage::Deep),
            "light" => Some(Stage::Light),
            "rem" => Some(Stage::Rem),
            "awake" => Some(Stage::Wake),
            _ => None,
        };
        for (i, interval) in intervals.iter().enumerate() {
            let name = format!("sleepLevelsMap.{level}[{i}]");
            let len = interval.end_time_in_seconds - interval.start_time_in_seconds;
            if !len.is_finite() || len < 0.0 {
                return Err(rec.bad(
                    &format!("{name}.endTimeInSeconds"),
                    interval.end_time_in_seconds,
                    format!(
                        "a time after startTimeInSeconds {}",
                        interval.start_time_in_seconds
                    ),
                ));
            }
            let len = len.round() as i64;
            match stage {
                Some(stage) => {
                    let offset = (interval.start_time_in_seconds - start_epoch).round() as i64;
                    h.mark(offset, len, stage).map_err(|_| {
                        rec.bad(
                            &name,
                            interval.start_time_in_seconds,
                            "an interval within 48 hours of the start",
                        )
                    })?;
                }
                None if level == "unmeasurable" => {}
                None => record::skip_n(
                    export,
                    &format!("Garmin sleepLevelsMap level `{level}` (seconds)"),
                    len as usize,
                ),
            }
        }
    }
    Ok(h)
}

/// The mean and lowest of a map of readings.
#[derive(Debug, Clone, Copy)]
struct Readings {
    mean: f32,
    min: f32,
}

/// A `timeOffset…` map's readings; "no reading" values (0, negative, null) are counted in
/// `export`. `None` when no reading is left.
fn readings(
    rec: Rec<'_>,
    name: &str,
    map: Option<&BTreeMap<String, Option<f64>>>,
    signal: Signal,
    export: &mut Export,
) -> Result<Option<Readings>, ImportError> {
    let mut values = Vec::new();
    for (offset, value) in map.into_iter().flatten() {
        match value {
            Some(v) if *v > 0.0 => {
                if let Some(v) = rec.signal(&format!("{name}.{offset}"), Some(*v), signal)? {
                    values.push(v);
                }
            }
            _ => export.skip(&format!("Garmin {name} reading ≤ 0 or null (no reading)")),
        }
    }
    if values.is_empty() {
        return Ok(None);
    }
    let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / values.len() as f64;
    let min = values.iter().copied().fold(f32::INFINITY, f32::min);
    Ok(Some(Readings {
        mean: mean as f32,
        min,
    }))
}
