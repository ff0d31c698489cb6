//! Reading a JSON export: the cheap sniff, the checks that the file is the vendor's and is
//! whole, and finding its records however the export is paged.
//!
//! Errors, in this order:
//! - the file is recognisably another vendor's, or not JSON at all → `WrongVendor`, naming what
//!   it looks like;
//! - the JSON is cut off or broken → `Malformed` at serde_json's line and column;
//! - a record has the wrong shape (a string where a number belongs) → `Malformed` at the
//!   record's JSON path (`data[3]`);
//! - valid JSON with none of the vendor's fields → `WrongVendor`.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{ImportError, Vendor};

/// How much of the file the sniffers look at: the first record's keys are well inside it.
pub(crate) const SNIFF_BYTES: usize = 1 << 20;

/// The file without a UTF-8 byte-order mark.
fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// The start of the file the sniffers look at.
pub(crate) fn head(bytes: &[u8]) -> &[u8] {
    &bytes[..bytes.len().min(SNIFF_BYTES)]
}

/// Whether `"key"` occurs in the start of the file.
pub(crate) fn has_key(bytes: &[u8], key: &str) -> bool {
    let needle = format!("\"{key}\"");
    head(bytes)
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// The first byte that is not white space (after any byte-order mark).
pub(crate) fn first_byte(bytes: &[u8]) -> Option<u8> {
    strip_bom(bytes)
        .iter()
        .copied()
        .find(|b| !b.is_ascii_whitespace())
}

/// The vendor's name as its exports are called.
pub(crate) fn label(vendor: Vendor) -> &'static str {
    match vendor {
        Vendor::Oura => "Oura",
        Vendor::Fitbit => "Fitbit",
        Vendor::Apple => "Apple Health",
        Vendor::Garmin => "Garmin",
        Vendor::Whoop => "WHOOP",
    }
}

/// What a file looks like, for `WrongVendor`: a vendor's export, or not an export at all.
pub(crate) fn describe(bytes: &[u8]) -> String {
    if let Some(vendor) = super::detect(bytes) {
        let name = label(vendor);
        let article = if matches!(vendor, Vendor::Oura | Vendor::Apple) {
            "an"
        } else {
            "a"
        };
        return format!("{article} {name} export");
    }
    match first_byte(bytes) {
        None => "an empty file".to_string(),
        Some(b'{' | b'[') => "JSON with none of the sleep fields of a known export".to_string(),
        Some(b'<') => "XML that is not an Apple Health export".to_string(),
        Some(_) => "a file that is not JSON".to_string(),
    }
}

/// The serde_json message without its " at line L column C" tail.
fn detail(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rsplit_once(" at line ") {
        Some((message, _)) => message.to_string(),
        None => text,
    }
}

/// The file as JSON, once it is known to be `vendor`'s (its `looks_like` passes) and whole.
pub(crate) fn read(
    path: &Path,
    bytes: &[u8],
    vendor: Vendor,
    looks_like: fn(&[u8]) -> bool,
) -> Result<Value, ImportError> {
    let wrong = |looks_like: String| ImportError::WrongVendor {
        path: path.to_path_buf(),
        expected: label(vendor),
        looks_like,
    };
    let ours = looks_like(bytes);
    if !ours && (super::detect(bytes).is_some() || !matches!(first_byte(bytes), Some(b'{' | b'[')))
    {
        return Err(wrong(describe(bytes)));
    }
    let value: Value =
        serde_json::from_slice(strip_bom(bytes)).map_err(|e| ImportError::Malformed {
            path: path.to_path_buf(),
            location: format!("line {}, column {}", e.line(), e.column()),
            detail: detail(&e),
        })?;
    if !ours {
        return Err(wrong(format!(
            "JSON with none of the {} sleep fields",
            label(vendor)
        )));
    }
    Ok(value)
}

/// A record's position in the file (a JSON path such as `data[3]`) and its value.
pub(crate) type Located<'v> = (String, &'v Value);

/// The records of an export however it is paged: a bare array of records, a page (an object
/// holding one of the `containers` keys, e.g. `{"data": [...], "next_token": ...}`), an array
/// of pages, or a single record object. A `null` container is an empty page.
pub(crate) fn records<'v>(
    path: &Path,
    root: &'v Value,
    containers: &[&str],
) -> Result<Vec<Located<'v>>, ImportError> {
    let mut out = Vec::new();
    collect(path, root, String::new(), containers, &mut out)?;
    Ok(out)
}

fn is_page(value: &Value, containers: &[&str]) -> bool {
    value
        .as_object()
        .is_some_and(|o| containers.iter().any(|k| o.contains_key(*k)))
}

fn collect<'v>(
    path: &Path,
    value: &'v Value,
    at: String,
    containers: &[&str],
    out: &mut Vec<Located<'v>>,
) -> Result<(), ImportError> {
    match value {
        Value::Null => Ok(()),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let at = format!("{at}[{i}]");
                if is_page(item, containers) {
                    collect(path, item, at, containers, out)?;
                } else {
                    out.push((at, item));
                }
            }
            Ok(())
        }
        Value::Object(object) if is_page(value, containers) => {
            for key in containers {
                if let Some(inner) = object.get(*key) {
                    let at = if at.is_empty() {
                        (*key).to_string()
                    } else {
                        format!("{at}.{key}")
                    };
                    collect(path, inner, at, containers, out)?;
                }
            }
            Ok(())
        }
        Value::Object(_) => {
            let at = if at.is_empty() { "(root)".into() } else { at };
            out.push((at, value));
            Ok(())
        }
        other => Err(ImportError::Malformed {
            path: path.to_path_buf(),
            location: if at.is_empty() { "(root)".into() } else { at },
            detail: format!("expected a record or an array of records, found {other}"),
        }),
    }
}

/// The record as the vendor's typed struct; a shape error is `Malformed` at the record, and at
/// the first top-level field that fails on its own (the structs default every field, so a
/// record holding only that field isolates it).
pub(crate) fn typed<T: DeserializeOwned>(
    path: &Path,
    at: &str,
    value: &Value,
) -> Result<T, ImportError> {
    T::deserialize(value).map_err(|e| {
        let field = value.as_object().and_then(|fields| {
            fields.iter().find_map(|(key, v)| {
                let alone = Value::Object([(key.clone(), v.clone())].into_iter().collect());
                T::deserialize(&alone).is_err().then_some(key)
            })
        });
        ImportError::Malformed {
            path: path.to_path_buf(),
            location: match field {
                Some(key) => format!("{at}.{key}"),
                None => at.to_string(),
            },
            detail: detail(&e),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn positions(root: &Value, containers: &[&str]) -> Vec<String> {
        records(Path::new("x.json"), root, containers)
            .unwrap()
            .into_iter()
            .map(|(at, _)| at)
            .collect()
    }

    #[test]
    fn records_are_found_in_every_paging() {
        let rec = json!({"id": 1});
        assert_eq!(positions(&json!([rec, rec]), &["data"]), ["[0]", "[1]"]);
        assert_eq!(
            positions(&json!({"data": [rec], "next_token": null}), &["data"]),
            ["data[0]"]
        );
        assert_eq!(
            positions(&json!([{"data": [rec]}, {"data": [rec, rec]}]), &["data"]),
            ["[0].data[0]", "[1].data[0]", "[1].data[1]"]
        );
        assert_eq!(
            positions(
                &json!({"sleep": {"data": [rec]}, "daily_spo2": [rec]}),
                &["data", "sleep", "daily_spo2"]
            ),
            ["sleep.data[0]", "daily_spo2[0]"]
        );
        assert_eq!(positions(&rec, &["data"]), ["(root)"]);
        assert_eq!(
            positions(&json!({"data": null}), &["data"]),
            Vec::<String>::new()
        );
        assert!(records(Path::new("x.json"), &json!({"data": 3}), &["data"]).is_err());
    }

    #[test]
    fn sniff_helpers() {
        assert!(has_key(br#"{"bedtime_start": 1}"#, "bedtime_start"));
        assert!(!has_key(br#"{"bedtime_start_x": 1}"#, "bedtime_start"));
        assert_eq!(first_byte(b"\xEF\xBB\xBF  \n[1]"), Some(b'['));
        assert_eq!(first_byte(b"  "), None);
    }
}
