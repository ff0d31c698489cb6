//! The part of a report a person reads first: every variant against each task's main metric,
//! the key paired comparisons, and a few sentences that say what the numbers show.
//!
//! The exhaustive tables (every metric, every pair of variants) live in the appendix
//! ([`crate::report::render_report`]); this page links to it.

use std::fmt::Write as _;

use crate::bootstrap::Interval;
use crate::evaluate::{Metrics, VariantMetrics};
use crate::prediction::{RationaleSource, VariantKind};
use crate::reading::{difference, fmt_diff, fmt_interval};

/// Each task's main metrics, in the order of the headline's columns. Extra test sets of these
/// metrics (`knowledge_accuracy.unseen_fact`, ...) follow their main column.
pub const HEADLINE: [&str; 4] = [
    "finding_recall",
    "finding_precision",
    "follow_up_accuracy",
    "knowledge_accuracy",
];

/// What the headline compares every student with.
#[derive(Debug, Clone, Copy, Default)]
pub struct References<'a> {
    /// The label-only student, when the run has one.
    pub label_only: Option<&'a str>,
}

/// The headline's columns: the main metrics, each followed by its extra sets that any variant
/// carries (a metric nobody has is left out).
pub fn columns(metrics: &Metrics) -> Vec<String> {
    let mut out = Vec::new();
    for main in HEADLINE {
        let mut with_sets = vec![main.to_string()];
        let mut sets: Vec<String> = metrics
            .variants
            .iter()
            .flat_map(|v| v.extra.iter().map(|m| m.metric.clone()))
            .filter(|m| m.strip_prefix(main).is_some_and(|s| s.starts_with('.')))
            .collect();
        sets.sort();
        sets.dedup();
        with_sets.extend(sets);
        out.extend(
            with_sets
                .into_iter()
                .filter(|m| metrics.variants.iter().any(|v| v.get(m).is_some())),
        );
    }
    out
}

/// A student that competes (not a Sci-CoT answer stage fed another rationale).
fn contender(v: &VariantMetrics) -> bool {
    v.kind == VariantKind::Student
        && v.two_stage
            .as_ref()
            .is_none_or(|(_, s)| *s == RationaleSource::Own)
}

fn cell(i: Option<&Interval>) -> String {
    i.map_or("–".into(), fmt_interval)
}

/// A paired difference with ✱ when its interval excludes zero; `–` when none was computed.
pub fn diff_cell(d: Option<Interval>) -> String {
    d.map_or("–".into(), |d| {
        format!(
            "{}{}",
            fmt_diff(&d),
            if d.excludes_zero() { " ✱" } else { "" }
        )
    })
}

/// Writes the headline table, the key comparisons and the summary sentences.
pub fn render_headline(w: &mut String, metrics: &Metrics, refs: References<'_>) {
    let cols = columns(metrics);
    let _ = writeln!(w, "## Headline\n");
    let _ = writeln!(
        w,
        "Each task's main metric on held-out items: the mean with its 95% bootstrap interval (n items in the appendix). A `.set` suffix is a further test set of that metric (for knowledge: `trained_phrasing` asks a trained stem with new options, `unseen_fact` asks about facts held out of training).\n"
    );
    let _ = write!(w, "| variant | kind |");
    for c in &cols {
        let _ = write!(w, " {c} |");
    }
    let _ = writeln!(w, "\n|---|---|{}", "---|".repeat(cols.len()));
    for v in &metrics.variants {
        let _ = write!(w, "| {} | {} |", v.name, kind_name(v));
        for c in &cols {
            let _ = write!(w, " {} |", cell(v.get(c)));
        }
        let _ = writeln!(w);
    }
    let _ = writeln!(w);

    let teacher = metrics
        .variants
        .iter()
        .find(|v| v.kind == VariantKind::Teacher);
    let students: Vec<&VariantMetrics> = metrics.variants.iter().filter(|v| contender(v)).collect();
    if !students.is_empty() {
        let _ = writeln!(w, "## Key comparisons\n");
        let _ = writeln!(
            w,
            "Paired differences on the items both answered, with 95% paired bootstrap intervals; ✱ marks an interval that excludes zero.\n"
        );
        let teacher_name = teacher.map_or("teacher", |t| t.name.as_str());
        let _ = write!(w, "| metric | variant | value |");
        if let Some(label) = refs.label_only {
            let _ = write!(w, " minus `{label}` |");
        }
        let _ = writeln!(
            w,
            " minus `{teacher_name}` |\n|---|---|---|---|{}",
            if refs.label_only.is_some() {
                "---|"
            } else {
                ""
            }
        );
        for metric in HEADLINE {
            for s in &students {
                let Some(value) = s.get(metric) else { continue };
                let _ = write!(w, "| {metric} | {} | {} |", s.name, fmt_interval(value));
                if let Some(label) = refs.label_only {
                    let d = (label != s.name)
                        .then(|| difference(metrics, &s.name, label, metric))
                        .flatten();
                    let _ = write!(w, " {} |", diff_cell(d));
                }
                let vs_teacher =
                    teacher.and_then(|t| difference(metrics, &s.name, &t.name, metric));
                let _ = writeln!(w, " {} |", diff_cell(vs_teacher));
            }
        }
        let _ = writeln!(w);
    }

    let sentences = summary(metrics, &cols);
    if !sentences.is_empty() {
        let _ = writeln!(w, "## What the numbers show\n");
        let _ = writeln!(w, "{}\n", sentences.join(" "));
    }
}

fn kind_name(v: &VariantMetrics) -> &'static str {
    match (v.kind, &v.two_stage) {
        (VariantKind::Student, Some((_, RationaleSource::Own))) | (VariantKind::Student, None) => {
            "student"
        }
        (VariantKind::Student, Some(_)) => "ablation",
        (VariantKind::Untrained, _) => "untrained",
        (VariantKind::Teacher, _) => "teacher",
        (VariantKind::Baseline, _) => "baseline",
    }
}

/// The best contender on `metric`, if any student has it.
fn best<'a>(metrics: &'a Metrics, metric: &str) -> Option<(&'a VariantMetrics, &'a Interval)> {
    metrics
        .variants
        .iter()
        .filter(|v| contender(v))
        .filter_map(|v| v.get(metric).map(|i| (v, i)))
        .max_by(|a, b| a.1.estimate.total_cmp(&b.1.estimate))
}

/// The strongest model-free baseline on `metric`.
fn best_baseline<'a>(
    metrics: &'a Metrics,
    metric: &str,
) -> Option<(&'a VariantMetrics, &'a Interval)> {
    metrics
        .variants
        .iter()
        .filter(|v| v.kind == VariantKind::Baseline)
        .filter_map(|v| v.get(metric).map(|i| (v, i)))
        .max_by(|a, b| a.1.estimate.total_cmp(&b.1.estimate))
}

/// The teacher's value of `metric`, if the run has a teacher row.
fn teacher_value<'a>(metrics: &'a Metrics, metric: &str) -> Option<&'a Interval> {
    metrics
        .variants
        .iter()
        .find(|v| v.kind == VariantKind::Teacher)
        .and_then(|t| t.get(metric))
}

/// One sentence per task's main metric (recall, follow-up accuracy, knowledge accuracy): the
/// best student against the strongest model-free baseline and the teacher, resolved or not;
/// one on value copying where students write the checklist; then one for the further test
/// sets.
fn summary(metrics: &Metrics, cols: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for metric in ["finding_recall", "follow_up_accuracy", "knowledge_accuracy"] {
        let Some((student, value)) = best(metrics, metric) else {
            continue;
        };
        let mut s = format!(
            "On `{metric}` the best student, `{}`, scores {}",
            student.name,
            fmt_interval(value)
        );
        if let Some((base, b)) = best_baseline(metrics, metric) {
            let verdict = match difference(metrics, &student.name, &base.name, metric) {
                Some(d) if d.excludes_zero() && d.estimate > 0.0 => "above it",
                Some(d) if d.excludes_zero() => "below it",
                Some(_) => "not resolved from it",
                None => "compared without a paired interval",
            };
            s += &format!(
                "; the best model-free baseline, `{}`, scores {}, so the student is {verdict}",
                base.name,
                fmt_interval(b)
            );
        }
        if let Some(t) = teacher_value(metrics, metric) {
            s += &format!("; the teacher scores {:.3}", t.estimate);
        }
        s.push('.');
        out.push(s);
    }
    // Whether the students read the report at all: the share of their checklist lines that
    // quote the person's exact value.
    if let Some((student, value)) = best(metrics, "value_copy") {
        let teacher = teacher_value(metrics, "value_copy").map_or(String::new(), |t| {
            format!("; the teacher scores {:.3}", t.estimate)
        });
        out.push(format!(
            "On `value_copy`, the share of checklist lines that quote the person's exact value, \
             the best student, `{}`, scores {}{teacher}.",
            student.name,
            fmt_interval(value)
        ));
    }
    let sets: Vec<String> = cols
        .iter()
        .filter(|c| c.contains('.'))
        .filter_map(|c| {
            let (student, value) = best(metrics, c)?;
            let base = best_baseline(metrics, c).map_or(String::new(), |(b, i)| {
                format!(", `{}` {:.3}", b.name, i.estimate)
            });
            Some(format!(
                "`{c}` best student `{}` {}{base}",
                student.name,
                fmt_interval(value)
            ))
        })
        .collect();
    if !sets.is_empty() {
        out.push(format!("On the further test sets: {}.", sets.join("; ")));
    }
    out
}
