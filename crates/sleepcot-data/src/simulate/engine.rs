//! The epoch engine: stages and signals for one night, written into reusable buffers.

use super::fast_rng::FastRng;
use super::plan::NightPlan;
use super::stage::{Stage, TRANSITIONS};

/// Per-epoch arrays of one night. Create once per thread and reuse: `simulate_epochs` clears
/// and refills them without reallocating once they have grown to a night's length.
#[derive(Debug, Clone, Default)]
pub struct NightBuffers {
    /// Stage per epoch.
    pub stages: Vec<Stage>,
    /// Heart rate per epoch, bpm.
    pub hr: Vec<f32>,
    /// RMSSD per epoch, ms.
    pub rmssd: Vec<f32>,
    /// SpO2 per epoch, %.
    pub spo2: Vec<f32>,
    /// Breathing rate per epoch, per minute.
    pub rr: Vec<f32>,
    /// Movement per epoch: 0 still, 1 restless, 2 tossing and turning.
    pub movement: Vec<u8>,
}

impl NightBuffers {
    fn reset(&mut self, n: usize) {
        self.stages.clear();
        self.hr.clear();
        self.rmssd.clear();
        self.spo2.clear();
        self.rr.clear();
        self.movement.clear();
        self.stages.reserve(n);
        self.hr.reserve(n);
        self.rmssd.reserve(n);
        self.spo2.reserve(n);
        self.rr.reserve(n);
        self.movement.reserve(n);
    }

    /// Number of epochs of the last simulated night.
    pub fn len(&self) -> usize {
        self.stages.len()
    }

    /// Whether no night has been simulated yet.
    pub fn is_empty(&self) -> bool {
        self.stages.is_empty()
    }
}

/// Heart-rate offset above the night's lowest level, by stage (W, N1, N2, N3, REM).
const HR_OFFSET: [f32; 5] = [11.0, 5.5, 3.0, 0.5, 5.5];
/// Extra heart-rate noise by stage (REM is the most variable).
const HR_JITTER: [f32; 5] = [1.5, 1.0, 0.6, 0.4, 1.8];
/// RMSSD factor by stage (vagal tone is highest in deep NREM).
const HRV_FACTOR: [f32; 5] = [0.72, 0.9, 1.0, 1.22, 0.95];
/// Breathing-rate offset and variability by stage (regular in N3, erratic in REM).
const RR_OFFSET: [f32; 5] = [1.0, 0.3, 0.0, -0.4, 0.7];
const RR_JITTER: [f32; 5] = [0.8, 0.5, 0.35, 0.2, 0.9];
/// Weight of breathing events by stage (more in REM, few in N3, none awake).
const APNEA_WEIGHT: [f32; 5] = [0.0, 1.0, 1.0, 0.4, 1.7];
/// Shape of a desaturation over successive epochs, as a fraction of its depth.
const DESAT_SHAPE: [f32; 5] = [0.45, 0.9, 1.0, 0.55, 0.2];
/// Longest wake bout inside the sleep period, epochs (45 minutes).
const WAKE_CAP: f32 = 90.0;

/// Position of an epoch within the current NREM-REM cycle and the stage the template calls for.
struct Cycles {
    index: u32,
    pos: usize,
    nrem: usize,
    len: usize,
    n3_start: usize,
    n3_end: usize,
}

impl Cycles {
    fn start(plan: &NightPlan, index: u32, rng: &mut FastRng) -> Cycles {
        let k = index as f32;
        let mut rem = plan.rem_first_epochs + plan.rem_growth_epochs * k;
        if index < plan.rem_suppressed_cycles {
            rem *= 0.5;
        }
        let rem = (rem * (1.0 + 0.15 * rng.normal())).clamp(6.0, 110.0) as usize;
        let nrem = if index == 0 {
            plan.rem_latency_epochs
        } else {
            let len = plan.cycle_epochs * (1.0 + 0.1 * rng.normal());
            (len as usize).saturating_sub(rem).max(50)
        };
        // With a sleep-onset REM period the first cycle has no room for N3; it moves to cycle 1.
        let n3_index = if plan.rem_latency_epochs < 60 && index > 0 {
            index - 1
        } else {
            index
        };
        let n3_frac = if nrem >= 40 {
            plan.n3_first * plan.n3_decay.powi(n3_index as i32)
        } else {
            0.0
        };
        let n3_start = nrem / 5;
        let n3_end = n3_start + (n3_frac * nrem as f32) as usize;
        Cycles {
            index,
            pos: 0,
            nrem,
            len: nrem + rem,
            n3_start,
            n3_end: n3_end.min(nrem),
        }
    }

    #[inline]
    fn target(&self) -> Stage {
        if self.pos < self.n3_start {
            Stage::N2
        } else if self.pos < self.n3_end {
            Stage::N3
        } else if self.pos < self.nrem {
            Stage::N2
        } else {
            Stage::Rem
        }
    }
}

/// One step of the stage chain towards the template's stage: deep sleep is entered and left
/// through N2, REM is entered from light sleep.
#[inline]
fn step_towards(current: Stage, target: Stage) -> Stage {
    match (current, target) {
        (Stage::N3, Stage::Rem) | (Stage::N1, Stage::N3) | (Stage::Wake, _) => {
            if current == Stage::Wake {
                Stage::N1
            } else {
                Stage::N2
            }
        }
        _ => target,
    }
}

/// A brief departure drawn from the published matrix's off-diagonal sleep entries. Wake is
/// handled by the arousal process, and REM is entered only where the cycle template calls for
/// it (a stray REM epoch in NREM would masquerade as a sleep-onset REM period).
#[inline]
fn flicker_target(current: Stage, u: f32) -> Stage {
    const CANDIDATES: [Stage; 3] = [Stage::N1, Stage::N2, Stage::N3];
    let row = &TRANSITIONS[current.index()];
    let weight = |s: Stage| if s == current { 0.0 } else { row[s.index()] };
    let total: f32 = CANDIDATES.iter().map(|&s| weight(s)).sum();
    let mut acc = 0.0;
    for s in CANDIDATES {
        acc += weight(s) / total;
        if u < acc {
            return s;
        }
    }
    Stage::N2
}

/// Simulates one night epoch by epoch into `buf`.
///
/// Lights-out is followed by `latency_epochs` of wake, then the sleep period, then
/// `final_wake_epochs` of lying awake. Within the sleep period the stage follows the cycle
/// template with probability 0.45 per epoch of catching up, departs from it at the published
/// off-diagonal rates times `flicker`, and is interrupted by wake bouts whose lengths follow a
/// Pareto law (1 epoch minimum, heavy tail, capped at 45 minutes).
pub fn simulate_epochs(plan: &NightPlan, rng: &mut FastRng, buf: &mut NightBuffers) {
    let n = plan.tib_epochs;
    buf.reset(n);
    let onset = plan.latency_epochs.min(n);
    let sleep_end = n.saturating_sub(plan.final_wake_epochs).max(onset);
    let half = onset + (sleep_end - onset) / 2;
    let inv_alpha = 1.0 / plan.wake_alpha;
    let flicker_p: [f32; 5] = std::array::from_fn(|i| (1.0 - TRANSITIONS[i][i]) * plan.flicker);
    let inv_n = 1.0 / n.max(1) as f32;

    let mut cycles = Cycles::start(plan, 0, rng);
    let mut current = Stage::Wake;
    let mut wake_left = 0u32;
    let mut desat_phase = DESAT_SHAPE.len();
    let mut desat_depth = 0.0f32;
    let mut hr_boost = 0.0f32;
    let mut hr_noise = 0.0f32;

    for e in 0..n {
        // Stage.
        let stage = if e < onset || e >= sleep_end {
            Stage::Wake
        } else {
            if e > onset {
                cycles.pos += 1;
                if cycles.pos >= cycles.len {
                    cycles = Cycles::start(plan, cycles.index + 1, rng);
                }
            }
            let arousal_p = if e < half {
                plan.arousal_p_early
            } else {
                plan.arousal_p_late
            };
            if wake_left > 0 {
                wake_left -= 1;
                current = Stage::Wake;
            } else if e == onset {
                current = Stage::N1;
            } else if rng.uniform() < arousal_p {
                let len = rng.uniform().max(1e-6).powf(-inv_alpha).min(WAKE_CAP) as u32;
                wake_left = len.saturating_sub(1);
                current = Stage::Wake;
            } else {
                let target = cycles.target();
                let u = rng.uniform();
                if current == target {
                    if u < flicker_p[current.index()] {
                        current = flicker_target(current, rng.uniform());
                    }
                } else if current == Stage::Wake || u < 0.45 {
                    current = step_towards(current, target);
                }
            }
            current
        };
        let s = stage.index();
        let asleep = stage.is_sleep();

        // Breathing events and desaturations.
        if desat_phase >= DESAT_SHAPE.len() && asleep {
            let u = rng.uniform();
            let p_event = plan.apnea_p * APNEA_WEIGHT[s];
            if u < p_event {
                desat_depth = 4.3 + plan.desat_extra * rng.uniform();
                desat_phase = 0;
                hr_boost = 7.0;
                if rng.uniform() < plan.event_arousal_p {
                    wake_left = wake_left.max(1);
                }
            } else if u < p_event + 1.0 / 120.0 {
                // Ordinary brief dips of healthy sleep, mostly shallower than 4 points.
                desat_depth = 1.5 + 3.0 * rng.uniform();
                desat_phase = 0;
            }
        }
        let desat = if desat_phase < DESAT_SHAPE.len() {
            let d = desat_depth * DESAT_SHAPE[desat_phase];
            desat_phase += 1;
            d
        } else {
            0.0
        };

        // Signals.
        let frac = e as f32 * inv_n;
        hr_noise = 0.85 * hr_noise + 0.9 * rng.normal();
        let z = rng.normal();
        let hr = plan.hr_base
            + HR_OFFSET[s]
            + 4.5 * (1.0 - frac)
            + hr_noise
            + HR_JITTER[s] * z
            + hr_boost;
        hr_boost *= 0.6;
        let rmssd =
            plan.hrv_base * HRV_FACTOR[s] * (0.85 + 0.3 * frac) * (1.0 + 0.15 * rng.normal());
        let rem_drop = if stage == Stage::Rem { 0.3 } else { 0.0 };
        let spo2 = (plan.spo2_base - rem_drop - desat + 0.35 * rng.normal()).min(100.0);
        let rr = plan.rr_base + RR_OFFSET[s] + RR_JITTER[s] * z;
        let u = rng.uniform();
        let movement = if !asleep {
            if u < 0.45 {
                2
            } else if u < 0.8 {
                1
            } else {
                0
            }
        } else {
            let limb = plan.limb_p[usize::from(e >= half)];
            let base = if stage == Stage::N1 { 0.05 } else { 0.015 };
            u8::from(u < base + limb || hr_boost > 4.0)
        };

        buf.stages.push(stage);
        buf.hr.push(hr);
        buf.rmssd.push(rmssd.max(3.0));
        buf.spo2.push(spo2);
        buf.rr.push(rr);
        buf.movement.push(movement);
    }
}
