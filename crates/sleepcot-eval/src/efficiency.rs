//! Efficiency: latency statistics of stored predictions, and the process's peak memory.

use serde::{Deserialize, Serialize};

use crate::prediction::{Prediction, VariantInfo};

/// Cost figures of one variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Efficiency {
    /// Parameters of the model (all stages).
    pub parameters: Option<u64>,
    /// The backend it ran on.
    pub backend: Option<String>,
    /// Prefill throughput, prompt tokens per second.
    pub prefill_tokens_per_s: Option<f64>,
    /// Decode throughput, generated tokens per second.
    pub decode_tokens_per_s: Option<f64>,
    /// Mean seconds per answer.
    pub mean_latency_s: f64,
    /// 95th percentile of seconds per answer.
    pub p95_latency_s: f64,
    /// Mean generated tokens per answer.
    pub mean_tokens: f64,
    /// Peak resident memory of the generating process, bytes.
    pub peak_rss_bytes: Option<u64>,
}

/// The `q` quantile (nearest rank) of `values`; 0 when empty.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

impl Efficiency {
    /// The efficiency of `rows`, with the model figures of `info`.
    pub fn of(info: &VariantInfo, rows: &[Prediction]) -> Efficiency {
        let latencies: Vec<f64> = rows.iter().map(|r| r.latency_s).collect();
        let n = rows.len().max(1) as f64;
        Efficiency {
            parameters: info.parameters,
            backend: info.backend.clone(),
            prefill_tokens_per_s: info.prefill_tokens_per_s,
            decode_tokens_per_s: info.decode_tokens_per_s,
            mean_latency_s: latencies.iter().sum::<f64>() / n,
            p95_latency_s: quantile(&latencies, 0.95),
            mean_tokens: rows.iter().map(|r| r.tokens as f64).sum::<f64>() / n,
            peak_rss_bytes: info.peak_rss_bytes,
        }
    }
}

/// The peak resident set size of this process so far (`VmHWM` in `/proc/self/status`), in
/// bytes; `None` where the file does not exist (not Linux).
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_vm_hwm(&status)
}

fn parse_vm_hwm(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p95_and_peak_memory() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&v, 0.95), 95.0);
        assert_eq!(quantile(&[3.0], 0.95), 3.0);
        assert_eq!(quantile(&[], 0.95), 0.0);
        assert_eq!(
            parse_vm_hwm("Name:\tx\nVmHWM:\t  2048 kB\nVmRSS:\t1 kB\n"),
            Some(2048 * 1024)
        );
        if cfg!(target_os = "linux") {
            assert!(peak_rss_bytes().unwrap() > 1 << 20);
        }
    }
}
