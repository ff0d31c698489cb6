//! Night simulation on 30-second epochs.
//!
//! For every night a [`NightPlan`] is drawn (schedule, latency, cycle shape, arousal and
//! breathing-event rates, physiology baselines) from the persona's age, conditions and habits.
//! The [`engine`] then walks the night epoch by epoch: a time-varying semi-Markov stage model
//! follows a cycle template (N3 front-loaded, REM back-loaded, ~90-110 min cycles) and adds
//! wake bouts with heavy-tailed lengths; heart rate, RMSSD, SpO2 (with desaturation events),
//! breathing rate and movement are laid on top. [`summarize_night`] computes the
//! [`crate::report::NightSummary`] from those epochs alone.
//!
//! All per-epoch arrays live in a reusable [`NightBuffers`], and per-epoch randomness comes
//! from a small counter-based generator seeded from the night's ChaCha stream, so a night
//! allocates nothing once the buffers are warm.

mod baseline;
pub mod engine;
mod fast_rng;
mod plan;
mod stage;
mod summary;
#[cfg(test)]
mod tests;

pub use baseline::Baseline;
pub use engine::{NightBuffers, simulate_epochs};
pub use fast_rng::FastRng;
pub use plan::NightPlan;
pub use stage::Stage;
pub use summary::summarize_night;

use crate::persona::Persona;
use crate::report::NightSummary;
use crate::rng::{Stream, sub_rng};

/// Default number of nights per report.
pub const DEFAULT_NIGHTS: u32 = 7;

/// Length of one epoch in minutes.
pub const EPOCH_MIN: f32 = 0.5;

/// Simulates night `night` of person `index` into `buffers` and summarises it. The night's
/// random stream is `sub_rng(seed, Stream::Night, index, night)`, so nights are independent of
/// each other and of the order in which they are simulated.
pub fn simulate_night(
    seed: u64,
    index: u64,
    night: u32,
    persona: &Persona,
    baseline: &Baseline,
    buffers: &mut NightBuffers,
) -> NightSummary {
    let mut rng = sub_rng(seed, Stream::Night, index, night as u64);
    let plan = NightPlan::draw(persona, baseline, night, &mut rng);
    let mut fast = FastRng::from_rng(&mut rng);
    simulate_epochs(&plan, &mut fast, buffers);
    summarize_night(&plan, persona.age_group(), buffers)
}

/// Simulates `nights` consecutive nights (night 0 is a Monday) of person `index`, reusing one
/// set of buffers.
pub fn simulate_nights(seed: u64, index: u64, persona: &Persona, nights: u32) -> Vec<NightSummary> {
    let baseline = Baseline::draw(seed, index, persona);
    let mut buffers = NightBuffers::default();
    (0..nights)
        .map(|n| simulate_night(seed, index, n, persona, &baseline, &mut buffers))
        .collect()
}
