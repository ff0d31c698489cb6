//! `cargo xtask eval --run DIR`: metrics, plots and the report from stored predictions.
//!
//! Reads the run directory laid out as `sleepcot_eval::run_dir` documents (`DIR/data` from
//! `cargo xtask data`, `DIR/predictions/<variant>.jsonl`, optional `DIR/train/<variant>/<stage>/
//! metrics.csv`) and writes `DIR/eval/{metrics.json, scores.*, plots/, report.md}`. Nothing is
//! generated unless asked: `--baselines` writes the model-free baselines' predictions, and
//! `--student` / `--two-stage` generate the answers of exported students first, and `--chat`
//! asks an OpenAI-compatible endpoint (an LLM, or a served student). `--judge` then has an LLM
//! judge score the recommendations on the paper's three axes.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use sleepcot_data::instructions::StudentFormat;
use sleepcot_data::teacher::chat::ChatTeacherConfig;
use sleepcot_eval::extra;
use sleepcot_eval::prediction::{RationaleSource, VariantKind};
use sleepcot_eval::student::{Student, StudentPredictor, TwoStagePredictor};
use sleepcot_model::BackendKind;

use crate::experiment::execute::{Answering, PredictTask};
use sleepcot_eval::{
    BootstrapConfig, ChatPredictor, EvalConfig, JudgeConfig, LlmJudge, RunDir, RunOptions, TestSet,
};

type Cpu = burn::backend::Flex;

/// Options of `cargo xtask eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The run directory.
    #[arg(long)]
    run: PathBuf,
    /// Evaluate only these variants (default: every `predictions/<variant>.jsonl`).
    #[arg(long, value_delimiter = ',')]
    variants: Option<Vec<String>>,
    /// Bootstrap resamples per interval.
    #[arg(long, default_value_t = 10_000)]
    resamples: usize,
    /// Seed of the bootstrap (and of the random-letter baseline).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// First write the predictions of the expert teacher, generic advice and random letters.
    #[arg(long)]
    baselines: bool,
    /// First generate the answers of a student: `NAME=DIR` or `NAME=DIR@FORMAT`, where DIR is
    /// an exported HF checkpoint with `tokenizer.json` (e.g. `train/<variant>/main/model`) and
    /// FORMAT how it was trained: `rationale_then_answer` (default), `answer_only`,
    /// `prefixed_answer`. Repeatable.
    #[arg(long, value_name = "NAME=DIR[@FORMAT]")]
    student: Vec<String>,
    /// First generate the answers of a Sci-CoT two-stage student with its own, the teacher's
    /// and no rationale: `NAME=RATIONALE_DIR,ANSWER_DIR`. Repeatable.
    #[arg(long, value_name = "NAME=RATIONALE_DIR,ANSWER_DIR")]
    two_stage: Vec<String>,
    /// First ask an OpenAI-compatible endpoint (an LLM, or a student behind `cargo xtask serve`):
    /// `NAME=ENDPOINT.toml` or `NAME=ENDPOINT.toml@FORMAT`, where the TOML file holds the chat
    /// settings of a chat teacher (`base_url`, `model`, `api_key_env`, `max_tokens`, ...).
    /// Replies are cached in `RUN/chat-cache`. Repeatable.
    #[arg(long, value_name = "NAME=ENDPOINT.toml[@FORMAT]")]
    chat: Vec<String>,
    /// Then ask an LLM judge (an OpenAI-compatible endpoint, in the same TOML form as `--chat`)
    /// to score every variant's recommendations from 1 to 10 on personalisation, reasoning and
    /// knowledge; the scores join the metrics and the report. Replies are cached in
    /// `RUN/chat-cache`, so judging again sends nothing twice.
    #[arg(long, value_name = "ENDPOINT.toml")]
    judge: Option<PathBuf>,
    /// Judge at most this many recommendations per variant (a seeded sample, the same items
    /// for every variant).
    #[arg(long, value_name = "N", requires = "judge")]
    judge_max_items: Option<usize>,
    /// Longest generated answer, in tokens, for `--student` and `--two-stage`.
    #[arg(long, default_value_t = 256)]
    max_new_tokens: usize,
    /// First score an external multiple-choice file (ARC / OpenBookQA JSONL, or the project's
    /// question JSONL) as the extra test set named by its stem: every trained variant of the
    /// run (`train/*/outcome.json`) and the model-free baselines answer it on the CPU, and its
    /// scores join metrics.json as `<metric>.<stem>`.
    #[arg(long, value_name = "FILE")]
    questions: Option<PathBuf>,
}

/// Splits `NAME=VALUE`, naming the option and the expected shape when it does not fit.
fn name_and_value<'a>(
    option: &str,
    text: &'a str,
    shape: &str,
) -> anyhow::Result<(&'a str, &'a str)> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() && !value.is_empty() => Ok((name, value)),
        _ => anyhow::bail!("--{option} {text:?} is not of the form {shape}"),
    }
}

/// Reads `FORMAT` (a student format's snake-case name) for option `--{option}`.
fn parse_format(option: &str, spec: &str, format: &str) -> anyhow::Result<StudentFormat> {
    serde_json::from_value(format.into()).map_err(|_| {
        anyhow::anyhow!(
            "--{option} {spec:?}: unknown format {format:?}; expected rationale_then_answer, answer_only or prefixed_answer"
        )
    })
}

/// Reads a chat endpoint's settings (a chat teacher's TOML form) from `file`.
fn read_endpoint(file: &str) -> anyhow::Result<ChatTeacherConfig> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("could not read the endpoint file {file}"))?;
    toml::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{file} is not a valid chat endpoint: {}",
            e.message().trim()
        )
    })
}

/// Asks the LLM judge of `--judge` to score the stored recommendations.
fn judge(args: &EvalArgs, run: &RunDir) -> anyhow::Result<()> {
    let Some(file) = &args.judge else {
        return Ok(());
    };
    let config = JudgeConfig {
        endpoint: read_endpoint(&file.to_string_lossy())?,
        max_items: args.judge_max_items,
    };
    let judge = LlmJudge::new(config, &run.root.join("chat-cache"))?;
    let done = sleepcot_eval::judge_run(run, &judge, args.variants.as_deref(), args.seed, true)?;
    let stats = judge.endpoint.stats();
    for d in &done {
        println!(
            "judged {} answers of {} ({} unreadable)",
            d.judged, d.variant, d.unreadable
        );
    }
    println!(
        "judge {}: {} fetched, {} from cache",
        judge.model(),
        stats.fetched,
        stats.cache_hits
    );
    Ok(())
}

/// Asks the chat endpoints named by `--chat` and stores their answers.
fn predict_chat(args: &EvalArgs, run: &RunDir, test: &TestSet) -> anyhow::Result<()> {
    let items: Vec<_> = test.items().collect();
    for spec in &args.chat {
        let (name, value) = name_and_value("chat", spec, "NAME=ENDPOINT.toml[@FORMAT]")?;
        let (file, format) = match value.rsplit_once('@') {
            Some((file, format)) => (file, parse_format("chat", spec, format)?),
            None => (value, StudentFormat::RationaleThenAnswer),
        };
        let config = read_endpoint(file)?;
        let mut predictor = ChatPredictor::new(
            name,
            config,
            format,
            VariantKind::Teacher,
            &run.root.join("chat-cache"),
        )?;
        let (rows, _) =
            sleepcot_eval::run_predictions(&mut predictor, &items, run, &RunOptions::default())?;
        let stats = predictor.endpoint.stats();
        println!(
            "wrote {} predictions of {name} ({} fetched, {} from cache)",
            rows.len(),
            stats.fetched,
            stats.cache_hits
        );
    }
    Ok(())
}

/// Generates and stores the answers of the students named on the command line, on the CPU.
fn predict_students(args: &EvalArgs, run: &RunDir, test: &TestSet) -> anyhow::Result<()> {
    let device = Default::default();
    let items: Vec<_> = test.items().collect();
    let options = RunOptions::default();
    for spec in &args.student {
        let (name, value) = name_and_value("student", spec, "NAME=DIR[@FORMAT]")?;
        let (dir, format) = match value.split_once('@') {
            Some((dir, format)) => (dir, parse_format("student", spec, format)?),
            None => (value, StudentFormat::RationaleThenAnswer),
        };
        let student =
            Student::<Cpu>::load(PathBuf::from(dir).as_path(), &device, args.max_new_tokens)?;
        let mut predictor = StudentPredictor {
            name: name.to_string(),
            student,
            format,
            kind: VariantKind::Student,
            backend: "flex".into(),
        };
        let (rows, _) = sleepcot_eval::run_predictions(&mut predictor, &items, run, &options)?;
        println!("wrote {} predictions of {name}", rows.len());
    }
    for spec in &args.two_stage {
        let (name, value) = name_and_value("two-stage", spec, "NAME=RATIONALE_DIR,ANSWER_DIR")?;
        let Some((rationale_dir, answer_dir)) = value.split_once(',') else {
            anyhow::bail!("--two-stage {spec:?} is not of the form NAME=RATIONALE_DIR,ANSWER_DIR");
        };
        let load = |dir: &str| {
            Student::<Cpu>::load(PathBuf::from(dir).as_path(), &device, args.max_new_tokens)
        };
        let (rationale, answer) = (load(rationale_dir)?, load(answer_dir)?);
        for source in RationaleSource::ALL {
            let mut predictor = TwoStagePredictor::new(name, &rationale, &answer, source, "flex");
            let (rows, _) = sleepcot_eval::run_predictions(&mut predictor, &items, run, &options)?;
            println!(
                "wrote {} predictions of {name} ({source:?} rationale)",
                rows.len()
            );
        }
    }
    Ok(())
}

/// Writes the extra question set of `--questions` and has every trained variant and the
/// model-free baselines answer it; returns the set's name.
fn predict_questions(args: &EvalArgs, run: &RunDir, file: &Path) -> anyhow::Result<String> {
    let name = extra::set_name(file)?;
    let questions = extra::read_question_file(file)?;
    if questions.is_empty() {
        bail!(
            "{} holds no question with four options to score",
            file.display()
        );
    }
    let set = extra::add_question_set(run, &name, &questions)?;
    let sets = vec![(set.clone(), TestSet::load(&set)?)];
    let options = RunOptions::default();
    let names = crate::experiment::execute::model_free_baselines(
        &set, &sets[0].1, args.seed, false, &options,
    )?;
    println!(
        "{name}: {} questions; wrote predictions of {}",
        questions.len(),
        names.join(", ")
    );
    for (variant, objective) in crate::ask::trained_variants(run)? {
        let task = PredictTask {
            run,
            sets: &sets,
            name: &variant,
            objective,
            answering: Answering {
                max_new_tokens: args.max_new_tokens,
                task_limits: Default::default(),
                options,
                backend: "flex".into(),
            },
        };
        for line in BackendKind::Flex.run(task)?? {
            println!("{name}: {line}");
        }
    }
    Ok(name)
}

/// Evaluates the run and prints where the outputs went.
pub fn run(args: &EvalArgs) -> anyhow::Result<()> {
    let run = RunDir::new(&args.run);
    let extra_set = match &args.questions {
        Some(file) => Some(predict_questions(args, &run, file)?),
        None => None,
    };
    if args.baselines
        || !args.student.is_empty()
        || !args.two_stage.is_empty()
        || !args.chat.is_empty()
    {
        let test = TestSet::load(&run)?;
        if args.baselines {
            let names =
                sleepcot_eval::predict_baselines(&run, &test, args.seed, &RunOptions::default())?;
            println!("wrote predictions of {}", names.join(", "));
        }
        predict_students(args, &run, &test)?;
        predict_chat(args, &run, &test)?;
    }
    judge(args, &run)?;
    let config = EvalConfig {
        bootstrap: BootstrapConfig {
            resamples: args.resamples,
            seed: args.seed,
            ..BootstrapConfig::default()
        },
        ..EvalConfig::default()
    };
    let out = sleepcot_eval::evaluate_run(&run, args.variants.as_deref(), &config)
        .with_context(|| format!("could not evaluate run {}", args.run.display()))?;
    for v in &out.metrics.variants {
        let cells: Vec<String> = v
            .metrics
            .iter()
            .filter(|m| !m.metric.ends_with("_unparseable"))
            .map(|m| format!("{} {:.3}", m.metric, m.value.estimate))
            .collect();
        println!("{:<28} {}", v.name, cells.join("  "));
    }
    if let Some(set) = &extra_set {
        for v in &out.metrics.variants {
            let suffix = format!(".{set}");
            let cells: Vec<String> = v
                .extra
                .iter()
                .filter(|m| m.metric.ends_with(&suffix))
                .map(|m| format!("{} {:.3}", m.metric, m.value.estimate))
                .collect();
            if !cells.is_empty() {
                println!("{:<28} {}", v.name, cells.join("  "));
            }
        }
    }
    println!("wrote {}", out.metrics_path.display());
    println!("wrote {}", out.report_path.display());
    Ok(())
}
