//! `ChatTeacherConfig`: where the OpenAI-compatible endpoint is and how to talk to it.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Settings of a [`super::ChatTeacher`]. Unknown keys are rejected; everything but `base_url`
/// and `model` has a default.
///
/// The API key itself is never part of the configuration: `api_key_env` names the environment
/// variable that holds it, so configurations can be written to disk and shared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatTeacherConfig {
    /// The API root, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:8080/v1`; requests go
    /// to `{base_url}/chat/completions`.
    pub base_url: String,
    /// The model name sent with every request.
    pub model: String,
    /// The environment variable holding the API key (sent as a bearer token); `None` sends none.
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// Sampling temperature (0 = greedy, which makes the cache and the run reproducible).
    #[serde(default)]
    pub temperature: f32,
    /// Maximum tokens of each reply.
    #[serde(default = "defaults::max_tokens")]
    pub max_tokens: u32,
    /// Requests in flight at once, across every thread that uses the teacher.
    #[serde(default = "defaults::concurrency")]
    pub concurrency: usize,
    /// Worked examples per prompt (written by the expert teacher); 0 gives zero-shot prompts.
    #[serde(default = "defaults::few_shot")]
    pub few_shot: usize,
    /// Seconds allowed for connecting.
    #[serde(default = "defaults::connect_timeout_s")]
    pub connect_timeout_s: f64,
    /// Seconds allowed for a whole request (connect, send, generate, read).
    #[serde(default = "defaults::timeout_s")]
    pub timeout_s: f64,
    /// Retries after a 429, a 5xx or a network failure (0 = one attempt only).
    #[serde(default = "defaults::max_retries")]
    pub max_retries: u32,
    /// First backoff in milliseconds; it doubles on every retry (plus up to 50 % jitter).
    #[serde(default = "defaults::backoff_ms")]
    pub backoff_ms: u64,
    /// Ceiling of one backoff (and of an honoured `Retry-After`), in milliseconds.
    #[serde(default = "defaults::max_backoff_ms")]
    pub max_backoff_ms: u64,
    /// Drop outputs whose final answer disagrees with the gold answer (they are counted).
    #[serde(default = "defaults::filter")]
    pub filter: bool,
    /// Where responses are cached; `None` lets the caller choose (the data stage uses
    /// `<out>/teacher-cache`).
    #[serde(default)]
    pub cache_dir: Option<PathBuf>,
}

mod defaults {
    pub fn max_tokens() -> u32 {
        1024
    }
    pub fn concurrency() -> usize {
        4
    }
    pub fn few_shot() -> usize {
        1
    }
    pub fn connect_timeout_s() -> f64 {
        10.0
    }
    pub fn timeout_s() -> f64 {
        300.0
    }
    pub fn max_retries() -> u32 {
        5
    }
    pub fn backoff_ms() -> u64 {
        500
    }
    pub fn max_backoff_ms() -> u64 {
        60_000
    }
    pub fn filter() -> bool {
        true
    }
}

/// A configuration value that cannot work; the message names the field and the value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("chat teacher field `{field}` is {value}, but {expected} was expected")]
pub struct ChatConfigError {
    /// The field at fault.
    pub field: &'static str,
    /// Its value, as text.
    pub value: String,
    /// What would have been accepted.
    pub expected: &'static str,
}

impl ChatTeacherConfig {
    /// A configuration for `model` at `base_url` with every other field at its default.
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> Self {
        ChatTeacherConfig {
            base_url: base_url.into(),
            model: model.into(),
            api_key_env: None,
            temperature: 0.0,
            max_tokens: defaults::max_tokens(),
            concurrency: defaults::concurrency(),
            few_shot: defaults::few_shot(),
            connect_timeout_s: defaults::connect_timeout_s(),
            timeout_s: defaults::timeout_s(),
            max_retries: defaults::max_retries(),
            backoff_ms: defaults::backoff_ms(),
            max_backoff_ms: defaults::max_backoff_ms(),
            filter: defaults::filter(),
            cache_dir: None,
        }
    }

    /// The chat-completions URL: `base_url` without trailing slashes, plus `/chat/completions`.
    pub fn endpoint(&self) -> String {
        format!("{}/chat/completions", self.base_url.trim_end_matches('/'))
    }

    /// Rejects values that cannot work (a URL that is not http(s), an empty model, ...).
    pub fn validate(&self) -> Result<(), ChatConfigError> {
        let bad = |field, value: String, expected| {
            Err(ChatConfigError {
                field,
                value,
                expected,
            })
        };
        let url = self.base_url.trim();
        let rest = url
            .strip_prefix("http://")
            .or_else(|| url.strip_prefix("https://"));
        if rest.is_none_or(|r| r.is_empty() || r.starts_with('/')) {
            return bad(
                "base_url",
                format!("\"{}\"", self.base_url),
                "an http:// or https:// URL such as \"http://127.0.0.1:8080/v1\"",
            );
        }
        if self.model.trim().is_empty() {
            return bad("model", "empty".into(), "a model name");
        }
        if let Some(var) = &self.api_key_env
            && (var.is_empty() || var.contains('='))
        {
            return bad(
                "api_key_env",
                format!("\"{var}\""),
                "the name of an environment variable",
            );
        }
        if !(self.temperature.is_finite() && (0.0..=2.0).contains(&self.temperature)) {
            return bad(
                "temperature",
                self.temperature.to_string(),
                "a number between 0 and 2",
            );
        }
        if self.max_tokens == 0 {
            return bad("max_tokens", "0".into(), "at least 1");
        }
        if !(1..=1024).contains(&self.concurrency) {
            return bad(
                "concurrency",
                self.concurrency.to_string(),
                "between 1 and 1024",
            );
        }
        if self.few_shot > 8 {
            return bad("few_shot", self.few_shot.to_string(), "at most 8");
        }
        for (field, v) in [
            ("connect_timeout_s", self.connect_timeout_s),
            ("timeout_s", self.timeout_s),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return bad(field, v.to_string(), "a positive number of seconds");
            }
        }
        if self.max_backoff_ms < self.backoff_ms {
            return bad(
                "max_backoff_ms",
                self.max_backoff_ms.to_string(),
                "at least backoff_ms",
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_defaults_and_unknown_keys() {
        let c: ChatTeacherConfig =
            toml_like(r#"{"base_url":"http://h:1/v1/","model":"m","api_key_env":"K"}"#).unwrap();
        assert_eq!(c.max_tokens, 1024);
        assert_eq!(c.endpoint(), "http://h:1/v1/chat/completions");
        assert!(c.validate().is_ok());
        let e = toml_like(r#"{"base_url":"http://h","model":"m","api_key":"secret"}"#);
        assert!(e.unwrap_err().contains("api_key"));
    }

    fn toml_like(json: &str) -> Result<ChatTeacherConfig, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn validation_names_field_and_value() {
        let mut c = ChatTeacherConfig::new("ftp://x", "m");
        assert_eq!(
            c.validate().unwrap_err().to_string(),
            "chat teacher field `base_url` is \"ftp://x\", but an http:// or https:// URL such as \"http://127.0.0.1:8080/v1\" was expected"
        );
        c.base_url = "http://127.0.0.1:9/v1".into();
        c.concurrency = 0;
        assert!(
            c.validate()
                .unwrap_err()
                .to_string()
                .contains("`concurrency` is 0")
        );
        c.concurrency = 2;
        c.temperature = f32::NAN;
        assert!(
            c.validate()
                .unwrap_err()
                .to_string()
                .contains("temperature")
        );
    }
}
