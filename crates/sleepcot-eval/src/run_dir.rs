//! The layout of an experiment's run directory, as far as evaluation reads and writes it.
//!
//! ```text
//! DIR/
//!   data/                         `cargo xtask data --out DIR/data` (sleepcot_data::pipeline)
//!     config.json                 the data configuration (seed, sizes)
//!     reports.jsonl               reports with ground truth (findings, red flags)
//!     questions.jsonl             knowledge questions with gold letters
//!     instructions/test.jsonl     the held-out instruction records that are evaluated
//!   train/<variant>/              `cargo xtask train` with `out = DIR/train/<variant>`
//!     <stage>/metrics.csv         training log of each stage (`main`, `rationale`, `answer`)
//!   predictions/                  written by [`crate::predict::run_predictions`]
//!     <variant>.jsonl, .parquet   one [`crate::prediction::Prediction`] per answered test item
//!     <variant>.meta.json         [`crate::prediction::VariantInfo`]: kind, parameters, speed
//!   judge/                        written by [`crate::judge::judge_run`] (optional)
//!     <variant>.jsonl, .parquet   one [`crate::judge::Judgement`] per judged recommendation
//!   curves/                     learning curves (optional, [`crate::curves`])
//!     predictions/<variant>_step<N>.jsonl   each checkpoint's answers to the validation subset
//!     <variant>.jsonl             each task's main metric per checkpoint of the variant
//!   eval/                         written by [`crate::evaluate::evaluate_run`]
//!     metrics.json                every metric with its interval, and the paired comparisons
//!     scores.jsonl, .parquet      per-item scores of every variant
//!     plots/*.png, *.svg          the figures
//!     report.md                   the headline, embedding `plots/*.png`
//!     appendix.md                 every table
//! ```
//!
//! A variant name is a file stem: letters, digits, `-`, `_`, `.` and `+`. Sci-CoT students
//! evaluated with another rationale source are separate variants named
//! `<variant>+teacher_rationale` and `<variant>+no_rationale`
//! ([`crate::prediction::RationaleSource::suffix`]).

use std::path::{Path, PathBuf};

use crate::error::EvalError;

/// Paths inside one run directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunDir {
    /// The run directory itself.
    pub root: PathBuf,
}

impl RunDir {
    /// The run directory at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        RunDir { root: root.into() }
    }

    /// `DIR/data`: the data stage's output.
    pub fn data(&self) -> PathBuf {
        self.root.join("data")
    }

    /// The prompt style the run's data was written in (`data/config.json`); the full style
    /// when the file is absent or unreadable (runs written before the key existed).
    pub fn style(&self) -> sleepcot_data::teacher::Style {
        std::fs::read_to_string(self.data().join("config.json"))
            .ok()
            .and_then(|text| {
                serde_json::from_str::<sleepcot_data::pipeline::DataConfig>(&text).ok()
            })
            .map(|c| c.style)
            .unwrap_or_default()
    }

    /// `DIR/data/instructions/test.jsonl`: the evaluated records.
    pub fn test_split(&self) -> PathBuf {
        self.data().join("instructions").join("test.jsonl")
    }

    /// `DIR/data/reports.jsonl`.
    pub fn reports(&self) -> PathBuf {
        self.data().join("reports.jsonl")
    }

    /// `DIR/data/questions.jsonl`.
    pub fn questions(&self) -> PathBuf {
        self.data().join("questions.jsonl")
    }

    /// `DIR/extra`: the named extra evaluation sets ([`crate::extra`]).
    pub fn extra(&self) -> PathBuf {
        self.root.join("extra")
    }

    /// The extra set `name`, a run directory of its own: `DIR/extra/<name>/`.
    pub fn extra_set(&self, name: &str) -> RunDir {
        RunDir::new(self.extra().join(name))
    }

    /// `DIR/data/config.json`.
    pub fn data_config(&self) -> PathBuf {
        self.data().join("config.json")
    }

    /// `DIR/train`: one folder per trained variant.
    pub fn train(&self) -> PathBuf {
        self.root.join("train")
    }

    /// `DIR/predictions`.
    pub fn predictions(&self) -> PathBuf {
        self.root.join("predictions")
    }

    /// `DIR/predictions/<variant>.jsonl`.
    pub fn prediction_file(&self, variant: &str) -> PathBuf {
        self.predictions().join(format!("{variant}.jsonl"))
    }

    /// `DIR/predictions/<variant>.meta.json`.
    pub fn prediction_meta(&self, variant: &str) -> PathBuf {
        self.predictions().join(format!("{variant}.meta.json"))
    }

    /// `DIR/judge`: the LLM judge's scores.
    pub fn judge(&self) -> PathBuf {
        self.root.join("judge")
    }

    /// `DIR/judge/<variant>.jsonl`.
    pub fn judge_file(&self, variant: &str) -> PathBuf {
        self.judge().join(format!("{variant}.jsonl"))
    }

    /// `DIR/curves`: the learning curves' validation answers (`predictions/`) and points
    /// (`<variant>.jsonl`), see [`crate::curves`].
    pub fn curves(&self) -> PathBuf {
        self.root.join("curves")
    }

    /// `DIR/eval`: metrics, scores, plots and the report.
    pub fn eval(&self) -> PathBuf {
        self.root.join("eval")
    }

    /// `DIR/eval/plots`.
    pub fn plots(&self) -> PathBuf {
        self.eval().join("plots")
    }

    /// The variants with a predictions file, sorted by name.
    pub fn variants(&self) -> Result<Vec<String>, EvalError> {
        let dir = self.predictions();
        if !dir.is_dir() {
            return Err(EvalError::MissingFile {
                path: dir,
                what: "predictions directory",
            });
        }
        let entries = std::fs::read_dir(&dir).map_err(|e| EvalError::File {
            action: "list",
            path: dir.clone(),
            message: e.to_string(),
        })?;
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.strip_suffix(".jsonl").map(str::to_string)
            })
            .filter(|n| !n.starts_with('.'))
            .collect();
        names.sort();
        if names.is_empty() {
            return Err(EvalError::NoPredictions { path: dir });
        }
        Ok(names)
    }

    /// Training metrics files: `(variant, stage, DIR/train/<variant>/<stage>/metrics.csv)`,
    /// sorted; none when `DIR/train` does not exist.
    pub fn training_logs(&self) -> Vec<(String, String, PathBuf)> {
        let mut out = Vec::new();
        for variant in sorted_dirs(&self.train()) {
            for stage in sorted_dirs(&variant) {
                let csv = stage.join("metrics.csv");
                if csv.is_file() {
                    out.push((file_name(&variant), file_name(&stage), csv));
                }
            }
        }
        out
    }
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// Checks that `name` can be used as a file stem (see the module docs).
pub fn check_variant_name(name: &str) -> Result<(), EvalError> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+'));
    if ok {
        Ok(())
    } else {
        Err(EvalError::BadVariantName {
            name: name.to_string(),
        })
    }
}
