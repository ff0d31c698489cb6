//! Person-level physiology and schedule, drawn once per persona.

use rand::Rng;

use crate::persona::generate::normal;
use crate::persona::{Condition, Persona, Sex, WorkSchedule};
use crate::rng::{Stream, sub_rng};

/// Sub-index of the person-level draws in the night stream (never a night index).
const BASELINE_SUB: u64 = u64::MAX;

/// Linear interpolation over `(age, value)` anchors, flat outside them.
pub(crate) fn by_age(age: f32, anchors: &[(f32, f32)]) -> f32 {
    let (first, last) = (anchors[0], anchors[anchors.len() - 1]);
    if age <= first.0 {
        return first.1;
    }
    if age >= last.0 {
        return last.1;
    }
    for w in anchors.windows(2) {
        let ((a0, v0), (a1, v1)) = (w[0], w[1]);
        if age <= a1 {
            return v0 + (v1 - v0) * (age - a0) / (a1 - a0);
        }
    }
    last.1
}

/// The person's habitual values around which every night varies. Anchors follow the
/// reference's per-age generator defaults (NSF/AASM duration, Boulos 2019 per-decade slopes,
/// Ohayon 2004 stage shares, Gries & Brooks SpO2).
#[derive(Debug, Clone, PartialEq)]
pub struct Baseline {
    /// Sleep the person needs, hours.
    pub sleep_need_h: f32,
    /// Preferred bedtime when free (report clock convention).
    pub preferred_bed_h: f32,
    /// Wake alarm on work or school days (report clock convention).
    pub alarm_h: f32,
    /// Extra delay of bedtime on weekend nights, hours.
    pub weekend_delay_h: f32,
    /// Median sleep-onset latency on an undisturbed night, minutes.
    pub latency_median_min: f32,
    /// Brief-arousal (wake bout) rate per hour of sleep.
    pub arousal_per_h: f32,
    /// Pareto shape of wake-bout lengths (smaller = longer bouts).
    pub wake_alpha: f32,
    /// Target deep-sleep share of total sleep, %.
    pub deep_share: f32,
    /// Target REM share of total sleep, %.
    pub rem_share: f32,
    /// Mean REM latency, minutes.
    pub rem_latency_min: f32,
    /// Mean NREM-REM cycle length, minutes.
    pub cycle_min: f32,
    /// Lowest sleeping heart rate, bpm.
    pub hr_base: f32,
    /// Night-time RMSSD, ms.
    pub hrv_base: f32,
    /// Baseline SpO2 during sleep, %.
    pub spo2_base: f32,
    /// Breathing rate during sleep, per minute.
    pub rr_base: f32,
    /// Breathing events with >= 4 % desaturation per hour of sleep (apnea; 0 if none).
    pub apnea_per_h: f32,
    /// Extra desaturation depth range of apnea events, percentage points.
    pub desat_extra: f32,
    /// Probability that a sleep epoch holds a periodic limb movement.
    pub limb_movement_p: f32,
    /// Rotating-shift phase (which shift night 0 falls on).
    pub rotation_offset: u32,
}

impl Baseline {
    /// Draws the baseline of person `index`; depends only on `(seed, index, persona)`.
    pub fn draw(seed: u64, index: u64, persona: &Persona) -> Baseline {
        let mut rng = sub_rng(seed, Stream::Night, index, BASELINE_SUB);
        let age = persona.age as f32;
        let male = persona.sex == Sex::Male;
        let sev = |c: Condition| persona.severity_of(c).map(|s| s.level());

        let sleep_need_h = by_age(age, &[(15.0, 8.9), (22.0, 8.3), (40.0, 8.1), (70.0, 7.7)])
            + 0.35 * normal(&mut rng);
        let mut preferred_bed_h = 23.0
            + persona.chronotype.bedtime_shift_h()
            + by_age(age, &[(15.0, 0.3), (25.0, 0.3), (45.0, 0.0), (70.0, -0.5)])
            + 0.35 * normal(&mut rng);
        if let Some(s) = sev(Condition::DelayedSleepPhase) {
            preferred_bed_h += [1.8, 2.5, 3.2][s];
        }
        let alarm_h = match persona.work {
            WorkSchedule::School => 30.5 + 0.3 * normal(&mut rng),
            _ => 30.9 + 0.4 * normal(&mut rng),
        }
        .clamp(29.5, 32.0);
        let mut weekend_delay_h = 0.45 + 0.25 * normal(&mut rng);
        if persona.chronotype == crate::persona::Chronotype::Late {
            weekend_delay_h += 0.4;
        }
        let mut latency_median_min = by_age(age, &[(15.0, 12.0), (40.0, 13.0), (75.0, 17.0)])
            * (0.25 * normal(&mut rng)).exp();
        // Wake bouts per hour and their shape: Boulos 2019, WASO +9.7 min per decade.
        let mut arousal_per_h = by_age(age, &[(15.0, 1.6), (30.0, 1.7), (50.0, 2.4), (75.0, 3.8)])
            * (0.2 * normal(&mut rng)).exp();
        let mut wake_alpha = 1.45;
        if let Some(s) = sev(Condition::Insomnia) {
            latency_median_min = latency_median_min * [1.6, 2.2, 3.0][s] + [14.0, 24.0, 38.0][s];
            arousal_per_h *= [1.7, 2.3, 3.0][s];
            wake_alpha = [1.2, 1.08, 0.98][s];
        }
        if let Some(s) = sev(Condition::RestlessLegs) {
            latency_median_min += [14.0, 26.0, 42.0][s];
            arousal_per_h *= [1.3, 1.6, 2.0][s];
        }
        if let Some(s) = sev(Condition::NarcolepsyLike) {
            arousal_per_h *= [1.5, 2.0, 2.5][s];
            latency_median_min *= 0.6;
        }
        let mut deep_share = by_age(
            age,
            &[
                (14.0, 28.0),
                (18.0, 25.0),
                (30.0, 21.0),
                (50.0, 15.5),
                (70.0, 10.5),
                (85.0, 8.5),
            ],
        ) + 2.0 * normal(&mut rng);
        let mut rem_share =
            by_age(age, &[(15.0, 23.0), (40.0, 22.0), (75.0, 19.5)]) + 1.2 * normal(&mut rng);
        let (apnea_per_h, desat_extra) = match sev(Condition::ObstructiveSleepApnea) {
            Some(s) => {
                deep_share *= [0.85, 0.7, 0.5][s];
                rem_share *= [0.95, 0.87, 0.78][s];
                let lo = [7.0, 17.0, 32.0][s];
                let hi = [13.0, 28.0, 55.0][s];
                (rng.random_range(lo..hi), [3.0, 5.0, 9.0][s])
            }
            None => (0.0, 0.0),
        };
        if let Some(s) = sev(Condition::Insomnia) {
            deep_share *= [0.95, 0.9, 0.85][s];
        }
        let rem_latency_min = by_age(age, &[(20.0, 95.0), (70.0, 82.0)]) + 8.0 * normal(&mut rng);
        let cycle_min = 95.0 + 5.0 * normal(&mut rng);

        let mut hr_base = if male { 55.0 } else { 58.5 }
            + by_age(age, &[(15.0, -1.0), (40.0, 1.5)])
            + 0.3 * (persona.bmi - 25.0)
            + 4.5 * normal(&mut rng);
        if persona.has(Condition::Insomnia) {
            hr_base += 3.0;
        }
        if persona.has(Condition::ObstructiveSleepApnea) {
            hr_base += 2.0;
        }
        let mut hrv_base = by_age(
            age,
            &[
                (15.0, 72.0),
                (25.0, 60.0),
                (35.0, 45.0),
                (45.0, 35.0),
                (55.0, 28.0),
                (65.0, 24.0),
            ],
        ) * (0.33 * normal(&mut rng)).exp();
        if persona.has(Condition::ObstructiveSleepApnea) {
            hrv_base *= 0.85;
        }
        let mut spo2_base = by_age(age, &[(20.0, 96.8), (70.0, 95.2)]) + 0.5 * normal(&mut rng);
        if let Some(s) = sev(Condition::ObstructiveSleepApnea) {
            spo2_base -= [0.4, 0.9, 1.6][s];
        }
        let rr_base = 14.6 + by_age(age, &[(40.0, 0.0), (75.0, 0.8)]) + 0.9 * normal(&mut rng);
        let limb_movement_p = match sev(Condition::RestlessLegs) {
            Some(s) => [0.15, 0.23, 0.34][s],
            None => 0.0,
        };
        Baseline {
            sleep_need_h,
            preferred_bed_h,
            alarm_h,
            weekend_delay_h: weekend_delay_h.max(0.0),
            latency_median_min,
            arousal_per_h,
            wake_alpha,
            deep_share: deep_share.clamp(3.0, 32.0),
            rem_share: rem_share.clamp(10.0, 30.0),
            rem_latency_min: rem_latency_min.clamp(55.0, 130.0),
            cycle_min: cycle_min.clamp(82.0, 112.0),
            hr_base: hr_base.clamp(40.0, 90.0),
            hrv_base: hrv_base.clamp(8.0, 180.0),
            spo2_base: spo2_base.clamp(92.0, 98.8),
            rr_base: rr_base.clamp(11.0, 20.0),
            apnea_per_h,
            desat_extra,
            limb_movement_p,
            rotation_offset: rng.random_range(0..3),
        }
    }
}
