//! Reports are a pure function of the seed, whatever the rayon thread count.

use sleepcot_data::persona::PopulationMix;
use sleepcot_data::report::generate_reports;

fn bytes(seed: u64, threads: usize) -> Vec<u8> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let reports = generate_reports(seed, 48, &PopulationMix::default(), 7);
        serde_json::to_vec(&reports).unwrap()
    })
}

#[test]
fn same_seed_same_bytes_for_one_and_two_threads() {
    let one = bytes(2024, 1);
    let two = bytes(2024, 2);
    assert_eq!(one, two);
    assert_ne!(one, bytes(2025, 2));
}
