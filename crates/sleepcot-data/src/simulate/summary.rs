//! From epochs to a wearable-style night summary.

use super::EPOCH_MIN;
use super::engine::NightBuffers;
use super::plan::NightPlan;
use super::stage::Stage;
use crate::persona::AgeGroup;
use crate::report::{NightSummary, sleep_score};

/// Wake bouts of at least this many epochs count as awakenings (5 minutes).
const AWAKENING_EPOCHS: usize = 10;
/// Epochs in the resting-heart-rate window (5 minutes).
const RESTING_WINDOW: usize = 10;

fn round1(x: f32) -> f32 {
    (x * 10.0).round() / 10.0
}

/// Whole units (minutes, bpm, ms), as the report displays them.
fn round0(x: f32) -> f32 {
    x.round()
}

/// Oxygen desaturation index detector, fed the sleep epochs in order: an event starts when
/// SpO2 falls at least 4 points below a running baseline and ends when it recovers to within
/// 1.5 points; the baseline is an exponential average of SpO2 outside events. Wake epochs are
/// not fed, since counting desaturations during wake inflates ODI.
#[derive(Default)]
struct OdiDetector {
    baseline: Option<f32>,
    in_event: bool,
    events: u32,
}

impl OdiDetector {
    #[inline]
    fn feed(&mut self, spo2: f32) {
        let base = *self.baseline.get_or_insert(spo2);
        if self.in_event {
            if spo2 >= base - 1.5 {
                self.in_event = false;
            }
        } else if spo2 <= base - 4.0 {
            self.in_event = true;
            self.events += 1;
        } else {
            self.baseline = Some(0.9 * base + 0.1 * spo2);
        }
    }
}

/// Summarises the night in `buf` (simulated from `plan`) for a person of `group`, in one pass
/// over the epochs.
pub fn summarize_night(plan: &NightPlan, group: AgeGroup, buf: &NightBuffers) -> NightSummary {
    let stages = &buf.stages;
    let n = stages.len();
    let mut counts = [0usize; 5];
    let mut onset: Option<usize> = None;
    let mut first_rem: Option<usize> = None;
    let mut last = 0usize;
    let (mut waso_epochs, mut awakenings, mut wake_run) = (0usize, 0u32, 0usize);
    let (mut hr_sum, mut hrv_sum, mut spo2_sum, mut rr_sum) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    let mut nadir = f32::INFINITY;
    let mut restless = 0u32;
    let mut window = [0.0f32; RESTING_WINDOW];
    let mut window_sum = 0.0f32;
    let mut seen = 0usize;
    let mut resting = f32::INFINITY;
    let mut odi = OdiDetector::default();
    let signals = stages
        .iter()
        .zip(&buf.hr)
        .zip(&buf.rmssd)
        .zip(&buf.spo2)
        .zip(&buf.rr)
        .zip(&buf.movement)
        .enumerate();
    for (i, (((((&stage, &hr), &rmssd), &spo2), &rr), &movement)) in signals {
        counts[stage.index()] += 1;
        if !stage.is_sleep() {
            // Wake runs count only once sleep resumes, so the final awakening is excluded.
            wake_run += usize::from(onset.is_some());
            continue;
        }
        if onset.is_none() {
            onset = Some(i);
        }
        if wake_run > 0 {
            waso_epochs += wake_run;
            awakenings += u32::from(wake_run >= AWAKENING_EPOCHS);
            wake_run = 0;
        }
        if stage == Stage::Rem && first_rem.is_none() {
            first_rem = Some(i);
        }
        last = i;
        hr_sum += hr as f64;
        hrv_sum += rmssd as f64;
        spo2_sum += spo2 as f64;
        rr_sum += rr as f64;
        nadir = nadir.min(spo2);
        restless += u32::from(movement > 0);
        odi.feed(spo2);
        let slot = seen % RESTING_WINDOW;
        window_sum += hr - window[slot];
        window[slot] = hr;
        seen += 1;
        if seen >= RESTING_WINDOW {
            resting = resting.min(window_sum / RESTING_WINDOW as f32);
        }
    }
    let sleep_epochs = n - counts[0];
    let rem_latency_epochs = match onset {
        Some(on) => first_rem.unwrap_or(last + 1) - on,
        None => 0,
    };
    let per_sleep = |sum: f64| {
        if sleep_epochs == 0 {
            0.0
        } else {
            (sum / sleep_epochs as f64) as f32
        }
    };
    let mean_hr = per_sleep(hr_sum);
    if !resting.is_finite() {
        resting = mean_hr;
    }
    let spo2_mean = per_sleep(spo2_sum);
    if !nadir.is_finite() {
        nadir = spo2_mean;
    }

    let minutes = |epochs: usize| epochs as f32 * EPOCH_MIN;
    let tib = minutes(n);
    let tst = minutes(sleep_epochs);
    let tst_h = tst / 60.0;
    let share = |epochs: usize| {
        if sleep_epochs == 0 {
            0.0
        } else {
            round1(100.0 * epochs as f32 / sleep_epochs as f32)
        }
    };
    let light = counts[1] + counts[2];
    let efficiency = if n == 0 {
        0.0
    } else {
        round1(100.0 * tst / tib)
    };
    let latency = minutes(onset.unwrap_or(n));
    let waso = minutes(waso_epochs);
    let deep_pct = share(counts[3]);
    let rem_pct = share(counts[4]);
    let odi = if tst_h > 0.0 {
        round1(odi.events as f32 / tst_h)
    } else {
        0.0
    };
    NightSummary {
        night: plan.night,
        weekday: plan.weekday,
        is_weekend: plan.is_weekend,
        bedtime_h: plan.bedtime_h,
        wake_time_h: plan.bedtime_h + round0(tib) / 60.0,
        time_in_bed_min: round0(tib),
        total_sleep_min: round0(tst),
        efficiency_pct: efficiency,
        onset_latency_min: Some(round0(latency)),
        waso_min: Some(round0(waso)),
        awakenings: Some(awakenings),
        light_min: Some(minutes(light)),
        deep_min: Some(minutes(counts[3])),
        rem_min: Some(minutes(counts[4])),
        light_pct: Some(share(light)),
        deep_pct: Some(deep_pct),
        rem_pct: Some(rem_pct),
        rem_latency_min: Some(round0(minutes(rem_latency_epochs))),
        resting_hr: Some(round0(resting)),
        mean_hr: Some(round1(mean_hr)),
        hrv_rmssd_ms: Some(round0(per_sleep(hrv_sum))),
        spo2_mean: Some(round1(spo2_mean)),
        spo2_nadir: Some(round1(nadir)),
        odi: Some(odi),
        respiratory_rate: Some(round1(per_sleep(rr_sum))),
        movement_index: Some(if tst_h > 0.0 {
            round1(restless as f32 / tst_h)
        } else {
            0.0
        }),
        sleep_score: Some(sleep_score(
            group, tst, efficiency, latency, waso, deep_pct, rem_pct, odi,
        )),
    }
}
