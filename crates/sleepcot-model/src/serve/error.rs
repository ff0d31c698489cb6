//! Errors of the server: [`ApiError`] is what a client sees (OpenAI's
//! `{"error":{"message","type","param","code"}}` with the right status), [`ServeError`] is what
//! stops the server from starting.

use std::path::PathBuf;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error answered to a client, in OpenAI's shape.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// One sentence saying what was wrong and what was expected.
    pub message: String,
    /// OpenAI's error type (`invalid_request_error`, `rate_limit_error`, `server_error`, ...).
    pub kind: &'static str,
    /// The request field at fault, if any (`messages[1].role`, `max_tokens`, ...).
    pub param: Option<String>,
    /// A machine-readable code (`model_not_found`, `context_length_exceeded`, ...).
    pub code: Option<&'static str>,
    /// Seconds sent as `Retry-After` (429 and 503).
    pub retry_after: Option<u64>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    message: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    param: Option<&'a str>,
    code: Option<&'a str>,
}

impl ApiError {
    fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            kind,
            param: None,
            code: None,
            retry_after: None,
        }
    }

    /// 400: the request is malformed; `param` names the field.
    pub fn invalid(message: impl Into<String>, param: Option<&str>) -> Self {
        let mut e = Self::new(StatusCode::BAD_REQUEST, "invalid_request_error", message);
        e.param = param.map(str::to_string);
        e
    }

    /// Sets the machine-readable code.
    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }

    /// 404: the request names a model this server does not serve.
    pub fn model_not_found(requested: &str, served: &str) -> Self {
        let mut e = Self::new(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            format!("The model `{requested}` does not exist; this server serves `{served}`."),
        );
        e.param = Some("model".into());
        e.with_code("model_not_found")
    }

    /// 404: no such route.
    pub fn unknown_url(method: &str, path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            format!(
                "Unknown request URL: {method} {path}; this server answers POST /v1/chat/completions, GET /v1/models and GET /health."
            ),
        )
        .with_code("unknown_url")
    }

    /// 413: the body exceeds the limit.
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request_error",
            format!("The request body exceeds the limit of {limit} bytes."),
        )
        .with_code("request_too_large")
    }

    /// 503: every generation slot and queue place is taken.
    pub fn queue_full(active: usize) -> Self {
        let mut e = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "server_error",
            format!(
                "The server is busy ({active} requests running or queued, the maximum); retry shortly."
            ),
        )
        .with_code("queue_full");
        e.retry_after = Some(1);
        e
    }

    /// 503: the server is shutting down.
    pub fn shutting_down() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "server_error",
            "The server is shutting down.",
        )
        .with_code("shutting_down")
    }

    /// 429: rate limited (the server's test option for exercising client retries).
    pub fn rate_limited(retry_after: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limit_error",
            "Rate limit reached; retry after the interval in Retry-After.",
        )
        .with_code("rate_limit_exceeded");
        e.retry_after = Some(retry_after);
        e
    }

    /// 500: generation failed.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "server_error", message)
    }

    /// The JSON body.
    pub fn body(&self) -> String {
        serde_json::to_string(&Body {
            error: Inner {
                message: &self.message,
                kind: self.kind,
                param: self.param.as_deref(),
                code: self.code,
            },
        })
        .expect("serialising an error body cannot fail")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            self.body(),
        )
            .into_response();
        if let Some(s) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        response
    }
}

/// Why the server could not start or stopped abnormally; one sentence naming the path or
/// address.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The model or adapter could not be loaded.
    #[error("could not load the model from {path}: {message}")]
    Load {
        /// The model or adapter directory.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The tokenizer could not be loaded.
    #[error(transparent)]
    Tokenizer(#[from] crate::tokenizer::TokenizerError),
    /// The address could not be bound.
    #[error("could not listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// A configuration value cannot work.
    #[error("serve option `{field}` is {value}, but {expected} was expected")]
    Config {
        /// The option.
        field: &'static str,
        /// Its value.
        value: String,
        /// What would work.
        expected: &'static str,
    },
    /// The runtime or the HTTP server failed.
    #[error("the HTTP server failed: {0}")]
    Runtime(String),
}
