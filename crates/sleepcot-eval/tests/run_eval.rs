//! End to end on a small run directory: data → predictions (teacher, baselines, an untrained
//! tiny student, Sci-CoT rationale sources) → metrics, plots and report; and bad input.

mod common;

use std::path::Path;

use sleepcot_data::teacher::Task;
use sleepcot_eval::bootstrap::BootstrapConfig;
use sleepcot_eval::predict::{RunOptions, predict_baselines, run_predictions};
use sleepcot_eval::prediction::{RationaleSource, VariantKind};
use sleepcot_eval::student::{Student, StudentPredictor, TwoStagePredictor};
use sleepcot_eval::testset::{Item, TestSet};
use sleepcot_eval::{EvalConfig, RunDir, evaluate_run};
use sleepcot_model::Qwen2Config;
use sleepcot_model::tokenizer::train_bpe;

type B = burn::backend::Flex;

fn write_data(dir: &Path) {
    common::expert_run(dir, 5, 16, 4, 40, 3);
}

fn config() -> EvalConfig {
    EvalConfig {
        bootstrap: BootstrapConfig {
            resamples: 300,
            ..BootstrapConfig::default()
        },
        ..EvalConfig::default()
    }
}

fn quiet() -> RunOptions {
    RunOptions {
        batch_size: 4,
        progress: false,
    }
}

fn tiny_student(test: &TestSet) -> Student<B> {
    let texts: Vec<&str> = test.records.iter().map(|r| r.assistant.as_str()).collect();
    let tokenizer = train_bpe(&texts, 300).unwrap();
    let config = Qwen2Config {
        vocab_size: tokenizer.vocab_size(),
        hidden_size: 32,
        intermediate_size: 64,
        num_hidden_layers: 1,
        num_attention_heads: 2,
        num_key_value_heads: 1,
        head_dim: 16,
        max_position_embeddings: 96,
        rope_theta: 10_000.0,
        rms_norm_eps: 1e-6,
        tie_word_embeddings: true,
        bos_token_id: None,
        eos_token_ids: Vec::new(),
    };
    Student::untrained(&config, tokenizer, 3, &Default::default(), 6)
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}

#[test]
fn a_run_is_evaluated_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let run = RunDir::new(dir.path());
    let test = TestSet::load(&run).unwrap();
    let names = predict_baselines(&run, &test, 0, &quiet()).unwrap();
    // The run has a training split, so the population prior is fitted and answers too.
    assert_eq!(names, ["expert", "generic", "random_letter", "prior"]);

    // A tiny untrained student, one-stage and Sci-CoT with all three rationale sources, on a
    // few items of every task.
    let student = tiny_student(&test);
    let few: Vec<Item<'_>> = Task::ALL
        .iter()
        .flat_map(|t| test.items().filter(move |i| i.record.task == *t).take(3))
        .collect();
    let mut untrained = StudentPredictor {
        name: "untrained".into(),
        student,
        format: sleepcot_data::instructions::StudentFormat::RationaleThenAnswer,
        kind: VariantKind::Untrained,
        backend: "flex".into(),
    };
    let (rows, info) = run_predictions(&mut untrained, &few, &run, &quiet()).unwrap();
    assert_eq!(rows.len(), 9);
    assert!(rows.iter().all(|r| r.tokens <= 6 && r.prompt_tokens <= 90));
    assert!(info.decode_tokens_per_s.unwrap() > 0.0 && info.prefill_tokens_per_s.unwrap() > 0.0);
    assert!(info.parameters.unwrap() > 10_000 && info.peak_rss_bytes.is_some());
    let s = &untrained.student;
    for source in RationaleSource::ALL {
        let mut p = TwoStagePredictor::new("scicot", s, s, source, "flex");
        run_predictions(&mut p, &few, &run, &quiet()).unwrap();
    }
    // A training log for the loss plot.
    let log = dir.path().join("train/cot/main");
    std::fs::create_dir_all(&log).unwrap();
    let mut csv = String::from("step,epoch,train_loss,val_loss,lr,grad_norm,tokens_per_s,wall_s\n");
    for step in 1..=20 {
        let val = if step % 5 == 0 {
            format!("{}", 4.0 / step as f64 + 0.6)
        } else {
            String::new()
        };
        csv += &format!(
            "{step},0,{},{val},0.001,1.0,100.0,{step}\n",
            4.0 / step as f64 + 0.5
        );
    }
    std::fs::write(log.join("metrics.csv"), csv).unwrap();

    let out = evaluate_run(&run, None, &config()).unwrap();
    let m = &out.metrics;
    let get = |v: &str, metric: &str| m.variant(v).unwrap().get(metric).map(|i| i.estimate);
    assert_eq!(get("expert", "knowledge_accuracy"), Some(1.0));
    assert_eq!(get("expert", "follow_up_accuracy"), Some(1.0));
    assert_eq!(get("expert", "finding_recall"), Some(1.0));
    // Few test reports here; `baselines` tests the generic advice's low recall on 40 people.
    let generic = get("generic", "finding_recall").unwrap();
    assert!(generic < 1.0, "generic finding recall {generic}");
    assert!(get("random_letter", "knowledge_accuracy").unwrap() < 0.7);
    assert_eq!(get("random_letter", "finding_recall"), None);
    assert_eq!(
        m.variant("scicot+teacher_rationale").unwrap().kind,
        VariantKind::Student
    );
    // Paired comparisons include every pair with a student, over the shared items only.
    let c = m
        .comparisons
        .iter()
        .find(|c| {
            c.a == "scicot" && c.b == "scicot+teacher_rationale" && c.metric == "knowledge_accuracy"
        })
        .expect("a Sci-CoT comparison");
    assert_eq!(c.difference.n, 3);
    assert!(
        m.comparisons
            .iter()
            .all(|c| c.a != "expert" || c.b != "generic")
    );

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out.metrics_path).unwrap()).unwrap();
    // expert, generic, random letters, the prior, untrained, and Sci-CoT with its own, the
    // teacher's, the masked teacher's and no rationale.
    assert_eq!(json["variants"].as_array().unwrap().len(), 9);
    assert_eq!(m.variant("prior").unwrap().kind, VariantKind::Baseline);
    assert!(m.variant("scicot+masked_teacher_rationale").is_some());
    assert!(dir.path().join("eval/scores.parquet").is_file());
    // The report opens with the headline and embeds the plots; every table is in the appendix
    // it links to.
    let report = std::fs::read_to_string(&out.report_path).unwrap();
    for needle in [
        "## Headline",
        "| scicot+masked_teacher_rationale | ablation |",
        "| expert | teacher |",
        "## Key comparisons",
        "## What the numbers show",
        "On `knowledge_accuracy` the best student",
        "![accuracy](plots/accuracy.png)",
        "![loss](plots/loss.png)",
        "[appendix.md](appendix.md)",
    ] {
        assert!(report.contains(needle), "{needle} missing in\n{report}");
    }
    assert!(!report.contains("## Paired differences"), "{report}");
    let appendix = std::fs::read_to_string(dir.path().join("eval/appendix.md")).unwrap();
    for needle in [
        "## Setup",
        "data seed: 5",
        "## Reading",
        "### knowledge",
        "### recommendation",
        "### Efficiency",
        "## Paired differences",
        "Sci-CoT `scicot`",
    ] {
        assert!(appendix.contains(needle), "{needle} missing in\n{appendix}");
    }
    let stems: Vec<String> = out
        .plots
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        stems,
        ["accuracy", "recommendation", "loss", "size", "speed"]
    );
    for png in &out.plots {
        let bytes = std::fs::read(png).unwrap();
        assert_eq!(png_size(&bytes), (1200, 700), "{}", png.display());
        assert!(bytes.len() > 5_000, "{} is nearly blank", png.display());
        assert!(png.with_extension("svg").is_file());
    }
    // SLEEPCOT_EVAL_KEEP=DIR keeps the report and plots for a look.
    if let Ok(keep) = std::env::var("SLEEPCOT_EVAL_KEEP") {
        let keep = Path::new(&keep);
        std::fs::create_dir_all(keep.join("plots")).unwrap();
        std::fs::copy(&out.report_path, keep.join("report.md")).unwrap();
        for png in &out.plots {
            std::fs::copy(png, keep.join("plots").join(png.file_name().unwrap())).unwrap();
        }
    }
    // Recomputing from the stored predictions gives the same numbers.
    let again = evaluate_run(&run, None, &config()).unwrap();
    assert_eq!(&again.metrics, m);
}

fn one_sentence(err: &impl std::fmt::Display) -> String {
    let text = err.to_string();
    assert!(!text.contains('\n'), "{text}");
    text
}

#[test]
fn bad_input_gives_one_sentence_errors() {
    let dir = tempfile::tempdir().unwrap();
    let run = RunDir::new(dir.path());
    // No data at all.
    let err = one_sentence(&evaluate_run(&run, None, &config()).unwrap_err());
    assert!(
        err.contains("test split") && err.contains("does not exist"),
        "{err}"
    );

    write_data(dir.path());
    let err = one_sentence(&evaluate_run(&run, None, &config()).unwrap_err());
    assert!(err.contains("predictions directory"), "{err}");

    let test = TestSet::load(&run).unwrap();
    predict_baselines(&run, &test, 0, &quiet()).unwrap();
    let path = run.prediction_file("generic");
    let good = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = good.lines().collect();

    // A prediction for an id that is not in the test split.
    let stranger = lines[0].replacen("\"id\":\"", "\"id\":\"nobody-", 1);
    std::fs::write(&path, format!("{}\n{stranger}\n", lines[1])).unwrap();
    let err = one_sentence(&evaluate_run(&run, None, &config()).unwrap_err());
    assert!(
        err.contains("generic.jsonl")
            && err.contains("nobody-")
            && err.contains("not in the test split"),
        "{err}"
    );

    // A malformed line: named by file and line.
    std::fs::write(&path, format!("{}\n{{\"id\": 3\n", lines[0])).unwrap();
    let err = one_sentence(&evaluate_run(&run, None, &config()).unwrap_err());
    assert!(
        err.contains("generic.jsonl line 2 is not a valid prediction"),
        "{err}"
    );

    // The same item twice.
    std::fs::write(&path, format!("{}\n{}\n", lines[0], lines[0])).unwrap();
    let err = one_sentence(&evaluate_run(&run, None, &config()).unwrap_err());
    assert!(
        err.contains("second prediction") && err.contains("line 2"),
        "{err}"
    );

    // A variant asked for by name that has no file.
    std::fs::write(&path, good).unwrap();
    let err =
        one_sentence(&evaluate_run(&run, Some(&["missing".to_string()]), &config()).unwrap_err());
    assert!(err.contains("missing.jsonl does not exist"), "{err}");
    assert!(evaluate_run(&run, None, &config()).is_ok());
}

/// Records which items each call answered, and answers each item with its id.
struct Recorder {
    calls: Vec<Vec<(String, Task)>>,
}

impl sleepcot_eval::Predictor for Recorder {
    fn name(&self) -> &str {
        "recorder"
    }

    fn predict(
        &mut self,
        items: &[Item<'_>],
        _: &mut sleepcot_eval::predict::BatchTiming,
    ) -> Result<Vec<sleepcot_eval::predict::Generated>, sleepcot_eval::EvalError> {
        self.calls.push(
            items
                .iter()
                .map(|i| (i.record.id.clone(), i.record.task))
                .collect(),
        );
        Ok(items
            .iter()
            .map(|i| sleepcot_eval::predict::Generated {
                output: i.record.id.clone(),
                ..Default::default()
            })
            .collect())
    }

    fn info(&self) -> sleepcot_eval::VariantInfo {
        sleepcot_eval::VariantInfo::default()
    }
}

/// The test items with the tasks interleaved (a recommendation, a follow-up, a question, ...),
/// the order in which batching by file order mixes them most.
fn interleaved(test: &TestSet) -> Vec<Item<'_>> {
    let by_task: Vec<Vec<Item<'_>>> = Task::ALL
        .iter()
        .map(|t| test.items().filter(|i| i.record.task == *t).collect())
        .collect();
    let longest = by_task.iter().map(Vec::len).max().unwrap_or(0);
    (0..longest)
        .flat_map(|k| {
            by_task
                .iter()
                .filter_map(move |items| items.get(k).copied())
        })
        .collect()
}

#[test]
fn batches_hold_one_task_and_predictions_keep_item_order() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let run = RunDir::new(dir.path());
    let test = TestSet::load(&run).unwrap();
    let items = interleaved(&test);
    assert!(items.len() > 12);
    let mut recorder = Recorder { calls: Vec::new() };
    let (rows, info) = run_predictions(&mut recorder, &items, &run, &quiet()).unwrap();
    // Each call answers one task, at most a batch of items, and every item is answered once.
    assert!(
        recorder
            .calls
            .iter()
            .all(|call| !call.is_empty() && call.len() <= 4)
    );
    assert!(
        recorder
            .calls
            .iter()
            .all(|call| call.iter().all(|(_, t)| *t == call[0].1))
    );
    assert_eq!(
        recorder.calls.iter().map(Vec::len).sum::<usize>(),
        items.len()
    );
    assert_eq!(info.batch_size, Some(4));
    // The predictions (returned and written) are in item order, each with its own output.
    let ids: Vec<&str> = items.iter().map(|i| i.record.id.as_str()).collect();
    assert_eq!(rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ids);
    assert!(rows.iter().all(|r| r.output == r.id));
    let written = sleepcot_eval::prediction::read_predictions(&run, "recorder", &test).unwrap();
    assert_eq!(
        written
            .rows
            .iter()
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>(),
        ids
    );
}

#[test]
fn a_tiny_student_answers_alike_alone_and_in_batches_of_five() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let run = RunDir::new(dir.path());
    let test = TestSet::load(&run).unwrap();
    let items = interleaved(&test);
    let mut outputs = Vec::new();
    for batch_size in [1, 5] {
        let mut student = StudentPredictor {
            name: format!("untrained-{batch_size}"),
            student: tiny_student(&test),
            format: sleepcot_data::instructions::StudentFormat::RationaleThenAnswer,
            kind: VariantKind::Untrained,
            backend: "flex".into(),
        };
        let options = RunOptions {
            batch_size,
            progress: false,
        };
        let (rows, _) = run_predictions(&mut student, &items, &run, &options).unwrap();
        outputs.push(
            rows.into_iter()
                .map(|r| (r.id, r.output))
                .collect::<Vec<_>>(),
        );
    }
    assert_eq!(outputs[0], outputs[1]);
}
