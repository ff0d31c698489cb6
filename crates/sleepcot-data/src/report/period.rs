//! The period summary: means, abnormal-night counts and regularity over a report's nights.

use super::{NightSummary, PeriodSummary};
use crate::findings::{sleep_range_h, waso_limit_min};
use crate::persona::AgeGroup;

fn mean(values: impl Iterator<Item = f32>) -> f32 {
    let (sum, n) = values.fold((0.0f64, 0u32), |(s, n), v| (s + v as f64, n + 1));
    if n == 0 { 0.0 } else { (sum / n as f64) as f32 }
}

fn sd(values: impl Iterator<Item = f32> + Clone) -> f32 {
    let m = mean(values.clone()) as f64;
    let (ss, n) = values.fold((0.0f64, 0u32), |(s, n), v| {
        (s + (v as f64 - m).powi(2), n + 1)
    });
    if n < 2 {
        0.0
    } else {
        (ss / (n - 1) as f64).sqrt() as f32
    }
}

fn round2(x: f32) -> f32 {
    (x * 100.0).round() / 100.0
}

/// Summarises nights for a person of the given age group. All values are rounded to two
/// decimals so that reports print compactly; an empty slice gives zeros.
pub fn summarize_period(group: AgeGroup, nights: &[NightSummary]) -> PeriodSummary {
    let m = |f: fn(&NightSummary) -> f32| round2(mean(nights.iter().map(f)));
    let count = |f: &dyn Fn(&NightSummary) -> bool| nights.iter().filter(|n| f(n)).count() as u32;
    let min_sleep = sleep_range_h(group).0 * 60.0;
    let waso_limit = waso_limit_min(group);
    let midsleep = |n: &NightSummary| (n.bedtime_h + n.wake_time_h) / 2.0;
    let weekday = || nights.iter().filter(|n| !n.is_weekend);
    let weekend = || nights.iter().filter(|n| n.is_weekend);
    let weekday_mid = mean(weekday().map(midsleep));
    let weekend_mid = mean(weekend().map(midsleep));
    let jetlag = if weekday().next().is_some() && weekend().next().is_some() {
        weekend_mid - weekday_mid
    } else {
        0.0
    };
    let worst = nights
        .iter()
        .min_by(|a, b| a.spo2_nadir.total_cmp(&b.spo2_nadir));
    PeriodSummary {
        nights: nights.len() as u32,
        mean_time_in_bed_min: m(|n| n.time_in_bed_min),
        mean_total_sleep_min: m(|n| n.total_sleep_min),
        mean_efficiency_pct: m(|n| n.efficiency_pct),
        mean_onset_latency_min: m(|n| n.onset_latency_min),
        mean_waso_min: m(|n| n.waso_min),
        mean_awakenings: m(|n| n.awakenings as f32),
        mean_light_min: m(|n| n.light_min),
        mean_deep_min: m(|n| n.deep_min),
        mean_rem_min: m(|n| n.rem_min),
        mean_light_pct: m(|n| n.light_pct),
        mean_deep_pct: m(|n| n.deep_pct),
        mean_rem_pct: m(|n| n.rem_pct),
        mean_rem_latency_min: m(|n| n.rem_latency_min),
        min_rem_latency_min: if nights.is_empty() {
            0.0
        } else {
            nights
                .iter()
                .map(|n| n.rem_latency_min)
                .fold(f32::INFINITY, f32::min)
        },
        mean_resting_hr: m(|n| n.resting_hr),
        mean_hr: m(|n| n.mean_hr),
        mean_hrv_rmssd_ms: m(|n| n.hrv_rmssd_ms),
        mean_spo2: m(|n| n.spo2_mean),
        mean_spo2_nadir: m(|n| n.spo2_nadir),
        mean_odi: m(|n| n.odi),
        max_odi: nights.iter().map(|n| n.odi).fold(0.0, f32::max),
        mean_respiratory_rate: m(|n| n.respiratory_rate),
        mean_movement_index: m(|n| n.movement_index),
        mean_sleep_score: m(|n| n.sleep_score as f32),
        nights_short_sleep: count(&|n| n.total_sleep_min < min_sleep),
        nights_long_latency: count(&|n| n.onset_latency_min > 30.0),
        nights_high_waso: count(&|n| n.waso_min > waso_limit),
        nights_low_efficiency: count(&|n| n.efficiency_pct < 85.0),
        nights_soremp: count(&|n| n.rem_latency_min <= 15.0),
        nights_elevated_odi: count(&|n| n.odi >= 5.0),
        mean_bedtime_h: m(|n| n.bedtime_h),
        mean_wake_time_h: m(|n| n.wake_time_h),
        bedtime_sd_min: round2(sd(nights.iter().map(|n| n.bedtime_h)) * 60.0),
        wake_time_sd_min: round2(sd(nights.iter().map(|n| n.wake_time_h)) * 60.0),
        midsleep_sd_min: round2(sd(nights.iter().map(midsleep)) * 60.0),
        total_sleep_sd_min: round2(sd(nights.iter().map(|n| n.total_sleep_min))),
        weekday_midsleep_h: round2(weekday_mid),
        weekend_midsleep_h: round2(weekend_mid),
        social_jetlag_h: round2(jetlag),
        weekday_mean_total_sleep_min: round2(mean(weekday().map(|n| n.total_sleep_min))),
        weekend_mean_total_sleep_min: round2(mean(weekend().map(|n| n.total_sleep_min))),
        worst_spo2_night: worst.map_or(0, |n| n.night),
        worst_spo2_nadir: worst.map_or(0.0, |n| n.spo2_nadir),
    }
}
