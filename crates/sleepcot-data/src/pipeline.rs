//! The whole data stage: reports, knowledge questions and teacher-labelled instruction records.
//!
//! [`Dataset::generate`] is a pure function of its [`DataConfig`] (and of the teacher): the same
//! configuration gives the same records in the same order, whatever the thread count, because
//! every random draw comes from a stream keyed by the seed and the item's index.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::instructions::{
    InstructionRecord, KnowledgeSplit, Split, SplitError, SplitFractions, split_people,
    split_questions,
};
use crate::io::{IoError, write_table};
use crate::knowledge::conditions::{
    TRAINED_PHRASING, UNSEEN_FACT, trained_phrasing_questions, unseen_fact_ids,
    unseen_question_seed,
};
use crate::knowledge::{KnowledgeConditions, KnowledgeError, Question, facts, questions_for_facts};
use crate::persona::{MixError, PopulationMix};
use crate::report::{Report, generate_reports};
use crate::teacher::{
    CompactExpertTeacher, FollowUpQuestion, Style, Task, Teacher, TeacherConfig, TeacherError,
    TeacherInput, TeacherOutput, follow_up_questions,
};

/// Everything the data stage depends on. Unknown keys are rejected; missing ones take defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DataConfig {
    /// Seed of every random draw.
    pub seed: u64,
    /// Number of simulated people; each gets one report.
    pub users: usize,
    /// Nights simulated per person.
    pub nights: usize,
    /// Number of multiple-choice knowledge questions.
    pub questions: usize,
    /// Follow-up questions asked about each report.
    pub follow_ups_per_report: usize,
    /// Who the simulated people are.
    pub mix: PopulationMix,
    /// Validation and test shares (of people, and of knowledge questions).
    pub splits: SplitFractions,
    /// Validation and test shares of the knowledge questions when they differ from `splits`
    /// (a CPU experiment holds out a few people but a thousand questions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub question_splits: Option<SplitFractions>,
    /// How held-out knowledge questions relate to the training ones.
    pub knowledge_split: KnowledgeSplit,
    /// Further held-out knowledge conditions, each written as its own question set under
    /// `conditions/` ([`crate::knowledge::conditions`]). Held-out facts leave the main pool.
    #[serde(skip_serializing_if = "KnowledgeConditions::is_empty")]
    pub knowledge_conditions: KnowledgeConditions,
    /// Who writes the rationales: `{ kind = "expert" }` (default) or
    /// `{ kind = "chat", base_url = "…", model = "…", api_key_env = "…" }`.
    pub teacher: TeacherConfig,
    /// How the records are written: `full` (default) or `compact` ([`Style`]). The compact
    /// style's replies are written by the embedded expert, so it needs `teacher = expert`.
    #[serde(skip_serializing_if = "Style::is_full")]
    pub style: Style,
}

impl Default for DataConfig {
    fn default() -> Self {
        DataConfig {
            seed: 0,
            users: 100,
            nights: 7,
            questions: 1000,
            follow_ups_per_report: 3,
            mix: PopulationMix::default(),
            splits: SplitFractions::default(),
            question_splits: None,
            knowledge_split: KnowledgeSplit::default(),
            knowledge_conditions: KnowledgeConditions::default(),
            teacher: TeacherConfig::default(),
            style: Style::default(),
        }
    }
}

/// Why the data stage failed; every message is one sentence naming the value or item at fault.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// A count in the configuration is impossible.
    #[error("data config field `{field}` is {value}, but {expected} was expected")]
    Config {
        /// The field at fault.
        field: &'static str,
        /// Its value.
        value: usize,
        /// What would have been accepted.
        expected: &'static str,
    },
    /// The compact style was asked of a teacher other than the embedded expert.
    #[error(
        "data config field `style` is \"compact\", but the compact checklist is written by the embedded expert teacher; use teacher = {{ kind = \"expert\" }} or style = \"full\""
    )]
    CompactNeedsExpert,
    /// The population mix is invalid.
    #[error(transparent)]
    Mix(#[from] MixError),
    /// The split fractions are invalid.
    #[error(transparent)]
    Split(#[from] SplitError),
    /// The knowledge bank cannot supply the questions asked for.
    #[error(transparent)]
    Knowledge(#[from] KnowledgeError),
    /// The teacher failed on an item.
    #[error(transparent)]
    Teacher(#[from] TeacherError),
    /// A file could not be written.
    #[error(transparent)]
    Io(#[from] IoError),
    /// A science question file could not be read or has a bad line.
    #[error(transparent)]
    Science(#[from] crate::science::ScienceFormatError),
}

/// A progress update: `done` of `total` items of `stage` are finished.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// The stage being worked on (`reports`, `questions`, `teaching`).
    pub stage: &'static str,
    /// Items finished so far.
    pub done: usize,
    /// Items in the stage.
    pub total: usize,
}

/// The generated data: reports with ground truth, knowledge questions, instruction records.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// The configuration it was generated from.
    pub config: DataConfig,
    /// One report per simulated person, in index order.
    pub reports: Vec<Report>,
    /// The knowledge questions, in generation order.
    pub questions: Vec<Question>,
    /// Every instruction record: per report a recommendation and its follow-ups, then the
    /// knowledge questions. Items whose teacher reply was rejected are absent.
    pub records: Vec<InstructionRecord>,
    /// Per task, how many items were left out because the teacher rejected its reply
    /// ([`TeacherError::Rejected`]: the answer disagreed with the gold answer).
    pub rejected: BTreeMap<Task, usize>,
    /// The extra knowledge conditions' question sets, by name ([`KnowledgeConditions::names`]);
    /// none of their questions is in `questions`.
    pub conditions: Vec<(String, Vec<Question>)>,
}

/// One item to teach, before the teacher has seen it.
pub struct Pending<'a> {
    /// The item's index in the teacher's random stream.
    pub index: u64,
    /// What the teacher reads.
    pub input: TeacherInput<'a>,
    /// The record id.
    pub id: String,
    /// The split the record goes to.
    pub split: Split,
    /// The person of a report item.
    pub person_id: Option<String>,
    /// The fact (or dataset question) of a knowledge item.
    pub fact_id: Option<String>,
}

impl<'a> Pending<'a> {
    /// A knowledge question to teach: record id `<prefix>-<question id>`, teacher index
    /// `index`.
    pub fn question(index: u64, prefix: &str, question: &'a Question, split: Split) -> Self {
        Pending {
            index,
            input: TeacherInput::Knowledge(question),
            id: format!("{prefix}-{}", question.id),
            split,
            person_id: None,
            fact_id: Some(question.fact_id.clone()),
        }
    }
}

impl Pending<'_> {
    /// The instruction record of this item taught by `teacher` (its name): the prompts exactly
    /// as a student reads them in `style` ([`Style::system_prompt`], [`Style::user_message`])
    /// and the teacher's reply. Every record of the data stage is built here, and so are the records of the
    /// evaluation's extra test sets, so the two can never be prompted differently.
    pub fn record(&self, teacher: &str, style: Style, out: TeacherOutput) -> InstructionRecord {
        InstructionRecord {
            id: self.id.clone(),
            task: self.input.task(),
            split: self.split,
            person_id: self.person_id.clone(),
            source_id: self.input.source_id(),
            fact_id: self.fact_id.clone(),
            teacher: teacher.to_string(),
            system: style.system_prompt(&self.input),
            user: style.user_message(&self.input),
            assistant: out.text(),
            rationale: out.rationale,
            answer: out.answer,
        }
    }
}

/// The folder of the data directory that holds the extra knowledge conditions' question sets
/// (`<name>.jsonl` and `.parquet`).
pub const CONDITIONS_DIR: &str = "conditions";

/// How many questions past the main pool to generate as trained-phrasing candidates: the rest
/// of the pool's last round (stems the pool never asked) and then whole rounds, in which about
/// one stem in two is a trained one; within what the kept facts can yield.
fn extra_candidates(conditions: &KnowledgeConditions, kept: &[&str], main: usize) -> usize {
    if conditions.trained_phrasing_questions == 0 {
        return 0;
    }
    let stems: usize = facts()
        .iter()
        .filter(|f| kept.contains(&f.id))
        .map(|f| f.phrasing_count())
        .sum();
    let capacity = crate::knowledge::generator::capacity_of(kept);
    (2 * stems + 4 * conditions.trained_phrasing_questions).min(capacity.saturating_sub(main))
}

/// Items are taught in chunks of this size, so progress moves and a network teacher can batch.
const TEACH_CHUNK: usize = 64;

/// Teacher indices of the three kinds of item live in disjoint ranges.
const FOLLOW_UP_BASE: u64 = 1 << 40;
const KNOWLEDGE_BASE: u64 = 2 << 40;

impl Dataset {
    /// Generates reports, questions and teacher-labelled records for `config`.
    pub fn generate(
        config: &DataConfig,
        teacher: &dyn Teacher,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<Dataset, DataError> {
        config.validate()?;
        let seed = config.seed;
        progress(Progress {
            stage: "reports",
            done: 0,
            total: config.users,
        });
        let reports = generate_reports(seed, config.users, &config.mix, config.nights as u32);
        progress(Progress {
            stage: "questions",
            done: 0,
            total: config.questions,
        });
        let conditions = &config.knowledge_conditions;
        let unseen = if conditions.unseen_fact_questions > 0 {
            unseen_fact_ids(seed, conditions.unseen_facts)?
        } else {
            Vec::new()
        };
        let kept: Vec<&str> = facts()
            .iter()
            .map(|f| f.id)
            .filter(|id| !unseen.contains(id))
            .collect();
        // The main pool, then (for the trained-phrasing condition) its continuation: later
        // rounds of the same generator, so their option sets are new to every stem.
        let extra = extra_candidates(conditions, &kept, config.questions);
        let mut questions = questions_for_facts(seed, &kept, config.questions + extra)?;
        let candidates = questions.split_off(config.questions);

        let people: Vec<&str> = reports.iter().map(|r| r.persona.id.as_str()).collect();
        let report_splits = split_people(seed, &people, config.splits)?;
        let keys: Vec<(&str, usize)> = questions
            .iter()
            .map(|q| (q.fact_id.as_str(), q.phrasing))
            .collect();
        let question_splits = split_questions(
            seed,
            &keys,
            config.question_splits.unwrap_or(config.splits),
            config.knowledge_split,
        )?;

        let mut condition_sets = Vec::new();
        if conditions.trained_phrasing_questions > 0 {
            let training: Vec<&Question> = questions
                .iter()
                .zip(&question_splits)
                .filter(|(_, s)| **s == Split::Train)
                .map(|(q, _)| q)
                .collect();
            let set = trained_phrasing_questions(
                seed,
                &training,
                &candidates,
                conditions.trained_phrasing_questions,
            )?;
            condition_sets.push((TRAINED_PHRASING.to_string(), set));
        }
        if !unseen.is_empty() {
            let set = questions_for_facts(
                unseen_question_seed(seed),
                &unseen,
                conditions.unseen_fact_questions,
            )?;
            condition_sets.push((UNSEEN_FACT.to_string(), set));
        }

        let follow_ups: Vec<Vec<FollowUpQuestion>> = reports
            .par_iter()
            .enumerate()
            .map(|(i, r)| follow_up_questions(r, seed ^ (i as u64), config.follow_ups_per_report))
            .collect();

        let mut pending = Vec::new();
        for (i, (report, split)) in reports.iter().zip(&report_splits).enumerate() {
            let person = Some(report.persona.id.clone());
            pending.push(Pending {
                index: i as u64,
                input: TeacherInput::Recommendation(report),
                id: format!("rec-{}", report.id),
                split: *split,
                person_id: person.clone(),
                fact_id: None,
            });
            for (j, q) in follow_ups[i].iter().enumerate() {
                pending.push(Pending {
                    index: FOLLOW_UP_BASE + (i as u64) * 1024 + j as u64,
                    input: TeacherInput::FollowUp(report, q),
                    id: format!("fu-{}-{j}-{}", report.id, q.kind.name()),
                    split: *split,
                    person_id: person.clone(),
                    fact_id: None,
                });
            }
        }
        for (k, (q, split)) in questions.iter().zip(&question_splits).enumerate() {
            pending.push(Pending::question(
                KNOWLEDGE_BASE + k as u64,
                "kq",
                q,
                *split,
            ));
        }

        let compact = CompactExpertTeacher;
        let teacher: &dyn Teacher = match config.style {
            Style::Full => teacher,
            Style::Compact => &compact,
        };
        let (records, rejected) = teach_all(&pending, teacher, config.style, seed, progress)?;
        Ok(Dataset {
            config: config.clone(),
            reports,
            questions,
            records,
            rejected,
            conditions: condition_sets,
        })
    }

    /// The records of one split, in dataset order.
    pub fn split(&self, split: Split) -> impl Iterator<Item = &InstructionRecord> {
        self.records.iter().filter(move |r| r.split == split)
    }

    /// Writes `reports`, `questions` and `instructions/{train,val,test}`, each as JSONL and
    /// Parquet, plus the configuration as `config.json`. Every file is written atomically.
    pub fn write(&self, dir: &Path) -> Result<(), DataError> {
        write_table(dir, "reports", &self.reports)?;
        write_table(dir, "questions", &self.questions)?;
        let instructions = dir.join("instructions");
        for split in Split::ALL {
            let rows: Vec<&InstructionRecord> = self.split(split).collect();
            write_table(&instructions, split.name(), &rows)?;
        }
        for (name, set) in &self.conditions {
            write_table(&dir.join(CONDITIONS_DIR), name, set)?;
        }
        let config = serde_json::to_vec_pretty(&self.config)
            .expect("serialising an in-memory config cannot fail");
        crate::io::write_bytes_atomic(&dir.join("config.json"), &config)?;
        Ok(())
    }

    /// Counts per condition, per task and per split.
    pub fn summary(&self) -> Summary {
        let mut conditions: BTreeMap<String, usize> = BTreeMap::new();
        for report in &self.reports {
            if report.persona.conditions.is_empty() {
                *conditions.entry("none".to_string()).or_default() += 1;
            }
            for c in &report.persona.conditions {
                *conditions
                    .entry(c.condition.label().to_string())
                    .or_default() += 1;
            }
        }
        let mut tasks: BTreeMap<(Task, Split), usize> = BTreeMap::new();
        for r in &self.records {
            *tasks.entry((r.task, r.split)).or_default() += 1;
        }
        Summary {
            reports: self.reports.len(),
            questions: self.questions.len(),
            conditions,
            tasks,
            rejected: self.rejected.clone(),
        }
    }
}

impl DataConfig {
    /// Checks counts, the population mix and the split fractions.
    pub fn validate(&self) -> Result<(), DataError> {
        let check = |field, value: usize, ok: bool, expected| {
            if ok {
                Ok(())
            } else {
                Err(DataError::Config {
                    field,
                    value,
                    expected,
                })
            }
        };
        check("users", self.users, self.users >= 1, "at least 1")?;
        check(
            "nights",
            self.nights,
            (1..=366).contains(&self.nights),
            "between 1 and 366",
        )?;
        check(
            "follow_ups_per_report",
            self.follow_ups_per_report,
            self.follow_ups_per_report <= 64,
            "at most 64",
        )?;
        let c = &self.knowledge_conditions;
        if c.unseen_fact_questions > 0 {
            crate::knowledge::conditions::unseen_fact_ids(self.seed, c.unseen_facts)?;
            check(
                "knowledge_conditions.unseen_facts",
                c.unseen_facts,
                c.unseen_facts > 0,
                "at least 1 when unseen_fact_questions is set",
            )?;
        }
        if self.style == Style::Compact && self.teacher != TeacherConfig::Expert {
            return Err(DataError::CompactNeedsExpert);
        }
        self.mix.validate()?;
        self.splits.validate()?;
        if let Some(q) = &self.question_splits {
            q.validate()?;
        }
        Ok(())
    }
}

/// Counts that describe a dataset, printed as a table by `cargo xtask data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Number of reports (people).
    pub reports: usize,
    /// Number of knowledge questions.
    pub questions: usize,
    /// People per condition (`none` for healthy; a person may have several).
    pub conditions: BTreeMap<String, usize>,
    /// Records per task and split.
    pub tasks: BTreeMap<(Task, Split), usize>,
    /// Items per task left out because the teacher's answer disagreed with the gold answer.
    pub rejected: BTreeMap<Task, usize>,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} reports, {} knowledge questions",
            self.reports, self.questions
        )?;
        writeln!(f, "\n{:<28} {:>7}", "condition", "people")?;
        for (condition, n) in &self.conditions {
            writeln!(f, "{condition:<28} {n:>7}")?;
        }
        writeln!(
            f,
            "\n{:<16} {:>7} {:>7} {:>7} {:>7}",
            "task", "train", "val", "test", "total"
        )?;
        let mut totals = [0usize; 3];
        for task in Task::ALL {
            let counts: Vec<usize> = Split::ALL
                .iter()
                .map(|s| self.tasks.get(&(task, *s)).copied().unwrap_or(0))
                .collect();
            for (t, c) in totals.iter_mut().zip(&counts) {
                *t += c;
            }
            writeln!(
                f,
                "{:<16} {:>7} {:>7} {:>7} {:>7}",
                task.name(),
                counts[0],
                counts[1],
                counts[2],
                counts.iter().sum::<usize>()
            )?;
        }
        write!(
            f,
            "{:<16} {:>7} {:>7} {:>7} {:>7}",
            "all",
            totals[0],
            totals[1],
            totals[2],
            totals.iter().sum::<usize>()
        )?;
        let rejected: usize = self.rejected.values().sum();
        if rejected > 0 {
            let per_task: Vec<String> = self
                .rejected
                .iter()
                .map(|(task, n)| format!("{} {n}", task.name()))
                .collect();
            write!(
                f,
                "\n\n{rejected} teacher replies left out (answer disagreed with the gold answer): {}",
                per_task.join(", ")
            )?;
        }
        Ok(())
    }
}
/// Teaches every pending item in parallel chunks (results in item order, whatever the thread
/// count) and turns the replies into instruction records; items whose reply the teacher
/// rejected are counted per task instead. Shared by the simulated and the science datasets.
pub(crate) fn teach_all(
    pending: &[Pending<'_>],
    teacher: &dyn Teacher,
    style: Style,
    seed: u64,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<(Vec<InstructionRecord>, BTreeMap<Task, usize>), DataError> {
    let total = pending.len();
    let done = AtomicUsize::new(0);
    progress(Progress {
        stage: "teaching",
        done: 0,
        total,
    });
    type Taught = Result<Vec<Result<InstructionRecord, Task>>, TeacherError>;
    let chunks: Vec<Taught> = pending
        .par_chunks(TEACH_CHUNK)
        .map(|chunk| {
            let items: Vec<(u64, TeacherInput<'_>)> =
                chunk.iter().map(|p| (p.index, p.input)).collect();
            let outputs = teacher.teach_batch(&items, seed);
            let records = chunk
                .iter()
                .zip(outputs)
                .map(|(p, out)| {
                    let task = p.input.task();
                    let out = match out {
                        Ok(out) => out,
                        Err(TeacherError::Rejected { .. }) => return Ok(Err(task)),
                        Err(e) => return Err(e),
                    };
                    Ok(Ok(p.record(teacher.name(), style, out)))
                })
                .collect::<Taught>();
            let finished = done.fetch_add(chunk.len(), Ordering::Relaxed) + chunk.len();
            progress(Progress {
                stage: "teaching",
                done: finished,
                total,
            });
            records
        })
        .collect();
    let mut records = Vec::with_capacity(total);
    let mut rejected = BTreeMap::new();
    for chunk in chunks {
        for item in chunk? {
            match item {
                Ok(record) => records.push(record),
                Err(task) => *rejected.entry(task).or_default() += 1,
            }
        }
    }
    Ok((records, rejected))
}
