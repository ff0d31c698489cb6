//! Sleep stages, stored as one byte per epoch.

use serde::{Deserialize, Serialize};

/// AASM sleep stage of one 30-second epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[repr(u8)]
pub enum Stage {
    /// Awake.
    #[default]
    Wake = 0,
    /// Light sleep, stage 1.
    N1 = 1,
    /// Light sleep, stage 2.
    N2 = 2,
    /// Deep (slow-wave) sleep.
    N3 = 3,
    /// Rapid-eye-movement sleep.
    Rem = 4,
}

impl Stage {
    /// Whether the stage counts as sleep.
    #[inline]
    pub fn is_sleep(self) -> bool {
        self != Stage::Wake
    }

    /// Index 0..5 for lookup tables.
    #[inline]
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Published epoch transition probabilities (Metzner et al. 2021, the default matrix of YASA's
/// `simulate_hypnogram`; rows = from, columns = to, order W, N1, N2, N3, REM). The engine uses
/// the off-diagonal entries as the rate of brief departures from the stage the cycle template
/// calls for.
pub const TRANSITIONS: [[f32; 5]; 5] = [
    [0.9468, 0.0461, 0.0068, 0.0002, 0.0002],
    [0.0323, 0.7690, 0.1907, 0.0013, 0.0068],
    [0.0089, 0.0377, 0.9259, 0.0178, 0.0096],
    [0.0048, 0.0173, 0.0275, 0.9491, 0.0012],
    [0.0055, 0.0182, 0.0081, 0.0002, 0.9681],
];
