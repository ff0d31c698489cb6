//! Streaming an Apple Health `export.xml` of ~300 MB: a generated year of records shaped like a
//! real export (mostly heart rate, steps and energy, with the device attribute Apple writes),
//! sorted by type as Apple writes them, plus a year of sleep from an Apple Watch (stages) and
//! an iPhone (in bed and "asleep"), HRV, SpO2 and breathing rate at night.
//!
//! Prints one timed run first (seconds, MB/s, nights, peak RSS from `/proc/self/status`
//! `VmHWM`), then lets criterion time `parse_reader` over a `BufReader<File>`. The file is
//! read from the page cache (it was just written), so this times the parser, not the disk.

use std::fs::File;
use std::hint::black_box;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Timelike};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sleepcot_data::import::Export;
use sleepcot_data::import::apple::parse_reader;

/// Days of data.
const DAYS: i64 = 366;
/// Seconds between heart-rate samples, steps and energy samples (sized for ~300 MB).
const HEART_RATE_EVERY_S: i64 = 90;
const STEPS_EVERY_S: i64 = 144;
const ENERGY_EVERY_S: i64 = 216;

const WATCH: &str = r#"sourceName="Anna’s Apple Watch" sourceVersion="10.3" device="&lt;&lt;HKDevice: 0x30035c8c0&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch6,2, software:10.3, creation date:2024-01-26 10:11:19 +0000&gt;""#;
const PHONE: &str = r#"sourceName="iPhone" sourceVersion="17.3" device="&lt;&lt;HKDevice: 0x3028e4500&gt;, name:iPhone, manufacturer:Apple Inc., model:iPhone, hardware:iPhone14,5, software:17.3, creation date:2024-01-26 10:11:19 +0000&gt;""#;

/// Writes dates as Apple does, with the Central European offset in force (DST from the last
/// Sunday of March to the last Sunday of October, 2024).
struct Clock {
    start: i64,
}

impl Clock {
    fn offset(&self, t: i64) -> FixedOffset {
        let summer = (1_711_846_800..1_729_990_800).contains(&t);
        FixedOffset::east_opt(if summer { 7200 } else { 3600 }).expect("offset")
    }

    fn date(&self, out: &mut impl Write, t: i64) -> std::io::Result<()> {
        let offset = self.offset(t);
        let d: DateTime<FixedOffset> = DateTime::from_timestamp(t, 0)
            .expect("time")
            .with_timezone(&offset);
        write!(
            out,
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02} +{:02}00",
            d.year(),
            d.month(),
            d.day(),
            d.hour(),
            d.minute(),
            d.second(),
            offset.local_minus_utc() / 3600
        )
    }
}

/// A small xorshift generator for the values.
struct Noise(u64);

impl Noise {
    fn next(&mut self, range: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % range
    }
}

fn record(
    out: &mut impl Write,
    clock: &Clock,
    type_and_source: (&str, &str),
    unit: &str,
    (start, end): (i64, i64),
    value: &str,
) -> std::io::Result<()> {
    let (type_name, source) = type_and_source;
    write!(out, " <Record type=\"{type_name}\" {source}")?;
    if !unit.is_empty() {
        write!(out, " unit=\"{unit}\"")?;
    }
    for (name, t) in [
        ("creationDate", end + 60),
        ("startDate", start),
        ("endDate", end),
    ] {
        write!(out, " {name}=\"")?;
        clock.date(out, t)?;
        write!(out, "\"")?;
    }
    writeln!(out, " value=\"{value}\"/>")
}

/// Every `every_s` seconds of the year, one record of a daytime quantity.
fn series(
    out: &mut impl Write,
    clock: &Clock,
    noise: &mut Noise,
    (type_name, unit): (&str, &str),
    every_s: i64,
    value: impl Fn(&mut Noise) -> String,
) -> std::io::Result<()> {
    let mut t = clock.start;
    while t < clock.start + DAYS * 86_400 {
        let v = value(noise);
        record(out, clock, (type_name, WATCH), unit, (t, t + 60), &v)?;
        t += every_s;
    }
    Ok(())
}

/// One night of Watch stages (90-min cycles), iPhone in bed and "asleep", and the night's
/// HRV, SpO2 and breathing rate.
fn night(out: &mut impl Write, clock: &Clock, noise: &mut Noise, day: i64) -> std::io::Result<()> {
    const SLEEP: &str = "HKCategoryTypeIdentifierSleepAnalysis";
    let bed = clock.start + day * 86_400 + 22 * 3600 + 30 * 60 + noise.next(3600) as i64;
    let in_bed = (bed, bed + 8 * 3600);
    record(
        out,
        clock,
        (SLEEP, PHONE),
        "",
        in_bed,
        "HKCategoryValueSleepAnalysisInBed",
    )?;
    let asleep = (bed + 900, bed + 7 * 3600 + 1800);
    record(
        out,
        clock,
        (SLEEP, PHONE),
        "",
        asleep,
        "HKCategoryValueSleepAnalysisAsleepUnspecified",
    )?;
    let mut t = bed + 600;
    let stages = [
        "AsleepCore",
        "AsleepDeep",
        "AsleepCore",
        "AsleepREM",
        "Awake",
    ];
    while t < bed + 7 * 3600 {
        for stage in stages {
            let length = 300 + noise.next(1500) as i64;
            let value = format!("HKCategoryValueSleepAnalysis{stage}");
            record(out, clock, (SLEEP, WATCH), "", (t, t + length), &value)?;
            t += length;
        }
    }
    for i in 0..15 {
        let at = bed + 1800 + i * 1500;
        let quantity = |name: &str| format!("HKQuantityTypeIdentifier{name}");
        let spo2 = format!("0.{}", 92 + noise.next(7));
        record(
            out,
            clock,
            (&quantity("OxygenSaturation"), WATCH),
            "%",
            (at, at),
            &spo2,
        )?;
        let rr = format!("{}.5", 13 + noise.next(4));
        record(
            out,
            clock,
            (&quantity("RespiratoryRate"), WATCH),
            "count/min",
            (at, at),
            &rr,
        )?;
        if i % 3 == 0 {
            let hrv = (30 + noise.next(40)).to_string();
            let kind = quantity("HeartRateVariabilitySDNN");
            record(out, clock, (&kind, WATCH), "ms", (at, at + 60), &hrv)?;
        }
    }
    Ok(())
}

/// Writes the export; returns its size in bytes.
fn generate(path: &Path) -> std::io::Result<u64> {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let start = NaiveDate::from_ymd_opt(2024, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("date")
        .and_utc()
        .timestamp()
        - 3600;
    let clock = Clock { start };
    let mut noise = Noise(0x9E37_79B9_7F4A_7C15);
    writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    writeln!(
        out,
        "<!DOCTYPE HealthData [\n<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>\n<!ATTLIST HealthData\n  locale CDATA #REQUIRED\n>\n]>"
    )?;
    writeln!(out, "<HealthData locale=\"de_DE\">")?;
    writeln!(out, " <ExportDate value=\"2025-01-01 09:00:00 +0100\"/>")?;
    writeln!(
        out,
        " <Me HKCharacteristicTypeIdentifierDateOfBirth=\"1980-05-17\" HKCharacteristicTypeIdentifierBiologicalSex=\"HKBiologicalSexFemale\"/>"
    )?;
    let hr = ("HKQuantityTypeIdentifierHeartRate", "count/min");
    series(&mut out, &clock, &mut noise, hr, HEART_RATE_EVERY_S, |n| {
        (50 + n.next(70)).to_string()
    })?;
    let steps = ("HKQuantityTypeIdentifierStepCount", "count");
    series(&mut out, &clock, &mut noise, steps, STEPS_EVERY_S, |n| {
        n.next(400).to_string()
    })?;
    let energy = ("HKQuantityTypeIdentifierActiveEnergyBurned", "kcal");
    series(&mut out, &clock, &mut noise, energy, ENERGY_EVERY_S, |n| {
        format!("{}.{}", n.next(20), n.next(1000))
    })?;
    for day in 0..DAYS {
        night(&mut out, &clock, &mut noise, day)?;
    }
    writeln!(out, "</HealthData>")?;
    out.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

fn import(path: &Path) -> Export {
    let file = File::open(path).expect("the generated export");
    parse_reader(path, BufReader::with_capacity(1 << 16, file)).expect("parses")
}

/// Peak resident memory of this process, from `/proc/self/status`.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("export.xml");
    let written = Instant::now();
    let bytes = generate(&path).expect("writes the export");
    let mb = bytes as f64 / 1e6;
    println!(
        "import_apple: generated {mb:.1} MB in {:.1} s; peak RSS so far {:.1} MB",
        written.elapsed().as_secs_f64(),
        peak_rss_mb().unwrap_or(f64::NAN)
    );
    let timed = Instant::now();
    let export = import(&path);
    let seconds = timed.elapsed().as_secs_f64();
    println!(
        "import_apple: one run: {mb:.1} MB in {seconds:.2} s = {:.0} MB/s, {} nights, {} records skipped by reason {:?}; peak RSS (VmHWM) {:.1} MB",
        mb / seconds,
        export.nights.len(),
        export.skipped.values().sum::<usize>(),
        export.skipped,
        peak_rss_mb().unwrap_or(f64::NAN)
    );
    if let Some(n) = export.nights.first() {
        println!(
            "import_apple: first night {}: {:.0} min asleep of {:.0} in bed, mean HR {:?}, SpO2 {:?}, HRV {:?}",
            n.bed_start, n.total_sleep_min, n.time_in_bed_min, n.mean_hr, n.spo2_mean, n.hrv_ms
        );
    }
    let mut group = c.benchmark_group("import_apple");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(40))
        .throughput(Throughput::Bytes(bytes));
    group.bench_function("parse_reader_bufreader_file", |b| {
        b.iter(|| import(black_box(&path)).nights.len())
    });
    group.finish();
    println!(
        "import_apple: peak RSS (VmHWM) after all runs {:.1} MB",
        peak_rss_mb().unwrap_or(f64::NAN)
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
