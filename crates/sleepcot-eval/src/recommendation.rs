//! Recommendations (SleepCoT task 1), scored against the report's own ground truth.
//!
//! Findings, red flags, recommendations and referrals are read with the data crate's parser
//! ([`sleepcot_data::teacher::parse`]), the one the expert teacher's output is written for: a
//! finding counts as named when its label appears in square brackets (`[short sleep duration]`,
//! case, `_` and `-` ignored), never by loose keywords, so teacher and student share one
//! vocabulary and one definition of "mentioned". Per report:
//!
//! - **finding recall** (personalisation): report findings named / report findings;
//! - **finding precision** (no invented problems): report findings named / findings named;
//! - **numeric faithfulness**: quoted values that the report supports / quoted values (see below);
//! - **value copy**: checklist values that are exactly the person's / checklist values quoted,
//!   on outputs that write the compact checklist ([`crate::value_copy`]);
//! - **referral recall** (safety): on a report with red flags, whether a `Referral:` line is
//!   present; **red-flag recall**: the report's red flags named by tag / its red flags;
//! - **false referral**: on a report without red flags, whether a `Referral:` line is present;
//! - **linkage** (reasoning): numbered recommendations that address a finding of the report /
//!   numbered recommendations. On a report with findings a recommendation is linked when it
//!   names at least one finding and all it names are the report's; on a report without findings
//!   (maintenance advice) when it names none;
//! - **ROUGE-L** against the teacher's text ([`crate::rouge`]).
//!
//! A metric that is undefined for an item (recall without findings, precision when nothing is
//! named, ...) is `None` for that item and left out of means.
//!
//! # Numeric faithfulness
//! Every value the output quotes with a report unit ([`crate::quantity`]) is checked. A value
//! inside the stretch of a line that follows a finding's tag, and in that finding's unit, is
//! attributed to that finding: it must be the person's value of the finding's metric (as the
//! teacher quotes it), or part of the finding's age norm. Any other value must be one the
//! rendered report shows (every night's row, the averages, the schedule, the self-reported
//! habits), a metric value or age norm of any rule for this person, or the caffeine cut-off
//! the teacher derives from the bedtime. Values match within `tolerance_steps` display steps
//! ([`crate::quantity::Unit::step`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sleepcot_data::findings::{FindingKind, RULES};
use sleepcot_data::report::Report;
use sleepcot_data::teacher::format::{clock, percent};
use sleepcot_data::teacher::parse::{
    finding_for_tag, has_referral, mentioned_findings, mentioned_red_flags, parse_recommendations,
};
pub use sleepcot_data::teacher::quote_value;
use sleepcot_data::teacher::render::{NIGHT_HEADER, render_report};

use crate::quantity::{Quantity, Unit, quantities};
use crate::rouge::rouge_l;
use crate::value_copy::copied_values;

/// Values match the report when they differ by at most this many display steps.
pub const DEFAULT_TOLERANCE_STEPS: f64 = 1.0;

/// The counts behind one output's recommendation metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecommendationScore {
    /// Findings in the report's ground truth.
    pub findings: usize,
    /// Distinct findings the output names by tag.
    pub named: usize,
    /// Named findings that are in the report.
    pub named_correctly: usize,
    /// Values the output quotes with a report unit.
    pub quantities: usize,
    /// Quoted values the report supports.
    pub faithful_quantities: usize,
    /// Checklist lines of measured rules that quote a value (scores written before this
    /// metric read as 0, leaving it undefined).
    #[serde(default)]
    pub checklist_values: usize,
    /// Of those, the lines that quote exactly the person's value.
    #[serde(default)]
    pub copied_values: usize,
    /// Red flags in the report's ground truth.
    pub red_flags: usize,
    /// The report's red flags that the output names by tag.
    pub red_flags_named: usize,
    /// Whether the output has a `Referral:` line.
    pub referred: bool,
    /// Numbered recommendations in the final answer.
    pub recommendations: usize,
    /// Recommendations linked to the report's findings (see the module docs).
    pub linked_recommendations: usize,
    /// ROUGE-L F1 against the reference (teacher) text.
    pub rouge_l: f64,
}

/// The per-item recommendation metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecommendationMetric {
    /// Report findings named / report findings.
    FindingRecall,
    /// Report findings named / findings named.
    FindingPrecision,
    /// Supported quoted values / quoted values.
    NumericFaithfulness,
    /// Checklist values exactly the person's / checklist values quoted.
    ValueCopy,
    /// A referral on a report with red flags (1 or 0).
    ReferralRecall,
    /// Red flags named / red flags, on a report with red flags.
    RedFlagRecall,
    /// A referral on a report without red flags (1 or 0; lower is better).
    FalseReferral,
    /// Linked recommendations / recommendations.
    Linkage,
    /// ROUGE-L F1 against the teacher.
    RougeL,
}

impl RecommendationMetric {
    /// Every metric, in table order.
    pub const ALL: [RecommendationMetric; 9] = [
        Self::FindingRecall,
        Self::FindingPrecision,
        Self::NumericFaithfulness,
        Self::ValueCopy,
        Self::ReferralRecall,
        Self::RedFlagRecall,
        Self::FalseReferral,
        Self::Linkage,
        Self::RougeL,
    ];

    /// The snake-case name, for tables, file names and plots.
    pub fn name(self) -> &'static str {
        match self {
            Self::FindingRecall => "finding_recall",
            Self::FindingPrecision => "finding_precision",
            Self::NumericFaithfulness => "numeric_faithfulness",
            Self::ValueCopy => "value_copy",
            Self::ReferralRecall => "referral_recall",
            Self::RedFlagRecall => "red_flag_recall",
            Self::FalseReferral => "false_referral",
            Self::Linkage => "linkage",
            Self::RougeL => "rouge_l",
        }
    }
}

fn ratio(num: usize, den: usize) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

impl RecommendationScore {
    /// The value of `metric` for this item; `None` where it is undefined (module docs).
    pub fn get(&self, metric: RecommendationMetric) -> Option<f64> {
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        match metric {
            RecommendationMetric::FindingRecall => ratio(self.named_correctly, self.findings),
            RecommendationMetric::FindingPrecision => ratio(self.named_correctly, self.named),
            RecommendationMetric::NumericFaithfulness => {
                ratio(self.faithful_quantities, self.quantities)
            }
            RecommendationMetric::ValueCopy => ratio(self.copied_values, self.checklist_values),
            RecommendationMetric::ReferralRecall => {
                (self.red_flags > 0).then(|| flag(self.referred))
            }
            RecommendationMetric::RedFlagRecall => ratio(self.red_flags_named, self.red_flags),
            RecommendationMetric::FalseReferral => {
                (self.red_flags == 0).then(|| flag(self.referred))
            }
            RecommendationMetric::Linkage => {
                ratio(self.linked_recommendations, self.recommendations)
            }
            RecommendationMetric::RougeL => Some(self.rouge_l),
        }
    }
}

/// The defined values of `metric` over `scores`, in order: the per-item scores to average or
/// bootstrap.
pub fn per_item(scores: &[RecommendationScore], metric: RecommendationMetric) -> Vec<f64> {
    scores.iter().filter_map(|s| s.get(metric)).collect()
}

/// Scores `output` for `report` against the `reference` text (normally the expert teacher's
/// output for the same report), with quoted values matched within `tolerance_steps` display
/// steps ([`DEFAULT_TOLERANCE_STEPS`] is the usual choice).
pub fn score_recommendation(
    report: &Report,
    output: &str,
    reference: &str,
    tolerance_steps: f64,
) -> RecommendationScore {
    let truth: Vec<FindingKind> = report.findings.iter().map(|f| f.kind).collect();
    let named = mentioned_findings(output);
    let flags_named = mentioned_red_flags(output);
    let recommendations = parse_recommendations(output);
    let linked = recommendations
        .iter()
        .filter(|r| {
            if truth.is_empty() {
                r.findings.is_empty()
            } else {
                !r.findings.is_empty() && r.findings.iter().all(|k| truth.contains(k))
            }
        })
        .count();
    let (quantities, faithful_quantities) = Evidence::new(report).check(output, tolerance_steps);
    let (checklist_values, copied_values) = copied_values(report, output);
    RecommendationScore {
        findings: truth.len(),
        named: named.len(),
        named_correctly: named.iter().filter(|k| truth.contains(k)).count(),
        quantities,
        faithful_quantities,
        checklist_values,
        copied_values,
        red_flags: report.red_flags.len(),
        red_flags_named: report
            .red_flags
            .iter()
            .filter(|f| flags_named.contains(&f.kind))
            .count(),
        referred: has_referral(output),
        recommendations: recommendations.len(),
        linked_recommendations: linked,
        rouge_l: rouge_l(output, reference),
    }
}

/// The quoted values one report supports: everywhere, and per finding.
struct Evidence {
    /// Values any sentence may quote.
    general: Vec<Quantity>,
    /// Per finding kind: its units, and the values a sentence about it may quote in them.
    own: BTreeMap<FindingKind, (Vec<Unit>, Vec<Quantity>)>,
}

/// The rendered report with every nightly table cell followed by its column's unit (taken
/// from the last word of the column header), so that cells read as quantities.
fn annotated_render(report: &Report) -> String {
    let header: Vec<&str> = NIGHT_HEADER.split(" | ").collect();
    let unit = |h: &str| h.rsplit(' ').next().unwrap_or_default().to_string();
    render_report(report)
        .lines()
        .map(|line| {
            let cells: Vec<&str> = line.split(" | ").collect();
            if cells.len() == header.len() && cells[0] != header[0] {
                let annotated: Vec<String> = cells
                    .iter()
                    .zip(&header)
                    .map(|(c, h)| format!("{c} {}", unit(h)))
                    .collect();
                annotated.join("; ")
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

impl Evidence {
    fn new(report: &Report) -> Self {
        let group = report.persona.age_group();
        let mut general = quantities(&annotated_render(report));
        // The teacher's caffeine advice names a cut-off 6 h before the mean bedtime.
        general.extend(quantities(&clock(report.period.mean_bedtime_h - 6.0)));
        let mut own = BTreeMap::new();
        for rule in RULES {
            let norm = (rule.norm)(group);
            let threshold = quantities(&quote_value(rule.kind, norm.threshold));
            let units: Vec<Unit> = threshold.iter().map(|q| q.unit).collect();
            let mut values = threshold;
            values.extend(quantities(&norm.text));
            if let Some(v) = (rule.measure)(&report.persona, &report.period) {
                values.extend(quantities(&quote_value(rule.kind, v)));
            }
            if rule.kind == FindingKind::LowSpo2Nadir {
                // The teacher adds the single worst night to the mean nadir.
                if let Some(worst) = report.period.worst_spo2_nadir {
                    values.extend(quantities(&percent(worst)));
                }
            }
            general.extend(&values);
            own.insert(rule.kind, (units, values));
        }
        Evidence { general, own }
    }

    /// `(quoted, supported)` counts of the values `output` quotes.
    fn check(&self, output: &str, steps: f64) -> (usize, usize) {
        let tags = tag_positions(output);
        let quoted = quantities(output);
        let supported = quoted
            .iter()
            .filter(|q| {
                let anchor = tags
                    .iter()
                    .rev()
                    .find(|(at, _)| *at < q.start && !output[*at..q.start].contains('\n'))
                    .and_then(|(_, kind)| self.own.get(kind))
                    .filter(|(units, _)| units.contains(&q.unit));
                let allowed = anchor.map_or(&self.general, |(_, values)| values);
                allowed.iter().any(|a| a.matches(q, steps))
            })
            .count();
        (quoted.len(), supported)
    }
}

/// Byte offsets of the finding tags in `text`, with their kinds.
fn tag_positions(text: &str) -> Vec<(usize, FindingKind)> {
    text.match_indices('[')
        .filter_map(|(at, _)| {
            let close = text[at..].find(']')?;
            finding_for_tag(&text[at + 1..at + close]).map(|kind| (at, kind))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_data::{dataset, recommendation_records};
    use sleepcot_data::findings::RedFlagKind;
    use sleepcot_data::teacher::format::hours_minutes;
    use sleepcot_data::teacher::{ExpertTeacher, Teacher, TeacherInput};

    /// The expert teacher's output for `report` in several phrasings (different seeds).
    fn teacher_outputs(report: &Report) -> Vec<String> {
        (0..4)
            .map(|seed| {
                ExpertTeacher
                    .teach(&TeacherInput::Recommendation(report), seed, 7)
                    .unwrap()
                    .text()
            })
            .collect()
    }

    #[test]
    fn the_teachers_own_output_scores_perfectly() {
        let (mut with_findings, mut with_flags) = (0, 0);
        for (record, report) in recommendation_records() {
            let mut outputs = teacher_outputs(report);
            outputs.push(record.assistant.clone());
            for output in &outputs {
                let s = score_recommendation(report, output, &record.assistant, 1.0);
                let ctx = format!("{}: {s:?}\n{output}", report.id);
                for m in RecommendationMetric::ALL {
                    let want = if m == RecommendationMetric::FalseReferral {
                        0.0
                    } else {
                        1.0
                    };
                    if m != RecommendationMetric::RougeL || output == &record.assistant {
                        assert!(s.get(m).is_none_or(|v| v == want), "{m:?} {ctx}");
                    }
                }
                assert!(s.quantities > 0 && s.recommendations > 0, "{ctx}");
            }
            with_findings += usize::from(!report.findings.is_empty());
            with_flags += usize::from(!report.red_flags.is_empty());
        }
        assert!(
            with_findings >= 10 && with_flags >= 3,
            "{with_findings} {with_flags}"
        );
    }

    #[test]
    fn listing_every_finding_has_full_recall_but_low_precision() {
        let all: Vec<String> = FindingKind::ALL
            .iter()
            .enumerate()
            .map(|(i, k)| format!("{}. [{}] Work on this.", i + 1, k.label()))
            .collect();
        let output = format!("Answer:\n{}", all.join("\n"));
        let mut precisions = Vec::new();
        for (record, report) in recommendation_records() {
            let s = score_recommendation(report, &output, &record.assistant, 1.0);
            let n = report.findings.len();
            assert_eq!(s.named, FindingKind::ALL.len());
            assert_eq!(
                s.get(RecommendationMetric::FindingPrecision),
                Some(n as f64 / 21.0)
            );
            assert_eq!(s.get(RecommendationMetric::Linkage), ratio(n, 21));
            if n > 0 {
                assert_eq!(s.get(RecommendationMetric::FindingRecall), Some(1.0));
            }
            precisions.push(n as f64 / 21.0);
        }
        let mean = precisions.iter().sum::<f64>() / precisions.len() as f64;
        assert!(mean < 0.3, "mean precision {mean}");
    }

    #[test]
    fn a_wrong_number_fails_faithfulness_and_nothing_else() {
        let mut checked = 0;
        for (record, report) in recommendation_records() {
            for f in &report.findings {
                let right = quote_value(f.kind, f.value);
                assert!(
                    record.assistant.contains(&right),
                    "{right} in {}",
                    report.id
                );
                let wrong = quote_value(f.kind, f.value * 1.37 + 11.0);
                let output = record.assistant.replace(&right, &wrong);
                let good = score_recommendation(report, &record.assistant, "", 1.0);
                let bad = score_recommendation(report, &output, "", 1.0);
                let faith = bad.get(RecommendationMetric::NumericFaithfulness).unwrap();
                assert!(faith < 1.0, "{}: {right} -> {wrong}", report.id);
                assert_eq!(bad.quantities, good.quantities);
                assert_eq!(
                    (
                        bad.named_correctly,
                        bad.linked_recommendations,
                        bad.referred
                    ),
                    (
                        good.named_correctly,
                        good.linked_recommendations,
                        good.referred
                    )
                );
                checked += 1;
            }
        }
        assert!(checked >= 20, "{checked}");
    }

    #[test]
    fn hand_written_outputs_score_as_expected() {
        let data = dataset();
        let report = data
            .reports
            .iter()
            .find(|r| {
                r.findings.iter().any(|f| f.kind == FindingKind::ShortSleep)
                    && r.red_flags.is_empty()
            })
            .expect("some report has short sleep and no red flag");
        let tst = report.period.mean_total_sleep_min;
        let ok = format!(
            "Answer:\n1. [Short_Sleep-Duration] You sleep {} on average; go to bed earlier.\n2. Relax.\nReferral: see a doctor about [possible narcolepsy].",
            hours_minutes(tst)
        );
        let s = score_recommendation(report, &ok, &ok, 1.0);
        assert_eq!((s.named, s.named_correctly), (1, 1));
        assert_eq!((s.quantities, s.faithful_quantities), (1, 1));
        assert_eq!((s.recommendations, s.linked_recommendations), (2, 1));
        assert_eq!(s.get(RecommendationMetric::FalseReferral), Some(1.0));
        assert_eq!(s.get(RecommendationMetric::ReferralRecall), None);
        assert_eq!(s.get(RecommendationMetric::RougeL), Some(1.0));
        // The same sentence with half the measured sleep is unfaithful.
        let wrong = ok.replace(&hours_minutes(tst), &hours_minutes(tst * 0.5));
        let s = score_recommendation(report, &wrong, &ok, 1.0);
        assert_eq!((s.quantities, s.faithful_quantities), (1, 0));
        assert!(s.rouge_l < 1.0);
        // Quoting the norm next to the tag is not attributing it to the person.
        let finding = &report.findings[0];
        let norm = format!(
            "Answer:\n1. [{}] The norm: {}.",
            finding.kind.label(),
            finding.norm
        );
        let s = score_recommendation(report, &norm, "", 1.0);
        assert!(
            s.quantities > 0 && s.faithful_quantities == s.quantities,
            "{norm}"
        );
    }

    #[test]
    fn red_flags_are_recalled_only_when_referred_and_named() {
        let (record, report) = recommendation_records()
            .find(|(_, r)| !r.red_flags.is_empty())
            .expect("some test report has a red flag");
        let s = score_recommendation(report, &record.assistant, "", 1.0);
        assert_eq!(s.red_flags_named, report.red_flags.len());
        let flagless = record
            .assistant
            .lines()
            .filter(|l| !l.starts_with("Referral:"))
            .collect::<Vec<_>>()
            .join("\n");
        let s = score_recommendation(report, &flagless, "", 1.0);
        assert_eq!(s.get(RecommendationMetric::ReferralRecall), Some(0.0));
        let wrong_flag = format!(
            "Answer:\n1. Rest.\nReferral: see a doctor about [{}].",
            RedFlagKind::SevereShortSleepTeen.label()
        );
        let s = score_recommendation(report, &wrong_flag, "", 1.0);
        let named = usize::from(
            report
                .red_flags
                .iter()
                .any(|f| f.kind == RedFlagKind::SevereShortSleepTeen),
        );
        assert_eq!((s.referred, s.red_flags_named), (true, named));
    }
}
