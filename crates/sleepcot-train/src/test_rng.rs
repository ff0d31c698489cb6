//! Unit tests that seed the CPU backend's process-wide random generator (or draw from it) take
//! this lock, so tests running on other threads cannot interleave their draws with theirs.

use std::sync::{Mutex, MutexGuard};

static RNG: Mutex<()> = Mutex::new(());

/// Holds the backend's random generator for the calling test.
pub fn lock() -> MutexGuard<'static, ()> {
    RNG.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
