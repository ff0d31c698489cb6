//! A person's own wearable export → nights, one module per vendor behind one interface.
//!
//! Each vendor module turns its export format into [`ImportedNight`]s: one main sleep period
//! each, with the totals the vendor documents and every signal the device did not measure left
//! as `None` ("not measured", never 0). Records an export legitimately holds but that are not a
//! night (naps, unscored or pending records, unknown stage codes) are skipped and counted in
//! [`Export::skipped`] with the reason, so the import goes on and the summary names them.
//!
//! | module | format |
//! |---|---|
//! | `oura` | Oura API v2 `sleep` pages (`{"data": [...], "next_token"}`), plus `daily_spo2` |
//! | `fitbit` | Fitbit Web API sleep v1.2 (`{"sleep": [...], "summary"}`) and Google Takeout `sleep-*.json` (a bare array), `stages` and `classic` logs |
//! | `apple` | Apple Health `export.xml`, streamed |
//! | `garmin` | Garmin `sleeps` summaries |
//! | `whoop` | WHOOP API v2 `sleep` records |
//!
//! [`detect`] tells the vendor from the file's first bytes (`--from auto`) and [`import`]
//! dispatches to the JSON importers. Apple Health (`export.xml`) is detected but not
//! dispatched by [`import`]: its importer is a module of its own, and the caller routes the
//! file there.
//!
//! The JSON importers share their plumbing: `json` (sniffing, the vendor and truncation
//! checks, records however the export is paged), `record` (value and unit checks, building
//! a night, the final order and `NoNights`) and `hypnogram` (WASO, awakenings, REM latency
//! from stages on a one-second grid).

mod evening;
mod files;
pub mod fitbit;
pub mod garmin;
mod habits;
mod hypnogram;
mod json;
pub mod oura;
mod range;
mod record;
mod report;
pub mod whoop;

pub mod apple;

pub use evening::Evening;
pub use files::import_files;
pub use habits::read_habits;
pub use range::DateRange;
pub use report::{PersonContext, build_report, night_summary};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// The wearable vendors whose exports can be imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Vendor {
    /// Oura ring (API v2).
    Oura,
    /// Fitbit (Web API v1.2 or Google Takeout).
    Fitbit,
    /// Apple Health (`export.xml`).
    Apple,
    /// Garmin (Health API `sleeps`).
    Garmin,
    /// WHOOP (API v2 `sleep`).
    Whoop,
}

impl Vendor {
    /// Every vendor, in a fixed order.
    pub const ALL: [Vendor; 5] = [
        Vendor::Oura,
        Vendor::Fitbit,
        Vendor::Apple,
        Vendor::Garmin,
        Vendor::Whoop,
    ];

    /// The lower-case name used on the command line (`--from oura`).
    pub fn name(self) -> &'static str {
        match self {
            Vendor::Oura => "oura",
            Vendor::Fitbit => "fitbit",
            Vendor::Apple => "apple",
            Vendor::Garmin => "garmin",
            Vendor::Whoop => "whoop",
        }
    }
}

/// Which heart-rate-variability statistic a device reports; they are not interchangeable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HrvKind {
    /// Root mean square of successive differences (Oura, Fitbit, WHOOP, Garmin).
    Rmssd,
    /// Standard deviation of NN intervals (Apple's `HeartRateVariabilitySDNN`).
    Sdnn,
}

/// One main sleep period as a device exported it. Durations are minutes, rates per minute or
/// per hour as named; `None` means the device did not measure it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportedNight {
    /// Which vendor's export it came from.
    pub vendor: Vendor,
    /// The vendor's id of the record, when it has one.
    pub record_id: Option<String>,
    /// When the person went to bed (lights out, or the start of the record), with the UTC
    /// offset in force at that moment.
    pub bed_start: DateTime<FixedOffset>,
    /// When the person got up (the end of the record), with its UTC offset (which differs
    /// from `bed_start`'s across a DST change).
    pub bed_end: DateTime<FixedOffset>,
    /// Minutes in bed: the vendor's own figure when it gives one, else `bed_end - bed_start`.
    pub time_in_bed_min: f32,
    /// Minutes asleep.
    pub total_sleep_min: f32,
    /// Minutes from going to bed to falling asleep.
    pub onset_latency_min: Option<f32>,
    /// Minutes awake between falling asleep and the final awakening.
    pub waso_min: Option<f32>,
    /// Awakenings (wake bouts of 5 minutes or more where the vendor gives stages; the
    /// vendor's own count otherwise).
    pub awakenings: Option<u32>,
    /// Minutes of light sleep (N1 + N2; Apple's "core").
    pub light_min: Option<f32>,
    /// Minutes of deep sleep (N3).
    pub deep_min: Option<f32>,
    /// Minutes of REM sleep.
    pub rem_min: Option<f32>,
    /// Minutes from falling asleep to the first REM.
    pub rem_latency_min: Option<f32>,
    /// Lowest (resting) heart rate during sleep, bpm.
    pub resting_hr: Option<f32>,
    /// Mean heart rate during sleep, bpm.
    pub mean_hr: Option<f32>,
    /// Heart-rate variability during sleep, ms, and which statistic it is.
    pub hrv_ms: Option<(f32, HrvKind)>,
    /// Mean SpO2 during sleep, %.
    pub spo2_mean: Option<f32>,
    /// Lowest SpO2 during sleep, %.
    pub spo2_nadir: Option<f32>,
    /// Oxygen desaturation (or breathing disturbance) events per hour.
    pub odi: Option<f32>,
    /// Mean breathing rate during sleep, per minute.
    pub respiratory_rate: Option<f32>,
    /// The vendor's sleep score, 0-100.
    pub sleep_score: Option<u32>,
}

/// What one export file yielded.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Export {
    /// The main sleep periods, in time order.
    pub nights: Vec<ImportedNight>,
    /// Records skipped as the vendor documents them (naps, unscored, pending, unknown stage
    /// codes, overlapping duplicates), counted by reason.
    pub skipped: BTreeMap<String, usize>,
    /// Age in years, where the export states it (Apple's date of birth).
    pub age: Option<u32>,
    /// Biological sex, where the export states it.
    pub sex: Option<crate::persona::Sex>,
}

impl Export {
    /// Counts one skipped record under `reason`.
    pub fn skip(&mut self, reason: &str) {
        *self.skipped.entry(reason.to_string()).or_default() += 1;
    }
}

/// Why an export could not be imported: one sentence naming the file and the field or line.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read.
    #[error("could not read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is another vendor's export (or not an export at all).
    #[error("{path} is not a {expected} export: it looks like {looks_like}")]
    WrongVendor {
        /// The file.
        path: PathBuf,
        /// The vendor asked for.
        expected: &'static str,
        /// What the file looks like instead.
        looks_like: String,
    },
    /// The file ends in the middle of a record (JSON or XML cut off).
    #[error("{path} is truncated or malformed at {location}: {detail}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// Line (and column) or JSON path where reading stopped.
        location: String,
        /// What the reader expected.
        detail: String,
    },
    /// A value is impossible after unit handling (SpO2 above 100 %, a negative duration).
    #[error("{path}: {field} is {value}, but {expected} was expected")]
    BadValue {
        /// The file.
        path: PathBuf,
        /// The field (and record) holding it.
        field: String,
        /// The value as read.
        value: String,
        /// The allowed range or form.
        expected: String,
    },
    /// Nothing is left to report after skipping naps, unscored records and the date range.
    #[error("{path} has no night to report: {why}")]
    NoNights {
        /// The file.
        path: PathBuf,
        /// What was found instead (e.g. "3 naps and 1 unscored record").
        why: String,
    },
    /// The person's age or sex is missing, or the age has no norms in the rule table.
    #[error("{origin}: the person's {field} is {value}, but {expected}")]
    Person {
        /// `age` or `sex`.
        field: &'static str,
        /// The value, or "not given".
        value: String,
        /// Where it came from (`--age`, the export) or could have come from.
        origin: String,
        /// What was expected (for the age: the supported range).
        expected: String,
    },
    /// A habits file (`--habits`) that is not the `Habits` struct in TOML or JSON.
    #[error("the habits file {path} {detail}")]
    Habits {
        /// The file.
        path: PathBuf,
        /// What is wrong, naming the field.
        detail: String,
    },
    /// `--from-date` lies after `--to-date`.
    #[error("--from-date {from} is after --to-date {to}, so the date range is empty")]
    EmptyRange {
        /// The first evening asked for.
        from: chrono::NaiveDate,
        /// The last evening asked for.
        to: chrono::NaiveDate,
    },
}

/// Which vendor's export `bytes` look like, from a cheap sniff of the first megabyte (the
/// `--from auto` detection); `None` when it is none of them.
///
/// An XML file whose root element is `<HealthData` is [`Vendor::Apple`]; the JSON vendors are
/// told apart by field names only their sleep records carry.
pub fn detect(bytes: &[u8]) -> Option<Vendor> {
    Vendor::ALL.into_iter().find(|&v| looks_like(v, bytes))
}

/// Whether `bytes` look like `vendor`'s export.
fn looks_like(vendor: Vendor, bytes: &[u8]) -> bool {
    match vendor {
        Vendor::Oura => oura::looks_like(bytes),
        Vendor::Fitbit => fitbit::looks_like(bytes),
        Vendor::Garmin => garmin::looks_like(bytes),
        Vendor::Whoop => whoop::looks_like(bytes),
        Vendor::Apple => apple::looks_like(bytes),
    }
}

/// Imports one export file of `vendor` (`--from oura`), or of the vendor [`detect`] finds
/// when `vendor` is `None` (`--from auto`).
///
/// A large Apple Health `export.xml` is better streamed from its file with
/// [`apple::parse_reader`]; here it is read from `bytes` like the others.
pub fn import(path: &Path, bytes: &[u8], vendor: Option<Vendor>) -> Result<Export, ImportError> {
    let vendor = match vendor {
        Some(vendor) => vendor,
        None => detect(bytes).ok_or_else(|| ImportError::WrongVendor {
            path: path.to_path_buf(),
            expected: "wearable",
            looks_like: json::describe(bytes),
        })?,
    };
    match vendor {
        Vendor::Oura => oura::parse(path, bytes),
        Vendor::Fitbit => fitbit::parse(path, bytes),
        Vendor::Garmin => garmin::parse(path, bytes),
        Vendor::Whoop => whoop::parse(path, bytes),
        Vendor::Apple => apple::parse(path, bytes),
    }
}
