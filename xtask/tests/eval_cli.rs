//! `cargo xtask eval` as a real process: baselines, metrics and report from a data run, and a
//! one-sentence error for a run directory without data.

use std::process::Command;

fn xtask() -> Command {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
}

/// Runs `xtask eval --run DIR ARGS…` and checks it fails with one line on stderr containing
/// `expected`.
fn fails_with(dir: &std::path::Path, args: &[String], expected: &str) {
    let failed = xtask()
        .args(["eval", "--run"])
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(!failed.status.success(), "{args:?}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains(expected), "{args:?}: {stderr}");
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

/// The committed tiny checkpoint with a tokenizer of its vocabulary size: an exported student.
fn fixture_student(dir: &std::path::Path) {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/sleepcot-model/tests/fixtures/tiny-untied");
    std::fs::create_dir_all(dir).unwrap();
    for file in ["config.json", "model.safetensors"] {
        std::fs::copy(fixture.join(file), dir.join(file)).unwrap();
    }
    let texts = [
        "Sleep seven to nine hours. Answer: B",
        "Deep sleep comes early.",
    ];
    sleepcot_model::tokenizer::train_bpe(&texts, 512)
        .unwrap()
        .save(dir.join("tokenizer.json"))
        .unwrap();
}

#[test]
fn eval_generates_a_students_answers_and_names_bad_specs() {
    let dir = tempfile::tempdir().unwrap();
    let data = xtask()
        .args(["data", "--users", "6", "--nights", "2", "--questions", "12"])
        .arg("--out")
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    assert!(
        data.status.success(),
        "{}",
        String::from_utf8_lossy(&data.stderr)
    );
    let model = dir.path().join("student");
    fixture_student(&model);

    let eval = xtask()
        .args([
            "eval",
            "--resamples",
            "100",
            "--max-new-tokens",
            "4",
            "--run",
        ])
        .arg(dir.path())
        .arg("--student")
        .arg(format!("tiny={}@answer_only", model.display()))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&eval.stdout);
    assert!(
        eval.status.success(),
        "{}",
        String::from_utf8_lossy(&eval.stderr)
    );
    assert!(stdout.contains("predictions of tiny"), "{stdout}");
    assert!(dir.path().join("predictions/tiny.jsonl").is_file());
    assert!(dir.path().join("eval/report.md").is_file());

    for (spec, expected) in [
        ("tiny".to_string(), "NAME=DIR"),
        (format!("tiny={}@sonnet", model.display()), "unknown format"),
        ("tiny=/no/such/model".to_string(), "/no/such/model"),
    ] {
        fails_with(dir.path(), &["--student".to_string(), spec], expected);
    }

    // Chat endpoints: a missing file, a bad one, and one that nobody answers.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "base_url = \"x\"\nmodle = \"y\"\n").unwrap();
    let dead = dir.path().join("dead.toml");
    std::fs::write(
        &dead,
        "base_url = \"http://127.0.0.1:9/v1\"\nmodel = \"m\"\nmax_retries = 0\n",
    )
    .unwrap();
    for (spec, expected) in [
        (
            "llm=/no/such/endpoint.toml".to_string(),
            "/no/such/endpoint.toml",
        ),
        (format!("llm={}", bad.display()), "modle"),
        (format!("llm={}@answer_only", dead.display()), "127.0.0.1:9"),
    ] {
        fails_with(dir.path(), &["--chat".to_string(), spec], expected);
    }

    // The LLM judge: a bad endpoint file, an impossible sample size, and a dead endpoint.
    for (args, expected) in [
        (
            vec!["--judge".to_string(), bad.display().to_string()],
            "modle",
        ),
        (
            vec![
                "--judge".to_string(),
                dead.display().to_string(),
                "--judge-max-items".to_string(),
                "0".to_string(),
            ],
            "`max_items` is 0",
        ),
        (
            vec!["--judge".to_string(), dead.display().to_string()],
            "the LLM judge failed on ",
        ),
    ] {
        fails_with(dir.path(), &args, expected);
    }
    assert!(
        !dir.path().join("judge").exists(),
        "a failed judge writes nothing"
    );
}
