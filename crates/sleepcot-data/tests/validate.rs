//! Report validation: every impossible value is rejected with a message naming field and value.

use sleepcot_data::persona::{PopulationMix, generate_persona};
use sleepcot_data::report::{Report, build_report};
use sleepcot_data::validate::{ReportError, read_report, validate};

fn report() -> Report {
    let persona = generate_persona(5, 3, &PopulationMix::default());
    build_report(5, 3, &persona)
}

fn message(r: &Report) -> String {
    validate(r).expect_err("should be rejected").to_string()
}

#[test]
fn generated_reports_are_valid_and_round_trip_through_a_file() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..20 {
        let persona = generate_persona(9, i, &PopulationMix::default());
        let r = build_report(9, i, &persona);
        validate(&r).unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join(format!("{i}.json"));
        std::fs::write(&path, serde_json::to_vec_pretty(&r).unwrap()).unwrap();
        assert_eq!(read_report(&path).unwrap(), r);
    }
}

#[test]
fn negative_duration_is_named_with_night_index() {
    let mut r = report();
    r.nights[2].waso_min = Some(-4.0);
    let msg = message(&r);
    assert!(msg.contains("`nights[2].waso_min` is -4"), "{msg}");
    assert!(msg.contains("non-negative duration"), "{msg}");
}

#[test]
fn efficiency_above_100_and_inconsistent_efficiency() {
    let mut r = report();
    r.nights[1].efficiency_pct = 104.0;
    let msg = message(&r);
    assert!(msg.contains("`nights[1].efficiency_pct` is 104"), "{msg}");
    assert!(msg.contains("between 0 and 100"), "{msg}");

    let mut r = report();
    r.nights[0].efficiency_pct = (r.nights[0].efficiency_pct - 10.0).max(0.0);
    let msg = message(&r);
    assert!(msg.contains("`nights[0].efficiency_pct`"), "{msg}");
    assert!(msg.contains("100 * total sleep / time in bed"), "{msg}");
}

#[test]
fn total_sleep_above_time_in_bed() {
    let mut r = report();
    r.nights[3].total_sleep_min = r.nights[3].time_in_bed_min + 30.0;
    let msg = message(&r);
    assert!(msg.contains("`nights[3].total_sleep_min`"), "{msg}");
    assert!(msg.contains("at most the time in bed"), "{msg}");
}

#[test]
fn stage_minutes_above_total_sleep() {
    let mut r = report();
    r.nights[4].deep_min = r.nights[4].deep_min.map(|d| d + 60.0);
    let msg = message(&r);
    assert!(
        msg.contains("`nights[4].light_min + deep_min + rem_min`"),
        "{msg}"
    );
    assert!(msg.contains("at most the total sleep"), "{msg}");
}

#[test]
fn spo2_above_100_and_nadir_above_mean() {
    let mut r = report();
    r.nights[0].spo2_mean = Some(101.5);
    let msg = message(&r);
    assert!(msg.contains("`nights[0].spo2_mean` is 101.5"), "{msg}");

    let mut r = report();
    r.nights[5].spo2_nadir = r.nights[5].spo2_mean.map(|m| m + 1.0);
    let msg = message(&r);
    assert!(msg.contains("`nights[5].spo2_nadir`"), "{msg}");
    assert!(msg.contains("at most the mean SpO2"), "{msg}");
}

#[test]
fn negative_odi_and_age_out_of_range() {
    let mut r = report();
    r.nights[6].odi = Some(-1.0);
    let msg = message(&r);
    assert!(msg.contains("`nights[6].odi` is -1"), "{msg}");

    let mut r = report();
    r.persona.age = 7;
    let msg = message(&r);
    assert!(msg.contains("`persona.age` is 7"), "{msg}");
    assert!(msg.contains("between 13 and 90"), "{msg}");
}

#[test]
fn malformed_json_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.json");
    std::fs::write(&path, "{\n  \"id\": \"r1\",\n  \"nights\": [}\n").unwrap();
    let err = read_report(&path).unwrap_err();
    assert!(matches!(err, ReportError::Json { line: 3, .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("broken.json"), "{msg}");
    assert!(msg.contains("line 3, column"), "{msg}");
}

#[test]
fn missing_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.json");
    let msg = read_report(&path).unwrap_err().to_string();
    assert!(msg.contains("nope.json does not exist"), "{msg}");
}

#[test]
fn invalid_values_in_a_file_are_rejected_on_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.json");
    let mut r = report();
    r.nights[1].time_in_bed_min = -10.0;
    std::fs::write(&path, serde_json::to_vec(&r).unwrap()).unwrap();
    let msg = read_report(&path).unwrap_err().to_string();
    assert!(msg.contains("`nights[1].time_in_bed_min` is -10"), "{msg}");
}
