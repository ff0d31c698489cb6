//! `cargo xtask data` as a real process: byte-identical files whatever `RAYON_NUM_THREADS` is,
//! different files for a different seed, and one-sentence errors for bad arguments.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

fn xtask() -> Command {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
}

fn run_data(out: &Path, seed: u64, threads: usize) {
    let status = xtask()
        .args([
            "data",
            "--users",
            "24",
            "--nights",
            "7",
            "--questions",
            "120",
        ])
        .args(["--seed", &seed.to_string(), "--out"])
        .arg(out)
        .env("RAYON_NUM_THREADS", threads.to_string())
        .output()
        .expect("xtask runs");
    assert!(
        status.status.success(),
        "xtask data failed: {}",
        String::from_utf8_lossy(&status.stderr)
    );
}

/// Every file under `dir`, relative path → bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

#[test]
fn same_seed_gives_identical_files_whatever_the_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let (one, two, other) = (
        tmp.path().join("one"),
        tmp.path().join("two"),
        tmp.path().join("other"),
    );
    run_data(&one, 11, 1);
    run_data(&two, 11, 2);
    run_data(&other, 12, 2);
    let (a, b, c) = (files(&one), files(&two), files(&other));
    let expected = [
        "config.json",
        "reports.jsonl",
        "reports.parquet",
        "questions.jsonl",
        "questions.parquet",
        "instructions/train.jsonl",
        "instructions/train.parquet",
        "instructions/val.jsonl",
        "instructions/val.parquet",
        "instructions/test.jsonl",
        "instructions/test.parquet",
    ];
    for name in expected {
        assert!(a.contains_key(name), "{name} missing");
    }
    assert_eq!(a.len(), expected.len(), "unexpected files: {:?}", a.keys());
    for (name, bytes) in &a {
        assert!(b[name] == *bytes, "{name} differs between 1 and 2 threads");
    }
    assert_ne!(a["reports.jsonl"], c["reports.jsonl"]);
    assert_ne!(a["questions.jsonl"], c["questions.jsonl"]);
}

#[test]
fn impossible_arguments_give_one_sentence_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let out = xtask()
        .args(["data", "--users", "0", "--out"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("data config field `users` is 0, but at least 1 was expected"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");

    let out = xtask()
        .args(["data", "--questions", "100000000", "--out"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: ") && stderr.contains("100000000"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    // Nothing was written for the failed runs.
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
}

#[test]
fn an_unwritable_output_directory_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let blocker = tmp.path().join("file");
    std::fs::write(&blocker, b"not a directory").unwrap();
    let out = xtask()
        .args(["data", "--users", "3", "--questions", "8", "--out"])
        .arg(blocker.join("sub"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("file/sub"), "{stderr}");
    assert_eq!(std::fs::read(&blocker).unwrap(), b"not a directory");
}

#[test]
fn audit_passes_generated_data_and_fails_on_an_inconsistent_reply_or_a_missing_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    run_data(&data, 3, 2);
    let audit = |dir: &Path| xtask().arg("audit").arg(dir).output().expect("xtask runs");
    let clean = audit(&data);
    let stdout = String::from_utf8_lossy(&clean.stdout);
    assert!(clean.status.success(), "{stdout}");
    assert!(stdout.contains("0 violations"), "{stdout}");
    // One recommendation whose comparison contradicts its quoted value.
    let path = data.join("instructions/train.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut done = false;
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            let mut row: serde_json::Value = serde_json::from_str(line).unwrap();
            let reply = row["assistant"].as_str().unwrap_or("").to_string();
            if !done && row["task"] == "recommendation" && reply.contains("is at or above") {
                done = true;
                row["assistant"] = reply.replacen("is at or above", "is below", 1).into();
            }
            row.to_string()
        })
        .collect();
    assert!(
        done,
        "some training reply compares a value at or above its norm"
    );
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let bad = audit(&data);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stdout).contains("direction"));
    let missing = audit(&tmp.path().join("nowhere"));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(!missing.status.success());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("nowhere holds no instructions/train.jsonl"),
        "{stderr}"
    );
}
