//! The per-step training log, written as CSV and Parquet after every logged step.

use std::path::Path;

use serde::{Deserialize, Serialize};
use sleepcot_data::io::{write_bytes_atomic, write_parquet};

use crate::error::Result;

/// One optimiser step of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricRow {
    /// Optimiser step, 1-based.
    pub step: usize,
    /// Epoch the step belongs to, 0-based.
    pub epoch: usize,
    /// Training loss of the step (weighted mean over its micro-batches).
    pub train_loss: f64,
    /// Validation loss, on the steps where it was measured.
    pub val_loss: Option<f64>,
    /// Learning rate used by the step.
    pub lr: f64,
    /// Global gradient norm before clipping.
    pub grad_norm: f64,
    /// Training tokens per second of the step (padding excluded).
    pub tokens_per_s: f64,
    /// Wall-clock seconds since the run began (summed over resumes).
    pub wall_s: f64,
}

/// Writes `rows` to `dir/metrics.csv` and `dir/metrics.parquet`, each atomically.
pub fn write_metrics(dir: &Path, rows: &[MetricRow]) -> Result<()> {
    let mut csv = csv::Writer::from_writer(Vec::new());
    for row in rows {
        csv.serialize(row)
            .expect("a metric row always serialises to CSV");
    }
    let bytes = csv.into_inner().expect("writing to memory cannot fail");
    write_bytes_atomic(&dir.join("metrics.csv"), &bytes)?;
    write_parquet(&dir.join("metrics.parquet"), rows)?;
    Ok(())
}

/// Reads `metrics.csv` back (for reports and for comparing runs).
pub fn read_metrics(path: &Path) -> Result<Vec<MetricRow>> {
    let mut reader =
        csv::Reader::from_path(path).map_err(|e| crate::error::TrainError::Metrics {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
    reader
        .deserialize()
        .map(|row| {
            row.map_err(|e| crate::error::TrainError::Metrics {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })
        })
        .collect()
}
