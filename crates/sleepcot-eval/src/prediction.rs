//! Stored predictions: one row per answered test item, and one description per variant.

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sleepcot_data::io::{write_bytes_atomic, write_table};
use sleepcot_data::teacher::Task;

use crate::error::EvalError;
use crate::run_dir::{RunDir, check_variant_name};
use crate::testset::{TestSet, read_rows};

/// One model output for one test item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prediction {
    /// The test record's id (the prompt id).
    pub id: String,
    /// The record's task.
    pub task: Task,
    /// The variant (model or baseline) that wrote the output.
    pub model: String,
    /// The scored text. For a Sci-CoT student it is its own rationale followed by its answer;
    /// when the rationale was given (the teacher's, or none) it is the answer alone.
    pub output: String,
    /// Seconds until this output was complete (for batched generation: its batch's time).
    pub latency_s: f64,
    /// Prompt tokens read (all stages together; 0 for baselines without a tokenizer).
    pub prompt_tokens: usize,
    /// Tokens generated (all stages together).
    pub tokens: usize,
}

/// What kind of system a variant is; the report's reading compares kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VariantKind {
    /// A trained student.
    Student,
    /// A student with its initial (untrained) weights.
    Untrained,
    /// The teacher (an upper bound).
    Teacher,
    /// A baseline without a model (generic advice, random letter).
    Baseline,
}

/// Which rationale a Sci-CoT answer stage read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RationaleSource {
    /// The student's own stage-1 rationale.
    Own,
    /// The teacher's rationale from the test record.
    Teacher,
    /// The teacher's rationale with the option letters masked
    /// ([`crate::masking::mask_option_letters`]): the inferrer must match the stated fact to
    /// an option's text instead of copying a letter the rationale names.
    MaskedTeacher,
    /// An empty rationale.
    None,
}

impl RationaleSource {
    /// Every source, own first.
    pub const ALL: [RationaleSource; 4] =
        [Self::Own, Self::Teacher, Self::MaskedTeacher, Self::None];

    /// The suffix appended to the variant name (empty for the student's own rationale).
    pub fn suffix(self) -> &'static str {
        match self {
            Self::Own => "",
            Self::Teacher => "+teacher_rationale",
            Self::MaskedTeacher => "+masked_teacher_rationale",
            Self::None => "+no_rationale",
        }
    }
}

/// Describes a variant's predictions: written beside them as `<variant>.meta.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct VariantInfo {
    /// The variant name (the file stem).
    pub name: String,
    /// What the variant is.
    pub kind: Option<VariantKind>,
    /// For Sci-CoT variants: the variant the rationale comparison belongs to, and the source.
    pub two_stage: Option<(String, RationaleSource)>,
    /// Parameters of the model (all stages), when there is one.
    pub parameters: Option<u64>,
    /// The burn backend the model ran on.
    pub backend: Option<String>,
    /// Prompt tokens per second of prefill, over the whole run.
    pub prefill_tokens_per_s: Option<f64>,
    /// Generated tokens per second of decoding, over the whole run.
    pub decode_tokens_per_s: Option<f64>,
    /// Peak resident memory of the process when the run ended (`VmHWM`), in bytes.
    pub peak_rss_bytes: Option<u64>,
    /// Rows per generation batch.
    pub batch_size: Option<usize>,
    /// Maximum new tokens per generation.
    pub max_new_tokens: Option<usize>,
}

impl VariantInfo {
    /// The kind, guessed from the name when the file does not say (`expert*` is the teacher,
    /// `generic*`/`random*`/`prior*` baselines, `untrained*` the untrained student, anything else a
    /// student).
    pub fn kind(&self) -> VariantKind {
        self.kind.unwrap_or_else(|| {
            let n = self.name.as_str();
            if n.starts_with("expert") || n.starts_with("teacher") {
                VariantKind::Teacher
            } else if n.starts_with("generic") || n.starts_with("random") || n.starts_with("prior")
            {
                VariantKind::Baseline
            } else if n.starts_with("untrained") {
                VariantKind::Untrained
            } else {
                VariantKind::Student
            }
        })
    }
}

/// A variant's predictions with their description.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantPredictions {
    /// The description.
    pub info: VariantInfo,
    /// The predictions, in file order.
    pub rows: Vec<Prediction>,
    /// The LLM judge's scores of some of them (empty unless the run was judged and the
    /// caller read them, as [`crate::evaluate::evaluate_run`] does).
    pub judgements: Vec<crate::judge::Judgement>,
}

/// Writes `<variant>.jsonl`, `.parquet` and `.meta.json` under `DIR/predictions`, atomically.
pub fn write_predictions(
    run: &RunDir,
    info: &VariantInfo,
    rows: &[Prediction],
) -> Result<(), EvalError> {
    check_variant_name(&info.name)?;
    let dir = run.predictions();
    write_table(&dir, &info.name, rows).map_err(|e| EvalError::File {
        action: "write",
        path: run.prediction_file(&info.name),
        message: e.to_string(),
    })?;
    let meta = serde_json::to_vec_pretty(info).expect("a variant description serialises");
    let path = run.prediction_meta(&info.name);
    write_bytes_atomic(&path, &meta).map_err(|e| EvalError::File {
        action: "write",
        path: path.clone(),
        message: e.to_string(),
    })
}

/// Reads one variant's predictions and checks them against the test split: every id must be a
/// test record, answered once, with the record's task. The description is read from
/// `<variant>.meta.json` when present.
pub fn read_predictions(
    run: &RunDir,
    variant: &str,
    test: &TestSet,
) -> Result<VariantPredictions, EvalError> {
    check_variant_name(variant)?;
    let path = run.prediction_file(variant);
    let rows: Vec<(usize, Prediction)> = read_rows(&path, "predictions file", "prediction")?;
    check_rows(&path, &rows, test)?;
    let meta = run.prediction_meta(variant);
    let mut info: VariantInfo = if meta.is_file() {
        let text = std::fs::read_to_string(&meta).map_err(|e| EvalError::File {
            action: "read",
            path: meta.clone(),
            message: e.to_string(),
        })?;
        serde_json::from_str(&text).map_err(|e| EvalError::File {
            action: "parse",
            path: meta.clone(),
            message: e.to_string(),
        })?
    } else {
        VariantInfo::default()
    };
    info.name = variant.to_string();
    Ok(VariantPredictions {
        info,
        rows: rows.into_iter().map(|(_, r)| r).collect(),
        judgements: Vec::new(),
    })
}

fn check_rows(path: &Path, rows: &[(usize, Prediction)], test: &TestSet) -> Result<(), EvalError> {
    let tasks: std::collections::HashMap<&str, Task> = test
        .records
        .iter()
        .map(|r| (r.id.as_str(), r.task))
        .collect();
    let mut seen = HashSet::new();
    for (line, p) in rows {
        let Some(&task) = tasks.get(p.id.as_str()) else {
            return Err(EvalError::UnknownItem {
                path: path.to_path_buf(),
                id: p.id.clone(),
            });
        };
        if task != p.task {
            return Err(EvalError::MalformedLine {
                path: path.to_path_buf(),
                line: *line,
                what: "prediction",
                message: format!(
                    "its task is {} but test record {} is a {} record",
                    p.task.name(),
                    p.id,
                    task.name()
                ),
            });
        }
        if !p.latency_s.is_finite() || p.latency_s < 0.0 {
            return Err(EvalError::MalformedLine {
                path: path.to_path_buf(),
                line: *line,
                what: "prediction",
                message: format!("latency_s is {}, expected a number >= 0", p.latency_s),
            });
        }
        if !seen.insert(p.id.as_str()) {
            return Err(EvalError::DuplicateItem {
                path: path.to_path_buf(),
                id: p.id.clone(),
                line: *line,
            });
        }
    }
    Ok(())
}
