//! A chat endpoint as a predictor, against the real student server of `sleepcot-model` on a
//! loopback port: every test item is answered and stored, a rerun is served from the cache
//! with the server gone, and a dead endpoint is one sentence naming it.

mod common;

use std::path::Path;
use std::sync::Arc;

use burn::tensor::DType;
use sleepcot_data::instructions::StudentFormat;
use sleepcot_data::teacher::chat::ChatTeacherConfig;
use sleepcot_eval::predict::RunOptions;
use sleepcot_eval::{ChatPredictor, RunDir, TestSet, VariantKind, run_predictions};
use sleepcot_model::BackendKind;
use sleepcot_model::serve::{Completer, ServeConfig, ServerHandle, load_engine, spawn};
use sleepcot_model::tokenizer::train_bpe;

fn server() -> ServerHandle {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../sleepcot-model/tests/fixtures/tiny-untied");
    let engine = load_engine(BackendKind::Flex, &fixture, None, DType::F32).unwrap();
    let tokenizer = train_bpe(
        &[
            "You are a careful sleep-health assistant. Answer: B",
            "Total sleep 6.4 h, efficiency 82 %.",
        ],
        320,
    )
    .unwrap();
    let config = ServeConfig {
        truncate_prompt: true,
        max_body_bytes: 1 << 20,
        ..ServeConfig::new("student")
    };
    let completer = Arc::new(Completer::new(engine, tokenizer, config.truncate_prompt));
    spawn(completer, config, "127.0.0.1:0".parse().unwrap()).unwrap()
}

fn endpoint(base_url: &str, cache: &Path) -> ChatTeacherConfig {
    serde_json::from_value(serde_json::json!({
        "base_url": base_url,
        "model": "student",
        "max_tokens": 6,
        "max_retries": 0,
        "connect_timeout_s": 2.0,
        "cache_dir": cache,
    }))
    .unwrap()
}

fn run_dir(dir: &Path) -> RunDir {
    common::expert_run(dir, 2, 4, 2, 12, 1)
}

fn options() -> RunOptions {
    RunOptions {
        batch_size: 4,
        progress: false,
    }
}

#[test]
fn a_served_student_answers_every_item_and_the_cache_replays_it() {
    let tmp = tempfile::tempdir().unwrap();
    let run = run_dir(tmp.path());
    let test = TestSet::load(&run).unwrap();
    let items: Vec<_> = test.items().collect();
    assert!(!items.is_empty());
    let cache = tmp.path().join("chat-cache");

    let server = server();
    let mut predictor = ChatPredictor::new(
        "served",
        endpoint(&server.base_url(), &cache),
        StudentFormat::RationaleThenAnswer,
        VariantKind::Student,
        tmp.path(),
    )
    .unwrap();
    let (rows, info) = run_predictions(&mut predictor, &items, &run, &options()).unwrap();
    assert_eq!(rows.len(), items.len());
    assert!(rows.iter().any(|r| !r.output.is_empty()));
    assert!(info.backend.unwrap().contains("student"));
    assert_eq!(predictor.endpoint.stats().fetched, items.len() as u64);
    server.shutdown().unwrap();

    // The server is gone; the same requests come from the cache, with the same answers.
    let mut again = ChatPredictor::new(
        "served",
        endpoint("http://127.0.0.1:9/v1", &cache),
        StudentFormat::RationaleThenAnswer,
        VariantKind::Student,
        tmp.path(),
    )
    .unwrap();
    let (replayed, _) = run_predictions(&mut again, &items, &run, &options()).unwrap();
    let outputs =
        |r: &[sleepcot_eval::Prediction]| r.iter().map(|p| p.output.clone()).collect::<Vec<_>>();
    assert_eq!(outputs(&replayed), outputs(&rows));
    assert_eq!(again.endpoint.stats().cache_hits, items.len() as u64);
}

#[test]
fn a_dead_endpoint_is_one_sentence_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let run = run_dir(tmp.path());
    let test = TestSet::load(&run).unwrap();
    let items: Vec<_> = test.items().collect();
    let mut predictor = ChatPredictor::new(
        "dead",
        endpoint("http://127.0.0.1:9/v1", &tmp.path().join("cache")),
        StudentFormat::AnswerOnly,
        VariantKind::Teacher,
        tmp.path(),
    )
    .unwrap();
    let err = run_predictions(&mut predictor, &items, &run, &options())
        .unwrap_err()
        .to_string();
    assert!(err.contains("127.0.0.1:9"), "{err}");
    assert!(!err.contains('\n'), "{err}");
    assert!(
        !run.prediction_file("dead").exists(),
        "nothing is written for a failed run"
    );
}
