//! The rule table: one entry per finding kind, each with its metric, age-specific norm and
//! source, and the evaluation that turns a period summary into findings.

use super::cause::explain;
use super::norms::{
    deep_share_min_pct, hrv_min_ms, max_awakenings, rem_share_min_pct, sleep_range_h,
    waso_limit_min,
};
use super::red_flags::{RedFlag, red_flags};
use super::{Finding, FindingKind};
use crate::persona::{AgeGroup, Persona, Severity};
use crate::report::{NightSummary, PeriodSummary};

/// Which side of the threshold is abnormal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Abnormal when value > threshold.
    Above,
    /// Abnormal when value >= threshold.
    AtLeast,
    /// Abnormal when value < threshold.
    Below,
    /// Abnormal when value <= threshold.
    AtMost,
}

impl Direction {
    /// Whether `value` is abnormal against `threshold`.
    pub fn fires(self, value: f32, threshold: f32) -> bool {
        match self {
            Direction::Above => value > threshold,
            Direction::AtLeast => value >= threshold,
            Direction::Below => value < threshold,
            Direction::AtMost => value <= threshold,
        }
    }
}

/// A norm for one age group: the threshold (in the metric's unit) and its wording.
#[derive(Debug, Clone, PartialEq)]
pub struct Norm {
    /// The threshold compared with the value.
    pub threshold: f32,
    /// The norm in words, naming the age group where it matters.
    pub text: String,
}

/// One rule of the table.
pub struct Rule {
    /// The finding this rule produces.
    pub kind: FindingKind,
    /// Name of the metric read (a `PeriodSummary` field, a `habits.*` field or a derived
    /// quantity described in `description`).
    pub metric: &'static str,
    /// What the rule checks, in one sentence.
    pub description: &'static str,
    /// Which side of the threshold is abnormal.
    pub direction: Direction,
    /// The age-specific norm.
    pub norm: fn(AgeGroup) -> Norm,
    /// Reads the metric; `None` when the rule does not apply to this persona.
    pub measure: fn(&Persona, &PeriodSummary) -> Option<f32>,
    /// Absolute deviations beyond the threshold at which the finding becomes moderate and
    /// severe.
    pub severity_steps: [f32; 2],
    /// Where the norm comes from.
    pub source_url: &'static str,
}

const NSF_DURATION: &str = "https://pubmed.ncbi.nlm.nih.gov/29073412/";
const NSF_QUALITY: &str = "https://pubmed.ncbi.nlm.nih.gov/28346153/";
const ARCHITECTURE: &str = "https://pubmed.ncbi.nlm.nih.gov/15586779/";
const REM_LATENCY: &str = "https://pmc.ncbi.nlm.nih.gov/articles/PMC11217630/table/t1";
const ODI: &str = "https://doi.org/10.1213/ANE.0b013e318248f4f5";
const SPO2: &str = "https://pubmed.ncbi.nlm.nih.gov/8989066/";
const REGULARITY: &str = "https://pmc.ncbi.nlm.nih.gov/articles/PMC6154967";
const SOCIAL_JETLAG: &str = "https://www.cell.com/current-biology/fulltext/S0960-9822(12)00325-9";
const DSWPD: &str = "https://pmc.ncbi.nlm.nih.gov/articles/PMC5803043";
const RESTING_HR: &str =
    "https://journals.plos.org/plosone/article?id=10.1371/journal.pone.0227709";
const HRV: &str = "https://doi.org/10.1093/ehjci/ehaa946.3463";
const PLMI: &str = "https://pmc.ncbi.nlm.nih.gov/articles/PMC9619152/table/t0020";
const CAFFEINE: &str = "https://pmc.ncbi.nlm.nih.gov/articles/PMC3805807";
const ALCOHOL: &str = "https://pubmed.ncbi.nlm.nih.gov/39631226/";
const EXERCISE: &str = "https://doi.org/10.1007/s40279-018-1015-0";
const SCREENS: &str = "https://pmc.ncbi.nlm.nih.gov/articles/PMC4313820";
const NAPS: &str = "https://pubmed.ncbi.nlm.nih.gov/11322712/";

fn norm(threshold: f32, text: impl Into<String>) -> Norm {
    Norm {
        threshold,
        text: text.into(),
    }
}

/// Whether the person is known not to work shifts: a rule about the timing of sleep does not
/// fire for a shift worker, nor for a person whose schedule was not given.
fn not_shift(p: &Persona) -> bool {
    p.known_not_shift_work()
}

/// The rule table. Metric rules read the period summary; behaviour rules read the persona's
/// habits. Order matches [`FindingKind::ALL`].
pub static RULES: &[Rule] = &[
    Rule {
        kind: FindingKind::ShortSleep,
        metric: "mean_total_sleep_min",
        description: "Mean total sleep is below the minimum recommended for the age group.",
        direction: Direction::Below,
        norm: |g| {
            let (lo, hi) = sleep_range_h(g);
            norm(lo * 60.0, format!("{lo:.0}-{hi:.0} h for {}", g.label()))
        },
        measure: |_, p| Some(p.mean_total_sleep_min),
        severity_steps: [45.0, 90.0],
        source_url: NSF_DURATION,
    },
    Rule {
        kind: FindingKind::LongOnsetLatency,
        metric: "mean_onset_latency_min",
        description: "Falling asleep takes more than 30 minutes on average.",
        direction: Direction::Above,
        norm: |_| norm(30.0, "30 min or less to fall asleep at all ages"),
        measure: |_, p| p.mean_onset_latency_min,
        severity_steps: [15.0, 30.0],
        source_url: NSF_QUALITY,
    },
    Rule {
        kind: FindingKind::HighWaso,
        metric: "mean_waso_min",
        description: "Time awake after sleep onset exceeds the age limit on average.",
        direction: Direction::Above,
        norm: |g| {
            let limit = waso_limit_min(g);
            norm(
                limit,
                format!(
                    "{limit:.0} min or less awake after sleep onset for {}",
                    g.label()
                ),
            )
        },
        measure: |_, p| p.mean_waso_min,
        severity_steps: [20.0, 45.0],
        source_url: NSF_QUALITY,
    },
    Rule {
        kind: FindingKind::FrequentAwakenings,
        metric: "mean_awakenings",
        description: "Awakenings of 5 minutes or more per night exceed the age limit on average.",
        direction: Direction::Above,
        norm: |g| {
            let most = max_awakenings(g);
            norm(
                most,
                format!(
                    "at most {most:.0} awakening(s) of 5+ min per night for {}",
                    g.label()
                ),
            )
        },
        measure: |_, p| p.mean_awakenings,
        severity_steps: [1.0, 2.5],
        source_url: NSF_QUALITY,
    },
    Rule {
        kind: FindingKind::LowEfficiency,
        metric: "mean_efficiency_pct",
        description: "Less than 85 % of the time in bed is spent asleep on average.",
        direction: Direction::Below,
        norm: |_| norm(85.0, "sleep efficiency of 85% or more at all ages"),
        measure: |_, p| Some(p.mean_efficiency_pct),
        severity_steps: [10.0, 20.0],
        source_url: NSF_QUALITY,
    },
    Rule {
        kind: FindingKind::LowDeepSleep,
        metric: "mean_deep_pct",
        description: "Deep sleep is a smaller share of total sleep than usual for the age group (informational).",
        direction: Direction::Below,
        norm: |g| {
            let min = deep_share_min_pct(g);
            norm(
                min,
                format!("deep sleep at least {min:.0}% of sleep for {}", g.label()),
            )
        },
        measure: |_, p| p.mean_deep_pct,
        severity_steps: [4.0, 8.0],
        source_url: ARCHITECTURE,
    },
    Rule {
        kind: FindingKind::LowRemShare,
        metric: "mean_rem_pct",
        description: "REM sleep is a smaller share of total sleep than usual (informational).",
        direction: Direction::Below,
        norm: |g| {
            let min = rem_share_min_pct(g);
            norm(
                min,
                format!(
                    "REM sleep about 20-25% of sleep, at least {min:.0}% for {}",
                    g.label()
                ),
            )
        },
        measure: |_, p| p.mean_rem_pct,
        severity_steps: [4.0, 8.0],
        source_url: ARCHITECTURE,
    },
    Rule {
        kind: FindingKind::ShortRemLatency,
        metric: "min_rem_latency_min",
        description: "REM sleep began within 15 minutes of sleep onset on at least one night (SOREMP).",
        direction: Direction::AtMost,
        norm: |_| {
            norm(
                15.0,
                "REM latency of about 60-120 min; 15 min or less is a sleep-onset REM period",
            )
        },
        measure: |_, p| p.min_rem_latency_min,
        severity_steps: [5.0, 10.0],
        source_url: REM_LATENCY,
    },
    Rule {
        kind: FindingKind::ElevatedOdi,
        metric: "mean_odi",
        description: "Oxygen desaturations of 4 points or more occur 5 or more times per hour of sleep.",
        direction: Direction::AtLeast,
        norm: |_| {
            norm(
                5.0,
                "fewer than 5 desaturations per hour (15+ moderate, 30+ severe)",
            )
        },
        measure: |_, p| p.mean_odi,
        severity_steps: [10.0, 25.0],
        source_url: ODI,
    },
    Rule {
        kind: FindingKind::LowSpo2Nadir,
        metric: "mean_spo2_nadir",
        description: "The lowest night-time SpO2 is below 88 % on average.",
        direction: Direction::Below,
        norm: |_| {
            norm(
                88.0,
                "nightly SpO2 nadir around 90% in healthy sleepers, not below 88%",
            )
        },
        measure: |_, p| p.mean_spo2_nadir,
        severity_steps: [3.0, 6.0],
        source_url: SPO2,
    },
    Rule {
        kind: FindingKind::IrregularSchedule,
        metric: "midsleep_sd_min",
        description: "Mid-sleep time varies by more than an hour (standard deviation) across nights.",
        direction: Direction::Above,
        norm: |_| norm(60.0, "mid-sleep standard deviation of 60 min or less"),
        measure: |_, p| p.midsleep_sd_min,
        severity_steps: [30.0, 90.0],
        source_url: REGULARITY,
    },
    Rule {
        kind: FindingKind::SocialJetlag,
        metric: "social_jetlag_min",
        description: "Mid-sleep on weekend nights is 60 minutes or more later than on work nights (needs both kinds of night).",
        direction: Direction::AtLeast,
        norm: |_| {
            norm(
                60.0,
                "less than 60 min between weekend and work-night mid-sleep",
            )
        },
        measure: |p, s| s.social_jetlag_min.filter(|_| not_shift(p)),
        severity_steps: [30.0, 60.0],
        source_url: SOCIAL_JETLAG,
    },
    Rule {
        kind: FindingKind::LateSleepPhase,
        metric: "mean_bedtime_h",
        description: "Habitual bedtime is after 01:00 (01:30 for teenagers and young adults) without shift work.",
        direction: Direction::Above,
        norm: |g| match g {
            AgeGroup::Adolescent | AgeGroup::YoungAdult => norm(
                25.5,
                format!("bedtime before about 01:30 for {}", g.label()),
            ),
            _ => norm(
                25.0,
                format!("bedtime before about 01:00 for {}", g.label()),
            ),
        },
        measure: |p, s| not_shift(p).then_some(s.mean_bedtime_h),
        severity_steps: [1.0, 2.0],
        source_url: DSWPD,
    },
    Rule {
        kind: FindingKind::ElevatedRestingHr,
        metric: "mean_resting_hr",
        description: "The lowest sleeping heart rate is above 72 bpm on average.",
        direction: Direction::Above,
        norm: |_| {
            norm(
                72.0,
                "lowest sleeping heart rate typically 48-66 bpm (population resting mean 65)",
            )
        },
        measure: |_, p| p.mean_resting_hr,
        severity_steps: [6.0, 12.0],
        source_url: RESTING_HR,
    },
    Rule {
        kind: FindingKind::LowHrv,
        metric: "mean_hrv_rmssd_ms",
        description: "Night-time RMSSD is below the typical range for the age group.",
        direction: Direction::Below,
        norm: |g| {
            let min = hrv_min_ms(g);
            norm(
                min,
                format!("night-time RMSSD above about {min:.0} ms for {}", g.label()),
            )
        },
        measure: |_, p| p.mean_hrv_rmssd_ms,
        severity_steps: [5.0, 10.0],
        source_url: HRV,
    },
    Rule {
        kind: FindingKind::HighMovement,
        metric: "mean_movement_index",
        description: "More than 15 restless epochs per hour of sleep (a limb-movement index analogue).",
        direction: Direction::Above,
        norm: |_| norm(15.0, "15 or fewer movement events per hour of sleep"),
        measure: |_, p| p.mean_movement_index,
        severity_steps: [10.0, 25.0],
        source_url: PLMI,
    },
    Rule {
        kind: FindingKind::LateCaffeine,
        metric: "minutes_from_last_caffeine_to_bed",
        description: "The last caffeine (habits.last_caffeine_hour) is less than 360 minutes (6 h) before the mean bedtime.",
        direction: Direction::Below,
        norm: |_| norm(360.0, "no caffeine in the 360 min (6 h) before bed"),
        measure: |p, s| p.known_habits()?.caffeine_gap_min(s.mean_bedtime_h),
        severity_steps: [120.0, 240.0],
        source_url: CAFFEINE,
    },
    Rule {
        kind: FindingKind::EveningAlcohol,
        metric: "habits.evening_drinks",
        description: "One or more alcoholic drinks in the evening before bed.",
        direction: Direction::AtLeast,
        norm: |_| {
            norm(
                1.0,
                "no alcohol close to bedtime (even 2 drinks reduce REM sleep)",
            )
        },
        measure: |p, _| p.known_habits().map(|h| h.evening_drinks),
        severity_steps: [1.0, 2.5],
        source_url: ALCOHOL,
    },
    Rule {
        kind: FindingKind::LateExercise,
        metric: "habits.evening_exercise_end_before_bed_min",
        description: "The usual evening exercise session ends 60 minutes or less before bed.",
        direction: Direction::AtMost,
        norm: |_| norm(60.0, "vigorous exercise ending more than 60 min before bed"),
        measure: |p, _| {
            p.known_habits()?
                .evening_exercise_end_before_bed_min
                .map(|m| m as f32)
        },
        severity_steps: [20.0, 40.0],
        source_url: EXERCISE,
    },
    Rule {
        kind: FindingKind::EveningScreens,
        metric: "habits.evening_screen_minutes",
        description: "An hour or more of screen use in the two hours before bed.",
        direction: Direction::AtLeast,
        norm: |_| {
            norm(
                60.0,
                "under 60 min of screens in the 2 h before bed (screens off about 1 h before bed)",
            )
        },
        measure: |p, _| p.known_habits().map(|h| h.evening_screen_minutes as f32),
        severity_steps: [45.0, 90.0],
        source_url: SCREENS,
    },
    Rule {
        kind: FindingKind::LongNaps,
        metric: "habits.nap_minutes",
        description: "Naps longer than 30 minutes on two or more days a week.",
        direction: Direction::Above,
        norm: |_| norm(30.0, "naps of 20-30 min at most"),
        measure: |p, _| {
            let h = p.known_habits()?;
            (h.naps_per_week >= 2).then_some(h.nap_minutes as f32)
        },
        severity_steps: [30.0, 60.0],
        source_url: NAPS,
    },
];

/// The rule that produces `kind`.
pub fn rule_for(kind: FindingKind) -> &'static Rule {
    RULES
        .iter()
        .find(|r| r.kind == kind)
        .expect("every finding kind has exactly one rule (checked by a test)")
}

impl Rule {
    /// The rule's value when it is measured, finite and abnormal for the age group.
    fn abnormal_value(&self, persona: &Persona, period: &PeriodSummary) -> Option<(f32, Norm)> {
        let value = (self.measure)(persona, period).filter(|v| v.is_finite())?;
        let norm = (self.norm)(persona.age_group());
        self.direction
            .fires(value, norm.threshold)
            .then_some((value, norm))
    }

    /// Whether the rule fires on this persona and period.
    pub fn fires(&self, persona: &Persona, period: &PeriodSummary) -> bool {
        self.abnormal_value(persona, period).is_some()
    }

    /// Applies the rule; `Some(finding)` when the persona's value is abnormal. The period's
    /// values are rounded as the report displays them, so the decision follows the value a
    /// reader sees.
    pub fn apply(&self, persona: &Persona, period: &PeriodSummary) -> Option<Finding> {
        let (value, Norm { threshold, text }) = self.abnormal_value(persona, period)?;
        // Rounded to hundredths so that reports print without float noise.
        let deviation = ((value - threshold) * 100.0).round() / 100.0;
        let magnitude = deviation.abs();
        let severity = if magnitude >= self.severity_steps[1] {
            Severity::Severe
        } else if magnitude >= self.severity_steps[0] {
            Severity::Moderate
        } else {
            Severity::Mild
        };
        Some(Finding {
            kind: self.kind,
            metric: self.metric.to_string(),
            value,
            norm: text,
            threshold,
            deviation,
            severity,
            explained_by: explain(self.kind, persona, period),
            source_url: self.source_url.to_string(),
        })
    }
}

/// Applies every rule of [`RULES`] and the red-flag checks: the ground truth of a report.
pub fn evaluate(
    persona: &Persona,
    period: &PeriodSummary,
    nights: &[NightSummary],
) -> (Vec<Finding>, Vec<RedFlag>) {
    let findings = RULES
        .iter()
        .filter_map(|r| r.apply(persona, period))
        .collect();
    (findings, red_flags(persona, period, nights))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_rule_per_kind_in_order_with_a_source() {
        let kinds: Vec<FindingKind> = RULES.iter().map(|r| r.kind).collect();
        assert_eq!(kinds, FindingKind::ALL.to_vec());
        for r in RULES {
            assert!(r.source_url.starts_with("http"), "{:?}", r.kind);
            assert!(r.severity_steps[0] < r.severity_steps[1], "{:?}", r.kind);
            assert!(!r.kind.label().is_empty() && !r.kind.keywords().is_empty());
        }
    }
}
