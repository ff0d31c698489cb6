//! A tiny student memorises eight records: the whole loop (tokenizer training, masking,
//! AdamW, schedule, clipping, checkpoint, export) works end to end.

mod common;

use sleepcot_data::teacher::Task;
use sleepcot_train::{Objective, train};

#[test]
fn tiny_student_overfits_eight_records() {
    let all = common::records(4, 40);
    let train_records: Vec<_> = all
        .iter()
        .filter(|r| r.task == Task::Knowledge)
        .take(8)
        .cloned()
        .collect();
    assert_eq!(train_records.len(), 8);
    let tmp = tempfile::tempdir().unwrap();
    let data = common::write_split(
        &tmp.path().join("data"),
        &train_records,
        &train_records[..2],
    );
    let mut config = common::tiny_config(data, tmp.path().join("run"));
    config.objective = Objective::Cot;
    config.run.batch_size = 8;
    // Words become single tokens and the prompt is cut to its end: short sequences, fast steps.
    if let sleepcot_train::StudentConfig::Scratch { vocab_size, .. } = &mut config.student {
        *vocab_size = 1000;
    }
    config.run.max_len = 160;
    config.run.truncate = true;
    config.run.max_steps = Some(80);
    config.optim.lr = 1e-2;
    config.optim.warmup_steps = 5;
    let outcome = train(&config).unwrap();
    let stage = &outcome.stages[0];
    assert_eq!(stage.steps, 80);
    assert!(
        stage.final_train_loss < 0.05,
        "final training loss {}",
        stage.final_train_loss
    );
    assert!(stage.exported.model.join("model.safetensors").is_file());
    // `transformers` reads the tokenizer.json as written, not as Qwen2's class would rebuild it.
    let config: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(stage.exported.model.join("tokenizer_config.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(config["tokenizer_class"], "PreTrainedTokenizerFast");
    assert_eq!(config["eos_token"], "<|im_end|>");
    assert!(stage.dir.join("metrics.csv").is_file() && stage.dir.join("metrics.parquet").is_file());
    let rows = sleepcot_train::metrics::read_metrics(&stage.dir.join("metrics.csv")).unwrap();
    assert_eq!(rows.len(), 80);
    assert!(
        rows[0].train_loss > 1.0,
        "the first loss {} should be far from memorised",
        rows[0].train_loss
    );
}
