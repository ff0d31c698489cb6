//! `cargo xtask experiment` as a real process on a small experiment file: it runs every stage,
//! a rerun is all cached, a run killed during training resumes from its checkpoint, bad files
//! are one-sentence errors, and the committed experiments validate and dry-run offline.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const SMALL: &str = r#"
description = "integration test: two tiny students"
seed = 5
tasks = ["recommendation", "follow_up", "knowledge"]

[data]
users = 10
nights = 2
questions = 40
follow_ups_per_report = 1

[data.splits]
val = 0.2
test = 0.3

[student]
kind = "scratch"
vocab_size = 400
model = { hidden_size = 32, layers = 2, heads = 4, kv_heads = 2, intermediate_size = 64, max_positions = 512 }

[optim]
lr = 0.003
warmup_steps = 4

[loop]
batch_size = 4
max_steps = 30
max_len = 512
truncate = true
eval_every = 10
checkpoint_every = 5
progress = false

[[variants]]
name = "label"
objective = { kind = "label_only" }

[[variants]]
name = "sci"
objective = { kind = "two_stage", students = "one" }

[eval]
max_new_tokens = 12
batch_size = 8
resamples = 200
"#;

fn xtask() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

fn experiment(file: &Path, out: &Path) -> Command {
    let mut cmd = xtask();
    cmd.arg("experiment").arg(file).arg("--out").arg(out);
    cmd
}

fn ok(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

fn status_of<'a>(stdout: &'a str, stage: &str) -> &'a str {
    stdout
        .lines()
        .find(|l| l.starts_with(&format!("{stage:<26}")))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or_else(|| panic!("no summary line for {stage} in\n{stdout}"))
}

fn checkpoint(out: &Path, step: usize) -> PathBuf {
    out.join(format!(
        "train/sci/main/checkpoints/step-{step:06}/state.json"
    ))
}

#[test]
fn runs_caches_and_resumes_after_a_kill() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("small.toml");
    std::fs::write(&file, SMALL).unwrap();
    let out = tmp.path().join("run");

    // One stage at a time, killed while training the second variant, after its step-10
    // checkpoint; the rerun uses the default (parallel) jobs.
    let mut child = experiment(&file, &out)
        .args(["--jobs", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !checkpoint(&out, 10).is_file() {
        assert!(start.elapsed() < Duration::from_secs(600), "no checkpoint");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(!out.join("report.md").exists());

    let stdout = ok(&experiment(&file, &out).output().unwrap());
    for stage in ["data", "tokenizer", "train.label"] {
        assert_eq!(status_of(&stdout, stage), "cached", "{stdout}");
    }
    assert_eq!(status_of(&stdout, "train.sci"), "resumed", "{stdout}");
    for stage in ["predict.sci", "predict.baselines", "eval", "report"] {
        assert_eq!(status_of(&stdout, stage), "ran", "{stdout}");
    }
    let outcome = std::fs::read_to_string(out.join("train/sci/main/outcome.json")).unwrap();
    assert!(outcome.contains("\"resumed_from\": 10"), "{outcome}");
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("eval/plots/"), "{report}");
    for variant in [
        "label",
        "sci",
        "sci+teacher_rationale",
        "sci+no_rationale",
        "expert",
    ] {
        assert!(
            report.contains(variant),
            "{variant} missing from the report"
        );
        assert!(out.join(format!("predictions/{variant}.jsonl")).is_file());
    }

    // Everything cached: no stage runs again.
    let again = ok(&experiment(&file, &out).output().unwrap());
    let ran: Vec<&str> = again
        .lines()
        .filter(|l| l.contains(" ran ") || l.contains(" resumed "))
        .collect();
    assert!(ran.is_empty(), "{again}");

    // A changed evaluation setting reruns only the evaluation and the report.
    let fewer = SMALL.replace("resamples = 200", "resamples = 150");
    std::fs::write(&file, &fewer).unwrap();
    let third = ok(&experiment(&file, &out).output().unwrap());
    for stage in ["train.sci", "predict.label", "predict.baselines"] {
        assert_eq!(status_of(&third, stage), "cached", "{third}");
    }
    for stage in ["eval", "report"] {
        assert_eq!(status_of(&third, stage), "ran", "{third}");
    }

    // `--only predict` after a generation setting changed: the predictions run, nothing after.
    std::fs::write(
        &file,
        fewer.replace("max_new_tokens = 12", "max_new_tokens = 10"),
    )
    .unwrap();
    let fourth = ok(&experiment(&file, &out)
        .args(["--only", "predict"])
        .output()
        .unwrap());
    assert_eq!(status_of(&fourth, "predict.label"), "ran", "{fourth}");
    assert!(!fourth.contains("[8/9] eval"), "{fourth}");
}

fn error_of(output: &Output) -> String {
    assert!(!output.status.success(), "expected a failure");
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    stderr
}

#[test]
fn bad_experiment_files_are_one_sentence_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let cases = [
        (
            SMALL.replace(
                "follow_ups_per_report = 1",
                "follow_ups_per_report = 1\nfolowups = 2",
            ),
            "data.folowups",
        ),
        (SMALL.replace("users = 10", "users = \"ten\""), "data.users"),
        (
            SMALL.replace(
                "vocab_size = 400",
                "vocab_size = 400\ntokenizer = \"missing/tokenizer.json\"",
            ),
            "student.tokenizer",
        ),
        (SMALL.replace("lr = 0.003", "lr = -1.0"), "optim.lr"),
        (
            SMALL
                .replace("val = 0.2", "val = 0.0")
                .replace("resamples = 200", "resamples = 200\ncurve_items = 4"),
            "eval.curve_items",
        ),
        (
            SMALL.replace(
                "test = 0.3",
                "test = 0.3\n\n[data.knowledge_conditions]\nunseen_facts = 100000\nunseen_fact_questions = 5",
            ),
            "knowledge_conditions.unseen_facts",
        ),
        (
            format!(
                "{SMALL}[eval.judge]\nmax_items = 0\nendpoint = {{ base_url = \"http://127.0.0.1:9/v1\", model = \"j\" }}\n"
            ),
            "eval.judge.max_items",
        ),
        (
            format!("{SMALL}[eval.judge.endpoint]\nbase_url = \"localhost:9\"\nmodel = \"j\"\n"),
            "eval.judge.endpoint.base_url",
        ),
        (
            format!(
                "{SMALL}[eval.judge.endpoint]\nbase_url = \"http://127.0.0.1:9/v1\"\nmodell = \"j\"\n"
            ),
            "eval.judge.endpoint.modell",
        ),
    ];
    for (i, (text, key)) in cases.iter().enumerate() {
        let file = tmp.path().join(format!("bad{i}.toml"));
        std::fs::write(&file, text).unwrap();
        let err = error_of(&experiment(&file, &out).output().unwrap());
        assert!(err.contains(&format!("bad{i}.toml")), "{err}");
        assert!(err.contains(key), "{key}: {err}");
    }
    let err = error_of(
        &xtask()
            .args(["experiment", "no-such-experiment"])
            .output()
            .unwrap(),
    );
    assert!(err.contains("no-such-experiment.toml"), "{err}");
    assert!(
        !out.join("stages").exists(),
        "a bad file must not start a run"
    );
}

#[test]
fn committed_experiments_validate_and_dry_run_offline() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let list = ok(&xtask()
        .arg("list")
        .arg("--dir")
        .arg(root.join("experiments"))
        .output()
        .unwrap());
    assert!(list.contains("quick"), "{list}");
    assert!(!list.contains("invalid"), "{list}");
    let names: Vec<String> = std::fs::read_dir(root.join("experiments"))
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            (p.extension()? == "toml").then(|| p.to_string_lossy().into_owned())
        })
        .collect();
    assert!(names.len() >= 3, "{names:?}");
    for file in names {
        let plan = ok(&xtask()
            .args(["experiment", &file, "--dry-run"])
            .env("HF_HUB_OFFLINE", "1")
            .output()
            .unwrap());
        assert!(plan.contains("stages"), "{plan}");
        assert!(plan.contains("expected peak memory"), "{file}: {plan}");
    }
}

#[test]
fn science_experiment_reads_fixtures_and_reports_an_unreachable_teacher() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/sleepcot-data/tests/fixtures/science");
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("sci.toml");
    let text = format!(
        r#"tasks = ["knowledge"]
[science]
train = ["{arc}"]
test = ["{obqa}"]
teacher = {{ kind = "chat", base_url = "http://127.0.0.1:9/v1", model = "teacher", max_retries = 0, connect_timeout_s = 2.0 }}
[student]
kind = "scratch"
vocab_size = 300
[[variants]]
name = "sci"
objective = {{ kind = "two_stage" }}
"#,
        arc = fixtures.join("arc-sample.jsonl").display(),
        obqa = fixtures.join("openbookqa-sample.jsonl").display()
    );
    std::fs::write(&file, &text).unwrap();
    let plan = ok(&xtask()
        .args(["experiment"])
        .arg(&file)
        .arg("--dry-run")
        .output()
        .unwrap());
    assert!(plan.contains("science questions: train 6"), "{plan}");
    assert!(!plan.contains("judge"), "{plan}");
    let err = error_of(
        &experiment(&file, &tmp.path().join("unjudged"))
            .args(["--only", "judge"])
            .output()
            .unwrap(),
    );
    assert!(err.contains("has no judge stage"), "{err}");
    let judged = format!(
        "{text}[eval.judge]\nmax_items = 4\nendpoint = {{ base_url = \"http://127.0.0.1:9/v1\", model = \"judge-model\" }}\n"
    );
    let judged_file = tmp.path().join("judged.toml");
    std::fs::write(&judged_file, judged).unwrap();
    let judged_plan = ok(&xtask()
        .args(["experiment"])
        .arg(&judged_file)
        .arg("--dry-run")
        .output()
        .unwrap());
    assert!(
        judged_plan.contains(
            "judge      judge-model at http://127.0.0.1:9/v1, up to 4 recommendations per variant"
        ),
        "{judged_plan}"
    );
    let stage_line = |plan: &str, name: &str| -> String {
        plan.lines()
            .find(|l| l.split_whitespace().nth(1) == Some(name))
            .unwrap_or_default()
            .to_string()
    };
    // The judge sits between the predictions and the evaluation, which reads its scores.
    assert!(judged_plan.contains(". judge "), "{judged_plan}");
    assert_eq!(
        stage_line(&plan, "predict.sci"),
        stage_line(&judged_plan, "predict.sci")
    );
    assert_ne!(stage_line(&plan, "eval"), stage_line(&judged_plan, "eval"));
    let out = tmp.path().join("run");
    let err = error_of(&experiment(&file, &out).output().unwrap());
    assert!(err.contains("127.0.0.1:9"), "{err}");
    let record = std::fs::read_to_string(out.join("stages/data.json")).unwrap();
    assert!(
        record.contains("\"running\""),
        "a failed stage is never marked done: {record}"
    );

    let wrong_tasks = text.replace("tasks = [\"knowledge\"]", "");
    std::fs::write(&file, wrong_tasks).unwrap();
    let err = error_of(&experiment(&file, &out).output().unwrap());
    assert!(err.contains("`tasks`"), "{err}");
}
