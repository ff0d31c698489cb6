//! The crate's error type: every message is one sentence naming the item or field at fault.

use std::path::PathBuf;

use sleepcot_data::teacher::Task;

/// Why scoring, bootstrapping or plotting failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// A record of one task was given where another task was expected.
    #[error("record {id} is a {} record, but a {} record was expected", found.name(), expected.name())]
    WrongTask {
        /// The record's id.
        id: String,
        /// The task the caller needed.
        expected: Task,
        /// The record's task.
        found: Task,
    },
    /// The teacher's answer stored in a record does not parse.
    #[error("record {id} has no parseable gold answer in its `answer` field ({answer:?})")]
    UnparseableGold {
        /// The record's id.
        id: String,
        /// The stored answer.
        answer: String,
    },
    /// A follow-up record's `source_id` is not `<report id>/<follow-up kind>`.
    #[error(
        "record {id} has source_id {source_id:?}, which is not of the form <report id>/<follow-up kind> with a known kind"
    )]
    MalformedSourceId {
        /// The record's id.
        id: String,
        /// Its `source_id`.
        source_id: String,
    },
    /// A follow-up record was scored against another person's report.
    #[error("record {id} is about report {expected}, but report {found} was given")]
    ReportMismatch {
        /// The record's id.
        id: String,
        /// The report the record names.
        expected: String,
        /// The report that was passed.
        found: String,
    },
    /// The follow-up question has no gold answer for this report.
    #[error("record {id} asks follow-up {kind}, which has no gold answer for its report")]
    FollowUpNotApplicable {
        /// The record's id.
        id: String,
        /// The follow-up kind's name.
        kind: &'static str,
    },
    /// There is nothing to bootstrap.
    #[error("bootstrap needs at least one score, but the list of scores is empty")]
    EmptyScores,
    /// A score is NaN or infinite.
    #[error("score {index} is {value}, but every bootstrapped score must be finite")]
    NonFiniteScore {
        /// Position of the score in its list.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A paired comparison got different numbers of items for its two variants.
    #[error(
        "a paired bootstrap needs one score per item for both variants, but got {left} and {right} scores"
    )]
    LengthMismatch {
        /// Scores of the first variant.
        left: usize,
        /// Scores of the second variant.
        right: usize,
    },
    /// A bootstrap setting is out of range.
    #[error("bootstrap setting `{field}` is {value}, but {expected} was expected")]
    InvalidConfig {
        /// The setting.
        field: &'static str,
        /// Its value, as text.
        value: String,
        /// What would have been accepted.
        expected: &'static str,
    },
    /// A file the evaluation needs does not exist.
    #[error("{what} {} does not exist", path.display())]
    MissingFile {
        /// The file looked for.
        path: PathBuf,
        /// What the file should hold ("test split", "predictions", ...).
        what: &'static str,
    },
    /// A file could not be read, written or parsed as a whole.
    #[error("could not {action} {}: {message}", path.display())]
    File {
        /// What was being done (`read`, `write`, ...).
        action: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The underlying error, in one clause.
        message: String,
    },
    /// One line of a JSON Lines file is not the expected record.
    #[error("{} line {line} is not a valid {what}: {message}", path.display())]
    MalformedLine {
        /// The file.
        path: PathBuf,
        /// One-based line number.
        line: usize,
        /// What the line should hold ("prediction", "instruction record", ...).
        what: &'static str,
        /// serde's description of the problem.
        message: String,
    },
    /// A predictions file answers an item that is not in the test split.
    #[error("{} has a prediction for id {id}, which is not in the test split", path.display())]
    UnknownItem {
        /// The predictions file.
        path: PathBuf,
        /// The id that is not in the test split.
        id: String,
    },
    /// A predictions file answers one item twice.
    #[error("{} has a second prediction for id {id} on line {line}; each item may be answered once", path.display())]
    DuplicateItem {
        /// The predictions file.
        path: PathBuf,
        /// The repeated id.
        id: String,
        /// One-based line of the repetition.
        line: usize,
    },
    /// A test item refers to a report or question the data directory does not hold.
    #[error("test record {id} refers to {source_id}, which is not in {}", path.display())]
    MissingSource {
        /// The record's id.
        id: String,
        /// Its `source_id`.
        source_id: String,
        /// The table that should hold the source.
        path: PathBuf,
    },
    /// A run directory holds no predictions to evaluate.
    #[error("{} holds no <variant>.jsonl predictions files to evaluate", path.display())]
    NoPredictions {
        /// The predictions directory.
        path: PathBuf,
    },
    /// A predictor cannot answer an item (wrong task, missing context, model failure).
    #[error("predictor {predictor} failed on {id}: {message}")]
    Predictor {
        /// The predictor's name.
        predictor: String,
        /// The item's id.
        id: String,
        /// What went wrong, in one clause.
        message: String,
    },
    /// A student model or tokenizer could not be loaded.
    #[error("could not load student {}: {message}", path.display())]
    LoadStudent {
        /// The checkpoint directory.
        path: PathBuf,
        /// The model crate's message.
        message: String,
    },
    /// A variant name cannot be used as a file name.
    #[error(
        "variant name {name:?} is not usable as a file name; use letters, digits, `-`, `_`, `.` and `+`"
    )]
    BadVariantName {
        /// The name.
        name: String,
    },
    /// A plot's data cannot be drawn.
    #[error("plot {}: {problem}", path.display())]
    PlotData {
        /// The plot's output path (without extension).
        path: PathBuf,
        /// What is wrong with the data, in one clause.
        problem: String,
    },
    /// The plotting backend failed (drawing or writing the file).
    #[error("plot {} could not be written: {message}", path.display())]
    PlotBackend {
        /// The file being written.
        path: PathBuf,
        /// The backend's message.
        message: String,
    },
    /// The LLM judge cannot be set up (its endpoint settings or API key).
    #[error("the LLM judge cannot be set up: {message}")]
    JudgeSetup {
        /// What is wrong, in one clause naming the setting or variable.
        message: String,
    },
    /// The judge's endpoint failed on one answer (network, HTTP status, malformed body).
    #[error("the LLM judge failed on {variant}'s answer to {id}: {message}")]
    Judge {
        /// The judged variant.
        variant: String,
        /// The item's id.
        id: String,
        /// The client's message, naming the URL.
        message: String,
    },
    /// A stored judgement is of an answer the predictions file no longer holds.
    #[error(
        "{} judges an answer to {id} that {} does not hold now; run the judge again",
        path.display(),
        predictions.display()
    )]
    StaleJudgement {
        /// The judgements file.
        path: PathBuf,
        /// The item's id.
        id: String,
        /// The variant's predictions file.
        predictions: PathBuf,
    },
}
