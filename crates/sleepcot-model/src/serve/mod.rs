//! Serving a student over OpenAI's chat-completions API, so anything that speaks it (including
//! the data crate's `ChatTeacher`) can use or compare it.
//!
//! `POST /v1/chat/completions` answers with one JSON body or, with `"stream": true`, with
//! server-sent events in OpenAI's `chat.completion.chunk` format ending in `data: [DONE]`;
//! `GET /v1/models` lists the one served model; `GET /health` reports status and counters.
//! Bodies, message counts and `max_tokens` are limited, concurrent generations are bounded with
//! a queue in front ([`routes`]), every error is OpenAI-shaped ([`error::ApiError`]), and
//! shutdown is graceful: requests in flight finish before the server stops.
//!
//! [`spawn`] runs a server on background threads and returns a [`ServerHandle`] (tests, library
//! users); [`run_until_signal`] runs one in the foreground until Ctrl-C or SIGTERM (`cargo xtask
//! serve`).

pub mod completion;
pub mod engine;
pub mod error;
pub mod routes;
pub mod wire;

pub use completion::{Completer, Completion};
pub use engine::{Engine, ModelEngine, load_engine};
pub use error::{ApiError, ServeError};
pub use routes::{ServerStats, StatsSnapshot};
pub use wire::{ChatRequest, Limits};

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::thread::JoinHandle;

use tokio::sync::{Semaphore, oneshot};

use crate::tokenizer::{ChatTemplate, ChatTokenizer, chat::QWEN_DEFAULT_SYSTEM};

/// How the server behaves. [`ServeConfig::new`] gives the defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeConfig {
    /// The model id clients must send and `/v1/models` lists.
    pub model_id: String,
    /// Generations running at once.
    pub max_concurrent: usize,
    /// Requests allowed to wait for a generation slot; more get 503.
    pub max_queue: usize,
    /// Largest request body in bytes; larger gets 413.
    pub max_body_bytes: usize,
    /// Most messages per request.
    pub max_messages: usize,
    /// Largest `max_tokens` a request may ask for.
    pub max_tokens: usize,
    /// `max_tokens` when a request gives none.
    pub default_max_tokens: usize,
    /// Keep the last tokens of an over-long prompt instead of refusing it (400
    /// `context_length_exceeded`).
    pub truncate_prompt: bool,
    /// For testing clients: answer the first N chat requests with 429 and `Retry-After: 0`.
    pub rate_limit_first: usize,
    /// Tokio worker threads for the HTTP side (generation runs on the blocking pool).
    pub http_threads: usize,
}

impl ServeConfig {
    /// Defaults for serving `model_id`: one generation at a time, 64 queued, 1 MiB bodies,
    /// 64 messages, `max_tokens` up to 1024 (256 when unset).
    pub fn new(model_id: impl Into<String>) -> Self {
        ServeConfig {
            model_id: model_id.into(),
            max_concurrent: 1,
            max_queue: 64,
            max_body_bytes: 1 << 20,
            max_messages: 64,
            max_tokens: 1024,
            default_max_tokens: 256,
            truncate_prompt: false,
            rate_limit_first: 0,
            http_threads: 2,
        }
    }

    /// The parsing limits.
    pub fn limits(&self) -> Limits {
        Limits {
            max_messages: self.max_messages,
            max_tokens: self.max_tokens,
            default_max_tokens: self.default_max_tokens,
        }
    }

    /// Rejects zero limits.
    pub fn validate(&self) -> Result<(), ServeError> {
        for (field, value) in [
            ("max_concurrent", self.max_concurrent),
            ("max_body_bytes", self.max_body_bytes),
            ("max_messages", self.max_messages),
            ("max_tokens", self.max_tokens),
            ("default_max_tokens", self.default_max_tokens),
            ("http_threads", self.http_threads),
        ] {
            if value == 0 {
                return Err(ServeError::Config {
                    field,
                    value: "0".into(),
                    expected: "at least 1",
                });
            }
        }
        if self.model_id.trim().is_empty() {
            return Err(ServeError::Config {
                field: "model_id",
                value: "empty".into(),
                expected: "a model name",
            });
        }
        Ok(())
    }
}

/// Loads the tokenizer for a model directory: `tokenizer` if given, else `DIR/tokenizer.json`;
/// Qwen's template (with its default system prompt) when `DIR/tokenizer_config.json` carries
/// Qwen's chat template, the plain ChatML template otherwise.
pub fn load_tokenizer(
    model_dir: &Path,
    tokenizer: Option<&Path>,
) -> Result<ChatTokenizer, ServeError> {
    let path = tokenizer.map_or_else(|| model_dir.join("tokenizer.json"), Path::to_path_buf);
    let tok = ChatTokenizer::from_file(&path)?;
    let qwen = std::fs::read_to_string(model_dir.join("tokenizer_config.json"))
        .is_ok_and(|t| t.contains(QWEN_DEFAULT_SYSTEM));
    Ok(if qwen {
        tok.with_template(ChatTemplate::qwen())
    } else {
        tok
    })
}

fn bind(addr: SocketAddr) -> Result<std::net::TcpListener, ServeError> {
    let bind_err = |source| ServeError::Bind {
        addr: addr.to_string(),
        source,
    };
    let listener = std::net::TcpListener::bind(addr).map_err(bind_err)?;
    listener.set_nonblocking(true).map_err(bind_err)?;
    Ok(listener)
}

fn state(completer: Arc<Completer>, config: ServeConfig) -> Arc<routes::AppState> {
    Arc::new(routes::AppState {
        slots: Arc::new(Semaphore::new(config.max_concurrent)),
        stats: Arc::new(ServerStats::default()),
        rate_limit_left: AtomicUsize::new(config.rate_limit_first),
        next_id: AtomicU64::new(0),
        created: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        stopping: Arc::new(AtomicBool::new(false)),
        completer,
        config,
    })
}

/// Serves on `listener` until `shutdown` resolves, then finishes the requests in flight.
async fn serve(
    listener: std::net::TcpListener,
    state: Arc<routes::AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let listener = tokio::net::TcpListener::from_std(listener)
        .map_err(|e| ServeError::Runtime(e.to_string()))?;
    let stopping = state.stopping.clone();
    let app = routes::router(state);
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            stopping.store(true, Ordering::SeqCst);
        })
        .await
        .map_err(|e| ServeError::Runtime(e.to_string()))
}

fn runtime(threads: usize) -> Result<tokio::runtime::Runtime, ServeError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .map_err(|e| ServeError::Runtime(e.to_string()))
}

/// A server running on background threads; dropping it shuts it down gracefully.
pub struct ServerHandle {
    addr: SocketAddr,
    stats: Arc<ServerStats>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<Result<(), ServeError>>>,
}

impl ServerHandle {
    /// The address it listens on (the real port when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR/v1`, the base URL for OpenAI clients.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// The live counters.
    pub fn stats(&self) -> StatsSnapshot {
        self.stats.snapshot()
    }

    /// Stops accepting connections, waits for requests in flight to finish, and returns.
    pub fn shutdown(mut self) -> Result<(), ServeError> {
        self.stop_and_join()
    }

    fn stop_and_join(&mut self) -> Result<(), ServeError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take() {
            Some(t) => t
                .join()
                .map_err(|_| ServeError::Runtime("the server thread panicked".into()))?,
            None => Ok(()),
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        let _ = self.stop_and_join();
    }
}

/// Starts a server on `addr` (port 0 picks a free port) on background threads.
pub fn spawn(
    completer: Arc<Completer>,
    config: ServeConfig,
    addr: SocketAddr,
) -> Result<ServerHandle, ServeError> {
    config.validate()?;
    let listener = bind(addr)?;
    let addr = listener
        .local_addr()
        .map_err(|e| ServeError::Runtime(e.to_string()))?;
    let rt = runtime(config.http_threads)?;
    let state = state(completer, config);
    let stats = state.stats.clone();
    let (stop, stopped) = oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name(format!("sleepcot-serve-{}", addr.port()))
        .spawn(move || {
            rt.block_on(serve(listener, state, async move {
                let _ = stopped.await;
            }))
        })
        .map_err(|e| ServeError::Runtime(e.to_string()))?;
    Ok(ServerHandle {
        addr,
        stats,
        stop: Some(stop),
        thread: Some(thread),
    })
}

/// Serves on `addr` in the foreground until Ctrl-C or SIGTERM, then finishes the requests in
/// flight; `on_ready` is called with the bound address once the server listens.
pub fn run_until_signal(
    completer: Arc<Completer>,
    config: ServeConfig,
    addr: SocketAddr,
    on_ready: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    config.validate()?;
    let listener = bind(addr)?;
    let addr = listener
        .local_addr()
        .map_err(|e| ServeError::Runtime(e.to_string()))?;
    let rt = runtime(config.http_threads)?;
    let state = state(completer, config);
    on_ready(addr);
    rt.block_on(serve(listener, state, shutdown_signal()))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
