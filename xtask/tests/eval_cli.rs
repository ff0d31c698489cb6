//! `cargo xtask eval` as a real process: baselines, metrics and report from a data run, and a
//! one-sentence error for a run directory without data.

use std::process::Command;

fn xtask() -> Command {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
}

#[test]
fn eval_writes_metrics_and_report_and_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let data = xtask()
        .args([
            "data",
            "--users",
            "12",
            "--nights",
            "3",
            "--questions",
            "24",
        ])
        .arg("--out")
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    assert!(
        data.status.success(),
        "{}",
        String::from_utf8_lossy(&data.stderr)
    );
    let eval = xtask()
        .args(["eval", "--baselines", "--resamples", "200", "--run"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&eval.stdout);
    assert!(
        eval.status.success(),
        "{}",
        String::from_utf8_lossy(&eval.stderr)
    );
    assert!(
        stdout.contains("expert") && stdout.contains("report.md"),
        "{stdout}"
    );
    assert!(dir.path().join("eval/metrics.json").is_file());
    assert!(dir.path().join("eval/report.md").is_file());
    assert!(
        dir.path()
            .join("predictions/random_letter.parquet")
            .is_file()
    );

    let empty = tempfile::tempdir().unwrap();
    let failed = xtask()
        .args(["eval", "--run"])
        .arg(empty.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(!failed.status.success());
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("test split") && stderr.contains("does not exist"),
        "{stderr}"
    );
}
