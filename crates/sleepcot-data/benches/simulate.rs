//! Throughput of the night simulator: 7-night personas with all signals, counted in nights.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rayon::prelude::*;
use sleepcot_data::persona::{PopulationMix, generate_personas};
use sleepcot_data::simulate::{DEFAULT_NIGHTS, simulate_nights};

const PERSONAS: usize = 256;

fn bench(c: &mut Criterion) {
    let mix = PopulationMix::default();
    let personas = generate_personas(11, PERSONAS, &mix);
    let nights = PERSONAS as u64 * DEFAULT_NIGHTS as u64;
    let mut group = c.benchmark_group("simulate");
    group.throughput(Throughput::Elements(nights));
    group.bench_function("7_night_personas_single_thread", |b| {
        b.iter(|| {
            personas
                .iter()
                .enumerate()
                .map(|(i, p)| simulate_nights(black_box(3), i as u64, p, DEFAULT_NIGHTS).len())
                .sum::<usize>()
        })
    });
    group.bench_function("7_night_personas_rayon", |b| {
        b.iter(|| {
            personas
                .par_iter()
                .enumerate()
                .map(|(i, p)| simulate_nights(black_box(3), i as u64, p, DEFAULT_NIGHTS).len())
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
