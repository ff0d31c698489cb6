//! The nightly sleep score.

use crate::findings::{sleep_range_h, waso_limit_min};
use crate::persona::AgeGroup;

/// Sleep score 0-100 from duration, efficiency, latency, WASO, deep and REM sleep, and
/// breathing (ODI). Weights are points out of 100:
///
/// * duration, 35: full points inside the age group's recommended range, falling linearly to 0
///   at 3 h short (or 3 h long);
/// * efficiency, 20: full at >= 90 %, 0 at <= 65 %;
/// * latency, 10: full at <= 15 min, 0 at >= 60 min;
/// * WASO, 10: full at the age limit or less, 0 at 60 min above it;
/// * deep sleep, 10: full at >= 15 % of total sleep, linear below;
/// * REM sleep, 10: full at >= 20 %, linear below;
/// * breathing, 5: full at ODI < 5, 0 at ODI >= 30.
///
/// The score mirrors how consumer scores (Oura, Fitbit) weight duration and continuity most.
#[allow(clippy::too_many_arguments)]
pub fn sleep_score(
    group: AgeGroup,
    total_sleep_min: f32,
    efficiency_pct: f32,
    onset_latency_min: f32,
    waso_min: f32,
    deep_pct: f32,
    rem_pct: f32,
    odi: f32,
) -> u32 {
    let (lo, hi) = sleep_range_h(group);
    let h = total_sleep_min / 60.0;
    let short = (lo - h).max(0.0) + (h - hi).max(0.0);
    let duration = 35.0 * (1.0 - short / 3.0).clamp(0.0, 1.0);
    let efficiency = 20.0 * ((efficiency_pct - 65.0) / 25.0).clamp(0.0, 1.0);
    let latency = 10.0 * (1.0 - (onset_latency_min - 15.0) / 45.0).clamp(0.0, 1.0);
    let waso = 10.0 * (1.0 - (waso_min - waso_limit_min(group)) / 60.0).clamp(0.0, 1.0);
    let deep = 10.0 * (deep_pct / 15.0).clamp(0.0, 1.0);
    let rem = 10.0 * (rem_pct / 20.0).clamp(0.0, 1.0);
    let breathing = 5.0 * (1.0 - (odi - 5.0).max(0.0) / 25.0).clamp(0.0, 1.0);
    (duration + efficiency + latency + waso + deep + rem + breathing)
        .round()
        .clamp(0.0, 100.0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_night_scores_high_and_bad_night_low() {
        let good = sleep_score(AgeGroup::Adult, 460.0, 93.0, 10.0, 15.0, 18.0, 23.0, 1.0);
        let bad = sleep_score(AgeGroup::Adult, 290.0, 70.0, 55.0, 70.0, 6.0, 12.0, 25.0);
        assert_eq!(good, 100);
        assert!(bad < 40, "{bad}");
    }
}
