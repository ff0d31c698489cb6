//! The compact style is scored by the same evaluation as the full one: the compact expert's
//! checklist names exactly the ground truth, quotes only supported values and refers exactly
//! when there are red flags; a wrong verdict in the checklist costs precision or recall.

use sleepcot_data::persona::PopulationMix;
use sleepcot_data::report::generate_reports;
use sleepcot_data::teacher::compact::compact_recommendation;
use sleepcot_eval::recommendation::{RecommendationMetric, score_recommendation};

#[test]
fn the_compact_expert_scores_perfectly_on_every_metric() {
    let reports = generate_reports(11, 400, &PopulationMix::default(), 3);
    let mut quoted = 0;
    for report in &reports {
        let text = compact_recommendation(report).text();
        let score = score_recommendation(report, &text, &text, 1.0);
        for metric in [
            RecommendationMetric::FindingRecall,
            RecommendationMetric::FindingPrecision,
            RecommendationMetric::NumericFaithfulness,
            RecommendationMetric::ReferralRecall,
            RecommendationMetric::RedFlagRecall,
            RecommendationMetric::Linkage,
        ] {
            if let Some(v) = score.get(metric) {
                assert_eq!(v, 1.0, "{} on {}:\n{text}", metric.name(), report.id);
            }
        }
        assert_eq!(
            score
                .get(RecommendationMetric::FalseReferral)
                .unwrap_or(0.0),
            0.0,
            "{text}"
        );
        quoted += score.quantities;
    }
    // Every checklist line with a value quotes it: faithfulness is measured, not vacuous.
    assert!(quoted > 400 * 15, "only {quoted} quoted values");
}

#[test]
fn a_flipped_checklist_verdict_costs_precision_and_a_dropped_one_recall() {
    let reports = generate_reports(12, 200, &PopulationMix::default(), 3);
    let report = reports
        .iter()
        .find(|r| !r.findings.is_empty() && r.findings.len() < 5)
        .expect("a report with a few findings");
    let text = compact_recommendation(report).text();
    // Name a finding the report does not have on its "ok" line.
    let ok_line = text
        .lines()
        .find(|l| l.starts_with("- screens") || l.starts_with("- movement"))
        .expect("a checklist line");
    let invented = if ok_line.contains("[") {
        text.clone()
    } else {
        text.replace(
            ok_line,
            &ok_line.replace(
                ": ok",
                ": [restless movement during sleep] [evening screen use]",
            ),
        )
    };
    let s = score_recommendation(report, &invented, &text, 1.0);
    assert!(s.get(RecommendationMetric::FindingPrecision).unwrap() < 1.0);
    // Drop every mention of the first finding.
    let first = format!("[{}]", report.findings[0].kind.label());
    let dropped = text.replace(&first, "ok");
    let s = score_recommendation(report, &dropped, &text, 1.0);
    assert!(s.get(RecommendationMetric::FindingRecall).unwrap() < 1.0);
}
