//! The JSON wearable importers on hand-written fixtures built from the vendors' published
//! schemas (`tests/fixtures/import/`), with every expected total worked out by hand in the
//! comments; their errors; and vendor detection.

mod detect;
mod fitbit;
mod garmin;
mod oura;
mod report;
mod whoop;

use std::path::PathBuf;

use sleepcot_data::import::ImportedNight;

/// The path and bytes of a fixture under `tests/fixtures/import/`.
pub fn fixture(name: &str) -> (PathBuf, Vec<u8>) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (path, bytes)
}

/// Asserts two minute (or percent) figures agree to a thousandth.
#[track_caller]
pub fn close(actual: f32, expected: f32) {
    assert!(
        (actual - expected).abs() < 1e-3,
        "{actual} is not {expected}"
    );
}

/// Like [`close`], for optional figures: both absent, or both present and close.
#[track_caller]
pub fn close_opt(actual: Option<f32>, expected: Option<f32>) {
    match (actual, expected) {
        (Some(a), Some(e)) => close(a, e),
        (a, e) => assert_eq!(a, e),
    }
}

/// Sleep efficiency, %: total sleep over time in bed.
pub fn efficiency(night: &ImportedNight) -> f32 {
    100.0 * night.total_sleep_min / night.time_in_bed_min
}

/// Minutes from going to bed to getting up, from the two instants.
pub fn window_min(night: &ImportedNight) -> f32 {
    (night.bed_end - night.bed_start).num_seconds() as f32 / 60.0
}

/// The skipped counts as `(reason, count)` pairs, for comparison with a literal.
pub fn skipped(export: &sleepcot_data::import::Export) -> Vec<(&str, usize)> {
    export
        .skipped
        .iter()
        .map(|(reason, n)| (reason.as_str(), *n))
        .collect()
}

/// The first `fraction` of the bytes: a download cut off part-way.
pub fn truncated(bytes: &[u8], fraction: f32) -> &[u8] {
    &bytes[..(bytes.len() as f32 * fraction) as usize]
}
