//! The HTTP routes and the request queue: `POST /v1/chat/completions` (JSON or server-sent
//! events), `GET /v1/models`, `GET /health`, and OpenAI-shaped errors for everything else.
//!
//! At most `max_concurrent` generations run at once (a semaphore); up to `max_queue` more wait
//! for a slot; beyond that a request is answered 503 at once. Generation runs on tokio's blocking
//! pool, so the event loop keeps answering `/health` and rejecting overflow while models work.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{Method, StatusCode, Uri};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use serde::Serialize;
use tokio::sync::{Semaphore, mpsc};

use super::ServeConfig;
use super::completion::Completer;
use super::error::ApiError;
use super::wire::{
    ChatCompletion, ChatCompletionChunk, Choice, ChunkChoice, Delta, ResponseMessage, model_list,
    parse_request,
};

/// Counters of what the server has done, readable while it runs.
#[derive(Debug, Default)]
pub struct ServerStats {
    /// Chat-completion requests received (whatever their outcome).
    pub requests: AtomicU64,
    /// Completions finished and sent.
    pub completed: AtomicU64,
    /// Requests refused with a 4xx error.
    pub client_errors: AtomicU64,
    /// Requests refused with 503 because the queue was full.
    pub queue_full: AtomicU64,
    /// Requests answered 429 by the test option.
    pub rate_limited: AtomicU64,
    /// Requests running or waiting for a slot now.
    pub in_flight: AtomicUsize,
}

/// A snapshot of [`ServerStats`], as `/health` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StatsSnapshot {
    /// Chat-completion requests received.
    pub requests: u64,
    /// Completions finished.
    pub completed: u64,
    /// Requests refused with a 4xx error.
    pub client_errors: u64,
    /// Requests refused because the queue was full.
    pub queue_full: u64,
    /// Requests answered 429 by the test option.
    pub rate_limited: u64,
    /// Requests running or queued now.
    pub in_flight: usize,
}

impl ServerStats {
    /// The current values.
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            requests: self.requests.load(Ordering::SeqCst),
            completed: self.completed.load(Ordering::SeqCst),
            client_errors: self.client_errors.load(Ordering::SeqCst),
            queue_full: self.queue_full.load(Ordering::SeqCst),
            rate_limited: self.rate_limited.load(Ordering::SeqCst),
            in_flight: self.in_flight.load(Ordering::SeqCst),
        }
    }
}

/// Shared state of the handlers.
pub(crate) struct AppState {
    pub completer: Arc<Completer>,
    pub config: ServeConfig,
    pub slots: Arc<Semaphore>,
    pub stats: Arc<ServerStats>,
    pub rate_limit_left: AtomicUsize,
    pub next_id: AtomicU64,
    pub created: u64,
    pub stopping: Arc<AtomicBool>,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The router with every route and the body limit.
pub(crate) fn router(state: Arc<AppState>) -> Router {
    let limit = state.config.max_body_bytes;
    Router::new()
        .route("/v1/chat/completions", post(chat_completions))
        .route("/v1/models", get(models))
        .route("/health", get(health))
        .fallback(fallback)
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

async fn fallback(method: Method, uri: Uri) -> ApiError {
    ApiError::unknown_url(method.as_str(), uri.path())
}

async fn models(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
    Json(model_list(&state.config.model_id, state.created))
}

async fn health(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
    let stats = state.stats.snapshot();
    Json(serde_json::json!({
        "status": if state.stopping.load(Ordering::SeqCst) { "stopping" } else { "ok" },
        "model": state.config.model_id,
        "max_concurrent": state.config.max_concurrent,
        "max_queue": state.config.max_queue,
        "stats": stats,
    }))
}

/// Releases a queue place when dropped (also when the client disconnects mid-wait).
struct InFlight(Arc<ServerStats>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn chat_completions(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    state.stats.requests.fetch_add(1, Ordering::SeqCst);
    match handle(&state, body).await {
        Ok(response) => response,
        Err(e) => {
            if e.status.is_client_error() && e.status != StatusCode::TOO_MANY_REQUESTS {
                state.stats.client_errors.fetch_add(1, Ordering::SeqCst);
            }
            tracing::debug!(status = %e.status, "refused: {}", e.message);
            e.into_response()
        }
    }
}

async fn handle(
    state: &Arc<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large(state.config.max_body_bytes)
        } else {
            ApiError::invalid(
                format!("The request body could not be read ({rejection})."),
                None,
            )
        }
    })?;
    if state.stopping.load(Ordering::SeqCst) {
        return Err(ApiError::shutting_down());
    }
    if state
        .rate_limit_left
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        state.stats.rate_limited.fetch_add(1, Ordering::SeqCst);
        return Err(ApiError::rate_limited(0));
    }
    let request = parse_request(&body, &state.config.limits())?;
    if request.model != state.config.model_id {
        return Err(ApiError::model_not_found(
            &request.model,
            &state.config.model_id,
        ));
    }
    let id = state.next_id.fetch_add(1, Ordering::SeqCst);
    let prompt = state.completer.prepare(&request, id)?;

    let capacity = state.config.max_concurrent + state.config.max_queue;
    let waiting = state.stats.in_flight.fetch_add(1, Ordering::SeqCst);
    let guard = InFlight(state.stats.clone());
    if waiting >= capacity {
        state.stats.queue_full.fetch_add(1, Ordering::SeqCst);
        return Err(ApiError::queue_full(waiting));
    }
    let permit = state
        .slots
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| ApiError::shutting_down())?;

    let completion_id = format!("chatcmpl-{id}");
    let created = now();
    let model = state.config.model_id.clone();
    let completer = state.completer.clone();
    let stats = state.stats.clone();

    if !request.stream {
        let completion = tokio::task::spawn_blocking(move || {
            let _hold = (permit, guard);
            completer.run(&prompt, |_| {})
        })
        .await
        .map_err(|e| ApiError::internal(format!("Generation task failed: {e}")))??;
        stats.completed.fetch_add(1, Ordering::SeqCst);
        let body = ChatCompletion {
            id: completion_id,
            object: "chat.completion",
            created,
            model,
            choices: vec![Choice {
                index: 0,
                message: ResponseMessage {
                    role: "assistant",
                    content: completion.text,
                },
                finish_reason: completion.finish_reason,
            }],
            usage: completion.usage,
        };
        return Ok(Json(body).into_response());
    }

    let include_usage = request.include_usage;
    let (tx, rx) = mpsc::channel::<Event>(64);
    let chunk = move |delta: Delta, finish: Option<&'static str>| ChatCompletionChunk {
        id: completion_id.clone(),
        object: "chat.completion.chunk",
        created,
        model: model.clone(),
        choices: vec![ChunkChoice {
            index: 0,
            delta,
            finish_reason: finish,
        }],
        usage: None,
    };
    tokio::task::spawn_blocking(move || {
        let _hold = (permit, guard);
        let send = |value: &ChatCompletionChunk| {
            let event = Event::default()
                .data(serde_json::to_string(value).expect("serialising a chunk cannot fail"));
            // A closed channel means the client left; generation still finishes (bounded by
            // max_tokens) and its slot is then released.
            let _ = tx.blocking_send(event);
        };
        send(&chunk(
            Delta {
                role: Some("assistant"),
                content: Some(String::new()),
            },
            None,
        ));
        let result = completer.run(&prompt, |text| {
            send(&chunk(
                Delta {
                    role: None,
                    content: Some(text.to_string()),
                },
                None,
            ))
        });
        match result {
            Ok(done) => {
                stats.completed.fetch_add(1, Ordering::SeqCst);
                send(&chunk(Delta::default(), Some(done.finish_reason)));
                if include_usage {
                    let mut last = chunk(Delta::default(), None);
                    last.choices.clear();
                    last.usage = Some(done.usage);
                    send(&last);
                }
            }
            Err(e) => {
                let _ = tx.blocking_send(Event::default().data(e.body()));
            }
        }
        let _ = tx.blocking_send(Event::default().data("[DONE]"));
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|e| (Ok::<Event, Infallible>(e), rx))
    });
    Ok(Sse::new(stream).into_response())
}
