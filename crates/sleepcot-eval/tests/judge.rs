//! The LLM judge against a real OpenAI-compatible HTTP server on a loopback port that returns
//! canned verdicts: the scores become metrics with intervals and paired comparisons, the
//! report gets its judge table and figure, the reply cache replays a second run with the
//! server gone, a stale judgement is refused, and a dead endpoint is one sentence naming it.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Json;
use axum::extract::State;
use axum::routing::post;
use serde_json::{Value, json};
use sleepcot_eval::judge::{JudgeConfig, LlmJudge, judge_run};
use sleepcot_eval::prediction::{Prediction, read_predictions, write_predictions};
use sleepcot_eval::{EvalConfig, RunDir, RunOptions, TestSet, evaluate_run, predict_baselines};

/// A chat-completions server whose verdict depends on the answer under review: the expert
/// teacher's answers score high, generic advice (which blames "everyday habits") low, and an
/// answer that says "not sure" gets a reply that is not JSON.
struct CannedJudge {
    addr: SocketAddr,
    requests: Arc<AtomicUsize>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

async fn complete(
    State(requests): State<Arc<AtomicUsize>>,
    Json(body): Json<Value>,
) -> Json<Value> {
    requests.fetch_add(1, Ordering::SeqCst);
    let user = body["messages"][1]["content"].as_str().unwrap_or_default();
    let answer = user
        .split("## Answer under review")
        .nth(1)
        .unwrap_or_default();
    let content = if answer.contains("not sure") {
        "I would rather not put a number on this one.".to_string()
    } else if answer.contains("everyday habits") {
        json!({"personalisation": 2, "reasoning": 4, "knowledge": 6, "justification": "Generic advice."})
            .to_string()
    } else if answer.trim_start().starts_with("Answer:") {
        // The population prior: the common findings, no reasoning, nothing of the person's.
        json!({"personalisation": 5, "reasoning": 1, "knowledge": 5, "justification": "Common findings only."})
            .to_string()
    } else {
        "```json\n{\"personalisation\": 9, \"reasoning\": 8, \"knowledge\": 9, \"justification\": \"Every finding is addressed with the person's values.\"}\n```".to_string()
    };
    Json(json!({
        "id": "canned",
        "object": "chat.completion",
        "model": body["model"],
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
    }))
}

impl CannedJudge {
    fn start() -> Self {
        let requests = Arc::new(AtomicUsize::new(0));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let state = requests.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let app = axum::Router::new()
                    .route("/v1/chat/completions", post(complete))
                    .with_state(state);
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await
                    .unwrap();
            });
        });
        CannedJudge {
            addr,
            requests,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    fn shutdown(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.thread.take().unwrap().join().unwrap();
    }
}

fn judge_config(base_url: &str, cache: &Path, max_items: Option<usize>) -> JudgeConfig {
    serde_json::from_value(json!({
        "endpoint": {
            "base_url": base_url,
            "model": "canned-judge",
            "temperature": 0.0,
            "max_retries": 0,
            "connect_timeout_s": 2.0,
            "concurrency": 3,
            "cache_dir": cache,
        },
        "max_items": max_items,
    }))
    .unwrap()
}

/// A run directory with the expert teacher's, generic advice's, random letters' and the
/// population prior's predictions, and a hand-written "unsure" variant.
fn run_dir(dir: &Path) -> RunDir {
    let run = common::expert_run(dir, 5, 40, 3, 12, 1);
    let test = TestSet::load(&run).unwrap();
    let options = RunOptions {
        batch_size: 8,
        progress: false,
    };
    predict_baselines(&run, &test, 0, &options).unwrap();
    let generic = read_predictions(&run, "generic", &test).unwrap();
    let unsure: Vec<Prediction> = generic
        .rows
        .iter()
        .map(|p| Prediction {
            model: "unsure".into(),
            output: "I am not sure what to advise.".into(),
            ..p.clone()
        })
        .collect();
    let info = sleepcot_eval::VariantInfo {
        name: "unsure".into(),
        ..generic.info.clone()
    };
    write_predictions(&run, &info, &unsure).unwrap();
    run
}

fn eval_config() -> EvalConfig {
    let mut c = EvalConfig::default();
    c.bootstrap.resamples = 500;
    c
}

#[test]
fn judge_scores_become_metrics_and_the_cache_replays_them() {
    let tmp = tempfile::tempdir().unwrap();
    let run = run_dir(tmp.path());
    let test = TestSet::load(&run).unwrap();
    let reports = test.count(sleepcot_data::teacher::Task::Recommendation);
    assert!(reports >= 4, "{reports}");
    let cache = tmp.path().join("teacher-cache");

    let server = CannedJudge::start();
    let judge = LlmJudge::new(judge_config(&server.base_url(), &cache, None), tmp.path()).unwrap();
    let done = judge_run(&run, &judge, None, 0, false).unwrap();
    let names: Vec<&str> = done.iter().map(|d| d.variant.as_str()).collect();
    // Random letters answer no recommendation, so there is nothing of theirs to judge.
    assert_eq!(names, ["expert", "generic", "prior", "unsure"]);
    for d in &done {
        assert_eq!(d.judged, reports, "{d:?}");
    }
    assert_eq!(done[3].unreadable, reports);
    assert_eq!(server.requests(), 4 * reports);
    assert!(run.judge_file("expert").is_file());
    assert!(run.judge().join("expert.parquet").is_file());

    let out = evaluate_run(&run, None, &eval_config()).unwrap();
    let m = &out.metrics;
    let score = |v: &str, metric: &str| m.variant(v).unwrap().get(metric).map(|i| i.estimate);
    assert_eq!(score("expert", "judge_personalisation"), Some(9.0));
    assert_eq!(score("expert", "judge_reasoning"), Some(8.0));
    assert_eq!(score("generic", "judge_personalisation"), Some(2.0));
    assert_eq!(score("generic", "judge_knowledge"), Some(6.0));
    assert_eq!(score("unsure", "judge_personalisation"), None);
    assert_eq!(score("random_letter", "judge_personalisation"), None);
    let tally = m.variant("unsure").unwrap().judge.clone().unwrap();
    assert_eq!((tally.judged, tally.unreadable), (reports, reports));
    assert_eq!(tally.models, ["canned-judge"]);
    let diff = m
        .comparisons
        .iter()
        .find(|c| c.a == "expert" && c.b == "generic" && c.metric == "judge_personalisation")
        .expect("a paired comparison of the judge scores");
    assert_eq!(diff.difference.estimate, 7.0);
    assert!(diff.difference.excludes_zero());
    // Expert answers recall every finding and score 9; generic advice recalls few and scores 2.
    let agreement = &m.judge_agreement[0];
    assert_eq!(agreement.judge_metric, "judge_personalisation");
    assert_eq!(agreement.metric, "finding_recall");
    assert!(agreement.pearson_r.unwrap() > 0.5, "{agreement:?}");
    let report = std::fs::read_to_string(out.report_path.with_file_name("appendix.md")).unwrap();
    assert!(
        report.contains("### LLM judge (recommendations)"),
        "{report}"
    );
    assert!(report.contains("| expert | "), "{report}");
    assert!(report.contains("could not be read as scores"), "{report}");
    let judge_png = run.plots().join("judge.png");
    assert!(out.plots.contains(&judge_png));
    let bytes = std::fs::read(&judge_png).unwrap();
    assert_eq!(&bytes[1..4], b"PNG");

    // Judging again asks the server nothing: every reply is in the shared cache.
    let before = server.requests();
    let again = LlmJudge::new(judge_config(&server.base_url(), &cache, None), tmp.path()).unwrap();
    judge_run(&run, &again, None, 0, false).unwrap();
    assert_eq!(server.requests(), before);
    server.shutdown();
    // And with the server gone, the cache still answers.
    let offline = LlmJudge::new(
        judge_config("http://127.0.0.1:9/v1", &cache, None),
        tmp.path(),
    )
    .unwrap();
    judge_run(&run, &offline, Some(&["expert".to_string()]), 0, false).unwrap();
    assert_eq!(offline.endpoint.stats().cache_hits, reports as u64);

    // A judgement scored under another rubric version is refused.
    let expert_file = run.judge_file("expert");
    let current = std::fs::read_to_string(&expert_file).unwrap();
    let old = current.replacen("sleepcot-judge-1", "sleepcot-judge-0", 1);
    std::fs::write(&expert_file, &old).unwrap();
    let err = evaluate_run(&run, None, &eval_config())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("scored under rubric sleepcot-judge-0, not the current sleepcot-judge-1"),
        "{err}"
    );
    std::fs::write(&expert_file, current).unwrap();

    // A prediction that changed after it was judged is refused, naming both files.
    let mut generic = read_predictions(&run, "generic", &test).unwrap();
    let i = generic
        .rows
        .iter()
        .position(|p| p.task == sleepcot_data::teacher::Task::Recommendation)
        .unwrap();
    generic.rows[i].output.push_str(" Also, drink water.");
    write_predictions(&run, &generic.info, &generic.rows).unwrap();
    let err = evaluate_run(&run, None, &eval_config())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("judge/generic.jsonl judges an answer to"),
        "{err}"
    );
    assert!(
        err.ends_with("does not hold now; run the judge again"),
        "{err}"
    );
}

#[test]
fn a_sample_judges_the_same_items_for_every_variant() {
    let tmp = tempfile::tempdir().unwrap();
    let run = run_dir(tmp.path());
    let server = CannedJudge::start();
    let cache = tmp.path().join("cache");
    let judge = LlmJudge::new(
        judge_config(&server.base_url(), &cache, Some(3)),
        tmp.path(),
    )
    .unwrap();
    // A judgement file of a variant with nothing to judge is stale and goes.
    std::fs::create_dir_all(run.judge()).unwrap();
    std::fs::write(run.judge_file("random_letter"), "{}\n").unwrap();
    let variants = [
        "expert".to_string(),
        "generic".to_string(),
        "random_letter".to_string(),
    ];
    let done = judge_run(&run, &judge, Some(&variants), 7, false).unwrap();
    assert!(!run.judge_file("random_letter").exists());
    assert_eq!(done.len(), 2, "{done:?}");
    assert!(done.iter().all(|d| d.judged == 3), "{done:?}");
    let ids = |v: &str| -> Vec<String> {
        std::fs::read_to_string(run.judge_file(v))
            .unwrap()
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    assert_eq!(ids("expert"), ids("generic"));
    server.shutdown();
    let m = evaluate_run(&run, None, &eval_config()).unwrap().metrics;
    let p = m
        .variant("expert")
        .unwrap()
        .get("judge_personalisation")
        .unwrap();
    assert_eq!(p.n, 3);
}

#[test]
fn a_dead_endpoint_and_a_bad_sample_size_are_one_sentence() {
    let tmp = tempfile::tempdir().unwrap();
    let run = run_dir(tmp.path());
    let judge = LlmJudge::new(
        judge_config("http://127.0.0.1:9/v1", &tmp.path().join("cache"), None),
        tmp.path(),
    )
    .unwrap();
    let err = judge_run(&run, &judge, None, 0, false)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("the LLM judge failed on expert's answer to "),
        "{err}"
    );
    assert!(
        err.contains("http://127.0.0.1:9/v1/chat/completions"),
        "{err}"
    );
    assert!(!err.contains('\n'), "{err}");
    assert!(
        !run.judge_file("expert").exists(),
        "nothing is written for a failed judge"
    );

    let err = LlmJudge::new(
        judge_config("http://127.0.0.1:9/v1", tmp.path(), Some(0)),
        tmp.path(),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        "the LLM judge cannot be set up: `max_items` is 0, expected at least 1 (or leave it out to judge every recommendation)"
    );
}
