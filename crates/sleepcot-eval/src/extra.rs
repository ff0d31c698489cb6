//! Named extra evaluation sets: test items beside the run's own test split, scored for every
//! variant and baseline and reported as `<metric>.<set>` (e.g. `knowledge_accuracy.exam`).
//!
//! An extra set is a small run directory of its own, `RUN/extra/<name>/`, laid out as
//! [`crate::run_dir`] documents (`data/instructions/test.jsonl`, `data/reports.jsonl` or
//! `data/questions.jsonl`, and `predictions/<variant>.jsonl`), so every existing step works on
//! it unchanged: [`TestSet::load`], [`crate::run_predictions`], [`crate::predict_baselines`] and
//! [`crate::evaluate`]. [`crate::evaluate_run`] then scores every set under `RUN/extra/` (or the
//! ones [`crate::EvalConfig::extra_sets`] names) and adds their metrics to each variant's
//! [`crate::evaluate::VariantMetrics::extra`], named `<metric>.<set>`.
//!
//! Adding a set is one call:
//!
//! ```no_run
//! # fn demo(questions: &[sleepcot_data::knowledge::Question]) -> Result<(), sleepcot_eval::EvalError> {
//! use sleepcot_eval::{RunDir, extra};
//! let run = RunDir::new("runs/quick");
//! // Knowledge questions, e.g. a condition of the knowledge split; scored as
//! // `knowledge_accuracy.unseen_fact`.
//! let set = extra::add_question_set(&run, "unseen_fact", questions)?;
//! # let _ = set; Ok(()) }
//! ```
//!
//! Records are built by the data stage's own [`Pending::record`], so an extra item is prompted
//! exactly like a test item. Their teacher reply is the expert teacher's where it can write one
//! (reports, questions of the sleep fact bank); for other questions (ARC, OpenBookQA, a
//! hand-written exam) the record holds only the gold answer and an empty rationale.

use std::path::{Path, PathBuf};

use sleepcot_data::instructions::{InstructionRecord, Split};
use sleepcot_data::io::write_jsonl;
use sleepcot_data::knowledge::Question;
use sleepcot_data::pipeline::Pending;
use sleepcot_data::report::Report;
use sleepcot_data::teacher::format::ANSWER_MARKER;
use sleepcot_data::teacher::{ExpertTeacher, TeacherInput, TeacherOutput};

use crate::error::EvalError;
use crate::run_dir::{RunDir, check_variant_name};
use crate::testset::read_rows;

/// The `teacher` of an extra record whose question the expert teacher cannot answer: the record
/// holds only the gold answer.
pub const GOLD_ONLY_TEACHER: &str = "gold";

/// The seed of the expert teacher's replies in extra sets.
const TEACHER_SEED: u64 = 0;

/// The set's name for a file: its stem (`exam.jsonl` → `exam`), usable as a metric suffix and a
/// directory name.
pub fn set_name(path: &Path) -> Result<String, EvalError> {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    check_variant_name(&stem).map_err(|_| EvalError::InvalidConfig {
        field: "extra set file name",
        value: path.display().to_string(),
        expected: "a file whose stem uses letters, digits, `-`, `_` and `+` only",
    })?;
    if stem.contains('.') {
        return Err(EvalError::InvalidConfig {
            field: "extra set file name",
            value: path.display().to_string(),
            expected: "a file whose stem has no `.` (it separates metric and set in metrics.json)",
        });
    }
    Ok(stem)
}

/// Writes the set's files atomically and returns the set's run directory.
fn write_set(
    run: &RunDir,
    name: &str,
    records: &[InstructionRecord],
    table: (&str, Result<(), sleepcot_data::io::IoError>),
) -> Result<RunDir, EvalError> {
    let set = run.extra_set(name);
    let fail = |path: PathBuf| {
        move |e: sleepcot_data::io::IoError| EvalError::File {
            action: "write",
            path,
            message: e.to_string(),
        }
    };
    table.1.map_err(fail(set.data().join(table.0)))?;
    write_jsonl(&set.test_split(), records).map_err(fail(set.test_split()))?;
    Ok(set)
}

/// Adds the knowledge questions `questions` as the extra set `name` of `run`
/// (`RUN/extra/<name>/`), replacing a set of that name; its metrics are `<metric>.<name>`.
pub fn add_question_set(
    run: &RunDir,
    name: &str,
    questions: &[Question],
) -> Result<RunDir, EvalError> {
    check_variant_name(name)?;
    let style = run.style();
    let records: Vec<InstructionRecord> = questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let item = Pending::question(i as u64, "kq", q, Split::Test);
            match style.expert().teach(&item.input, TEACHER_SEED, i as u64) {
                Ok(out) => item.record(ExpertTeacher::NAME, style, out),
                Err(_) => item.record(
                    GOLD_ONLY_TEACHER,
                    style,
                    TeacherOutput {
                        rationale: String::new(),
                        answer: format!("{ANSWER_MARKER} {}", q.answer),
                    },
                ),
            }
        })
        .collect();
    let set = run.extra_set(name);
    let table = write_jsonl(&set.questions(), questions);
    write_set(run, name, &records, ("questions.jsonl", table))
}

/// Adds the reports `reports` (e.g. `report.json` files written by `cargo xtask import`) as the
/// extra set `name` of `run`: one recommendation item per report, scored against the report's
/// rule-table ground truth; its metrics are `<metric>.<name>` (e.g. `finding_recall.myoura`).
pub fn add_report_set(run: &RunDir, name: &str, reports: &[Report]) -> Result<RunDir, EvalError> {
    check_variant_name(name)?;
    let style = run.style();
    let mut records = Vec::with_capacity(reports.len());
    for (i, report) in reports.iter().enumerate() {
        let item = Pending {
            index: i as u64,
            input: TeacherInput::Recommendation(report),
            id: format!("rec-{}", report.id),
            split: Split::Test,
            person_id: Some(report.persona.id.clone()),
            fact_id: None,
        };
        let out = style
            .expert()
            .teach(&item.input, TEACHER_SEED, i as u64)
            .map_err(|e| EvalError::InvalidConfig {
                field: "extra report",
                value: report.id.clone(),
                expected: if matches!(e, sleepcot_data::teacher::TeacherError::EmptyReport { .. }) {
                    "a report with at least one night"
                } else {
                    "a report the expert teacher can answer"
                },
            })?;
        records.push(item.record(ExpertTeacher::NAME, style, out));
    }
    let set = run.extra_set(name);
    let table = write_jsonl(&set.reports(), reports);
    write_set(run, name, &records, ("reports.jsonl", table))
}

/// Reads a question file: the project's own question JSON Lines (`Question` rows, as in
/// `data/questions.jsonl`), or ARC / OpenBookQA JSONL as the science loader reads it (questions
/// without exactly four options are left out). Errors name the file and line.
pub fn read_question_file(path: &Path) -> Result<Vec<Question>, EvalError> {
    let text = std::fs::read_to_string(path).map_err(|e| EvalError::File {
        action: "read",
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let own = serde_json::from_str::<serde_json::Value>(first)
        .is_ok_and(|v| v.get("fact_id").is_some() && v.get("options").is_some());
    if own {
        return Ok(read_rows(path, "question file", "knowledge question")?
            .into_iter()
            .map(|(_, q)| q)
            .collect());
    }
    let source = path.display().to_string();
    let questions =
        sleepcot_data::science::format::read_science_jsonl(path).map_err(|e| EvalError::File {
            action: "read",
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    Ok(questions
        .iter()
        .filter_map(|q| q.to_question(&source))
        .collect())
}

/// Reads a report file: one report as JSON (`cargo xtask import`'s `report.json`), checked
/// like any report.
pub fn read_report_file(path: &Path) -> Result<Report, EvalError> {
    sleepcot_data::validate::read_report(path).map_err(|e| EvalError::File {
        action: "read",
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// The names of the extra sets under `RUN/extra/` (those with a test split), sorted.
pub fn set_names(run: &RunDir) -> Result<Vec<String>, EvalError> {
    let dir = run.extra();
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(&dir).map_err(|e| EvalError::File {
        action: "list",
        path: dir.clone(),
        message: e.to_string(),
    })?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| run.extra_set(name).test_split().is_file())
        .collect();
    names.sort();
    Ok(names)
}

/// `<metric>.<set>`: how an extra set's metric is named in `metrics.json` and the report.
pub fn metric_name(metric: &str, set: &str) -> String {
    format!("{metric}.{set}")
}
