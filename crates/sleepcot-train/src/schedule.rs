//! The learning-rate schedule: linear warmup, then cosine decay to a floor.

use crate::config::OptimConfig;

/// The learning rate of optimiser step `step` (0-based) of `total` steps.
///
/// Warmup rises linearly from `lr / warmup` to `lr` over `warmup_steps`; the cosine then falls
/// from `lr` to `lr · min_lr_ratio` at the last step. A pure function of the step, so a resumed
/// run needs no scheduler state.
pub fn learning_rate(optim: &OptimConfig, step: usize, total: usize) -> f64 {
    let warmup = optim.warmup_steps;
    if step < warmup {
        return optim.lr * (step + 1) as f64 / warmup as f64;
    }
    let decay_steps = total.saturating_sub(warmup).max(1);
    let progress = ((step - warmup) as f64 / decay_steps as f64).min(1.0);
    let floor = optim.lr * optim.min_lr_ratio;
    floor + (optim.lr - floor) * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warmup_then_cosine_to_the_floor() {
        let optim = OptimConfig {
            lr: 1.0,
            warmup_steps: 4,
            min_lr_ratio: 0.1,
            ..OptimConfig::default()
        };
        let lrs: Vec<f64> = (0..14).map(|s| learning_rate(&optim, s, 14)).collect();
        assert_eq!(&lrs[..4], &[0.25, 0.5, 0.75, 1.0]);
        assert_eq!(lrs[4], 1.0);
        assert!(lrs[4..].windows(2).all(|w| w[1] < w[0]));
        assert!((learning_rate(&optim, 9, 14) - 0.55).abs() < 1e-12);
        assert!(lrs[13] > 0.1 && (learning_rate(&optim, 14, 14) - 0.1).abs() < 1e-12);
    }
}
