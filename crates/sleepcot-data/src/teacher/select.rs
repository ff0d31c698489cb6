//! Choosing the teacher from configuration: `teacher = { kind = "expert" }` (the default) or
//! `teacher = { kind = "chat", base_url = "…", model = "…", api_key_env = "…" }`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::chat::{ChatSetupError, ChatStats, ChatTeacher, ChatTeacherConfig};
use super::{ExpertTeacher, Teacher};

/// Which teacher labels the data. Unknown keys of the chat form are rejected.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TeacherConfig {
    /// The embedded rule-based [`ExpertTeacher`].
    #[default]
    Expert,
    /// An OpenAI-compatible endpoint through [`ChatTeacher`].
    Chat(ChatTeacherConfig),
}

/// A teacher built from a [`TeacherConfig`].
#[derive(Debug)]
pub enum SelectedTeacher {
    /// The expert teacher.
    Expert(ExpertTeacher),
    /// A chat teacher (boxed: it holds a client, a cache and an example pool).
    Chat(Box<ChatTeacher>),
}

impl TeacherConfig {
    /// Builds the teacher; a chat teacher without `cache_dir` caches in `default_cache_dir`.
    pub fn build(&self, default_cache_dir: &Path) -> Result<SelectedTeacher, ChatSetupError> {
        Ok(match self {
            TeacherConfig::Expert => SelectedTeacher::Expert(ExpertTeacher),
            TeacherConfig::Chat(config) => SelectedTeacher::Chat(Box::new(ChatTeacher::new(
                config.clone(),
                default_cache_dir,
            )?)),
        })
    }
}

impl SelectedTeacher {
    /// The teacher as a trait object, for [`crate::pipeline::Dataset::generate`].
    pub fn as_teacher(&self) -> &dyn Teacher {
        match self {
            SelectedTeacher::Expert(t) => t,
            SelectedTeacher::Chat(t) => t.as_ref(),
        }
    }

    /// The chat teacher's counters, if it is one.
    pub fn chat_stats(&self) -> Option<ChatStats> {
        match self {
            SelectedTeacher::Expert(_) => None,
            SelectedTeacher::Chat(t) => Some(t.stats()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Wrapper {
        teacher: TeacherConfig,
    }

    #[test]
    fn toml_selection_and_unknown_keys() {
        let w: Wrapper = toml_value(
            r#"{"teacher":{"kind":"chat","base_url":"http://127.0.0.1:8080/v1","model":"student","api_key_env":"KEY"}}"#,
        )
        .unwrap();
        let TeacherConfig::Chat(c) = w.teacher else {
            panic!("not chat")
        };
        assert_eq!(
            (c.model.as_str(), c.api_key_env.as_deref()),
            ("student", Some("KEY"))
        );
        let w: Wrapper = toml_value(r#"{"teacher":{"kind":"expert"}}"#).unwrap();
        assert_eq!(w.teacher, TeacherConfig::Expert);
        let e = toml_value(
            r#"{"teacher":{"kind":"chat","base_url":"http://h/v1","model":"m","temprature":1}}"#,
        )
        .unwrap_err();
        assert!(e.contains("temprature"), "{e}");
        let e = toml_value(r#"{"teacher":{"kind":"oracle"}}"#).unwrap_err();
        assert!(e.contains("oracle"), "{e}");
    }

    fn toml_value(json: &str) -> Result<Wrapper, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }
}
