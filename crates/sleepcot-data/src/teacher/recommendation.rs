//! The expert teacher's recommendation task: observations → comparison with the age norm →
//! likely causes → prioritised recommendations → referral.
//!
//! Every ground-truth finding is named (by its tag) in each step, and no other finding is: the
//! text is built from `report.findings` only, so a finding cannot be invented. Priority puts
//! findings tied to a red flag first (safety), then the more severe, then the larger relative
//! deviation from the threshold, then rule-table order ([`prioritise`]).

use std::cmp::Ordering;

use rand::Rng;

use super::format::{
    ANSWER_MARKER, REFERRAL_MARKER, bpm, clock, hours_minutes, millis, minutes, night_name,
    one_decimal, or_not_measured, per_hour, percent, tag,
};
use super::phrasing::{join_list, pick, say};
use super::{TeacherError, TeacherOutput};
use crate::findings::{Cause, Finding, FindingKind, RedFlag, rule_for, sleep_range_h};
use crate::persona::Persona;
use crate::report::Report;

/// Whether `kind` is one of the findings behind any of `flags`.
pub fn is_red_flag_related(kind: FindingKind, flags: &[RedFlag]) -> bool {
    flags.iter().any(|f| f.kind.findings().contains(&kind))
}

/// Size of a deviation relative to its threshold (the absolute deviation when the threshold is
/// zero), so that findings in different units can be ranked.
fn relative_deviation(f: &Finding) -> f32 {
    if f.threshold.abs() > f32::EPSILON {
        (f.deviation / f.threshold).abs()
    } else {
        f.deviation.abs()
    }
}

/// The report's findings in the order they should be addressed: red-flag related first, then
/// by severity, then by relative deviation, then in rule-table order.
pub fn prioritise(report: &Report) -> Vec<&Finding> {
    let mut out: Vec<&Finding> = report.findings.iter().collect();
    out.sort_by(|a, b| {
        let ra = is_red_flag_related(a.kind, &report.red_flags);
        let rb = is_red_flag_related(b.kind, &report.red_flags);
        rb.cmp(&ra)
            .then(b.severity.cmp(&a.severity))
            .then(
                relative_deviation(b)
                    .partial_cmp(&relative_deviation(a))
                    .unwrap_or(Ordering::Equal),
            )
            .then(a.kind.cmp(&b.kind))
    });
    out
}

/// A finding's value written with the report's number conventions.
pub fn quote_value(kind: FindingKind, value: f32) -> String {
    match kind {
        FindingKind::ShortSleep => format!("{} ({})", minutes(value), hours_minutes(value)),
        FindingKind::LongOnsetLatency
        | FindingKind::HighWaso
        | FindingKind::ShortRemLatency
        | FindingKind::IrregularSchedule
        | FindingKind::SocialJetlag
        | FindingKind::LateCaffeine
        | FindingKind::LateExercise
        | FindingKind::EveningScreens
        | FindingKind::LongNaps => minutes(value),
        FindingKind::FrequentAwakenings => format!("{} per night", one_decimal(value)),
        FindingKind::LowEfficiency
        | FindingKind::LowDeepSleep
        | FindingKind::LowRemShare
        | FindingKind::LowSpo2Nadir => percent(value),
        FindingKind::ElevatedOdi | FindingKind::HighMovement => per_hour(value),
        FindingKind::LateSleepPhase => clock(value),
        FindingKind::ElevatedRestingHr => bpm(value),
        FindingKind::LowHrv => millis(value),
        FindingKind::EveningAlcohol => format!("{} drinks", one_decimal(value)),
    }
}

/// What the finding's value measures, as a noun phrase.
fn metric_phrase(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::ShortSleep => "average total sleep",
        FindingKind::LongOnsetLatency => "average time to fall asleep",
        FindingKind::HighWaso => "average time awake after sleep onset (WASO)",
        FindingKind::FrequentAwakenings => "average number of awakenings of 5+ min",
        FindingKind::LowEfficiency => "average sleep efficiency",
        FindingKind::LowDeepSleep => "average deep-sleep share",
        FindingKind::LowRemShare => "average REM share",
        FindingKind::ShortRemLatency => "shortest REM latency",
        FindingKind::ElevatedOdi => "average oxygen desaturation index",
        FindingKind::LowSpo2Nadir => "average nightly lowest SpO2",
        FindingKind::IrregularSchedule => "night-to-night spread (SD) of mid-sleep",
        FindingKind::SocialJetlag => "weekend delay of mid-sleep",
        FindingKind::LateSleepPhase => "average bedtime",
        FindingKind::ElevatedRestingHr => "average lowest sleeping heart rate",
        FindingKind::LowHrv => "average night-time HRV (RMSSD)",
        FindingKind::HighMovement => "average movement index",
        FindingKind::LateCaffeine => "time from the last caffeine to bedtime",
        FindingKind::EveningAlcohol => "drinks in the evening before bed",
        FindingKind::LateExercise => "time from the end of evening exercise to bedtime",
        FindingKind::EveningScreens => "screen time in the 2 h before bed",
        FindingKind::LongNaps => "typical nap length",
    }
}

/// Extra personal detail from the nights for some findings (how many nights, which night).
fn night_detail(kind: FindingKind, report: &Report) -> Option<String> {
    let p = &report.period;
    let n = report.nights.len();
    let count = |k: u32, what: &str| Some(format!("{k} of {n} nights {what}"));
    match kind {
        FindingKind::ShortSleep => count(p.nights_short_sleep, "fell short of the age minimum"),
        FindingKind::LongOnsetLatency => count(p.nights_long_latency, "took over 30 min"),
        FindingKind::HighWaso => count(p.nights_high_waso, "exceeded the WASO limit"),
        FindingKind::LowEfficiency => count(p.nights_low_efficiency, "were below 85 %"),
        FindingKind::ShortRemLatency => count(p.nights_soremp, "had REM within 15 min"),
        FindingKind::ElevatedOdi => count(p.nights_elevated_odi, "reached 5 /h or more"),
        FindingKind::LowSpo2Nadir => Some(format!(
            "the lowest single value was {} on {}",
            or_not_measured(p.worst_spo2_nadir, percent),
            or_not_measured(p.worst_spo2_night, night_name)
        )),
        FindingKind::SocialJetlag => Some(format!(
            "mid-sleep {} on work nights versus {} on weekend nights",
            or_not_measured(p.weekday_midsleep_h, clock),
            or_not_measured(p.weekend_midsleep_h, clock)
        )),
        _ => None,
    }
}

const INTRO_OBS: &[&str] = &[
    "Step 1 - Observations from {name} nights of data:",
    "Step 1 - What the {name} nights show:",
    "Step 1 - Observations ({name} nights recorded):",
];

const OBS: &[&str] = &[
    "- {tag} The {metric} was {value}{detail}.",
    "- {tag} {Metric}: {value}{detail}.",
    "- {tag} Measured {metric}: {value}{detail}.",
];

const INTRO_NORM: &[&str] = &[
    "Step 2 - Comparison with the norms for a {age}-year-old ({group}):",
    "Step 2 - How this compares with what is typical at age {age} ({group}):",
    "Step 2 - Against the age norms ({group}, age {age}):",
];

const NORM: &[&str] = &[
    "- {tag} {value} is {dir} the norm ({norm}); a {severity} deviation.",
    "- {tag} The norm is {norm}; {value} is {dir} it, a {severity} deviation.",
    "- {tag} Against a norm of {norm}, {value} is {dir} it ({severity}).",
];

const INFORMATIONAL: &[&str] = &[
    " Stage shares have no consensus norm, so this is informational only.",
    " There is no consensus norm for stage shares; treat this as a soft signal.",
];

const INTRO_CAUSE: &[&str] = &[
    "Step 3 - Likely causes from the context and the pattern:",
    "Step 3 - What probably drives these findings:",
    "Step 3 - Likely explanations:",
];

const CAUSE: &[&str] = &[
    "- {tag} likely linked to {causes}.",
    "- {tag} most plausibly explained by {causes}.",
    "- {tag} consistent with {causes}.",
];

const NO_CAUSE: &[&str] = &[
    "- {tag} nothing in the self-reported context clearly explains it; worth monitoring.",
    "- {tag} no clear cause in the reported habits or schedule.",
];

const HABIT_CAUSE: &[&str] = &[
    "- {tag} a habit that is itself a cause; here it plausibly contributes to {effects}.",
    "- {tag} a modifiable habit, and a likely contributor to {effects}.",
];

const HABIT_ALONE: &[&str] = &[
    "- {tag} a modifiable habit that can disturb sleep even though no measured metric points to it yet.",
    "- {tag} a habit worth changing on its own merits; no measured metric is clearly affected yet.",
];

const INTRO_PRIORITY: &[&str] = &[
    "Step 4 - Priorities: safety-related findings first, then the most severe and largest deviations.",
    "Step 4 - Ordering: anything tied to a red flag comes first, then by severity and size of the deviation.",
    "Step 4 - Priority order: red-flag findings, then severity, then how far each value is from its norm.",
];

const RED_FLAG_NOTE: &[&str] = &[
    "Red flags present: {flags}; these need a physician rather than self-help alone.",
    "There are red flags ({flags}), so a medical referral is part of the answer.",
];

const NO_RED_FLAG_NOTE: &[&str] = &[
    "No red flag is present, so self-management is appropriate.",
    "Nothing here calls for a physician; the advice is self-management.",
];

const HEALTHY_OBS: &[&str] = &[
    "- Average total sleep was {tst}, efficiency {eff}, time to fall asleep {sol} and the lowest SpO2 averaged {nadir}.",
    "- Sleep averaged {tst} with {eff} efficiency; falling asleep took {sol}; nightly lowest SpO2 averaged {nadir}.",
];

const HEALTHY_NORM: &[&str] = &[
    "- Every measured metric and every reported habit is within the norms for this age group, so there is no finding.",
    "- All metrics and habits fall inside the age norms: no finding to report.",
];

const HEALTHY_CAUSE: &[&str] = &[
    "- With no finding there is nothing to explain; the current routine is working.",
    "- Nothing needs explaining: the routine appears to suit this person.",
];

const HEALTHY_ANSWER: &[&str] = &[
    "Your sleep is within the norms for your age; no finding needs attention. To keep it that way:",
    "No finding: your sleep meets the norms for your age. Maintenance suggestions:",
];

const FLAG_WITHOUT_FINDING_ANSWER: &[&str] = &[
    "No measured average is outside the norms for your age, but what you report or the night-by-night pattern raises a red flag (see the referral). Meanwhile:",
    "Your averages meet the norms for your age, yet your symptoms or some nights need a doctor's attention (see the referral). Meanwhile:",
];

const MAINTENANCE: &[&[&str]] = &[
    &[
        "Keep the same wake time every day, weekends included.",
        "Hold on to a consistent wake-up time, days off included.",
    ],
    &[
        "Keep caffeine to the morning and early afternoon, and alcohol away from bedtime.",
        "Keep caffeine at least 6 h before bed and avoid alcohol in the evening.",
    ],
    &[
        "Keep a dark, quiet and cool bedroom and a calm wind-down without screens.",
        "Protect a short, screen-free wind-down in a dark, cool bedroom.",
    ],
];

const ADVICE_HEAD: &[&str] = &[
    "Recommendations, most important first:",
    "Prioritised plan:",
];

const REFERRAL: &[&str] = &[
    "see a physician about {flags}.",
    "please book an appointment with a doctor for {flags}.",
    "talk to a doctor soon about {flags}.",
];

/// The advice for a finding that a red flag backs, where the medical step is part of the
/// advice (the referral line names it too); `None` where the self-care advice already fits.
fn flagged_advice_templates(kind: FindingKind) -> Option<&'static [&'static str]> {
    match kind {
        FindingKind::ElevatedOdi => Some(&[
            "Get the repeated oxygen dips assessed with a sleep study (home test or polysomnography); until then avoid alcohol near bedtime and try side sleeping",
            "Ask for a sleep study to check for sleep apnea, and meanwhile skip evening alcohol and sleep on your side",
        ]),
        FindingKind::LowSpo2Nadir => Some(&[
            "Have the low overnight oxygen checked by a doctor, and avoid alcohol and sedatives at night until then",
            "Low night-time oxygen deserves a medical check; keep alcohol and sleeping pills out of the evening meanwhile",
        ]),
        FindingKind::ShortRemLatency => Some(&[
            "REM sleep starting right after sleep onset should be assessed by a sleep physician; meanwhile avoid sleep deprivation",
            "Have the early REM onset checked by a sleep specialist, and keep a regular schedule with enough sleep until then",
        ]),
        _ => None,
    }
}

/// The self-care advice for a finding; `{min_h}` and `{cutoff}` are filled from the report.
/// None of it sends the person to a doctor: without a red flag the reply is self-management,
/// and with one the referral line (and [`flagged_advice_templates`]) carries the medical step.
fn advice_templates(kind: FindingKind) -> &'static [&'static str] {
    match kind {
        FindingKind::ShortSleep => &[
            "Protect a sleep window of at least {min_h} h: keep the wake time fixed and move lights-out earlier in 15-minute steps",
            "Give sleep more room: plan for {min_h} h or more in bed asleep, with the same wake time every day",
        ],
        FindingKind::LongOnsetLatency => &[
            "Go to bed only when sleepy, and if still awake after about 20 minutes get up and do something calm in dim light",
            "Add a 30-60 minute wind-down in dim light and leave the bed if sleep has not come within about 20 minutes",
        ],
        FindingKind::HighWaso => &[
            "Keep the bedroom dark, quiet and cool, do not check the clock at night, and keep a fixed rise time even after a broken night",
            "If you cannot fall back asleep within about 20 minutes, leave the bed briefly; keep alcohol and late caffeine out of the evening",
        ],
        FindingKind::FrequentAwakenings => &[
            "Look for what wakes you (alcohol, a warm or noisy room, breathing problems) and keep the bedroom cool and quiet",
            "Reduce night-time disturbances: a cool, dark, quiet room and no alcohol in the evening",
        ],
        FindingKind::LowEfficiency => &[
            "Match time in bed to the sleep you actually get and widen it again once efficiency stays above 85 %; use the bed only for sleep",
            "Spend less time awake in bed: get up at a fixed time, go to bed only when sleepy, and keep the bed for sleep",
        ],
        FindingKind::LowDeepSleep => &[
            "Support deep sleep with regular daytime exercise, no afternoon caffeine and a steady schedule, without chasing a number",
            "Treat the deep-sleep share as a soft signal: keep exercise regular and caffeine early rather than targeting the figure",
        ],
        FindingKind::LowRemShare => &[
            "Avoid alcohol in the evening and sleep long and regularly enough to reach the REM-rich early morning",
            "Protect the last hours of sleep, where most REM happens, and keep alcohol away from bedtime",
        ],
        FindingKind::ShortRemLatency => &[
            "REM right after falling asleep on a single night can follow sleep loss or alcohol; keep a regular schedule with enough sleep and see whether it repeats",
            "Keep the schedule regular and sleep long enough, since one early REM onset often follows sleep debt, and watch whether it comes back",
        ],
        FindingKind::ElevatedOdi => &[
            "Keep alcohol and sedatives away from bedtime, try sleeping on your side, and notice whether snoring, breathing pauses or daytime sleepiness appear",
            "Skip evening alcohol, favour side sleeping, and keep an eye on snoring or sleepiness, which would change this advice",
        ],
        FindingKind::LowSpo2Nadir => &[
            "Keep alcohol and sedatives out of the evening and check that the sensor sits snugly, so the low readings are not an artefact",
            "Avoid evening alcohol and sleeping pills, and make sure the sensor fits well so the oxygen readings can be trusted",
        ],
        FindingKind::IrregularSchedule => &[
            "Anchor the wake time within about 30 minutes every day, days off included, and let bedtime follow",
            "Make the schedule steadier: same rise time daily and a bedtime that varies as little as possible",
        ],
        FindingKind::SocialJetlag => &[
            "Keep weekend wake-up within an hour of weekdays and get daylight early, so Monday mornings stop feeling like jet lag",
            "Limit weekend lie-ins to about an hour and get morning light on days off as well",
        ],
        FindingKind::LateSleepPhase => &[
            "Get bright outdoor light soon after waking, dim lights and screens in the evening, and move bedtime earlier by 15 minutes every few days",
            "Shift the body clock earlier: morning daylight, a dim evening, and a bedtime brought forward in small steps",
        ],
        FindingKind::ElevatedRestingHr => &[
            "Review what raises the night-time heart rate (late alcohol, heavy late meals, stress, illness) and follow whether it settles over the coming weeks",
            "Keep evenings light on alcohol and large meals, and track whether the sleeping heart rate comes down",
        ],
        FindingKind::LowHrv => &[
            "Support recovery with regular moderate exercise, no alcohol before bed and consistent sleep; follow your own HRV trend",
            "Favour recovery: steady sleep, moderate activity and no evening alcohol, judging HRV against your own baseline",
        ],
        FindingKind::HighMovement => &[
            "Keep caffeine and alcohol out of the evening, move or stretch gently before bed, and note whether leg discomfort comes with the restlessness",
            "Avoid evening caffeine and alcohol, which can worsen restless movement, and keep a note of any urge to move the legs",
        ],
        FindingKind::LateCaffeine => &[
            "Take the last caffeine at least 6 h before bed, that is before about {cutoff}",
            "Move the last coffee or tea to before about {cutoff}, 6 h ahead of bedtime",
        ],
        FindingKind::EveningAlcohol => &[
            "Skip alcohol in the evening; even about two drinks reduce REM sleep and break up the second half of the night",
            "Keep alcohol away from bedtime, as it fragments the later part of the night and cuts REM sleep",
        ],
        FindingKind::LateExercise => &[
            "Keep exercising, but finish vigorous sessions more than an hour before bed or move them earlier",
            "Move hard workouts earlier so they end well over an hour before bedtime",
        ],
        FindingKind::EveningScreens => &[
            "Switch screens off about an hour before bed and use the time for a calm, dim-light routine",
            "Make the last hour before bed screen-free and keep the lights low",
        ],
        FindingKind::LongNaps => &[
            "Keep naps to 20-30 minutes and before mid-afternoon so they do not take away night-time sleep pressure",
            "Shorten naps to 20-30 minutes, early in the afternoon, to keep sleep pressure for the night",
        ],
    }
}

/// A cause in words. Conditions are suggested, never asserted: the person did not report them.
fn cause_phrase(cause: Cause, report: &Report) -> String {
    match cause {
        Cause::Condition(c) => format!("a pattern suggestive of {}", c.label()),
        Cause::Ageing => format!("{} (age {})", cause.label(), report.persona.age),
        Cause::ShiftWork => format!("{} ({})", cause.label(), report.persona.work.label()),
        _ => cause.label().to_string(),
    }
}

/// The cause a behaviour finding corresponds to (the same habit seen as a cause).
fn habit_cause(kind: FindingKind) -> Option<Cause> {
    match kind {
        FindingKind::LateCaffeine => Some(Cause::LateCaffeine),
        FindingKind::EveningAlcohol => Some(Cause::EveningAlcohol),
        FindingKind::LateExercise => Some(Cause::LateExercise),
        FindingKind::EveningScreens => Some(Cause::EveningScreens),
        FindingKind::LongNaps => Some(Cause::LongNaps),
        _ => None,
    }
}

fn direction_word(kind: FindingKind) -> &'static str {
    use crate::findings::Direction;
    match rule_for(kind).direction {
        Direction::Above => "above",
        Direction::AtLeast => "at or above",
        Direction::Below => "below",
        Direction::AtMost => "at or below",
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The advice templates for `f` in `report`: the medical step where a red flag backs the
/// finding, self-care otherwise.
fn finding_advice_templates(report: &Report, f: &Finding) -> &'static [&'static str] {
    flagged_advice_templates(f.kind)
        .filter(|_| is_red_flag_related(f.kind, &report.red_flags))
        .unwrap_or_else(|| advice_templates(f.kind))
}

/// An advice template with `{min_h}` (the age group's minimum sleep) and `{cutoff}` (6 h
/// before the mean bedtime) filled from `report`.
pub(crate) fn fill_advice(report: &Report, template: &str) -> String {
    let min_h = format!("{:.0}", sleep_range_h(report.persona.age_group()).0);
    let cutoff = clock(report.period.mean_bedtime_h - 6.0);
    super::phrasing::fill(template, &[("min_h", &min_h), ("cutoff", &cutoff)])
}

/// One recommendation line (without its number) for `finding`.
pub(crate) fn advice_line<R: Rng + ?Sized>(rng: &mut R, report: &Report, f: &Finding) -> String {
    let templates = finding_advice_templates(report, f);
    let advice = fill_advice(report, pick(rng, templates));
    let value = quote_value(f.kind, f.value);
    let form = pick(
        rng,
        &[
            "{tag} {advice} (now {value}).",
            "{tag} {advice}; currently {value}.",
        ],
    );
    super::phrasing::fill(
        form,
        &[
            ("tag", &tag(f.kind)),
            ("advice", &advice),
            ("value", &value),
        ],
    )
}

/// The referral line (with its marker) for the report's red flags; `None` without red flags.
pub(crate) fn referral_line<R: Rng + ?Sized>(rng: &mut R, flags: &[RedFlag]) -> Option<String> {
    if flags.is_empty() {
        return None;
    }
    Some(format!(
        "{REFERRAL_MARKER} {}",
        say(rng, REFERRAL, &[("flags", &referral_items(flags))])
    ))
}

/// The red flags grouped by their next step, in referral order: `[a] and [b] (a sleep study);
/// [c] (urgent care)`.
pub(crate) fn referral_items(flags: &[RedFlag]) -> String {
    // Flags that share a next step (the apnea signs all lead to one sleep study) are named
    // together, in referral order, so the step is stated once.
    let mut steps: Vec<(&str, Vec<String>)> = Vec::new();
    for f in flags {
        let tag = format!("[{}]", f.kind.label());
        match steps
            .iter_mut()
            .find(|(step, _)| *step == f.kind.next_step())
        {
            Some((_, tags)) => tags.push(tag),
            None => steps.push((f.kind.next_step(), vec![tag])),
        }
    }
    let items: Vec<String> = steps
        .iter()
        .map(|(step, tags)| format!("{} ({step})", join_list(tags)))
        .collect();
    items.join("; ")
}

/// The observation line for what the person reports (symptoms, questionnaire scores); `None`
/// when they report nothing.
fn reported_line(persona: &Persona) -> Option<String> {
    let mut items: Vec<String> = persona
        .symptoms
        .iter()
        .map(|s| s.label().to_string())
        .collect();
    let q = &persona.questionnaires;
    if let Some(e) = q.epworth {
        items.push(format!("Epworth sleepiness scale {e}/24"));
    }
    if let Some(i) = q.insomnia_severity {
        items.push(format!("ISI {i}/28"));
    }
    (!items.is_empty()).then(|| format!("- Reported by the person: {}.", items.join("; ")))
}

/// Writes the rationale and the prioritised answer for `report`.
pub(crate) fn recommend<R: Rng + ?Sized>(
    report: &Report,
    rng: &mut R,
) -> Result<TeacherOutput, TeacherError> {
    let persona = &report.persona;
    let nights = report.nights.len().to_string();
    let age = persona.age.to_string();
    let group = persona.age_group().label();
    let ordered = prioritise(report);
    let mut r = Vec::<String>::new();

    r.push(say(rng, INTRO_OBS, &[("name", &nights)]));
    if let Some(line) = reported_line(persona) {
        r.push(line);
    }
    let missing = report.period.not_measured();
    if !missing.is_empty() {
        r.push(format!(
            "- Not measured by this device: {}; rules that need these values are not applied.",
            missing.join(", ")
        ));
    }
    if ordered.is_empty() {
        let p = &report.period;
        r.push(say(
            rng,
            HEALTHY_OBS,
            &[
                (
                    "tst",
                    &format!(
                        "{} ({})",
                        minutes(p.mean_total_sleep_min),
                        hours_minutes(p.mean_total_sleep_min)
                    ),
                ),
                ("eff", &percent(p.mean_efficiency_pct)),
                ("sol", &or_not_measured(p.mean_onset_latency_min, minutes)),
                ("nadir", &or_not_measured(p.mean_spo2_nadir, percent)),
            ],
        ));
    }
    // Observations follow the rule-table order (as a report reads); priorities come later.
    for f in &report.findings {
        let detail = night_detail(f.kind, report)
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        let metric = metric_phrase(f.kind);
        r.push(say(
            rng,
            OBS,
            &[
                ("tag", &tag(f.kind)),
                ("metric", metric),
                ("Metric", &capitalise(metric)),
                ("value", &quote_value(f.kind, f.value)),
                ("detail", &detail),
            ],
        ));
    }

    r.push(say(rng, INTRO_NORM, &[("age", &age), ("group", group)]));
    if ordered.is_empty() {
        r.push(pick(rng, HEALTHY_NORM).to_string());
    }
    for f in &report.findings {
        let mut line = say(
            rng,
            NORM,
            &[
                ("tag", &tag(f.kind)),
                ("value", &quote_value(f.kind, f.value)),
                ("dir", direction_word(f.kind)),
                ("norm", &f.norm),
                ("severity", f.severity.label()),
            ],
        );
        if matches!(f.kind, FindingKind::LowDeepSleep | FindingKind::LowRemShare) {
            line.push_str(pick(rng, INFORMATIONAL));
        }
        r.push(line);
    }

    r.push(pick(rng, INTRO_CAUSE).to_string());
    if ordered.is_empty() {
        r.push(pick(rng, HEALTHY_CAUSE).to_string());
    }
    for f in &report.findings {
        let t = tag(f.kind);
        let line = if let Some(cause) = habit_cause(f.kind) {
            let effects: Vec<String> = report
                .findings
                .iter()
                .filter(|g| g.explained_by.contains(&cause))
                .map(|g| tag(g.kind))
                .collect();
            if effects.is_empty() {
                say(rng, HABIT_ALONE, &[("tag", &t)])
            } else {
                say(
                    rng,
                    HABIT_CAUSE,
                    &[("tag", &t), ("effects", &join_list(&effects))],
                )
            }
        } else if f.explained_by.is_empty() {
            say(rng, NO_CAUSE, &[("tag", &t)])
        } else {
            let causes: Vec<String> = f
                .explained_by
                .iter()
                .map(|&c| cause_phrase(c, report))
                .collect();
            say(rng, CAUSE, &[("tag", &t), ("causes", &join_list(&causes))])
        };
        r.push(line);
    }

    r.push(pick(rng, INTRO_PRIORITY).to_string());
    if !ordered.is_empty() {
        let order: Vec<String> = ordered.iter().map(|f| tag(f.kind)).collect();
        r.push(format!("- Order: {}.", order.join(", ")));
    }
    if report.red_flags.is_empty() {
        r.push(pick(rng, NO_RED_FLAG_NOTE).to_string());
    } else {
        let flags: Vec<String> = report
            .red_flags
            .iter()
            .map(|f| format!("[{}]", f.kind.label()))
            .collect();
        r.push(say(rng, RED_FLAG_NOTE, &[("flags", &join_list(&flags))]));
    }

    let mut a = vec![ANSWER_MARKER.to_string()];
    if ordered.is_empty() {
        let head = if report.red_flags.is_empty() {
            HEALTHY_ANSWER
        } else {
            FLAG_WITHOUT_FINDING_ANSWER
        };
        a.push(pick(rng, head).to_string());
        for (i, options) in MAINTENANCE.iter().enumerate() {
            a.push(format!("{}. {}", i + 1, pick(rng, options)));
        }
    } else {
        a.push(pick(rng, ADVICE_HEAD).to_string());
        for (i, f) in ordered.iter().enumerate() {
            a.push(format!("{}. {}", i + 1, advice_line(rng, report, f)));
        }
    }
    if let Some(line) = referral_line(rng, &report.red_flags) {
        a.push(line);
    }
    Ok(TeacherOutput {
        rationale: r.join("\n"),
        answer: a.join("\n"),
    })
}
