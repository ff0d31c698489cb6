//! `cargo xtask train` as a real process: killed with SIGKILL mid-run and started again, it
//! continues the same run, and its per-step losses equal those of a run never interrupted (which
//! also ran with a different thread count).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sleepcot_data::instructions::InstructionRecord;
use sleepcot_data::io::write_jsonl;
use sleepcot_data::pipeline::{DataConfig, Dataset};
use sleepcot_data::teacher::{ExpertTeacher, Task};
use sleepcot_train::MetricRow;

const STEPS: usize = 40;

fn write_data(dir: &Path) {
    let config = DataConfig {
        seed: 11,
        users: 3,
        nights: 2,
        questions: 40,
        ..DataConfig::default()
    };
    let records: Vec<InstructionRecord> = Dataset::generate(&config, &ExpertTeacher, &|_| {})
        .unwrap()
        .records
        .into_iter()
        .filter(|r| r.task == Task::Knowledge)
        .collect();
    std::fs::create_dir_all(dir).unwrap();
    write_jsonl(&dir.join("train.jsonl"), &records[..24]).unwrap();
    write_jsonl(&dir.join("val.jsonl"), &records[24..28]).unwrap();
}

fn write_config(path: &Path, data: &Path, out: &Path) {
    let text = format!(
        r#"seed = 4
data = "{}"
out = "{}"
objective = {{ kind = "step_by_step", answer_weight = 0.4 }}
[student]
kind = "scratch"
vocab_size = 400
model = {{ hidden_size = 32, layers = 2, heads = 4, kv_heads = 2, intermediate_size = 64, max_positions = 256 }}
[optim]
lr = 0.003
warmup_steps = 5
[loop]
batch_size = 4
grad_accum = 2
max_steps = {STEPS}
max_len = 256
truncate = true
eval_every = 10
checkpoint_every = 10
progress = false
"#,
        data.display(),
        out.display()
    );
    std::fs::write(path, text).unwrap();
}

fn train_command(config: &Path, threads: usize) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.args(["train", "--config"]).arg(config);
    cmd.env("RAYON_NUM_THREADS", threads.to_string());
    cmd
}

fn metrics(out: &Path) -> Vec<MetricRow> {
    sleepcot_train::metrics::read_metrics(&out.join("main/metrics.csv")).unwrap()
}

fn checkpoint_exists(out: &Path, step: usize) -> bool {
    out.join(format!("main/checkpoints/step-{step:06}/state.json"))
        .is_file()
}

#[test]
fn a_killed_run_resumes_with_the_same_losses() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    write_data(&data);

    let (config_a, out_a): (PathBuf, PathBuf) = (tmp.path().join("a.toml"), tmp.path().join("a"));
    write_config(&config_a, &data, &out_a);
    let done = train_command(&config_a, 1).output().unwrap();
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let reference = metrics(&out_a);
    assert_eq!(reference.len(), STEPS);

    let (config_b, out_b) = (tmp.path().join("b.toml"), tmp.path().join("b"));
    write_config(&config_b, &data, &out_b);
    let mut child = train_command(&config_b, 2)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !checkpoint_exists(&out_b, 20) {
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "no checkpoint at step 20"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(
        !checkpoint_exists(&out_b, STEPS),
        "the run finished before the kill"
    );

    let resumed = train_command(&config_b, 2).output().unwrap();
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let stdout = String::from_utf8_lossy(&resumed.stdout);
    assert!(stdout.contains("resumed at step"), "{stdout}");
    let after = metrics(&out_b);
    assert_eq!(after.len(), STEPS);
    for (a, b) in reference.iter().zip(&after) {
        assert_eq!(a.step, b.step);
        assert!(
            (a.train_loss - b.train_loss).abs() <= 1e-6,
            "step {}: uninterrupted {} vs resumed {}",
            a.step,
            a.train_loss,
            b.train_loss
        );
        assert_eq!(a.val_loss.is_some(), b.val_loss.is_some());
        if let (Some(x), Some(y)) = (a.val_loss, b.val_loss) {
            assert!((x - y).abs() <= 1e-6, "step {}: val {x} vs {y}", a.step);
        }
    }
}

#[test]
fn a_bad_config_is_one_sentence_and_a_failure() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("bad.toml");
    std::fs::write(
        &path,
        "data = \"d\"\nout = \"o\"\n[student]\nkind = \"scratch\"\n[optim]\nlr = 0\n",
    )
    .unwrap();
    let out = train_command(&path, 1).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("optim.lr"), "{stderr}");
}

#[test]
fn more_devices_than_micro_batches_is_one_sentence_and_a_failure() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("train.toml");
    std::fs::write(
        &path,
        "data = \"d\"\nout = \"o\"\n[student]\nkind = \"scratch\"\n",
    )
    .unwrap();
    let out = train_command(&path, 1)
        .args(["--devices", "2"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("loop.grad_accum") && stderr.contains("--devices 2"),
        "{stderr}"
    );
}
