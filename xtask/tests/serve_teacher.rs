//! The chat teacher against the real student server, end to end over HTTP on a loopback port:
//! a data run completes (the tiny random model's replies are rejected by the gold check, and
//! counted), a run interrupted by stopping the server resumes from the cache after a restart
//! without asking for anything twice, 429s are retried, and errors name the URL.
//!
//! The bounded load test is ignored by default; run it with
//! `cargo test -p xtask --test serve_teacher -- --ignored --nocapture load_test`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sleepcot_data::pipeline::{DataConfig, Dataset};
use sleepcot_data::teacher::chat::{ChatTeacher, ChatTeacherConfig};
use sleepcot_data::teacher::{Teacher, TeacherConfig};
use sleepcot_model::BackendKind;
use sleepcot_model::serve::{Completer, ServeConfig, ServerHandle, load_engine, spawn};
use sleepcot_model::tokenizer::train_bpe;

const MODEL_ID: &str = "tiny-student";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/sleepcot-model/tests/fixtures/tiny-untied")
}

fn completer() -> Arc<Completer> {
    let texts = [
        "You are a careful sleep-health assistant. Step 1: observations. Answer: B",
        "Night 1: total sleep 6.4 h, efficiency 82.0 %, SpO2 nadir 86 %.",
    ];
    let tokenizer = train_bpe(&texts, 400).unwrap();
    let f32 = sleepcot_model::backend::parse_dtype("f32").unwrap();
    let engine = load_engine(BackendKind::Flex, &fixture(), None, f32).unwrap();
    Arc::new(Completer::new(engine, tokenizer, true))
}

fn server(completer: &Arc<Completer>, rate_limit_first: usize, port: u16) -> ServerHandle {
    let config = ServeConfig {
        max_concurrent: 2,
        max_tokens: 64,
        truncate_prompt: true,
        rate_limit_first,
        ..ServeConfig::new(MODEL_ID)
    };
    spawn(
        completer.clone(),
        config,
        format!("127.0.0.1:{port}").parse().unwrap(),
    )
    .unwrap()
}

fn teacher_config(base_url: &str, cache: &Path) -> ChatTeacherConfig {
    ChatTeacherConfig {
        max_tokens: 12,
        concurrency: 3,
        max_retries: 2,
        backoff_ms: 5,
        max_backoff_ms: 50,
        cache_dir: Some(cache.to_path_buf()),
        ..ChatTeacherConfig::new(base_url, MODEL_ID)
    }
}

fn data_config(teacher: ChatTeacherConfig) -> DataConfig {
    DataConfig {
        seed: 3,
        users: 4,
        nights: 2,
        questions: 4,
        follow_ups_per_report: 1,
        teacher: TeacherConfig::Chat(teacher),
        ..DataConfig::default()
    }
}

/// Items the data config above asks the teacher about.
const ITEMS: u64 = 4 + 4 + 4;

fn run(config: &DataConfig, out: &Path) -> (Result<Dataset, String>, ChatTeacher) {
    let TeacherConfig::Chat(c) = &config.teacher else {
        unreachable!()
    };
    let teacher = ChatTeacher::new(c.clone(), out).unwrap();
    let result = Dataset::generate(config, &teacher, &|_| {}).map_err(|e| e.to_string());
    (result, teacher)
}

#[test]
fn data_run_with_the_chat_teacher_completes_and_counts_rejections() {
    let tmp = tempfile::tempdir().unwrap();
    let completer = completer();
    let server = server(&completer, 0, 0);
    let config = data_config(teacher_config(
        &server.base_url(),
        &tmp.path().join("cache"),
    ));
    let (result, teacher) = run(&config, tmp.path());
    let dataset = result.unwrap();
    let stats = teacher.stats();
    assert_eq!(stats.fetched, ITEMS);
    assert_eq!(server.stats().completed, ITEMS);
    assert_eq!(teacher.cache().len() as u64, ITEMS);
    // Every item is either a record or a counted rejection.
    let rejected: usize = dataset.rejected.values().sum();
    assert_eq!(rejected as u64, stats.rejected);
    assert_eq!(dataset.records.len() + rejected, ITEMS as usize);
    // The filter runs the consistency audit: what it kept passes it, and the audit's drops are
    // part of the rejections.
    assert!(stats.inconsistent <= stats.rejected);
    let audit = sleepcot_data::audit::audit_records(&dataset.records);
    assert!(audit.is_clean(), "{audit}");
    assert!(
        dataset
            .records
            .iter()
            .all(|r| r.teacher == "chat:tiny-student"),
        "records name the teacher"
    );
    if rejected > 0 {
        assert!(
            dataset
                .summary()
                .to_string()
                .contains("teacher replies left out")
        );
    }
    dataset.write(&tmp.path().join("data")).unwrap();
    // The API key never travels in the cache (none was configured, and no header is stored).
    let entry = std::fs::read_dir(teacher.cache().dir())
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let file = std::fs::read_dir(entry.path())
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let text = std::fs::read_to_string(file.path()).unwrap();
    assert!(text.contains("\"request\"") && !text.contains("Authorization"));
}

#[test]
fn a_run_interrupted_by_a_server_stop_resumes_from_the_cache() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let completer = completer();

    // First run: stop the server once a few replies have gone out.
    let first = server(&completer, 0, 0);
    let port = first.addr().port();
    let config = data_config(teacher_config(&first.base_url(), &cache));
    let stopper = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(60);
        while first.stats().completed < 3 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        let seen = first.stats().completed;
        first.shutdown().unwrap();
        seen
    });
    let (result, teacher) = run(&config, tmp.path());
    stopper.join().unwrap();
    let cached = teacher.cache().len() as u64;
    assert!(cached >= 3, "{cached}");
    if cached < ITEMS {
        let err = result.unwrap_err();
        assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }
    assert_eq!(teacher.stats().fetched, cached);

    // Restart (same port when the OS allows, else another: the cache key ignores the URL).
    let second = std::net::TcpListener::bind(("127.0.0.1", port))
        .map(drop)
        .map_or_else(
            |_| server(&completer, 0, 0),
            |_| server(&completer, 0, port),
        );
    let config = data_config(teacher_config(&second.base_url(), &cache));
    let (result, teacher) = run(&config, tmp.path());
    result.unwrap();
    let stats = teacher.stats();
    assert_eq!(
        stats.cache_hits, cached,
        "every earlier reply came from the cache"
    );
    assert_eq!(
        second.stats().completed,
        ITEMS - cached,
        "nothing asked twice"
    );
    assert_eq!(teacher.cache().len() as u64, ITEMS);

    // A third run asks the server nothing.
    let before = second.stats().requests;
    let (result, teacher) = run(&config, tmp.path());
    result.unwrap();
    assert_eq!(teacher.stats().cache_hits, ITEMS);
    assert_eq!(second.stats().requests, before);
}

#[test]
fn rate_limited_requests_are_retried() {
    let tmp = tempfile::tempdir().unwrap();
    let completer = completer();
    let server = server(&completer, 3, 0);
    let mut config = teacher_config(&server.base_url(), tmp.path());
    config.max_retries = 4;
    config.concurrency = 1;
    let teacher = ChatTeacher::new(config, tmp.path()).unwrap();
    let questions = sleepcot_data::knowledge::generate_questions(1, 2).unwrap();
    let items: Vec<_> = questions
        .iter()
        .enumerate()
        .map(|(i, q)| (i as u64, sleepcot_data::teacher::TeacherInput::Knowledge(q)))
        .collect();
    let results = teacher.teach_batch(&items, 1);
    for r in &results {
        // Replies arrive; the tiny model's text is rejected, never a network failure.
        if let Err(e) = r {
            assert!(e.to_string().contains("rejected"), "{e}");
        }
    }
    assert_eq!(server.stats().rate_limited, 3);
    assert_eq!(server.stats().completed, 2);
    let stats = teacher.stats();
    assert_eq!((stats.retries, stats.fetched, stats.failed), (3, 2, 0));
}

#[test]
fn errors_name_the_url_or_the_model() {
    let tmp = tempfile::tempdir().unwrap();
    // Nothing listens on port 9 (discard) of the loopback interface.
    let config = data_config(teacher_config("http://127.0.0.1:9/v1", tmp.path()));
    let (result, _) = run(&config, tmp.path());
    let err = result.unwrap_err();
    assert!(
        err.contains("could not reach http://127.0.0.1:9/v1/chat/completions after 3 attempt(s)"),
        "{err}"
    );

    let completer = completer();
    let server = server(&completer, 0, 0);
    let mut teacher = teacher_config(&server.base_url(), tmp.path());
    teacher.model = "gpt-4o".into();
    let (result, _) = run(&data_config(teacher), tmp.path());
    let err = result.unwrap_err();
    assert!(
        err.contains("answered HTTP 404 after 1 attempt(s)"),
        "{err}"
    );
    assert!(err.contains("gpt-4o"), "{err}");
}

#[test]
fn xtask_data_reads_the_teacher_from_a_config_file() {
    let tmp = tempfile::tempdir().unwrap();
    let completer = completer();
    let server = server(&completer, 0, 0);
    let config = tmp.path().join("data.toml");
    std::fs::write(
        &config,
        format!(
            "users = 2\nnights = 2\nquestions = 2\nfollow_ups_per_report = 0\n\n[teacher]\nkind = \"chat\"\nbase_url = \"{}\"\nmodel = \"{MODEL_ID}\"\nmax_tokens = 8\napi_key_env = \"SLEEPCOT_TEST_KEY\"\n",
            server.base_url()
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let xtask = || std::process::Command::new(env!("CARGO_BIN_EXE_xtask"));
    let output = xtask()
        .args(["data", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .env("SLEEPCOT_TEST_KEY", "sk-test-secret")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("4 replies fetched, 0 from cache"),
        "{stdout}"
    );
    // The key is never written anywhere under the output.
    for entry in walk(&out) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains("sk-test-secret"),
            "{}",
            entry.display()
        );
    }

    // Without the key's variable: one sentence naming it.
    let output = xtask()
        .args(["data", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .env_remove("SLEEPCOT_TEST_KEY")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("environment variable SLEEPCOT_TEST_KEY"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");

    // An unknown key in the teacher table is named.
    std::fs::write(
        &config,
        "[teacher]\nkind = \"chat\"\nbase_url = \"http://x/v1\"\nmodel = \"m\"\ntemprature = 1\n",
    )
    .unwrap();
    let output = xtask()
        .args(["data", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success() && stderr.contains("temprature"),
        "{stderr}"
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn xtask_serve_bad_model_dir_is_one_sentence() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["serve", "--model", "/nonexistent/student", "--port", "0"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.starts_with("error: ") && stderr.contains("/nonexistent/student"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

/// 16 concurrent clients, 200 requests in all, against the tiny model; no errors allowed;
/// prints p50/p99 latency.
#[test]
#[ignore = "load test: run with --ignored --nocapture"]
fn load_test() {
    let completer = completer();
    let config = ServeConfig {
        max_concurrent: 2,
        max_queue: 64,
        max_tokens: 64,
        truncate_prompt: true,
        ..ServeConfig::new(MODEL_ID)
    };
    let server = spawn(completer, config, "127.0.0.1:0".parse().unwrap()).unwrap();
    let url = format!("{}/chat/completions", server.base_url());
    let body = serde_json::to_vec(&serde_json::json!({
        "model": MODEL_ID,
        "messages": [{"role": "user", "content": "How did I sleep this week?"}],
        "max_tokens": 16,
        "temperature": 0.7,
    }))
    .unwrap();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let started = Instant::now();
    let mut latencies: Vec<Duration> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..16)
            .map(|_| {
                s.spawn(|| {
                    let agent = ureq::AgentBuilder::new()
                        .timeout(Duration::from_secs(120))
                        .build();
                    let mut mine = Vec::new();
                    while next.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 200 {
                        let t = Instant::now();
                        let r = agent
                            .post(&url)
                            .send_bytes(&body)
                            .expect("no request may fail");
                        assert_eq!(r.status(), 200);
                        r.into_string().unwrap();
                        mine.push(t.elapsed());
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let wall = started.elapsed();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1)];
    println!(
        "load test: {} requests, 16 clients, max_concurrent 2: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms, {:.1} req/s",
        latencies.len(),
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3,
        latencies.len() as f64 / wall.as_secs_f64()
    );
    assert_eq!(latencies.len(), 200);
    assert_eq!(server.stats().completed, 200);
    assert_eq!(server.stats().queue_full, 0);
}
