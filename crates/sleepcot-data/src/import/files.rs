//! Importing several files as one export (`cargo xtask import FILE...`).
//!
//! Each file is read as its vendor's export ([`super::import`], or the streamed Apple reader
//! for an `export.xml`, which is never read into memory whole). Oura files are read together
//! ([`super::oura::parse_files`]), so `sleep` pages and `daily_spo2` pages in separate files
//! are merged by day. Then the nights of every file are merged by night: in time order, and a
//! night whose window overlaps one already kept (the same sleep in two files) is dropped and
//! counted as an overlapping duplicate. Skip counts add up; the age and sex are the first file's
//! that states them.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use super::{Export, ImportError, Vendor, detect, json, oura, record};

/// Reads the start of a file for [`detect`].
fn head(path: &Path) -> Result<Vec<u8>, ImportError> {
    let read = |source| ImportError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut head = Vec::new();
    File::open(path)
        .map_err(read)?
        .take(json::SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(read)?;
    Ok(head)
}

/// Imports `paths` (at least one) as one export; `vendor` forces every file's vendor (`--from`),
/// `None` detects each file's.
pub fn import_files(paths: &[PathBuf], vendor: Option<Vendor>) -> Result<Export, ImportError> {
    let mut exports = Vec::new();
    let mut oura_files = Vec::new();
    for path in paths {
        let head = head(path)?;
        let file_vendor = match vendor {
            Some(v) => v,
            None => detect(&head).ok_or_else(|| ImportError::WrongVendor {
                path: path.clone(),
                expected: "wearable",
                looks_like: json::describe(&head),
            })?,
        };
        match file_vendor {
            Vendor::Apple => {
                let file = File::open(path).map_err(|source| ImportError::Read {
                    path: path.clone(),
                    source,
                })?;
                let reader = BufReader::with_capacity(1 << 20, file);
                exports.push(super::apple::parse_reader(path, reader)?);
            }
            Vendor::Oura => oura_files.push((path.as_path(), read(path)?)),
            v => exports.push(super::import(path, &read(path)?, Some(v))?),
        }
    }
    if !oura_files.is_empty() {
        let files: Vec<(&Path, &[u8])> =
            oura_files.iter().map(|(p, b)| (*p, b.as_slice())).collect();
        exports.push(oura::parse_files(&files)?);
    }
    let mut merged = Export::default();
    for export in exports {
        merged.nights.extend(export.nights);
        for (reason, n) in export.skipped {
            *merged.skipped.entry(reason).or_default() += n;
        }
        merged.age = merged.age.or(export.age);
        merged.sex = merged.sex.or(export.sex);
    }
    let names: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    record::finish(&record::joined(&names), merged)
}

/// The whole file.
fn read(path: &Path) -> Result<Vec<u8>, ImportError> {
    std::fs::read(path).map_err(|source| ImportError::Read {
        path: path.to_path_buf(),
        source,
    })
}
