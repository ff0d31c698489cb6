//! Writing datasets to disk: atomic files, JSON Lines and Parquet.
//!
//! Every file is written to a temporary sibling first and renamed into place, so a reader (or a
//! resumed run) never sees a half-written file. Parquet tables are derived from the same serde
//! rows as the JSONL files: nested objects are flattened into dotted column names and arrays are
//! stored as JSON text, so one function serves reports, questions and instruction records alike.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use polars::prelude::{Column, DataFrame, ParquetWriter};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// A failure while reading or writing a dataset file; each message names the file.
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    /// The operating system refused a read or write.
    #[error("could not {action} {path}: {source}")]
    Os {
        /// What was being attempted ("write", "read", "create directory for", ...).
        action: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A JSON Lines file holds a line that is not the expected record.
    #[error("{path} line {line} is not a valid record: {message}")]
    Json {
        /// The file concerned.
        path: PathBuf,
        /// One-based line number.
        line: usize,
        /// serde's description of the problem.
        message: String,
    },
    /// Rows could not be turned into a Parquet table.
    #[error("could not write Parquet table {path}: {message}")]
    Parquet {
        /// The file concerned.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

fn os<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> IoError + 'a {
    move |source| IoError::Os {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `path` atomically: `write` fills a temporary file in the same directory, which is
/// flushed, synced and then renamed over `path`. On any error the old file (if any) is untouched.
pub fn write_atomic<F>(path: &Path, write: F) -> Result<(), IoError>
where
    F: FnOnce(&mut fs::File) -> Result<(), IoError>,
{
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(dir) = dir {
        fs::create_dir_all(dir).map_err(os("create directory for", path))?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut file = fs::File::create(&tmp).map_err(os("write", &tmp))?;
        write(&mut file)?;
        file.flush().map_err(os("write", &tmp))?;
        file.sync_all().map_err(os("write", &tmp))?;
        fs::rename(&tmp, path).map_err(os("write", path))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Writes `bytes` to `path` atomically.
pub fn write_bytes_atomic(path: &Path, bytes: &[u8]) -> Result<(), IoError> {
    write_atomic(path, |f| f.write_all(bytes).map_err(os("write", path)))
}

/// Serialises rows as JSON Lines (one compact object per line, in order).
pub fn to_jsonl<T: Serialize>(rows: &[T]) -> Vec<u8> {
    let mut out = Vec::new();
    for row in rows {
        serde_json::to_writer(&mut out, row).expect("serialising an in-memory record cannot fail");
        out.push(b'\n');
    }
    out
}

/// Writes rows as a JSON Lines file, atomically.
pub fn write_jsonl<T: Serialize>(path: &Path, rows: &[T]) -> Result<(), IoError> {
    write_bytes_atomic(path, &to_jsonl(rows))
}

/// Reads a JSON Lines file; blank lines are skipped, and a bad line is reported with its number.
pub fn read_jsonl<T: DeserializeOwned>(path: &Path) -> Result<Vec<T>, IoError> {
    let file = fs::File::open(path).map_err(os("read", path))?;
    let mut rows = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(os("read", path))?;
        if line.trim().is_empty() {
            continue;
        }
        let row = serde_json::from_str(&line).map_err(|e| IoError::Json {
            path: path.to_path_buf(),
            line: i + 1,
            message: e.to_string(),
        })?;
        rows.push(row);
    }
    Ok(rows)
}

/// The value of one cell once a row is flattened.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
}

/// Flattens a JSON object: nested objects become `outer.inner` keys, arrays become JSON text.
fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, Cell)>) {
    let key = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                flatten(&key(k), v, out);
            }
        }
        other => out.push((prefix.to_string(), cell(other))),
    }
}

fn cell(value: &Value) -> Cell {
    match value {
        Value::Null => Cell::Null,
        Value::Bool(b) => Cell::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Cell::Int(i),
            None => Cell::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Cell::Text(s.clone()),
        Value::Array(_) | Value::Object(_) => Cell::Text(value.to_string()),
    }
}

/// The column type that can hold every cell seen in a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Bool,
    Int,
    Float,
    Text,
}

fn widen(kind: Option<Kind>, c: &Cell) -> Option<Kind> {
    let this = match c {
        Cell::Null => return kind,
        Cell::Bool(_) => Kind::Bool,
        Cell::Int(_) => Kind::Int,
        Cell::Float(_) => Kind::Float,
        Cell::Text(_) => Kind::Text,
    };
    Some(match kind {
        None => this,
        Some(k) if k == this => k,
        Some(Kind::Int) if this == Kind::Float => Kind::Float,
        Some(Kind::Float) if this == Kind::Int => Kind::Float,
        _ => Kind::Text,
    })
}

fn cell_text(c: &Cell) -> Option<String> {
    match c {
        Cell::Null => None,
        Cell::Bool(b) => Some(b.to_string()),
        Cell::Int(i) => Some(i.to_string()),
        Cell::Float(f) => Some(f.to_string()),
        Cell::Text(s) => Some(s.clone()),
    }
}

/// Builds a table from serde rows: one column per flattened field, in first-seen order.
pub fn to_dataframe<T: Serialize>(rows: &[T]) -> Result<DataFrame, String> {
    let mut names: Vec<String> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = Default::default();
    let mut table: Vec<Vec<(usize, Cell)>> = Vec::with_capacity(rows.len());
    for row in rows {
        let value = serde_json::to_value(row).map_err(|e| e.to_string())?;
        let value = match value {
            Value::Object(map) => Value::Object(map),
            other => Value::Object(Map::from_iter([("value".to_string(), other)])),
        };
        let mut cells = Vec::new();
        flatten("", &value, &mut cells);
        let mut row_cells = Vec::with_capacity(cells.len());
        for (name, c) in cells {
            let next = names.len();
            let i = *index.entry(name.clone()).or_insert(next);
            if i == next {
                names.push(name);
            }
            row_cells.push((i, c));
        }
        table.push(row_cells);
    }
    let mut columns: Vec<Vec<Cell>> = vec![vec![Cell::Null; rows.len()]; names.len()];
    for (r, row) in table.into_iter().enumerate() {
        for (i, c) in row {
            columns[i][r] = c;
        }
    }
    let cols = names
        .iter()
        .zip(columns)
        .map(|(name, cells)| {
            let kind = cells.iter().fold(None, widen).unwrap_or(Kind::Text);
            let name = name.as_str().into();
            match kind {
                Kind::Bool => Column::new(
                    name,
                    cells
                        .iter()
                        .map(|c| match c {
                            Cell::Bool(b) => Some(*b),
                            _ => None,
                        })
                        .collect::<Vec<_>>(),
                ),
                Kind::Int => Column::new(
                    name,
                    cells
                        .iter()
                        .map(|c| match c {
                            Cell::Int(i) => Some(*i),
                            _ => None,
                        })
                        .collect::<Vec<_>>(),
                ),
                Kind::Float => Column::new(
                    name,
                    cells
                        .iter()
                        .map(|c| match c {
                            Cell::Int(i) => Some(*i as f64),
                            Cell::Float(f) => Some(*f),
                            _ => None,
                        })
                        .collect::<Vec<_>>(),
                ),
                Kind::Text => Column::new(name, cells.iter().map(cell_text).collect::<Vec<_>>()),
            }
        })
        .collect::<Vec<_>>();
    DataFrame::new(rows.len(), cols).map_err(|e| e.to_string())
}

/// Writes rows as a Parquet table (flattened as in [`to_dataframe`]), atomically.
///
/// Columns are written single-threaded so that the bytes never depend on the thread count.
pub fn write_parquet<T: Serialize>(path: &Path, rows: &[T]) -> Result<(), IoError> {
    let parquet_err = |message: String| IoError::Parquet {
        path: path.to_path_buf(),
        message,
    };
    let mut df = to_dataframe(rows).map_err(parquet_err)?;
    write_atomic(path, |file| {
        ParquetWriter::new(file)
            .set_parallel(false)
            .finish(&mut df)
            .map(|_| ())
            .map_err(|e| parquet_err(e.to_string()))
    })
}

/// Writes rows both as `<stem>.jsonl` and `<stem>.parquet` in `dir`.
pub fn write_table<T: Serialize>(dir: &Path, stem: &str, rows: &[T]) -> Result<(), IoError> {
    write_jsonl(&dir.join(format!("{stem}.jsonl")), rows)?;
    write_parquet(&dir.join(format!("{stem}.parquet")), rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::{ParquetReader, SerReader};

    #[derive(Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Row {
        id: String,
        n: i64,
        x: f64,
        nested: Nested,
        list: Vec<u32>,
    }
    #[derive(Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Nested {
        flag: bool,
        name: Option<String>,
    }

    fn rows() -> Vec<Row> {
        (0..5)
            .map(|i| Row {
                id: format!("r{i}"),
                n: i,
                x: i as f64 * 0.5,
                nested: Nested {
                    flag: i % 2 == 0,
                    name: (i != 3).then(|| format!("n{i}")),
                },
                list: vec![i as u32; i as usize],
            })
            .collect()
    }

    #[test]
    fn jsonl_round_trips_and_reports_bad_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rows.jsonl");
        write_jsonl(&path, &rows()).unwrap();
        let back: Vec<Row> = read_jsonl(&path).unwrap();
        assert_eq!(back, rows());

        fs::write(&path, "{\"id\":\"a\"}\n").unwrap();
        let err = read_jsonl::<Row>(&path).unwrap_err().to_string();
        assert!(
            err.contains("rows.jsonl line 1 is not a valid record"),
            "{err}"
        );
        let missing = read_jsonl::<Row>(&dir.path().join("nope.jsonl")).unwrap_err();
        assert!(missing.to_string().contains("could not read"), "{missing}");
    }

    #[test]
    fn parquet_has_flattened_typed_columns_and_is_deterministic() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.parquet");
        let b = dir.path().join("b.parquet");
        write_parquet(&a, &rows()).unwrap();
        write_parquet(&b, &rows()).unwrap();
        assert_eq!(fs::read(&a).unwrap(), fs::read(&b).unwrap());
        let df = ParquetReader::new(fs::File::open(&a).unwrap())
            .finish()
            .unwrap();
        assert_eq!(df.height(), 5);
        let names: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            names,
            ["id", "n", "x", "nested.flag", "nested.name", "list"]
        );
        let n = df.column("n").unwrap().i64().unwrap().get(4);
        assert_eq!(n, Some(4));
        let name = df.column("nested.name").unwrap().str().unwrap().get(3);
        assert_eq!(name, None);
        let list = df.column("list").unwrap().str().unwrap().get(2);
        assert_eq!(list, Some("[2,2]"));
    }

    #[test]
    fn failed_atomic_write_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keep.txt");
        write_bytes_atomic(&path, b"old").unwrap();
        let err = write_atomic(&path, |_| {
            Err(IoError::Parquet {
                path: path.clone(),
                message: "boom".into(),
            })
        });
        assert!(err.is_err());
        assert_eq!(fs::read(&path).unwrap(), b"old");
        let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "temporary file left behind");
    }
}
