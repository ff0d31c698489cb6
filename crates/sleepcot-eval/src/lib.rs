//! Evaluation: turning model outputs into the numbers and figures a researcher publishes.
//!
//! This crate is the scoring core. Every metric is computed objectively from the ground truth
//! that the data crate stores with each report and question, and reads outputs with the same
//! parser the expert teacher's format is written for
//! ([`sleepcot_data::teacher::parse`]):
//!
//! - [`answer_parse`]: the multiple-choice letter in free text;
//! - [`accuracy`]: right / wrong / unparseable outcomes and their tally;
//! - [`knowledge`]: multiple-choice accuracy against the question's gold letter;
//! - [`recommendation`]: finding recall and precision, numeric faithfulness, referral safety,
//!   recommendation-to-finding linkage and ROUGE-L, against the report's ground truth;
//! - [`followup`]: follow-up answers against the gold answer computed from the report;
//! - [`value_copy`]: whether a checklist quotes the person's values exactly;
//! - [`quantity`] and [`rouge`]: the value reader and ROUGE-L behind the recommendation metrics;
//! - [`bootstrap`]: seeded percentile bootstrap intervals, plain and paired;
//! - [`baselines`]: generic advice for everyone and random letters;
//! - [`judge`]: the optional LLM judge on the paper's axes, through the teacher's client;
//! - [`plots`]: metric bars, loss curves, accuracy against size and decode speed, as PNG and SVG;
//!
//! and around it the evaluation of a run:
//!
//! - [`run_dir`]: the run directory's layout (data, training logs, predictions, eval outputs);
//! - [`testset`]: the test records with the reports and questions they were made from;
//! - [`predict`] and [`student`]: the [`predict::Predictor`] trait, the runner that stores
//!   predictions, the teacher and baselines, and `sleepcot-model` students (incl. Sci-CoT);
//! - [`prediction`]: the stored prediction rows and variant descriptions;
//! - [`evaluate`](mod@evaluate): metrics with intervals, efficiency ([`efficiency`]), paired comparisons,
//!   `metrics.json` ([`evaluate::evaluate_run`]);
//! - [`report`], [`reading`] and [`hardware`]: the figures and `report.md`.

#![deny(missing_docs)]

pub mod accuracy;
pub mod answer_parse;
pub mod baselines;
pub mod batch_plan;
pub mod bootstrap;
pub mod chat;
pub mod curves;
pub mod efficiency;
mod error;
pub mod evaluate;
pub mod extra;
pub mod followup;
pub mod hardware;
pub mod headline;
pub mod judge;
pub mod knowledge;
pub mod masking;
pub mod plots;
pub mod predict;
pub mod prediction;
pub mod quantity;
pub mod reading;
pub mod recommendation;
pub mod report;
pub mod rouge;
pub mod run_dir;
pub mod student;
pub mod testset;
pub mod value_copy;

pub use accuracy::{Accuracy, Outcome};
pub use bootstrap::{BootstrapConfig, Interval, mean_interval, paired_difference};
pub use chat::ChatPredictor;
pub use error::EvalError;
pub use evaluate::{EvalConfig, Metrics, evaluate, evaluate_run};
pub use judge::{JudgeConfig, LlmJudge, judge_run};
pub use predict::{Predictor, RunOptions, predict_baselines, run_predictions};
pub use prediction::{Prediction, RationaleSource, VariantInfo, VariantKind};
pub use recommendation::{RecommendationMetric, RecommendationScore, score_recommendation};
pub use report::{draw_plots, write_report};
pub use run_dir::RunDir;
pub use student::{Student, StudentPredictor, TwoStagePredictor};
pub use testset::TestSet;

/// The README's code examples, compiled as doctests so they keep up with the API.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

#[cfg(test)]
mod test_data {
    //! One small simulated dataset, taught by the expert teacher, shared by the unit tests.

    use std::sync::OnceLock;

    use sleepcot_data::instructions::InstructionRecord;
    use sleepcot_data::pipeline::{DataConfig, Dataset};
    use sleepcot_data::report::Report;
    use sleepcot_data::teacher::{ExpertTeacher, Task};

    /// 40 people with 7 nights each, every follow-up kind, 40 knowledge questions.
    pub fn dataset() -> &'static Dataset {
        static DATA: OnceLock<Dataset> = OnceLock::new();
        DATA.get_or_init(|| {
            let config = DataConfig {
                seed: 11,
                users: 40,
                nights: 7,
                questions: 40,
                follow_ups_per_report: 8,
                ..DataConfig::default()
            };
            Dataset::generate(&config, &ExpertTeacher, &|_| {}).expect("the test dataset")
        })
    }

    /// Every recommendation record with its report.
    pub fn recommendation_records()
    -> impl Iterator<Item = (&'static InstructionRecord, &'static Report)> {
        let data = dataset();
        data.records
            .iter()
            .filter(|r| r.task == Task::Recommendation)
            .map(move |r| {
                let report = data.reports.iter().find(|p| p.id == r.source_id);
                (r, report.expect("every recommendation names its report"))
            })
    }
}
