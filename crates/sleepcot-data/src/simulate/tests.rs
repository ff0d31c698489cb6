//! Night-level checks: hypnogram shape and summaries that agree with the epochs.

use super::*;
use crate::persona::{PopulationMix, generate_persona};
use crate::rng::{Stream, sub_rng};

#[test]
fn deep_sleep_is_front_loaded_and_rem_back_loaded() {
    let mix = PopulationMix {
        min_age: 20,
        max_age: 40,
        ..PopulationMix::healthy()
    };
    let (mut n3, mut rem) = ([0usize; 3], [0usize; 3]);
    let mut buffers = NightBuffers::default();
    for i in 0..40 {
        let persona = generate_persona(8, i, &mix);
        let baseline = Baseline::draw(8, i, &persona);
        simulate_night(8, i, 0, &persona, &baseline, &mut buffers);
        let stages = &buffers.stages;
        let on = stages.iter().position(|s| s.is_sleep()).unwrap();
        let off = stages.iter().rposition(|s| s.is_sleep()).unwrap();
        let third = (off - on) / 3;
        for (k, chunk) in stages[on..on + 3 * third].chunks(third).enumerate() {
            n3[k] += chunk.iter().filter(|s| **s == Stage::N3).count();
            rem[k] += chunk.iter().filter(|s| **s == Stage::Rem).count();
        }
    }
    assert!(n3[0] > 2 * n3[2], "N3 by third {n3:?}");
    assert!(rem[2] > 2 * rem[0], "REM by third {rem:?}");
}

#[test]
fn summary_agrees_with_epochs_and_buffers_are_reused() {
    let persona = generate_persona(4, 1, &PopulationMix::default());
    let baseline = Baseline::draw(4, 1, &persona);
    let mut buffers = NightBuffers::default();
    let first = simulate_night(4, 1, 0, &persona, &baseline, &mut buffers);
    let sleep = buffers.stages.iter().filter(|s| s.is_sleep()).count();
    // Displayed durations are whole minutes; the stage minutes (not displayed) stay exact.
    assert_eq!(first.total_sleep_min, (sleep as f32 * EPOCH_MIN).round());
    assert_eq!(
        first.time_in_bed_min,
        (buffers.len() as f32 * EPOCH_MIN).round()
    );
    assert_eq!(
        first.light_min.unwrap() + first.deep_min.unwrap() + first.rem_min.unwrap(),
        sleep as f32 * EPOCH_MIN
    );
    assert_eq!(buffers.hr.len(), buffers.len());
    let capacity = buffers.stages.capacity();
    let again = simulate_night(4, 1, 0, &persona, &baseline, &mut buffers);
    assert_eq!(again, first, "same night, same summary");
    assert!(buffers.stages.capacity() >= capacity);
    // The plan is a pure function of the night's stream.
    let a = NightPlan::draw(&persona, &baseline, 3, &mut sub_rng(4, Stream::Night, 1, 3));
    let b = NightPlan::draw(&persona, &baseline, 3, &mut sub_rng(4, Stream::Night, 1, 3));
    assert_eq!(a, b);
}
