//! WHOOP API v2 `sleep` records (fixture `whoop_sleep.json`: one page).

use std::path::Path;

use sleepcot_data::import::{ImportError, Vendor, whoop};

use super::{close, close_opt, efficiency, fixture, skipped, truncated, window_min};

#[test]
fn scored_records_are_nights_and_naps_pending_unscorable_are_skipped() {
    let (path, bytes) = fixture("whoop_sleep.json");
    let export = whoop::parse(&path, &bytes).unwrap();
    assert_eq!(export.nights.len(), 2);

    // Record 1, the spring DST night: 2024-03-30 22:30 UTC → 2024-03-31 05:30 UTC, offset
    // +01:00 (23:30 local; the wall clock reads 07:30 +02:00 at the end).
    let a = &export.nights[0];
    assert_eq!(a.vendor, Vendor::Whoop);
    assert_eq!(
        a.record_id.as_deref(),
        Some("ecfc6a15-4661-442f-a9a4-f160dd7afae8")
    );
    assert_eq!(a.bed_start.to_rfc3339(), "2024-03-30T23:30:00+01:00");
    // 7 h = 420 min, not 8.
    close(window_min(a), 420.0);
    // total_in_bed_time_milli 25200000 / 60000 = 420 min.
    close(a.time_in_bed_min, 420.0);
    // Total sleep = light 12600000 (210) + SWS 5400000 (90) + REM 4800000 (80) = 380 min;
    // awake 30 + no data 10 + 380 = 420 in bed.
    close(a.total_sleep_min, 380.0);
    // Efficiency 380 / 420 = 90.476 % (WHOOP's sleep_efficiency_percentage 90.47619).
    close(efficiency(a), 90.4762);
    close_opt(a.light_min, Some(210.0));
    close_opt(a.deep_min, Some(90.0));
    close_opt(a.rem_min, Some(80.0));
    // WHOOP's own disturbance_count.
    assert_eq!(a.awakenings, Some(7));
    // Not given by WHOOP: latency, WASO (its awake total includes time before sleep and after
    // the last awakening), REM latency; HR, HRV and SpO2 are in recovery records.
    assert_eq!(
        (a.onset_latency_min, a.waso_min, a.rem_latency_min),
        (None, None, None)
    );
    assert_eq!((a.resting_hr, a.hrv_ms, a.spo2_mean), (None, None, None));
    assert_eq!(a.respiratory_rate, Some(15.2));
    assert_eq!(a.sleep_score, Some(88));

    // Record 5: 2024-04-05 03:45 UTC → 11:15 UTC at -05:00 = 22:45 → 06:15 local, 450 min.
    let b = &export.nights[1];
    assert_eq!(b.bed_start.to_rfc3339(), "2024-04-04T22:45:00-05:00");
    assert_eq!(b.bed_end.to_rfc3339(), "2024-04-05T06:15:00-05:00");
    close(b.time_in_bed_min, 450.0);
    // 240 + 80 + 85 = 405 min asleep; efficiency 405 / 450 = 90 %.
    close(b.total_sleep_min, 405.0);
    close(efficiency(b), 90.0);
    assert_eq!(b.awakenings, Some(12));

    assert_eq!(
        skipped(&export),
        [
            ("WHOOP PENDING_SCORE", 1),
            ("WHOOP UNSCORABLE", 1),
            ("WHOOP nap", 1)
        ]
    );
}

#[test]
fn bad_values_truncation_wrong_vendor_and_no_nights() {
    let record = |light: i64| {
        format!(
            r#"[{{"id": 1, "start": "2024-04-05T03:45:00.000Z", "end": "2024-04-05T11:15:00.000Z",
                 "timezone_offset": "-05:00", "nap": false, "score_state": "SCORED",
                 "score": {{"stage_summary": {{"total_in_bed_time_milli": 27000000,
                   "total_light_sleep_time_milli": {light},
                   "total_slow_wave_sleep_time_milli": 4800000,
                   "total_rem_sleep_time_milli": 5100000}}}}}}]"#
        )
    };
    // A bare array with a v1-style integer id reads.
    let export = whoop::parse(Path::new("w.json"), record(14400000).as_bytes()).unwrap();
    assert_eq!(export.nights[0].record_id.as_deref(), Some("1"));
    let err = whoop::parse(Path::new("w.json"), record(-60000).as_bytes()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "w.json: [0].score.stage_summary.total_light_sleep_time_milli is -60000, but a duration of 0 or more was expected"
    );
    // More sleep than time in bed is impossible.
    let err = whoop::parse(Path::new("w.json"), record(24000000).as_bytes()).unwrap_err();
    assert!(matches!(err, ImportError::BadValue { .. }), "{err}");

    let (path, bytes) = fixture("whoop_sleep.json");
    let err = whoop::parse(&path, truncated(&bytes, 0.8)).unwrap_err();
    assert!(matches!(err, ImportError::Malformed { .. }), "{err}");

    let (path, bytes) = fixture("fitbit_classic.json");
    let err = whoop::parse(&path, &bytes).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("is not a WHOOP export: it looks like a Fitbit export"),
        "{err}"
    );

    let pending = r#"{"records": [
        {"id": "a", "start": "2024-04-03T22:10:00.000Z", "end": "2024-04-04T05:35:00.000Z", "timezone_offset": "+02:00", "nap": false, "score_state": "PENDING_SCORE"},
        {"id": "b", "start": "2024-04-04T12:10:00.000Z", "end": "2024-04-04T12:35:00.000Z", "timezone_offset": "+02:00", "nap": true, "score_state": "SCORED"}
    ], "next_token": null}"#;
    let err = whoop::parse(Path::new("w.json"), pending.as_bytes()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "w.json has no night to report: every record was skipped (1 × WHOOP PENDING_SCORE, 1 × WHOOP nap)"
    );
}
