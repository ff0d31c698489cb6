//! The Apple Health import against a hand-written `export.xml` (expected totals worked out by
//! hand below) and against broken or foreign files.

use std::io::BufReader;
use std::path::Path;

use chrono::{DateTime, FixedOffset};

use super::night::{SKIP_IN_BED_ONLY, SKIP_NAP, SKIP_OTHER_SOURCE};
use super::{
    DATE_FORMAT, SKIP_OTHER_UNIT, SKIP_UNKNOWN_VALUE, SKIP_UNUSED_TYPE, SKIP_ZERO_LENGTH,
    looks_like, parse, parse_reader,
};

use crate::import::{Export, HrvKind, ImportError, ImportedNight};
use crate::persona::Sex;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/import/apple/export.xml"
);

fn fixture() -> Vec<u8> {
    std::fs::read(FIXTURE).expect("the fixture is readable")
}

fn parse_fixture() -> Export {
    parse(Path::new(FIXTURE), &fixture()).expect("the fixture parses")
}

fn at(date: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_str(date, DATE_FORMAT).expect("a test date")
}

#[track_caller]
fn assert_close(what: &str, actual: Option<f32>, expected: f32) {
    let actual = actual.unwrap_or_else(|| panic!("{what} is None, expected {expected}"));
    assert!(
        (actual - expected).abs() < 1e-3,
        "{what}: {actual} != {expected}"
    );
}

/// Sleep totals of one night, minutes.
struct Expected {
    bed: (&'static str, &'static str),
    time_in_bed: f32,
    total_sleep: f32,
    latency: f32,
    waso: f32,
    awakenings: u32,
    stages: Option<[f32; 3]>,
    rem_latency: Option<f32>,
}

#[track_caller]
fn assert_night(night: &ImportedNight, e: &Expected) {
    assert_eq!(night.bed_start, at(e.bed.0));
    assert_eq!(night.bed_end, at(e.bed.1));
    // DateTime equality compares instants: check the offsets too.
    assert_eq!(night.bed_start.offset(), at(e.bed.0).offset());
    assert_eq!(night.bed_end.offset(), at(e.bed.1).offset());
    assert_close("time in bed", Some(night.time_in_bed_min), e.time_in_bed);
    assert_close("total sleep", Some(night.total_sleep_min), e.total_sleep);
    assert_close("latency", night.onset_latency_min, e.latency);
    assert_close("WASO", night.waso_min, e.waso);
    assert_eq!(night.awakenings, Some(e.awakenings));
    match e.stages {
        Some([light, deep, rem]) => {
            assert_close("light", night.light_min, light);
            assert_close("deep", night.deep_min, deep);
            assert_close("REM", night.rem_min, rem);
        }
        None => assert_eq!(
            (night.light_min, night.deep_min, night.rem_min),
            (None, None, None)
        ),
    }
    match e.rem_latency {
        Some(minutes) => assert_close("REM latency", night.rem_latency_min, minutes),
        None => assert_eq!(night.rem_latency_min, None),
    }
}

#[test]
fn fixture_yields_three_nights_in_order_with_age_and_sex() {
    let export = parse_fixture();
    let starts: Vec<String> = export
        .nights
        .iter()
        .map(|n| n.bed_start.to_string())
        .collect();
    assert_eq!(
        starts,
        [
            "2024-03-09 22:50:00 +01:00",
            "2024-03-30 23:20:00 +01:00",
            "2024-04-05 23:00:00 +02:00"
        ]
    );
    // Born 1980-05-17; the last night ends 2024-04-06, before the birthday: 2024 - 1980 - 1.
    assert_eq!(export.age, Some(43));
    assert_eq!(export.sex, Some(Sex::Female));
}

#[test]
fn fixture_counts_what_it_skipped() {
    let export = parse_fixture();
    let skipped: Vec<(&str, usize)> = export
        .skipped
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    let mut expected = vec![
        // The 14:00-14:40 Core sample on 2024-03-10.
        (SKIP_NAP, 1),
        // The iPhone "asleep" of night 1 and AutoSleep's "asleep" of night 2.
        (SKIP_OTHER_SOURCE, 2),
        // AutoSleep's "AsleepLight".
        (SKIP_UNKNOWN_VALUE, 1),
        // 2 step counts, 1 active energy, systolic and diastolic blood pressure.
        (SKIP_UNUSED_TYPE, 5),
    ];
    expected.sort();
    assert_eq!(skipped, expected);
    assert!(!export.skipped.contains_key(SKIP_IN_BED_ONLY));
}

/// Night 1, 2024-03-09/10, all +0100. The Watch (staged) is chosen over the iPhone, whose
/// 23:05-06:45 "asleep" is dropped; the iPhone's in-bed 22:50-07:00 still counts.
#[test]
fn night_with_watch_stages_and_iphone_in_bed() {
    let export = parse_fixture();
    assert_night(
        &export.nights[0],
        &Expected {
            // In-bed 22:50-07:00 ∪ Watch span 23:00-06:48 = 22:50-07:00.
            bed: ("2024-03-09 22:50:00 +0100", "2024-03-10 07:00:00 +0100"),
            // 22:50 → 07:00 = 70 + 420 = 490 min.
            time_in_bed: 490.0,
            // Core 50 (23:12-00:02) + 43 (00:47-01:30) + 87 (02:03-03:30, written twice,
            // counted once) + 87 (04:43-06:10) = 267; Deep 45 (00:02-00:47) + 30 (03:30-04:00)
            // = 75; REM 25 (01:30-01:55) + 40 (04:00-04:40) + 30 (06:10-06:40) = 95.
            // 267 + 75 + 95 = 437.
            total_sleep: 437.0,
            // First asleep 23:12 − first in-bed 22:50 = 22.
            latency: 22.0,
            // Sleep span 23:12 → 06:40 = 448 min; 448 − 437 = 11 (awake 01:55-02:03 = 8 and
            // 04:40-04:43 = 3). The final 06:40-06:48 awake is after the span.
            waso: 11.0,
            // Only the 8-min bout reaches 5 minutes.
            awakenings: 1,
            stages: Some([267.0, 75.0, 95.0]),
            // First REM 01:30 − first asleep 23:12 = 2 h 18 min = 138.
            rem_latency: Some(138.0),
        },
    );
    // Efficiency 437 / 490 = 89.18 %.
    let n = &export.nights[0];
    assert!((n.total_sleep_min / n.time_in_bed_min - 0.8918).abs() < 1e-4);
}

/// Night 2, 2024-03-30/31, across the change to summer time (02:00 +0100 → 03:00 +0200): wall
/// clocks gain an hour the night did not last. Watch stages; in-bed from the iPhone and from
/// AutoSleep, whose "asleep" sample is dropped.
#[test]
fn dst_night_counts_real_minutes() {
    let export = parse_fixture();
    assert_night(
        &export.nights[1],
        &Expected {
            // AutoSleep in bed 23:20 +0100 (22:20Z) - 07:10 +0200 (05:10Z) ∪ iPhone 23:30 +0100
            // (22:30Z) - 07:30 +0200 (05:30Z) ∪ Watch 23:45 +0100 - 07:00 +0200.
            bed: ("2024-03-30 23:20:00 +0100", "2024-03-31 07:30:00 +0200"),
            // 22:20Z → 05:30Z = 7 h 10 min = 430 (the wall clock says 8 h 10 min).
            time_in_bed: 430.0,
            // Core 90 (23:45-01:15 +0100) + 45 (01:55 +0100 = 00:55Z to 03:40 +0200 = 01:40Z)
            // + 120 (04:30-06:30) = 255; Deep 40 (01:15-01:55); REM 40 (03:40-04:20) + 30
            // (06:30-07:00) = 70. 255 + 40 + 70 = 365.
            total_sleep: 365.0,
            // First asleep 23:45 − first in-bed 23:20 (AutoSleep) = 25.
            latency: 25.0,
            // Span 22:45Z → 05:00Z = 375; 375 − 365 = 10 (awake 04:20-04:30).
            waso: 10.0,
            awakenings: 1,
            stages: Some([255.0, 40.0, 70.0]),
            // First REM 01:40Z − first asleep 22:45Z = 2 h 55 min = 175.
            rem_latency: Some(175.0),
        },
    );
    // Efficiency 365 / 430 = 84.88 %.
    let n = &export.nights[1];
    assert!((n.total_sleep_min / n.time_in_bed_min - 0.8488).abs() < 1e-4);
}

/// Night 3, 2024-04-05/06 (+0200): AutoSleep alone, unspecified sleep only, a 30-min gap.
#[test]
fn night_with_unspecified_sleep_has_no_stages() {
    let export = parse_fixture();
    assert_night(
        &export.nights[2],
        &Expected {
            // In-bed 23:00-07:00 ∪ span 23:20-06:40.
            bed: ("2024-04-05 23:00:00 +0200", "2024-04-06 07:00:00 +0200"),
            time_in_bed: 480.0,
            // 23:20-02:00 = 160, 02:30-06:40 = 250 (the overlapping 06:00-06:40 sample adds
            // nothing): 410.
            total_sleep: 410.0,
            // 23:20 − 23:00.
            latency: 20.0,
            // Span 23:20 → 06:40 = 440; 440 − 410 = 30 (the unrecorded 02:00-02:30 gap).
            waso: 30.0,
            awakenings: 1,
            stages: None,
            rem_latency: None,
        },
    );
    // Efficiency 410 / 480 = 85.42 %.
    let n = &export.nights[2];
    assert!((n.total_sleep_min / n.time_in_bed_min - 0.8542).abs() < 1e-4);
}

#[test]
fn fixture_signals_per_night() {
    let export = parse_fixture();
    let [n1, n2, n3] = &export.nights[..] else {
        panic!("three nights")
    };
    // Night 1: heart rate 58, 52, 49, 55 (80 at 21:00 and 75 at 07:30 are outside):
    // mean 214 / 4 = 53.5, lowest 49 (Apple's resting 54 is not needed).
    assert_close("night 1 mean HR", n1.mean_hr, 53.5);
    assert_close("night 1 resting HR", n1.resting_hr, 49.0);
    // SDNN 42 and 48 → 45, never called RMSSD.
    assert_eq!(n1.hrv_ms.map(|(_, kind)| kind), Some(HrvKind::Sdnn));
    assert_close("night 1 HRV", n1.hrv_ms.map(|(ms, _)| ms), 45.0);
    // SpO2 0.96, 0.94, 0.97 → 96, 94, 97 %: mean 287 / 3 = 95.667, nadir 94.
    assert_close("night 1 SpO2", n1.spo2_mean, 287.0 / 3.0);
    assert_close("night 1 SpO2 nadir", n1.spo2_nadir, 94.0);
    // Breathing 14.5 and 15.5 → 15.
    assert_close("night 1 breathing", n1.respiratory_rate, 15.0);

    // Night 2: heart rate 50 and 60 (the 90 at 07:40 +0200 is 10 min after bed_end).
    assert_close("night 2 mean HR", n2.mean_hr, 55.0);
    assert_close("night 2 resting HR", n2.resting_hr, 50.0);
    // SpO2 97 (a percentage already) and 0.93 → 93 %: mean 95, nadir 93.
    assert_close("night 2 SpO2", n2.spo2_mean, 95.0);
    assert_close("night 2 SpO2 nadir", n2.spo2_nadir, 93.0);
    assert_eq!((n2.hrv_ms, n2.respiratory_rate), (None, None));

    // Night 3: no heart-rate sample, so Apple's resting rate of the wake-up day 04-06 (57, not
    // 61 of 04-05); no mean.
    assert_close("night 3 resting HR", n3.resting_hr, 57.0);
    assert_eq!(n3.mean_hr, None);
    assert_eq!((n3.spo2_mean, n3.spo2_nadir, n3.hrv_ms), (None, None, None));

    for n in [n1, n2, n3] {
        assert_eq!(
            (n.odi, n.sleep_score, n.record_id.as_deref()),
            (None, None, None)
        );
    }
}

#[test]
fn streaming_in_tiny_chunks_gives_the_same_export() {
    let bytes = fixture();
    let whole = parse(Path::new(FIXTURE), &bytes).expect("parses");
    let streamed =
        parse_reader(Path::new(FIXTURE), BufReader::with_capacity(7, &bytes[..])).expect("streams");
    assert_eq!(whole, streamed);
}

#[test]
fn looks_like_recognises_the_root() {
    assert!(looks_like(&fixture()[..200]));
    assert!(looks_like(b"\xEF\xBB\xBF<HealthData locale=\"en_US\">"));
    assert!(looks_like(
        b"<?xml version=\"1.0\"?>\n<!-- c -->\n<HealthData>"
    ));
    assert!(!looks_like(
        b"<?xml version=\"1.0\"?>\n<gpx version=\"1.1\">"
    ));
    assert!(!looks_like(b"<HealthDataX>"));
    assert!(!looks_like(br#"{"sleep": []}"#));
    assert!(!looks_like(b""));
}

// Small exports for the rules and the errors.

fn export_xml(records: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<HealthData locale=\"en_US\">\n{records}</HealthData>\n"
    )
}

fn sleep(source: &str, start: &str, end: &str, value: &str) -> String {
    format!(
        " <Record type=\"HKCategoryTypeIdentifierSleepAnalysis\" sourceName=\"{source}\" startDate=\"{start}\" endDate=\"{end}\" value=\"HKCategoryValueSleepAnalysis{value}\"/>\n"
    )
}

fn quantity(type_name: &str, unit: &str, start: &str, value: &str) -> String {
    format!(
        " <Record type=\"HKQuantityTypeIdentifier{type_name}\" sourceName=\"Watch\" unit=\"{unit}\" startDate=\"{start}\" endDate=\"{start}\" value=\"{value}\"/>\n"
    )
}

/// A main night from one source: 23:00-07:00 +0000 core sleep.
fn main_night() -> String {
    sleep(
        "Watch",
        "2024-01-01 23:00:00 +0000",
        "2024-01-02 07:00:00 +0000",
        "AsleepCore",
    )
}

fn run(xml: &str) -> Result<Export, ImportError> {
    parse(Path::new("export.xml"), xml.as_bytes())
}

#[test]
fn naps_are_reported_when_nothing_else_exists() {
    // A 40-min afternoon nap and a 2-h morning nap, nothing else.
    let xml = export_xml(
        &[
            sleep(
                "Watch",
                "2024-01-01 14:00:00 +0000",
                "2024-01-01 14:40:00 +0000",
                "AsleepCore",
            ),
            sleep(
                "Watch",
                "2024-01-02 06:00:00 +0000",
                "2024-01-02 08:00:00 +0000",
                "Asleep",
            ),
        ]
        .concat(),
    );
    let export = run(&xml).expect("naps stand in for nights");
    let tst: Vec<f32> = export.nights.iter().map(|n| n.total_sleep_min).collect();
    assert_eq!(tst, [40.0, 120.0]);
    assert!(export.skipped.is_empty());
    // With a main night present, both are skipped as naps.
    let with_night = run(&export_xml(&format!(
        "{}{}",
        main_night(),
        sleep(
            "Watch",
            "2024-01-02 14:00:00 +0000",
            "2024-01-02 14:40:00 +0000",
            "AsleepCore"
        )
    )))
    .expect("parses");
    assert_eq!(with_night.nights.len(), 1);
    assert_eq!(with_night.skipped.get(SKIP_NAP), Some(&1));
}

#[test]
fn a_gap_of_two_hours_splits_periods_and_shorter_gaps_do_not() {
    // 22:00-01:00, then 02:59-07:00 (gap 1 h 59) → one night; 09:00-12:00 after a 2-h gap
    // starts a new period, which starts at 09:00 (not 10-18) and lasts 3 h: a second night.
    let xml = export_xml(
        &[
            sleep(
                "W",
                "2024-01-01 22:00:00 +0000",
                "2024-01-02 01:00:00 +0000",
                "AsleepCore",
            ),
            sleep(
                "W",
                "2024-01-02 02:59:00 +0000",
                "2024-01-02 07:00:00 +0000",
                "AsleepCore",
            ),
            sleep(
                "W",
                "2024-01-02 09:00:00 +0000",
                "2024-01-02 12:00:00 +0000",
                "AsleepCore",
            ),
        ]
        .concat(),
    );
    let export = run(&xml).expect("parses");
    let tst: Vec<f32> = export.nights.iter().map(|n| n.total_sleep_min).collect();
    // 180 + 241 = 421 asleep; WASO = the 119-min gap, one awakening.
    assert_eq!(tst, [421.0, 180.0]);
    assert_eq!(export.nights[0].waso_min, Some(119.0));
    assert_eq!(export.nights[0].awakenings, Some(1));
}

#[test]
fn staged_source_wins_and_awake_beats_a_longer_asleep_label_of_the_same_source() {
    // The phone claims 8 h asleep, the watch 6 h staged: the watch is read. Within the watch,
    // an awake sample inside its own unspecified block wins over it.
    let xml = export_xml(
        &[
            sleep(
                "Phone",
                "2024-01-01 23:00:00 +0000",
                "2024-01-02 07:00:00 +0000",
                "Asleep",
            ),
            sleep(
                "Watch",
                "2024-01-02 00:00:00 +0000",
                "2024-01-02 06:00:00 +0000",
                "AsleepDeep",
            ),
            sleep(
                "Watch",
                "2024-01-02 06:00:00 +0000",
                "2024-01-02 07:00:00 +0000",
                "Asleep",
            ),
            sleep(
                "Watch",
                "2024-01-02 06:20:00 +0000",
                "2024-01-02 06:30:00 +0000",
                "Awake",
            ),
        ]
        .concat(),
    );
    let export = run(&xml).expect("parses");
    let n = &export.nights[0];
    // 360 deep + 60 unspecified − 10 awake = 410; never 410 + 480.
    assert_eq!(n.total_sleep_min, 410.0);
    assert_eq!(
        (n.deep_min, n.light_min, n.rem_min),
        (Some(360.0), Some(0.0), Some(0.0))
    );
    assert_eq!((n.waso_min, n.awakenings), (Some(10.0), Some(1)));
    // No in-bed sample: no latency; time in bed is the watch's span 00:00-07:00.
    assert_eq!(n.onset_latency_min, None);
    assert_eq!(n.time_in_bed_min, 420.0);
    assert_eq!(export.skipped.get(SKIP_OTHER_SOURCE), Some(&1));
}

#[test]
fn zero_length_sleep_samples_are_skipped() {
    let instant = sleep(
        "W",
        "2024-01-02 03:00:00 +0000",
        "2024-01-02 03:00:00 +0000",
        "Awake",
    );
    let export = run(&export_xml(&format!("{}{instant}", main_night()))).expect("parses");
    assert_eq!(export.nights[0].total_sleep_min, 480.0);
    assert_eq!(
        export.skipped.keys().collect::<Vec<_>>(),
        [SKIP_ZERO_LENGTH]
    );
}

#[test]
fn in_bed_only_periods_are_skipped() {
    let xml = export_xml(&format!(
        "{}{}",
        main_night(),
        sleep(
            "Phone",
            "2024-01-05 23:00:00 +0000",
            "2024-01-06 07:00:00 +0000",
            "InBed"
        )
    ));
    let export = run(&xml).expect("parses");
    assert_eq!(export.nights.len(), 1);
    assert_eq!(export.skipped.get(SKIP_IN_BED_ONLY), Some(&1));
}

// Bad input.

#[track_caller]
fn wrong_vendor(bytes: &[u8]) -> String {
    match parse(Path::new("x"), bytes) {
        Err(ImportError::WrongVendor { looks_like, .. }) => looks_like,
        other => panic!("expected WrongVendor, got {other:?}"),
    }
}

#[test]
fn foreign_files_are_named_for_what_they_are() {
    assert!(wrong_vendor(br#"{"sleep": [{"dateOfSleep": "2024-01-01"}]}"#).starts_with("JSON"));
    assert!(wrong_vendor(b"  [{\"day\": 1}]").starts_with("JSON"));
    let gpx = wrong_vendor(b"<?xml version=\"1.0\"?>\n<gpx version=\"1.1\"><trk/></gpx>");
    assert!(gpx.contains("<gpx>"), "{gpx}");
    assert!(wrong_vendor(b"PK\x03\x04\x14\x00").contains("ZIP"));
    assert_eq!(wrong_vendor(b""), "an empty file");
    assert!(wrong_vendor(b"date,steps\n2024-01-01,100\n").contains("not XML"));
    let message = match parse(Path::new("sleep.json"), b"{}") {
        Err(e) => e.to_string(),
        Ok(_) => panic!("JSON parsed"),
    };
    assert_eq!(
        message,
        "sleep.json is not a HealthKit (Apple Health) export: it looks like JSON (starting `{}`)"
    );
}

#[track_caller]
fn malformed(bytes: &[u8]) -> (String, String) {
    match parse(Path::new("export.xml"), bytes) {
        Err(ImportError::Malformed {
            location, detail, ..
        }) => (location, detail),
        other => panic!("expected Malformed, got {other:?}"),
    }
}

#[test]
fn a_file_cut_inside_a_record_names_its_line() {
    let bytes = fixture();
    let mark = b"value=\"HKCategoryValueSleepAnalysisAsleepDeep\"";
    let cut = bytes
        .windows(mark.len())
        .position(|w| w == mark)
        .expect("a deep-sleep record");
    let line = bytes[..cut].iter().filter(|&&b| b == b'\n').count() + 1;
    let (location, detail) = malformed(&bytes[..cut]);
    // The byte is where the cut record's `<` is.
    let record = bytes[..cut]
        .iter()
        .rposition(|&b| b == b'<')
        .expect("a tag");
    assert_eq!(location, format!("line {line} (byte {record})"));
    assert!(detail.contains("not closed"), "{detail}");
}

#[test]
fn a_file_cut_between_records_is_malformed() {
    let xml = export_xml(&main_night());
    let cut = xml.find("</HealthData>").expect("root end");
    let message = run(&xml[..cut]).expect_err("cut off").to_string();
    // Three lines: declaration, <HealthData>, the record; the cut is at the start of line 4.
    assert_eq!(
        message,
        format!(
            "export.xml is truncated or malformed at line 4 (byte {cut}): the file ends with 1 \
             element(s) still open, before </HealthData> (cut off?)"
        )
    );
}

#[test]
fn an_xml_declaration_alone_is_not_an_export() {
    assert!(wrong_vendor(b"<?xml version=\"1.0\"?>\n").contains("without any element"));
}

#[track_caller]
fn bad_value(xml: &str) -> (String, String) {
    match run(xml) {
        Err(ImportError::BadValue { field, value, .. }) => (field, value),
        other => panic!("expected BadValue, got {other:?}"),
    }
}

#[test]
fn spo2_above_100_percent_is_a_bad_value() {
    let spo2 = quantity(
        "OxygenSaturation",
        "%",
        "2024-01-02 03:00:00 +0000",
        "100.5",
    );
    let (field, value) = bad_value(&export_xml(&format!("{}{spo2}", main_night())));
    assert_eq!(
        field,
        "value of the HKQuantityTypeIdentifierOxygenSaturation record on line 4"
    );
    assert_eq!(value, "100.5");
}

#[test]
fn impossible_dates_and_numbers_are_bad_values() {
    let bad_date = sleep(
        "W",
        "2024-01-01T23:00:00Z",
        "2024-01-02 07:00:00 +0000",
        "Awake",
    );
    let (field, _) = bad_value(&export_xml(&bad_date));
    assert_eq!(
        field,
        "startDate of the HKCategoryTypeIdentifierSleepAnalysis record on line 3"
    );
    let backwards = sleep(
        "W",
        "2024-01-02 07:00:00 +0000",
        "2024-01-01 23:00:00 +0000",
        "Awake",
    );
    assert!(bad_value(&export_xml(&backwards)).0.starts_with("endDate"));
    let text = quantity(
        "HeartRate",
        "count/min",
        "2024-01-02 03:00:00 +0000",
        "fast",
    );
    assert_eq!(bad_value(&export_xml(&text)).1, "fast");
    let negative = quantity("HeartRate", "count/min", "2024-01-02 03:00:00 +0000", "-3");
    assert_eq!(bad_value(&export_xml(&negative)).1, "-3");
    let no_end = " <Record type=\"HKCategoryTypeIdentifierSleepAnalysis\" sourceName=\"W\" startDate=\"2024-01-01 23:00:00 +0000\" value=\"HKCategoryValueSleepAnalysisAwake\"/>\n";
    let message = run(&export_xml(no_end))
        .expect_err("no endDate")
        .to_string();
    assert_eq!(
        message,
        "export.xml: endDate of the HKCategoryTypeIdentifierSleepAnalysis record on line 3 is missing, but endDate=\"…\" was expected"
    );
}

#[test]
fn a_bad_date_of_birth_is_a_bad_value_and_an_empty_one_unknown() {
    let me = |dob: &str| {
        format!(
            " <Me HKCharacteristicTypeIdentifierDateOfBirth=\"{dob}\" HKCharacteristicTypeIdentifierBiologicalSex=\"HKBiologicalSexNotSet\"/>\n"
        )
    };
    let (field, value) = bad_value(&export_xml(&format!(
        "{}{}",
        me("17.05.1980"),
        main_night()
    )));
    assert_eq!(
        (field.as_str(), value.as_str()),
        (
            "HKCharacteristicTypeIdentifierDateOfBirth of <Me> on line 3",
            "17.05.1980"
        )
    );
    let export = run(&export_xml(&format!("{}{}", me(""), main_night()))).expect("parses");
    assert_eq!((export.age, export.sex), (None, None));
}

#[test]
fn quantities_with_other_units_are_skipped() {
    let hr = quantity("HeartRate", "count/s", "2024-01-02 03:00:00 +0000", "1");
    let export = run(&export_xml(&format!("{}{hr}", main_night()))).expect("parses");
    assert_eq!(export.nights[0].mean_hr, None);
    assert_eq!(export.skipped.keys().collect::<Vec<_>>(), [SKIP_OTHER_UNIT]);
}

#[track_caller]
fn no_nights(xml: &str) -> String {
    match run(xml) {
        Err(e @ ImportError::NoNights { .. }) => e.to_string(),
        other => panic!("expected NoNights, got {other:?}"),
    }
}

#[test]
fn exports_without_a_night_say_why() {
    let steps = quantity("StepCount", "count", "2024-01-02 03:00:00 +0000", "10");
    assert_eq!(
        no_nights(&export_xml(&steps)),
        "export.xml has no night to report: it holds no HKCategoryTypeIdentifierSleepAnalysis record"
    );
    let in_bed = sleep(
        "Phone",
        "2024-01-01 23:00:00 +0000",
        "2024-01-02 07:00:00 +0000",
        "InBed",
    );
    let message = no_nights(&export_xml(&in_bed));
    assert!(message.contains(SKIP_IN_BED_ONLY), "{message}");
}
