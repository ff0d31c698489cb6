//! The report's reading of the results: sentences written by rules from the numbers.
//!
//! Every sentence states a comparison and whether it is resolved at the intervals' level: a
//! paired difference whose interval excludes zero is called a difference, anything else is
//! called unresolved. Rules, per task's main metric: the best student and its lead over the
//! runner-up; the gap to the teacher; the effect of training (against the untrained student);
//! chance level (random letter) and personalisation (generic advice); the Sci-CoT rationale
//! sources; the LLM judge's agreement with the ground truth; and warnings for unparseable
//! outputs, unreadable judge replies and small samples.

use crate::bootstrap::Interval;
use crate::evaluate::{Metrics, VariantMetrics, spec};
use crate::prediction::{RationaleSource, VariantKind};

/// Items below which intervals are called wide.
const SMALL_N: usize = 30;
/// Unparseable share above which a variant is flagged.
const UNPARSEABLE_WARNING: f64 = 0.2;

/// `0.62 [0.55, 0.70]`.
pub fn fmt_interval(i: &Interval) -> String {
    format!("{:.3} [{:.3}, {:.3}]", i.estimate, i.lower, i.upper)
}

/// `+0.12 [+0.05, +0.19]`.
pub fn fmt_diff(i: &Interval) -> String {
    format!("{:+.3} [{:+.3}, {:+.3}]", i.estimate, i.lower, i.upper)
}

/// The paired difference `a - b` of `metric`, from either stored direction.
pub fn difference(metrics: &Metrics, a: &str, b: &str, metric: &str) -> Option<Interval> {
    metrics.comparisons.iter().find_map(|c| {
        if c.metric != metric {
            None
        } else if c.a == a && c.b == b {
            Some(c.difference)
        } else if c.a == b && c.b == a {
            let d = c.difference;
            Some(Interval {
                estimate: -d.estimate,
                lower: -d.upper,
                upper: -d.lower,
                ..d
            })
        } else {
            None
        }
    })
}

/// Describes `a - b` on `metric`: the paired interval when there is one, else whether the two
/// separate intervals overlap.
fn contrast(metrics: &Metrics, a: &VariantMetrics, b: &VariantMetrics, metric: &str) -> String {
    match difference(metrics, &a.name, &b.name, metric) {
        Some(d) if d.excludes_zero() => {
            format!("paired difference {} excludes zero", fmt_diff(&d))
        }
        Some(d) => format!(
            "paired difference {} includes zero, so this is unresolved",
            fmt_diff(&d)
        ),
        None => match (a.get(metric), b.get(metric)) {
            (Some(x), Some(y)) if x.lower > y.upper || y.lower > x.upper => {
                "their intervals do not overlap (no paired comparison was computed)".into()
            }
            _ => "their intervals overlap (no paired comparison was computed)".into(),
        },
    }
}

/// The variants that have `metric`, best first.
fn ranked<'a>(
    metrics: &'a Metrics,
    metric: &str,
    kinds: &[VariantKind],
) -> Vec<&'a VariantMetrics> {
    let higher = spec(metric).is_none_or(|s| s.higher_is_better);
    let mut vs: Vec<&VariantMetrics> = metrics
        .variants
        .iter()
        .filter(|v| kinds.contains(&v.kind) && v.get(metric).is_some())
        .filter(|v| {
            // A Sci-CoT answer stage fed another rationale is an ablation, not a contender.
            v.two_stage
                .as_ref()
                .is_none_or(|(_, s)| *s == RationaleSource::Own)
        })
        .collect();
    vs.sort_by(|a, b| {
        let (x, y) = (
            a.get(metric).unwrap().estimate,
            b.get(metric).unwrap().estimate,
        );
        if higher {
            y.total_cmp(&x)
        } else {
            x.total_cmp(&y)
        }
    });
    vs
}

/// The main metrics the reading discusses, in order.
const MAIN: [&str; 8] = [
    "knowledge_accuracy",
    "follow_up_accuracy",
    "finding_recall",
    "finding_precision",
    "numeric_faithfulness",
    "judge_personalisation",
    "judge_reasoning",
    "judge_knowledge",
];

/// How a correlation of `r` reads: the direction and strength of "tracks".
fn strength(r: f64) -> &'static str {
    match r {
        x if x >= 0.7 => "strongly tracks",
        x if x >= 0.4 => "moderately tracks",
        x if x >= 0.2 => "weakly tracks",
        x if x > -0.2 => "hardly tracks",
        _ => "runs against",
    }
}

/// Sentences on the LLM judge: how far it agrees with the ground-truth metrics, and replies it
/// could not read.
fn judge(metrics: &Metrics) -> Vec<String> {
    let mut out = Vec::new();
    for a in &metrics.judge_agreement {
        out.push(match a.pearson_r {
            Some(r) => format!(
                "The judge's `{}` {} `{}` (Pearson r = {r:+.2} over {} judged answers){}.",
                a.judge_metric,
                strength(r),
                a.metric,
                a.n,
                if r < 0.2 {
                    "; where they disagree, the ground-truth metric is the one computed from the data"
                } else {
                    ""
                }
            ),
            None if a.n < 3 => format!(
                "The judge's `{}` cannot be correlated with `{}`: only {} judged answers carry both.",
                a.judge_metric, a.metric, a.n
            ),
            None => format!(
                "The judge's `{}` cannot be correlated with `{}`: one of them is constant over the {} judged answers.",
                a.judge_metric, a.metric, a.n
            ),
        });
    }
    let mut judges: Vec<&str> = metrics
        .variants
        .iter()
        .filter_map(|v| v.judge.as_ref())
        .flat_map(|t| t.models.iter().map(String::as_str))
        .collect();
    judges.sort();
    judges.dedup();
    if judges.len() > 1 {
        out.push(format!(
            "The judge scores come from more than one model ({}), so differences between variants may be differences between judges.",
            judges.join(", ")
        ));
    }
    for v in &metrics.variants {
        if let Some(t) = v.judge.as_ref().filter(|t| t.unreadable > 0) {
            out.push(format!(
                "The judge's reply could not be read as scores for {} of {} answers of `{}`; those answers are left out of its judge metrics.",
                t.unreadable, t.judged, v.name
            ));
        }
    }
    out
}

/// The reading: one paragraph (a list of sentences) per topic.
pub fn reading(metrics: &Metrics) -> Vec<String> {
    let mut out = Vec::new();
    let students = [VariantKind::Student];
    for metric in MAIN {
        let ranked_students = ranked(metrics, metric, &students);
        let Some(best) = ranked_students.first() else {
            continue;
        };
        let value = best.get(metric).unwrap();
        let tied = ranked_students
            .iter()
            .filter(|v| v.get(metric).unwrap().estimate == value.estimate)
            .count();
        let mut s = if tied > 1 {
            format!(
                "**{metric}**: {tied} students tie at the top with {}; `{}` stands for them",
                fmt_interval(value),
                best.name
            )
        } else {
            format!(
                "**{metric}**: the best student is `{}` with {}",
                best.name,
                fmt_interval(value)
            )
        };
        if let Some(second) = ranked_students.get(1) {
            s += &format!(
                "; against the runner-up `{}` ({}) the {}",
                second.name,
                fmt_interval(second.get(metric).unwrap()),
                contrast(metrics, best, second, metric)
            );
        }
        s.push('.');
        if let Some(teacher) = ranked(metrics, metric, &[VariantKind::Teacher]).first() {
            s += &format!(
                " The teacher `{}` scores {}; best student minus teacher: {}.",
                teacher.name,
                fmt_interval(teacher.get(metric).unwrap()),
                contrast(metrics, best, teacher, metric)
            );
        }
        for base in ranked(
            metrics,
            metric,
            &[VariantKind::Baseline, VariantKind::Untrained],
        ) {
            s += &format!(
                " Against `{}` ({}): {}.",
                base.name,
                fmt_interval(base.get(metric).unwrap()),
                contrast(metrics, best, base, metric)
            );
        }
        let worse: Vec<&str> = ranked_students
            .iter()
            .skip(1)
            .filter(|v| {
                difference(metrics, &best.name, &v.name, metric).is_some_and(|d| d.excludes_zero())
            })
            .map(|v| v.name.as_str())
            .collect();
        if !worse.is_empty() {
            s += &format!(
                " Students resolved as worse than `{}`: {}.",
                best.name,
                worse.join(", ")
            );
        }
        if value.n < SMALL_N {
            s += &format!(
                " Only {} items carry this metric, so its intervals are wide.",
                value.n
            );
        }
        out.push(s);
    }
    out.extend(sci_cot(metrics));
    out.extend(judge(metrics));
    for v in &metrics.variants {
        for (task, acc) in [("knowledge", &v.knowledge), ("follow-up", &v.follow_up)] {
            if let Some(rate) = acc.as_ref().and_then(|a| a.unparseable_rate())
                && rate > UNPARSEABLE_WARNING
            {
                out.push(format!(
                    "`{}` gave no parseable answer on {:.0}% of {task} items; its accuracy there mostly measures format, not knowledge.",
                    v.name,
                    rate * 100.0
                ));
            }
        }
    }
    if out.is_empty() {
        out.push("No student variant was evaluated, so there is nothing to compare.".into());
    }
    out
}

/// Sentences on Sci-CoT variants: own rationale against the teacher's and against none.
fn sci_cot(metrics: &Metrics) -> Vec<String> {
    let mut out = Vec::new();
    let mut bases: Vec<&str> = metrics
        .variants
        .iter()
        .filter_map(|v| v.two_stage.as_ref().map(|(b, _)| b.as_str()))
        .collect();
    bases.dedup();
    for base in bases {
        let with = |src: RationaleSource| {
            metrics.variants.iter().find(|v| {
                v.two_stage
                    .as_ref()
                    .is_some_and(|(b, s)| b == base && *s == src)
            })
        };
        let Some(own) = with(RationaleSource::Own) else {
            continue;
        };
        for metric in ["knowledge_accuracy", "follow_up_accuracy"] {
            let Some(own_value) = own.get(metric) else {
                continue;
            };
            let mut s = format!(
                "Sci-CoT `{base}`, {metric}: with its own rationale {}",
                fmt_interval(own_value)
            );
            for (src, label) in [
                (RationaleSource::Teacher, "the teacher's rationale"),
                (
                    RationaleSource::MaskedTeacher,
                    "the teacher's rationale with the option letters masked",
                ),
                (RationaleSource::None, "no rationale"),
            ] {
                if let Some(other) = with(src).filter(|o| o.get(metric).is_some()) {
                    s += &format!(
                        "; with {label} {} (own minus this: {})",
                        fmt_interval(other.get(metric).unwrap()),
                        contrast(metrics, own, other, metric)
                    );
                }
            }
            s.push('.');
            out.push(s);
        }
    }
    out
}
