//! The experiment file: a typed TOML schema with unknown keys rejected.
//!
//! One file describes a whole experiment: the data (simulated sleep data, or science
//! multiple-choice questions read from ARC/OpenBookQA files), the student every variant
//! starts from, the optimiser and loop shared by the variants, the variants themselves (one
//! distillation objective each) and the evaluation. `experiments/README.md` documents every
//! key with its default.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sleepcot_data::pipeline::DataConfig;
use sleepcot_data::science::ScienceConfig;
use sleepcot_data::teacher::Task;
use sleepcot_eval::JudgeConfig;
use sleepcot_model::BackendKind;
use sleepcot_train::{LoopConfig, Objective, OptimConfig, StudentConfig, TrainConfig};

/// A whole experiment, as read from `experiments/NAME.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentSpec {
    /// One line shown by `cargo xtask list` and at the top of the report.
    #[serde(default)]
    pub description: String,
    /// Seeds every stage: the data, the initialisation and batch order of every student, the
    /// bootstrap and the random baseline.
    #[serde(default)]
    pub seed: u64,
    /// The burn backend that trains and evaluates the students.
    #[serde(default)]
    pub backend: BackendKind,
    /// Simulated sleep data (unused when `science` is set). `data.seed` must be left out: the
    /// experiment's `seed` seeds the data.
    #[serde(default)]
    pub data: DataConfig,
    /// Science multiple-choice questions read from ARC / OpenBookQA JSONL files instead of
    /// simulated sleep data (Sci-CoT's domain); the tasks must then be `["knowledge"]`.
    #[serde(default)]
    pub science: Option<ScienceConfig>,
    /// The tasks the students are trained on.
    #[serde(default = "all_tasks")]
    pub tasks: Vec<Task>,
    /// Cap on training records per variant.
    #[serde(default)]
    pub max_train_records: Option<usize>,
    /// Cap on validation records per variant.
    #[serde(default)]
    pub max_val_records: Option<usize>,
    /// The student every variant starts from (a scratch student's tokenizer is trained once,
    /// in the `tokenizer` stage, and shared by every variant).
    pub student: StudentConfig,
    /// AdamW and the schedule, shared by the variants unless a variant sets its own.
    #[serde(default)]
    pub optim: OptimConfig,
    /// Batching, steps, validation and checkpoints, shared unless a variant sets its own.
    #[serde(default, rename = "loop")]
    pub run: LoopConfig,
    /// The student variants, one training run each.
    pub variants: Vec<VariantSpec>,
    /// What is evaluated and how.
    #[serde(default)]
    pub eval: EvalSpec,
}

/// One student variant: a name and a distillation objective, optionally with its own optimiser
/// or loop settings (which replace the shared ones as a whole).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantSpec {
    /// The variant's name: a file stem (letters, digits, `-`, `_`, `.`).
    pub name: String,
    /// The distillation objective.
    pub objective: Objective,
    /// Replaces the shared `[optim]` for this variant.
    #[serde(default)]
    pub optim: Option<OptimConfig>,
    /// Replaces the shared `[loop]` for this variant.
    #[serde(default, rename = "loop")]
    pub run: Option<LoopConfig>,
}

/// The evaluation stage's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EvalSpec {
    /// Also score the expert teacher, generic advice, random letters, the population prior and
    /// the untrained student.
    pub baselines: bool,
    /// Longest generated reply, in tokens.
    pub max_new_tokens: usize,
    /// Tighter limits for some tasks (`{ knowledge = 128 }`), each at most `max_new_tokens`.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub max_new_tokens_per_task: std::collections::BTreeMap<Task, usize>,
    /// Test items per generation batch.
    pub batch_size: usize,
    /// Bootstrap resamples per interval.
    pub resamples: usize,
    /// The optional LLM judge of the recommendations (`[eval.judge]` with `max_items` and an
    /// `[eval.judge.endpoint]` table); its replies share the teacher's cache in
    /// `data/teacher-cache`.
    pub judge: Option<JudgeConfig>,
    /// Extra multiple-choice test sets: JSONL files in the ARC / OpenBookQA layouts or the
    /// project's question layout. Each is scored for every variant and baseline as its own set,
    /// named by its file stem (`knowledge_accuracy.<stem>` in metrics.json).
    pub extra_questions: Vec<PathBuf>,
    /// Extra report test sets: `report.json` files written by `cargo xtask import`. Each is
    /// scored against its rule-table ground truth, named by its file stem
    /// (`finding_recall.<stem>`, ...).
    pub extra_reports: Vec<PathBuf>,
    /// Validation items per task answered at every kept checkpoint of every variant, for the
    /// learning curves (`[loop] checkpoint_every` and `keep_checkpoints` set the checkpoints);
    /// 0, the default, draws none.
    pub curve_items: usize,
}

impl Default for EvalSpec {
    fn default() -> Self {
        EvalSpec {
            baselines: true,
            max_new_tokens: 256,
            max_new_tokens_per_task: std::collections::BTreeMap::new(),
            batch_size: 16,
            resamples: 2000,
            judge: None,
            extra_questions: Vec::new(),
            extra_reports: Vec::new(),
            curve_items: 0,
        }
    }
}

impl EvalSpec {
    /// The extra test sets, `(key, file)`, questions first.
    pub fn extra_files(&self) -> Vec<(String, PathBuf)> {
        let keyed = |key: &str, files: &[PathBuf]| -> Vec<(String, PathBuf)> {
            files
                .iter()
                .enumerate()
                .map(|(i, f)| (format!("eval.{key}[{i}]"), f.clone()))
                .collect()
        };
        let mut files = keyed("extra_questions", &self.extra_questions);
        files.extend(keyed("extra_reports", &self.extra_reports));
        files
    }
}

fn all_tasks() -> Vec<Task> {
    Task::ALL.to_vec()
}

/// Why an experiment file cannot be used; every message is one sentence naming the file and
/// the key.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The file could not be read.
    #[error("could not read experiment file {path}: {reason}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// TOML syntax, an unknown key or a wrong type.
    #[error("{path}: {key}{reason}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// `key \`a.b\` (line N): ` when the parser pointed at one, else empty.
        key: String,
        /// The parser's message.
        reason: String,
    },
    /// A value the types allow but the experiment cannot use.
    #[error("{path}: key `{key}` is {value}, expected {expected}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The dotted key.
        key: String,
        /// The value found.
        value: String,
        /// What would be accepted.
        expected: String,
    },
    /// A section that the crate reading it rejected (its message names the field).
    #[error("{path}: [{section}] is not usable: {reason}")]
    Rejected {
        /// The file.
        path: PathBuf,
        /// The section (`data`, `variants[1]`, ...).
        section: String,
        /// The crate's one-sentence reason.
        reason: String,
    },
    /// A file the experiment reads does not exist.
    #[error("{path}: key `{key}` names {file}, which does not exist")]
    MissingFile {
        /// The experiment file.
        path: PathBuf,
        /// The dotted key.
        key: String,
        /// The missing file.
        file: PathBuf,
    },
}

/// An experiment file, parsed and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Experiment {
    /// The experiment's name (the file stem); the default output is `runs/NAME`.
    pub name: String,
    /// Where it was read from.
    pub path: PathBuf,
    /// Its contents.
    pub spec: ExperimentSpec,
}

impl Experiment {
    /// Finds `NAME` as `experiments/NAME.toml`, or takes `arg` as a path when it names a file
    /// or ends in `.toml`.
    pub fn locate(arg: &str, experiments_dir: &Path) -> PathBuf {
        let as_path = PathBuf::from(arg);
        if arg.ends_with(".toml") || as_path.is_file() {
            as_path
        } else {
            experiments_dir.join(format!("{arg}.toml"))
        }
    }

    /// Reads, parses and validates an experiment file (without checking referenced files).
    pub fn load(path: &Path) -> Result<Self, SpecError> {
        let text = std::fs::read_to_string(path).map_err(|e| SpecError::Read {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let spec = parse(&text, path)?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "experiment".into());
        let experiment = Experiment {
            name,
            path: path.to_path_buf(),
            spec,
        };
        experiment.validate()?;
        Ok(experiment)
    }

    fn invalid(&self, key: &str, value: impl ToString, expected: &str) -> SpecError {
        SpecError::Invalid {
            path: self.path.clone(),
            key: key.to_string(),
            value: value.to_string(),
            expected: expected.to_string(),
        }
    }

    fn rejected(&self, section: &str, reason: impl ToString) -> SpecError {
        SpecError::Rejected {
            path: self.path.clone(),
            section: section.to_string(),
            reason: reason.to_string(),
        }
    }

    /// Checks what the types cannot: names, counts, and every variant's training settings.
    pub fn validate(&self) -> Result<(), SpecError> {
        let spec = &self.spec;
        if spec.data.seed != 0 {
            return Err(self.invalid(
                "data.seed",
                spec.data.seed,
                "no value (set the top-level `seed`, which seeds every stage)",
            ));
        }
        match &spec.science {
            None => spec
                .data_config()
                .validate()
                .map_err(|e| self.rejected("data", e))?,
            Some(science) => {
                science
                    .validate()
                    .map_err(|e| self.rejected("science", e))?;
                if spec.tasks != [Task::Knowledge] {
                    return Err(self.invalid(
                        "tasks",
                        format!(
                            "{:?}",
                            spec.tasks.iter().map(|t| t.name()).collect::<Vec<_>>()
                        ),
                        "[\"knowledge\"] with [science] (science datasets hold questions only)",
                    ));
                }
            }
        }
        if spec.variants.is_empty() {
            return Err(self.invalid("variants", "empty", "at least one [[variants]] table"));
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, variant) in spec.variants.iter().enumerate() {
            let key = format!("variants[{i}].name");
            let ok = !variant.name.is_empty()
                && !variant.name.contains('+')
                && variant
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
            if !ok {
                return Err(self.invalid(
                    &key,
                    format!("{:?}", variant.name),
                    "a name of letters, digits, '-', '_' or '.'",
                ));
            }
            if !seen.insert(variant.name.as_str()) {
                return Err(self.invalid(&key, format!("{:?}", variant.name), "a unique name"));
            }
            if crate::experiment::BASELINE_NAMES.contains(&variant.name.as_str()) {
                return Err(self.invalid(
                    &key,
                    format!("{:?}", variant.name),
                    "a name that no baseline uses",
                ));
            }
            spec.train_config(variant, Path::new("runs"), None)
                .validate()
                .map_err(|e| self.rejected(&format!("variants[{i}] ({})", variant.name), e))?;
        }
        let e = &spec.eval;
        if e.max_new_tokens == 0 {
            return Err(self.invalid("eval.max_new_tokens", 0, "at least 1"));
        }
        if let Some((task, _)) = e.max_new_tokens_per_task.iter().find(|(_, n)| **n == 0) {
            return Err(self.invalid(
                &format!("eval.max_new_tokens_per_task.{}", task.name()),
                0,
                "at least 1",
            ));
        }
        if e.batch_size == 0 {
            return Err(self.invalid("eval.batch_size", 0, "at least 1"));
        }
        if e.curve_items > 0 && self.spec.science.is_none() && self.spec.data.splits.val <= 0.0 {
            return Err(self.invalid(
                "eval.curve_items",
                e.curve_items,
                "0 when [data.splits] val is 0 (the learning curves answer validation items)",
            ));
        }
        if e.resamples < 100 {
            return Err(self.invalid("eval.resamples", e.resamples, "at least 100"));
        }
        if let Some(judge) = &e.judge {
            if judge.max_items == Some(0) {
                return Err(self.invalid("eval.judge.max_items", 0, "at least 1"));
            }
            judge.endpoint.validate().map_err(|c| {
                self.invalid(
                    &format!("eval.judge.endpoint.{}", c.field),
                    c.value,
                    c.expected,
                )
            })?;
        }
        let mut sets: std::collections::BTreeSet<String> = self
            .condition_set_names()
            .into_iter()
            .map(String::from)
            .collect();
        for (key, file) in self.spec.eval.extra_files() {
            let name = sleepcot_eval::extra::set_name(&file).map_err(|_| {
                self.invalid(
                    &key,
                    file.display(),
                    "a file whose stem (the set's name) uses letters, digits, `-`, `_` and `+` only",
                )
            })?;
            if !sets.insert(name) {
                return Err(self.invalid(
                    &key,
                    file.display(),
                    "a file stem no other extra test set or knowledge condition has (it names the set)",
                ));
            }
        }
        Ok(())
    }

    /// The knowledge conditions' test sets the data stage writes (`[data.knowledge_conditions]`;
    /// none for a science experiment).
    pub fn condition_set_names(&self) -> Vec<&'static str> {
        match self.spec.science {
            None => self.spec.data.knowledge_conditions.names(),
            Some(_) => Vec::new(),
        }
    }

    /// Every local file the experiment reads, with the key that names it.
    pub fn referenced_files(&self) -> Vec<(String, PathBuf)> {
        let mut files = Vec::new();
        if let Some(science) = &self.spec.science {
            files.extend(science.files());
        }
        files.extend(self.spec.eval.extra_files());
        if let StudentConfig::Scratch {
            tokenizer: Some(path),
            ..
        } = &self.spec.student
        {
            files.push(("student.tokenizer".into(), path.clone()));
        }
        files
    }

    /// Fails with a one-sentence error on the first referenced file that does not exist.
    pub fn check_files(&self) -> Result<(), SpecError> {
        match self
            .referenced_files()
            .into_iter()
            .find(|(_, file)| !file.is_file())
        {
            Some((key, file)) => Err(SpecError::MissingFile {
                path: self.path.clone(),
                key,
                file,
            }),
            None => Ok(()),
        }
    }
}

impl ExperimentSpec {
    /// The data configuration of the simulated-data stage, seeded by the experiment's seed.
    pub fn data_config(&self) -> DataConfig {
        DataConfig {
            seed: self.seed,
            ..self.data.clone()
        }
    }

    /// The training run of `variant`: data from `run/data/instructions`, output to
    /// `run/train/<variant>`, a scratch student reading the shared `tokenizer` when given.
    pub fn train_config(
        &self,
        variant: &VariantSpec,
        run: &Path,
        tokenizer: Option<&Path>,
    ) -> TrainConfig {
        let student = match (&self.student, tokenizer) {
            (
                StudentConfig::Scratch {
                    model,
                    vocab_size,
                    split_digits,
                    ..
                },
                Some(path),
            ) => StudentConfig::Scratch {
                model: model.clone(),
                vocab_size: *vocab_size,
                tokenizer: Some(path.to_path_buf()),
                split_digits: *split_digits,
            },
            (student, _) => student.clone(),
        };
        TrainConfig {
            seed: self.seed,
            data: run.join("data").join("instructions"),
            out: run.join("train").join(&variant.name),
            tasks: self.tasks.clone(),
            max_train_records: self.max_train_records,
            max_val_records: self.max_val_records,
            objective: variant.objective,
            student,
            optim: variant.optim.clone().unwrap_or_else(|| self.optim.clone()),
            run: variant.run.clone().unwrap_or_else(|| self.run.clone()),
            backend: self.backend,
        }
    }
}

/// Parses TOML text, turning the parser's error into one sentence with the dotted key.
pub fn parse(text: &str, path: &Path) -> Result<ExperimentSpec, SpecError> {
    toml::from_str::<ExperimentSpec>(text).map_err(|e| {
        let reason = e.message().trim().replace('\n', " ");
        let key = e
            .span()
            .and_then(|span| {
                unknown_field_in(text, span.clone(), &reason).or_else(|| key_at(text, span.start))
            })
            .map(|(key, line)| format!("key `{key}` (line {line}): "))
            .unwrap_or_default();
        SpecError::Parse {
            path: path.to_path_buf(),
            key,
            reason,
        }
    })
}

/// For "unknown field `x`" errors whose span covers a whole table (serde reports them so for
/// tagged enums), the offset of the line that sets `x` inside the span, as a dotted key.
fn unknown_field_in(
    text: &str,
    span: std::ops::Range<usize>,
    reason: &str,
) -> Option<(String, usize)> {
    let field = reason.strip_prefix("unknown field `")?.split('`').next()?;
    // The span may be the table's header only: look on to the next header.
    let rest = text.get(span.start..)?;
    let header_len = rest.find('\n').map_or(rest.len(), |i| i + 1);
    let end = rest[header_len..]
        .find("\n[")
        .map_or(rest.len(), |i| header_len + i + 1)
        .max(span.end - span.start);
    let body = rest.get(..end.min(rest.len()))?;
    let mut offset = span.start;
    for line in body.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix(field)
            && rest.trim_start().starts_with('=')
        {
            return key_at(text, offset + (line.len() - trimmed.len()));
        }
        offset += line.len();
    }
    None
}

/// The dotted key whose name or value starts at byte `offset`, and its line number: the
/// enclosing `[table]` header joined with the key on that line.
fn key_at(text: &str, offset: usize) -> Option<(String, usize)> {
    let before = text.get(..offset.min(text.len()))?;
    let line_no = before.matches('\n').count() + 1;
    let line = text.lines().nth(line_no - 1)?.trim();
    let header = before
        .lines()
        .rev()
        .skip(1)
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    let key = if line.starts_with('[') {
        line.trim_matches(|c| c == '[' || c == ']')
            .trim()
            .to_string()
    } else {
        let name = line.split('=').next()?.trim().trim_matches('"');
        if name.is_empty() {
            return None;
        }
        match header {
            Some(h) if !h.is_empty() => format!("{h}.{name}"),
            _ => name.to_string(),
        }
    };
    Some((key, line_no))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
seed = 3
[student]
kind = "scratch"
vocab_size = 300
[[variants]]
name = "cot"
objective = { kind = "cot" }
"#;

    fn load_text(text: &str) -> Result<Experiment, SpecError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.toml");
        std::fs::write(&path, text).unwrap();
        Experiment::load(&path)
    }

    #[test]
    fn minimal_file_parses_with_defaults() {
        let e = load_text(MINIMAL).unwrap();
        assert_eq!(e.name, "x");
        assert_eq!(e.spec.seed, 3);
        assert_eq!(e.spec.data_config().seed, 3);
        assert_eq!(e.spec.eval, EvalSpec::default());
        let train = e.spec.train_config(
            &e.spec.variants[0],
            Path::new("runs/x"),
            Some(Path::new("t.json")),
        );
        assert_eq!(train.out, Path::new("runs/x/train/cot"));
        assert!(matches!(
            train.student,
            StudentConfig::Scratch {
                tokenizer: Some(_),
                ..
            }
        ));
    }

    #[test]
    fn unknown_key_names_file_and_dotted_key() {
        let text = MINIMAL.replace("vocab_size = 300", "vocab_size = 300\nbogus = 1");
        let err = load_text(&text).unwrap_err().to_string();
        assert!(err.contains("x.toml"), "{err}");
        assert!(err.contains("key `student.bogus`"), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }

    #[test]
    fn wrong_type_names_the_key() {
        let text = MINIMAL.replace("seed = 3", "seed = \"three\"");
        let err = load_text(&text).unwrap_err().to_string();
        assert!(err.contains("key `seed`"), "{err}");
    }

    #[test]
    fn impossible_values_are_rejected() {
        let dup = format!(
            "{MINIMAL}\n[[variants]]\nname = \"cot\"\nobjective = {{ kind = \"label_only\" }}\n"
        );
        let err = load_text(&dup).unwrap_err().to_string();
        assert!(
            err.contains("variants[1].name") && err.contains("unique"),
            "{err}"
        );
        let bad = MINIMAL.replace("vocab_size = 300", "vocab_size = 10");
        let err = load_text(&bad).unwrap_err().to_string();
        assert!(err.contains("student.vocab_size"), "{err}");
        let seeded = format!("{MINIMAL}\n[data]\nseed = 4\n");
        let err = load_text(&seeded).unwrap_err().to_string();
        assert!(err.contains("data.seed"), "{err}");
        let none = "variants = []\n[student]\nkind = \"scratch\"\n";
        let err = load_text(none).unwrap_err().to_string();
        assert!(err.contains("variants"), "{err}");
    }

    #[test]
    fn missing_tokenizer_file_is_named() {
        let text = MINIMAL.replace(
            "vocab_size = 300",
            "vocab_size = 300\ntokenizer = \"/nonexistent/tokenizer.json\"",
        );
        let err = load_text(&text)
            .unwrap()
            .check_files()
            .unwrap_err()
            .to_string();
        assert!(err.contains("student.tokenizer"), "{err}");
        assert!(err.contains("/nonexistent/tokenizer.json"), "{err}");
    }
}
