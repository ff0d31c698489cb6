//! Per-night parameters: schedule, latency, cycle template, event rates and physiology.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::baseline::Baseline;
use crate::persona::generate::normal;
use crate::persona::{Condition, Persona, WorkSchedule};
use crate::report::Weekday;

/// Everything the epoch engine needs for one night. Times in epochs are counted from
/// lights-out unless stated otherwise.
#[derive(Debug, Clone, PartialEq)]
pub struct NightPlan {
    /// Night index (0 = Monday).
    pub night: u32,
    /// Weekday of the evening.
    pub weekday: Weekday,
    /// Whether the next morning is free.
    pub is_weekend: bool,
    /// Whether this is a daytime sleep after a night shift.
    pub day_sleep: bool,
    /// Lights-out, clock hours (report convention).
    pub bedtime_h: f32,
    /// Epochs in bed.
    pub tib_epochs: usize,
    /// Epochs awake before sleep onset.
    pub latency_epochs: usize,
    /// Epochs lying awake after the final awakening.
    pub final_wake_epochs: usize,
    /// Epochs from sleep onset to the first REM period.
    pub rem_latency_epochs: usize,
    /// Mean cycle length after the first cycle, epochs.
    pub cycle_epochs: f32,
    /// Fraction of the first cycle's NREM spent in N3.
    pub n3_first: f32,
    /// Factor by which the N3 fraction shrinks from one cycle to the next.
    pub n3_decay: f32,
    /// Length of the first REM period, epochs.
    pub rem_first_epochs: f32,
    /// Growth of REM periods per cycle, epochs.
    pub rem_growth_epochs: f32,
    /// Cycles (from 0) whose REM is halved by evening alcohol.
    pub rem_suppressed_cycles: u32,
    /// Probability per sleep epoch of a wake bout, first half of the night.
    pub arousal_p_early: f32,
    /// Same, second half.
    pub arousal_p_late: f32,
    /// Pareto shape of wake-bout lengths.
    pub wake_alpha: f32,
    /// Multiplier on the published off-diagonal transition rates (stage instability).
    pub flicker: f32,
    /// Probability per sleep epoch of a >= 4 % desaturation event (before stage weighting).
    pub apnea_p: f32,
    /// Extra depth range of apnea desaturations, points.
    pub desat_extra: f32,
    /// Probability that a breathing event ends in a brief awakening.
    pub event_arousal_p: f32,
    /// Probability per sleep epoch of a limb movement, first half / second half.
    pub limb_p: [f32; 2],
    /// Lowest sleeping heart rate tonight, bpm.
    pub hr_base: f32,
    /// Night-time RMSSD tonight, ms.
    pub hrv_base: f32,
    /// SpO2 baseline tonight, %.
    pub spo2_base: f32,
    /// Breathing rate tonight, per minute.
    pub rr_base: f32,
}

fn epochs(minutes: f32) -> usize {
    (minutes.max(0.0) * 2.0).round() as usize
}

impl NightPlan {
    /// Draws night `night` for the persona. Schedule: weekday nights end at the alarm for
    /// school and day work, weekend (Friday, Saturday) and flexible nights end naturally,
    /// night-shift workers sleep in the morning after Sunday-Thursday shifts, rotating-shift
    /// workers cycle day, evening and night shifts.
    pub fn draw(persona: &Persona, b: &Baseline, night: u32, rng: &mut ChaCha8Rng) -> NightPlan {
        let weekday = Weekday::of_night(night);
        let is_weekend = weekday.is_weekend_night();
        let sev = |c: Condition| persona.severity_of(c).map(|s| s.level());
        let h = &persona.habits;

        let mut need = b.sleep_need_h;
        let long_naps = h.nap_minutes > 30 && h.naps_per_week >= 2;
        if long_naps {
            need -= 0.25;
        }
        let screen_delay = h.evening_screen_minutes as f32 / 300.0;
        let free_wake = |bed: f32, rng: &mut ChaCha8Rng| bed + need + 0.45 + 0.35 * normal(rng);
        let mut dspd_extra_min = 0.0f32;
        let mut work_night = |alarm: f32, rng: &mut ChaCha8Rng| {
            let pref = b.preferred_bed_h + screen_delay;
            let ideal = alarm - need - 0.4;
            let bed = if pref <= ideal {
                pref.max(ideal - 0.5)
            } else {
                ideal + 0.45 * (pref - ideal)
            } + 0.25 * normal(rng);
            if persona.has(Condition::DelayedSleepPhase) {
                dspd_extra_min = ((pref - 0.5 - bed) * 60.0 * 0.6).max(0.0);
            }
            (bed, alarm + 0.08 * normal(rng))
        };
        let day_sleep_times = |rng: &mut ChaCha8Rng| {
            let bed = 32.3 + 0.3 * normal(rng);
            (bed, bed + 6.2 + 0.45 * normal(rng))
        };
        let free_night = |delay: f32, rng: &mut ChaCha8Rng| {
            let bed = b.preferred_bed_h + screen_delay + delay + 0.3 * normal(rng);
            (bed, free_wake(bed, rng))
        };
        let mut day_sleep = false;
        let (bed, wake) = match persona.work {
            WorkSchedule::School | WorkSchedule::DayWork if !is_weekend => {
                work_night(b.alarm_h, rng)
            }
            WorkSchedule::School | WorkSchedule::DayWork => free_night(b.weekend_delay_h, rng),
            WorkSchedule::Flexible => free_night(0.0, rng),
            WorkSchedule::NightShift if !is_weekend => {
                day_sleep = true;
                day_sleep_times(rng)
            }
            WorkSchedule::NightShift => free_night(0.7, rng),
            WorkSchedule::RotatingShift => match (night + b.rotation_offset) % 3 {
                0 => work_night(29.0, rng),
                1 => {
                    let bed = 24.8 + 0.3 * normal(rng);
                    (bed, free_wake(bed, rng))
                }
                _ => {
                    day_sleep = true;
                    day_sleep_times(rng)
                }
            },
        };
        let bedtime_h = bed.clamp(18.0, 35.9);
        let mut tib_min = ((wake - bedtime_h) * 60.0).clamp(180.0, 720.0);

        // Sleep-onset latency (log-normal) and habit effects.
        let mut latency = b.latency_median_min * (0.45 * normal(rng)).exp() + dspd_extra_min;
        let mut arousal = b.arousal_per_h;
        let mut late_factor = 1.0f32;
        let mut deep_share = b.deep_share;
        let mut rem_latency = b.rem_latency_min + 10.0 * normal(rng);
        let mut rem_suppressed_cycles = 0;
        let mut hr_base = b.hr_base + 1.5 * normal(rng);
        let mut hrv_base = b.hrv_base * (0.12 * normal(rng)).exp();
        let mut apnea_per_h = b.apnea_per_h * (0.2 * normal(rng)).exp();
        let mut final_wake = rng.random_range(1.0f32..8.0);

        if let Some(gap) = h.caffeine_gap_h(bedtime_h).filter(|g| *g > 0.0 && *g < 6.0) {
            let e = (h.caffeine_mg_per_day / 200.0).min(2.5) * (6.0 - gap) / 6.0;
            latency += 18.0 * e;
            deep_share *= 1.0 - 0.12 * e;
            arousal *= 1.0 + 0.25 * e;
        }
        latency += (h.evening_screen_minutes as f32 - 60.0).max(0.0) / 8.0;
        let late_session = h
            .evening_exercise_end_before_bed_min
            .is_some_and(|m| m <= 60);
        if late_session && rng.random_bool(0.5) {
            latency += 5.0;
        }
        if long_naps {
            latency += 6.0;
        }
        if h.evening_drinks >= 1.0 {
            let mut p = h.alcohol_drinks_per_week / h.evening_drinks / 7.0;
            if is_weekend {
                p *= 1.5;
            }
            if rng.random::<f32>() < p {
                let d = h.evening_drinks;
                latency *= 0.85;
                rem_latency += 15.0 * d;
                rem_suppressed_cycles = 2;
                late_factor += 0.3 * d;
                hr_base += 2.0 * d;
                hrv_base *= (1.0 - 0.07 * d).max(0.5);
                apnea_per_h *= 1.0 + 0.15 * d;
            }
        }
        if day_sleep {
            arousal *= 1.3;
            final_wake += 5.0;
        }
        if let Some(s) = sev(Condition::ShiftWorkDisorder) {
            let shifted = day_sleep
                || (persona.work == WorkSchedule::RotatingShift)
                || persona.work == WorkSchedule::NightShift;
            if shifted {
                arousal *= [1.5, 2.0, 2.6][s];
                latency += [10.0, 20.0, 35.0][s];
                tib_min = (tib_min - [20.0, 40.0, 60.0][s]).max(180.0);
            }
        }
        if let Some(s) = sev(Condition::Insomnia) {
            final_wake += [8.0, 15.0, 25.0][s] * rng.random::<f32>() * 2.0;
        }
        let mut soremp = false;
        if let Some(s) = sev(Condition::NarcolepsyLike)
            && rng.random::<f32>() < [0.5, 0.65, 0.85][s]
        {
            rem_latency = rng.random_range(1.0..12.0);
            soremp = true;
        }
        if !soremp {
            rem_latency = rem_latency.max(40.0);
        }
        let latency = latency.clamp(1.0, (tib_min - 90.0).min(180.0));
        let final_wake = final_wake.min(tib_min - latency - 60.0).max(0.0);

        // Cycle template calibrated to the night's expected sleep.
        let sleep_period = tib_min - latency - final_wake;
        let expected_wake = arousal * (sleep_period / 60.0) * 1.6;
        let tst = (sleep_period - expected_wake).max(60.0);
        let cycle = b.cycle_min + 4.0 * normal(rng);
        let cycles = (sleep_period / cycle).max(1.0);
        let full = cycles.floor().max(1.0) as i32;
        let rem_first = 10.0f32;
        // REM periods lose epochs to wake bouts and the last one is cut short by the final
        // awakening; 1.15 compensates so that the realised share matches the target.
        let rem_target = 1.15 * b.rem_share / 100.0 * tst;
        let rem_growth = if full >= 2 {
            ((rem_target - rem_first * full as f32) / (full * (full - 1) / 2) as f32)
                .clamp(2.0, 22.0)
        } else {
            10.0
        };
        let n3_decay = 0.5f32;
        let nrem_mean = (cycle - rem_first - rem_growth * (full as f32 - 1.0) / 2.0).max(30.0);
        let decay_sum: f32 = (0..full).map(|k| n3_decay.powi(k)).sum();
        let n3_first = (deep_share / 100.0 * tst / (nrem_mean * decay_sum)).clamp(0.0, 0.92);
        let age = persona.age as f32;
        let mut flicker = 0.3 + 0.006 * (age - 20.0).max(0.0);
        if let Some(s) = sev(Condition::ObstructiveSleepApnea) {
            flicker *= [1.2, 1.4, 1.7][s];
        }
        if persona.has(Condition::NarcolepsyLike) {
            flicker *= 1.5;
        }
        let arousal_p = arousal / 120.0;
        let limb = b.limb_movement_p;
        NightPlan {
            night,
            weekday,
            is_weekend,
            day_sleep,
            bedtime_h: (bedtime_h * 60.0).round() / 60.0,
            tib_epochs: epochs(tib_min),
            latency_epochs: epochs(latency).max(1),
            final_wake_epochs: epochs(final_wake),
            rem_latency_epochs: epochs(rem_latency).max(1),
            cycle_epochs: cycle * 2.0,
            n3_first,
            n3_decay,
            rem_first_epochs: rem_first * 2.0,
            rem_growth_epochs: rem_growth * 2.0,
            rem_suppressed_cycles,
            arousal_p_early: arousal_p,
            arousal_p_late: arousal_p * late_factor,
            wake_alpha: b.wake_alpha,
            flicker,
            apnea_p: apnea_per_h / 120.0,
            desat_extra: b.desat_extra,
            event_arousal_p: 0.22,
            limb_p: [limb * 1.4, limb * 0.6],
            hr_base,
            hrv_base,
            spo2_base: b.spo2_base + 0.2 * normal(rng),
            rr_base: b.rr_base + 0.3 * normal(rng),
        }
    }
}
