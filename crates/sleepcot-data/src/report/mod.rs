//! Wearable-style sleep reports: per-night summaries, a period summary and the ground truth.
//!
//! A [`Report`] is what a sleep app would export for one person over several nights, plus
//! the ground truth that makes automatic evaluation possible: the findings (which metrics are
//! abnormal for this age and which condition or habit explains them) and the red flags that
//! need a physician. Reports are built only by [`build_report`] / [`generate_reports`], which
//! simulate the nights and evaluate the rule table in [`crate::findings`].
//!
//! # Clock convention
//! Bed and wake times are clock hours as `f32` counted from the midnight that *starts the
//! calendar day of the evening* the night belongs to. A bedtime of 23.5 is 23:30, a bedtime of
//! 25.0 is 01:00 the next morning, and the wake time of the same night is e.g. 31.0 (07:00 the
//! next morning). Bedtimes lie in `[12, 36)`; a night-shift worker going to bed at 08:30 after a
//! night shift has bedtime 32.5. Wake time is always bedtime + time in bed. Use
//! [`clock_label`] to print such a value as `HH:MM`.

mod build;
mod period;
mod score;

pub use build::{build_report, build_report_with_nights, generate_reports};
pub(crate) use period::round_to;
pub use period::summarize_period;
pub use score::sleep_score;

use serde::{Deserialize, Serialize};

use crate::findings::{Finding, RedFlag};
use crate::persona::Persona;

/// Day of the week on which a night's evening falls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    /// Monday.
    Monday,
    /// Tuesday.
    Tuesday,
    /// Wednesday.
    Wednesday,
    /// Thursday.
    Thursday,
    /// Friday (a weekend night: the next day is free).
    Friday,
    /// Saturday (a weekend night).
    Saturday,
    /// Sunday (a work night: the next day is Monday).
    Sunday,
}

impl Weekday {
    /// The weekday of night `index` when night 0 is a Monday.
    pub fn of_night(index: u32) -> Weekday {
        match index % 7 {
            0 => Weekday::Monday,
            1 => Weekday::Tuesday,
            2 => Weekday::Wednesday,
            3 => Weekday::Thursday,
            4 => Weekday::Friday,
            5 => Weekday::Saturday,
            _ => Weekday::Sunday,
        }
    }

    /// Whether the following morning is free (Friday and Saturday nights).
    pub fn is_weekend_night(self) -> bool {
        matches!(self, Weekday::Friday | Weekday::Saturday)
    }
}

/// Formats a clock-hour value of the report convention (see the module docs) as `HH:MM`.
pub fn clock_label(hours: f32) -> String {
    let minutes = clock_minutes(hours);
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// The clock time of `hours` (report convention) in whole minutes since midnight, as
/// [`clock_label`] displays it.
pub fn clock_minutes(hours: f32) -> u32 {
    (hours as f64 * 60.0).round().rem_euclid(24.0 * 60.0) as u32
}

/// Minutes from the clock time `from` to the later clock time `to`, both as displayed (whole
/// minutes, wrapped onto one day): what a reader computes from two `HH:MM` values. A `from`
/// up to 6 h after `to` (caffeine after bedtime, say) counts as 0 rather than as most of a day.
pub fn minutes_between_clocks(from: f32, to: f32) -> u32 {
    minutes_between(clock_minutes(from), clock_minutes(to))
}

/// [`minutes_between_clocks`] on clock times already in whole minutes since midnight.
fn minutes_between(from_min: u32, to_min: u32) -> u32 {
    let day = 24 * 60;
    let d = (to_min + day - from_min % day) % day;
    if d > 18 * 60 { 0 } else { d }
}

/// One night as a wearable would summarise it. Every value of a simulated night is computed from
/// its 30-second epochs and signals; an imported night has `None` ("not measured") wherever the
/// device did not record the value. Times in bed and asleep, and the efficiency, are always
/// known.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NightSummary {
    /// Night index within the report, from 0; night 0 is a Monday.
    pub night: u32,
    /// Day of the week of the evening.
    pub weekday: Weekday,
    /// Whether the next morning is free (Friday and Saturday nights).
    pub is_weekend: bool,
    /// Lights-out time in clock hours (module docs: may exceed 24).
    pub bedtime_h: f32,
    /// Final rise time in clock hours, equal to `bedtime_h + time_in_bed_min / 60`.
    pub wake_time_h: f32,
    /// Minutes from lights-out to rising.
    pub time_in_bed_min: f32,
    /// Minutes asleep (N1 + N2 + N3 + REM).
    pub total_sleep_min: f32,
    /// `100 * total_sleep_min / time_in_bed_min`.
    pub efficiency_pct: f32,
    /// Minutes from lights-out to the first sleep epoch.
    pub onset_latency_min: Option<f32>,
    /// Wake minutes between sleep onset and the final awakening.
    pub waso_min: Option<f32>,
    /// Wake bouts of at least 5 minutes between sleep onset and the final awakening.
    pub awakenings: Option<u32>,
    /// Minutes of light sleep (N1 + N2).
    pub light_min: Option<f32>,
    /// Minutes of deep sleep (N3).
    pub deep_min: Option<f32>,
    /// Minutes of REM sleep.
    pub rem_min: Option<f32>,
    /// Light sleep as a percentage of total sleep.
    pub light_pct: Option<f32>,
    /// Deep sleep as a percentage of total sleep.
    pub deep_pct: Option<f32>,
    /// REM sleep as a percentage of total sleep.
    pub rem_pct: Option<f32>,
    /// Minutes from sleep onset to the first REM epoch (the whole sleep period if no REM).
    pub rem_latency_min: Option<f32>,
    /// Lowest 5-minute average heart rate during sleep, in bpm.
    pub resting_hr: Option<f32>,
    /// Mean heart rate during sleep, in bpm.
    pub mean_hr: Option<f32>,
    /// Mean RMSSD during sleep, in ms.
    pub hrv_rmssd_ms: Option<f32>,
    /// Mean SpO2 during sleep, in %.
    pub spo2_mean: Option<f32>,
    /// Lowest SpO2 during sleep, in %.
    pub spo2_nadir: Option<f32>,
    /// Oxygen desaturation index: drops of at least 4 points below baseline per hour of sleep.
    pub odi: Option<f32>,
    /// Mean breathing rate during sleep, breaths per minute.
    pub respiratory_rate: Option<f32>,
    /// Restless epochs (movement detected during sleep) per hour of sleep.
    pub movement_index: Option<f32>,
    /// Overall sleep score 0-100 (see [`sleep_score`] for the formula).
    pub sleep_score: Option<u32>,
}

/// Summary over all nights of a report: means, counts of abnormal nights, regularity. A mean is
/// `None` ("not measured") when no night measured the value; counts of abnormal nights count
/// only the nights that measured it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodSummary {
    /// Number of nights.
    pub nights: u32,
    /// Mean time in bed, minutes.
    pub mean_time_in_bed_min: f32,
    /// Mean total sleep, minutes.
    pub mean_total_sleep_min: f32,
    /// Mean sleep efficiency, %.
    pub mean_efficiency_pct: f32,
    /// Mean onset latency, minutes.
    pub mean_onset_latency_min: Option<f32>,
    /// Mean WASO, minutes.
    pub mean_waso_min: Option<f32>,
    /// Mean number of awakenings of at least 5 minutes.
    pub mean_awakenings: Option<f32>,
    /// Mean light-sleep minutes.
    pub mean_light_min: Option<f32>,
    /// Mean deep-sleep minutes.
    pub mean_deep_min: Option<f32>,
    /// Mean REM minutes.
    pub mean_rem_min: Option<f32>,
    /// Mean light share of total sleep, %.
    pub mean_light_pct: Option<f32>,
    /// Mean deep share of total sleep, %.
    pub mean_deep_pct: Option<f32>,
    /// Mean REM share of total sleep, %.
    pub mean_rem_pct: Option<f32>,
    /// Mean REM latency, minutes.
    pub mean_rem_latency_min: Option<f32>,
    /// Shortest REM latency of any night, minutes.
    pub min_rem_latency_min: Option<f32>,
    /// Mean resting (lowest 5-minute) heart rate, bpm.
    pub mean_resting_hr: Option<f32>,
    /// Mean sleeping heart rate, bpm.
    pub mean_hr: Option<f32>,
    /// Mean RMSSD, ms.
    pub mean_hrv_rmssd_ms: Option<f32>,
    /// Mean SpO2, %.
    pub mean_spo2: Option<f32>,
    /// Mean of the nightly SpO2 nadirs, %.
    pub mean_spo2_nadir: Option<f32>,
    /// Mean ODI, events per hour.
    pub mean_odi: Option<f32>,
    /// Highest nightly ODI, events per hour.
    pub max_odi: Option<f32>,
    /// Mean breathing rate, per minute.
    pub mean_respiratory_rate: Option<f32>,
    /// Mean movement index, restless epochs per hour of sleep.
    pub mean_movement_index: Option<f32>,
    /// Mean sleep score.
    pub mean_sleep_score: Option<f32>,
    /// Nights with total sleep below the minimum recommended for the age group.
    pub nights_short_sleep: u32,
    /// Nights with onset latency above 30 minutes.
    pub nights_long_latency: u32,
    /// Nights with WASO above the age limit (20 minutes, 30 from age 65).
    pub nights_high_waso: u32,
    /// Nights with efficiency below 85 %.
    pub nights_low_efficiency: u32,
    /// Nights with a sleep-onset REM period (REM latency of 15 minutes or less).
    pub nights_soremp: u32,
    /// Nights with ODI of 5 per hour or more.
    pub nights_elevated_odi: u32,
    /// Mean bedtime, clock hours (report convention).
    pub mean_bedtime_h: f32,
    /// Mean wake time, clock hours (report convention).
    pub mean_wake_time_h: f32,
    /// Standard deviation of bedtimes, minutes (schedule regularity).
    pub bedtime_sd_min: Option<f32>,
    /// Standard deviation of wake times, minutes.
    pub wake_time_sd_min: Option<f32>,
    /// Standard deviation of mid-sleep times, minutes.
    pub midsleep_sd_min: Option<f32>,
    /// Standard deviation of total sleep, minutes.
    pub total_sleep_sd_min: Option<f32>,
    /// Mean mid-sleep time on work nights, clock hours to the minute; `None` (not measured)
    /// without a work night.
    pub weekday_midsleep_h: Option<f32>,
    /// Mean mid-sleep time on weekend nights, clock hours to the minute; `None` (not
    /// measured) without a weekend night.
    pub weekend_midsleep_h: Option<f32>,
    /// Social jetlag: weekend minus work-night mid-sleep as displayed, whole minutes; `None`
    /// without both kinds of night.
    pub social_jetlag_min: Option<f32>,
    /// Mean total sleep on work nights, minutes; `None` without a work night.
    pub weekday_mean_total_sleep_min: Option<f32>,
    /// Mean total sleep on weekend nights, minutes; `None` without a weekend night.
    pub weekend_mean_total_sleep_min: Option<f32>,
    /// Index of the night with the lowest SpO2 nadir.
    pub worst_spo2_night: Option<u32>,
    /// That night's nadir, %.
    pub worst_spo2_nadir: Option<f32>,
}

impl PeriodSummary {
    /// The averaged signals no night measured, by the names the report's averages line uses
    /// (a device without an oximeter has no SpO2, SpO2 low or ODI).
    pub fn not_measured(&self) -> Vec<&'static str> {
        [
            ("latency", self.mean_onset_latency_min),
            ("WASO", self.mean_waso_min),
            ("awakenings", self.mean_awakenings),
            ("light", self.mean_light_pct),
            ("deep", self.mean_deep_pct),
            ("REM", self.mean_rem_pct),
            ("REM latency", self.mean_rem_latency_min),
            ("resting HR", self.mean_resting_hr),
            ("HRV", self.mean_hrv_rmssd_ms),
            ("SpO2", self.mean_spo2),
            ("SpO2 low", self.mean_spo2_nadir),
            ("ODI", self.mean_odi),
            ("breathing", self.mean_respiratory_rate),
            ("movement", self.mean_movement_index),
            ("score", self.mean_sleep_score),
        ]
        .into_iter()
        .filter(|(_, v)| v.is_none())
        .map(|(name, _)| name)
        .collect()
    }
}

/// A complete report: the persona (self-reported context), the nights, the period summary and
/// the ground truth (findings and red flags).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Report identifier, `r<persona index>` zero-padded to six digits.
    pub id: String,
    /// The person the nights belong to.
    pub persona: Persona,
    /// One summary per night, in order.
    pub nights: Vec<NightSummary>,
    /// Summary over all nights.
    pub period: PeriodSummary,
    /// Ground-truth findings from the rule table.
    pub findings: Vec<Finding>,
    /// Ground-truth red flags that warrant a physician.
    pub red_flags: Vec<RedFlag>,
}
