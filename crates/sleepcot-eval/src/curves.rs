//! Learning curves: each variant's main metric per task (and value copying) on a fixed
//! validation subset, at every checkpoint its training kept, against the training tokens seen
//! by then.
//!
//! The subset is the first `per_task` records of each task in the validation split (people and
//! questions held out of training, and never used to pick anything), so every checkpoint of
//! every variant answers the same items. A caller generates each checkpoint's answers with
//! [`crate::run_predictions`] into [`RunDir::curves`] and scores them with [`score_checkpoint`];
//! the points are kept in `curves/<variant>.jsonl` and drawn by [`crate::report::draw_plots`].

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sleepcot_data::instructions::InstructionRecord;
use sleepcot_data::io::write_jsonl;
use sleepcot_data::teacher::Task;

use crate::bootstrap::BootstrapConfig;
use crate::error::EvalError;
use crate::evaluate::{EvalConfig, evaluate};
use crate::prediction::{Prediction, VariantInfo, VariantPredictions};
use crate::run_dir::RunDir;
use crate::testset::{TestSet, read_rows};

/// The metrics the curves follow: each task's main metric, and for recommendations also value
/// copying ([`crate::value_copy`]), which shows when a student starts to read the report's
/// values rather than the population's.
pub const CURVE_METRICS: [(Task, &str); 4] = [
    (Task::Recommendation, "finding_recall"),
    (Task::Recommendation, "value_copy"),
    (Task::FollowUp, "follow_up_accuracy"),
    (Task::Knowledge, "knowledge_accuracy"),
];

/// One variant's curve metric at one checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// The variant (a Sci-CoT variant answers with its own rationale).
    pub variant: String,
    /// The optimiser step of the checkpoint.
    pub step: usize,
    /// Training tokens (padding excluded) seen up to that step.
    pub tokens: u64,
    /// The metric ([`CURVE_METRICS`]).
    pub metric: String,
    /// Its mean over the subset's items of that task.
    pub value: f64,
    /// Items it is the mean of.
    pub n: usize,
}

/// The fixed validation subset of `run`: the first `per_task` validation records of each task,
/// in file order, with their reports and questions.
pub fn validation_subset(run: &RunDir, per_task: usize) -> Result<TestSet, EvalError> {
    let path = run.data().join("instructions").join("val.jsonl");
    let mut taken: BTreeMap<Task, usize> = BTreeMap::new();
    let records: Vec<InstructionRecord> =
        read_rows::<InstructionRecord>(&path, "validation split", "instruction record")?
            .into_iter()
            .map(|(_, r)| r)
            .filter(|r| {
                let n = taken.entry(r.task).or_default();
                *n += 1;
                *n <= per_task
            })
            .collect();
    TestSet::with_sources(run, records)
}

/// The curve points of one checkpoint of `variant` at `step` after `tokens` training tokens,
/// from its answers `rows` to `subset` (as [`crate::run_predictions`] returned them).
pub fn score_checkpoint(
    subset: &TestSet,
    info: VariantInfo,
    rows: Vec<Prediction>,
    variant: &str,
    step: usize,
    tokens: u64,
) -> Result<Vec<CurvePoint>, EvalError> {
    let config = EvalConfig {
        // Only the means are drawn; a few resamples keep the scoring cheap.
        bootstrap: BootstrapConfig {
            resamples: 1,
            ..BootstrapConfig::default()
        },
        ..EvalConfig::default()
    };
    let scored = VariantPredictions {
        info,
        rows,
        judgements: Vec::new(),
    };
    let (metrics, _) = evaluate(subset, std::slice::from_ref(&scored), &config)?;
    let Some(v) = metrics.variants.first() else {
        return Ok(Vec::new());
    };
    Ok(CURVE_METRICS
        .iter()
        .filter_map(|(_, metric)| {
            let value = v.get(metric)?;
            Some(CurvePoint {
                variant: variant.to_string(),
                step,
                tokens,
                metric: metric.to_string(),
                value: value.estimate,
                n: value.n,
            })
        })
        .collect())
}

/// Training tokens seen by the end of each step of a stage, from its `metrics.csv` (each step's
/// tokens per second times its duration, rounded): `step → tokens`.
pub fn tokens_by_step(metrics_csv: &Path) -> Result<BTreeMap<usize, u64>, EvalError> {
    #[derive(Deserialize)]
    struct Row {
        step: usize,
        tokens_per_s: f64,
        wall_s: f64,
    }
    let fail = |message: String| EvalError::File {
        action: "read",
        path: metrics_csv.to_path_buf(),
        message,
    };
    let mut reader = csv::Reader::from_path(metrics_csv).map_err(|e| fail(e.to_string()))?;
    let (mut total, mut last_wall) = (0u64, 0.0f64);
    let mut out = BTreeMap::new();
    for row in reader.deserialize::<Row>() {
        let row = row.map_err(|e| fail(e.to_string()))?;
        total += (row.tokens_per_s * (row.wall_s - last_wall))
            .round()
            .max(0.0) as u64;
        last_wall = row.wall_s;
        out.insert(row.step, total);
    }
    Ok(out)
}

/// `curves/<variant>.jsonl`: the points of one variant.
pub fn curve_file(run: &RunDir, variant: &str) -> std::path::PathBuf {
    run.curves().join(format!("{variant}.jsonl"))
}

/// Writes `variant`'s points to [`curve_file`], atomically.
pub fn write_curve(run: &RunDir, variant: &str, points: &[CurvePoint]) -> Result<(), EvalError> {
    let path = curve_file(run, variant);
    write_jsonl(&path, points).map_err(|e| EvalError::File {
        action: "write",
        path,
        message: e.to_string(),
    })
}

/// Every variant's points (`curves/*.jsonl`, in file-name order); none when the run has no
/// curves.
pub fn read_curves(run: &RunDir) -> Result<Vec<CurvePoint>, EvalError> {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(run.curves())
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    let mut points = Vec::new();
    for file in files {
        points.extend(
            read_rows::<CurvePoint>(&file, "learning curve", "curve point")?
                .into_iter()
                .map(|(_, p)| p),
        );
    }
    Ok(points)
}

#[cfg(test)]
mod tests {
    use super::tokens_by_step;

    #[test]
    fn tokens_add_up_each_steps_rate_times_its_duration() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("metrics.csv");
        std::fs::write(
            &csv,
            "step,epoch,train_loss,val_loss,lr,grad_norm,tokens_per_s,wall_s\n\
             1,0,5.0,,0.001,1.0,1000.0,0.5\n\
             2,0,4.0,4.5,0.001,1.0,2000.0,1.0\n\
             3,0,3.0,,0.001,1.0,500.0,3.0\n",
        )
        .unwrap();
        let t = tokens_by_step(&csv).unwrap();
        assert_eq!(t[&1], 500);
        assert_eq!(t[&2], 1500);
        assert_eq!(t[&3], 2500);
        let err = tokens_by_step(&dir.path().join("none.csv")).unwrap_err();
        assert!(err.to_string().contains("none.csv"), "{err}");
    }
}
