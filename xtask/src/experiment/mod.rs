//! `cargo xtask experiment [NAME|PATH]`: the whole pipeline from one TOML file.
//!
//! Stages run in order (data → tokenizer → one training run per variant → predictions of
//! every variant and the baselines → evaluation → report) into `runs/NAME/`. Each stage
//! records the hash of its configuration and inputs in `runs/NAME/stages/`, so an unchanged
//! stage is skipped on the next run and a killed run resumes where it stopped (training from
//! its newest checkpoint); see [`stage`].

pub(crate) mod execute;
pub mod plan;
pub mod spec;
pub mod stage;
mod summary;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use clap::Args;
use sleepcot_model::BackendKind;
use sleepcot_train::StudentConfig;

use plan::{GROUPS, Plan};
use spec::Experiment;
use stage::{Decision, StageRecord, Stages, Status};

/// Names the baselines' predictions use, which no variant may take.
pub const BASELINE_NAMES: [&str; 5] = [
    "expert",
    "generic",
    "random_letter",
    "prior",
    execute::UNTRAINED,
];

/// Options of `cargo xtask experiment`.
#[derive(Debug, Args)]
pub struct ExperimentArgs {
    /// `experiments/NAME.toml` by name, or a path to an experiment file.
    #[arg(default_value = "quick")]
    experiment: String,
    /// Override the experiment's backend.
    #[arg(long)]
    backend: Option<BackendKind>,
    /// Output directory [default: runs/NAME].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Rerun every stage, ignoring what is cached.
    #[arg(long)]
    force: bool,
    /// Run only the stages of one group (data, tokenizer, train, predict, judge, eval, report);
    /// the stages before it must have finished.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(GROUPS))]
    only: Option<String>,
    /// Override the experiment's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Print the plan, the sizes and the expected memory, and run nothing.
    #[arg(long)]
    dry_run: bool,
    /// Stages run at once where they are independent (the variants' training runs, their
    /// predictions) [default: the number of CPUs]. Results do not depend on it (training runs
    /// one variant at a time when LoRA dropout is on, since dropout draws from the backend's
    /// shared random generator).
    #[arg(long)]
    jobs: Option<usize>,
    /// Where experiments are looked up by name.
    #[arg(long, default_value = "experiments")]
    experiments_dir: PathBuf,
}

/// How one stage went in this invocation.
#[derive(Debug, Clone, PartialEq)]
pub struct StageRun {
    /// The stage's name.
    pub name: String,
    /// `ran`, `resumed` or `cached`.
    pub status: &'static str,
    /// Seconds: of this invocation for a stage that ran, of the recorded run for a cached one.
    pub wall_s: f64,
}

/// Loads the experiment named on the command line with the overrides applied.
fn load(args: &ExperimentArgs) -> anyhow::Result<(Experiment, PathBuf)> {
    let path = Experiment::locate(&args.experiment, &args.experiments_dir);
    let mut experiment = Experiment::load(&path)?;
    if let Some(backend) = args.backend {
        experiment.spec.backend = backend;
    }
    if let Some(seed) = args.seed {
        experiment.spec.seed = seed;
    }
    let run = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("runs").join(&experiment.name));
    Ok((experiment, run))
}

/// Runs (or dry-runs) the experiment and prints the summary.
pub fn run(args: &ExperimentArgs) -> anyhow::Result<()> {
    let (experiment, run) = load(args)?;
    let plan = Plan::new(&experiment, &run);
    if args.dry_run {
        print!("{}", plan::describe(&experiment, &plan, &run));
        return Ok(());
    }
    experiment.check_files()?;
    std::fs::create_dir_all(&run)
        .map_err(|e| anyhow::anyhow!("could not create {}: {e}", run.display()))?;
    let stages = Stages::new(&run);
    let total = plan.stages.len();
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let mut runs = Vec::with_capacity(total);
    let started = Instant::now();
    let first_selected = args
        .only
        .as_deref()
        .and_then(|g| plan.stages.iter().position(|s| s.kind.group() == g));
    if let (Some(group), None) = (args.only.as_deref(), first_selected) {
        // Only `judge` can be missing: the experiment has no `[eval.judge]`.
        anyhow::bail!(
            "{} has no {group} stage (add an [eval.judge] table to judge the answers), so --only {group} has nothing to run",
            experiment.path.display()
        );
    }
    let mut i = 0;
    while i < total {
        // A wave: the consecutive stages of one group, which depend only on earlier waves.
        let group = plan.stages[i].kind.group();
        let end = (i..total)
            .find(|&j| plan.stages[j].kind.group() != group)
            .unwrap_or(total);
        let mut wave = Vec::new();
        for (j, planned) in plan.stages.iter().enumerate().take(end).skip(i) {
            let label = format!("[{:>2}/{total}] {:<24}", j + 1, planned.name);
            if args.only.as_deref().is_some_and(|g| g != group) {
                // Stages upstream of the selected group must be finished; downstream ones wait.
                let upstream = first_selected.is_some_and(|first| j < first);
                if upstream && !stages.is_done(&planned.name, &planned.hash) {
                    anyhow::bail!(
                        "stage {} has not finished with this configuration, so --only {} cannot run yet; run the experiment without --only first",
                        planned.name,
                        args.only.as_deref().unwrap_or_default()
                    );
                }
                continue;
            }
            match stages.decide(&planned.name, &planned.hash, args.force) {
                Decision::Skip(wall_s) => {
                    println!("{label} cached ({wall_s:.1} s when it ran)");
                    runs.push(StageRun {
                        name: planned.name.clone(),
                        status: "cached",
                        wall_s,
                    });
                }
                Decision::Resume(before) => wave.push(Job {
                    planned,
                    label,
                    status: "resumed",
                    before,
                }),
                Decision::Fresh => {
                    execute::clear(&experiment, &run, planned.kind)?;
                    wave.push(Job {
                        planned,
                        label,
                        status: "ran",
                        before: 0.0,
                    });
                }
            }
        }
        let context = Context {
            experiment: &experiment,
            run: &run,
            stages: &stages,
        };
        let wave_jobs = if group == "train" && draws_during_training(&experiment.spec.student) {
            // Dropout draws from the backend's process-wide generator: variants trained side by
            // side would interleave their draws, and the curves would depend on `--jobs`.
            if jobs > 1 && wave.len() > 1 {
                println!(
                    "training one variant at a time: LoRA dropout draws from the backend's shared random generator"
                );
            }
            1
        } else {
            jobs
        };
        runs.extend(run_wave(&context, &wave, wave_jobs)?);
        i = end;
    }
    summary::print(&experiment, &run, &runs, started.elapsed().as_secs_f64())
}

/// Whether training `student` draws random numbers from the backend (LoRA dropout above zero).
fn draws_during_training(student: &StudentConfig) -> bool {
    sleepcot_train::student::lora_of(student).is_some_and(|lora| lora.dropout > 0.0)
}

/// What every stage of a run shares.
struct Context<'a> {
    experiment: &'a Experiment,
    run: &'a Path,
    stages: &'a Stages,
}

/// A stage to run in this invocation.
struct Job<'a> {
    planned: &'a plan::PlannedStage,
    label: String,
    status: &'static str,
    /// Seconds spent on it by earlier, interrupted invocations.
    before: f64,
}

/// Runs one stage between its `running` and `done` records.
fn run_job(context: &Context<'_>, job: &Job<'_>, quiet: bool) -> anyhow::Result<StageRun> {
    let planned = job.planned;
    println!(
        "{} {}…",
        job.label,
        if job.status == "ran" {
            "running"
        } else {
            "resuming"
        }
    );
    let mut record = StageRecord {
        stage: planned.name.clone(),
        hash: planned.hash.clone(),
        status: Status::Running,
        wall_s: job.before,
    };
    context.stages.write(&record)?;
    let start = Instant::now();
    let line = execute::stage(context.experiment, context.run, planned.kind, quiet)?;
    let wall_s = start.elapsed().as_secs_f64();
    record.status = Status::Done;
    record.wall_s = job.before + wall_s;
    context.stages.write(&record)?;
    println!(
        "{} done in {wall_s:.1} s{}",
        job.label,
        line.map_or(String::new(), |l| format!(": {l}"))
    );
    Ok(StageRun {
        name: planned.name.clone(),
        status: job.status,
        wall_s,
    })
}

/// Runs the stages of one wave on up to `jobs` threads, the costliest first. Each stage is
/// seeded on its own, so the results do not depend on the order or the concurrency. After a
/// failure no new stage starts; the first failure in plan order is returned.
fn run_wave(context: &Context<'_>, wave: &[Job<'_>], jobs: usize) -> anyhow::Result<Vec<StageRun>> {
    let workers = jobs.min(wave.len());
    if workers <= 1 {
        return wave
            .iter()
            .map(|job| run_job(context, job, false))
            .collect();
    }
    let mut order: Vec<usize> = (0..wave.len()).collect();
    order.sort_by_key(|&k| {
        std::cmp::Reverse(execute::cost(context.experiment, wave[k].planned.kind))
    });
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let results: Mutex<Vec<Option<anyhow::Result<StageRun>>>> =
        Mutex::new((0..wave.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while !failed.load(Ordering::SeqCst) {
                    let Some(&k) = order.get(next.fetch_add(1, Ordering::SeqCst)) else {
                        break;
                    };
                    let result = run_job(context, &wave[k], true);
                    if result.is_err() {
                        failed.store(true, Ordering::SeqCst);
                    }
                    results
                        .lock()
                        .expect("no worker panics while holding the lock")[k] = Some(result);
                }
            });
        }
    });
    let results = results.into_inner().expect("the workers have finished");
    let mut runs = Vec::with_capacity(wave.len());
    for result in results.into_iter().flatten() {
        runs.push(result?);
    }
    Ok(runs)
}

/// `cargo xtask list`: one line per experiment file.
pub fn list(dir: &Path) -> anyhow::Result<()> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| {
            anyhow::anyhow!(
                "could not read the experiments directory {}: {e}",
                dir.display()
            )
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    for path in files {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        match Experiment::load(&path) {
            Ok(e) => {
                let variants: Vec<&str> = e.spec.variants.iter().map(|v| v.name.as_str()).collect();
                println!(
                    "{name:<26} {:<5} {}  [{}]",
                    e.spec.backend.to_string(),
                    e.spec.description,
                    variants.join(", ")
                );
            }
            Err(err) => println!("{name:<26} invalid: {err}"),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use sleepcot_model::lora::LoraConfig;
    use sleepcot_train::{Precision, StudentConfig};

    use super::draws_during_training;

    #[test]
    fn only_lora_dropout_serialises_the_training_wave() {
        let lora = |dropout| StudentConfig::Pretrained {
            model: "m".into(),
            lora: Some(LoraConfig::all_projections(8, 16.0, dropout)),
            precision: Precision::F32,
        };
        assert!(draws_during_training(&lora(0.05)));
        assert!(!draws_during_training(&lora(0.0)));
        let full = StudentConfig::Pretrained {
            model: "m".into(),
            lora: None,
            precision: Precision::F32,
        };
        assert!(!draws_during_training(&full));
        let scratch: StudentConfig =
            toml::from_str("kind = \"scratch\"").expect("a scratch student parses");
        assert!(!draws_during_training(&scratch));
    }
}
