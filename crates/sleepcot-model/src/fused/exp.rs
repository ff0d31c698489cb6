//! A vectorisable `e^x` for the fused kernels.

/// `e^x` to within about 3 ulp, and exactly 0 below `-87.33` (where f32 underflows), so that
/// masked attention scores contribute nothing. Branch-free, so that the compiler vectorises the
/// loops that call it (the C library's `expf` is a scalar call): `x = n·ln 2 + r` with
/// `|r| ≤ ln 2 / 2`, a degree-6 polynomial for `e^r` (Cephes' `expf` coefficients), and `2^n`
/// put straight into the exponent bits.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    const LOW: f32 = -87.336_54;
    // 1.5 · 2^23: adding and subtracting it rounds to the nearest integer.
    const ROUND: f32 = 12_582_912.0;
    let c = x.clamp(LOW, 88.0);
    let t = c * LOG2E + ROUND;
    let n = t - ROUND;
    let r = c - n * LN2_HI - n * LN2_LO;
    let p = 1.987_569_1e-4_f32;
    let p = p * r + 1.398_199_9e-3;
    let p = p * r + 8.333_452e-3;
    let p = p * r + 4.166_579_6e-2;
    let p = p * r + 0.166_666_65;
    let p = p * r + 0.5;
    let e = p * r * r + r + 1.0;
    // `n` is an integer in [-126, 127], so `t`'s low mantissa bits hold it: the difference of
    // the bit patterns is `n` itself. This is integer arithmetic that vectorises; the
    // float-to-int conversion it replaces (`n as i32`, which saturates) did not, and made the
    // whole loop scalar, 2.7 times slower.
    let n_bits = t.to_bits().wrapping_sub(ROUND.to_bits());
    let value = e * f32::from_bits(n_bits.wrapping_add(127) << 23);
    if x < LOW { 0.0 } else { value }
}

/// The logistic function `1 / (1 + e^-x)`.
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

#[cfg(test)]
mod tests {
    use super::{exp, sigmoid};

    #[test]
    fn the_polynomial_exp_matches_the_library_one() {
        let mut worst = 0.0f32;
        for i in 0..=200_000 {
            let x = -87.0 + 97.0 * i as f32 / 200_000.0;
            let (a, b) = (exp(x), x.exp());
            worst = worst.max(((a - b) / b).abs());
        }
        assert!(worst < 4e-7, "worst relative error {worst}");
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-1.0e9), 0.0);
        assert_eq!(exp(-90.0), 0.0);
        assert!(exp(100.0).is_finite());
        assert!(
            exp(f32::NAN).is_nan(),
            "a NaN stays a NaN, so a diverged loss shows"
        );
        assert_eq!(exp(f32::NEG_INFINITY), 0.0);
    }

    #[test]
    fn sigmoid_is_the_logistic_function() {
        for x in [-30.0f32, -3.0, -0.5, 0.0, 0.5, 3.0, 30.0] {
            let want = 1.0 / (1.0 + (-x).exp());
            assert!((sigmoid(x) - want).abs() <= 1e-7, "{x}");
        }
    }
}
