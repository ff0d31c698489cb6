//! The student server over real HTTP on a loopback port: OpenAI-shaped responses (JSON and
//! server-sent events), `/v1/models`, `/health`, every malformed request answered with the right
//! status and an OpenAI-shaped error (the server keeps serving), a full queue answered 503, and
//! graceful shutdown finishing the request in flight.

use std::io::Read;
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use burn::tensor::DType;
use serde_json::{Value, json};
use sleepcot_model::BackendKind;
use sleepcot_model::error::ModelError;
use sleepcot_model::generate::{FinishReason, GenerationConfig, GenerationOutput};
use sleepcot_model::serve::{Completer, Engine, ServeConfig, ServerHandle, load_engine, spawn};
use sleepcot_model::tokenizer::train_bpe;

const MODEL_ID: &str = "tiny";

fn fixture() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/tiny-untied"
    ))
}

fn tokenizer() -> sleepcot_model::tokenizer::ChatTokenizer {
    let texts = [
        "You are a careful sleep-health assistant. Answer: B",
        "How long did I sleep on average? Total sleep 6.4 h, efficiency 82 %.",
        "The quick brown fox jumps over the lazy dog 0123456789.",
    ];
    train_bpe(&texts, 320).unwrap()
}

fn tiny_server(config: ServeConfig) -> ServerHandle {
    let engine = load_engine(BackendKind::Flex, fixture(), None, DType::F32).unwrap();
    let completer = Arc::new(Completer::new(engine, tokenizer(), config.truncate_prompt));
    spawn(completer, config, "127.0.0.1:0".parse().unwrap()).unwrap()
}

fn config() -> ServeConfig {
    ServeConfig {
        max_tokens: 64,
        default_max_tokens: 8,
        max_messages: 8,
        max_body_bytes: 16 * 1024,
        ..ServeConfig::new(MODEL_ID)
    }
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .build()
}

/// Posts raw bytes; returns status, body and the Retry-After header.
fn post(server: &ServerHandle, body: &[u8]) -> (u16, String, Option<String>) {
    let url = format!("{}/chat/completions", server.base_url());
    let response = match agent()
        .post(&url)
        .set("Content-Type", "application/json")
        .send_bytes(body)
    {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("transport error: {e}"),
    };
    let status = response.status();
    let retry = response.header("Retry-After").map(str::to_string);
    (status, response.into_string().unwrap(), retry)
}

fn get(server: &ServerHandle, path: &str) -> (u16, Value) {
    let url = format!("http://{}{path}", server.addr());
    let response = match agent().get(&url).call() {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("transport error: {e}"),
    };
    (response.status(), response.into_json().unwrap())
}

fn chat(max_tokens: usize, stream: bool) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "model": MODEL_ID,
        "messages": [
            {"role": "system", "content": "You are a careful sleep-health assistant."},
            {"role": "user", "content": "How long did I sleep?"}
        ],
        "max_tokens": max_tokens,
        "temperature": 0,
        "stream": stream,
        "stream_options": {"include_usage": true}
    }))
    .unwrap()
}

fn assert_openai_error(body: &str, param: Option<&str>) -> Value {
    let v: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    let err = &v["error"];
    assert!(
        err["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(err["type"].is_string(), "{body}");
    assert!(
        err.get("param").is_some() && err.get("code").is_some(),
        "{body}"
    );
    assert_eq!(err["param"].as_str(), param, "{body}");
    v
}

#[test]
fn completion_stream_models_and_health() {
    let server = tiny_server(config());
    let (status, body, _) = post(&server, &chat(12, false));
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["object"], "chat.completion");
    assert_eq!(v["model"], MODEL_ID);
    assert_eq!(v["choices"][0]["message"]["role"], "assistant");
    let text = v["choices"][0]["message"]["content"]
        .as_str()
        .unwrap()
        .to_string();
    let finish = v["choices"][0]["finish_reason"].as_str().unwrap();
    assert!(finish == "stop" || finish == "length");
    let usage = &v["usage"];
    assert!(usage["completion_tokens"].as_u64().unwrap() <= 12);
    assert_eq!(
        usage["total_tokens"].as_u64(),
        Some(
            usage["prompt_tokens"].as_u64().unwrap() + usage["completion_tokens"].as_u64().unwrap()
        )
    );

    // The same greedy request streamed: chunks concatenate to the same text.
    let (status, body, _) = post(&server, &chat(12, true));
    assert_eq!(status, 200, "{body}");
    let events: Vec<&str> = body
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .collect();
    assert_eq!(events.last(), Some(&"[DONE]"));
    let chunks: Vec<Value> = events[..events.len() - 1]
        .iter()
        .map(|e| serde_json::from_str(e).unwrap())
        .collect();
    assert_eq!(chunks[0]["object"], "chat.completion.chunk");
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
    let streamed: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(streamed, text);
    let finishes: Vec<&str> = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["finish_reason"].as_str())
        .collect();
    assert_eq!(finishes, vec![finish]);
    assert_eq!(chunks.last().unwrap()["usage"], v["usage"]);

    let (status, models) = get(&server, "/v1/models");
    assert_eq!(status, 200);
    assert_eq!(models["data"][0]["id"], MODEL_ID);
    let (status, health) = get(&server, "/health");
    assert_eq!(status, 200);
    assert_eq!(health["status"], "ok");
    assert_eq!(health["stats"]["completed"], 2);
    server.shutdown().unwrap();
}

#[test]
fn malformed_requests_get_openai_errors_and_the_server_keeps_serving() {
    let server = tiny_server(config());
    let msg = json!({"role": "user", "content": "hi"});
    let cases: Vec<(Vec<u8>, u16, Option<&str>)> = vec![
        (b"{not json".to_vec(), 400, None),
        (b"[1,2]".to_vec(), 400, None),
        (
            serde_json::to_vec(&json!({"model": MODEL_ID})).unwrap(),
            400,
            Some("messages"),
        ),
        (
            serde_json::to_vec(&json!({"model": MODEL_ID, "messages": []})).unwrap(),
            400,
            Some("messages"),
        ),
        (
            serde_json::to_vec(&json!({"messages": [msg]})).unwrap(),
            400,
            Some("model"),
        ),
        (
            serde_json::to_vec(
                &json!({"model": MODEL_ID, "messages": [{"role": "wizard", "content": "x"}]}),
            )
            .unwrap(),
            400,
            Some("messages[0].role"),
        ),
        (
            serde_json::to_vec(&json!({"model": MODEL_ID, "messages": [msg], "max_tokens": 65}))
                .unwrap(),
            400,
            Some("max_tokens"),
        ),
        (
            serde_json::to_vec(&json!({"model": MODEL_ID, "messages": vec![msg.clone(); 9]}))
                .unwrap(),
            400,
            Some("messages"),
        ),
        (
            serde_json::to_vec(&json!({"model": "gpt-4o", "messages": [msg]})).unwrap(),
            404,
            Some("model"),
        ),
        (
            serde_json::to_vec(
                &json!({"model": MODEL_ID, "messages": [{"role": "user", "content": "x".repeat(20_000)}]}),
            )
            .unwrap(),
            413,
            None,
        ),
        (
            // Fits the body limit but not the 128-token context (truncation is off).
            serde_json::to_vec(
                &json!({"model": MODEL_ID, "messages": [{"role": "user", "content": "sleep ".repeat(400)}]}),
            )
            .unwrap(),
            400,
            Some("messages"),
        ),
    ];
    for (body, status, param) in &cases {
        let (got, text, _) = post(&server, body);
        assert_eq!(
            got,
            *status,
            "{}: {text}",
            String::from_utf8_lossy(&body[..body.len().min(80)])
        );
        assert_openai_error(&text, *param);
    }
    let (status, body) = get(&server, "/v1/nothing");
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "unknown_url");

    // Still serving, and the refusals were counted.
    let (status, body, _) = post(&server, &chat(4, false));
    assert_eq!(status, 200, "{body}");
    let stats = server.stats();
    assert_eq!(stats.client_errors, cases.len() as u64);
    assert_eq!(stats.completed, 1);
}

#[test]
fn rate_limit_option_answers_429_with_retry_after() {
    let server = tiny_server(ServeConfig {
        rate_limit_first: 2,
        ..config()
    });
    for _ in 0..2 {
        let (status, body, retry) = post(&server, &chat(2, false));
        assert_eq!(status, 429);
        assert_eq!(retry.as_deref(), Some("0"));
        let v = assert_openai_error(&body, None);
        assert_eq!(v["error"]["type"], "rate_limit_error");
    }
    assert_eq!(post(&server, &chat(2, false)).0, 200);
}

/// An engine that blocks every generation until the test lets it go.
struct GateEngine {
    started: Mutex<mpsc::Sender<()>>,
    release: Mutex<mpsc::Receiver<()>>,
}

impl Engine for GateEngine {
    fn max_positions(&self) -> usize {
        512
    }
    fn vocab_size(&self) -> usize {
        512
    }
    fn generate(
        &self,
        _prompt: &[u32],
        _config: &GenerationConfig,
        on_token: &mut dyn FnMut(u32),
    ) -> Result<GenerationOutput, ModelError> {
        self.started.lock().unwrap().send(()).unwrap();
        self.release.lock().unwrap().recv().unwrap();
        on_token(300);
        Ok(GenerationOutput {
            tokens: vec![vec![300]],
            finish: vec![FinishReason::Length],
        })
    }
}

#[test]
fn full_queue_gets_503_and_shutdown_finishes_the_request_in_flight() {
    let (started_tx, started) = mpsc::channel();
    let (release, release_rx) = mpsc::channel();
    let engine = Arc::new(GateEngine {
        started: Mutex::new(started_tx),
        release: Mutex::new(release_rx),
    });
    let completer = Arc::new(Completer::new(engine, tokenizer(), false));
    let server = spawn(
        completer,
        ServeConfig {
            max_concurrent: 1,
            max_queue: 0,
            ..config()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .unwrap();
    let url = format!("{}/chat/completions", server.base_url());
    let first = std::thread::spawn(move || {
        let r = agent().post(&url).send_bytes(&chat(1, false)).unwrap();
        (r.status(), r.into_string().unwrap())
    });
    started.recv_timeout(Duration::from_secs(10)).unwrap();

    let (status, body, retry) = post(&server, &chat(1, false));
    assert_eq!(status, 503, "{body}");
    assert_eq!(retry.as_deref(), Some("1"));
    let v = assert_openai_error(&body, None);
    assert_eq!(v["error"]["code"], "queue_full");
    let (status, health) = get(&server, "/health");
    assert_eq!(
        (status, health["stats"]["in_flight"].as_u64()),
        (200, Some(1))
    );

    // Shut down while the first request is still generating: it must still be answered.
    let addr = server.addr();
    let stopper = std::thread::spawn(move || server.shutdown());
    std::thread::sleep(Duration::from_millis(100));
    release.send(()).unwrap();
    let (status, body) = first.join().unwrap();
    assert_eq!(status, 200, "{body}");
    stopper.join().unwrap().unwrap();
    // And the port no longer answers.
    let mut refused = std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(500));
    if let Ok(stream) = refused.as_mut() {
        let mut buf = [0u8; 1];
        assert_eq!(stream.read(&mut buf).unwrap_or(0), 0);
    }
}
