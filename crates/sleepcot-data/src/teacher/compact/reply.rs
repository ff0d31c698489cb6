//! The compact recommendation: a rule-by-rule checklist, the red flags, the prioritised answer.

use crate::findings::{Direction, FindingKind, RULES, Rule};
use crate::persona::{ContextField, NOT_GIVEN, Persona};
use crate::report::Report;
use crate::teacher::TeacherOutput;
use crate::teacher::format::{ANSWER_MARKER, REFERRAL_MARKER, minutes, tag};
use crate::teacher::recommendation::{fill_advice, prioritise, quote_value, referral_items};

/// The key under which the checklist (and the compact report) names a rule's metric.
pub fn checklist_key(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::ShortSleep => "asleep",
        FindingKind::LongOnsetLatency => "latency",
        FindingKind::HighWaso => "WASO",
        FindingKind::FrequentAwakenings => "awakenings",
        FindingKind::LowEfficiency => "efficiency",
        FindingKind::LowDeepSleep => "deep",
        FindingKind::LowRemShare => "REM",
        FindingKind::ShortRemLatency => "shortest REM latency",
        FindingKind::ElevatedOdi => "ODI",
        FindingKind::LowSpo2Nadir => "SpO2 low",
        FindingKind::IrregularSchedule => "mid-sleep SD",
        FindingKind::SocialJetlag => "social jetlag",
        FindingKind::LateSleepPhase => "bedtime",
        FindingKind::ElevatedRestingHr => "resting HR",
        FindingKind::LowHrv => "HRV",
        FindingKind::HighMovement => "movement",
        FindingKind::LateCaffeine => "caffeine to bed",
        FindingKind::EveningAlcohol => "evening drinks",
        FindingKind::LateExercise => "exercise to bed",
        FindingKind::EveningScreens => "screens",
        FindingKind::LongNaps => "naps",
    }
}

/// The one-line advice of the compact answer for `kind` (`{min_h}` and `{cutoff}` are filled
/// from the report). Medical steps are left to the `Referral:` line, which names them for every
/// red flag.
fn short_advice(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::ShortSleep => "plan at least {min_h} h of sleep with a fixed wake time",
        FindingKind::LongOnsetLatency => {
            "go to bed only when sleepy and get up when sleep does not come"
        }
        FindingKind::HighWaso => "keep the bedroom dark, quiet and cool and the rise time fixed",
        FindingKind::FrequentAwakenings => "find what wakes you and keep the room cool and quiet",
        FindingKind::LowEfficiency => "spend less time awake in bed: bed only when sleepy",
        FindingKind::LowDeepSleep => "keep regular sleep and daytime exercise; no evening alcohol",
        FindingKind::LowRemShare => "sleep long enough and avoid evening alcohol",
        FindingKind::ShortRemLatency => "avoid sleep loss and keep a regular schedule",
        FindingKind::ElevatedOdi => "avoid alcohol near bedtime and try sleeping on your side",
        FindingKind::LowSpo2Nadir => "avoid alcohol and sedatives at night",
        FindingKind::IrregularSchedule => "keep bed and wake times within an hour every day",
        FindingKind::SocialJetlag => "keep weekend wake times within an hour of work days",
        FindingKind::LateSleepPhase => "move bedtime earlier in 15-minute steps with morning light",
        FindingKind::ElevatedRestingHr => "add regular exercise and keep evenings calm",
        FindingKind::LowHrv => "add regular exercise, recovery days and regular sleep",
        FindingKind::HighMovement => "keep caffeine and alcohol out of the evening",
        FindingKind::LateCaffeine => "take the last caffeine before {cutoff}",
        FindingKind::EveningAlcohol => "skip alcohol in the evening",
        FindingKind::LateExercise => "finish vigorous exercise more than an hour before bed",
        FindingKind::EveningScreens => "switch screens off an hour before bed",
        FindingKind::LongNaps => "keep naps to 20-30 min, before mid-afternoon",
    }
}

/// A value as the checklist quotes it: the teacher's convention, with total sleep in minutes
/// only (the report's `asleep` key).
fn quote(kind: FindingKind, value: f32) -> String {
    match kind {
        FindingKind::ShortSleep => minutes(value),
        _ => quote_value(kind, value),
    }
}

/// The comparison sign between a value and its norm: the abnormal side when the rule fired,
/// the complementary (normal) side when it did not.
fn sign(direction: Direction, fired: bool) -> &'static str {
    match (direction, fired) {
        (Direction::Above, true) | (Direction::AtMost, false) => ">",
        (Direction::AtLeast, true) | (Direction::Below, false) => ">=",
        (Direction::Below, true) | (Direction::AtLeast, false) => "<",
        (Direction::AtMost, true) | (Direction::Above, false) => "<=",
    }
}

/// Why a rule has no value: the person did not give the habits or schedule it checks (`not
/// given`), they do not apply to this person (`n/a`), or the device did not record the signal
/// (`not measured`).
fn absent(kind: FindingKind, persona: &Persona) -> &'static str {
    let habit = matches!(
        kind,
        FindingKind::LateCaffeine
            | FindingKind::EveningAlcohol
            | FindingKind::LateExercise
            | FindingKind::EveningScreens
            | FindingKind::LongNaps
    );
    let schedule = matches!(
        kind,
        FindingKind::SocialJetlag | FindingKind::LateSleepPhase
    );
    if (habit && !persona.gives(ContextField::Habits))
        || (schedule && !persona.gives(ContextField::Work))
    {
        NOT_GIVEN
    } else if habit || (schedule && persona.work.is_shift_work()) {
        "n/a"
    } else {
        "not measured"
    }
}

/// The person's value of `rule` as its checklist line quotes it (`32 min`, `22:50`), or `None`
/// when the report has no value for it. Evaluation compares a student's checklist with it.
pub fn checklist_value(report: &Report, rule: &Rule) -> Option<String> {
    (rule.measure)(&report.persona, &report.period).map(|value| quote(rule.kind, value))
}

/// The checklist line of one rule: `- key value sign norm: verdict`, or `- key: why absent`.
pub(crate) fn checklist_line(report: &Report, rule: &Rule) -> String {
    let persona = &report.persona;
    let key = checklist_key(rule.kind);
    match checklist_value(report, rule) {
        None => format!("- {key}: {}", absent(rule.kind, persona)),
        Some(quoted) => {
            let fired = report.findings.iter().any(|f| f.kind == rule.kind);
            let threshold = (rule.norm)(persona.age_group()).threshold;
            let verdict = if fired {
                tag(rule.kind)
            } else {
                "ok".to_string()
            };
            format!(
                "- {key} {quoted} {} {}: {verdict}",
                sign(rule.direction, fired),
                quote(rule.kind, threshold),
            )
        }
    }
}

/// The line that opens every compact reasoning about a report: the age and its norm group.
pub(crate) fn norms_line(report: &Report) -> String {
    format!(
        "Norms for a {}-year-old ({}):",
        report.persona.age,
        report.persona.age_group().label()
    )
}

/// One checklist line per rule of the table, in table order.
pub(crate) fn checklist(report: &Report) -> Vec<String> {
    RULES
        .iter()
        .map(|rule| checklist_line(report, rule))
        .collect()
}

/// The red-flag block: `Red flags: none.`, or `Red flags:` and one `- [flag]: reason` line each.
pub(crate) fn red_flag_lines(report: &Report) -> Vec<String> {
    if report.red_flags.is_empty() {
        return vec!["Red flags: none.".to_string()];
    }
    let mut lines = vec!["Red flags:".to_string()];
    for flag in &report.red_flags {
        lines.push(format!("- [{}]: {}", flag.kind.label(), flag.reason));
    }
    lines
}

/// The compact answer line for a finding: its tag and one short piece of advice.
pub(crate) fn advice_item(report: &Report, kind: FindingKind) -> String {
    format!("{} {}.", tag(kind), fill_advice(report, short_advice(kind)))
}

/// The compact referral line for the report's red flags; `None` without red flags.
pub(crate) fn referral(report: &Report) -> Option<String> {
    (!report.red_flags.is_empty()).then(|| {
        format!(
            "{REFERRAL_MARKER} see a physician about {}.",
            referral_items(&report.red_flags)
        )
    })
}

/// The compact expert reply to `report`: the checklist and the red flags (rationale), then the
/// findings in priority order with the first advice of each, and the referral (answer).
pub fn compact_recommendation(report: &Report) -> TeacherOutput {
    let mut rationale = vec![norms_line(report)];
    rationale.extend(checklist(report));
    rationale.extend(red_flag_lines(report));
    let mut answer = vec![ANSWER_MARKER.to_string()];
    let ordered = prioritise(report);
    if ordered.is_empty() {
        answer.push("No finding: the sleep data and habits meet the norms for this age.".into());
    }
    for (i, f) in ordered.iter().enumerate() {
        answer.push(format!("{}. {}", i + 1, advice_item(report, f.kind)));
    }
    answer.extend(referral(report));
    TeacherOutput {
        rationale: rationale.join("\n"),
        answer: answer.join("\n"),
    }
}
