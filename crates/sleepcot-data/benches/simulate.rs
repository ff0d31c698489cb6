//! Throughput of the night simulator: 7-night personas with all signals, counted in nights;
//! also the whole report path with teaching (simulate, summarise, rule table, expert teacher's
//! recommendation) and the audit of the replies, with file writing left out.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rayon::prelude::*;
use sleepcot_data::audit::audit_recommendation;
use sleepcot_data::persona::{PopulationMix, generate_personas};
use sleepcot_data::report::build_report_with_nights;
use sleepcot_data::simulate::{DEFAULT_NIGHTS, simulate_nights};
use sleepcot_data::teacher::{ExpertTeacher, Teacher, TeacherInput, user_message};

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
    group.bench_function("7_night_reports_with_teaching_rayon", |b| {
        b.iter(|| {
            personas
                .par_iter()
                .enumerate()
                .map(|(i, p)| {
                    let report =
                        build_report_with_nights(black_box(3), i as u64, p, DEFAULT_NIGHTS);
                    let input = TeacherInput::Recommendation(&report);
                    let out = ExpertTeacher.teach(&input, 3, i as u64).expect("teaches");
                    out.answer.len() + report.nights.len()
                })
                .sum::<usize>()
        })
    });
    // The audit per report (reading the text back, rules, checks), counted in nights too.
    let taught: Vec<(String, String)> = personas
        .par_iter()
        .enumerate()
        .map(|(i, p)| {
            let report = build_report_with_nights(3, i as u64, p, DEFAULT_NIGHTS);
            let input = TeacherInput::Recommendation(&report);
            let out = ExpertTeacher.teach(&input, 3, i as u64).expect("teaches");
            (user_message(&input), out.text())
        })
        .collect();
    group.bench_function("7_night_reports_audit_rayon", |b| {
        b.iter(|| {
            taught
                .par_iter()
                .map(|(prompt, reply)| audit_recommendation(black_box(prompt), reply).len())
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
