//! Fitbit sleep v1.2 `stages` and `classic` logs and Google Takeout's bare array.

use std::path::Path;

use sleepcot_data::import::{ImportError, Vendor, fitbit};

use super::{close, close_opt, efficiency, fixture, skipped, truncated, window_min};

#[test]
fn stages_logs_with_short_wakes_and_an_unknown_level() {
    let (path, bytes) = fixture("fitbit_stages.json");
    let export = fitbit::parse(&path, &bytes).unwrap();
    assert_eq!(export.nights.len(), 2);

    // Log 1, 2024-05-01 23:00 → 2024-05-02 06:30 (wall clock, kept at +00:00).
    // levels.data (min): wake 10 | light 30 | deep 40 | light 20 | wake 7 | light 23 | rem 20 |
    //   light 60 | deep 30 | light 50 | rem 30 | wake 4 | light 36 | rem 30 | light 30 | wake 30
    //   = 450 min.
    // shortData wakes: 02:00 2 min (in light), 03:20 1 min (in light), 04:24 1 min (in light,
    //   right after the 4-min wake at 04:20), 05:10 1 min (in REM) = 5 min.
    let a = &export.nights[0];
    assert_eq!(a.vendor, Vendor::Fitbit);
    assert_eq!(a.record_id.as_deref(), Some("46061000001"));
    assert_eq!(a.bed_start.to_rfc3339(), "2024-05-01T23:00:00+00:00");
    close(window_min(a), 450.0);
    // timeInBed 450; minutesAsleep 394 = light 245 + deep 70 + REM 79.
    close(a.time_in_bed_min, 450.0);
    close(a.total_sleep_min, 394.0);
    // Efficiency 394 / 450 = 87.556 %.
    close(efficiency(a), 87.5556);
    // minutesToFallAsleep 0 and minutesAwake 56 as Fitbit documents them:
    // 0 + 394 + 56 + 0 = 450 = timeInBed.
    close_opt(a.onset_latency_min, Some(0.0));
    close_opt(a.waso_min, Some(56.0));
    // Stage minutes from levels.summary, where short wakes already count as wake:
    // light 30+20+23+60+50+36+30 = 249 − (2+1+1) = 245; deep 40+30 = 70; REM 20+30+30 = 80 − 1 = 79.
    close_opt(a.light_min, Some(245.0));
    close_opt(a.deep_min, Some(70.0));
    close_opt(a.rem_min, Some(79.0));
    // Awakenings (wake bouts ≥ 5 min between 23:10 and 06:00): 00:40 (7 min) and
    // 04:20–04:25 (4-min wake + the 1-min short wake after it = 5 min); the 2-, 1- and 1-min
    // short wakes alone are too short.
    assert_eq!(a.awakenings, Some(2));
    // REM latency: first REM 01:10 − first sleep 23:10 = 120 min.
    close_opt(a.rem_latency_min, Some(120.0));
    // No SpO2, HRV, heart rate or breathing rate in a Fitbit sleep log.
    assert_eq!(
        (
            a.spo2_mean,
            a.hrv_ms,
            a.resting_hr,
            a.respiratory_rate,
            a.sleep_score
        ),
        (None, None, None, None, None)
    );

    // Log 3, 2024-05-02 22:45 → 2024-05-03 06:15, no levels.summary, an `unknown` level.
    // levels.data (min): wake 15 | light 60 | deep 60 | rem 30 | light 148 | unknown 2 |
    //   wake 10 | rem 50 | light 60 | wake 15 = 450.
    let b = &export.nights[1];
    close(b.time_in_bed_min, 450.0);
    // minutesAsleep 410: 15 + 410 + 10 + 15 = 450. Efficiency 410 / 450 = 91.111 %.
    close(b.total_sleep_min, 410.0);
    close(efficiency(b), 91.1111);
    close_opt(b.onset_latency_min, Some(15.0));
    close_opt(b.waso_min, Some(10.0));
    // Stage minutes from the painted levels (no summary): light 60 + 148 + 60 = 268,
    // deep 60, REM 30 + 50 = 80.
    close_opt(b.light_min, Some(268.0));
    close_opt(b.deep_min, Some(60.0));
    close_opt(b.rem_min, Some(80.0));
    // One awakening: the 10-min wake at 04:00 (the unknown 2 min before it is not wake).
    assert_eq!(b.awakenings, Some(1));
    // REM latency: 01:00 − 23:00 = 120 min.
    close_opt(b.rem_latency_min, Some(120.0));

    // The nap (isMainSleep false) and the unknown level's 120 seconds.
    assert_eq!(
        skipped(&export),
        [
            ("Fitbit level `unknown` (seconds)", 120),
            ("Fitbit nap (not the main sleep)", 1)
        ]
    );
}

#[test]
fn classic_logs_have_no_stages_and_count_restless_as_awake() {
    let (path, bytes) = fixture("fitbit_classic.json");
    let export = fitbit::parse(&path, &bytes).unwrap();
    assert_eq!(export.nights.len(), 1);
    // 2024-06-10 23:15 → 2024-06-11 06:45 = 450 min.
    // levels.data (min): awake 12 | asleep 120 | restless 10 | asleep 90 | awake 7 |
    //   asleep 100 | restless 9 | asleep 94 | awake 8 = 450.
    let n = &export.nights[0];
    close(n.time_in_bed_min, 450.0);
    // minutesAsleep 404 = 120 + 90 + 100 + 94; efficiency 404 / 450 = 89.778 %.
    close(n.total_sleep_min, 404.0);
    close(efficiency(n), 89.7778);
    // minutesToFallAsleep 12; minutesAwake 26 = restless 19 (10 + 9) + awake 7;
    // 12 + 404 + 26 + 8 = 450 = timeInBed.
    close_opt(n.onset_latency_min, Some(12.0));
    close_opt(n.waso_min, Some(26.0));
    // Fitbit's own count: awake.count 1 + restless.count 2 = 3.
    assert_eq!(n.awakenings, Some(3));
    // Classic logs have no stages.
    assert_eq!(
        (n.light_min, n.deep_min, n.rem_min, n.rem_latency_min),
        (None, None, None, None)
    );
    assert_eq!(skipped(&export), [("Fitbit nap (not the main sleep)", 1)]);
}

#[test]
fn takeout_bare_array_with_main_sleep_flag() {
    let (path, bytes) = fixture("fitbit_takeout/sleep-2024-07-01.json");
    let export = fitbit::parse(&path, &bytes).unwrap();
    assert_eq!(export.nights.len(), 1);
    // 2024-07-01 00:10 → 07:10 = 420 min.
    // levels.data (min): wake 5 | light 45 | deep 60 | rem 20 | wake 6 | light 84 | deep 30 |
    //   rem 40 | light 100 | rem 20 | wake 10 = 420; shortData: a 3-min wake at 03:00 (in light).
    let n = &export.nights[0];
    assert_eq!(n.record_id.as_deref(), Some("47010000001"));
    close(n.time_in_bed_min, 420.0);
    // minutesAsleep 396 = light (45 + 84 + 100 − 3 = 226) + deep (60 + 30 = 90) + REM
    // (20 + 40 + 20 = 80). Efficiency 396 / 420 = 94.286 %.
    close(n.total_sleep_min, 396.0);
    close(efficiency(n), 94.2857);
    // 0 + 396 + 24 + 0 = 420; minutesAwake 24 = 5 + 6 + 10 + 3.
    close_opt(n.onset_latency_min, Some(0.0));
    close_opt(n.waso_min, Some(24.0));
    close_opt(n.light_min, Some(226.0));
    close_opt(n.deep_min, Some(90.0));
    close_opt(n.rem_min, Some(80.0));
    // Awakenings between 00:15 and 07:00: the 6-min wake at 02:20; the 3-min short wake is
    // too short.
    assert_eq!(n.awakenings, Some(1));
    // REM latency: 02:00 − 00:15 = 105 min.
    close_opt(n.rem_latency_min, Some(105.0));
    // The "mainSleep": false log is a nap.
    assert_eq!(skipped(&export), [("Fitbit nap (not the main sleep)", 1)]);
}

/// A minimal main-sleep log with the four minute fields and `timeInBed`.
fn log(time_in_bed: i64, asleep: i64) -> String {
    format!(
        r#"[{{"logId": 1, "dateOfSleep": "2024-03-31", "isMainSleep": true, "type": "classic",
             "startTime": "2024-03-30T23:30:00.000", "endTime": "2024-03-31T07:30:00.000",
             "minutesToFallAsleep": 10, "minutesAsleep": {asleep}, "minutesAwake": 20,
             "minutesAfterWakeup": 5, "timeInBed": {time_in_bed}}}]"#
    )
}

#[test]
fn dst_night_takes_its_length_from_the_minute_fields() {
    // Wall clock 23:30 → 07:30 across the spring change reads 8 h; Fitbit's timeInBed says
    // 420 min (10 + 385 + 20 + 5), and that is the time in bed.
    let export = fitbit::parse(Path::new("f.json"), log(420, 385).as_bytes()).unwrap();
    let n = &export.nights[0];
    close(n.time_in_bed_min, 420.0);
    close(window_min(n), 480.0);
}

#[test]
fn breaking_the_time_in_bed_identity_is_a_bad_value() {
    // 10 + 385 + 20 + 5 = 420, not 440.
    let err = fitbit::parse(Path::new("f.json"), log(440, 385).as_bytes()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "f.json: [0].timeInBed is 440, but minutesToFallAsleep + minutesAsleep + minutesAwake + minutesAfterWakeup = 420 was expected"
    );
    let err = fitbit::parse(Path::new("f.json"), log(420, -1).as_bytes()).unwrap_err();
    assert!(matches!(err, ImportError::BadValue { .. }), "{err}");
}

#[test]
fn truncated_wrong_vendor_and_no_nights() {
    let (path, bytes) = fixture("fitbit_stages.json");
    let err = fitbit::parse(&path, truncated(&bytes, 0.5)).unwrap_err();
    assert!(matches!(err, ImportError::Malformed { .. }), "{err}");
    assert!(err.to_string().contains("at line "), "{err}");

    let (path, bytes) = fixture("garmin_sleeps.json");
    let err = fitbit::parse(&path, &bytes).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("is not a Fitbit export: it looks like a Garmin export"),
        "{err}"
    );

    let err = fitbit::parse(Path::new("notes.txt"), b"slept badly, woke at 4").unwrap_err();
    assert!(
        err.to_string()
            .ends_with("it looks like a file that is not JSON"),
        "{err}"
    );

    let naps = r#"{"sleep": [{"isMainSleep": false, "minutesAsleep": 30, "startTime": "2024-05-02T14:00:00.000"}]}"#;
    let err = fitbit::parse(Path::new("f.json"), naps.as_bytes()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "f.json has no night to report: every record was skipped (1 × Fitbit nap (not the main sleep))"
    );
}
