//! `cargo xtask audit DATA_DIR`: the teacher-consistency audit of a generated dataset.

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;
use sleepcot_data::audit::audit_data_dir;

/// Options of `cargo xtask audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// A data directory written by `cargo xtask data` (or an experiment's `runs/NAME/data`).
    dir: PathBuf,
}

/// Audits every instruction record of the directory, prints the violations by kind with
/// examples, and fails when there is any.
pub fn run(args: &AuditArgs) -> anyhow::Result<()> {
    let summary = audit_data_dir(&args.dir)?;
    print!("{summary}");
    if !summary.is_clean() {
        bail!(
            "{} violation(s) in {} of {} records of {}",
            summary.total(),
            summary.failing_items,
            summary.items,
            args.dir.display()
        );
    }
    Ok(())
}
