//! The compact recommendation: a rule-by-rule checklist, the red flags, the prioritised answer.

use crate::findings::{Direction, FindingKind, RULES};
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

/// One checklist line per rule of the table, in table order.
fn checklist(report: &Report) -> Vec<String> {
    let persona = &report.persona;
    let group = persona.age_group();
    RULES
        .iter()
        .map(|rule| {
            let key = checklist_key(rule.kind);
            match (rule.measure)(persona, &report.period) {
                None => format!("- {key}: {}", absent(rule.kind, persona)),
                Some(value) => {
                    let fired = report.findings.iter().any(|f| f.kind == rule.kind);
                    let threshold = (rule.norm)(group).threshold;
                    let verdict = if fired {
                        tag(rule.kind)
                    } else {
                        "ok".to_string()
                    };
                    format!(
                        "- {key} {} {} {}: {verdict}",
                        quote(rule.kind, value),
                        sign(rule.direction, fired),
                        quote(rule.kind, threshold),
                    )
                }
            }
        })
        .collect()
}

/// The compact expert reply to `report`: the checklist and the red flags (rationale), then the
/// findings in priority order with the first advice of each, and the referral (answer).
pub fn compact_recommendation(report: &Report) -> TeacherOutput {
    let mut rationale = vec![format!(
        "Norms for a {}-year-old ({}):",
        report.persona.age,
        report.persona.age_group().label()
    )];
    rationale.extend(checklist(report));
    if report.red_flags.is_empty() {
        rationale.push("Red flags: none.".to_string());
    } else {
        rationale.push("Red flags:".to_string());
        for flag in &report.red_flags {
            rationale.push(format!("- [{}]: {}", flag.kind.label(), flag.reason));
        }
    }
    let mut answer = vec![ANSWER_MARKER.to_string()];
    let ordered = prioritise(report);
    if ordered.is_empty() {
        answer.push("No finding: the sleep data and habits meet the norms for this age.".into());
    }
    for (i, f) in ordered.iter().enumerate() {
        let advice = fill_advice(report, short_advice(f.kind));
        answer.push(format!("{}. {} {advice}.", i + 1, tag(f.kind)));
    }
    if !report.red_flags.is_empty() {
        answer.push(format!(
            "{REFERRAL_MARKER} see a physician about {}.",
            referral_items(&report.red_flags)
        ));
    }
    TeacherOutput {
        rationale: rationale.join("\n"),
        answer: answer.join("\n"),
    }
}
