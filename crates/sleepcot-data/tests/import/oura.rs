//! Oura API v2 `sleep` + `daily_spo2` (fixture `oura_sleep.json`: an array of three pages).

use std::path::Path;

use sleepcot_data::import::{HrvKind, ImportError, Vendor, oura};

use super::{close, close_opt, efficiency, fixture, skipped, truncated, window_min};

#[test]
fn long_sleeps_are_nights_with_hand_computed_totals() {
    let (path, bytes) = fixture("oura_sleep.json");
    let export = oura::parse(&path, &bytes).unwrap();
    assert_eq!(export.nights.len(), 2);

    // Night A, 2024-03-09 23:00 → 2024-03-10 07:00, both +01:00.
    // sleep_phase_5_min, 96 epochs: 444 2222 1111 22 4 222 333 222222 111 2222 44 22222 3333
    //   22222222 11 222222 33333 4 222222222222222222 333333 2222 44
    let a = &export.nights[0];
    assert_eq!(a.vendor, Vendor::Oura);
    assert_eq!(
        a.record_id.as_deref(),
        Some("8f9a5221-639e-4a85-81cb-4065ef23f979")
    );
    assert_eq!(a.bed_start.to_rfc3339(), "2024-03-09T23:00:00+01:00");
    assert_eq!(a.bed_end.to_rfc3339(), "2024-03-10T07:00:00+01:00");
    // time_in_bed 28800 s / 60 = 480 min; total_sleep_duration 26100 s / 60 = 435 min.
    close(a.time_in_bed_min, 480.0);
    close(a.total_sleep_min, 435.0);
    // Efficiency 435 / 480 = 90.625 %.
    close(efficiency(a), 90.625);
    // latency 900 s = 15 min (the vendor's field, which the hypnogram's 3 leading '4's match).
    close_opt(a.onset_latency_min, Some(15.0));
    // WASO: '4' epochs between the first sleep epoch (index 3) and the last one (index 93):
    // 1 + 2 + 1 = 4 epochs × 5 min = 20 min; the leading 3 and trailing 2 are not WASO.
    close_opt(a.waso_min, Some(20.0));
    // Awakenings: three runs of '4' inside the sleep span, each ≥ 1 epoch = 5 min.
    assert_eq!(a.awakenings, Some(3));
    // REM latency: first '3' at index 3 + 4 + 4 + 2 + 1 + 3 = 17, first sleep at 3:
    // 14 epochs × 5 = 70 min.
    close_opt(a.rem_latency_min, Some(70.0));
    // Stage minutes are Oura's own 30-second-based durations, not the 5-minute string's:
    // light 17910 / 60 = 298.5, deep 2790 / 60 = 46.5, REM 5400 / 60 = 90
    // (298.5 + 46.5 + 90 = 435 = total sleep).
    close_opt(a.light_min, Some(298.5));
    close_opt(a.deep_min, Some(46.5));
    close_opt(a.rem_min, Some(90.0));
    assert_eq!(a.resting_hr, Some(52.0));
    assert_eq!(a.mean_hr, Some(58.5));
    assert_eq!(a.hrv_ms, Some((45.0, HrvKind::Rmssd)));
    // average_breath 15.125 is per minute.
    assert_eq!(a.respiratory_rate, Some(15.125));
    // daily_spo2 of day 2024-03-10: average 96.4 %, breathing disturbance index 3.
    close_opt(a.spo2_mean, Some(96.4));
    close_opt(a.odi, Some(3.0));
    // Oura gives no nadir, and its sleep score is in daily_sleep (not read).
    assert_eq!(a.spo2_nadir, None);
    assert_eq!(a.sleep_score, None);

    // Night B, the spring DST change: 2024-03-30 23:30 +01:00 → 2024-03-31 07:30 +02:00.
    // 84 epochs: 44 222222 111111 2222 333 22222 0 222 4 22222222 11 33333 2222222222 333333
    //   4 222222222222222 3333 44
    let b = &export.nights[1];
    assert_eq!(b.bed_start.to_rfc3339(), "2024-03-30T23:30:00+01:00");
    assert_eq!(b.bed_end.to_rfc3339(), "2024-03-31T07:30:00+02:00");
    // 22:30 UTC → 05:30 UTC is 7 h = 420 min, not the 8 h the wall clock suggests; the
    // vendor's time_in_bed 25200 s agrees.
    close(window_min(b), 420.0);
    close(b.time_in_bed_min, 420.0);
    // total_sleep_duration 23100 s = 385 min; efficiency 385 / 420 = 91.667 %.
    close(b.total_sleep_min, 385.0);
    close(efficiency(b), 91.6667);
    // latency is null: from the hypnogram, 2 leading '4's = 10 min.
    close_opt(b.onset_latency_min, Some(10.0));
    // WASO: 1 + 1 '4' epochs inside the span = 10 min, two awakenings; the '0' epoch is
    // unknown (skipped, counted) and is not wake.
    close_opt(b.waso_min, Some(10.0));
    assert_eq!(b.awakenings, Some(2));
    // REM latency: first '3' at 2 + 6 + 6 + 4 = 18, first sleep at 2: 16 × 5 = 80 min.
    close_opt(b.rem_latency_min, Some(80.0));
    // light 15300 / 60 = 255, deep 2400 / 60 = 40, REM 5400 / 60 = 90 (sum 385).
    close_opt(b.light_min, Some(255.0));
    close_opt(b.deep_min, Some(40.0));
    close_opt(b.rem_min, Some(90.0));
    // average_hrv null and a daily_spo2 with nulls: not measured.
    assert_eq!(b.hrv_ms, None);
    assert_eq!(b.spo2_mean, None);
    assert_eq!(b.odi, None);
    assert_eq!(b.respiratory_rate, Some(14.5));

    // The nap (`sleep`), the `rest` and the `late_nap` are skipped by type; one unknown epoch.
    assert_eq!(
        skipped(&export),
        [
            ("Oura sleep_phase_5_min code `0` (5-min epochs)", 1),
            ("Oura type `late_nap`", 1),
            ("Oura type `rest`", 1),
            ("Oura type `sleep`", 1),
        ]
    );
    assert_eq!((export.age, export.sex), (None, None));
}

/// A minimal long_sleep document, for the layout and error cases.
fn doc(extra: &str) -> String {
    format!(
        r#"{{"id": "n1", "day": "2024-03-31", "type": "long_sleep",
            "bedtime_start": "2024-03-30T23:30:00+01:00",
            "bedtime_end": "2024-03-31T07:30:00+02:00",
            "total_sleep_duration": 23100{extra}}}"#
    )
}

#[test]
fn bare_array_and_single_page_layouts_and_time_in_bed_from_the_window() {
    let path = Path::new("oura.json");
    let bare = format!("[{}]", doc(""));
    let page = format!(r#"{{"data": [{}], "next_token": null}}"#, doc(""));
    let bundle = format!(
        r#"{{"sleep": {{"data": [{}]}}, "daily_spo2": [{{"day": "2024-03-31", "spo2_percentage": {{"average": 95.0}}, "breathing_disturbance_index": 12}}]}}"#,
        doc("")
    );
    for text in [&bare, &page, &bundle] {
        let export = oura::parse(path, text.as_bytes()).unwrap();
        let night = &export.nights[0];
        // No time_in_bed: the window, 23:30 +01:00 → 07:30 +02:00 = 7 h = 420 min.
        close(night.time_in_bed_min, 420.0);
        // No hypnogram: WASO, awakenings and REM latency are not measured.
        assert_eq!(
            (night.waso_min, night.awakenings, night.rem_latency_min),
            (None, None, None)
        );
    }
    let export = oura::parse(path, bundle.as_bytes()).unwrap();
    close_opt(export.nights[0].spo2_mean, Some(95.0));
    close_opt(export.nights[0].odi, Some(12.0));
}

#[test]
fn spo2_above_100_is_a_bad_value() {
    let text = format!(
        r#"{{"data": [{}, {{"day": "2024-03-31", "spo2_percentage": {{"average": 101.5}}}}]}}"#,
        doc("")
    );
    let err = oura::parse(Path::new("oura.json"), text.as_bytes()).unwrap_err();
    assert!(matches!(err, ImportError::BadValue { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "oura.json: data[1].spo2_percentage.average is 101.5, but an SpO2 of 0-100 % was expected"
    );
    // A negative duration is impossible too.
    let text = format!("[{}]", doc(r#", "deep_sleep_duration": -300"#));
    let err = oura::parse(Path::new("oura.json"), text.as_bytes()).unwrap_err();
    assert!(
        err.to_string().contains("[0].deep_sleep_duration is -300"),
        "{err}"
    );
}

#[test]
fn truncated_file_is_malformed_at_a_line() {
    let (path, bytes) = fixture("oura_sleep.json");
    let err = oura::parse(&path, truncated(&bytes, 0.6)).unwrap_err();
    let ImportError::Malformed {
        location, detail, ..
    } = &err
    else {
        panic!("{err}")
    };
    assert!(location.starts_with("line "), "{location}");
    assert!(detail.contains("EOF"), "{detail}");
    assert!(
        err.to_string()
            .contains("oura_sleep.json is truncated or malformed at line")
    );
}

#[test]
fn a_field_of_the_wrong_type_is_malformed_at_its_record() {
    let text = format!("[{}]", doc(r#", "latency": "ten minutes""#));
    let err = oura::parse(Path::new("oura.json"), text.as_bytes()).unwrap_err();
    let ImportError::Malformed { location, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(location, "[0].latency");
    assert_eq!(
        err.to_string(),
        "oura.json is truncated or malformed at [0].latency: invalid type: string \"ten minutes\", expected f64"
    );
}

#[test]
fn another_vendors_file_is_the_wrong_vendor() {
    let (path, bytes) = fixture("whoop_sleep.json");
    let err = oura::parse(&path, &bytes).unwrap_err();
    assert!(matches!(err, ImportError::WrongVendor { .. }), "{err}");
    assert!(
        err.to_string()
            .ends_with("is not a Oura export: it looks like a WHOOP export"),
        "{err}"
    );
}

#[test]
fn only_naps_and_rests_is_no_nights() {
    let text = r#"{"data": [
        {"type": "rest", "bedtime_start": "2024-03-10T16:00:00+01:00", "bedtime_end": "2024-03-10T16:20:00+01:00"},
        {"type": "late_nap", "bedtime_start": "2024-03-10T19:00:00+01:00", "bedtime_end": "2024-03-10T19:40:00+01:00"},
        {"type": "late_nap", "bedtime_start": "2024-03-11T19:00:00+01:00", "bedtime_end": "2024-03-11T19:40:00+01:00"}
    ]}"#;
    let err = oura::parse(Path::new("oura.json"), text.as_bytes()).unwrap_err();
    assert!(matches!(err, ImportError::NoNights { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "oura.json has no night to report: every record was skipped (2 × Oura type `late_nap`, 1 × Oura type `rest`)"
    );
}
