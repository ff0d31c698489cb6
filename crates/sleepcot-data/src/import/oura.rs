//! Oura API v2 `sleep` documents, with optional `daily_spo2` documents → nights.
//!
//! **Layouts.** A page `{"data": [...], "next_token": ...}`, an array of pages, a bare array
//! of documents, or an object holding `sleep` and `daily_spo2` (each a page or an array).
//! `sleep` and `daily_spo2` documents may share a page: a document with `bedtime_start` is a
//! sleep, one with `spo2_percentage` or `breathing_disturbance_index` is a daily SpO2; any
//! other document is skipped and counted.
//!
//! **Which documents are nights.** Only `type == "long_sleep"`. The other types (`sleep`,
//! `late_nap`, `rest`, `deleted`) are naps, rests or deleted periods: skipped and counted as
//! "Oura type `…`".
//!
//! **Fields.** Durations are seconds. Time in bed is `time_in_bed` (else the
//! `bedtime_start`→`bedtime_end` window, each with its own UTC offset, so a night across a
//! DST change has its true length); total sleep is `total_sleep_duration` (else the sum of
//! light, deep and REM); stage minutes are `light_sleep_duration`, `deep_sleep_duration`,
//! `rem_sleep_duration`; onset latency is `latency`. Resting HR is `lowest_heart_rate`, mean
//! HR `average_heart_rate`, HRV `average_hrv` (RMSSD, ms), breathing rate `average_breath`
//! (per minute: Oura's examples read 15.125; one SDK docstring says per second, so a value
//! below 1 is taken as per second). Oura's sleep score lives in `daily_sleep`, which is not
//! read: `sleep_score` stays `None`.
//!
//! **Hypnogram.** `sleep_phase_5_min` ('1' deep, '2' light, '3' REM, '4' awake; one character
//! per 5 minutes from `bedtime_start`) gives WASO (awake epochs between the first and the last
//! sleep epoch), awakenings (runs of awake epochs there; at 5-minute resolution every run is
//! at least 5 minutes, so every run counts), REM latency (first sleep epoch to first '3'), and
//! onset latency and stage minutes when the document lacks them. Any other character is an
//! unknown epoch: skipped, counted, and transparent (see `hypnogram`).
//!
//! **SpO2.** A `daily_spo2` document whose `day` equals the sleep's `day` (else the local date
//! of `bedtime_end`) gives `spo2_mean` (`spo2_percentage.average`) and `odi`
//! (`breathing_disturbance_index`). Oura gives no nadir: `spo2_nadir` stays `None`. An SpO2
//! above 100 % (after unit handling) is `BadValue`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::hypnogram::{Hypnogram, Stage};
use super::json;
use super::record::{self, Core, Rec, Signal, Unit};
use super::{Export, HrvKind, ImportError, ImportedNight, Vendor};

/// One `sleep` document, with the fields the import reads.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SleepDoc {
    id: Option<Value>,
    day: Option<String>,
    bedtime_start: Option<String>,
    bedtime_end: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    time_in_bed: Option<f64>,
    total_sleep_duration: Option<f64>,
    light_sleep_duration: Option<f64>,
    deep_sleep_duration: Option<f64>,
    rem_sleep_duration: Option<f64>,
    latency: Option<f64>,
    lowest_heart_rate: Option<f64>,
    average_heart_rate: Option<f64>,
    average_hrv: Option<f64>,
    average_breath: Option<f64>,
    sleep_phase_5_min: Option<String>,
}

/// One `daily_spo2` document.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DailySpo2 {
    day: Option<String>,
    spo2_percentage: Option<Spo2Percentage>,
    breathing_disturbance_index: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Spo2Percentage {
    average: Option<f64>,
}

/// A day's SpO2 mean and breathing disturbance index, validated.
#[derive(Debug, Clone, Copy, Default)]
struct DaySpo2 {
    mean: Option<f32>,
    bdi: Option<f32>,
}

/// The length of one `sleep_phase_5_min` epoch.
const EPOCH_S: i64 = 300;

/// Whether `bytes` look like an Oura export: keys only Oura's `sleep` or `daily_spo2`
/// documents carry.
pub fn looks_like(bytes: &[u8]) -> bool {
    [
        "bedtime_start",
        "total_sleep_duration",
        "sleep_phase_5_min",
        "spo2_percentage",
    ]
    .iter()
    .any(|k| json::has_key(bytes, k))
}

/// Reads an Oura API v2 export (see the module docs for the layouts and rules).
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Export, ImportError> {
    parse_files(&[(path, bytes)])
}

/// Reads several Oura files as one export: `sleep` pages and `daily_spo2` pages may come in
/// separate files (one per endpoint, or one per page), and a night takes the SpO2 of its day
/// whichever file holds it. Each error names the file it comes from; `NoNights` names them all.
pub fn parse_files(files: &[(&Path, &[u8])]) -> Result<Export, ImportError> {
    let mut export = Export::default();
    let mut sleeps = Vec::new();
    let mut spo2 = BTreeMap::new();
    for &(path, bytes) in files {
        let root = json::read(path, bytes, Vendor::Oura, looks_like)?;
        for (at, value) in json::records(path, &root, &["data", "sleep", "daily_spo2"])? {
            let has = |k: &str| value.get(k).is_some();
            if has("bedtime_start") {
                let doc: SleepDoc = json::typed(path, &at, value)?;
                sleeps.push((path, at, doc));
            } else if has("spo2_percentage") || has("breathing_disturbance_index") {
                let doc: DailySpo2 = json::typed(path, &at, value)?;
                let rec = Rec::new(path, &at);
                let day = rec.require("day", doc.day)?;
                let mean = doc.spo2_percentage.and_then(|p| p.average);
                let day_spo2 = DaySpo2 {
                    mean: rec.signal("spo2_percentage.average", mean, Signal::Spo2)?,
                    bdi: rec.signal(
                        "breathing_disturbance_index",
                        doc.breathing_disturbance_index,
                        Signal::EventsPerHour,
                    )?,
                };
                spo2.insert(day, day_spo2);
            } else {
                export.skip("Oura record that is neither `sleep` nor `daily_spo2`");
            }
        }
    }
    for (path, at, doc) in sleeps {
        match doc.kind.as_deref() {
            Some("long_sleep") => {
                let night = night(Rec::new(path, &at), doc, &spo2, &mut export)?;
                export.nights.push(night);
            }
            Some(other) => export.skip(&format!("Oura type `{other}`")),
            None => export.skip("Oura sleep without `type`"),
        }
    }
    let paths: Vec<&Path> = files.iter().map(|(p, _)| *p).collect();
    record::finish(&record::joined(&paths), export)
}

/// One `long_sleep` document as a night.
fn night(
    rec: Rec<'_>,
    doc: SleepDoc,
    spo2: &BTreeMap<String, DaySpo2>,
    export: &mut Export,
) -> Result<ImportedNight, ImportError> {
    let start = rec.time(
        "bedtime_start",
        &rec.require("bedtime_start", doc.bedtime_start)?,
    )?;
    let end = rec.time("bedtime_end", &rec.require("bedtime_end", doc.bedtime_end)?)?;
    let secs = |name: &str, v: Option<f64>| rec.duration(name, v, Unit::Seconds);
    let light = secs("light_sleep_duration", doc.light_sleep_duration)?;
    let deep = secs("deep_sleep_duration", doc.deep_sleep_duration)?;
    let rem = secs("rem_sleep_duration", doc.rem_sleep_duration)?;
    let stage_sum = match (light, deep, rem) {
        (Some(l), Some(d), Some(r)) => Some(l + d + r),
        _ => None,
    };
    let total_sleep = secs("total_sleep_duration", doc.total_sleep_duration)?.or(stage_sum);

    let hypnogram = match &doc.sleep_phase_5_min {
        Some(phases) => hypnogram(rec, phases, export)?,
        None => None,
    };
    let day = doc
        .day
        .unwrap_or_else(|| end.date_naive().format("%Y-%m-%d").to_string());
    let day_spo2 = spo2.get(&day).copied().unwrap_or_default();

    let night = rec.night(Core {
        vendor: Vendor::Oura,
        record_id: doc.id.as_ref().and_then(record::id_string),
        bed_start: start,
        bed_end: end,
        time_in_bed_min: secs("time_in_bed", doc.time_in_bed)?,
        total_sleep_min: rec.require("total_sleep_duration", total_sleep)?,
    })?;
    Ok(ImportedNight {
        onset_latency_min: secs("latency", doc.latency)?.or(hypnogram.map(|h| h.onset_latency_min)),
        waso_min: hypnogram.map(|h| h.waso_min),
        awakenings: hypnogram.map(|h| h.awakenings),
        light_min: light.or(hypnogram.map(|h| h.light_min)),
        deep_min: deep.or(hypnogram.map(|h| h.deep_min)),
        rem_min: rem.or(hypnogram.map(|h| h.rem_min)),
        rem_latency_min: hypnogram.and_then(|h| h.rem_latency_min),
        resting_hr: rec.signal(
            "lowest_heart_rate",
            doc.lowest_heart_rate,
            Signal::HeartRate,
        )?,
        mean_hr: rec.signal(
            "average_heart_rate",
            doc.average_heart_rate,
            Signal::HeartRate,
        )?,
        hrv_ms: rec
            .signal("average_hrv", doc.average_hrv, Signal::Hrv)?
            .map(|v| (v, HrvKind::Rmssd)),
        respiratory_rate: rec.signal(
            "average_breath",
            doc.average_breath,
            Signal::BreathingRate,
        )?,
        spo2_mean: day_spo2.mean,
        odi: day_spo2.bdi,
        ..night
    })
}

/// The `sleep_phase_5_min` string's totals; unknown characters are counted in `export`.
fn hypnogram(
    rec: Rec<'_>,
    phases: &str,
    export: &mut Export,
) -> Result<Option<super::hypnogram::HypnogramSummary>, ImportError> {
    let mut h = Hypnogram::new();
    for (i, c) in phases.chars().enumerate() {
        let stage = match c {
            '1' => Stage::Deep,
            '2' => Stage::Light,
            '3' => Stage::Rem,
            '4' => Stage::Wake,
            other => {
                export.skip(&format!(
                    "Oura sleep_phase_5_min code `{other}` (5-min epochs)"
                ));
                continue;
            }
        };
        h.mark(i as i64 * EPOCH_S, EPOCH_S, stage).map_err(|_| {
            rec.bad(
                "sleep_phase_5_min",
                format!("{} epochs", phases.chars().count()),
                "at most 48 hours of 5-minute epochs",
            )
        })?;
    }
    Ok(h.summary())
}
