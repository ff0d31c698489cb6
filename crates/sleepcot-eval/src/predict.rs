//! The runner: any [`Predictor`] answers the test items in batches (one task per batch, prompts of
//! like length together: [`crate::batch_plan`]), with a progress bar, and the outputs are stored as
//! predictions in item order (see [`crate::prediction`]).
//!
//! Predictors here need no model: the expert teacher (the upper bound, re-taught with its own
//! phrasing seed so that ROUGE-L against the stored record is not trivially 1), the
//! generic-advice baseline and the random-letter baseline. Students live in
//! [`crate::student`].

use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use sleepcot_data::teacher::{
    ExpertTeacher, FollowUpQuestion, Style, Task, Teacher, TeacherInput, followup::gold_answer,
};

use crate::baselines::{PopulationPrior, RandomLetter, generic_advice};
use crate::batch_plan::plan_batches;
use crate::efficiency::peak_rss_bytes;
use crate::error::EvalError;
use crate::prediction::{Prediction, VariantInfo, write_predictions};
use crate::run_dir::{RunDir, check_variant_name};
use crate::testset::Item;

/// One generated output with its costs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Generated {
    /// The scored text (see [`Prediction::output`]).
    pub output: String,
    /// Prompt tokens read.
    pub prompt_tokens: usize,
    /// Tokens generated.
    pub tokens: usize,
}

/// Time spent in a batch, split into prefill and decode where the predictor can tell.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BatchTiming {
    /// Seconds of prefill (prompt processing up to the first new token).
    pub prefill_s: f64,
    /// Seconds of decoding after the first new token.
    pub decode_s: f64,
}

/// Anything that answers test items: a student, the teacher, a baseline.
pub trait Predictor {
    /// The variant name written into every prediction.
    fn name(&self) -> &str;

    /// Answers a batch of items, one output per item in order. Timing is added to `timing`
    /// by predictors that run a model.
    fn predict(
        &mut self,
        items: &[Item<'_>],
        timing: &mut BatchTiming,
    ) -> Result<Vec<Generated>, EvalError>;

    /// Parameters of the model behind the predictor, if any.
    fn parameters(&self) -> Option<u64> {
        None
    }

    /// A description of the variant (kind, backend, ...); the runner fills in speed, memory and
    /// parameters.
    fn info(&self) -> VariantInfo;
}

/// How the runner batches and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOptions {
    /// Most items per call of [`Predictor::predict`]; a call holds one task ([`crate::batch_plan`]).
    pub batch_size: usize,
    /// Whether to draw a progress bar on stderr.
    pub progress: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            batch_size: 8,
            progress: true,
        }
    }
}

/// A progress bar over `len` items labelled `message`, or a hidden one when `shown` is false.
pub(crate) fn progress_bar(len: usize, message: String, shown: bool) -> ProgressBar {
    if !shown {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    bar.set_style(
        ProgressStyle::with_template("{msg:>20} [{bar:30}] {pos}/{len} ({eta})")
            .expect("static template is valid")
            .progress_chars("=> "),
    );
    bar.set_message(message);
    bar
}

/// Answers `items` with `predictor` and writes `DIR/predictions/<name>.{jsonl,parquet,meta.json}`.
/// Returns the predictions and the description written.
pub fn run_predictions(
    predictor: &mut dyn Predictor,
    items: &[Item<'_>],
    run: &RunDir,
    options: &RunOptions,
) -> Result<(Vec<Prediction>, VariantInfo), EvalError> {
    let name = predictor.name().to_string();
    check_variant_name(&name)?;
    let bar = progress_bar(items.len(), name.clone(), options.progress);
    let mut answered: Vec<Option<Prediction>> = vec![None; items.len()];
    let mut timing = BatchTiming::default();
    let (mut prompt_tokens, mut new_tokens) = (0usize, 0usize);
    for plan in plan_batches(items, options.batch_size) {
        let batch: Vec<Item<'_>> = plan.iter().map(|&i| items[i]).collect();
        let start = Instant::now();
        let outputs = predictor.predict(&batch, &mut timing)?;
        let latency = start.elapsed().as_secs_f64();
        if outputs.len() != batch.len() {
            return Err(EvalError::Predictor {
                predictor: name.clone(),
                id: batch[0].record.id.clone(),
                message: format!(
                    "it returned {} outputs for a batch of {}",
                    outputs.len(),
                    batch.len()
                ),
            });
        }
        for (&at, g) in plan.iter().zip(outputs) {
            let item = &items[at];
            prompt_tokens += g.prompt_tokens;
            new_tokens += g.tokens;
            answered[at] = Some(Prediction {
                id: item.record.id.clone(),
                task: item.record.task,
                model: name.clone(),
                output: g.output,
                latency_s: latency,
                prompt_tokens: g.prompt_tokens,
                tokens: g.tokens,
            });
        }
        bar.inc(batch.len() as u64);
    }
    // The plan covers every item once, so every slot is filled; written in item order.
    let rows: Vec<Prediction> = answered.into_iter().flatten().collect();
    debug_assert_eq!(rows.len(), items.len(), "the plan answers every item");
    bar.finish_and_clear();
    let rate = |tokens: usize, s: f64| (tokens > 0 && s > 0.0).then(|| tokens as f64 / s);
    let mut info = predictor.info();
    info.name = name;
    info.parameters = info.parameters.or(predictor.parameters());
    info.prefill_tokens_per_s = rate(prompt_tokens, timing.prefill_s);
    info.decode_tokens_per_s = rate(new_tokens, timing.decode_s);
    info.peak_rss_bytes = peak_rss_bytes();
    info.batch_size = Some(options.batch_size.max(1));
    write_predictions(run, &info, &rows)?;
    Ok((rows, info))
}

/// The expert teacher, re-teaching each item from its report or question.
#[derive(Debug, Clone)]
pub struct TeacherPredictor {
    /// Variant name (`expert` by default).
    pub name: String,
    /// Phrasing seed; a seed other than the data seed gives other wording of the same reasoning.
    pub seed: u64,
}

/// The expert teacher that wrote `record`'s style: the compact checklist for a compact record,
/// the full four-step reply otherwise.
fn teacher_for(record: &sleepcot_data::instructions::InstructionRecord) -> &'static dyn Teacher {
    Style::of_system_prompt(record.task, &record.system).expert()
}

impl Default for TeacherPredictor {
    fn default() -> Self {
        TeacherPredictor {
            name: ExpertTeacher::NAME.to_string(),
            seed: 1,
        }
    }
}

/// The follow-up question of a record, rebuilt from its `source_id` and user message.
fn follow_up_question(item: &Item<'_>) -> Option<FollowUpQuestion> {
    let report = item.report?;
    let kind_name = item.record.source_id.rsplit_once('/')?.1;
    let kind = sleepcot_data::teacher::FollowUpKind::ALL
        .into_iter()
        .find(|k| k.name() == kind_name)?;
    let text = item
        .record
        .user
        .rsplit_once("Question: ")
        .map_or("", |(_, q)| q)
        .trim()
        .to_string();
    Some(FollowUpQuestion {
        kind,
        text,
        gold: gold_answer(kind, report)?,
    })
}

impl Predictor for TeacherPredictor {
    fn name(&self) -> &str {
        &self.name
    }

    fn predict(
        &mut self,
        items: &[Item<'_>],
        _timing: &mut BatchTiming,
    ) -> Result<Vec<Generated>, EvalError> {
        items
            .iter()
            .map(|item| {
                let fail = |message: String| EvalError::Predictor {
                    predictor: self.name.clone(),
                    id: item.record.id.clone(),
                    message,
                };
                let question;
                let input = match (item.record.task, item.report, item.question) {
                    (Task::Recommendation, Some(r), _) => TeacherInput::Recommendation(r),
                    (Task::FollowUp, Some(r), _) => {
                        question = follow_up_question(item).ok_or_else(|| {
                            fail("its follow-up kind has no gold answer for the report".into())
                        })?;
                        TeacherInput::FollowUp(r, &question)
                    }
                    (Task::Knowledge, _, Some(q)) => TeacherInput::Knowledge(q),
                    _ => return Err(fail("the item's report or question is missing".into())),
                };
                let out = teacher_for(item.record)
                    .teach(&input, self.seed, item.index as u64)
                    .map_err(|e| fail(e.to_string()))?;
                Ok(Generated {
                    output: out.text(),
                    ..Generated::default()
                })
            })
            .collect()
    }

    fn info(&self) -> VariantInfo {
        VariantInfo {
            kind: Some(crate::prediction::VariantKind::Teacher),
            ..VariantInfo::default()
        }
    }
}

/// The predictions of a model-free baseline: `answer` of every item, with no timing.
fn model_free(items: &[Item<'_>], answer: impl Fn(&Item<'_>) -> String) -> Vec<Generated> {
    items
        .iter()
        .map(|item| Generated {
            output: answer(item),
            ..Generated::default()
        })
        .collect()
}

/// How a model-free baseline describes itself.
fn baseline_info() -> VariantInfo {
    VariantInfo {
        kind: Some(crate::prediction::VariantKind::Baseline),
        ..VariantInfo::default()
    }
}

/// The same generic sleep-hygiene advice for every item: the "knows nothing about this person"
/// baseline for recommendations (on a follow-up it answers nothing, and scores so).
#[derive(Debug, Clone)]
pub struct GenericPredictor {
    /// Variant name (`generic` by default).
    pub name: String,
}

impl Default for GenericPredictor {
    fn default() -> Self {
        GenericPredictor {
            name: "generic".into(),
        }
    }
}

impl Predictor for GenericPredictor {
    fn name(&self) -> &str {
        &self.name
    }

    fn predict(
        &mut self,
        items: &[Item<'_>],
        _timing: &mut BatchTiming,
    ) -> Result<Vec<Generated>, EvalError> {
        let advice = generic_advice();
        Ok(model_free(items, |_| advice.clone()))
    }

    fn info(&self) -> VariantInfo {
        baseline_info()
    }
}

/// The population prior ([`PopulationPrior`]): the same answers for everyone, fitted on the
/// training split, so a student can be told apart from one that only learnt the population.
#[derive(Debug, Clone)]
pub struct PriorPredictor {
    /// Variant name (`prior` by default).
    pub name: String,
    /// The fitted prior.
    pub prior: PopulationPrior,
}

impl PriorPredictor {
    /// The prior fitted on `train`, named `prior`.
    pub fn fit(train: &[sleepcot_data::instructions::InstructionRecord]) -> Self {
        PriorPredictor {
            name: "prior".into(),
            prior: PopulationPrior::fit(train),
        }
    }
}

impl Predictor for PriorPredictor {
    fn name(&self) -> &str {
        &self.name
    }

    fn predict(
        &mut self,
        items: &[Item<'_>],
        _timing: &mut BatchTiming,
    ) -> Result<Vec<Generated>, EvalError> {
        Ok(model_free(items, |item| self.prior.output(item.record)))
    }

    fn info(&self) -> VariantInfo {
        baseline_info()
    }
}

/// A seeded random letter for every item (`Answer: X`): chance level on knowledge questions.
#[derive(Debug, Clone)]
pub struct RandomLetterPredictor {
    /// Variant name (`random_letter` by default).
    pub name: String,
    /// The letters' seed.
    pub letters: RandomLetter,
}

impl Default for RandomLetterPredictor {
    fn default() -> Self {
        RandomLetterPredictor {
            name: "random_letter".into(),
            letters: RandomLetter { seed: 0 },
        }
    }
}

impl Predictor for RandomLetterPredictor {
    fn name(&self) -> &str {
        &self.name
    }

    fn predict(
        &mut self,
        items: &[Item<'_>],
        _timing: &mut BatchTiming,
    ) -> Result<Vec<Generated>, EvalError> {
        Ok(model_free(items, |item| {
            self.letters.output(item.index as u64)
        }))
    }

    fn info(&self) -> VariantInfo {
        baseline_info()
    }
}

/// Writes the predictions of the model-free variants: the expert teacher on every item,
/// generic advice on the report items (recommendations and follow-ups), random letters on
/// the knowledge questions, and the population prior on every item when the run has a training
/// split (`data/instructions/train.jsonl`; an extra set has none). Returns the variant names
/// written.
pub fn predict_baselines(
    run: &RunDir,
    test: &crate::testset::TestSet,
    seed: u64,
    options: &RunOptions,
) -> Result<Vec<String>, EvalError> {
    let items: Vec<Item<'_>> = test.items().collect();
    let (knowledge, reports): (Vec<Item<'_>>, Vec<Item<'_>>) = items
        .iter()
        .copied()
        .partition(|i| i.record.task == Task::Knowledge);
    let mut teacher = TeacherPredictor {
        seed: seed.wrapping_add(1),
        ..TeacherPredictor::default()
    };
    let mut generic = GenericPredictor::default();
    let mut random = RandomLetterPredictor {
        letters: RandomLetter { seed },
        ..RandomLetterPredictor::default()
    };
    let mut names = Vec::new();
    let runs: [(&mut dyn Predictor, &[Item<'_>]); 3] = [
        (&mut teacher, &items),
        (&mut generic, &reports),
        (&mut random, &knowledge),
    ];
    for (predictor, items) in runs {
        if !items.is_empty() {
            names.push(run_predictions(predictor, items, run, options)?.1.name);
        }
    }
    let train = run.data().join("instructions").join("train.jsonl");
    if train.is_file() {
        let records: Vec<sleepcot_data::instructions::InstructionRecord> =
            crate::testset::read_rows(&train, "training split", "instruction record")?
                .into_iter()
                .map(|(_, r)| r)
                .collect();
        let mut prior = PriorPredictor::fit(&records);
        names.push(run_predictions(&mut prior, &items, run, options)?.1.name);
    }
    Ok(names)
}
