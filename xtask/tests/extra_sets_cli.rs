//! External test sets as real processes: a tiny experiment with `[eval] extra_questions` (an
//! ARC-layout exam) and `extra_reports` (a report written by `cargo xtask import`) scores both
//! for every variant and baseline as `<metric>.<set>`; `cargo xtask eval --questions` scores a
//! further file one-off; and `cargo xtask ask --model` streams the tiny Sci-CoT student's two
//! stages about the imported report.

use std::path::Path;
use std::process::{Command, Output};

const TINY: &str = r#"
description = "integration test: external test sets"
seed = 3
tasks = ["recommendation", "follow_up", "knowledge"]

[data]
users = 8
nights = 2
questions = 24
follow_ups_per_report = 1

[data.splits]
val = 0.2
test = 0.3

[data.knowledge_conditions]
unseen_facts = 3
unseen_fact_questions = 6
trained_phrasing_questions = 6

[student]
kind = "scratch"
vocab_size = 400
model = { hidden_size = 32, layers = 1, heads = 4, kv_heads = 2, intermediate_size = 64, max_positions = 1024 }

[loop]
batch_size = 4
max_steps = 4
max_len = 512
truncate = true
eval_every = 4
checkpoint_every = 2
keep_checkpoints = 2
progress = false

[[variants]]
name = "sci"
objective = { kind = "two_stage", students = "one" }

[eval]
max_new_tokens = 6
batch_size = 8
resamples = 100
curve_items = 2
extra_questions = ["EXAM"]
extra_reports = ["REPORT"]
"#;

fn xtask() -> Command {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
}

fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn arc_fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/sleepcot-data/tests/fixtures/science/arc-sample.jsonl")
}

#[test]
fn extra_sets_are_scored_per_variant_and_a_student_answers_an_imported_report() {
    let tmp = tempfile::tempdir().unwrap();
    let exam = tmp.path().join("exam.jsonl");
    std::fs::copy(arc_fixture(), &exam).unwrap();
    let report = tmp.path().join("myoura.json");
    ok(&xtask()
        .arg("import")
        .arg(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../crates/sleepcot-data/tests/fixtures/import/oura_sleep.json"),
        )
        .args(["--age", "40", "--sex", "f", "--out"])
        .arg(&report)
        .output()
        .unwrap());
    let spec = TINY
        .replace("EXAM", &exam.display().to_string())
        .replace("REPORT", &report.display().to_string());
    let file = tmp.path().join("tiny.toml");
    std::fs::write(&file, spec).unwrap();
    let run = tmp.path().join("run");
    ok(&xtask()
        .arg("experiment")
        .arg(&file)
        .arg("--out")
        .arg(&run)
        .output()
        .unwrap());

    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("eval/metrics.json")).unwrap())
            .unwrap();
    let extra = |variant: &str| -> Vec<String> {
        metrics["variants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == variant)
            .unwrap_or_else(|| panic!("no variant {variant}"))["extra"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|m| m["metric"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    // Every student variant and baseline answered the exam; the students and the teacher
    // the imported report.
    for variant in ["sci", "sci+no_rationale", "random_letter", "untrained"] {
        assert!(
            extra(variant).contains(&"knowledge_accuracy.exam".to_string()),
            "{variant}: {:?}",
            extra(variant)
        );
    }
    // The knowledge conditions the data stage wrote are scored like any extra set, and the
    // teacher answers them all.
    for variant in ["sci", "sci+no_rationale", "expert", "random_letter"] {
        for set in ["trained_phrasing", "unseen_fact"] {
            let name = format!("knowledge_accuracy.{set}");
            assert!(
                extra(variant).contains(&name),
                "{variant}: {:?}",
                extra(variant)
            );
        }
    }
    let expert = metrics["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "expert")
        .unwrap();
    for m in expert["extra"].as_array().unwrap() {
        if m["metric"]
            .as_str()
            .unwrap()
            .starts_with("knowledge_accuracy.")
        {
            assert_eq!(m["value"]["estimate"], 1.0, "{m}");
        }
    }
    for variant in ["sci", "expert", "generic"] {
        assert!(
            extra(variant).contains(&"finding_recall.myoura".to_string()),
            "{variant}: {:?}",
            extra(variant)
        );
    }
    let report_md = std::fs::read_to_string(run.join("eval/appendix.md")).unwrap();
    assert!(
        report_md.contains("### Extra test set `exam`"),
        "{report_md}"
    );
    assert!(
        report_md.contains("### Extra test set `myoura`"),
        "{report_md}"
    );
    // The learning curve: each task's main metric at both kept checkpoints, on two validation
    // items per task, drawn into the report.
    let curve: Vec<serde_json::Value> = std::fs::read_to_string(run.join("curves/sci.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let steps: std::collections::BTreeSet<u64> =
        curve.iter().map(|p| p["step"].as_u64().unwrap()).collect();
    assert_eq!(steps.into_iter().collect::<Vec<_>>(), [2, 4], "{curve:?}");
    for point in &curve {
        assert!(point["tokens"].as_u64().unwrap() > 0, "{point}");
        assert!(point["n"].as_u64().unwrap() <= 2, "{point}");
    }
    let metrics_seen: std::collections::BTreeSet<&str> = curve
        .iter()
        .map(|p| p["metric"].as_str().unwrap())
        .collect();
    assert!(
        metrics_seen.contains("knowledge_accuracy"),
        "{metrics_seen:?}"
    );
    assert!(run.join("eval/plots/learning_curves.png").is_file());
    // The headline carries the knowledge conditions beside the main knowledge column.
    let headline = std::fs::read_to_string(run.join("report.md")).unwrap();
    assert!(
        headline.contains(
            "| knowledge_accuracy | knowledge_accuracy.exam | knowledge_accuracy.trained_phrasing | knowledge_accuracy.unseen_fact |"
        ),
        "{headline}"
    );
    assert!(
        headline.contains("eval/plots/learning_curves.png"),
        "{headline}"
    );

    // One-off: another exam, scored for the trained variant and the baselines.
    let quiz = tmp.path().join("quiz.jsonl");
    std::fs::copy(arc_fixture(), &quiz).unwrap();
    let stdout = ok(&xtask()
        .args([
            "eval",
            "--resamples",
            "100",
            "--max-new-tokens",
            "4",
            "--run",
        ])
        .arg(&run)
        .arg("--questions")
        .arg(&quiz)
        .output()
        .unwrap());
    assert!(stdout.contains("knowledge_accuracy.quiz"), "{stdout}");
    assert!(run.join("extra/quiz/predictions/sci.jsonl").is_file());

    // The Sci-CoT student writes its rationale, then answers from it (a 4-step student's reply
    // may be blank; the prompt was checked against the run's own records first).
    let asked = xtask()
        .args(["ask", "--max-new-tokens", "5", "--model"])
        .arg(run.join("train/sci"))
        .arg("--report")
        .arg(&report)
        .output()
        .unwrap();
    ok(&asked);
    let stderr = String::from_utf8_lossy(&asked.stderr);
    assert!(
        stderr.contains("the rationale stage then the answer stage"),
        "{stderr}"
    );

    // A directory that is not a trained variant is one sentence.
    let bad = xtask()
        .args(["ask", "--model"])
        .arg(&run)
        .arg("--report")
        .arg(&report)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(!bad.status.success());
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("is not a trained variant's directory"),
        "{stderr}"
    );
}
