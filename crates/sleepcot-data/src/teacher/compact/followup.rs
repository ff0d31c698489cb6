//! The compact follow-up reply: the reasoning quotes only what the compact report shows, in
//! the same lines the compact recommendation writes.
//!
//! The full-style follow-up reasoning quotes values the compact report leaves out (each night's
//! deep-sleep share and mid-sleep time). A student reading the compact report cannot see them,
//! so copying that reasoning would teach it to invent numbers. Here every value comes from the
//! compact report: a night's `slept`, `SpO2 min` and `score`, the averages through the
//! recommendation's own checklist lines, and the schedule's mid-sleep times. The two advice
//! questions (what to change first, whether to see a doctor) reason with the checklist and the
//! red-flag block, so they train the same skill as the recommendation. One wording per kind,
//! like the checklist: the same report and question always get the same reply.

use super::reply::{advice_item, checklist, checklist_line, norms_line, red_flag_lines, referral};
use super::report::NIGHT_KEYS;
use crate::findings::{FindingKind, rule_for, sleep_range_h};
use crate::report::{NightSummary, Report};
use crate::teacher::followup::{FollowUpKind, FollowUpQuestion, gold_answer};
use crate::teacher::format::{ANSWER_MARKER, clock, minutes, night_name, percent, tag};
use crate::teacher::recommendation::prioritise;
use crate::teacher::render::cell;
use crate::teacher::{TeacherError, TeacherOutput};

/// `key per night: night 1 v; night 2 v; ...`, with `-` for a night the device did not record.
fn per_night(
    key: &str,
    nights: &[NightSummary],
    value: impl Fn(&NightSummary) -> String,
) -> String {
    let items: Vec<String> = nights
        .iter()
        .map(|n| format!("{} {}", night_name(n.night), value(n)))
        .collect();
    format!("{key} per night: {}.", items.join("; "))
}

/// Writes the compact reasoning and answer for `question` about `report`.
pub(crate) fn compact_follow_up(
    report: &Report,
    question: &FollowUpQuestion,
) -> Result<TeacherOutput, TeacherError> {
    let Some(gold) = gold_answer(question.kind, report) else {
        return Err(TeacherError::NotApplicable {
            report_id: report.id.clone(),
            kind: question.kind.name(),
        });
    };
    let nights = &report.nights;
    let [slept, _, _, _, _, spo2_min, score] = NIGHT_KEYS;
    let mut lines = Vec::<String>::new();
    let mut answer = format!("{ANSWER_MARKER} {}", gold.answer_text());
    match question.kind {
        FollowUpKind::NightsBelowNorm => {
            let limit = sleep_range_h(report.persona.age_group()).0 * 60.0;
            lines.push(norms_line(report));
            lines.push(format!("Minimum: {} per night.", minutes(limit)));
            lines.push(per_night(slept, nights, |n| minutes(n.total_sleep_min)));
            let below: Vec<String> = nights
                .iter()
                .filter(|n| n.total_sleep_min < limit)
                .map(|n| night_name(n.night))
                .collect();
            lines.push(if below.is_empty() {
                format!("Below {}: none.", minutes(limit))
            } else {
                format!("Below {}: {}.", minutes(limit), below.join(", "))
            });
            answer.push_str(&format!(" (out of {})", nights.len()));
        }
        FollowUpKind::LowestSpo2 => {
            lines.push(per_night(spo2_min, nights, |n| cell(n.spo2_nadir, percent)));
            lines.push("The lowest of these is the answer.".to_string());
        }
        FollowUpKind::DeepSleepNormal => {
            lines.push(norms_line(report));
            lines.push(checklist_line(report, rule_for(FindingKind::LowDeepSleep)));
        }
        FollowUpKind::AverageEfficiency => {
            lines.push(checklist_line(report, rule_for(FindingKind::LowEfficiency)));
        }
        FollowUpKind::WeekendShift => {
            let p = &report.period;
            lines.push(format!(
                "Mid-sleep: work nights {}, weekend {}.",
                cell(p.weekday_midsleep_h, clock),
                cell(p.weekend_midsleep_h, clock)
            ));
            if let Some(jetlag) = p.social_jetlag_min {
                lines.push(format!("Social jetlag {}.", minutes(jetlag)));
            }
            lines.push("Weekend minus work nights, in hours, is the answer.".to_string());
        }
        FollowUpKind::FirstChange => {
            lines.push(norms_line(report));
            lines.extend(checklist(report));
            lines.extend(red_flag_lines(report));
            let ordered = prioritise(report);
            let ranked: Vec<String> = ordered
                .iter()
                .map(|f| format!("{} {}", tag(f.kind), f.severity.label()))
                .collect();
            lines.push(format!("Ranked: {}.", ranked.join(", ")));
            if let Some(top) = ordered.first() {
                answer = format!("{ANSWER_MARKER} {}", advice_item(report, top.kind));
            }
        }
        FollowUpKind::SeeDoctor => {
            lines.extend(red_flag_lines(report));
            if let Some(line) = referral(report) {
                answer.push('\n');
                answer.push_str(&line);
            }
        }
        FollowUpKind::BestNight => {
            lines.push(per_night(score, nights, |n| {
                cell(n.sleep_score, |s| s.to_string())
            }));
            lines.push("The highest is the answer (the first night on a tie).".to_string());
        }
    }
    Ok(TeacherOutput {
        rationale: lines.join("\n"),
        answer,
    })
}
