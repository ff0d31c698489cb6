//! The evaluated items: the test split's instruction records, each with the report or question
//! it was made from (the ground truth the metrics need).

use std::collections::HashMap;
use std::path::Path;

use serde::de::DeserializeOwned;
use sleepcot_data::instructions::InstructionRecord;
use sleepcot_data::knowledge::Question;
use sleepcot_data::report::Report;
use sleepcot_data::teacher::Task;

use crate::error::EvalError;
use crate::run_dir::RunDir;

/// Test records with their sources.
#[derive(Debug, Clone, PartialEq)]
pub struct TestSet {
    /// The test records, in file order.
    pub records: Vec<InstructionRecord>,
    /// Reports by id.
    pub reports: HashMap<String, Report>,
    /// Knowledge questions by id.
    pub questions: HashMap<String, Question>,
}

/// One test item and its ground truth.
#[derive(Debug, Clone, Copy)]
pub struct Item<'a> {
    /// Position of the record in the test split (seeds per-item choices such as random letters).
    pub index: usize,
    /// The record (prompt, and the teacher's rationale and answer).
    pub record: &'a InstructionRecord,
    /// The report of a recommendation or follow-up record.
    pub report: Option<&'a Report>,
    /// The question of a knowledge record.
    pub question: Option<&'a Question>,
}

/// Reads a JSON Lines file, naming the file and line of a bad row.
pub(crate) fn read_rows<T: DeserializeOwned>(
    path: &Path,
    what: &'static str,
    row: &'static str,
) -> Result<Vec<(usize, T)>, EvalError> {
    if !path.is_file() {
        return Err(EvalError::MissingFile {
            path: path.to_path_buf(),
            what,
        });
    }
    let text = std::fs::read_to_string(path).map_err(|e| EvalError::File {
        action: "read",
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value = serde_json::from_str(line).map_err(|e| EvalError::MalformedLine {
            path: path.to_path_buf(),
            line: i + 1,
            what: row,
            message: e.to_string(),
        })?;
        rows.push((i + 1, value));
    }
    Ok(rows)
}

/// The report id a record is about: the `source_id` of a recommendation, its part before `/`
/// for a follow-up.
pub fn report_id(record: &InstructionRecord) -> Option<&str> {
    match record.task {
        Task::Recommendation => Some(&record.source_id),
        Task::FollowUp => record.source_id.rsplit_once('/').map(|(r, _)| r),
        Task::Knowledge => None,
    }
}

impl TestSet {
    /// Loads `data/instructions/test.jsonl`, `data/reports.jsonl` and `data/questions.jsonl`,
    /// keeping only the reports and questions the test records use. Fails on a missing or
    /// malformed file, or a record whose source is not there.
    pub fn load(run: &RunDir) -> Result<TestSet, EvalError> {
        let records: Vec<InstructionRecord> =
            read_rows(&run.test_split(), "test split", "instruction record")?
                .into_iter()
                .map(|(_, r)| r)
                .collect();
        Self::with_sources(run, records)
    }

    /// `records` (of any split of `run`) with the reports and questions they use, read from
    /// `run`'s tables. Fails on a missing or malformed table, or a record whose source is not
    /// there.
    pub fn with_sources(
        run: &RunDir,
        records: Vec<InstructionRecord>,
    ) -> Result<TestSet, EvalError> {
        let needs_reports = records.iter().any(|r| r.task != Task::Knowledge);
        let needs_questions = records.iter().any(|r| r.task == Task::Knowledge);
        let reports: Vec<Report> = if needs_reports {
            read_rows(&run.reports(), "reports table", "report")?
                .into_iter()
                .map(|(_, r)| r)
                .collect()
        } else {
            Vec::new()
        };
        let questions: Vec<Question> = if needs_questions {
            read_rows(&run.questions(), "questions table", "knowledge question")?
                .into_iter()
                .map(|(_, q)| q)
                .collect()
        } else {
            Vec::new()
        };
        let set = TestSet::new(records, reports, questions);
        set.check(run)?;
        Ok(set)
    }

    /// A test set from records and the reports and questions they use (unused ones are dropped).
    pub fn new(
        records: Vec<InstructionRecord>,
        reports: impl IntoIterator<Item = Report>,
        questions: impl IntoIterator<Item = Question>,
    ) -> TestSet {
        let wanted_reports: std::collections::HashSet<&str> =
            records.iter().filter_map(report_id).collect();
        let wanted_questions: std::collections::HashSet<&str> = records
            .iter()
            .filter(|r| r.task == Task::Knowledge)
            .map(|r| r.source_id.as_str())
            .collect();
        let reports = reports
            .into_iter()
            .filter(|r| wanted_reports.contains(r.id.as_str()))
            .map(|r| (r.id.clone(), r))
            .collect();
        let questions = questions
            .into_iter()
            .filter(|q| wanted_questions.contains(q.id.as_str()))
            .map(|q| (q.id.clone(), q))
            .collect();
        TestSet {
            records,
            reports,
            questions,
        }
    }

    fn check(&self, run: &RunDir) -> Result<(), EvalError> {
        for item in self.items() {
            let (missing, path) = match item.record.task {
                Task::Knowledge => (item.question.is_none(), run.questions()),
                _ => (item.report.is_none(), run.reports()),
            };
            if missing {
                return Err(EvalError::MissingSource {
                    id: item.record.id.clone(),
                    source_id: item.record.source_id.clone(),
                    path,
                });
            }
        }
        Ok(())
    }

    /// Every item, in record order.
    pub fn items(&self) -> impl Iterator<Item = Item<'_>> {
        self.records.iter().enumerate().map(|(index, record)| Item {
            index,
            record,
            report: report_id(record).and_then(|id| self.reports.get(id)),
            question: (record.task == Task::Knowledge)
                .then(|| self.questions.get(&record.source_id))
                .flatten(),
        })
    }

    /// Items per task.
    pub fn count(&self, task: Task) -> usize {
        self.records.iter().filter(|r| r.task == task).count()
    }
}
