//! WHOOP API v2 `sleep` records → nights: a page `{"records": [...], "next_token": ...}`, an
//! array of pages, or a bare array of records.
//!
//! **Which records are nights.** Records with `nap: true` are naps, and records whose
//! `score_state` is `PENDING_SCORE` or `UNSCORABLE` (or any state but `SCORED`) have no score
//! yet or ever: all are skipped and counted. A `SCORED` record without `score` is `Malformed`.
//!
//! **Window.** `start` and `end` are UTC instants; `timezone_offset` (`-05:00`) is the local
//! offset for the record, applied to both ends (WHOOP gives one offset, so across a DST change
//! the end shows the start's offset; the instants, and so the lengths, are exact). Without
//! `timezone_offset` the times stay in UTC.
//!
//! **Totals** (`score.stage_summary`, milliseconds). Time in bed is `total_in_bed_time_milli`;
//! total sleep is light + slow-wave + REM (`total_light_sleep_time_milli +
//! total_slow_wave_sleep_time_milli + total_rem_sleep_time_milli`); awake and no-data time are
//! in bed but not asleep. Stage minutes are those three (slow-wave is deep). Awakenings are
//! WHOOP's own `disturbance_count`.
//!
//! **Not given, so `None`.** WHOOP documents only the total awake time, which includes the
//! time before falling asleep and after the final awakening, and no latency: onset latency,
//! WASO and REM latency stay `None`. Breathing rate is `score.respiratory_rate`; the score is
//! `score.sleep_performance_percentage` (WHOOP's headline 0-100 sleep figure). Heart rate, HRV
//! and SpO2 live in WHOOP's recovery records, not in `sleep`: `None`.

use std::path::Path;

use chrono::FixedOffset;
use serde::Deserialize;
use serde_json::Value;

use super::json;
use super::record::{self, Core, Rec, Signal, Unit};
use super::{Export, ImportError, ImportedNight, Vendor};

/// One `sleep` record, with the fields the import reads.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Sleep {
    id: Option<Value>,
    start: Option<String>,
    end: Option<String>,
    timezone_offset: Option<String>,
    nap: Option<bool>,
    score_state: Option<String>,
    score: Option<Score>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Score {
    stage_summary: Option<StageSummary>,
    respiratory_rate: Option<f64>,
    sleep_performance_percentage: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct StageSummary {
    total_in_bed_time_milli: Option<f64>,
    total_light_sleep_time_milli: Option<f64>,
    total_slow_wave_sleep_time_milli: Option<f64>,
    total_rem_sleep_time_milli: Option<f64>,
    disturbance_count: Option<f64>,
}

/// Whether `bytes` look like WHOOP `sleep` records: `score_state` with `timezone_offset`
/// (sleep and cycle records) and a sleep-only key.
pub fn looks_like(bytes: &[u8]) -> bool {
    json::has_key(bytes, "score_state")
        && json::has_key(bytes, "timezone_offset")
        && (json::has_key(bytes, "nap") || json::has_key(bytes, "stage_summary"))
}

/// Reads WHOOP `sleep` records (see the module docs for the rules).
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Export, ImportError> {
    let root = json::read(path, bytes, Vendor::Whoop, looks_like)?;
    let mut export = Export::default();
    for (at, value) in json::records(path, &root, &["records"])? {
        let sleep: Sleep = json::typed(path, &at, value)?;
        if sleep.nap == Some(true) {
            export.skip("WHOOP nap");
            continue;
        }
        match sleep.score_state.as_deref() {
            Some("SCORED") => {}
            Some(state @ ("PENDING_SCORE" | "UNSCORABLE")) => {
                export.skip(&format!("WHOOP {state}"));
                continue;
            }
            Some(other) => {
                export.skip(&format!("WHOOP score_state `{other}`"));
                continue;
            }
            None => {
                export.skip("WHOOP record without score_state");
                continue;
            }
        }
        let night = night(Rec::new(path, &at), sleep)?;
        export.nights.push(night);
    }
    record::finish(path, export)
}

/// A `±HH:MM` offset (or `Z`).
fn offset(rec: Rec<'_>, text: &str) -> Result<FixedOffset, ImportError> {
    let parsed = if text == "Z" {
        FixedOffset::east_opt(0)
    } else {
        let (sign, rest) = match text.as_bytes().first() {
            Some(b'+') => (1, &text[1..]),
            Some(b'-') => (-1, &text[1..]),
            _ => (0, text),
        };
        let hm = rest
            .split_once(':')
            .and_then(|(h, m)| Some((h.parse::<i32>().ok()?, m.parse::<i32>().ok()?)));
        match hm {
            Some((h, m)) if sign != 0 && (0..60).contains(&m) => {
                FixedOffset::east_opt(sign * (h * 3600 + m * 60))
            }
            _ => None,
        }
    };
    parsed.ok_or_else(|| {
        rec.malformed(
            "timezone_offset",
            format!("\"{text}\" is not an offset like -05:00"),
        )
    })
}

/// One scored record as a night.
fn night(rec: Rec<'_>, sleep: Sleep) -> Result<ImportedNight, ImportError> {
    let tz = match &sleep.timezone_offset {
        Some(text) => offset(rec, text)?,
        None => FixedOffset::east_opt(0).expect("0 is a valid offset"),
    };
    let start = rec
        .time("start", &rec.require("start", sleep.start)?)?
        .with_timezone(&tz);
    let end = rec
        .time("end", &rec.require("end", sleep.end)?)?
        .with_timezone(&tz);
    let score = rec.require("score", sleep.score)?;
    let stages = rec.require("score.stage_summary", score.stage_summary)?;
    let ms = |name: &str, v: Option<f64>| {
        rec.duration(&format!("score.stage_summary.{name}"), v, Unit::Millis)
    };
    let light = ms(
        "total_light_sleep_time_milli",
        stages.total_light_sleep_time_milli,
    )?;
    let deep = ms(
        "total_slow_wave_sleep_time_milli",
        stages.total_slow_wave_sleep_time_milli,
    )?;
    let rem = ms(
        "total_rem_sleep_time_milli",
        stages.total_rem_sleep_time_milli,
    )?;
    let asleep = light.unwrap_or(0.0) + deep.unwrap_or(0.0) + rem.unwrap_or(0.0);

    let night = rec.night(Core {
        vendor: Vendor::Whoop,
        record_id: sleep.id.as_ref().and_then(record::id_string),
        bed_start: start,
        bed_end: end,
        time_in_bed_min: ms("total_in_bed_time_milli", stages.total_in_bed_time_milli)?,
        total_sleep_min: asleep,
    })?;
    Ok(ImportedNight {
        awakenings: rec.count(
            "score.stage_summary.disturbance_count",
            stages.disturbance_count,
        )?,
        light_min: light,
        deep_min: deep,
        rem_min: rem,
        respiratory_rate: rec.signal(
            "score.respiratory_rate",
            score.respiratory_rate,
            Signal::BreathingRate,
        )?,
        sleep_score: rec.score(
            "score.sleep_performance_percentage",
            score.sleep_performance_percentage,
        )?,
        ..night
    })
}
