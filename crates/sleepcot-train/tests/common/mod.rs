//! Helpers shared by the training tests: a small real dataset and a tiny student config.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use sleepcot_data::instructions::InstructionRecord;
use sleepcot_data::io::write_jsonl;
use sleepcot_data::pipeline::{DataConfig, Dataset};
use sleepcot_data::teacher::ExpertTeacher;
use sleepcot_train::{
    LoopConfig, Objective, OptimConfig, ScratchModel, StudentConfig, TrainConfig,
};

/// Records of a small simulated dataset (knowledge questions only unless `all_tasks`).
pub fn records(users: usize, questions: usize) -> Vec<InstructionRecord> {
    let config = DataConfig {
        seed: 3,
        users,
        nights: 2,
        questions,
        ..DataConfig::default()
    };
    Dataset::generate(&config, &ExpertTeacher, &|_| {})
        .expect("the small dataset generates")
        .records
}

/// Writes `train` and `val` records as `dir/train.jsonl` and `dir/val.jsonl`.
pub fn write_split(dir: &Path, train: &[InstructionRecord], val: &[InstructionRecord]) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    write_jsonl(&dir.join("train.jsonl"), train).unwrap();
    write_jsonl(&dir.join("val.jsonl"), val).unwrap();
    dir.to_path_buf()
}

/// A from-scratch student small enough to train in seconds.
pub fn tiny_config(data: PathBuf, out: PathBuf) -> TrainConfig {
    TrainConfig {
        seed: 5,
        data,
        out,
        tasks: sleepcot_data::teacher::Task::ALL.to_vec(),
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
                max_positions: 512,
                tie_embeddings: true,
            },
            vocab_size: 400,
            tokenizer: None,
            split_digits: false,
        },
        optim: OptimConfig {
            lr: 3e-3,
            ..OptimConfig::default()
        },
        run: LoopConfig {
            batch_size: 4,
            max_len: 512,
            eval_every: 0,
            checkpoint_every: 0,
            progress: false,
            ..LoopConfig::default()
        },
        backend: Default::default(),
    }
}
