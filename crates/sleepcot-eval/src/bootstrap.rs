//! Percentile bootstrap confidence intervals for a mean of per-item scores, and for the paired
//! difference of two variants scored on the same items.
//!
//! Each resample draws `n` item indices with replacement from a ChaCha8 generator seeded with
//! [`BootstrapConfig::seed`], so an interval is a pure function of the scores and the
//! configuration. The interval's ends are the `(1 - level) / 2` and `(1 + level) / 2` quantiles
//! of the resampled statistics (linear interpolation between order statistics). In the paired
//! version both variants are resampled with the same indices, which removes the between-item
//! variance that both share.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::error::EvalError;

/// How intervals are computed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BootstrapConfig {
    /// Number of resamples (at least 1).
    pub resamples: usize,
    /// Confidence level, in `(0, 1)`.
    pub level: f64,
    /// Seed of the resampling generator.
    pub seed: u64,
}

impl Default for BootstrapConfig {
    fn default() -> Self {
        BootstrapConfig {
            resamples: 10_000,
            level: 0.95,
            seed: 0,
        }
    }
}

/// A point estimate with its bootstrap confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// The statistic on the original items (a mean, or a difference of means).
    pub estimate: f64,
    /// Lower end of the interval.
    pub lower: f64,
    /// Upper end of the interval.
    pub upper: f64,
    /// The confidence level.
    pub level: f64,
    /// Number of items.
    pub n: usize,
}

impl Interval {
    /// Whether the interval lies entirely above or entirely below zero (for a difference: the
    /// two variants differ at this level).
    pub fn excludes_zero(&self) -> bool {
        self.lower > 0.0 || self.upper < 0.0
    }
}

impl BootstrapConfig {
    fn validate(&self) -> Result<(), EvalError> {
        if self.resamples == 0 {
            return Err(EvalError::InvalidConfig {
                field: "resamples",
                value: self.resamples.to_string(),
                expected: "at least 1",
            });
        }
        if !(self.level > 0.0 && self.level < 1.0) {
            return Err(EvalError::InvalidConfig {
                field: "level",
                value: self.level.to_string(),
                expected: "a number strictly between 0 and 1",
            });
        }
        Ok(())
    }
}

fn check_scores(scores: &[f64]) -> Result<(), EvalError> {
    if scores.is_empty() {
        return Err(EvalError::EmptyScores);
    }
    match scores.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(EvalError::NonFiniteScore {
            index,
            value: scores[index],
        }),
        None => Ok(()),
    }
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// The `q` quantile of sorted values, interpolating linearly between order statistics.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// Resamples the mean of `values` and turns the resampled means into an interval.
fn percentile_interval(values: &[f64], config: &BootstrapConfig) -> Interval {
    let n = values.len();
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut stats: Vec<f64> = (0..config.resamples)
        .map(|_| (0..n).map(|_| values[rng.random_range(0..n)]).sum::<f64>() / n as f64)
        .collect();
    stats.sort_by(f64::total_cmp);
    let tail = (1.0 - config.level) / 2.0;
    Interval {
        estimate: mean(values),
        lower: quantile(&stats, tail),
        upper: quantile(&stats, 1.0 - tail),
        level: config.level,
        n,
    }
}

/// The mean of `scores` with its percentile bootstrap interval.
///
/// Fails on an empty list, a non-finite score or an invalid configuration.
pub fn mean_interval(scores: &[f64], config: &BootstrapConfig) -> Result<Interval, EvalError> {
    config.validate()?;
    check_scores(scores)?;
    Ok(percentile_interval(scores, config))
}

/// The difference of means `a - b` over the same items (item `i` of `a` and of `b` are the
/// same question or report), with its paired percentile bootstrap interval.
///
/// Fails when the lists differ in length, on an empty list, a non-finite score or an invalid
/// configuration.
pub fn paired_difference(
    a: &[f64],
    b: &[f64],
    config: &BootstrapConfig,
) -> Result<Interval, EvalError> {
    config.validate()?;
    if a.len() != b.len() {
        return Err(EvalError::LengthMismatch {
            left: a.len(),
            right: b.len(),
        });
    }
    check_scores(a)?;
    check_scores(b)?;
    let diffs: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    Ok(percentile_interval(&diffs, config))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(seed: u64) -> BootstrapConfig {
        BootstrapConfig {
            resamples: 2000,
            seed,
            ..BootstrapConfig::default()
        }
    }

    #[test]
    fn interval_is_deterministic_and_brackets_the_mean() {
        let scores: Vec<f64> = (0..200).map(|i| f64::from(u8::from(i % 3 == 0))).collect();
        let a = mean_interval(&scores, &config(1)).unwrap();
        assert_eq!(a, mean_interval(&scores, &config(1)).unwrap());
        assert_ne!(a, mean_interval(&scores, &config(2)).unwrap());
        assert!((a.estimate - 67.0 / 200.0).abs() < 1e-12);
        assert!(a.lower < a.estimate && a.estimate < a.upper);
        // Normal approximation: half-width about 1.96 * sqrt(p (1 - p) / n) = 0.065.
        let half = (a.upper - a.lower) / 2.0;
        assert!((half - 0.065).abs() < 0.01, "half-width {half}");
    }

    #[test]
    fn constant_scores_give_a_point_interval() {
        let i = mean_interval(&[0.5; 10], &config(0)).unwrap();
        assert_eq!((i.lower, i.estimate, i.upper), (0.5, 0.5, 0.5));
    }

    #[test]
    fn pairing_detects_a_small_consistent_gain() {
        // Items vary a lot, but variant a is better than b by 0.05 on every item.
        let b: Vec<f64> = (0..100).map(|i| f64::from(i % 10) / 10.0).collect();
        let a: Vec<f64> = b.iter().map(|x| x + 0.05).collect();
        let d = paired_difference(&a, &b, &config(3)).unwrap();
        assert!((d.estimate - 0.05).abs() < 1e-12 && d.excludes_zero());
        // Unpaired intervals of the two means overlap widely.
        let (ia, ib) = (
            mean_interval(&a, &config(3)).unwrap(),
            mean_interval(&b, &config(3)).unwrap(),
        );
        assert!(ia.lower < ib.upper);
        // Equal variants: the difference interval contains zero.
        let mixed: Vec<f64> = (0..100).map(|i| f64::from(i % 7) / 7.0).collect();
        let noise: Vec<f64> = mixed.iter().rev().copied().collect();
        assert!(
            !paired_difference(&mixed, &noise, &config(4))
                .unwrap()
                .excludes_zero()
        );
    }

    #[test]
    fn bad_input_is_rejected_with_the_field_named() {
        assert_eq!(mean_interval(&[], &config(0)), Err(EvalError::EmptyScores));
        let err = mean_interval(&[0.0, f64::NAN], &config(0)).unwrap_err();
        assert!(err.to_string().starts_with("score 1 is NaN"), "{err}");
        assert!(matches!(
            paired_difference(&[1.0], &[1.0, 0.0], &config(0)),
            Err(EvalError::LengthMismatch { left: 1, right: 2 })
        ));
        let bad = BootstrapConfig {
            level: 1.0,
            ..config(0)
        };
        assert!(
            mean_interval(&[1.0], &bad)
                .unwrap_err()
                .to_string()
                .contains("`level`")
        );
    }
}
