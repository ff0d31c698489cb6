//! Age-specific norms shared by the rule table, the period summary and the simulator.
//!
//! Sources: NSF 2015 duration bands and AASM 2016 (teens), NSF 2017 sleep-quality indicators
//! (latency, WASO, awakenings, efficiency), Medscape / Ohayon 2004 for stage shares.

use crate::persona::AgeGroup;

/// Recommended nightly sleep (min, max) in hours for the age group.
pub fn sleep_range_h(group: AgeGroup) -> (f32, f32) {
    match group {
        AgeGroup::Adolescent => (8.0, 10.0),
        AgeGroup::YoungAdult | AgeGroup::Adult => (7.0, 9.0),
        AgeGroup::OlderAdult => (7.0, 8.0),
    }
}

/// Highest WASO still counted as good quality: 20 minutes, 30 from age 65.
pub fn waso_limit_min(group: AgeGroup) -> f32 {
    if group == AgeGroup::OlderAdult {
        30.0
    } else {
        20.0
    }
}

/// Most awakenings of 5+ minutes per night still counted as good: 1, or 2 from age 65.
pub fn max_awakenings(group: AgeGroup) -> f32 {
    if group == AgeGroup::OlderAdult {
        2.0
    } else {
        1.0
    }
}

/// Lowest deep-sleep share (% of total sleep) treated as typical for the age group.
pub fn deep_share_min_pct(group: AgeGroup) -> f32 {
    match group {
        AgeGroup::Adolescent => 15.0,
        AgeGroup::YoungAdult => 12.0,
        AgeGroup::Adult => 9.0,
        AgeGroup::OlderAdult => 5.0,
    }
}

/// Lowest REM share (% of total sleep) treated as typical for the age group.
pub fn rem_share_min_pct(group: AgeGroup) -> f32 {
    match group {
        AgeGroup::OlderAdult => 15.0,
        _ => 17.0,
    }
}

/// Lowest night-time RMSSD (ms) treated as typical for the age group (a placeholder band, see
/// the reference's caveat on age-banded night-time HRV norms).
pub fn hrv_min_ms(group: AgeGroup) -> f32 {
    match group {
        AgeGroup::Adolescent => 30.0,
        AgeGroup::YoungAdult => 25.0,
        AgeGroup::Adult => 16.0,
        AgeGroup::OlderAdult => 12.0,
    }
}
