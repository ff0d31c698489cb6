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

/// Lower-case hex SHA-256 of `bytes`: the key of a cached reply, and the fingerprint that ties a
/// stored judgement to the exact output it judged.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
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

/// A JSON tree that keeps object keys in the order they were serialised (struct field order).
///
/// `serde_json::Value` sorts object keys unless serde_json's `preserve_order` feature happens to
/// be enabled somewhere in the build, so column order must not depend on it.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

impl<'de> serde::Deserialize<'de> for Node {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_none<E>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
                serde::Deserialize::deserialize(d)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Node, E> {
                Ok(Node::Bool(b))
            }
            fn visit_i64<E>(self, i: i64) -> Result<Node, E> {
                Ok(Node::Int(i))
            }
            fn visit_u64<E>(self, u: u64) -> Result<Node, E> {
                Ok(i64::try_from(u).map_or(Node::Float(u as f64), Node::Int))
            }
            fn visit_f64<E>(self, f: f64) -> Result<Node, E> {
                Ok(Node::Float(f))
            }
            fn visit_str<E>(self, s: &str) -> Result<Node, E> {
                Ok(Node::Text(s.to_string()))
            }
            fn visit_string<E>(self, s: String) -> Result<Node, E> {
                Ok(Node::Text(s))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(n) = a.next_element()? {
                    items.push(n);
                }
                Ok(Node::Array(items))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = a.next_entry()? {
                    entries.push(entry);
                }
                Ok(Node::Object(entries))
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for Node {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Node::Null => s.serialize_unit(),
            Node::Bool(b) => s.serialize_bool(*b),
            Node::Int(i) => s.serialize_i64(*i),
            Node::Float(f) => s.serialize_f64(*f),
            Node::Text(t) => s.serialize_str(t),
            Node::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for n in items {
                    seq.serialize_element(n)?;
                }
                seq.end()
            }
            Node::Object(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// Flattens a JSON object: nested objects become `outer.inner` keys, arrays become JSON text.
fn flatten(prefix: &str, value: &Node, out: &mut Vec<(String, Cell)>) {
    let key = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match value {
        Node::Object(entries) => {
            for (k, v) in entries {
                flatten(&key(k), v, out);
            }
        }
        other => out.push((prefix.to_string(), cell(other))),
    }
}

fn cell(value: &Node) -> Cell {
    match value {
        Node::Null => Cell::Null,
        Node::Bool(b) => Cell::Bool(*b),
        Node::Int(i) => Cell::Int(*i),
        Node::Float(f) => Cell::Float(*f),
        Node::Text(s) => Cell::Text(s.clone()),
        Node::Array(_) | Node::Object(_) => Cell::Text(
            serde_json::to_string(value).expect("serialising an in-memory tree cannot fail"),
        ),
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
        // Through text, so that object keys keep their serialisation order.
        let text = serde_json::to_string(row).map_err(|e| e.to_string())?;
        let value: Node = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        let value = match value {
            Node::Object(entries) => Node::Object(entries),
            other => Node::Object(vec![("value".to_string(), other)]),
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
