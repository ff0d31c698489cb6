//! Follow-up questions about the person's own report, with typed gold answers computed from
//! the nights, and the expert teacher's reasoning towards them.
//!
//! Each [`FollowUpKind`] has several question phrasings, a gold-answer computation over
//! `report.nights` (or the report's red flags / findings for the two advice questions), and a
//! rationale that walks through the same numbers night by night. Nights are named one-based
//! (`night 1` is the first), as in the rendered report. Gold numbers are rounded as the report
//! shows them (see [`super::format`]), and a student's answer is accepted within
//! [`GoldAnswer`]'s tolerance.

use rand::Rng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use super::format::{
    ANSWER_MARKER, clock, minutes, night_name, one_decimal, or_not_measured, percent, round1, tag,
};
use super::parse::{mentioned_findings, parse_answer, parse_night, parse_number, parse_yes_no};
use super::phrasing::{join_list, pick, say};
use super::recommendation::{advice_line, prioritise, referral_line};
use super::{TeacherError, TeacherOutput};
use crate::findings::{deep_share_min_pct, sleep_range_h};
use crate::report::{NightSummary, Report};
use crate::rng::{Stream, item_rng, mix64};

/// The kinds of follow-up question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpKind {
    /// How many nights had less sleep than the age group's minimum.
    NightsBelowNorm,
    /// The lowest SpO2 reading and the night it happened.
    LowestSpo2,
    /// Whether the average deep-sleep share is within the age group's usual range.
    DeepSleepNormal,
    /// How much later mid-sleep is on weekend nights than on work nights (social jetlag:
    /// "why am I tired on Mondays?").
    WeekendShift,
    /// Which finding to address first.
    FirstChange,
    /// Whether anything in the report needs a physician.
    SeeDoctor,
    /// The average sleep efficiency.
    AverageEfficiency,
    /// The night with the highest sleep score.
    BestNight,
}

impl FollowUpKind {
    /// Every kind, in a fixed order.
    pub const ALL: [FollowUpKind; 8] = [
        FollowUpKind::NightsBelowNorm,
        FollowUpKind::LowestSpo2,
        FollowUpKind::DeepSleepNormal,
        FollowUpKind::WeekendShift,
        FollowUpKind::FirstChange,
        FollowUpKind::SeeDoctor,
        FollowUpKind::AverageEfficiency,
        FollowUpKind::BestNight,
    ];

    /// The serde name, e.g. `nights_below_norm`.
    pub fn name(self) -> &'static str {
        match self {
            FollowUpKind::NightsBelowNorm => "nights_below_norm",
            FollowUpKind::LowestSpo2 => "lowest_spo2",
            FollowUpKind::DeepSleepNormal => "deep_sleep_normal",
            FollowUpKind::WeekendShift => "weekend_shift",
            FollowUpKind::FirstChange => "first_change",
            FollowUpKind::SeeDoctor => "see_doctor",
            FollowUpKind::AverageEfficiency => "average_efficiency",
            FollowUpKind::BestNight => "best_night",
        }
    }

    fn phrasings(self) -> &'static [&'static str] {
        match self {
            FollowUpKind::NightsBelowNorm => &[
                "How many nights did I sleep less than {min_h} hours?",
                "On how many of my nights did I get under {min_h} h of actual sleep?",
                "Count for me: how many nights gave me less than {min_h} h of sleep?",
            ],
            FollowUpKind::LowestSpo2 => &[
                "What was my lowest blood oxygen (SpO2), and on which night?",
                "Which night had my lowest SpO2 reading, and how low did it go?",
                "When did my oxygen saturation dip the most, and to what value?",
            ],
            FollowUpKind::DeepSleepNormal => &[
                "Is my deep sleep normal for my age?",
                "Am I getting enough deep sleep for someone who is {age}?",
                "Is my share of deep sleep within the usual range for my age group?",
            ],
            FollowUpKind::WeekendShift => &[
                "Why am I so tired on Mondays? How much later do I sleep at weekends?",
                "How much later is the middle of my sleep on weekend nights than on work nights?",
                "Do my weekends shift my sleep? By how many hours does my mid-sleep move?",
            ],
            FollowUpKind::FirstChange => &[
                "What should I change first?",
                "If I could fix only one thing about my sleep, what should it be?",
                "Which problem should I tackle first?",
            ],
            FollowUpKind::SeeDoctor => &[
                "Should I see a doctor about my sleep?",
                "Does anything in my report need a physician?",
                "Is there a reason to get my sleep checked by a doctor?",
            ],
            FollowUpKind::AverageEfficiency => &[
                "What was my average sleep efficiency?",
                "On average, what share of my time in bed was I actually asleep?",
                "How efficient was my sleep across these nights, on average?",
            ],
            FollowUpKind::BestNight => &[
                "Which night had my best sleep score?",
                "What was my best night by sleep score, and what was the score?",
                "On which night did I score highest?",
            ],
        }
    }
}

/// A gold answer, typed so that it can be checked automatically.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GoldAnswer {
    /// A number; a reply is right when its first number is within `tolerance`.
    Number {
        /// The value, rounded as the report shows it.
        value: f64,
        /// Its unit (`nights`, `%`, `h`).
        unit: String,
        /// The largest accepted absolute error.
        tolerance: f64,
    },
    /// Yes or no.
    YesNo(bool),
    /// A finding label (see [`crate::findings::FindingKind::label`]).
    Choice(String),
    /// A night (one-based, as written in text) and the value that singles it out.
    Night {
        /// One-based night number.
        night: u32,
        /// The value on that night, rounded as the report shows it.
        value: f64,
        /// Its unit (`%`, `points`).
        unit: String,
    },
}

impl GoldAnswer {
    /// The answer as the teacher states it after `Answer:`.
    pub fn answer_text(&self) -> String {
        match self {
            GoldAnswer::Number { value, unit, .. } => match unit.as_str() {
                "nights" if *value == 1.0 => "1 night".to_string(),
                "nights" => format!("{} nights", *value as i64),
                "%" => percent(*value),
                _ => format!("{} {unit}", one_decimal(*value)),
            },
            GoldAnswer::YesNo(true) => "yes".to_string(),
            GoldAnswer::YesNo(false) => "no".to_string(),
            GoldAnswer::Choice(label) => format!("[{label}]"),
            GoldAnswer::Night { night, value, unit } => match unit.as_str() {
                "%" => format!("night {night}, {}", percent(*value)),
                _ => format!("night {night}, {} {unit}", *value as i64),
            },
        }
    }

    /// Whether `output` (a whole reply, with an `Answer:` line) states this answer.
    pub fn is_correct(&self, output: &str) -> bool {
        match self {
            GoldAnswer::Number {
                value, tolerance, ..
            } => parse_number(output).is_some_and(|v| (v - value).abs() <= tolerance + 1e-9),
            GoldAnswer::YesNo(b) => parse_yes_no(output) == Some(*b),
            GoldAnswer::Choice(label) => parse_answer(output)
                .and_then(|a| mentioned_findings(&a).first().copied())
                .is_some_and(|k| k.label() == label),
            GoldAnswer::Night { night, .. } => parse_night(output) == Some(*night as usize),
        }
    }
}

/// One follow-up question with its gold answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowUpQuestion {
    /// What is asked.
    pub kind: FollowUpKind,
    /// The question as the user asks it.
    pub text: String,
    /// The answer computed from the report.
    pub gold: GoldAnswer,
}

fn mean(values: impl Iterator<Item = f32>) -> Option<f64> {
    let (sum, n) = values.fold((0.0f64, 0usize), |(s, n), v| (s + f64::from(v), n + 1));
    (n > 0).then(|| sum / n as f64)
}

fn min_sleep_h(report: &Report) -> f32 {
    sleep_range_h(report.persona.age_group()).0
}

fn midsleep(n: &NightSummary) -> f32 {
    (n.bedtime_h + n.wake_time_h) / 2.0
}

/// First night holding the extreme of `key` (lowest when `lowest`) and its value; `None` when
/// some night did not measure it (the question is then not asked).
fn extreme_night(
    nights: &[NightSummary],
    key: fn(&NightSummary) -> Option<f32>,
    lowest: bool,
) -> Option<(&NightSummary, f32)> {
    let mut best: Option<(&NightSummary, f32)> = None;
    for n in nights {
        let v = key(n)?;
        let better = match best {
            None => true,
            Some((_, b)) if lowest => v < b,
            Some((_, b)) => v > b,
        };
        if better {
            best = Some((n, v));
        }
    }
    best
}

/// The mean of `key` over every night; `None` when some night did not measure it.
fn mean_of_all(nights: &[NightSummary], key: fn(&NightSummary) -> Option<f32>) -> Option<f64> {
    let values: Option<Vec<f32>> = nights.iter().map(key).collect();
    mean(values?.into_iter())
}

fn weekend_shift_h(report: &Report) -> Option<f64> {
    let work = mean(report.nights.iter().filter(|n| !n.is_weekend).map(midsleep))?;
    let free = mean(report.nights.iter().filter(|n| n.is_weekend).map(midsleep))?;
    Some(free - work)
}

/// The gold answer of `kind` for `report`, or `None` when the question does not apply (no
/// nights; no weekend or no work night for [`FollowUpKind::WeekendShift`]; no finding for
/// [`FollowUpKind::FirstChange`]).
pub fn gold_answer(kind: FollowUpKind, report: &Report) -> Option<GoldAnswer> {
    let nights = &report.nights;
    if nights.is_empty() {
        return None;
    }
    Some(match kind {
        FollowUpKind::NightsBelowNorm => {
            let limit = min_sleep_h(report) * 60.0;
            let count = nights.iter().filter(|n| n.total_sleep_min < limit).count();
            GoldAnswer::Number {
                value: count as f64,
                unit: "nights".into(),
                tolerance: 0.0,
            }
        }
        FollowUpKind::LowestSpo2 => {
            let (n, v) = extreme_night(nights, |n| n.spo2_nadir, true)?;
            GoldAnswer::Night {
                night: n.night + 1,
                value: round1(f64::from(v)),
                unit: "%".into(),
            }
        }
        FollowUpKind::DeepSleepNormal => {
            let avg = mean_of_all(nights, |n| n.deep_pct)?;
            let min = f64::from(deep_share_min_pct(report.persona.age_group()));
            GoldAnswer::YesNo(avg >= min)
        }
        FollowUpKind::WeekendShift => GoldAnswer::Number {
            value: round1(weekend_shift_h(report)?),
            unit: "h".into(),
            tolerance: 0.1,
        },
        FollowUpKind::FirstChange => {
            GoldAnswer::Choice(prioritise(report).first()?.kind.label().to_string())
        }
        FollowUpKind::SeeDoctor => GoldAnswer::YesNo(!report.red_flags.is_empty()),
        FollowUpKind::AverageEfficiency => GoldAnswer::Number {
            value: round1(mean(nights.iter().map(|n| n.efficiency_pct))?),
            unit: "%".into(),
            tolerance: 0.1,
        },
        FollowUpKind::BestNight => {
            let (n, v) = extreme_night(nights, |n| n.sleep_score.map(|s| s as f32), false)?;
            GoldAnswer::Night {
                night: n.night + 1,
                value: f64::from(v),
                unit: "points".into(),
            }
        }
    })
}

/// A stable per-report index for the follow-up RNG stream, from the report id.
fn report_index(report: &Report) -> u64 {
    report
        .id
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| mix64(h ^ u64::from(b)))
}

/// Up to `k` follow-up questions of distinct kinds about `report`, drawn with the seeded
/// [`Stream::FollowUp`] generator of this report (same seed and report → same questions).
/// Kinds that do not apply to the report are skipped, so fewer than `k` may come back (none for
/// a report without nights).
pub fn follow_up_questions(report: &Report, seed: u64, k: usize) -> Vec<FollowUpQuestion> {
    let mut rng = item_rng(seed, Stream::FollowUp, report_index(report));
    let mut kinds: Vec<(FollowUpKind, GoldAnswer)> = FollowUpKind::ALL
        .iter()
        .filter_map(|&kind| gold_answer(kind, report).map(|g| (kind, g)))
        .collect();
    kinds.shuffle(&mut rng);
    kinds.truncate(k);
    let min_h = format!("{:.0}", min_sleep_h(report));
    let age = report.persona.age.to_string();
    kinds
        .into_iter()
        .map(|(kind, gold)| FollowUpQuestion {
            kind,
            text: say(
                &mut rng,
                kind.phrasings(),
                &[("min_h", &min_h), ("age", &age)],
            ),
            gold,
        })
        .collect()
}

const OPEN: &[&str] = &[
    "The question asks about {topic}; I go through the nights one by one.",
    "To answer, I look at {topic} on each night.",
    "Let me check {topic} night by night.",
];

fn per_night(nights: &[NightSummary], value: impl Fn(&NightSummary) -> String) -> String {
    let items: Vec<String> = nights
        .iter()
        .map(|n| format!("{} {}", night_name(n.night), value(n)))
        .collect();
    items.join("; ")
}

/// Writes the teacher's reasoning and answer for `question` about `report`.
pub(crate) fn answer_follow_up<R: Rng + ?Sized>(
    report: &Report,
    question: &FollowUpQuestion,
    rng: &mut R,
) -> Result<TeacherOutput, TeacherError> {
    let nights = &report.nights;
    let group = report.persona.age_group();
    let Some(gold) = gold_answer(question.kind, report) else {
        return Err(TeacherError::NotApplicable {
            report_id: report.id.clone(),
            kind: question.kind.name(),
        });
    };
    let mut r = Vec::<String>::new();
    let mut extra = String::new();
    match question.kind {
        FollowUpKind::NightsBelowNorm => {
            let min_h = min_sleep_h(report);
            r.push(say(rng, OPEN, &[("topic", "total sleep")]));
            r.push(format!(
                "The minimum for {} is {min_h:.0} h, that is {} per night.",
                group.label(),
                minutes(min_h * 60.0)
            ));
            r.push(format!(
                "Sleep per night: {}.",
                per_night(nights, |n| minutes(n.total_sleep_min))
            ));
            let below: Vec<String> = nights
                .iter()
                .filter(|n| n.total_sleep_min < min_h * 60.0)
                .map(|n| night_name(n.night))
                .collect();
            r.push(if below.is_empty() {
                pick(
                    rng,
                    &[
                        "No night falls below that minimum.",
                        "Every night reaches the minimum.",
                    ],
                )
                .to_string()
            } else {
                say(
                    rng,
                    &["Below the minimum: {list}.", "The short nights are {list}."],
                    &[("list", &join_list(&below))],
                )
            });
            extra = format!(" (out of {})", nights.len());
        }
        FollowUpKind::LowestSpo2 => {
            r.push(say(rng, OPEN, &[("topic", "the lowest SpO2")]));
            r.push(format!(
                "Lowest SpO2 per night: {}.",
                per_night(nights, |n| or_not_measured(n.spo2_nadir, percent))
            ));
            r.push(
                pick(rng, &[
                    "The smallest of these is the answer; healthy sleepers rarely dip far below about 90 %.",
                    "I take the minimum; for comparison, a nadir around 90 % is usual in healthy sleep.",
                ])
                .to_string(),
            );
        }
        FollowUpKind::DeepSleepNormal => {
            let min = deep_share_min_pct(group);
            let avg = mean_of_all(nights, |n| n.deep_pct).unwrap_or(0.0);
            r.push(say(rng, OPEN, &[("topic", "the deep-sleep share")]));
            r.push(format!(
                "Deep sleep per night: {}.",
                per_night(nights, |n| or_not_measured(n.deep_pct, percent))
            ));
            r.push(format!(
                "The average is {}; the usual minimum for {} is {}.",
                percent(avg),
                group.label(),
                percent(min)
            ));
            r.push(
                pick(
                    rng,
                    &[
                        "Stage shares have no consensus norm, so this is a soft comparison.",
                        "This is informational: experts have not agreed on a stage-share norm.",
                    ],
                )
                .to_string(),
            );
            extra = if avg >= f64::from(min) {
                format!(", {} is within the usual range", percent(avg))
            } else {
                format!(
                    ", {} is below the usual minimum of {}",
                    percent(avg),
                    percent(min)
                )
            };
        }
        FollowUpKind::WeekendShift => {
            r.push(say(
                rng,
                OPEN,
                &[("topic", "mid-sleep (halfway between bedtime and wake time)")],
            ));
            r.push(format!(
                "Mid-sleep per night: {}.",
                per_night(nights, |n| format!(
                    "{}{}",
                    clock(midsleep(n)),
                    if n.is_weekend { " (weekend)" } else { "" }
                ))
            ));
            let shift = weekend_shift_h(report).unwrap_or(0.0);
            r.push(format!(
                "Weekend mid-sleep minus work-night mid-sleep is {} h; this difference is social jetlag.",
                one_decimal(shift)
            ));
            r.push(if shift >= 1.0 {
                pick(rng, &[
                    "At an hour or more, the body clock is pulled later at the weekend and has to jump back on Monday, which explains Monday tiredness.",
                    "A shift of an hour or more feels like flying across time zones every Monday morning.",
                ])
                .to_string()
            } else {
                pick(rng, &[
                    "That is under an hour, so weekend timing is unlikely to explain Monday tiredness on its own.",
                    "Less than an hour of shift is modest; Monday tiredness probably has other reasons.",
                ])
                .to_string()
            });
            extra = " (weekend minus work-night mid-sleep)".to_string();
        }
        FollowUpKind::FirstChange => {
            let ordered = prioritise(report);
            r.push(
                pick(rng, &[
                    "I rank the findings: anything tied to a red flag first, then the most severe, then the largest deviation from its norm.",
                    "Priority rule: safety (red flags) first, then severity, then how far the value is from the norm.",
                ])
                .to_string(),
            );
            let order: Vec<String> = ordered
                .iter()
                .map(|f| format!("{} {}", tag(f.kind), f.severity.label()))
                .collect();
            r.push(format!("Ranked: {}.", order.join(", ")));
            if let Some(top) = ordered.first() {
                extra = format!(": {}", advice_line(rng, report, top));
            }
        }
        FollowUpKind::SeeDoctor => {
            r.push(
                pick(rng, &[
                    "A doctor is needed when the report shows a red flag, not for ordinary coaching points.",
                    "I check the report for red flags, the patterns that call for a physician.",
                ])
                .to_string(),
            );
            if report.red_flags.is_empty() {
                r.push(
                    pick(rng, &[
                        "There is none: no severe oxygen dips, no repeated early REM, no persistent insomnia pattern and no drowsy-driving risk.",
                        "None is present, so self-management is enough for now.",
                    ])
                    .to_string(),
                );
            } else {
                let flags: Vec<String> = report
                    .red_flags
                    .iter()
                    .map(|f| format!("[{}]", f.kind.label()))
                    .collect();
                r.push(say(
                    rng,
                    &[
                        "Red flags present: {flags}.",
                        "The report raises {flags}, which a physician should assess.",
                    ],
                    &[("flags", &join_list(&flags))],
                ));
                if let Some(line) = referral_line(rng, &report.red_flags) {
                    extra = format!("\n{line}");
                }
            }
        }
        FollowUpKind::AverageEfficiency => {
            r.push(say(
                rng,
                OPEN,
                &[("topic", "sleep efficiency (time asleep / time in bed)")],
            ));
            r.push(format!(
                "Efficiency per night: {}.",
                per_night(nights, |n| percent(n.efficiency_pct))
            ));
            r.push(format!(
                "The mean of these {} values is the answer; 85 % or more counts as good.",
                nights.len()
            ));
        }
        FollowUpKind::BestNight => {
            r.push(say(rng, OPEN, &[("topic", "the sleep score")]));
            r.push(format!(
                "Score per night: {}.",
                per_night(nights, |n| or_not_measured(n.sleep_score, |s| s
                    .to_string()))
            ));
            r.push("The highest score marks the best night (the first one on a tie).".to_string());
        }
    }
    Ok(TeacherOutput {
        rationale: r.join("\n"),
        answer: format!("{ANSWER_MARKER} {}{extra}", gold.answer_text()),
    })
}
