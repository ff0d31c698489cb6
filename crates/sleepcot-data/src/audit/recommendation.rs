//! The recommendation audit: a reply read against the report it answers.
//!
//! The report text is read back with [`read_report`], which evaluates the rule table on the
//! displayed values; everything below compares the reply with that reading.

use std::collections::BTreeSet;

use super::{Violation, ViolationKind};
use crate::findings::{Direction, FindingKind, rule_for};
use crate::quantity::{Quantity, Unit, quantities};
use crate::report::Report;
use crate::teacher::format::ANSWER_MARKER;
use crate::teacher::parse::{
    has_referral, mentioned_findings, mentioned_red_flags, parse_recommendations,
};
use crate::teacher::{quote_value, read_report};

/// Phrases by which a reply says that no physician is needed.
const NO_PHYSICIAN: [&str; 10] = [
    "nothing here calls for a physician",
    "no need to see a doctor",
    "no need for a doctor",
    "no need to see a physician",
    "no physician is needed",
    "no doctor is needed",
    "no medical referral",
    "no referral is needed",
    "self-management is appropriate",
    "self-management is enough",
];

/// Words by which a reply sends the person to a physician or a test.
const PHYSICIAN: [&str; 11] = [
    "doctor",
    "physician",
    "clinician",
    "sleep study",
    "sleep apnea test",
    "polysomnography",
    "sleep specialist",
    "mslt",
    "medical",
    "urgent care",
    "referral:",
];

/// Phrases that state a comparison's direction; the value is written just before them.
const DIRECTIONS: [(&str, Side); 8] = [
    ("is at or above", Side::High),
    ("is at or below", Side::Low),
    ("is above", Side::High),
    ("is below", Side::Low),
    ("are above", Side::High),
    ("are below", Side::Low),
    ("exceeds", Side::High),
    ("falls below", Side::Low),
];

/// Which side of the norm a comparison puts the value on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    High,
    Low,
}

fn abnormal_side(direction: Direction) -> Side {
    match direction {
        Direction::Above | Direction::AtLeast => Side::High,
        Direction::Below | Direction::AtMost => Side::Low,
    }
}

/// What a value is measured in, with minutes and hours as one duration dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dimension {
    Duration,
    Other(Unit),
}

fn dimension(unit: Unit) -> Dimension {
    match unit {
        Unit::Minutes | Unit::Hours => Dimension::Duration,
        other => Dimension::Other(other),
    }
}

/// A quantity in the rule's unit: durations in minutes, clock times in hours of the report's
/// bedtime convention (before noon is the next morning, see [`crate::report`]).
fn in_rule_unit(q: &Quantity) -> f64 {
    match q.unit {
        Unit::Hours => q.value * 60.0,
        Unit::Clock if q.value < 12.0 => q.value + 24.0,
        _ => q.value,
    }
}

/// The unit a finding's value is quoted in: read off the teacher's own quoting convention
/// ([`quote_value`]), so the audit and the teacher cannot disagree about it.
pub(crate) fn finding_unit(kind: FindingKind) -> Unit {
    quantities(&quote_value(kind, 1.0))
        .first()
        .map_or(Unit::Minutes, |q| q.unit)
}

/// The rationale: the reply up to its last `Answer:` line.
fn rationale_part(reply: &str) -> &str {
    reply
        .rfind(&format!("\n{ANSWER_MARKER}"))
        .map_or(reply, |i| &reply[..i])
}

/// Audits one recommendation item from its text: `prompt` is the user message (the rendered
/// report followed by the request) and `reply` the whole teacher reply.
pub fn audit_recommendation(prompt: &str, reply: &str) -> Vec<Violation> {
    let report = match read_report(prompt) {
        Ok(r) => r,
        Err(e) => {
            return vec![Violation::new(
                ViolationKind::Format,
                format!("the report could not be read ({e})"),
            )];
        }
    };
    let mut out = report_violations(&report);
    out.extend(super::answer_line_violation(reply));
    out.extend(finding_violations(&report, reply));
    let rationale = rationale_part(reply);
    for line in rationale.lines() {
        out.extend(comparison_violations(&report, line));
    }
    out.extend(absent_value_violations(&report, reply));
    out.extend(referral_violations(&report, reply));
    out.extend(priority_violations(&report, reply));
    out
}

/// The report itself must not show an absent average as a number: weekend (work-night)
/// averages exist exactly when the table has a weekend (work) night.
pub(crate) fn report_violations(report: &Report) -> Vec<Violation> {
    let p = &report.period;
    let weekend = report.nights.iter().any(|n| n.is_weekend);
    let work = report.nights.iter().any(|n| !n.is_weekend);
    let mut out = Vec::new();
    let checks = [
        (weekend, p.weekend_midsleep_h.is_some(), "weekend mid-sleep"),
        (
            weekend,
            p.weekend_mean_total_sleep_min.is_some(),
            "weekend sleep",
        ),
        (work, p.weekday_midsleep_h.is_some(), "work-night mid-sleep"),
        (
            work,
            p.weekday_mean_total_sleep_min.is_some(),
            "work-night sleep",
        ),
    ];
    for (has_nights, shown, what) in checks {
        if !has_nights && shown {
            out.push(Violation::new(
                ViolationKind::AbsentAsNumber,
                format!(
                    "the report shows a number for the {what} although no such night was recorded"
                ),
            ));
        }
    }
    out
}

fn finding_violations(report: &Report, reply: &str) -> Vec<Violation> {
    let named: BTreeSet<FindingKind> = mentioned_findings(reply).into_iter().collect();
    let fired: BTreeSet<FindingKind> = report.findings.iter().map(|f| f.kind).collect();
    let mut out = Vec::new();
    for kind in named.difference(&fired) {
        out.push(Violation::new(
            ViolationKind::UnfiredFinding,
            format!(
                "[{}] is named, but its rule does not fire on the report's values",
                kind.label()
            ),
        ));
    }
    for kind in fired.difference(&named) {
        out.push(Violation::new(
            ViolationKind::MissingFinding,
            format!(
                "the rule for [{}] fires on the report's values, but the reply does not name it",
                kind.label()
            ),
        ));
    }
    out
}

/// The displayed value a rule reads from the report, in the rule's unit.
fn displayed_value(report: &Report, kind: FindingKind) -> Option<f32> {
    (rule_for(kind).measure)(&report.persona, &report.period)
}

/// Checks one rationale line that compares a tagged finding's value with its norm: the side it
/// states must follow from each quoted form of the value and the rule's threshold, the value
/// must be the report's, and its unit the rule's.
fn comparison_violations(report: &Report, line: &str) -> Vec<Violation> {
    let lower = line.to_lowercase();
    let Some((at, side)) = DIRECTIONS
        .iter()
        .filter_map(|&(phrase, side)| lower.find(phrase).map(|i| (i, side)))
        .min_by_key(|&(i, _)| i)
    else {
        return Vec::new();
    };
    let Some(&kind) = mentioned_findings(line).first() else {
        return Vec::new();
    };
    let rule = rule_for(kind);
    let threshold = (rule.norm)(report.persona.age_group()).threshold as f64;
    let tag_end = line.find(']').map_or(0, |i| i + 1);
    let segment_start = line[..at]
        .rfind([';', ':', ','])
        .map_or(tag_end, |i| i + 1)
        .max(tag_end);
    let segment = &line[segment_start..at];
    let quoted = line.trim();
    let mut out = Vec::new();
    let wrong_side = side != abnormal_side(rule.direction);
    if wrong_side {
        out.push(Violation::new(
            ViolationKind::Direction,
            format!(
                "\"{quoted}\" puts [{}] on the wrong side: it is abnormal {} the norm",
                kind.label(),
                if abnormal_side(rule.direction) == Side::High {
                    "above"
                } else {
                    "below"
                }
            ),
        ));
    }
    let expected = dimension(finding_unit(kind));
    let displayed = displayed_value(report, kind);
    for q in quantities(segment) {
        if dimension(q.unit) != expected {
            out.push(Violation::new(
                ViolationKind::UnitMismatch,
                format!(
                    "\"{quoted}\" compares a value in {:?} with a norm for [{}], which is in {:?}",
                    q.unit,
                    kind.label(),
                    finding_unit(kind)
                ),
            ));
            continue;
        }
        let value = in_rule_unit(&q);
        if !wrong_side && !rule.direction.fires(value as f32, threshold as f32) {
            out.push(Violation::new(
                ViolationKind::Direction,
                format!(
                    "\"{quoted}\": {} is not {} the threshold of [{}] ({threshold})",
                    &segment.trim(),
                    match rule.direction {
                        Direction::Above => "above",
                        Direction::AtLeast => "at or above",
                        Direction::Below => "below",
                        Direction::AtMost => "at or below",
                    },
                    kind.label()
                ),
            ));
        }
        if let Some(shown) = displayed {
            let step = finding_unit(kind).step();
            if (value - shown as f64).abs() > step / 2.0 + 1e-6 {
                out.push(Violation::new(
                    ViolationKind::WrongValue,
                    format!(
                        "\"{quoted}\" quotes {} for [{}], but the report shows {shown}",
                        segment.trim(),
                        kind.label()
                    ),
                ));
            }
        }
    }
    out
}

/// A reply must not give a number for an average the report marks as not measured.
fn absent_value_violations(report: &Report, reply: &str) -> Vec<Violation> {
    let p = &report.period;
    let absent = [
        ("weekend", p.weekend_midsleep_h.is_none()),
        ("work night", p.weekday_midsleep_h.is_none()),
    ];
    let mut out = Vec::new();
    for line in reply.lines() {
        let lower = line.to_lowercase();
        for (word, missing) in absent {
            let numeric = quantities(line)
                .iter()
                .any(|q| matches!(q.unit, Unit::Clock | Unit::Minutes | Unit::Hours));
            if missing && lower.contains(word) && numeric {
                out.push(Violation::new(
                    ViolationKind::AbsentAsNumber,
                    format!(
                        "\"{}\" quotes a {word} value, but the report has no {word} and shows it as not measured",
                        line.trim()
                    ),
                ));
            }
        }
    }
    out
}

fn referral_violations(report: &Report, reply: &str) -> Vec<Violation> {
    let mut out = Vec::new();
    let referral = has_referral(reply);
    let flags: BTreeSet<_> = report.red_flags.iter().map(|f| f.kind).collect();
    if flags.is_empty() && referral {
        out.push(Violation::new(
            ViolationKind::Referral,
            "the reply has a \"Referral:\" line although no red flag is present",
        ));
    }
    if !flags.is_empty() && !referral {
        let names: Vec<String> = flags.iter().map(|k| format!("[{}]", k.label())).collect();
        out.push(Violation::new(
            ViolationKind::Referral,
            format!(
                "red flags are present ({}) but the reply has no \"Referral:\" line",
                names.join(", ")
            ),
        ));
    }
    if referral {
        let named: BTreeSet<_> = reply
            .lines()
            .filter(|l| l.trim_start().starts_with("Referral:"))
            .flat_map(mentioned_red_flags)
            .collect();
        for kind in flags.difference(&named) {
            out.push(Violation::new(
                ViolationKind::Referral,
                format!("the referral does not name the red flag [{}]", kind.label()),
            ));
        }
        for kind in named.difference(&flags) {
            out.push(Violation::new(
                ViolationKind::Referral,
                format!(
                    "the referral names [{}], which the report does not show",
                    kind.label()
                ),
            ));
        }
    }
    let lower = reply.to_lowercase();
    if let Some(claim) = NO_PHYSICIAN.iter().find(|p| lower.contains(*p)) {
        let rest = NO_PHYSICIAN
            .iter()
            .fold(lower.clone(), |t, p| t.replace(p, " "));
        if let Some(term) = PHYSICIAN.iter().find(|t| rest.contains(*t)) {
            out.push(Violation::new(
                ViolationKind::ContradictoryReferral,
                format!("the reply says \"{claim}\" and also sends the person on (\"{term}\")"),
            ));
        }
    }
    out
}

/// The severity a rationale states for `kind` (on the line comparing it with its norm).
fn stated_severity(rationale: &str, kind: FindingKind) -> Option<u8> {
    rationale
        .lines()
        .filter(|l| mentioned_findings(l).first() == Some(&kind))
        .filter(|l| {
            let lower = l.to_lowercase();
            DIRECTIONS.iter().any(|(p, _)| lower.contains(p))
        })
        .find_map(|l| {
            // "a moderate deviation" or "(moderate)": not the bands a norm may list.
            let lower = l.to_lowercase();
            [("severe", 2), ("moderate", 1), ("mild", 0)]
                .into_iter()
                .filter_map(|(w, s)| {
                    let at = [format!("{w} deviation"), format!("({w})")]
                        .iter()
                        .filter_map(|p| lower.rfind(p.as_str()))
                        .max()?;
                    Some((at, s))
                })
                .max_by_key(|&(at, _)| at)
                .map(|(_, s)| s)
        })
}

fn priority_violations(report: &Report, reply: &str) -> Vec<Violation> {
    let rationale = rationale_part(reply);
    let recommended: Vec<FindingKind> = parse_recommendations(reply)
        .iter()
        .filter_map(|r| r.findings.first().copied())
        .collect();
    let stated: Option<Vec<FindingKind>> = rationale
        .lines()
        .find(|l| l.trim_start_matches(['-', ' ']).starts_with("Order:"))
        .map(mentioned_findings);
    let mut out = Vec::new();
    if let Some(order) = &stated
        && !recommended.is_empty()
        && order != &recommended
    {
        out.push(Violation::new(
            ViolationKind::PriorityOrder,
            "the numbered recommendations do not follow the stated order",
        ));
    }
    let order = stated.unwrap_or(recommended);
    let flagged: BTreeSet<FindingKind> = report
        .red_flags
        .iter()
        .flat_map(|f| f.kind.findings().iter().copied())
        .collect();
    let key = |k: &FindingKind| flagged.contains(k);
    for pair in order.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if !key(&a) && key(&b) {
            out.push(Violation::new(
                ViolationKind::PriorityOrder,
                format!(
                    "[{}] comes before [{}], which a red flag rests on; red flags come first",
                    a.label(),
                    b.label()
                ),
            ));
        } else if key(&a) == key(&b)
            && let (Some(sa), Some(sb)) =
                (stated_severity(rationale, a), stated_severity(rationale, b))
            && sa < sb
        {
            out.push(Violation::new(
                ViolationKind::PriorityOrder,
                format!(
                    "[{}] comes before the more severe [{}]; severity comes next after red flags",
                    a.label(),
                    b.label()
                ),
            ));
        }
    }
    out
}
