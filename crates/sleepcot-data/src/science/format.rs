//! Reading science multiple-choice questions from the JSONL files of ARC (the AI2 Reasoning
//! Challenge) and OpenBookQA.
//!
//! Two layouts are accepted, one question per line:
//!
//! - ARC, and OpenBookQA's own release:
//!   `{"id", "question": {"stem", "choices": [{"text", "label"}, …]}, "answerKey"}`;
//! - OpenBookQA as exported from the Hugging Face dataset:
//!   `{"id", "question_stem", "choices": {"text": […], "label": […]}, "answerKey"}`.
//!
//! Labels are letters (`A`…) or digits (`1`…, as in some ARC questions); digits become the
//! letter in the same position, so every question reads `A. …`, `B. …` to the student.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One option of a question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// Its letter, `A`…
    pub label: char,
    /// The option's text.
    pub text: String,
}

/// A science multiple-choice question with its gold answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScienceQuestion {
    /// The dataset's id.
    pub id: String,
    /// The question without its options.
    pub stem: String,
    /// The options in file order, relabelled `A`, `B`, …
    pub choices: Vec<Choice>,
    /// The letter of the correct option.
    pub answer: char,
}

/// A line that is not a usable question; the message names the file, the line and the field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScienceFormatError {
    /// The file could not be read.
    #[error("could not read science questions from {path}: {reason}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// A line is not JSON, or a field is missing, of the wrong type or impossible.
    #[error("{path}:{line}: {reason}")]
    Line {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong, naming the field.
        reason: String,
    },
}

/// The letter of a label: `A`…`Z` as is (case-folded), `1`…`9` as the letter at that
/// position.
fn label_letter(label: &str) -> Option<char> {
    let mut chars = label.trim().chars();
    let c = chars.next()?;
    if chars.next().is_some() {
        return None;
    }
    match c {
        'A'..='Z' => Some(c),
        'a'..='z' => Some(c.to_ascii_uppercase()),
        '1'..='9' => Some((b'A' + (c as u8 - b'1')) as char),
        _ => None,
    }
}

fn text_field<'a>(value: &'a Value, field: &str) -> Result<&'a str, String> {
    match value.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        Some(Value::String(_)) => Err(format!("field `{field}` is empty")),
        Some(other) => Err(format!("field `{field}` is {other}, expected a string")),
        None => Err(format!("field `{field}` is missing")),
    }
}

/// The `(label, text)` pairs of either layout.
fn raw_choices(row: &Value) -> Result<Vec<(String, String)>, String> {
    if let Some(question) = row.get("question").filter(|q| q.is_object()) {
        let list = question
            .get("choices")
            .and_then(Value::as_array)
            .ok_or("field `question.choices` is missing or not a list")?;
        return list
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let label =
                    text_field(c, "label").map_err(|e| format!("question.choices[{i}]: {e}"))?;
                let text =
                    text_field(c, "text").map_err(|e| format!("question.choices[{i}]: {e}"))?;
                Ok((label.to_string(), text.to_string()))
            })
            .collect();
    }
    let choices = row.get("choices").ok_or(
        "neither `question.choices` (ARC layout) nor `choices` (Hugging Face layout) is present",
    )?;
    let column = |name: &str| -> Result<Vec<String>, String> {
        choices
            .get(name)
            .and_then(Value::as_array)
            .ok_or(format!("field `choices.{name}` is missing or not a list"))?
            .iter()
            .map(|v| {
                v.as_str().map(str::to_string).ok_or(format!(
                    "field `choices.{name}` holds {v}, expected strings"
                ))
            })
            .collect()
    };
    let (labels, texts) = (column("label")?, column("text")?);
    if labels.len() != texts.len() {
        return Err(format!(
            "`choices.label` has {} entries but `choices.text` has {}",
            labels.len(),
            texts.len()
        ));
    }
    Ok(labels.into_iter().zip(texts).collect())
}

/// Parses one JSON line of either layout.
pub fn parse_line(line: &str) -> Result<ScienceQuestion, String> {
    let row: Value = serde_json::from_str(line).map_err(|e| format!("not valid JSON ({e})"))?;
    let id = text_field(&row, "id")?.to_string();
    let stem = match row.get("question").filter(|q| q.is_object()) {
        Some(q) => text_field(q, "stem")
            .map_err(|e| format!("question.{}", e.trim_start_matches("field ")))?,
        None => text_field(&row, "question_stem")?,
    }
    .trim()
    .to_string();
    let raw = raw_choices(&row)?;
    if !(2..=8).contains(&raw.len()) {
        return Err(format!(
            "question {id} has {} choices, expected 2 to 8",
            raw.len()
        ));
    }
    let mut choices = Vec::with_capacity(raw.len());
    let mut answer = None;
    let key = text_field(&row, "answerKey")?;
    let key_letter = label_letter(key).ok_or(format!(
        "field `answerKey` is {key:?}, expected a letter or a digit"
    ))?;
    for (position, (label, text)) in raw.into_iter().enumerate() {
        let letter = label_letter(&label)
            .ok_or(format!("choice label {label:?} is not a letter or a digit"))?;
        if letter == key_letter {
            answer = Some((b'A' + position as u8) as char);
        }
        if choices.iter().any(|c: &Choice| c.text == text.trim()) {
            return Err(format!(
                "question {id} lists the option {:?} twice",
                text.trim()
            ));
        }
        choices.push(Choice {
            label: (b'A' + position as u8) as char,
            text: text.trim().to_string(),
        });
    }
    let answer = answer.ok_or(format!(
        "field `answerKey` is {key:?}, which names none of the choices"
    ))?;
    Ok(ScienceQuestion {
        id,
        stem,
        choices,
        answer,
    })
}

/// Reads every question of a JSONL file; blank lines are skipped, and the first bad line is
/// an error naming the file and the line.
pub fn read_science_jsonl(path: &Path) -> Result<Vec<ScienceQuestion>, ScienceFormatError> {
    let text = std::fs::read_to_string(path).map_err(|e| ScienceFormatError::Read {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            parse_line(l).map_err(|reason| ScienceFormatError::Line {
                path: path.to_path_buf(),
                line: i + 1,
                reason,
            })
        })
        .collect()
}

impl ScienceQuestion {
    /// The stem followed by one `X. option` line per option.
    pub fn prompt_text(&self) -> String {
        let mut text = self.stem.clone();
        for c in &self.choices {
            text.push_str(&format!("\n{}. {}", c.label, c.text));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_layouts_and_digit_labels_parse() {
        let arc = r#"{"id":"Mercury_1","question":{"stem":"Which is a gas?","choices":[{"text":"ice","label":"1"},{"text":"steam","label":"2"},{"text":"rock","label":"3"}]},"answerKey":"2"}"#;
        let q = parse_line(arc).unwrap();
        assert_eq!(q.answer, 'B');
        assert_eq!(q.choices[2].label, 'C');
        assert_eq!(
            q.prompt_text(),
            "Which is a gas?\nA. ice\nB. steam\nC. rock"
        );
        let hf = r#"{"id":"7-980","question_stem":"The sun is","choices":{"text":["a star","a planet","a moon","a comet"],"label":["A","B","C","D"]},"answerKey":"A"}"#;
        let q = parse_line(hf).unwrap();
        assert_eq!((q.answer, q.choices.len()), ('A', 4));
    }

    #[test]
    fn bad_lines_name_the_field() {
        let cases = [
            ("{", "not valid JSON"),
            (
                r#"{"id":"x","question":{"stem":"s","choices":[{"text":"a","label":"A"},{"text":"b","label":"B"}]}}"#,
                "answerKey",
            ),
            (
                r#"{"id":"x","question":{"stem":"s","choices":[{"text":"a","label":"A"},{"text":"b","label":"B"}]},"answerKey":"E"}"#,
                "names none",
            ),
            (
                r#"{"id":"x","question":{"stem":"","choices":[]},"answerKey":"A"}"#,
                "stem",
            ),
            (
                r#"{"id":"x","question_stem":"s","choices":{"text":["a"],"label":["A","B"]},"answerKey":"A"}"#,
                "choices.label",
            ),
            (
                r#"{"id":"x","question":{"stem":"s","choices":[{"text":"a","label":"A"}]},"answerKey":"A"}"#,
                "1 choices",
            ),
        ];
        for (line, needle) in cases {
            let err = parse_line(line).unwrap_err();
            assert!(err.contains(needle), "{line}: {err}");
        }
    }
}
