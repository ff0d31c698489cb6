//! Auditing a data directory written by [`crate::pipeline::Dataset::write`].

use std::path::{Path, PathBuf};

use super::{AuditSummary, audit_records};
use crate::instructions::{InstructionRecord, Split};
use crate::io::{IoError, read_jsonl};

/// Why a data directory could not be audited; one sentence naming the path.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The directory has none of the instruction files a data stage writes.
    #[error(
        "{0} holds no instructions/train.jsonl, val.jsonl or test.jsonl; expected a data directory written by `cargo xtask data`"
    )]
    NotADataDir(PathBuf),
    /// A file could not be read or holds a line that is not an instruction record.
    #[error(transparent)]
    Io(#[from] IoError),
}

/// Reads every instruction record of `dir` (all splits present) and audits it.
pub fn audit_data_dir(dir: &Path) -> Result<AuditSummary, AuditError> {
    let mut records: Vec<InstructionRecord> = Vec::new();
    let mut found = false;
    for split in Split::ALL {
        let path = dir
            .join("instructions")
            .join(format!("{}.jsonl", split.name()));
        if path.is_file() {
            found = true;
            records.extend(read_jsonl::<InstructionRecord>(&path)?);
        }
    }
    if !found {
        return Err(AuditError::NotADataDir(dir.to_path_buf()));
    }
    Ok(audit_records(&records))
}
