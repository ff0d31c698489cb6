//! `cargo xtask import` and `cargo xtask ask --teacher expert` as real processes: an export
//! becomes a report with a printed table, and every kind of bad input is one sentence naming
//! the file and the field, a non-zero exit, and no report written.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn xtask() -> Command {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
}

/// A fixture of the importers' tests.
fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/sleepcot-data/tests/fixtures/import")
        .join(name)
}

fn import(files: &[&Path], args: &[&str], out: &Path) -> Output {
    xtask()
        .arg("import")
        .args(files)
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

/// The one-line error of a failed run, which wrote no report.
fn error_of(output: &Output, out: &Path) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
    assert!(!output.status.success(), "succeeded: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!out.exists(), "{} was written", out.display());
    stderr
}

#[test]
fn an_oura_export_becomes_a_report_and_the_expert_teacher_reads_it() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("myoura.json");
    let habits = tmp.path().join("habits.toml");
    std::fs::write(
        &habits,
        "caffeine_mg_per_day = 200.0\nlast_caffeine_hour = 20.0\nalcohol_drinks_per_week = 0.0\nevening_drinks = 0.0\nexercise_minutes_per_week = 0\nexercise_timing = \"none\"\nevening_screen_minutes = 90\nnaps_per_week = 0\nnap_minutes = 0\n",
    )
    .unwrap();
    let output = xtask()
        .arg("import")
        .arg(fixture("oura_sleep.json"))
        .args(["--age", "40", "--sex", "f", "--habits"])
        .arg(&habits)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The table: both nights with their evening, clock times and hand-checked totals.
    assert!(stdout.contains("2024-03-09"), "{stdout}");
    assert!(stdout.contains("2024-03-30"), "{stdout}");
    assert!(stdout.contains("45 RMSSD"), "{stdout}");
    assert!(
        stdout.contains("90.6") && stdout.contains("91.7"),
        "{stdout}"
    );
    // Oura gives no SpO2 nadir and no movement; the unknown context is named.
    assert!(stdout.contains("not measured: "), "{stdout}");
    assert!(
        stdout.contains("SpO2 low") && stdout.contains("movement"),
        "{stdout}"
    );
    assert!(
        stdout.contains("not given: BMI, chronotype, work schedule, driving, symptoms"),
        "{stdout}"
    );
    // The unknown sleep_phase_5_min code of night B is skipped and counted.
    assert!(
        stdout.contains("1 × Oura sleep_phase_5_min code `0`"),
        "{stdout}"
    );
    // The habits fire their rules: caffeine at 20:00 before a 23:15 mean bedtime, 90 min of
    // screens.
    assert!(stdout.contains("[late caffeine]"), "{stdout}");
    assert!(stdout.contains("[evening screen use]"), "{stdout}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(report["id"], "myoura");
    assert_eq!(report["nights"].as_array().unwrap().len(), 2);

    let ask = xtask()
        .args(["ask", "--teacher", "expert", "--report"])
        .arg(&out)
        .output()
        .unwrap();
    let reply = String::from_utf8_lossy(&ask.stdout);
    assert!(
        ask.status.success(),
        "{}",
        String::from_utf8_lossy(&ask.stderr)
    );
    assert!(
        reply.contains("Step 1") && reply.contains("Answer:"),
        "{reply}"
    );
    assert!(reply.contains("[late caffeine]"), "{reply}");

    // A follow-up the expert teacher does not compute is one sentence listing those it does.
    let ask = xtask()
        .args([
            "ask",
            "--teacher",
            "expert",
            "--question",
            "Why?",
            "--report",
        ])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&ask.stderr);
    assert!(!ask.status.success());
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("answers only the follow-up questions"),
        "{stderr}"
    );
}

#[test]
fn several_files_are_merged_by_night() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report.json");
    let output = import(
        &[&fixture("garmin_sleeps.json"), &fixture("whoop_sleep.json")],
        &["--age", "30", "--sex", "m"],
        &out,
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // 2 Garmin + 2 WHOOP nights, none overlapping.
    assert!(
        stdout.starts_with("4 nights of a 30-year-old male"),
        "{stdout}"
    );
    // WHOOP's nap and pending records are skipped and named.
    assert!(stdout.contains("skipped:"), "{stdout}");
}

#[test]
fn bad_input_is_one_sentence_naming_the_file_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report.json");
    let person = ["--age", "40", "--sex", "f"];
    let oura = fixture("oura_sleep.json");

    // The wrong vendor, saying what the file looks like instead.
    let e = error_of(
        &import(
            &[&oura],
            &["--from", "garmin", "--age", "40", "--sex", "f"],
            &out,
        ),
        &out,
    );
    assert!(
        e.contains("oura_sleep.json is not a Garmin export: it looks like an Oura export"),
        "{e}"
    );

    // A truncated download: the line where reading stopped.
    let cut = tmp.path().join("cut.json");
    let bytes = std::fs::read(&oura).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let e = error_of(&import(&[&cut], &person, &out), &out);
    assert!(
        e.contains("cut.json is truncated or malformed at line"),
        "{e}"
    );

    // An empty date range, and a range without a night.
    let e = error_of(
        &import(
            &[&oura],
            &[
                &person[..],
                &["--from-date", "2024-05-02", "--to-date", "2024-05-01"],
            ]
            .concat(),
            &out,
        ),
        &out,
    );
    assert!(
        e.contains("--from-date 2024-05-02 is after --to-date 2024-05-01"),
        "{e}"
    );
    let e = error_of(
        &import(
            &[&oura],
            &[&person[..], &["--from-date", "2024-05-01"]].concat(),
            &out,
        ),
        &out,
    );
    assert!(e.contains("oura_sleep.json has no night to report: none of its 2 nights falls in the date range 2024-05-01 to …"), "{e}");

    // SpO2 above 100 % after unit handling, naming the record's field.
    let spo2 = tmp.path().join("spo2.json");
    std::fs::write(
        &spo2,
        std::fs::read_to_string(&oura)
            .unwrap()
            .replacen("96.4", "101.5", 1),
    )
    .unwrap();
    let e = error_of(&import(&[&spo2], &person, &out), &out);
    assert!(
        e.contains("spo2.json: ")
            && e.contains("spo2_percentage.average is 101.5, but an SpO2 of 0-100 % was expected"),
        "{e}"
    );

    // An age the rule table has no norms for names the supported range.
    let e = error_of(&import(&[&oura], &["--age", "9", "--sex", "f"], &out), &out);
    assert!(
        e.contains("--age: the person's age is 9, but an age of 13-90 years"),
        "{e}"
    );

    // No age at all (Oura does not state one).
    let e = error_of(&import(&[&oura], &["--sex", "f"], &out), &out);
    assert!(
        e.contains("oura_sleep.json or --age: the person's age is not given"),
        "{e}"
    );

    // A habits file with an unknown key names the file and the key.
    let habits = tmp.path().join("habits.json");
    std::fs::write(&habits, r#"{"coffee": 2}"#).unwrap();
    let e = error_of(
        &import(
            &[&oura],
            &[&person[..], &["--habits", habits.to_str().unwrap()]].concat(),
            &out,
        ),
        &out,
    );
    assert!(
        e.contains("habits.json has the unknown habit `coffee`"),
        "{e}"
    );
}
