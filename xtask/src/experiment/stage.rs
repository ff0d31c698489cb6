//! Stage records: what lets a rerun skip finished stages and resume an interrupted one.
//!
//! Each stage owns `RUN/stages/<stage>.json`, holding the hash of the stage's configuration
//! and of its inputs (the hashes of the stages it reads), and a status. The record is written
//! atomically as `running` before the stage starts and as `done` only after every output is
//! on disk, so a stage killed part-way is never mistaken for a finished one:
//!
//! - `done` with the same hash: skipped;
//! - `running` with the same hash: rerun in place (training resumes from its newest
//!   checkpoint; every other stage rewrites its outputs atomically);
//! - anything else (no record, another hash, `--force`): its outputs are removed first, then
//!   it runs from scratch.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sleepcot_data::io::write_bytes_atomic;

/// Where a stage stands on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Started and not finished (running now, or killed).
    Running,
    /// Every output written.
    Done,
}

/// The record of one stage, `RUN/stages/<stage>.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageRecord {
    /// The stage's name (`data`, `tokenizer`, `train.cot`, ...).
    pub stage: String,
    /// Hash of the stage's configuration and of its inputs' hashes.
    pub hash: String,
    /// Running or done.
    pub status: Status,
    /// Seconds the stage took in the invocation that finished it (summed over resumes).
    pub wall_s: f64,
}

/// What to do with a stage, decided from its record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    /// Finished with this configuration: nothing to do (`wall_s` of the finished run).
    Skip(f64),
    /// Interrupted with this configuration: run again in place, keeping partial outputs
    /// (`wall_s` spent so far).
    Resume(f64),
    /// Never run, or run with another configuration: clear the outputs and run.
    Fresh,
}

/// The hash of a stage: SHA-256 over its name, its configuration as JSON and its inputs'
/// hashes, in hex.
pub fn stage_hash<C: Serialize>(stage: &str, config: &C, inputs: &[&str]) -> String {
    let mut h = Sha256::new();
    h.update(stage.as_bytes());
    h.update([0]);
    h.update(serde_json::to_vec(config).expect("stage configurations serialise"));
    for input in inputs {
        h.update([0]);
        h.update(input.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The stage records of one run directory.
#[derive(Debug, Clone)]
pub struct Stages {
    dir: PathBuf,
}

impl Stages {
    /// The records under `run/stages/`.
    pub fn new(run: &Path) -> Self {
        Stages {
            dir: run.join("stages"),
        }
    }

    fn path(&self, stage: &str) -> PathBuf {
        self.dir.join(format!("{stage}.json"))
    }

    /// The record of `stage`, if one can be read (an unreadable record counts as none).
    pub fn read(&self, stage: &str) -> Option<StageRecord> {
        let text = std::fs::read_to_string(self.path(stage)).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// What to do with `stage` whose current hash is `hash`.
    pub fn decide(&self, stage: &str, hash: &str, force: bool) -> Decision {
        match self.read(stage) {
            Some(r) if !force && r.hash == hash => match r.status {
                Status::Done => Decision::Skip(r.wall_s),
                Status::Running => Decision::Resume(r.wall_s),
            },
            _ => Decision::Fresh,
        }
    }

    /// Whether `stage` finished with `hash`.
    pub fn is_done(&self, stage: &str, hash: &str) -> bool {
        matches!(self.decide(stage, hash, false), Decision::Skip(_))
    }

    /// Writes the record atomically.
    pub fn write(&self, record: &StageRecord) -> anyhow::Result<()> {
        let path = self.path(&record.stage);
        let json = serde_json::to_vec_pretty(record).expect("stage records serialise");
        write_bytes_atomic(&path, &json)
            .with_context(|| format!("could not write the stage record {}", path.display()))
    }
}

/// Removes a file or a directory tree if it exists.
pub fn remove_path(path: &Path) -> anyhow::Result<()> {
    let result = if path.is_dir() {
        std::fs::remove_dir_all(path)
    } else if path.exists() {
        std::fs::remove_file(path)
    } else {
        Ok(())
    };
    result.with_context(|| format!("could not remove {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_depends_on_name_config_and_inputs() {
        let a = stage_hash("train.cot", &serde_json::json!({"lr": 1}), &["x"]);
        assert_eq!(
            a,
            stage_hash("train.cot", &serde_json::json!({"lr": 1}), &["x"])
        );
        assert_ne!(
            a,
            stage_hash("train.label", &serde_json::json!({"lr": 1}), &["x"])
        );
        assert_ne!(
            a,
            stage_hash("train.cot", &serde_json::json!({"lr": 2}), &["x"])
        );
        assert_ne!(
            a,
            stage_hash("train.cot", &serde_json::json!({"lr": 1}), &["y"])
        );
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn decisions_follow_status_and_hash() {
        let dir = tempfile::tempdir().unwrap();
        let stages = Stages::new(dir.path());
        assert_eq!(stages.decide("data", "h1", false), Decision::Fresh);
        let mut record = StageRecord {
            stage: "data".into(),
            hash: "h1".into(),
            status: Status::Running,
            wall_s: 2.0,
        };
        stages.write(&record).unwrap();
        assert_eq!(stages.decide("data", "h1", false), Decision::Resume(2.0));
        assert_eq!(stages.decide("data", "h2", false), Decision::Fresh);
        record.status = Status::Done;
        stages.write(&record).unwrap();
        assert_eq!(stages.decide("data", "h1", false), Decision::Skip(2.0));
        assert!(stages.is_done("data", "h1"));
        assert_eq!(stages.decide("data", "h1", true), Decision::Fresh);
        std::fs::write(dir.path().join("stages/data.json"), "{ half").unwrap();
        assert_eq!(stages.decide("data", "h1", false), Decision::Fresh);
    }
}
