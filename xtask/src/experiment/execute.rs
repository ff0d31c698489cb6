//! What each stage of an experiment does, and which outputs it owns.

use std::path::{Path, PathBuf};

use anyhow::Context;
use burn::tensor::backend::Backend;
use sleepcot_data::instructions::StudentFormat;
use sleepcot_eval::baselines::RandomLetter;
use sleepcot_eval::predict::{Predictor, RandomLetterPredictor};
use sleepcot_eval::prediction::{RationaleSource, VariantKind};
use sleepcot_eval::student::{Student, StudentPredictor, TwoStagePredictor};
use sleepcot_eval::{BootstrapConfig, EvalConfig, LlmJudge, RunDir, RunOptions, TestSet};
use sleepcot_model::BackendTask;
use sleepcot_train::{Objective, Stage, TwoStageStudents};

use super::plan::StageKind;
use super::spec::{Experiment, VariantSpec};
use super::stage::remove_path;

/// `run/tokenizer/tokenizer.json`: the tokenizer every variant shares.
pub fn tokenizer_path(run: &Path) -> PathBuf {
    run.join("tokenizer").join("tokenizer.json")
}

/// Removes what a stage wrote in an earlier run with another configuration, so nothing stale
/// is resumed or read. Data keeps its teacher cache (paid-for replies stay valid whatever the
/// configuration, because they are keyed by the request).
pub fn clear(experiment: &Experiment, run: &Path, kind: StageKind) -> anyhow::Result<()> {
    let spec = &experiment.spec;
    let dir = RunDir::new(run);
    match kind {
        StageKind::Data => {
            for name in [
                "instructions",
                "reports.jsonl",
                "reports.parquet",
                "questions.jsonl",
                "questions.parquet",
                "config.json",
                sleepcot_data::pipeline::CONDITIONS_DIR,
            ] {
                remove_path(&dir.data().join(name))?;
            }
        }
        StageKind::Tokenizer => remove_path(&run.join("tokenizer"))?,
        StageKind::Train(i) => remove_path(&dir.train().join(&spec.variants[i].name))?,
        StageKind::Predict(i) => remove_predictions(&dir, &variant_names(&spec.variants[i]))?,
        StageKind::Baselines => remove_predictions(&dir, &super::BASELINE_NAMES)?,
        StageKind::Curves(i) => remove_curve(&dir, &spec.variants[i].name)?,
        StageKind::Judge => remove_path(&dir.judge())?,
        StageKind::Eval => remove_path(&dir.eval())?,
        StageKind::Report => remove_path(&run.join("report.md"))?,
    }
    Ok(())
}

/// Removes the prediction files (`.jsonl`, `.parquet`, `.meta.json`) of `names`, in the run and
/// in each of its extra test sets.
fn remove_predictions(dir: &RunDir, names: &[impl AsRef<str>]) -> anyhow::Result<()> {
    let mut dirs = vec![dir.clone()];
    for set in sleepcot_eval::extra::set_names(dir)? {
        dirs.push(dir.extra_set(&set));
    }
    for dir in &dirs {
        for name in names {
            let name = name.as_ref();
            remove_path(&dir.prediction_file(name))?;
            remove_path(&dir.prediction_file(name).with_extension("parquet"))?;
            remove_path(&dir.prediction_meta(name))?;
        }
    }
    Ok(())
}

/// Removes a variant's learning curve and the checkpoint answers behind it.
fn remove_curve(dir: &RunDir, name: &str) -> anyhow::Result<()> {
    remove_path(&sleepcot_eval::curves::curve_file(dir, name))?;
    let answers = RunDir::new(dir.curves()).predictions();
    let prefix = format!("{name}_step");
    for entry in std::fs::read_dir(&answers).into_iter().flatten().flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        if file
            .strip_prefix(&prefix)
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        {
            remove_path(&entry.path())?;
        }
    }
    Ok(())
}

/// The run's main test set and its extra test sets (`[eval] extra_questions`,
/// `extra_reports`), each as its run directory and loaded test items. The extra sets are
/// (re)written from their files first; the writing is deterministic, so the stages that call
/// this write the same bytes.
pub fn test_sets(experiment: &Experiment, dir: &RunDir) -> anyhow::Result<Vec<(RunDir, TestSet)>> {
    // Predict stages run in parallel threads and each writes the sets: one at a time (the
    // atomic writer's temporary file is named by the process).
    static WRITING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = WRITING.lock().unwrap_or_else(|e| e.into_inner());
    let eval = &experiment.spec.eval;
    let mut sets = vec![(dir.clone(), TestSet::load(dir)?)];
    let conditions = dir.data().join(sleepcot_data::pipeline::CONDITIONS_DIR);
    for name in experiment.condition_set_names() {
        let file = conditions.join(format!("{name}.jsonl"));
        let questions = sleepcot_eval::extra::read_question_file(&file)?;
        let set = sleepcot_eval::extra::add_question_set(dir, name, &questions)?;
        let test = TestSet::load(&set)?;
        sets.push((set, test));
    }
    for file in &eval.extra_questions {
        let name = sleepcot_eval::extra::set_name(file)?;
        let questions = sleepcot_eval::extra::read_question_file(file)?;
        let set = sleepcot_eval::extra::add_question_set(dir, &name, &questions)?;
        let test = TestSet::load(&set)?;
        sets.push((set, test));
    }
    for file in &eval.extra_reports {
        let name = sleepcot_eval::extra::set_name(file)?;
        let report = sleepcot_eval::extra::read_report_file(file)?;
        let set = sleepcot_eval::extra::add_report_set(dir, &name, &[report])?;
        let test = TestSet::load(&set)?;
        sets.push((set, test));
    }
    Ok(sets)
}

/// The names of the experiment's extra test sets: the knowledge conditions, then the `[eval]` files.
pub fn extra_set_names(experiment: &Experiment) -> anyhow::Result<Vec<String>> {
    let mut names: Vec<String> = experiment
        .condition_set_names()
        .into_iter()
        .map(String::from)
        .collect();
    for (_, file) in experiment.spec.eval.extra_files() {
        names.push(sleepcot_eval::extra::set_name(&file)?);
    }
    Ok(names)
}

/// The prediction variants a student variant writes: its own name, and for Sci-CoT also the
/// answer stage reading the teacher's rationale and no rationale.
pub fn variant_names(variant: &VariantSpec) -> Vec<String> {
    match variant.objective {
        Objective::TwoStage { .. } => RationaleSource::ALL
            .iter()
            .map(|s| format!("{}{}", variant.name, s.suffix()))
            .collect(),
        _ => vec![variant.name.clone()],
    }
}

/// Every prediction variant of the experiment, baselines first.
pub fn all_variant_names(experiment: &Experiment) -> Vec<String> {
    let spec = &experiment.spec;
    let mut names: Vec<String> = match (spec.eval.baselines, spec.science.is_some()) {
        (false, _) => Vec::new(),
        (true, true) => vec![RandomLetterPredictor::default().name],
        (true, false) => super::BASELINE_NAMES
            .iter()
            .map(|s| s.to_string())
            .collect(),
    };
    for v in &experiment.spec.variants {
        names.extend(variant_names(v));
    }
    names
}

/// The relative cost of a stage, for running the costliest first: the number of sequences a
/// training record becomes, or of generation passes a prediction makes.
pub fn cost(experiment: &Experiment, kind: StageKind) -> usize {
    let objective = |i: usize| experiment.spec.variants[i].objective;
    match kind {
        StageKind::Train(i) => {
            let o = objective(i);
            o.stages().iter().map(|s| o.parts(*s).len()).sum()
        }
        StageKind::Predict(i) => match objective(i) {
            Objective::TwoStage { .. } => 4,
            _ => 1,
        },
        StageKind::Curves(_) => 1,
        _ => 0,
    }
}

/// Runs one stage; returns a short line for the progress output. `quiet` turns progress bars
/// off (stages running side by side would draw over each other).
pub fn stage(
    experiment: &Experiment,
    run: &Path,
    kind: StageKind,
    quiet: bool,
) -> anyhow::Result<Option<String>> {
    let spec = &experiment.spec;
    let dir = RunDir::new(run);
    match kind {
        StageKind::Data if spec.science.is_some() => {
            let science = spec.science.as_ref().expect("matched above");
            let (dataset, counts) =
                crate::data::science_and_write(science, spec.seed, &dir.data())?;
            Ok(Some(format!(
                "{} questions ({} train, {} val, {} test), {} records; left out: {} without four options, {} repeated ids",
                dataset.questions.len(),
                counts.kept.get("train").copied().unwrap_or(0),
                counts.kept.get("val").copied().unwrap_or(0),
                counts.kept.get("test").copied().unwrap_or(0),
                dataset.records.len(),
                counts.not_four_options,
                counts.duplicates
            )))
        }
        StageKind::Data => {
            let dataset = crate::data::generate_and_write(&spec.data_config(), &dir.data())?;
            let s = dataset.summary();
            Ok(Some(format!(
                "{} reports, {} questions, {} records",
                s.reports,
                s.questions,
                dataset.records.len()
            )))
        }
        StageKind::Tokenizer => {
            let config = spec.train_config(&spec.variants[0], run, None);
            let tokenizer = sleepcot_train::build_run_tokenizer(&config)
                .context("could not build the tokenizer")?;
            let path = tokenizer_path(run);
            let parent = path.parent().expect("the tokenizer path has a parent");
            std::fs::create_dir_all(parent)
                .with_context(|| format!("could not create {}", parent.display()))?;
            tokenizer.save(&path)?;
            Ok(Some(format!("{} tokens", tokenizer.vocab_size())))
        }
        StageKind::Train(i) => {
            let variant = &spec.variants[i];
            let tokenizer = tokenizer_path(run);
            let mut config = spec.train_config(variant, run, Some(&tokenizer));
            config.run.progress &= !quiet;
            let outcome = sleepcot_train::train(&config)
                .with_context(|| format!("training variant {} failed", variant.name))?;
            let parts: Vec<String> = outcome
                .stages
                .iter()
                .map(|s| {
                    format!(
                        "{} {} steps, loss {:.3}{}",
                        s.stage.dir_name(),
                        s.steps,
                        s.final_train_loss,
                        s.final_val_loss
                            .map_or(String::new(), |v| format!(" (val {v:.3})"))
                    )
                })
                .collect();
            Ok(Some(parts.join("; ")))
        }
        StageKind::Predict(i) => {
            let variant = &spec.variants[i];
            let sets = test_sets(experiment, &dir)?;
            let task = PredictTask {
                run: &dir,
                sets: &sets,
                name: &variant.name,
                objective: variant.objective,
                answering: Answering::of(spec, quiet),
            };
            let written = spec.backend.run(task)??;
            Ok(Some(written.join("; ")))
        }
        StageKind::Curves(i) => {
            let variant = &spec.variants[i];
            let subset = sleepcot_eval::curves::validation_subset(&dir, spec.eval.curve_items)?;
            let task = CurveTask {
                run: &dir,
                subset: &subset,
                name: &variant.name,
                objective: variant.objective,
                answering: Answering::of(spec, quiet),
            };
            let curve = spec.backend.run(task)??;
            sleepcot_eval::curves::write_curve(&dir, &variant.name, &curve.points)?;
            Ok(Some(curve.summary))
        }
        StageKind::Baselines => {
            let options = RunOptions {
                batch_size: spec.eval.batch_size,
                progress: !quiet,
            };
            let mut names: Vec<String> = Vec::new();
            for (set, test) in test_sets(experiment, &dir)? {
                for name in baselines(experiment, run, &set, &test, &options)? {
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
            }
            Ok(Some(names.join(", ")))
        }
        StageKind::Judge => {
            let config = spec.eval.judge.clone().expect("planned only with a judge");
            let judge = LlmJudge::new(config, &dir.data().join("teacher-cache"))?;
            let names = all_variant_names(experiment);
            let done = sleepcot_eval::judge_run(&dir, &judge, Some(&names), spec.seed, !quiet)?;
            let stats = judge.endpoint.stats();
            Ok(Some(format!(
                "{} answers of {} variants judged by {} ({} unreadable); {} fetched, {} from cache",
                done.iter().map(|d| d.judged).sum::<usize>(),
                done.len(),
                judge.model(),
                done.iter().map(|d| d.unreadable).sum::<usize>(),
                stats.fetched,
                stats.cache_hits
            )))
        }
        StageKind::Eval => {
            if spec.eval.judge.is_none() {
                // Judge scores from an earlier configuration that had a judge are stale now.
                remove_path(&dir.judge())?;
            }
            let config = EvalConfig {
                bootstrap: BootstrapConfig {
                    resamples: spec.eval.resamples,
                    seed: spec.seed,
                    ..BootstrapConfig::default()
                },
                extra_sets: Some(extra_set_names(experiment)?),
                ..EvalConfig::default()
            };
            let names = all_variant_names(experiment);
            let out = sleepcot_eval::evaluate_run(&dir, Some(&names), &config)
                .with_context(|| format!("could not evaluate {}", run.display()))?;
            Ok(Some(format!(
                "{} variants, {} plots",
                out.metrics.variants.len(),
                out.plots.len()
            )))
        }
        StageKind::Report => {
            let path = super::summary::write_report(experiment, run)?;
            Ok(Some(path.display().to_string()))
        }
    }
}

/// The model-free baselines' predictions on one test set (the run's, or an extra set): the
/// expert teacher, generic advice and random letters; only random letters where the expert
/// teacher cannot answer (science questions, an extra exam outside the fact bank).
pub fn model_free_baselines(
    dir: &RunDir,
    test: &TestSet,
    seed: u64,
    science: bool,
    options: &RunOptions,
) -> anyhow::Result<Vec<String>> {
    let gold_only = test
        .records
        .iter()
        .any(|r| r.teacher == sleepcot_eval::extra::GOLD_ONLY_TEACHER);
    if !(science || gold_only) {
        return Ok(sleepcot_eval::predict_baselines(dir, test, seed, options)?);
    }
    let items: Vec<_> = test.items().collect();
    let mut random = RandomLetterPredictor {
        letters: RandomLetter { seed },
        ..RandomLetterPredictor::default()
    };
    Ok(vec![
        sleepcot_eval::run_predictions(&mut random, &items, dir, options)?
            .1
            .name,
    ])
}

/// Every baseline on one test set: the model-free ones, then the untrained student.
fn baselines(
    experiment: &Experiment,
    run: &Path,
    dir: &RunDir,
    test: &TestSet,
    options: &RunOptions,
) -> anyhow::Result<Vec<String>> {
    let spec = &experiment.spec;
    let mut names = model_free_baselines(dir, test, spec.seed, spec.science.is_some(), options)?;
    let untrained = UntrainedTask {
        experiment,
        run,
        dir,
        test,
        options: *options,
    };
    names.push(spec.backend.run(untrained)??);
    Ok(names)
}

/// The variant name of the untrained student.
pub const UNTRAINED: &str = "untrained";

/// The student every variant starts from, before any training (a scratch student's seeded
/// initialisation, or the pretrained checkpoint), asked for rationale and answer: the baseline
/// that shows what training added.
struct UntrainedTask<'a> {
    experiment: &'a Experiment,
    run: &'a Path,
    dir: &'a RunDir,
    test: &'a TestSet,
    options: RunOptions,
}

impl BackendTask for UntrainedTask<'_> {
    type Output = anyhow::Result<String>;

    fn run<B: Backend>(self, device: B::Device) -> Self::Output {
        let spec = &self.experiment.spec;
        let config =
            spec.train_config(&spec.variants[0], self.run, Some(&tokenizer_path(self.run)));
        let tokenizer =
            sleepcot_model::tokenizer::ChatTokenizer::from_file(tokenizer_path(self.run))?;
        // The seed of a run's first student (`sleepcot_train::train` mixes in the stage index).
        let seed = sleepcot_model::model::mix_seed(spec.seed, 0);
        let model =
            sleepcot_train::student::build_model::<B>(&config.student, &tokenizer, seed, &device)?;
        let mut predictor = StudentPredictor {
            name: UNTRAINED.to_string(),
            student: Student::new(model, tokenizer, spec.eval.max_new_tokens)
                .with_task_limits(spec.eval.max_new_tokens_per_task.clone()),
            format: StudentFormat::RationaleThenAnswer,
            kind: VariantKind::Untrained,
            backend: spec.backend.to_string(),
        };
        let items: Vec<_> = self.test.items().collect();
        let (_, info) =
            sleepcot_eval::run_predictions(&mut predictor, &items, self.dir, &self.options)?;
        Ok(info.name)
    }
}

/// `VARIANT_DIR/<stage>/model`: the HF checkpoint a training stage exported.
pub fn stage_model_dir(variant_dir: &Path, stage: Stage) -> PathBuf {
    variant_dir.join(stage.dir_name()).join("model")
}

/// How a stage asks trained students: reply limits, batching and the backend's name.
#[derive(Clone)]
pub struct Answering {
    /// Longest reply.
    pub max_new_tokens: usize,
    /// Tighter limits on the reply for some tasks.
    pub task_limits: std::collections::BTreeMap<sleepcot_data::teacher::Task, usize>,
    /// Batching and progress.
    pub options: RunOptions,
    /// The backend's name, for the report.
    pub backend: String,
}

impl Answering {
    /// The experiment's `[eval]` settings on its backend; `quiet` turns progress bars off.
    pub fn of(spec: &super::spec::ExperimentSpec, quiet: bool) -> Self {
        Answering {
            max_new_tokens: spec.eval.max_new_tokens,
            task_limits: spec.eval.max_new_tokens_per_task.clone(),
            options: RunOptions {
                batch_size: spec.eval.batch_size,
                progress: !quiet,
            },
            backend: spec.backend.to_string(),
        }
    }

    /// The student saved in `dir`, with these limits.
    fn load<B: Backend>(&self, dir: &Path, device: &B::Device) -> anyhow::Result<Student<B>> {
        Ok(Student::<B>::load(dir, device, self.max_new_tokens)?
            .with_task_limits(self.task_limits.clone()))
    }

    /// Hands `each` the predictors of a variant trained with `objective`, named `name`, from its
    /// students in [`students_of`] order: a Sci-CoT variant's answer stage once per rationale
    /// source in `sources`, any other variant's one model once.
    fn predictors<B: Backend>(
        &self,
        name: &str,
        objective: Objective,
        mut students: Vec<Student<B>>,
        sources: &[RationaleSource],
        mut each: impl FnMut(&mut dyn Predictor) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        match objective {
            Objective::TwoStage { .. } => {
                let rationale = &students[0];
                let answer = students.get(1).unwrap_or(rationale);
                for &source in sources {
                    each(&mut TwoStagePredictor::new(
                        name,
                        rationale,
                        answer,
                        source,
                        &self.backend,
                    ))?;
                }
                Ok(())
            }
            objective => each(&mut StudentPredictor {
                name: name.to_string(),
                student: students.remove(0),
                format: objective
                    .answer_format()
                    .expect("every one-model objective has an answer format"),
                kind: VariantKind::Student,
                backend: self.backend.clone(),
            }),
        }
    }
}

/// The training stages whose students a variant answers with: a Sci-CoT variant with two
/// students its rationale and answer stages, any other its one model.
fn students_of(objective: Objective) -> Vec<Stage> {
    match objective {
        Objective::TwoStage {
            students: TwoStageStudents::Two,
        } => vec![Stage::Rationale, Stage::Answer],
        _ => vec![Stage::Main],
    }
}

/// A variant's learning curve and the line the stage prints about it.
pub struct Curve {
    /// Every checkpoint's points.
    pub points: Vec<sleepcot_eval::curves::CurvePoint>,
    /// What was scored, or why nothing was.
    pub summary: String,
}

/// Scores each kept checkpoint of one variant on the validation subset, on a backend.
pub struct CurveTask<'a> {
    /// The run whose `train/<name>/<stage>/checkpoints/` hold the checkpoints.
    pub run: &'a RunDir,
    /// The fixed validation subset.
    pub subset: &'a TestSet,
    /// The variant's name.
    pub name: &'a str,
    /// How it was trained.
    pub objective: Objective,
    /// How its checkpoints are asked.
    pub answering: Answering,
}

impl BackendTask for CurveTask<'_> {
    type Output = anyhow::Result<Curve>;

    fn run<B: Backend>(self, device: B::Device) -> Self::Output {
        let variant_dir = self.run.train().join(self.name);
        let stages = students_of(self.objective);
        // step → checkpoint directory, per stage; and the training tokens by each step.
        let mut checkpoints = Vec::new();
        let mut tokens = Vec::new();
        for stage in &stages {
            let stage_dir = variant_dir.join(stage.dir_name());
            let mut by_step = std::collections::BTreeMap::new();
            for dir in sleepcot_train::checkpoint::list(&stage_dir)? {
                let state = sleepcot_train::checkpoint::read_state(&dir)?;
                // A LoRA checkpoint holds only its adapter; its curve is not drawn.
                if dir.join("config.json").is_file() {
                    by_step.insert(state.step, dir);
                }
            }
            checkpoints.push(by_step);
            tokens.push(sleepcot_eval::curves::tokens_by_step(
                &stage_dir.join("metrics.csv"),
            )?);
        }
        let steps: Vec<usize> = checkpoints[0]
            .keys()
            .copied()
            .filter(|s| checkpoints.iter().all(|c| c.contains_key(s)))
            .collect();
        if steps.is_empty() {
            return Ok(Curve {
                points: Vec::new(),
                summary: format!(
                    "{}: no full-model checkpoint kept (set [loop] checkpoint_every and keep_checkpoints)",
                    self.name
                ),
            });
        }
        let items: Vec<_> = self.subset.items().collect();
        let answers = RunDir::new(self.run.curves());
        let mut points = Vec::new();
        for &step in &steps {
            let students = (0..stages.len())
                .map(|k| self.answering.load(&checkpoints[k][&step], &device))
                .collect::<anyhow::Result<Vec<Student<B>>>>()?;
            let mut answered = None;
            self.answering.predictors(
                &format!("{}_step{step}", self.name),
                self.objective,
                students,
                &[RationaleSource::Own],
                |predictor| {
                    answered = Some(sleepcot_eval::run_predictions(
                        predictor,
                        &items,
                        &answers,
                        &self.answering.options,
                    )?);
                    Ok(())
                },
            )?;
            let (rows, info) = answered.expect("every variant has one predictor per source");
            let seen: u64 = tokens
                .iter()
                .map(|t| t.range(..=step).next_back().map_or(0, |(_, n)| *n))
                .sum();
            points.extend(sleepcot_eval::curves::score_checkpoint(
                self.subset,
                info,
                rows,
                self.name,
                step,
                seen,
            )?);
        }
        Ok(Curve {
            summary: format!(
                "{}: {} checkpoints (steps {}) on {} validation items",
                self.name,
                steps.len(),
                steps
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                items.len()
            ),
            points,
        })
    }
}

/// Generates one trained variant's answers on a backend (the experiment's, or the CPU for
/// `cargo xtask eval --questions`).
pub struct PredictTask<'a> {
    /// The run whose `train/<name>/` holds the students.
    pub run: &'a RunDir,
    /// The test sets answered: the run's own and/or extra sets.
    pub sets: &'a [(RunDir, TestSet)],
    /// The variant's name.
    pub name: &'a str,
    /// How it was trained (which students, which answer format).
    pub objective: Objective,
    /// How it is asked.
    pub answering: Answering,
}

impl BackendTask for PredictTask<'_> {
    type Output = anyhow::Result<Vec<String>>;

    fn run<B: Backend>(self, device: B::Device) -> Self::Output {
        let variant_dir = self.run.train().join(self.name);
        let students = students_of(self.objective)
            .into_iter()
            .map(|stage| {
                self.answering
                    .load(&stage_model_dir(&variant_dir, stage), &device)
            })
            .collect::<anyhow::Result<Vec<Student<B>>>>()?;
        let mut written = Vec::new();
        self.answering.predictors(
            self.name,
            self.objective,
            students,
            &RationaleSource::ALL,
            |predictor| {
                for (dir, test) in self.sets {
                    let items: Vec<_> = test.items().collect();
                    let (rows, info) = sleepcot_eval::run_predictions(
                        predictor,
                        &items,
                        dir,
                        &self.answering.options,
                    )?;
                    written.push(format!("{} {} answers", info.name, rows.len()));
                }
                Ok(())
            },
        )?;
        Ok(written)
    }
}
