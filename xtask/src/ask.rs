//! `cargo xtask ask`: a trained student's (or the expert teacher's) reply about one report.
//!
//! `--model runs/NAME/train/VARIANT` loads the variant's exported students with the loader
//! evaluation uses (`sleepcot_eval::student::Student`) and reads `outcome.json` for its
//! objective: a one-model variant is asked in its trained answer format, a Sci-CoT variant
//! writes its rationale (stage 1) and then answers from it (stage 2). The prompt is built by the
//! data crate's functions, exactly as the data stage built the training records (system prompt
//! and user message of the task, then `StudentFormat::user_message`), and is first checked
//! against the run's own stored records, so a student is never asked in a layout it was not
//! trained on. Without `--question` the task is the recommendation; with one, a follow-up
//! question. Tokens are printed as they are generated.
//!
//! `--teacher expert` prints the expert teacher's reply instead; it answers the recommendation
//! task, and of follow-up questions only those it writes itself (their gold answer is computed
//! from the report).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use sleepcot_data::instructions::{InstructionRecord, Split, StudentFormat};
use sleepcot_data::report::Report;
use sleepcot_data::teacher::followup::FollowUpKind;
use sleepcot_data::teacher::{
    ExpertTeacher, Style, Task, Teacher, TeacherInput, follow_up_questions,
};
use sleepcot_eval::RunDir;
use sleepcot_eval::student::Student;
use sleepcot_train::{Objective, Stage, TrainOutcome, TwoStageStudents};

type Cpu = burn::backend::Flex;

/// Options of `cargo xtask ask`.
#[derive(Debug, Args)]
pub struct AskArgs {
    /// A trained variant's directory in a run (`runs/NAME/train/VARIANT`).
    #[arg(long, required_unless_present = "teacher", conflicts_with = "teacher")]
    model: Option<PathBuf>,
    /// Ask a teacher instead of a student: `expert`.
    #[arg(long, value_parser = ["expert"])]
    teacher: Option<String>,
    /// The report (a `report.json` written by `cargo xtask import`, or any report JSON).
    #[arg(long)]
    report: PathBuf,
    /// A follow-up question about the report (default: ask for recommendations).
    #[arg(long)]
    question: Option<String>,
    /// Longest reply, in tokens, per stage.
    #[arg(long, default_value_t = 512)]
    max_new_tokens: usize,
}

/// Asks and prints the reply.
pub fn run(args: &AskArgs) -> anyhow::Result<()> {
    let report = sleepcot_data::validate::read_report(&args.report)?;
    match &args.model {
        Some(dir) => ask_student(dir, &report, args),
        None => ask_expert(&report, args.question.as_deref(), &args.report),
    }
}

/// The record a student reads: system prompt and user message as the data stage writes them
/// in the run's `style`.
fn prompt_record(report: &Report, question: Option<&str>, style: Style) -> InstructionRecord {
    let (task, system, user) = match question {
        None => {
            let input = TeacherInput::Recommendation(report);
            (
                Task::Recommendation,
                style.system_prompt(&input),
                style.user_message(&input),
            )
        }
        Some(q) => {
            let (system, user) = style.question_prompts(report, q);
            (Task::FollowUp, system, user)
        }
    };
    InstructionRecord {
        id: format!("ask-{}", report.id),
        task,
        split: Split::Test,
        person_id: Some(report.persona.id.clone()),
        source_id: report.id.clone(),
        fact_id: None,
        teacher: String::new(),
        system,
        user,
        assistant: String::new(),
        rationale: String::new(),
        answer: String::new(),
    }
}

/// Checks that this build writes the prompts the run's students were trained on: the run's
/// first stored recommendation record is rebuilt from its report and compared, and the
/// follow-up system prompt with a stored follow-up record's.
fn check_prompts(run: &RunDir) -> anyhow::Result<()> {
    let records: Vec<InstructionRecord> = sleepcot_data::io::read_jsonl(&run.test_split())?;
    let differs = |what: &str, id: &str| {
        anyhow::anyhow!(
            "the students of {} were trained on a {what} that this build does not write (record {id} of {}); ask them with the build and data configuration that made the run",
            run.root.display(),
            run.test_split().display()
        )
    };
    if let Some(stored) = records.iter().find(|r| r.task == Task::Recommendation) {
        let reports: Vec<Report> = sleepcot_data::io::read_jsonl(&run.reports())?;
        let report = reports
            .iter()
            .find(|r| r.id == stored.source_id)
            .with_context(|| {
                format!(
                    "{} has no report {} for record {}",
                    run.reports().display(),
                    stored.source_id,
                    stored.id
                )
            })?;
        let rebuilt = prompt_record(report, None, run.style());
        if rebuilt.system != stored.system {
            return Err(differs("recommendation system prompt", &stored.id));
        }
        if rebuilt.user != stored.user {
            return Err(differs("report rendering", &stored.id));
        }
    }
    if let Some(stored) = records.iter().find(|r| r.task == Task::FollowUp)
        && run.style().task_system_prompt(Task::FollowUp) != stored.system
    {
        return Err(differs("follow-up system prompt", &stored.id));
    }
    Ok(())
}

/// Prints a streamed piece of text at once.
fn print_piece(text: &str) {
    print!("{text}");
    let _ = std::io::stdout().flush();
}

/// How the variant in `dir` (`runs/NAME/train/VARIANT`) was trained, from its `outcome.json`.
pub fn trained_objective(dir: &Path) -> anyhow::Result<Objective> {
    let outcome_path = dir.join("outcome.json");
    let text = std::fs::read_to_string(&outcome_path).with_context(|| {
        format!(
            "{} is not a trained variant's directory: {} could not be read",
            dir.display(),
            outcome_path.display()
        )
    })?;
    let outcome: TrainOutcome = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a training outcome", outcome_path.display()))?;
    Ok(outcome.objective)
}

/// Every trained variant of a run (`train/*/outcome.json`), by name, with its objective.
pub fn trained_variants(run: &RunDir) -> anyhow::Result<Vec<(String, Objective)>> {
    let train = run.train();
    let mut out = Vec::new();
    if train.is_dir() {
        for entry in std::fs::read_dir(&train)
            .with_context(|| format!("could not list {}", train.display()))?
        {
            let path = entry?.path();
            if path.join("outcome.json").is_file()
                && let Some(name) = path.file_name().and_then(|n| n.to_str())
            {
                out.push((name.to_string(), trained_objective(&path)?));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Loads the variant's students and streams their reply.
fn ask_student(dir: &Path, report: &Report, args: &AskArgs) -> anyhow::Result<()> {
    let objective = trained_objective(dir)?;
    let run =
        RunDir::new(dir.parent().and_then(Path::parent).with_context(|| {
            format!("{} is not inside a run's train/ directory", dir.display())
        })?);
    check_prompts(&run)?;
    let record = prompt_record(report, args.question.as_deref(), run.style());
    let device = Default::default();
    let load = |stage: Stage| {
        let model = crate::experiment::execute::stage_model_dir(dir, stage);
        Student::<Cpu>::load(&model, &device, args.max_new_tokens)
    };
    let fail = |e: String| anyhow::anyhow!("generation failed: {e}");
    match objective {
        Objective::TwoStage { students } => {
            let (rationale_model, answer_model) = match students {
                TwoStageStudents::Two => (load(Stage::Rationale)?, Some(load(Stage::Answer)?)),
                TwoStageStudents::One => (load(Stage::Main)?, None),
            };
            let answer_model = answer_model.as_ref().unwrap_or(&rationale_model);
            eprintln!(
                "{}: Sci-CoT, the rationale stage then the answer stage ({} tokens at most each)",
                dir.display(),
                args.max_new_tokens
            );
            let rationale = rationale_model
                .reply_streaming(&record, StudentFormat::RationaleStage, "", print_piece)
                .map_err(fail)?;
            println!("\n");
            answer_model
                .reply_streaming(
                    &record,
                    StudentFormat::AnswerFromRationale,
                    &rationale,
                    print_piece,
                )
                .map_err(fail)?;
        }
        objective => {
            let format = objective
                .answer_format()
                .context("a one-model objective has an answer format")?;
            eprintln!(
                "{}: one student, asked in its trained format {format:?} ({} tokens at most)",
                dir.display(),
                args.max_new_tokens
            );
            load(Stage::Main)?
                .reply_streaming(&record, format, "", print_piece)
                .map_err(fail)?;
        }
    }
    println!();
    Ok(())
}

/// Prints the expert teacher's reply.
fn ask_expert(report: &Report, question: Option<&str>, path: &Path) -> anyhow::Result<()> {
    let output = match question {
        None => ExpertTeacher.teach(&TeacherInput::Recommendation(report), 0, 0)?,
        Some(text) => {
            let known = follow_up_questions(report, 0, FollowUpKind::ALL.len());
            let Some(q) = known.iter().find(|q| q.text.trim() == text.trim()) else {
                let list: Vec<String> = known.iter().map(|q| format!("\"{}\"", q.text)).collect();
                bail!(
                    "the expert teacher answers only the follow-up questions it computes from {}; ask one of: {}",
                    path.display(),
                    list.join(", ")
                );
            };
            ExpertTeacher.teach(&TeacherInput::FollowUp(report, q), 0, 0)?
        }
    };
    println!("{}", output.text());
    Ok(())
}
