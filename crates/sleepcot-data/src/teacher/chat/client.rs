//! The HTTP side of the chat teacher: one `POST {base_url}/chat/completions` with timeouts,
//! retries with exponential backoff and jitter on 429, 5xx and network failures (honouring
//! `Retry-After`), and errors that name the URL.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::config::ChatTeacherConfig;

/// An API key read from the environment. Its `Debug` output is redacted, so it never reaches a
/// log line, an error message or a file.
#[derive(Clone)]
pub struct ApiKey(String);

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

/// How failed attempts are retried.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The first backoff; it doubles on every retry.
    pub backoff: Duration,
    /// The ceiling of any one wait (backoff or `Retry-After`).
    pub max_backoff: Duration,
}

impl RetryPolicy {
    /// The wait before retry number `retry` (0-based): `backoff · 2^retry` plus up to 50 %
    /// random jitter, at least `retry_after` when the server asked for it, never above
    /// `max_backoff`.
    pub fn wait(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let base = self.backoff.saturating_mul(1u32 << retry.min(20));
        let jitter = base.mul_f64(rand::random::<f64>() * 0.5);
        let wait = (base + jitter).max(retry_after.unwrap_or_default());
        wait.min(self.max_backoff)
    }
}

/// The assistant's reply to one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The first choice's message content.
    pub content: String,
    /// The first choice's `finish_reason`.
    pub finish_reason: Option<String>,
}

/// Why a request failed for good; each message is one clause naming the URL.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClientError {
    /// No HTTP response at all (connection refused, DNS, timeout), even after retrying.
    #[error("could not reach {url} after {attempts} attempt(s): {message}")]
    Unreachable {
        /// The endpoint.
        url: String,
        /// Attempts made.
        attempts: u32,
        /// The last network error.
        message: String,
    },
    /// The server answered with an error status that retrying cannot fix, or kept answering
    /// 429/5xx until the retries ran out.
    #[error("{url} answered HTTP {status} after {attempts} attempt(s): {message}")]
    Status {
        /// The endpoint.
        url: String,
        /// The HTTP status.
        status: u16,
        /// Attempts made.
        attempts: u32,
        /// The server's error message (OpenAI's `error.message`) or the start of the body.
        message: String,
    },
    /// The server answered 200 with a body that is not a chat completion.
    #[error("{url} answered with a body that is not a chat completion: {message}")]
    Malformed {
        /// The endpoint.
        url: String,
        /// What was wrong.
        message: String,
    },
}

/// A blocking client for one chat-completions endpoint.
#[derive(Debug)]
pub struct ChatClient {
    agent: ureq::Agent,
    url: String,
    api_key: Option<ApiKey>,
    policy: RetryPolicy,
    attempts: AtomicU64,
    retries: AtomicU64,
}

impl ChatClient {
    /// A client for `config`'s endpoint, sending `api_key` (if any) as a bearer token.
    pub fn new(config: &ChatTeacherConfig, api_key: Option<ApiKey>) -> Self {
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs_f64(config.connect_timeout_s))
            .timeout(Duration::from_secs_f64(config.timeout_s))
            .user_agent(concat!("sleepcot-rs/", env!("CARGO_PKG_VERSION")))
            .build();
        ChatClient {
            agent,
            url: config.endpoint(),
            api_key,
            policy: RetryPolicy {
                max_retries: config.max_retries,
                backoff: Duration::from_millis(config.backoff_ms),
                max_backoff: Duration::from_millis(config.max_backoff_ms),
            },
            attempts: AtomicU64::new(0),
            retries: AtomicU64::new(0),
        }
    }

    /// Reads the API key from the environment variable `var`; the error names the variable,
    /// never a value.
    pub fn api_key_from_env(var: &str) -> Result<ApiKey, String> {
        match std::env::var(var) {
            Ok(key) if !key.trim().is_empty() => Ok(ApiKey(key.trim().to_string())),
            Ok(_) => Err(format!(
                "environment variable {var} (named by api_key_env) is empty"
            )),
            Err(_) => Err(format!(
                "environment variable {var} (named by api_key_env) is not set"
            )),
        }
    }

    /// The endpoint URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// HTTP attempts made so far (first tries and retries).
    pub fn attempts(&self) -> u64 {
        self.attempts.load(Ordering::Relaxed)
    }

    /// Retries made so far.
    pub fn retries(&self) -> u64 {
        self.retries.load(Ordering::Relaxed)
    }

    /// Posts `body` (a chat-completions request) and returns the first choice's reply,
    /// retrying 429, 5xx and network failures as the retry policy allows.
    pub fn complete(&self, body: &[u8]) -> Result<Reply, ClientError> {
        let mut retry = 0;
        loop {
            let attempts = retry + 1;
            self.attempts.fetch_add(1, Ordering::Relaxed);
            let mut request = self
                .agent
                .post(&self.url)
                .set("Content-Type", "application/json");
            if let Some(key) = &self.api_key {
                request = request.set("Authorization", &format!("Bearer {}", key.0));
            }
            let (failure, retry_after) = match request.send_bytes(body) {
                Ok(response) => return self.read_reply(response),
                Err(ureq::Error::Status(status, response)) => {
                    let retry_after = retry_after(&response);
                    let message = error_message(response);
                    let err = ClientError::Status {
                        url: self.url.clone(),
                        status,
                        attempts,
                        message,
                    };
                    if !(status == 429 || status == 408 || (500..600).contains(&status)) {
                        return Err(err);
                    }
                    (err, retry_after)
                }
                Err(ureq::Error::Transport(t)) => (
                    ClientError::Unreachable {
                        url: self.url.clone(),
                        attempts,
                        message: transport_message(&t, &self.url),
                    },
                    None,
                ),
            };
            if retry >= self.policy.max_retries {
                return Err(failure);
            }
            let wait = self.policy.wait(retry, retry_after);
            tracing::debug!(url = %self.url, retry, ?wait, "retrying after: {failure}");
            self.retries.fetch_add(1, Ordering::Relaxed);
            std::thread::sleep(wait);
            retry += 1;
        }
    }

    fn read_reply(&self, response: ureq::Response) -> Result<Reply, ClientError> {
        let malformed = |message: String| ClientError::Malformed {
            url: self.url.clone(),
            message,
        };
        let text = response
            .into_string()
            .map_err(|e| malformed(format!("could not read it ({e})")))?;
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| malformed(format!("invalid JSON ({e})")))?;
        let choice = value
            .get("choices")
            .and_then(|c| c.get(0))
            .ok_or_else(|| malformed("it has no choices[0]".into()))?;
        let content = choice
            .get("message")
            .and_then(|m| m.get("content"))
            .and_then(|c| c.as_str())
            .ok_or_else(|| malformed("choices[0].message.content is not a string".into()))?;
        Ok(Reply {
            content: content.to_string(),
            finish_reason: choice
                .get("finish_reason")
                .and_then(|f| f.as_str())
                .map(str::to_string),
        })
    }
}

/// `Retry-After` in seconds (the HTTP-date form is ignored: the backoff applies instead).
fn retry_after(response: &ureq::Response) -> Option<Duration> {
    let value = response.header("Retry-After")?.trim().parse::<f64>().ok()?;
    (value.is_finite() && value >= 0.0).then(|| Duration::from_secs_f64(value.min(3600.0)))
}

/// OpenAI's `error.message` from an error body, or the body's start.
fn error_message(response: ureq::Response) -> String {
    let text = response.into_string().unwrap_or_default();
    let parsed = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.pointer("/error/message")?.as_str().map(str::to_string));
    let message = parsed.unwrap_or(text);
    let one_line: String = message.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(300) {
        Some((at, _)) => format!("{}…", &one_line[..at]),
        None if one_line.is_empty() => "(empty body)".into(),
        None => one_line,
    }
}

/// A transport error without ureq's own `url: ` prefix (the caller names the URL once).
fn transport_message(t: &ureq::Transport, url: &str) -> String {
    let text = t.to_string();
    let text = text
        .strip_prefix(url)
        .map(|s| s.trim_start_matches([':', ' ']).to_string())
        .unwrap_or(text);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_bounded_jitter_and_honours_retry_after() {
        let p = RetryPolicy {
            max_retries: 5,
            backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
        };
        for retry in 0..3 {
            let w = p.wait(retry, None);
            let base = 100u64 << retry;
            assert!(
                w >= Duration::from_millis(base) && w <= Duration::from_millis(base * 3 / 2),
                "{retry}: {w:?}"
            );
        }
        assert_eq!(p.wait(10, None), Duration::from_secs(2));
        assert_eq!(
            p.wait(0, Some(Duration::from_secs(1))),
            Duration::from_secs(1)
        );
        assert_eq!(
            p.wait(0, Some(Duration::from_secs(100))),
            Duration::from_secs(2)
        );
    }

    #[test]
    fn api_key_is_redacted_and_missing_variable_is_named() {
        let key = ApiKey("sk-secret".into());
        assert!(!format!("{key:?}").contains("secret"));
        let err = ChatClient::api_key_from_env("SLEEPCOT_TEST_SURELY_UNSET_VAR").unwrap_err();
        assert_eq!(
            err,
            "environment variable SLEEPCOT_TEST_SURELY_UNSET_VAR (named by api_key_env) is not set"
        );
    }

    #[test]
    fn unreachable_endpoint_is_one_sentence_naming_the_url() {
        let mut config = ChatTeacherConfig::new("http://127.0.0.1:9/v1", "m");
        config.max_retries = 1;
        config.backoff_ms = 1;
        config.max_backoff_ms = 1;
        let client = ChatClient::new(&config, None);
        let err = client.complete(b"{}").unwrap_err().to_string();
        assert!(
            err.starts_with(
                "could not reach http://127.0.0.1:9/v1/chat/completions after 2 attempt(s): "
            ),
            "{err}"
        );
        assert!(!err.contains('\n'));
        assert_eq!(client.retries(), 1);
    }
}
