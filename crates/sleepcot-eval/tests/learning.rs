//! A real learning check: a very small from-scratch student trains for a few seconds on a
//! small generated set and then answers held-out items of a simple task far above chance.
//!
//! The task is the comparison at the heart of every checklist line: a night's sleep efficiency
//! against the 85 % norm. Training values have an even last digit and held-out values an odd
//! one, so every held-out prompt shows a number the student never saw; half of them are below
//! the norm, so always answering the same way scores 0.5.

use std::path::Path;

use burn::backend::Flex;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sleepcot_data::instructions::{InstructionRecord, Split, StudentFormat};
use sleepcot_data::io::write_jsonl;
use sleepcot_data::teacher::Task;
use sleepcot_eval::predict::BatchTiming;
use sleepcot_eval::student::Student;
use sleepcot_train::{
    LoopConfig, Objective, OptimConfig, ScratchModel, StudentConfig, TrainConfig, train,
};

/// One item: an efficiency in tenths of a percent (`tenths`), and whether it meets the norm.
fn item(tenths: u32, i: usize, split: Split) -> InstructionRecord {
    let value = format!("{}.{}", tenths / 10, tenths % 10);
    let rationale = "Good is 85.0 % or more.".to_string();
    let answer = format!("Answer: {}", if tenths >= 850 { "yes" } else { "no" });
    InstructionRecord {
        id: format!("efficiency-{i}"),
        task: Task::FollowUp,
        split,
        person_id: Some(format!("p{i}")),
        source_id: format!("efficiency-{i}"),
        fact_id: None,
        teacher: "rule".into(),
        system: "Answer about the sleep report.".into(),
        user: format!("Averages: efficiency {value}.\nQuestion: is my sleep efficiency good?"),
        assistant: InstructionRecord::assistant_text(&rationale, &answer),
        rationale,
        answer,
    }
}

/// `n` items with values from 70.0 to 99.9 % whose last digit is even (`parity` 0) or odd (1).
fn items(rng: &mut ChaCha8Rng, n: usize, parity: u32, split: Split) -> Vec<InstructionRecord> {
    (0..n)
        .map(|i| {
            let tenths = 700 + 2 * rng.random_range(0..150) + parity;
            item(tenths, i, split)
        })
        .collect()
}

fn config(data: &Path, out: &Path) -> TrainConfig {
    TrainConfig {
        seed: 1,
        data: data.to_path_buf(),
        out: out.to_path_buf(),
        tasks: vec![Task::FollowUp],
        max_train_records: None,
        max_val_records: None,
        objective: Objective::Cot,
        student: StudentConfig::Scratch {
            model: ScratchModel {
                hidden_size: 64,
                layers: 2,
                heads: 4,
                kv_heads: 2,
                intermediate_size: 128,
                max_positions: 192,
                tie_embeddings: true,
            },
            vocab_size: 300,
            tokenizer: None,
            split_digits: true,
        },
        optim: OptimConfig {
            lr: 3e-3,
            warmup_steps: 10,
            ..OptimConfig::default()
        },
        run: LoopConfig {
            batch_size: 32,
            max_steps: Some(500),
            max_len: 160,
            eval_every: 0,
            checkpoint_every: 0,
            progress: false,
            ..LoopConfig::default()
        },
        backend: Default::default(),
    }
}

#[test]
fn a_small_student_learns_to_compare_unseen_values_with_a_norm() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let train_set = items(&mut rng, 2000, 0, Split::Train);
    let val = items(&mut rng, 16, 1, Split::Val);
    let test = items(&mut rng, 100, 1, Split::Test);
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    write_jsonl(&data.join("train.jsonl"), &train_set).unwrap();
    write_jsonl(&data.join("val.jsonl"), &val).unwrap();
    let outcome = train(&config(&data, &tmp.path().join("run"))).unwrap();
    let model_dir = &outcome.stages[0].exported.model;

    let student = Student::<Flex>::load(model_dir, &Default::default(), 32).unwrap();
    let records: Vec<&InstructionRecord> = test.iter().collect();
    let mut timing = BatchTiming::default();
    let replies = student
        .reply(
            &records,
            StudentFormat::RationaleThenAnswer,
            &[],
            &mut timing,
        )
        .unwrap();
    let correct = records
        .iter()
        .zip(&replies)
        .filter(|(r, (text, _, _))| text.ends_with(&r.answer))
        .count();
    eprintln!("{correct} of {} held-out comparisons right", records.len());
    // Chance is 0.5; comparing the digits with the norm gets nearly all of them.
    assert!(
        correct >= 85,
        "{correct} of {} held-out comparisons right; first replies: {:?}",
        records.len(),
        &replies[..3]
    );
}
