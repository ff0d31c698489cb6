//! The distillation objectives: which formats a record is trained in, and how their losses mix.
//!
//! Every objective is a list of [`StudentFormat`]s (each record becomes one sequence per format)
//! and a weight per supervised part. The loss of a batch is
//! `Σ_part weight_part · mean(token losses of that part)`, so step-by-step's
//! `a·answer + (1-a)·rationale` and plain token-mean CoT are the same code.

use serde::{Deserialize, Serialize};
use sleepcot_data::instructions::StudentFormat;

use crate::error::{Result, TrainError};

/// How Sci-CoT's two stages are trained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TwoStageStudents {
    /// Two students: a rationale generator and an answer inferrer (the paper's setup).
    #[default]
    Two,
    /// One student that learns both task formats.
    One,
}

/// One stage of a run: a student trained on some formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The only student of a one-model objective.
    Main,
    /// Sci-CoT's rationale generator (two-student mode).
    Rationale,
    /// Sci-CoT's answer inferrer (two-student mode).
    Answer,
}

impl Stage {
    /// Directory name of the stage's outputs under the run directory.
    pub fn dir_name(self) -> &'static str {
        match self {
            Stage::Main => "main",
            Stage::Rationale => "rationale",
            Stage::Answer => "answer",
        }
    }
}

/// The training objective of a student variant.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Objective {
    /// Question → answer, no rationale.
    LabelOnly,
    /// Question → rationale then answer (SleepCoT).
    #[default]
    Cot,
    /// Sci-CoT: question → rationale; question + rationale → answer.
    TwoStage {
        /// Two students or one.
        #[serde(default)]
        students: TwoStageStudents,
    },
    /// Distilling step-by-step: `[rationale]` and `[answer]` tasks, loss
    /// `answer_weight·answer + (1-answer_weight)·rationale`.
    StepByStep {
        /// The weight `a` of the answer loss.
        #[serde(default = "half")]
        answer_weight: f64,
    },
}

fn half() -> f64 {
    0.5
}

impl Objective {
    /// A short name for file names and reports.
    pub fn name(&self) -> &'static str {
        match self {
            Objective::LabelOnly => "label_only",
            Objective::Cot => "cot",
            Objective::TwoStage { .. } => "two_stage",
            Objective::StepByStep { .. } => "step_by_step",
        }
    }

    /// Rejects impossible weights.
    pub fn validate(&self) -> Result<()> {
        if let Objective::StepByStep { answer_weight } = self
            && !(0.0..=1.0).contains(answer_weight)
        {
            return Err(TrainError::InvalidConfig {
                field: "objective.answer_weight",
                value: answer_weight.to_string(),
                expected: "a number in [0, 1]",
            });
        }
        Ok(())
    }

    /// The students this objective trains, in training order.
    pub fn stages(&self) -> Vec<Stage> {
        match self {
            Objective::TwoStage {
                students: TwoStageStudents::Two,
            } => vec![Stage::Rationale, Stage::Answer],
            _ => vec![Stage::Main],
        }
    }

    /// How a one-model student trained with this objective is asked at test time: the answer
    /// after its own rationale (CoT), the answer alone (label-only) or the `[answer]` task
    /// (step-by-step, whose rationale task is only a training signal). `None` for two-stage,
    /// which chains a rationale and an answer prompt.
    pub fn answer_format(&self) -> Option<StudentFormat> {
        match self {
            Objective::LabelOnly => Some(StudentFormat::AnswerOnly),
            Objective::Cot => Some(StudentFormat::RationaleThenAnswer),
            Objective::StepByStep { .. } => Some(StudentFormat::PrefixedAnswer),
            Objective::TwoStage { .. } => None,
        }
    }

    /// The formats a record is turned into for `stage`, each with the weight of its mean token
    /// loss; the weights of a stage sum to one.
    pub fn parts(&self, stage: Stage) -> Vec<(StudentFormat, f64)> {
        use StudentFormat::*;
        match (self, stage) {
            (_, Stage::Rationale) => vec![(RationaleStage, 1.0)],
            (_, Stage::Answer) => vec![(AnswerFromRationale, 1.0)],
            (Objective::LabelOnly, Stage::Main) => vec![(AnswerOnly, 1.0)],
            (Objective::Cot, Stage::Main) => vec![(RationaleThenAnswer, 1.0)],
            (Objective::TwoStage { .. }, Stage::Main) => {
                vec![(RationaleStage, 0.5), (AnswerFromRationale, 0.5)]
            }
            (Objective::StepByStep { answer_weight }, Stage::Main) => vec![
                (PrefixedRationale, 1.0 - answer_weight),
                (PrefixedAnswer, *answer_weight),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_sum_to_one_over_the_parts_of_each_stage() {
        let objectives = [
            Objective::LabelOnly,
            Objective::Cot,
            Objective::TwoStage {
                students: TwoStageStudents::One,
            },
            Objective::TwoStage {
                students: TwoStageStudents::Two,
            },
            Objective::StepByStep { answer_weight: 0.3 },
        ];
        for o in objectives {
            for stage in o.stages() {
                let total: f64 = o.parts(stage).iter().map(|p| p.1).sum();
                assert!((total - 1.0).abs() < 1e-12, "{o:?} {stage:?}");
            }
        }
        let sbs = Objective::StepByStep { answer_weight: 0.3 }.parts(Stage::Main);
        assert_eq!(sbs[1], (StudentFormat::PrefixedAnswer, 0.3));
        assert_eq!(
            Objective::TwoStage {
                students: TwoStageStudents::Two
            }
            .stages(),
            [Stage::Rationale, Stage::Answer]
        );
    }

    #[test]
    fn bad_answer_weight_is_named() {
        let err = Objective::StepByStep { answer_weight: 1.5 }
            .validate()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("objective.answer_weight") && err.contains("1.5"),
            "{err}"
        );
    }
}
