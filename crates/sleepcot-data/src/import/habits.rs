//! Reading a person's habits (`--habits FILE`): the [`Habits`] struct as TOML or JSON.
//!
//! Every field of [`Habits`] is required except `evening_exercise_end_before_bed_min`, as in
//! the struct itself; a key the struct does not have is an error (a typo would otherwise leave
//! a habit silently at its default). Errors name the file and the field.

use std::path::Path;

use serde_json::{Map, Value};

use super::ImportError;
use crate::persona::Habits;

/// Reads `path` as TOML (`.toml`) or JSON (any other extension) habits.
pub fn read_habits(path: &Path) -> Result<Habits, ImportError> {
    let text = std::fs::read_to_string(path).map_err(|source| ImportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let bad = |detail: String| ImportError::Habits {
        path: path.to_path_buf(),
        detail,
    };
    let value: Value = if path.extension().is_some_and(|e| e == "toml") {
        let table: toml::Table = toml::from_str(&text)
            .map_err(|e| bad(format!("is not valid TOML ({})", e.message().trim())))?;
        serde_json::to_value(table).map_err(|e| bad(e.to_string()))?
    } else {
        serde_json::from_str(&text).map_err(|e| {
            bad(format!(
                "is not valid JSON at line {}, column {}",
                e.line(),
                e.column()
            ))
        })?
    };
    let Value::Object(given) = value else {
        return Err(bad("must hold a table of habits".to_string()));
    };
    habits_from(&given).map_err(bad)
}

/// The habits in `given`, or what is wrong with it, naming the field.
fn habits_from(given: &Map<String, Value>) -> Result<Habits, String> {
    let reference = serde_json::to_value(super::report::no_habits()).expect("habits serialise");
    let Value::Object(known) = reference else {
        unreachable!("habits serialise to an object")
    };
    if let Some(key) = given.keys().find(|k| !known.contains_key(*k)) {
        let names: Vec<&str> = known.keys().map(String::as_str).collect();
        return Err(format!(
            "has the unknown habit `{key}`; the habits are {}",
            names.join(", ")
        ));
    }
    // Each given field checked on its own over valid placeholders, so a wrong type names it.
    for (key, value) in given {
        let mut one = known.clone();
        one.insert(key.clone(), value.clone());
        if let Err(e) = serde_json::from_value::<Habits>(Value::Object(one)) {
            return Err(format!("has `{key}` = {value}, which is not valid: {e}"));
        }
    }
    serde_json::from_value(Value::Object(given.clone())).map_err(|e| format!("is incomplete: {e}"))
}
