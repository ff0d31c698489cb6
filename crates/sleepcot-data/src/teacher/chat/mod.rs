//! `ChatTeacher`: any OpenAI-compatible `/v1/chat/completions` endpoint as the teacher (OpenAI,
//! DashScope's compatible mode, vLLM, Ollama, or a student served by `cargo xtask serve`).
//!
//! Each item becomes one few-shot CoT request ([`crate::teacher::few_shot_prompt`]). Replies are
//! cached on disk by the hash of the request ([`cache`]) before they are parsed, so an
//! interrupted run resumes without paying for anything twice; requests run concurrently up to
//! `concurrency` ([`ChatTeacher::teach_batch`]) and are retried on 429/5xx ([`client`]); a reply
//! whose final answer disagrees with the gold answer ([`gold`]) is rejected with
//! [`TeacherError::Rejected`] and counted, and the data stage leaves it out.

pub mod cache;
pub mod client;
pub mod config;
mod examples;
pub mod gold;

pub use cache::{CacheEntry, ResponseCache};
pub use client::{ApiKey, ChatClient, ClientError, Reply, RetryPolicy};
pub use config::{ChatConfigError, ChatTeacherConfig};
pub use examples::{EXAMPLE_SEED, FewShotPool};

use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

use serde::Serialize;

use super::format::ANSWER_MARKER;
use super::parse::parse_answer;
use super::{Teacher, TeacherError, TeacherInput, TeacherOutput, few_shot_prompt};
use crate::knowledge::KnowledgeError;

/// Why a chat teacher could not be set up; one sentence naming the field or variable.
#[derive(Debug, thiserror::Error)]
pub enum ChatSetupError {
    /// A configuration value cannot work.
    #[error(transparent)]
    Config(#[from] ChatConfigError),
    /// The API key's environment variable is missing or empty.
    #[error("{0}")]
    ApiKey(String),
    /// The few-shot example pool could not be drawn.
    #[error(transparent)]
    Examples(#[from] KnowledgeError),
}

/// Counters of a chat teacher's work, for progress lines and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ChatStats {
    /// Items answered from the cache.
    pub cache_hits: u64,
    /// Items that went to the network and got a reply.
    pub fetched: u64,
    /// HTTP attempts, retries included.
    pub attempts: u64,
    /// Retries after 429, 5xx or network failures.
    pub retries: u64,
    /// Replies rejected because their answer disagreed with the gold answer, could not be
    /// parsed, or failed the consistency audit.
    pub rejected: u64,
    /// Of the rejected replies, those dropped by the consistency audit ([`crate::audit`]).
    pub inconsistent: u64,
    /// Items that failed for good (network, HTTP status, malformed body).
    pub failed: u64,
}

/// A counting semaphore: at most `n` holders at once.
#[derive(Debug)]
struct Slots {
    free: Mutex<usize>,
    freed: Condvar,
}

impl Slots {
    fn new(n: usize) -> Self {
        Slots {
            free: Mutex::new(n),
            freed: Condvar::new(),
        }
    }

    fn run<T>(&self, f: impl FnOnce() -> T) -> T {
        {
            let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
            while *free == 0 {
                free = self.freed.wait(free).unwrap_or_else(|e| e.into_inner());
            }
            *free -= 1;
        }
        let out = f();
        *self.free.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.freed.notify_one();
        out
    }
}

/// The body of one chat-completions request; field order is fixed, so the same request always
/// serialises to the same bytes (and the same cache key).
#[derive(Debug, Serialize)]
struct RequestBody<'a> {
    model: &'a str,
    messages: &'a [super::ChatMessage],
    temperature: f32,
    max_tokens: u32,
}

/// A teacher behind an OpenAI-compatible chat-completions endpoint.
#[derive(Debug)]
pub struct ChatTeacher {
    config: ChatTeacherConfig,
    name: String,
    client: ChatClient,
    cache: ResponseCache,
    pool: FewShotPool,
    slots: Slots,
    /// Set by the first request that failed for good; later items then fail at once instead of
    /// each waiting through its own retries against a dead endpoint.
    broken: Mutex<Option<String>>,
    cache_hits: AtomicU64,
    fetched: AtomicU64,
    rejected: AtomicU64,
    inconsistent: AtomicU64,
    failed: AtomicU64,
}

impl ChatTeacher {
    /// Validates `config`, reads the API key from `config.api_key_env` (if set) and opens the
    /// cache at `config.cache_dir`, or at `default_cache_dir` when that is unset.
    pub fn new(
        config: ChatTeacherConfig,
        default_cache_dir: &Path,
    ) -> Result<Self, ChatSetupError> {
        config.validate()?;
        let api_key = match &config.api_key_env {
            Some(var) => Some(ChatClient::api_key_from_env(var).map_err(ChatSetupError::ApiKey)?),
            None => None,
        };
        let cache_dir = config
            .cache_dir
            .clone()
            .unwrap_or_else(|| default_cache_dir.to_path_buf());
        Ok(ChatTeacher {
            name: format!("chat:{}", config.model),
            client: ChatClient::new(&config, api_key),
            cache: ResponseCache::new(cache_dir),
            pool: FewShotPool::new(config.few_shot)?,
            slots: Slots::new(config.concurrency),
            broken: Mutex::new(None),
            config,
            cache_hits: AtomicU64::new(0),
            fetched: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            inconsistent: AtomicU64::new(0),
            failed: AtomicU64::new(0),
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &ChatTeacherConfig {
        &self.config
    }

    /// The response cache.
    pub fn cache(&self) -> &ResponseCache {
        &self.cache
    }

    /// What the teacher has done so far.
    pub fn stats(&self) -> ChatStats {
        ChatStats {
            cache_hits: self.cache_hits.load(Ordering::Relaxed),
            fetched: self.fetched.load(Ordering::Relaxed),
            attempts: self.client.attempts(),
            retries: self.client.retries(),
            rejected: self.rejected.load(Ordering::Relaxed),
            inconsistent: self.inconsistent.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
        }
    }

    /// The exact request body sent for `input`: the few-shot chat plus the sampling settings.
    pub fn request_body(&self, input: &TeacherInput<'_>) -> Result<Vec<u8>, TeacherError> {
        let examples = self.pool.examples(input.task());
        let messages = few_shot_prompt(input, &examples, EXAMPLE_SEED)?;
        Ok(self.body_for(&messages))
    }

    /// The reply text for `input`: from the cache, or from the endpoint (then cached).
    fn reply(&self, input: &TeacherInput<'_>) -> Result<String, TeacherError> {
        let body = self.request_body(input)?;
        self.complete_cached(&body)
            .map_err(|message| TeacherError::Backend {
                teacher: self.name.clone(),
                source_id: input.source_id(),
                message,
            })
    }

    /// A chat-completions request body for `messages` with this endpoint's model, temperature
    /// and token limit: what evaluation sends to score an LLM or a served student.
    pub fn body_for(&self, messages: &[super::ChatMessage]) -> Vec<u8> {
        let body = RequestBody {
            model: &self.config.model,
            messages,
            temperature: self.config.temperature,
            max_tokens: self.config.max_tokens,
        };
        serde_json::to_vec(&body).expect("serialising an in-memory request cannot fail")
    }

    /// The reply to a request body: from the cache, or from the endpoint within the
    /// concurrency limit (then cached). After a request has failed for good, later ones are
    /// not sent, so a dead endpoint costs one timeout rather than one per item. The error is
    /// one clause naming the URL.
    pub fn complete_cached(&self, body: &[u8]) -> Result<String, String> {
        let key = ResponseCache::key(body);
        if let Some(entry) = self.cache.get(&key) {
            self.cache_hits.fetch_add(1, Ordering::Relaxed);
            return Ok(entry.content);
        }
        let earlier = self
            .broken
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(earlier) = earlier {
            self.failed.fetch_add(1, Ordering::Relaxed);
            return Err(format!(
                "not sent because an earlier request failed ({earlier})"
            ));
        }
        let reply = self.slots.run(|| self.client.complete(body)).map_err(|e| {
            self.failed.fetch_add(1, Ordering::Relaxed);
            self.broken
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get_or_insert_with(|| e.to_string());
            e.to_string()
        })?;
        self.fetched.fetch_add(1, Ordering::Relaxed);
        let entry = CacheEntry {
            request: serde_json::from_slice(body).expect("the body was just serialised"),
            content: reply.content,
            finish_reason: reply.finish_reason,
        };
        self.cache.put(&key, &entry).map_err(|e| e.to_string())?;
        Ok(entry.content)
    }

    fn rejected(&self, input: &TeacherInput<'_>, reason: String) -> TeacherError {
        self.rejected.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(source = %input.source_id(), "rejected teacher reply: {reason}");
        TeacherError::Rejected {
            teacher: self.name.clone(),
            source_id: input.source_id(),
            reason,
        }
    }
}

/// Splits a reply into the rationale (everything before the last `Answer:` line) and the answer
/// (`Answer: …`); `None` when there is no answer.
pub fn split_reply(reply: &str) -> Option<TeacherOutput> {
    let answer = parse_answer(reply)?;
    let mut start = 0;
    let mut offset = 0;
    for line in reply.split_inclusive('\n') {
        let t = line.trim_start().trim_start_matches(['*', '#', '>', ' ']);
        if t.get(..ANSWER_MARKER.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(ANSWER_MARKER))
        {
            start = offset;
        }
        offset += line.len();
    }
    Some(TeacherOutput {
        rationale: reply[..start].trim().to_string(),
        answer: format!("{ANSWER_MARKER} {answer}"),
    })
}

impl Teacher for ChatTeacher {
    fn name(&self) -> &str {
        &self.name
    }

    fn teach(
        &self,
        input: &TeacherInput<'_>,
        _seed: u64,
        _index: u64,
    ) -> Result<TeacherOutput, TeacherError> {
        let reply = self.reply(input)?;
        let Some(output) = split_reply(&reply) else {
            return Err(self.rejected(input, "the reply has no `Answer:` line".into()));
        };
        if self.config.filter
            && let Some(disagreement) = gold::disagreement(input, &reply)
        {
            if matches!(disagreement, gold::Disagreement::Audit(_)) {
                self.inconsistent.fetch_add(1, Ordering::Relaxed);
            }
            return Err(self.rejected(input, disagreement.reason()));
        }
        Ok(output)
    }

    /// Runs up to `concurrency` requests at once (the limit holds across concurrent calls too);
    /// results come back in input order.
    fn teach_batch(
        &self,
        items: &[(u64, TeacherInput<'_>)],
        seed: u64,
    ) -> Vec<Result<TeacherOutput, TeacherError>> {
        concurrently(items.len(), self.config.concurrency, |i| {
            let (index, input) = &items[i];
            self.teach(input, seed, *index)
        })
    }
}

impl ChatTeacher {
    /// The replies to many request bodies, in input order, with up to `concurrency` in flight
    /// (each through [`ChatTeacher::complete_cached`]): what evaluation uses to ask an endpoint
    /// to answer, or to judge, a batch of items.
    pub fn complete_many(&self, bodies: &[Vec<u8>]) -> Vec<Result<String, String>> {
        concurrently(bodies.len(), self.config.concurrency, |i| {
            self.complete_cached(&bodies[i])
        })
    }
}

/// `f(0), …, f(n - 1)` on up to `workers` threads that each take the next index; the results
/// come back in index order.
fn concurrently<T: Send>(n: usize, workers: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let next = AtomicUsize::new(0);
    let workers = workers.min(n).max(1);
    let mut results: Vec<(usize, T)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= n {
                            break done;
                        }
                        done.push((i, f(i)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_split_at_the_last_answer_line() {
        let out = split_reply("Step 1: x.\nAnswer: maybe\nmore\n**Answer:** B\n").unwrap();
        assert_eq!(out.rationale, "Step 1: x.\nAnswer: maybe\nmore");
        assert_eq!(out.answer, "Answer: B");
        assert!(split_reply("no answer here").is_none());
    }

    #[test]
    fn setup_errors_name_the_variable() {
        let mut c = ChatTeacherConfig::new("http://127.0.0.1:9/v1", "m");
        c.api_key_env = Some("SLEEPCOT_SURELY_UNSET_KEY".into());
        let e = ChatTeacher::new(c, Path::new("/tmp")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "environment variable SLEEPCOT_SURELY_UNSET_KEY (named by api_key_env) is not set"
        );
    }
}
