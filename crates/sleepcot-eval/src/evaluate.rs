//! Scoring stored predictions against the ground truth: per-item scores, every metric with
//! its bootstrap interval, efficiency, and paired comparisons between variants on the items
//! both answered.
//!
//! Where the run was judged ([`crate::judge`]), the judge's scores are metrics too, and
//! [`JudgeAgreement`] says how far the judge agrees with the ground-truth metrics.
//!
//! [`evaluate`] works on values in memory; [`evaluate_run`] reads a run directory
//! ([`crate::run_dir`]), writes `eval/metrics.json`, `eval/scores.{jsonl,parquet}`, the plots
//! and `eval/report.md`, and never generates anything.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use sleepcot_data::io::{write_bytes_atomic, write_table};
use sleepcot_data::teacher::Task;

use crate::accuracy::{Accuracy, Outcome};
use crate::bootstrap::{BootstrapConfig, Interval, mean_interval, paired_difference};
use crate::efficiency::Efficiency;
use crate::error::EvalError;
use crate::followup::{gold_for_record, score_follow_up};
use crate::judge::{Axis, Judgement, Scores, read_judgements};
use crate::knowledge::score_choice;
use crate::prediction::{RationaleSource, VariantKind, VariantPredictions, read_predictions};
use crate::recommendation::{
    DEFAULT_TOLERANCE_STEPS, RecommendationMetric, RecommendationScore, score_recommendation,
};
use crate::run_dir::RunDir;
use crate::testset::{Item, TestSet};

/// How predictions are scored and compared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EvalConfig {
    /// Bootstrap resamples, level and seed.
    pub bootstrap: BootstrapConfig,
    /// Quoted values match the report within this many display steps.
    pub tolerance_steps: f64,
    /// Pairs of variants to compare; `None` compares every pair that includes a student (or
    /// every pair, when there is no student).
    pub comparisons: Option<Vec<(String, String)>>,
    /// The extra test sets [`evaluate_run`] scores (`RUN/extra/<name>`, see [`crate::extra`]);
    /// `None` scores every set found there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra_sets: Option<Vec<String>>,
}

impl Default for EvalConfig {
    fn default() -> Self {
        EvalConfig {
            bootstrap: BootstrapConfig::default(),
            tolerance_steps: DEFAULT_TOLERANCE_STEPS,
            comparisons: None,
            extra_sets: None,
        }
    }
}

/// A metric: its name, task and direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricSpec {
    /// Snake-case name, unique over tasks.
    pub name: &'static str,
    /// The task it scores.
    pub task: Task,
    /// Whether a larger value is better.
    pub higher_is_better: bool,
    /// Scored by the LLM judge from 1 to 10, rather than computed from the ground truth; the
    /// report shows these in their own table and figure.
    pub judged: bool,
}

/// Every metric, in table order.
pub fn metric_specs() -> Vec<MetricSpec> {
    let mut specs = vec![
        MetricSpec {
            name: "knowledge_accuracy",
            task: Task::Knowledge,
            higher_is_better: true,
            judged: false,
        },
        MetricSpec {
            name: "knowledge_unparseable",
            task: Task::Knowledge,
            higher_is_better: false,
            judged: false,
        },
        MetricSpec {
            name: "follow_up_accuracy",
            task: Task::FollowUp,
            higher_is_better: true,
            judged: false,
        },
        MetricSpec {
            name: "follow_up_unparseable",
            task: Task::FollowUp,
            higher_is_better: false,
            judged: false,
        },
    ];
    specs.extend(RecommendationMetric::ALL.iter().map(|m| MetricSpec {
        name: m.name(),
        task: Task::Recommendation,
        higher_is_better: *m != RecommendationMetric::FalseReferral,
        judged: false,
    }));
    specs.extend(Axis::ALL.iter().map(|a| MetricSpec {
        name: a.metric(),
        task: Task::Recommendation,
        higher_is_better: true,
        judged: true,
    }));
    specs
}

/// The metric spec of `name`.
pub fn spec(name: &str) -> Option<MetricSpec> {
    metric_specs().into_iter().find(|s| s.name == name)
}

/// One item's score for one variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemScore {
    /// The variant.
    pub variant: String,
    /// The test record's id.
    pub id: String,
    /// The record's task.
    pub task: Task,
    /// Right, wrong or unparseable (knowledge and follow-up items).
    pub outcome: Option<Outcome>,
    /// The counts behind the recommendation metrics (recommendation items).
    pub recommendation: Option<RecommendationScore>,
    /// The LLM judge's scores (judged recommendation items whose judgement was readable).
    pub judge: Option<Scores>,
}

impl ItemScore {
    /// The value of metric `name` for this item; `None` where it is undefined.
    pub fn value(&self, name: &str) -> Option<f64> {
        if let Some(axis) = Axis::ALL.into_iter().find(|a| a.metric() == name) {
            return self.judge.map(|s| f64::from(s.get(axis)));
        }
        let unparseable = |o: Outcome| f64::from(u8::from(o == Outcome::Unparseable));
        match (self.task, name) {
            (Task::Knowledge, "knowledge_accuracy") | (Task::FollowUp, "follow_up_accuracy") => {
                self.outcome.map(Outcome::score)
            }
            (Task::Knowledge, "knowledge_unparseable")
            | (Task::FollowUp, "follow_up_unparseable") => self.outcome.map(unparseable),
            (Task::Recommendation, _) => {
                let metric = RecommendationMetric::ALL
                    .into_iter()
                    .find(|m| m.name() == name)?;
                self.recommendation.as_ref()?.get(metric)
            }
            _ => None,
        }
    }
}

/// A metric's value for one variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricValue {
    /// The metric's name ([`metric_specs`]).
    pub metric: String,
    /// The task.
    pub task: Task,
    /// Mean over the items where it is defined, with its bootstrap interval.
    pub value: Interval,
    /// Whether larger is better.
    pub higher_is_better: bool,
}

/// Everything measured for one variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantMetrics {
    /// The variant.
    pub name: String,
    /// What it is.
    pub kind: VariantKind,
    /// For Sci-CoT variants: the base variant and the rationale its answers read.
    pub two_stage: Option<(String, RationaleSource)>,
    /// Items answered, per task name.
    pub answered: BTreeMap<String, usize>,
    /// Knowledge outcomes.
    pub knowledge: Option<Accuracy>,
    /// Follow-up outcomes.
    pub follow_up: Option<Accuracy>,
    /// Every defined metric.
    pub metrics: Vec<MetricValue>,
    /// Costs.
    pub efficiency: Efficiency,
    /// What the LLM judge read of this variant, when the run was judged.
    pub judge: Option<JudgeTally>,
    /// The metrics of the extra test sets ([`crate::extra`]), named `<metric>.<set>`; empty (and
    /// not serialised) without extra sets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra: Vec<MetricValue>,
}

/// The LLM judge's work on one variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JudgeTally {
    /// The judge's model names (one, unless judgements of several judges were mixed).
    pub models: Vec<String>,
    /// The rubric versions.
    pub rubrics: Vec<String>,
    /// Answers judged.
    pub judged: usize,
    /// Replies that could not be read as scores (left out of the judge metrics).
    pub unreadable: usize,
}

impl JudgeTally {
    /// The tally of `judgements`; `None` when there are none.
    pub fn of(judgements: &[Judgement]) -> Option<JudgeTally> {
        if judgements.is_empty() {
            return None;
        }
        let distinct = |f: fn(&Judgement) -> &String| -> Vec<String> {
            let set: std::collections::BTreeSet<&String> = judgements.iter().map(f).collect();
            set.into_iter().cloned().collect()
        };
        Some(JudgeTally {
            models: distinct(|j| &j.judge),
            rubrics: distinct(|j| &j.rubric),
            judged: judgements.len(),
            unreadable: judgements.iter().filter(|j| j.scores().is_none()).count(),
        })
    }
}

/// How well one judge axis agrees with an objective metric over every judged answer of every
/// variant: Pearson's correlation of the per-item values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JudgeAgreement {
    /// The judge metric.
    pub judge_metric: String,
    /// The objective metric.
    pub metric: String,
    /// Judged answers where both are defined, pooled over the variants (one test item counts
    /// once per variant that answered it).
    pub n: usize,
    /// Pearson's r; `None` when either side is constant or `n < 3`.
    pub pearson_r: Option<f64>,
}

/// The pairs of judge axis and objective metric that measure the same thing.
pub const AGREEMENT_PAIRS: [(Axis, RecommendationMetric); 2] = [
    (Axis::Personalisation, RecommendationMetric::FindingRecall),
    (Axis::Reasoning, RecommendationMetric::Linkage),
];

fn pearson(pairs: &[(f64, f64)]) -> Option<f64> {
    let n = pairs.len() as f64;
    if pairs.len() < 3 {
        return None;
    }
    let (sx, sy) = pairs
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    let (mx, my) = (sx / n, sy / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in pairs {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    // A side whose values are all equal (up to rounding) has no correlation to speak of.
    let flat = |ss: f64, m: f64| ss <= 1e-12 * n * m.abs().max(1.0).powi(2);
    (!flat(sxx, mx) && !flat(syy, my)).then(|| sxy / (sxx * syy).sqrt())
}

impl VariantMetrics {
    /// The value of metric `name`, if this variant has it.
    /// The metric `name`, of the main test split or (`<metric>.<set>`) of an extra set.
    pub fn get(&self, name: &str) -> Option<&Interval> {
        self.metrics
            .iter()
            .chain(&self.extra)
            .find(|m| m.metric == name)
            .map(|m| &m.value)
    }
}

/// The paired difference `a - b` of one metric over the items both variants answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// The first variant.
    pub a: String,
    /// The second variant.
    pub b: String,
    /// The metric.
    pub metric: String,
    /// Mean of `a - b` over shared items, with its paired bootstrap interval.
    pub difference: Interval,
    /// Whether larger is better for this metric.
    pub higher_is_better: bool,
}

/// Sizes of the evaluated data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct DataSizes {
    /// Test records per task name.
    pub test_records: BTreeMap<String, usize>,
    /// Reports the test records use.
    pub reports: usize,
    /// Knowledge questions the test records use.
    pub questions: usize,
}

/// The content of `metrics.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// How it was computed.
    pub config: EvalConfig,
    /// What was evaluated.
    pub data: DataSizes,
    /// One entry per variant, in the order given.
    pub variants: Vec<VariantMetrics>,
    /// Paired comparisons.
    pub comparisons: Vec<Comparison>,
    /// Agreement of the LLM judge with the objective metrics (empty when nothing was judged;
    /// absent from `metrics.json` files written before the judge existed).
    #[serde(default)]
    pub judge_agreement: Vec<JudgeAgreement>,
}

impl Metrics {
    /// The variant called `name`.
    pub fn variant(&self, name: &str) -> Option<&VariantMetrics> {
        self.variants.iter().find(|v| v.name == name)
    }
}

/// Scores one prediction of `item`.
pub fn score_item(
    item: &Item<'_>,
    variant: &str,
    output: &str,
    tolerance_steps: f64,
) -> Result<ItemScore, EvalError> {
    let record = item.record;
    let mut score = ItemScore {
        variant: variant.to_string(),
        id: record.id.clone(),
        task: record.task,
        outcome: None,
        recommendation: None,
        judge: None,
    };
    match record.task {
        Task::Knowledge => {
            let gold = match item.question {
                Some(q) => q.answer,
                None => crate::knowledge::gold_letter(record)?,
            };
            score.outcome = Some(score_choice(gold, output));
        }
        Task::FollowUp => {
            let report = item.report.ok_or_else(|| missing_report(item))?;
            let (_, gold) = gold_for_record(record, report)?;
            score.outcome = Some(score_follow_up(&gold, output));
        }
        Task::Recommendation => {
            let report = item.report.ok_or_else(|| missing_report(item))?;
            score.recommendation = Some(score_recommendation(
                report,
                output,
                &record.assistant,
                tolerance_steps,
            ));
        }
    }
    Ok(score)
}

fn missing_report(item: &Item<'_>) -> EvalError {
    EvalError::MissingSource {
        id: item.record.id.clone(),
        source_id: item.record.source_id.clone(),
        path: "the reports table".into(),
    }
}

/// Per-item values of metric `name` for one variant, in test order: `(item index, value)`.
fn values(scores: &[(usize, ItemScore)], name: &str) -> Vec<(usize, f64)> {
    scores
        .iter()
        .filter_map(|(i, s)| s.value(name).map(|v| (*i, v)))
        .collect()
}

/// Scores every variant's predictions against `test` and compares them. Predictions must
/// already be checked against the test split ([`read_predictions`] does).
pub fn evaluate(
    test: &TestSet,
    variants: &[VariantPredictions],
    config: &EvalConfig,
) -> Result<(Metrics, Vec<ItemScore>), EvalError> {
    let items: Vec<Item<'_>> = test.items().collect();
    let index: HashMap<&str, usize> = items
        .iter()
        .enumerate()
        .map(|(i, it)| (it.record.id.as_str(), i))
        .collect();
    let specs = metric_specs();
    let mut all_scores = Vec::new();
    let mut per_variant: Vec<Vec<(usize, ItemScore)>> = Vec::new();
    let mut out = Vec::new();
    for v in variants {
        let name = &v.info.name;
        let judged: HashMap<&str, Scores> = v
            .judgements
            .iter()
            .filter_map(|j| Some((j.id.as_str(), j.scores()?)))
            .collect();
        let mut scores = Vec::with_capacity(v.rows.len());
        for p in &v.rows {
            let i = *index
                .get(p.id.as_str())
                .ok_or_else(|| EvalError::UnknownItem {
                    path: format!("predictions of {name}").into(),
                    id: p.id.clone(),
                })?;
            let mut score = score_item(&items[i], name, &p.output, config.tolerance_steps)?;
            score.judge = judged.get(p.id.as_str()).copied();
            scores.push((i, score));
        }
        scores.sort_by_key(|(i, _)| *i);
        let tally = |task: Task| -> Option<Accuracy> {
            let acc: Accuracy = scores
                .iter()
                .filter(|(_, s)| s.task == task)
                .filter_map(|(_, s)| s.outcome)
                .collect();
            (acc.total > 0).then_some(acc)
        };
        let mut metrics = Vec::new();
        for spec in &specs {
            let vals: Vec<f64> = values(&scores, spec.name)
                .into_iter()
                .map(|x| x.1)
                .collect();
            if vals.is_empty() {
                continue;
            }
            metrics.push(MetricValue {
                metric: spec.name.to_string(),
                task: spec.task,
                value: mean_interval(&vals, &config.bootstrap)?,
                higher_is_better: spec.higher_is_better,
            });
        }
        let mut answered = BTreeMap::new();
        for (_, s) in &scores {
            *answered.entry(s.task.name().to_string()).or_insert(0) += 1;
        }
        out.push(VariantMetrics {
            name: name.clone(),
            kind: v.info.kind(),
            two_stage: v.info.two_stage.clone(),
            answered,
            knowledge: tally(Task::Knowledge),
            follow_up: tally(Task::FollowUp),
            metrics,
            efficiency: Efficiency::of(&v.info, &v.rows),
            judge: JudgeTally::of(&v.judgements),
            extra: Vec::new(),
        });
        all_scores.extend(scores.iter().map(|(_, s)| s.clone()));
        per_variant.push(scores);
    }
    let pairs = comparison_pairs(&out, config);
    let mut comparisons = Vec::new();
    for (a, b) in pairs {
        let (Some(ia), Some(ib)) = (
            out.iter().position(|v| v.name == a),
            out.iter().position(|v| v.name == b),
        ) else {
            continue;
        };
        for spec in &specs {
            let va: HashMap<usize, f64> = values(&per_variant[ia], spec.name).into_iter().collect();
            let vb = values(&per_variant[ib], spec.name);
            let (xs, ys): (Vec<f64>, Vec<f64>) = vb
                .iter()
                .filter_map(|(i, y)| va.get(i).map(|x| (*x, *y)))
                .unzip();
            if xs.is_empty() {
                continue;
            }
            comparisons.push(Comparison {
                a: a.clone(),
                b: b.clone(),
                metric: spec.name.to_string(),
                difference: paired_difference(&xs, &ys, &config.bootstrap)?,
                higher_is_better: spec.higher_is_better,
            });
        }
    }
    let mut test_records = BTreeMap::new();
    for t in Task::ALL {
        test_records.insert(t.name().to_string(), test.count(t));
    }
    let metrics = Metrics {
        config: config.clone(),
        data: DataSizes {
            test_records,
            reports: test.reports.len(),
            questions: test.questions.len(),
        },
        judge_agreement: judge_agreement(&all_scores),
        variants: out,
        comparisons,
    };
    Ok((metrics, all_scores))
}

/// [`AGREEMENT_PAIRS`] over every judged item of every variant; empty when nothing was judged.
fn judge_agreement(scores: &[ItemScore]) -> Vec<JudgeAgreement> {
    if scores.iter().all(|s| s.judge.is_none()) {
        return Vec::new();
    }
    AGREEMENT_PAIRS
        .iter()
        .map(|(axis, metric)| {
            let pairs: Vec<(f64, f64)> = scores
                .iter()
                .filter_map(|s| Some((s.value(axis.metric())?, s.value(metric.name())?)))
                .collect();
            JudgeAgreement {
                judge_metric: axis.metric().to_string(),
                metric: metric.name().to_string(),
                n: pairs.len(),
                pearson_r: pearson(&pairs),
            }
        })
        .collect()
}

/// The pairs to compare (see [`EvalConfig::comparisons`]).
fn comparison_pairs(variants: &[VariantMetrics], config: &EvalConfig) -> Vec<(String, String)> {
    if let Some(pairs) = &config.comparisons {
        return pairs.clone();
    }
    let is_student = |v: &VariantMetrics| matches!(v.kind, VariantKind::Student);
    let any_student = variants.iter().any(is_student);
    let mut pairs = Vec::new();
    for (i, a) in variants.iter().enumerate() {
        for b in &variants[i + 1..] {
            if !any_student || is_student(a) || is_student(b) {
                pairs.push((a.name.clone(), b.name.clone()));
            }
        }
    }
    pairs
}

/// Scores the predictions of the extra set `set` for the variants among `names` that answered
/// it, and adds the metrics to those variants as `<metric>.<set>`.
fn add_extra_set(
    run: &RunDir,
    set: &str,
    names: &[String],
    config: &EvalConfig,
    metrics: &mut Metrics,
) -> Result<(), EvalError> {
    let dir = run.extra_set(set);
    let test = TestSet::load(&dir)?;
    let predictions: Vec<VariantPredictions> = names
        .iter()
        .filter(|n| dir.prediction_file(n).is_file())
        .map(|n| read_predictions(&dir, n, &test))
        .collect::<Result<_, EvalError>>()?;
    let (scored, _) = evaluate(&test, &predictions, config)?;
    for v in scored.variants {
        if let Some(main) = metrics.variants.iter_mut().find(|m| m.name == v.name) {
            main.extra
                .extend(v.metrics.into_iter().map(|m| MetricValue {
                    metric: crate::extra::metric_name(&m.metric, set),
                    ..m
                }));
        }
    }
    Ok(())
}

/// What [`evaluate_run`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutputs {
    /// The metrics.
    pub metrics: Metrics,
    /// `eval/metrics.json`.
    pub metrics_path: std::path::PathBuf,
    /// `eval/report.md`.
    pub report_path: std::path::PathBuf,
    /// The PNG plots.
    pub plots: Vec<std::path::PathBuf>,
}

/// Reads the test split and every `predictions/<variant>.jsonl` of `run` (or only `variants`),
/// scores them, and writes `eval/metrics.json`, `eval/scores.{jsonl,parquet}`, the plots and
/// `eval/report.md`. Nothing is generated.
pub fn evaluate_run(
    run: &RunDir,
    variants: Option<&[String]>,
    config: &EvalConfig,
) -> Result<RunOutputs, EvalError> {
    let test = TestSet::load(run)?;
    let names = match variants {
        Some(v) => v.to_vec(),
        None => run.variants()?,
    };
    let predictions: Vec<VariantPredictions> = names
        .iter()
        .map(|n| {
            let mut p = read_predictions(run, n, &test)?;
            p.judgements = read_judgements(run, n, &p.rows)?;
            Ok(p)
        })
        .collect::<Result<_, EvalError>>()?;
    let (mut metrics, scores) = evaluate(&test, &predictions, config)?;
    let sets = match &config.extra_sets {
        Some(sets) => sets.clone(),
        None => crate::extra::set_names(run)?,
    };
    for set in &sets {
        add_extra_set(run, set, &names, config, &mut metrics)?;
    }
    let eval = run.eval();
    let file_err = |path: std::path::PathBuf| {
        move |e: sleepcot_data::io::IoError| EvalError::File {
            action: "write",
            path,
            message: e.to_string(),
        }
    };
    let metrics_path = eval.join("metrics.json");
    let json = serde_json::to_vec_pretty(&metrics).expect("metrics serialise");
    write_bytes_atomic(&metrics_path, &json).map_err(file_err(metrics_path.clone()))?;
    write_table(&eval, "scores", &scores).map_err(file_err(eval.join("scores.jsonl")))?;
    let plots = crate::report::draw_plots(run, &metrics)?;
    let report_path = crate::report::write_report(run, &metrics, &plots)?;
    Ok(RunOutputs {
        metrics,
        metrics_path,
        report_path,
        plots,
    })
}

#[cfg(test)]
mod tests {
    use super::pearson;

    #[test]
    fn pearson_is_one_for_a_line_and_undefined_for_a_constant_side() {
        let line: Vec<(f64, f64)> = (0..10).map(|i| (i as f64, 3.0 - 2.0 * i as f64)).collect();
        assert!((pearson(&line).unwrap() + 1.0).abs() < 1e-12);
        // All tens: the mean is not exact in floating point, but the side is still constant.
        let flat: Vec<(f64, f64)> = (0..200).map(|i| (10.0, (i % 7) as f64)).collect();
        assert_eq!(pearson(&flat), None);
        assert_eq!(pearson(&[(1.0, 2.0), (2.0, 3.0)]), None);
        let noisy = [(1.0, 1.0), (2.0, 3.0), (3.0, 2.0), (4.0, 4.0)];
        assert!((pearson(&noisy).unwrap() - 0.8).abs() < 1e-12);
    }
}
