//! The period summary: means, abnormal-night counts and regularity over a report's nights.

use super::{NightSummary, PeriodSummary};
use crate::findings::{sleep_range_h, waso_limit_min};
use crate::persona::AgeGroup;

fn mean(values: impl Iterator<Item = f32>) -> f32 {
    let (sum, n) = values.fold((0.0f64, 0u32), |(s, n), v| (s + v as f64, n + 1));
    if n == 0 { 0.0 } else { (sum / n as f64) as f32 }
}

/// The sample standard deviation; `None` (not measured) with fewer than two values.
fn sd(values: impl Iterator<Item = f32> + Clone) -> Option<f32> {
    let m = mean(values.clone()) as f64;
    let (ss, n) = values.fold((0.0f64, 0u32), |(s, n), v| {
        (s + (v as f64 - m).powi(2), n + 1)
    });
    (n >= 2).then(|| (ss / (n - 1) as f64).sqrt() as f32)
}

/// Rounds to `decimals` places, half away from zero, as the report displays the value
/// ([`crate::teacher::format`]); decisions on the rounded value follow what a reader sees.
pub(crate) fn round_to(x: f32, decimals: i32) -> f32 {
    let scale = 10f64.powi(decimals);
    ((x as f64 * scale).round() / scale) as f32
}

/// A clock hour rounded to the whole minute.
fn to_minute(hours: f32) -> f32 {
    ((hours as f64 * 60.0).round() / 60.0) as f32
}

/// Summarises nights for a person of the given age group. Every value is rounded to the
/// precision the report displays it with (whole minutes, bpm and ms; one decimal for shares,
/// rates and counts per night; clock times to the minute), so a rule decides on exactly the
/// number a reader sees. A mean is `None` when no night measured the value, and averages over
/// work or weekend nights are `None` when there was no such night; counts of abnormal nights
/// count the nights that measured the value. Other fields of an empty slice are zero.
pub fn summarize_period(group: AgeGroup, nights: &[NightSummary]) -> PeriodSummary {
    let m =
        |f: fn(&NightSummary) -> f32, decimals: i32| round_to(mean(nights.iter().map(f)), decimals);
    // The mean of a signal over the nights that measured it.
    let om = |f: fn(&NightSummary) -> Option<f32>, decimals: i32| {
        let values: Vec<f32> = nights.iter().filter_map(f).collect();
        (!values.is_empty()).then(|| round_to(mean(values.into_iter()), decimals))
    };
    let count = |f: &dyn Fn(&NightSummary) -> bool| nights.iter().filter(|n| f(n)).count() as u32;
    let min_sleep = sleep_range_h(group).0 * 60.0;
    let waso_limit = waso_limit_min(group);
    let midsleep = |n: &NightSummary| (n.bedtime_h + n.wake_time_h) / 2.0;
    let weekday = || nights.iter().filter(|n| !n.is_weekend);
    let weekend = || nights.iter().filter(|n| n.is_weekend);
    let some_mean = |it: &mut dyn Iterator<Item = f32>| {
        let values: Vec<f32> = it.collect();
        (!values.is_empty()).then(|| mean(values.into_iter()))
    };
    let weekday_mid = some_mean(&mut weekday().map(midsleep)).map(to_minute);
    let weekend_mid = some_mean(&mut weekend().map(midsleep)).map(to_minute);
    let jetlag = weekday_mid
        .zip(weekend_mid)
        .map(|(work, free)| super::minutes_between_clocks(work, free) as f32);
    let worst = nights
        .iter()
        .filter_map(|n| n.spo2_nadir.map(|v| (n.night, v)))
        .min_by(|a, b| a.1.total_cmp(&b.1));
    let min_of = |f: fn(&NightSummary) -> Option<f32>| nights.iter().filter_map(f).reduce(f32::min);
    PeriodSummary {
        nights: nights.len() as u32,
        mean_time_in_bed_min: m(|n| n.time_in_bed_min, 0),
        mean_total_sleep_min: m(|n| n.total_sleep_min, 0),
        mean_efficiency_pct: m(|n| n.efficiency_pct, 1),
        mean_onset_latency_min: om(|n| n.onset_latency_min, 0),
        mean_waso_min: om(|n| n.waso_min, 0),
        mean_awakenings: om(|n| n.awakenings.map(|a| a as f32), 1),
        mean_light_min: om(|n| n.light_min, 0),
        mean_deep_min: om(|n| n.deep_min, 0),
        mean_rem_min: om(|n| n.rem_min, 0),
        mean_light_pct: om(|n| n.light_pct, 1),
        mean_deep_pct: om(|n| n.deep_pct, 1),
        mean_rem_pct: om(|n| n.rem_pct, 1),
        mean_rem_latency_min: om(|n| n.rem_latency_min, 0),
        min_rem_latency_min: min_of(|n| n.rem_latency_min),
        mean_resting_hr: om(|n| n.resting_hr, 0),
        mean_hr: om(|n| n.mean_hr, 1),
        mean_hrv_rmssd_ms: om(|n| n.hrv_rmssd_ms, 0),
        mean_spo2: om(|n| n.spo2_mean, 1),
        mean_spo2_nadir: om(|n| n.spo2_nadir, 1),
        mean_odi: om(|n| n.odi, 1),
        max_odi: nights.iter().filter_map(|n| n.odi).reduce(f32::max),
        mean_respiratory_rate: om(|n| n.respiratory_rate, 1),
        mean_movement_index: om(|n| n.movement_index, 1),
        mean_sleep_score: om(|n| n.sleep_score.map(|s| s as f32), 0),
        nights_short_sleep: count(&|n| n.total_sleep_min < min_sleep),
        nights_long_latency: count(&|n| n.onset_latency_min.is_some_and(|v| v > 30.0)),
        nights_high_waso: count(&|n| n.waso_min.is_some_and(|v| v > waso_limit)),
        nights_low_efficiency: count(&|n| n.efficiency_pct < 85.0),
        nights_soremp: count(&|n| n.rem_latency_min.is_some_and(|v| v <= 15.0)),
        nights_elevated_odi: count(&|n| n.odi.is_some_and(|v| v >= 5.0)),
        mean_bedtime_h: to_minute(mean(nights.iter().map(|n| n.bedtime_h))),
        mean_wake_time_h: to_minute(mean(nights.iter().map(|n| n.wake_time_h))),
        bedtime_sd_min: sd(nights.iter().map(|n| n.bedtime_h)).map(|v| round_to(v * 60.0, 0)),
        wake_time_sd_min: sd(nights.iter().map(|n| n.wake_time_h)).map(|v| round_to(v * 60.0, 0)),
        midsleep_sd_min: sd(nights.iter().map(midsleep)).map(|v| round_to(v * 60.0, 0)),
        total_sleep_sd_min: sd(nights.iter().map(|n| n.total_sleep_min)).map(|v| round_to(v, 0)),
        weekday_midsleep_h: weekday_mid,
        weekend_midsleep_h: weekend_mid,
        social_jetlag_min: jetlag,
        weekday_mean_total_sleep_min: some_mean(&mut weekday().map(|n| n.total_sleep_min))
            .map(|v| round_to(v, 0)),
        weekend_mean_total_sleep_min: some_mean(&mut weekend().map(|n| n.total_sleep_min))
            .map(|v| round_to(v, 0)),
        worst_spo2_night: worst.map(|(night, _)| night),
        worst_spo2_nadir: worst.map(|(_, v)| v),
    }
}
