//! `cargo xtask bench generate` as a process: a batched run reports its batch, kernel path and
//! rates as JSON; a batch of 0 and an unknown kernel path are one-sentence errors.

use std::process::Command;

fn xtask() -> Command {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
}

#[test]
fn batched_generation_bench_reports_its_batch_and_path() {
    let out = xtask()
        .args(["bench", "generate", "--shape", "tiny", "--batch", "3"])
        .args(["--prompt", "4", "--decode", "2", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
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
}
