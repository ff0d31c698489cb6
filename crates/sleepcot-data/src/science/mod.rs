//! Science multiple-choice questions (ARC, OpenBookQA) as a second domain: Sci-CoT's two-stage
//! distillation on questions read from local files, taught by an LLM teacher.
//!
//! The questions become knowledge items ([`Question`] with [`Topic::Science`]): the teacher
//! prompt, the gold-answer filter, the instruction records, the student formats and the
//! accuracy metric are then the same code as for the sleep-knowledge questions. Only
//! four-option questions are kept (every OpenBookQA question and nearly every ARC question);
//! the others are counted and left out, because the answer parser and the prompts speak of
//! options A to D.

pub mod format;

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use format::{Choice, ScienceFormatError, ScienceQuestion, parse_line, read_science_jsonl};

use crate::instructions::Split;
use crate::knowledge::{Question, Topic};
use crate::pipeline::{DataConfig, DataError, Dataset, Pending, Progress, teach_all};
use crate::teacher::{Teacher, TeacherConfig};

/// Where the science questions come from and who teaches them. Unknown keys are rejected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScienceConfig {
    /// JSONL files whose questions are trained on (e.g. ARC-Easy and ARC-Challenge `Train`).
    pub train: Vec<PathBuf>,
    /// JSONL files for the validation loss (e.g. the `Dev` files).
    #[serde(default)]
    pub val: Vec<PathBuf>,
    /// JSONL files whose questions are held out and scored (e.g. the `Test` files).
    pub test: Vec<PathBuf>,
    /// Keep at most this many questions of each split (the first ones, in file order).
    #[serde(default)]
    pub max_per_split: Option<usize>,
    /// The teacher: an OpenAI-compatible endpoint (`{ kind = "chat", … }`); the embedded
    /// expert teacher knows only the sleep knowledge bank.
    pub teacher: TeacherConfig,
}

/// A science configuration that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScienceConfigError {
    /// A split without files.
    #[error("science.{split} lists no files; at least one JSONL file is needed")]
    NoFiles {
        /// `train` or `test`.
        split: &'static str,
    },
    /// The expert teacher was chosen.
    #[error(
        "science.teacher is the expert teacher, which knows only the sleep knowledge bank; use {{ kind = \"chat\", … }}"
    )]
    ExpertTeacher,
    /// A cap of zero.
    #[error("science.max_per_split is 0, expected at least 1")]
    ZeroCap,
}

impl ScienceConfig {
    /// Checks the configuration without reading the files.
    pub fn validate(&self) -> Result<(), ScienceConfigError> {
        if self.train.is_empty() {
            return Err(ScienceConfigError::NoFiles { split: "train" });
        }
        if self.test.is_empty() {
            return Err(ScienceConfigError::NoFiles { split: "test" });
        }
        if self.teacher == TeacherConfig::Expert {
            return Err(ScienceConfigError::ExpertTeacher);
        }
        if self.max_per_split == Some(0) {
            return Err(ScienceConfigError::ZeroCap);
        }
        Ok(())
    }

    /// Every file with the key that names it (`science.train[0]`, …).
    pub fn files(&self) -> Vec<(String, PathBuf)> {
        let mut files = Vec::new();
        for (name, list) in [
            ("train", &self.train),
            ("val", &self.val),
            ("test", &self.test),
        ] {
            for (i, f) in list.iter().enumerate() {
                files.push((format!("science.{name}[{i}]"), f.clone()));
            }
        }
        files
    }
}

impl ScienceQuestion {
    /// The question as a knowledge item, when it has exactly four options.
    pub fn to_question(&self, source: &str) -> Option<Question> {
        let options: [String; 4] = self
            .choices
            .iter()
            .map(|c| c.text.clone())
            .collect::<Vec<_>>()
            .try_into()
            .ok()?;
        Some(Question {
            id: self.id.clone(),
            fact_id: self.id.clone(),
            topic: Topic::Science,
            stem: self.stem.clone(),
            options,
            answer: self.answer,
            phrasing: 0,
            source_url: source.to_string(),
        })
    }
}

/// What reading the science files kept and left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScienceCounts {
    /// Questions kept, per split name.
    pub kept: BTreeMap<String, usize>,
    /// Questions left out for not having four options.
    pub not_four_options: usize,
    /// Questions left out because an earlier file (or split) had the same id.
    pub duplicates: usize,
}

/// Reads the configured files into knowledge questions with their splits.
pub fn read_questions(
    config: &ScienceConfig,
) -> Result<(Vec<(Question, Split)>, ScienceCounts), ScienceFormatError> {
    let mut out = Vec::new();
    let mut counts = ScienceCounts::default();
    let mut seen = HashSet::new();
    for (split, files) in [
        (Split::Train, &config.train),
        (Split::Val, &config.val),
        (Split::Test, &config.test),
    ] {
        let mut kept = 0;
        for file in files {
            let source = file.display().to_string();
            for q in read_science_jsonl(file)? {
                if config.max_per_split.is_some_and(|cap| kept >= cap) {
                    break;
                }
                let Some(question) = q.to_question(&source) else {
                    counts.not_four_options += 1;
                    continue;
                };
                if !seen.insert(question.id.clone()) {
                    counts.duplicates += 1;
                    continue;
                }
                out.push((question, split));
                kept += 1;
            }
        }
        counts.kept.insert(split.name().to_string(), kept);
    }
    Ok((out, counts))
}

/// Science items live in their own range of teacher indices.
const SCIENCE_BASE: u64 = 3 << 40;

impl Dataset {
    /// Teaches the questions of `config` with `teacher` into knowledge records. The dataset has
    /// no reports; its `config` records the teacher and the number of questions, with `seed`.
    pub fn from_science(
        config: &ScienceConfig,
        seed: u64,
        teacher: &dyn Teacher,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<(Dataset, ScienceCounts), DataError> {
        let (questions, counts) = read_questions(config)?;
        let pending: Vec<Pending<'_>> = questions
            .iter()
            .enumerate()
            .map(|(k, (q, split))| Pending::question(SCIENCE_BASE + k as u64, "sq", q, *split))
            .collect();
        let (records, rejected) = teach_all(
            &pending,
            teacher,
            crate::teacher::Style::Full,
            seed,
            progress,
        )?;
        let data_config = DataConfig {
            seed,
            users: 0,
            questions: questions.len(),
            follow_ups_per_report: 0,
            teacher: config.teacher.clone(),
            ..DataConfig::default()
        };
        let dataset = Dataset {
            config: data_config,
            reports: Vec::new(),
            questions: questions.into_iter().map(|(q, _)| q).collect(),
            records,
            rejected,
            conditions: Vec::new(),
        };
        Ok((dataset, counts))
    }
}
