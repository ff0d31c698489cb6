//! Building reports: simulate the nights, summarise the period, evaluate the rule table.

use rayon::prelude::*;

use super::{NightSummary, Report, summarize_period};
use crate::findings::evaluate;
use crate::persona::{Persona, PopulationMix, generate_persona};
use crate::simulate::{DEFAULT_NIGHTS, simulate_nights};

/// Builds the report of persona `index` with [`DEFAULT_NIGHTS`] nights.
pub fn build_report(seed: u64, index: u64, persona: &Persona) -> Report {
    build_report_with_nights(seed, index, persona, DEFAULT_NIGHTS)
}

/// Builds the report of persona `index` with `nights` simulated nights (night 0 is a Monday).
pub fn build_report_with_nights(seed: u64, index: u64, persona: &Persona, nights: u32) -> Report {
    let nights: Vec<NightSummary> = simulate_nights(seed, index, persona, nights);
    let period = summarize_period(persona.age_group(), &nights);
    let (findings, red_flags) = evaluate(persona, &period, &nights);
    Report {
        id: format!("r{index:06}"),
        persona: persona.clone(),
        nights,
        period,
        findings,
        red_flags,
    }
}

/// Draws `n` personas from `mix` and builds their reports in parallel, ordered by index.
/// Every report depends only on `(seed, index, mix, nights)`, so the output is the same for
/// any rayon thread count.
pub fn generate_reports(seed: u64, n: usize, mix: &PopulationMix, nights: u32) -> Vec<Report> {
    (0..n as u64)
        .into_par_iter()
        .map(|i| {
            let persona = generate_persona(seed, i, mix);
            build_report_with_nights(seed, i, &persona, nights)
        })
        .collect()
}
