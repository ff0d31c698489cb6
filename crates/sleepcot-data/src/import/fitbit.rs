//! Fitbit sleep logs → nights: the Web API sleep v1.2 response (`{"sleep": [...],
//! "summary": {...}}`, also paged or as an array of responses) and Google Takeout's
//! `sleep-YYYY-MM-DD.json` (a bare array of the same log objects), `stages` and `classic`.
//!
//! **Which logs are nights.** Only the main sleep: `isMainSleep` (v1.2) or the older
//! `mainSleep` (Takeout); a log carrying neither flag is taken as a main sleep. Other logs are
//! naps: skipped and counted.
//!
//! **Times.** `startTime`/`endTime` are local wall-clock times with no UTC offset in the data.
//! They are kept as wall-clock times with offset +00:00 (the offset is unknown, not UTC).
//! Durations come from Fitbit's minute fields, so the totals are right even across a DST
//! change, where the wall-clock window is an hour off.
//!
//! **Totals, as Fitbit documents them** (`timeInBed = minutesToFallAsleep + minutesAsleep +
//! minutesAwake + minutesAfterWakeup`; a log breaking this identity by more than 1 minute is
//! `BadValue`): time in bed `timeInBed` (else `duration`, ms), total sleep `minutesAsleep`,
//! onset latency `minutesToFallAsleep`, WASO `minutesAwake` (awake time between falling asleep
//! and the final awakening, by the identity; in classic logs it is awake + restless minutes).
//!
//! **Stages** (`type == "stages"`: levels deep, light, rem, wake in `levels.data`, 30-second
//! resolution). `levels.shortData` holds short wakes (3 minutes or less) inside longer sleep
//! segments; Fitbit counts them as wake in its totals, so they are painted as wake over
//! `levels.data`. Stage minutes are `levels.summary.{light,deep,rem}.minutes` (which already
//! count short wakes as wake), else the painted hypnogram; awakenings (wake bouts of 5 minutes
//! or more, short wakes merging with wake next to them) and REM latency come from the painted
//! hypnogram.
//!
//! **Classic** (`type == "classic"`: asleep, restless, awake, 60-second resolution): no stages,
//! so light, deep and REM minutes and REM latency are `None`; awakenings are Fitbit's own
//! count, `levels.summary.awake.count + levels.summary.restless.count` (as v1's
//! `awakeningsCount` counted them), else `awakeningsCount`.
//!
//! A log without `type` is `stages` when its levels name deep, light or REM, else `classic`.
//! Levels outside the log type's vocabulary (`unknown`, …) are skipped, their seconds counted.
//! Fitbit's sleep log holds no SpO2, HRV, heart rate or breathing rate: those stay `None`.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeDelta};
use serde::Deserialize;
use serde_json::Value;

use super::hypnogram::{Hypnogram, Stage};
use super::json;
use super::record::{self, Core, Rec, Unit};
use super::{Export, ImportError, ImportedNight, Vendor};

/// The reason a log that is not the main sleep is skipped.
const NAP: &str = "Fitbit nap (not the main sleep)";

/// One sleep log, with the fields the import reads.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Log {
    log_id: Option<Value>,
    start_time: Option<String>,
    end_time: Option<String>,
    duration: Option<f64>,
    minutes_to_fall_asleep: Option<f64>,
    minutes_asleep: Option<f64>,
    minutes_awake: Option<f64>,
    minutes_after_wakeup: Option<f64>,
    time_in_bed: Option<f64>,
    is_main_sleep: Option<bool>,
    main_sleep: Option<bool>,
    #[serde(rename = "type")]
    kind: Option<String>,
    levels: Option<Levels>,
    awakenings_count: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Levels {
    data: Vec<Segment>,
    short_data: Vec<Segment>,
    summary: BTreeMap<String, LevelSummary>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Segment {
    date_time: String,
    level: String,
    seconds: f64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LevelSummary {
    count: Option<f64>,
    minutes: Option<f64>,
}

/// The two kinds of sleep log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Stages,
    Classic,
}

impl Kind {
    /// The stage of a level in this kind's vocabulary; `None` for a level outside it.
    /// Classic `restless` is wake, as `minutesAwake` counts it.
    fn stage(self, level: &str) -> Option<Stage> {
        match (self, level) {
            (Kind::Stages, "deep") => Some(Stage::Deep),
            (Kind::Stages, "light") => Some(Stage::Light),
            (Kind::Stages, "rem") => Some(Stage::Rem),
            (Kind::Stages, "wake") => Some(Stage::Wake),
            (Kind::Classic, "asleep") => Some(Stage::Asleep),
            (Kind::Classic, "restless" | "awake") => Some(Stage::Wake),
            _ => None,
        }
    }
}

/// Whether `bytes` look like a Fitbit sleep export: keys only Fitbit's sleep logs carry.
pub fn looks_like(bytes: &[u8]) -> bool {
    ["dateOfSleep", "minutesAsleep", "minutesToFallAsleep"]
        .iter()
        .any(|k| json::has_key(bytes, k))
}

/// Reads a Fitbit sleep export (see the module docs for the layouts and rules).
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Export, ImportError> {
    let root = json::read(path, bytes, Vendor::Fitbit, looks_like)?;
    let mut export = Export::default();
    for (at, value) in json::records(path, &root, &["sleep"])? {
        let log: Log = json::typed(path, &at, value)?;
        if !log.is_main_sleep.or(log.main_sleep).unwrap_or(true) {
            export.skip(NAP);
            continue;
        }
        let rec = Rec::new(path, &at);
        let levels = log.levels.as_ref();
        let kind = match log.kind.as_deref() {
            Some("stages") => Kind::Stages,
            Some("classic") => Kind::Classic,
            Some(other) => {
                export.skip(&format!("Fitbit log type `{other}`"));
                continue;
            }
            None => infer_kind(levels),
        };
        let night = night(rec, &log, kind, &mut export)?;
        export.nights.push(night);
    }
    record::finish(path, export)
}

/// `stages` when the levels name deep, light or REM.
fn infer_kind(levels: Option<&Levels>) -> Kind {
    let staged = |l: &str| matches!(l, "deep" | "light" | "rem");
    match levels {
        Some(l)
            if l.summary.keys().any(|k| staged(k)) || l.data.iter().any(|s| staged(&s.level)) =>
        {
            Kind::Stages
        }
        _ => Kind::Classic,
    }
}

/// A Fitbit time: local wall-clock without offset, kept at +00:00 (an offset, if present, is
/// kept).
fn local_time(rec: Rec<'_>, name: &str, text: &str) -> Result<DateTime<FixedOffset>, ImportError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t);
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .map(|t| t.and_utc().fixed_offset())
        .map_err(|e| {
            rec.malformed(
                name,
                format!("\"{text}\" is not a local time like 2024-05-01T23:00:00.000 ({e})"),
            )
        })
}

/// One main-sleep log as a night.
fn night(
    rec: Rec<'_>,
    log: &Log,
    kind: Kind,
    export: &mut Export,
) -> Result<ImportedNight, ImportError> {
    let minutes = |name: &str, v: Option<f64>| rec.duration(name, v, Unit::Minutes);
    let start = local_time(
        rec,
        "startTime",
        &rec.require("startTime", log.start_time.clone())?,
    )?;
    let time_in_bed = match minutes("timeInBed", log.time_in_bed)? {
        Some(t) => Some(t),
        None => rec.duration("duration", log.duration, Unit::Millis)?,
    };
    let end = match &log.end_time {
        Some(text) => local_time(rec, "endTime", text)?,
        None => {
            let length = rec.require("endTime", time_in_bed)?;
            start + TimeDelta::seconds((f64::from(length) * 60.0).round() as i64)
        }
    };
    let asleep = rec.require(
        "minutesAsleep",
        minutes("minutesAsleep", log.minutes_asleep)?,
    )?;
    let to_fall_asleep = minutes("minutesToFallAsleep", log.minutes_to_fall_asleep)?;
    let awake = minutes("minutesAwake", log.minutes_awake)?;
    let after_wakeup = minutes("minutesAfterWakeup", log.minutes_after_wakeup)?;
    if let (Some(tib), Some(fall), Some(wake), Some(after)) =
        (time_in_bed, to_fall_asleep, awake, after_wakeup)
    {
        let sum = fall + asleep + wake + after;
        if (sum - tib).abs() > 1.0 {
            return Err(rec.bad(
                "timeInBed",
                tib,
                format!(
                    "minutesToFallAsleep + minutesAsleep + minutesAwake + minutesAfterWakeup = {sum}"
                ),
            ));
        }
    }

    let empty = Levels::default();
    let levels = log.levels.as_ref().unwrap_or(&empty);
    let hypnogram = hypnogram(rec, levels, kind, start, export)?.summary();
    let stage = |name: &str, from_hypnogram: Option<f32>| -> Result<Option<f32>, ImportError> {
        if kind == Kind::Classic {
            return Ok(None);
        }
        let given = levels.summary.get(name).and_then(|s| s.minutes);
        Ok(minutes(&format!("levels.summary.{name}.minutes"), given)?.or(from_hypnogram))
    };
    let awakenings = match kind {
        Kind::Stages => hypnogram.map(|h| h.awakenings),
        Kind::Classic => {
            let count = |name: &str| levels.summary.get(name).and_then(|s| s.count);
            match (count("awake"), count("restless")) {
                (None, None) => rec.count("awakeningsCount", log.awakenings_count)?,
                (a, r) => rec.count(
                    "levels.summary.awake.count",
                    Some(a.unwrap_or(0.0) + r.unwrap_or(0.0)),
                )?,
            }
        }
    };

    let night = rec.night(Core {
        vendor: Vendor::Fitbit,
        record_id: log.log_id.as_ref().and_then(record::id_string),
        bed_start: start,
        bed_end: end,
        time_in_bed_min: time_in_bed,
        total_sleep_min: asleep,
    })?;
    Ok(ImportedNight {
        onset_latency_min: to_fall_asleep,
        waso_min: awake,
        awakenings,
        light_min: stage("light", hypnogram.map(|h| h.light_min))?,
        deep_min: stage("deep", hypnogram.map(|h| h.deep_min))?,
        rem_min: stage("rem", hypnogram.map(|h| h.rem_min))?,
        rem_latency_min: match kind {
            Kind::Stages => hypnogram.and_then(|h| h.rem_latency_min),
            Kind::Classic => None,
        },
        ..night
    })
}

/// `levels.data` painted from `startTime`, then `levels.shortData` painted over it as wake.
/// Levels outside the vocabulary are counted (in seconds) in `export`.
fn hypnogram(
    rec: Rec<'_>,
    levels: &Levels,
    kind: Kind,
    start: DateTime<FixedOffset>,
    export: &mut Export,
) -> Result<Hypnogram, ImportError> {
    let mut h = Hypnogram::new();
    let layers = [
        ("levels.data", &levels.data, false),
        ("levels.shortData", &levels.short_data, true),
    ];
    for (list, segments, short) in layers {
        for (i, seg) in segments.iter().enumerate() {
            let name = format!("{list}[{i}]");
            // Checked like every duration (finite, not negative), then kept in seconds.
            rec.duration(&format!("{name}.seconds"), Some(seg.seconds), Unit::Seconds)?;
            let seconds = seg.seconds.round() as i64;
            let stage = match (short, seg.level.as_str()) {
                (true, "wake") => Some(Stage::Wake),
                (true, _) => None,
                (false, level) => kind.stage(level),
            };
            let Some(stage) = stage else {
                let which = if short { "shortData level" } else { "level" };
                record::skip_n(
                    export,
                    &format!("Fitbit {which} `{}` (seconds)", seg.level),
                    seconds as usize,
                );
                continue;
            };
            let at = local_time(rec, &format!("{name}.dateTime"), &seg.date_time)?;
            let offset = (at - start).num_seconds();
            h.mark(offset, seconds, stage).map_err(|_| {
                rec.bad(
                    &name,
                    &seg.date_time,
                    "a segment within 48 hours of startTime",
                )
            })?;
        }
    }
    Ok(h)
}
