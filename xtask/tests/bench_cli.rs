//! `cargo xtask bench generate` as a process: a batched run reports its batch, kernel path and
//! rates as JSON, a sampled run says how it chose; a batch of 0, a top-p outside (0, 1] and an
//! unknown kernel path are one-sentence errors.

use std::process::Command;

fn xtask() -> Command {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
}

/// Runs `xtask bench generate ARGS... --json`, expects success and returns its JSON line.
fn bench_json(args: &[&str]) -> serde_json::Value {
    let out = xtask()
        .args(["bench", "generate"])
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn batched_generation_bench_reports_its_batch_and_path() {
    let line = bench_json(&[
        "--shape", "tiny", "--batch", "3", "--prompt", "4", "--decode", "2",
    ]);
    assert_eq!(line["batch"], 3);
    assert!(line["decode_tok_s"].as_f64().unwrap() > 0.0, "{line}");
    assert!(line["kernels"].is_string(), "{line}");

    let out = xtask()
        .args(["bench", "generate", "--batch", "0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.trim(),
        "error: --batch is 0, but at least 1 row was expected"
    );

    let out = xtask()
        .args(["bench", "generate", "--batch", "1"])
        .env("SLEEPCOT_CPU_KERNELS", "sse9")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("SLEEPCOT_CPU_KERNELS is \"sse9\""), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    let line = bench_json(&[
        "--batch",
        "2",
        "--prompt",
        "4",
        "--decode",
        "3",
        "--temperature",
        "0.8",
        "--top-k",
        "20",
        "--top-p",
        "0.9",
        "--repetition-penalty",
        "1.1",
    ]);
    assert_eq!(
        line["choice"],
        "sampled (temperature 0.8, top-k 20, top-p 0.9), repetition penalty 1.1"
    );

    let out = xtask()
        .args(["bench", "generate", "--temperature", "1", "--top-p", "1.5"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim(), "error: --top-p: 1.5 is not in (0, 1]");
}
