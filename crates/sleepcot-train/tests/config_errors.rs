//! A bad training configuration is refused with one sentence naming the key and value.

mod common;

use sleepcot_train::{TrainConfig, TrainError, train};

const GOOD: &str = r#"
data = "data"
out = "out"
[student]
kind = "scratch"
"#;

fn error_of(toml: &str) -> String {
    let err = TrainConfig::from_toml(toml).unwrap_err().to_string();
    assert!(!err.contains('\n'), "one line: {err}");
    err
}

#[test]
fn the_minimal_config_parses_with_defaults() {
    let config = TrainConfig::from_toml(GOOD).unwrap();
    assert_eq!(config.optim.eps, 1e-8);
    assert_eq!(config.optim.weight_decay, 0.01);
    assert_eq!(config.objective, sleepcot_train::Objective::Cot);
}

#[test]
fn unknown_keys_are_named() {
    let err = error_of(&format!("{GOOD}\nhidden = 3\n"));
    assert!(err.contains("unknown field `hidden`"), "{err}");
    let err = error_of(&format!("{GOOD}\n[optim]\nlearning_rate = 0.1\n"));
    assert!(err.contains("learning_rate"), "{err}");
}

#[test]
fn impossible_values_are_named() {
    let err = error_of(&format!("{GOOD}\n[optim]\nlr = -0.001\n"));
    assert!(err.contains("optim.lr") && err.contains("-0.001"), "{err}");
    let err = error_of(&format!("{GOOD}\n[loop]\nbatch_size = 0\n"));
    assert!(err.contains("loop.batch_size"), "{err}");
    let err = error_of(&format!("{GOOD}\n[loop]\ndevices = 0\n"));
    assert!(err.contains("loop.devices"), "{err}");
    let err = error_of(&format!("{GOOD}\n[loop]\ndevices = 2\ngrad_accum = 1\n"));
    assert!(
        err.contains("loop.grad_accum") && err.contains("loop.devices"),
        "{err}"
    );
    let err = error_of(
        "data = \"d\"\nout = \"o\"\n[student]\nkind = \"pretrained\"\nmodel = \"m\"\n[student.lora]\nr = 0\nalpha = 16\ntarget_modules = [\"q_proj\"]\n",
    );
    assert!(err.contains("r") && err.contains('0'), "{err}");
    let err = error_of(
        "data = \"d\"\nout = \"o\"\n[student]\nkind = \"pretrained\"\nmodel = \"m\"\n[student.lora]\nr = 4\nalpha = 16\ntarget_modules = [\"qkv_proj\"]\n",
    );
    assert!(err.contains("qkv_proj"), "{err}");
    let err = error_of(
        "data = \"d\"\nout = \"o\"\n[student]\nkind = \"pretrained\"\nmodel = \"m\"\nprecision = \"bf16\"\n",
    );
    assert!(
        err.contains("student.precision") && err.contains("bf16") && err.contains("lora"),
        "{err}"
    );
    let err = error_of(
        "data = \"d\"\nout = \"o\"\n[student]\nkind = \"pretrained\"\nmodel = \"m\"\nprecision = \"fp8\"\n",
    );
    assert!(err.contains("fp8"), "{err}");
}

#[test]
fn a_missing_config_file_is_named() {
    let err = TrainConfig::from_file("/no/such/train.toml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("/no/such/train.toml"), "{err}");
}

#[test]
fn a_record_over_max_len_is_refused_unless_truncating() {
    let records: Vec<_> = common::records(3, 12).into_iter().take(6).collect();
    let tmp = tempfile::tempdir().unwrap();
    let data = common::write_split(&tmp.path().join("data"), &records, &records[..1]);
    let mut config = common::tiny_config(data, tmp.path().join("run"));
    config.run.max_len = 64;
    config.run.max_steps = Some(1);
    let err = train(&config).unwrap_err();
    assert!(matches!(err, TrainError::TooLong { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains(&records[0].id) || records.iter().any(|r| message.contains(&r.id)),
        "{message}"
    );
    assert!(message.contains("max_len 64"), "{message}");

    config.run.truncate = true;
    config.out = tmp.path().join("run2");
    train(&config).unwrap();
}

#[test]
fn missing_data_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let config = common::tiny_config(tmp.path().join("nowhere"), tmp.path().join("run"));
    let err = train(&config).unwrap_err().to_string();
    assert!(
        err.contains("nowhere") && err.contains("train.jsonl"),
        "{err}"
    );
}

#[test]
fn the_shipped_configs_parse_and_validate() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("configs");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            TrainConfig::from_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            seen += 1;
        }
    }
    assert!(
        seen >= 2,
        "expected the shipped configs in {}",
        dir.display()
    );
}
