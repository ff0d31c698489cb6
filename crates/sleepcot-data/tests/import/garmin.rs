//! Garmin Health API `sleeps` summaries (fixture `garmin_sleeps.json`: `{"sleeps": [...]}`).

use std::path::Path;

use sleepcot_data::import::{ImportError, Vendor, garmin};

use super::{close, close_opt, efficiency, fixture, skipped, truncated, window_min};

#[test]
fn summaries_with_levels_map_spo2_and_a_superseded_tentative_one() {
    let (path, bytes) = fixture("garmin_sleeps.json");
    let export = garmin::parse(&path, &bytes).unwrap();
    assert_eq!(export.nights.len(), 2);

    // Summary 1: start 1712003400 = 2024-04-01 20:30 UTC, offset 7200 s → 22:30 +02:00.
    let a = &export.nights[0];
    assert_eq!(a.vendor, Vendor::Garmin);
    assert_eq!(a.record_id.as_deref(), Some("x3a1f2c-660b1a48-6b58"));
    assert_eq!(a.bed_start.to_rfc3339(), "2024-04-01T22:30:00+02:00");
    // Total sleep = durationInSeconds 25800 / 60 = 430 min (= deep 90 + light 240 + REM 100).
    close(a.total_sleep_min, 430.0);
    // Time in bed = 430 + awake 1200 / 60 (20) + unmeasurable 600 / 60 (10) = 460 min, and
    // the night ends 460 min after 22:30, at 06:10 +02:00.
    close(a.time_in_bed_min, 460.0);
    assert_eq!(a.bed_end.to_rfc3339(), "2024-04-02T06:10:00+02:00");
    close(window_min(a), 460.0);
    // Efficiency 430 / 460 = 93.478 %.
    close(efficiency(a), 93.4783);
    close_opt(a.deep_min, Some(90.0));
    close_opt(a.light_min, Some(240.0));
    close_opt(a.rem_min, Some(100.0));
    // sleepLevelsMap, minutes from the start: awake 0–10 | light 10–70 | deep 70–130 |
    //   light 130–160 | rem 160–190 | awake 190–196 | light 196–256 | deep 256–286 |
    //   unmeasurable 286–296 | light 296–366 | rem 366–406 | awake 406–410 | light 410–430 |
    //   rem 430–460.
    // Onset latency 10 min; WASO 6 + 4 = 10 min (the first 10 awake minutes are latency);
    // one awakening (the 6-min one; 4 min is too short); REM latency 160 − 10 = 150 min.
    close_opt(a.onset_latency_min, Some(10.0));
    close_opt(a.waso_min, Some(10.0));
    assert_eq!(a.awakenings, Some(1));
    close_opt(a.rem_latency_min, Some(150.0));
    // SpO2 readings 95, 94, (0 = no reading), 91, 96, 97: mean 473 / 5 = 94.6, nadir 91.
    close_opt(a.spo2_mean, Some(94.6));
    close_opt(a.spo2_nadir, Some(91.0));
    // Respiration 14.0, 13.5, 15.0, 14.5: mean 57 / 4 = 14.25.
    close_opt(a.respiratory_rate, Some(14.25));
    assert_eq!(a.sleep_score, Some(82));
    assert_eq!((a.resting_hr, a.hrv_ms), (None, None));

    // 2024-04-03: the ENHANCED_TENTATIVE summary is superseded by the ENHANCED_FINAL one.
    // Start 1712091600 = 21:00 UTC = 23:00 +02:00.
    let b = &export.nights[1];
    assert_eq!(b.record_id.as_deref(), Some("x3a1f2c-660c71d0-6270"));
    assert_eq!(b.bed_start.to_rfc3339(), "2024-04-02T23:00:00+02:00");
    // Total sleep 25200 / 60 = 420 (= 60 + 270 + 90); in bed 420 + 900 / 60 (15) + 0 = 435.
    close(b.total_sleep_min, 420.0);
    close(b.time_in_bed_min, 435.0);
    // Efficiency 420 / 435 = 96.552 %.
    close(efficiency(b), 96.5517);
    // No sleepLevelsMap: WASO is awakeDurationInSeconds (15 min), the rest not measured.
    close_opt(b.waso_min, Some(15.0));
    assert_eq!(
        (b.onset_latency_min, b.awakenings, b.rem_latency_min),
        (None, None, None)
    );
    assert_eq!(
        (b.spo2_mean, b.respiratory_rate, b.sleep_score),
        (None, None, None)
    );

    assert_eq!(
        skipped(&export),
        [
            ("Garmin nap", 1),
            ("Garmin summary superseded (same calendarDate)", 1),
            (
                "Garmin timeOffsetSleepSpo2 reading ≤ 0 or null (no reading)",
                1
            ),
        ]
    );
}

/// A minimal summary, as a bare array (the pull API's layout).
fn summary(extra: &str) -> String {
    format!(
        r#"[{{"summaryId": "s1", "calendarDate": "2024-03-31", "startTimeInSeconds": 1711837800,
             "startTimeOffsetInSeconds": 3600, "durationInSeconds": 23400,
             "deepSleepDurationInSeconds": 5400, "lightSleepDurationInSeconds": 12600,
             "remSleepInSeconds": 5400, "awakeDurationInSeconds": 1800{extra}}}]"#
    )
}

#[test]
fn bare_array_layout_and_a_dst_night() {
    // 1711837800 = 2024-03-30 22:30 UTC = 23:30 +01:00; 23400 + 1800 s = 420 min in bed,
    // ending at 05:30 UTC (07:30 +02:00 on the wall clock, shown at the start's +01:00).
    let export = garmin::parse(Path::new("g.json"), summary("").as_bytes()).unwrap();
    let n = &export.nights[0];
    assert_eq!(n.bed_start.to_rfc3339(), "2024-03-30T23:30:00+01:00");
    close(n.time_in_bed_min, 420.0);
    close(window_min(n), 420.0);
    assert_eq!(n.bed_end.to_utc().to_rfc3339(), "2024-03-31T05:30:00+00:00");
}

#[test]
fn spo2_above_100_is_a_bad_value() {
    let text = summary(r#", "timeOffsetSleepSpo2": {"0": 96, "3600": 104}"#);
    let err = garmin::parse(Path::new("g.json"), text.as_bytes()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "g.json: [0].timeOffsetSleepSpo2.3600 is 104, but an SpO2 of 0-100 % was expected"
    );
}

#[test]
fn truncated_wrong_vendor_and_malformed() {
    let (path, bytes) = fixture("garmin_sleeps.json");
    let err = garmin::parse(&path, truncated(&bytes, 0.3)).unwrap_err();
    assert!(matches!(err, ImportError::Malformed { .. }), "{err}");

    let (path, bytes) = fixture("oura_sleep.json");
    let err = garmin::parse(&path, &bytes).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("is not a Garmin export: it looks like an Oura export"),
        "{err}"
    );

    // A summary without its start cannot be placed.
    let text = r#"[{"calendarDate": "2024-03-31", "durationInSeconds": 23400, "remSleepInSeconds": 5400}]"#;
    let err = garmin::parse(Path::new("g.json"), text.as_bytes()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "g.json is truncated or malformed at [0].startTimeInSeconds: the field is missing or null"
    );
}
