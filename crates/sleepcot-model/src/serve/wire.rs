//! OpenAI's chat-completions wire format: parsing and validating a request, and the response,
//! stream-chunk and model-list bodies.
//!
//! Requests are parsed field by field from JSON so that every rejection names its field
//! (`param`) and says what was expected. Fields this server does not use (`user`, `logprobs`,
//! `frequency_penalty`, ...) are ignored, as OpenAI-compatible servers commonly do.

use serde::Serialize;
use serde_json::Value;

use super::error::ApiError;
use crate::tokenizer::{ChatMessage, Role};

/// Limits applied while parsing a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most messages in one request.
    pub max_messages: usize,
    /// Largest accepted `max_tokens`.
    pub max_tokens: usize,
    /// `max_tokens` when the request gives none.
    pub default_max_tokens: usize,
}

/// A validated chat-completions request.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    /// The model asked for.
    pub model: String,
    /// The conversation.
    pub messages: Vec<ChatMessage>,
    /// New tokens at most.
    pub max_tokens: usize,
    /// Sampling temperature (0 = greedy); OpenAI's default is 1.
    pub temperature: f32,
    /// Nucleus sampling mass.
    pub top_p: f32,
    /// Whether to answer with server-sent events.
    pub stream: bool,
    /// Whether the last stream chunk carries `usage` (`stream_options.include_usage`).
    pub include_usage: bool,
    /// Sampling seed.
    pub seed: Option<u64>,
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn bad(param: &str, message: String) -> ApiError {
    ApiError::invalid(message, Some(param))
}

/// A number field in `range`, or `default` when absent or null.
fn number(
    obj: &serde_json::Map<String, Value>,
    field: &str,
    default: f64,
    ok: impl Fn(f64) -> bool,
    expected: &str,
) -> Result<f64, ApiError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Number(n)) if n.as_f64().is_some_and(&ok) => Ok(n.as_f64().unwrap_or(default)),
        Some(v) => Err(bad(
            field,
            format!("`{field}` is {v}, but {expected} was expected."),
        )),
    }
}

fn message_content(v: &Value, at: &str) -> Result<String, ApiError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        // The array-of-parts form, text parts only.
        Value::Array(parts) => parts
            .iter()
            .enumerate()
            .map(|(j, p)| match (p.get("type").and_then(Value::as_str), p.get("text")) {
                (Some("text"), Some(Value::String(t))) => Ok(t.as_str()),
                _ => Err(bad(
                    &format!("{at}.content[{j}]"),
                    format!("`{at}.content[{j}]` is not a text part; only {{\"type\":\"text\",\"text\":\"…\"}} parts are supported."),
                )),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(|t| t.concat()),
        other => Err(bad(
            &format!("{at}.content"),
            format!("`{at}.content` is {}, but a string was expected.", kind_of(other)),
        )),
    }
}

/// Parses and validates a request body.
pub fn parse_request(body: &[u8], limits: &Limits) -> Result<ChatRequest, ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::invalid(format!("The request body is not valid JSON ({e})."), None)
    })?;
    let Value::Object(obj) = value else {
        return Err(ApiError::invalid(
            format!(
                "The request body is {}, but a JSON object was expected.",
                kind_of(&value)
            ),
            None,
        ));
    };
    let model = match obj.get("model") {
        Some(Value::String(m)) if !m.is_empty() => m.clone(),
        None => {
            return Err(bad(
                "model",
                "`model` is missing; name the model to use.".into(),
            ));
        }
        Some(v) => {
            return Err(bad(
                "model",
                format!("`model` is {v}, but a model name was expected."),
            ));
        }
    };
    let raw = match obj.get("messages") {
        Some(Value::Array(a)) => a,
        None => {
            return Err(bad(
                "messages",
                "`messages` is missing; a non-empty array of messages was expected.".into(),
            ));
        }
        Some(v) => {
            return Err(bad(
                "messages",
                format!("`messages` is {}, but an array was expected.", kind_of(v)),
            ));
        }
    };
    if raw.is_empty() {
        return Err(bad(
            "messages",
            "`messages` is empty; at least one message was expected.".into(),
        ));
    }
    if raw.len() > limits.max_messages {
        return Err(bad(
            "messages",
            format!(
                "`messages` has {} messages, more than the limit of {}.",
                raw.len(),
                limits.max_messages
            ),
        ));
    }
    let mut messages = Vec::with_capacity(raw.len());
    for (i, m) in raw.iter().enumerate() {
        let at = format!("messages[{i}]");
        let role = match m.get("role") {
            Some(Value::String(r)) => match r.as_str() {
                "system" | "developer" => Role::System,
                "user" => Role::User,
                "assistant" => Role::Assistant,
                other => {
                    return Err(bad(
                        &format!("{at}.role"),
                        format!(
                            "`{at}.role` is \"{other}\", but one of \"system\", \"developer\", \"user\", \"assistant\" was expected."
                        ),
                    ));
                }
            },
            _ => {
                return Err(bad(
                    &format!("{at}.role"),
                    format!("`{at}.role` is missing or not a string."),
                ));
            }
        };
        let content = message_content(m.get("content").unwrap_or(&Value::Null), &at)?;
        messages.push(ChatMessage::new(role, content));
    }
    let max_tokens = match obj
        .get("max_completion_tokens")
        .or_else(|| obj.get("max_tokens"))
    {
        None | Some(Value::Null) => limits.default_max_tokens.min(limits.max_tokens),
        Some(Value::Number(n)) => match n.as_u64() {
            Some(0) | None => {
                return Err(bad(
                    "max_tokens",
                    format!("`max_tokens` is {n}, but a positive integer was expected."),
                ));
            }
            Some(t) if t as usize > limits.max_tokens => {
                return Err(bad(
                    "max_tokens",
                    format!(
                        "`max_tokens` is {t}, above this server's limit of {}.",
                        limits.max_tokens
                    ),
                ));
            }
            Some(t) => t as usize,
        },
        Some(v) => {
            return Err(bad(
                "max_tokens",
                format!("`max_tokens` is {v}, but a positive integer was expected."),
            ));
        }
    };
    let temperature = number(
        &obj,
        "temperature",
        1.0,
        |t| (0.0..=2.0).contains(&t),
        "a number between 0 and 2",
    )? as f32;
    let top_p = number(
        &obj,
        "top_p",
        1.0,
        |p| p > 0.0 && p <= 1.0,
        "a number in (0, 1]",
    )? as f32;
    number(&obj, "n", 1.0, |n| n == 1.0, "1 (one choice per request)")?;
    let stream = match obj.get("stream") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(v) => {
            return Err(bad(
                "stream",
                format!("`stream` is {v}, but a boolean was expected."),
            ));
        }
    };
    let include_usage = obj
        .get("stream_options")
        .and_then(|o| o.get("include_usage"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if !matches!(obj.get("stop"), None | Some(Value::Null)) {
        return Err(bad(
            "stop",
            "`stop` sequences are not supported by this server; omit the field.".into(),
        ));
    }
    let seed = match obj.get("seed") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64().map(|s| s as u64),
        Some(v) => {
            return Err(bad(
                "seed",
                format!("`seed` is {v}, but an integer was expected."),
            ));
        }
    };
    Ok(ChatRequest {
        model,
        messages,
        max_tokens,
        temperature,
        top_p,
        stream,
        include_usage,
        seed,
    })
}

/// Token counts of one completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Usage {
    /// Tokens of the (possibly truncated) prompt.
    pub prompt_tokens: usize,
    /// Tokens generated.
    pub completion_tokens: usize,
    /// Their sum.
    pub total_tokens: usize,
}

/// The assistant's message in a non-streaming response.
#[derive(Debug, Clone, Serialize)]
pub struct ResponseMessage {
    /// Always `assistant`.
    pub role: &'static str,
    /// The generated text.
    pub content: String,
}

/// One choice of a non-streaming response.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    /// Always 0.
    pub index: usize,
    /// The reply.
    pub message: ResponseMessage,
    /// `stop` or `length`.
    pub finish_reason: &'static str,
}

/// A `chat.completion` body.
#[derive(Debug, Clone, Serialize)]
pub struct ChatCompletion {
    /// `chatcmpl-…`.
    pub id: String,
    /// `chat.completion`.
    pub object: &'static str,
    /// Unix seconds.
    pub created: u64,
    /// The served model's id.
    pub model: String,
    /// One choice.
    pub choices: Vec<Choice>,
    /// Token counts.
    pub usage: Usage,
}

/// The delta of a stream chunk.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Delta {
    /// `assistant` in the first chunk only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<&'static str>,
    /// New text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

/// One choice of a stream chunk.
#[derive(Debug, Clone, Serialize)]
pub struct ChunkChoice {
    /// Always 0.
    pub index: usize,
    /// What is new.
    pub delta: Delta,
    /// Set in the last content chunk.
    pub finish_reason: Option<&'static str>,
}

/// A `chat.completion.chunk` body (one server-sent event).
#[derive(Debug, Clone, Serialize)]
pub struct ChatCompletionChunk {
    /// Same id in every chunk of a stream.
    pub id: String,
    /// `chat.completion.chunk`.
    pub object: &'static str,
    /// Unix seconds.
    pub created: u64,
    /// The served model's id.
    pub model: String,
    /// One choice (none in the usage-only chunk).
    pub choices: Vec<ChunkChoice>,
    /// Only in the final chunk when `stream_options.include_usage` is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
}

/// The body of `GET /v1/models`.
pub fn model_list(id: &str, created: u64) -> Value {
    serde_json::json!({
        "object": "list",
        "data": [{ "id": id, "object": "model", "created": created, "owned_by": "sleepcot" }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        max_messages: 4,
        max_tokens: 64,
        default_max_tokens: 16,
    };

    fn param(body: &str) -> Option<String> {
        parse_request(body.as_bytes(), &LIMITS).unwrap_err().param
    }

    #[test]
    fn valid_request_with_defaults() {
        let r = parse_request(
            br#"{"model":"m","messages":[{"role":"developer","content":"s"},{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}],"stream":true}"#,
            &LIMITS,
        )
        .unwrap();
        assert_eq!(r.messages[0].role, Role::System);
        assert_eq!(r.messages[1].content, "ab");
        assert_eq!((r.max_tokens, r.temperature, r.stream), (16, 1.0, true));
    }

    #[test]
    fn each_rejection_names_its_field() {
        assert_eq!(param("{not json"), None);
        assert_eq!(param(r#"{"model":"m"}"#).as_deref(), Some("messages"));
        assert_eq!(param(r#"{"messages":[]}"#).as_deref(), Some("model"));
        assert_eq!(
            param(r#"{"model":"m","messages":[{"role":"wizard","content":"x"}]}"#).as_deref(),
            Some("messages[0].role")
        );
        assert_eq!(
            param(r#"{"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":65}"#)
                .as_deref(),
            Some("max_tokens")
        );
        assert_eq!(
            param(r#"{"model":"m","messages":[{"role":"user","content":"x"}],"temperature":3}"#)
                .as_deref(),
            Some("temperature")
        );
        let five = r#"{"role":"user","content":"x"}"#;
        let body = format!(r#"{{"model":"m","messages":[{five},{five},{five},{five},{five}]}}"#);
        assert_eq!(param(&body).as_deref(), Some("messages"));
    }
}
