//! A small, fast generator for per-epoch draws.

use rand::RngCore;

/// wyrand: a 64-bit counter-based generator, a few cycles per draw. It is seeded once per night
/// from the night's ChaCha stream, so results stay a pure function of the seed.
#[derive(Debug, Clone)]
pub struct FastRng {
    state: u64,
}

impl FastRng {
    /// Seeds from another generator (one 64-bit draw).
    pub fn from_rng(rng: &mut impl RngCore) -> Self {
        FastRng {
            state: rng.next_u64(),
        }
    }

    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0xa076_1d64_78bd_642f);
        let t = (self.state as u128).wrapping_mul((self.state ^ 0xe703_7ed1_a0b4_28db) as u128);
        ((t >> 64) ^ t) as u64
    }

    /// Uniform in [0, 1).
    #[inline]
    pub fn uniform(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 * (1.0 / (1u64 << 24) as f32)
    }

    /// Approximately standard normal: the scaled sum of four 16-bit uniforms (Irwin-Hall),
    /// bounded at about ±3.5; one draw per call.
    #[inline]
    pub fn normal(&mut self) -> f32 {
        let x = self.next_u64();
        let sum = (x & 0xffff) + ((x >> 16) & 0xffff) + ((x >> 32) & 0xffff) + (x >> 48);
        (sum as f32 - 131_070.0) * (1.0 / 37_837.2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_and_normal_have_the_right_moments() {
        let mut r = FastRng { state: 42 };
        let n = 200_000;
        let (mut su, mut sn, mut sn2) = (0.0f64, 0.0f64, 0.0f64);
        for _ in 0..n {
            su += r.uniform() as f64;
            let z = r.normal() as f64;
            sn += z;
            sn2 += z * z;
        }
        assert!((su / n as f64 - 0.5).abs() < 0.01);
        assert!((sn / n as f64).abs() < 0.01);
        assert!((sn2 / n as f64 - 1.0).abs() < 0.02);
    }
}
