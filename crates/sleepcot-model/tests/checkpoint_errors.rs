//! Bad checkpoints and configurations give one-sentence errors naming the file, field or tensor.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use burn::backend::Flex;
use burn::tensor::DType;
use safetensors::tensor::TensorView;
use sleepcot_model::{ModelError, Qwen2Config, load_pretrained};

type B = Flex;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn load_err(dir: &Path) -> ModelError {
    load_pretrained::<B>(dir, DType::F32, &Default::default()).unwrap_err()
}

/// Copies the tied fixture into `dst`, passing each tensor through `edit` (None drops it).
fn rewrite(
    dst: &Path,
    config: Option<&str>,
    edit: impl Fn(&str, Vec<usize>, Vec<u8>) -> Option<(Vec<usize>, Vec<u8>, safetensors::Dtype)>,
) {
    let src = fixture("tiny-tied");
    match config {
        Some(text) => std::fs::write(dst.join("config.json"), text).unwrap(),
        None => {
            std::fs::copy(src.join("config.json"), dst.join("config.json")).unwrap();
        }
    }
    let bytes = std::fs::read(src.join("model.safetensors")).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let kept: Vec<(String, Vec<usize>, Vec<u8>, safetensors::Dtype)> = st
        .tensors()
        .into_iter()
        .filter_map(|(n, v)| {
            edit(&n, v.shape().to_vec(), v.data().to_vec()).map(|(s, b, d)| (n, s, b, d))
        })
        .collect();
    let views: Vec<(String, TensorView<'_>)> = kept
        .iter()
        .map(|(n, s, b, d)| (n.clone(), TensorView::new(*d, s.clone(), b).unwrap()))
        .collect();
    safetensors::serialize_to_file(views, None, &dst.join("model.safetensors")).unwrap();
}

fn keep(_: &str, s: Vec<usize>, b: Vec<u8>) -> Option<(Vec<usize>, Vec<u8>, safetensors::Dtype)> {
    Some((s, b, safetensors::Dtype::F32))
}

fn tied_config() -> serde_json::Value {
    serde_json::from_str(
        &std::fs::read_to_string(fixture("tiny-tied").join("config.json")).unwrap(),
    )
    .unwrap()
}

#[test]
fn missing_config_names_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let msg = load_err(tmp.path()).to_string();
    assert!(
        msg.starts_with("missing file") && msg.contains("config.json"),
        "{msg}"
    );
}

#[test]
fn missing_weights_name_both_layouts() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("tiny-tied").join("config.json"),
        tmp.path().join("config.json"),
    )
    .unwrap();
    let msg = load_err(tmp.path()).to_string();
    assert!(
        msg.contains("model.safetensors") && msg.contains("model.safetensors.index.json"),
        "{msg}"
    );
}

#[test]
fn malformed_config_reports_path_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("config.json");
    std::fs::write(
        &path,
        "{\n  \"hidden_size\": 64,\n  \"vocab_size\": oops\n}",
    )
    .unwrap();
    let msg = Qwen2Config::from_file(&path).unwrap_err().to_string();
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(msg.contains("line 3 column"), "{msg}");
}

#[test]
fn unsupported_architecture_is_named() {
    let mut cfg = tied_config();
    cfg["architectures"] = serde_json::json!(["LlamaForCausalLM"]);
    let msg = Qwen2Config::from_json_str(&cfg.to_string(), "x/config.json")
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("LlamaForCausalLM") && msg.contains("x/config.json"),
        "{msg}"
    );
    let mut cfg = tied_config();
    cfg["model_type"] = serde_json::json!("mistral");
    let msg = Qwen2Config::from_json_str(&cfg.to_string(), "config.json")
        .unwrap_err()
        .to_string();
    assert!(msg.contains("\"mistral\""), "{msg}");
}

#[test]
fn missing_field_is_named() {
    let mut cfg = tied_config();
    cfg.as_object_mut().unwrap().remove("hidden_size");
    let msg = Qwen2Config::from_json_str(&cfg.to_string(), "c.json")
        .unwrap_err()
        .to_string();
    assert_eq!(msg, "c.json lacks the required field `hidden_size`");
    let mut cfg = tied_config();
    cfg.as_object_mut().unwrap().remove("rope_parameters");
    let msg = Qwen2Config::from_json_str(&cfg.to_string(), "c.json")
        .unwrap_err()
        .to_string();
    assert_eq!(msg, "c.json lacks the required field `rope_theta`");
}

#[test]
fn impossible_values_are_rejected() {
    let mut cfg = tied_config();
    cfg["num_key_value_heads"] = serde_json::json!(3);
    let msg = Qwen2Config::from_json_str(&cfg.to_string(), "c.json")
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("num_key_value_heads") && msg.contains("divide"),
        "{msg}"
    );
    let mut cfg = tied_config();
    cfg["vocab_size"] = serde_json::json!(-4);
    let msg = Qwen2Config::from_json_str(&cfg.to_string(), "c.json")
        .unwrap_err()
        .to_string();
    assert!(msg.contains("vocab_size") && msg.contains("-4"), "{msg}");
    let mut cfg = tied_config();
    cfg["rope_parameters"] =
        serde_json::json!({"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0});
    let msg = Qwen2Config::from_json_str(&cfg.to_string(), "c.json")
        .unwrap_err()
        .to_string();
    assert!(msg.contains("yarn"), "{msg}");
}

#[test]
fn rope_theta_is_read_from_every_spelling() {
    let base = tied_config();
    let from_params = Qwen2Config::from_json_str(&base.to_string(), "c.json").unwrap();
    assert_eq!(from_params.rope_theta, 10000.0);
    let mut legacy = base.clone();
    legacy.as_object_mut().unwrap().remove("rope_parameters");
    legacy["rope_theta"] = serde_json::json!(1_000_000.0);
    assert_eq!(
        Qwen2Config::from_json_str(&legacy.to_string(), "c.json")
            .unwrap()
            .rope_theta,
        1e6
    );
    let mut scaling = base.clone();
    scaling.as_object_mut().unwrap().remove("rope_parameters");
    scaling["rope_scaling"] = serde_json::json!({"rope_type": "default", "rope_theta": 5000.0});
    assert_eq!(
        Qwen2Config::from_json_str(&scaling.to_string(), "c.json")
            .unwrap()
            .rope_theta,
        5000.0
    );
    // Written configs parse back identically.
    let written = from_params.to_hf_json().to_string();
    assert_eq!(
        Qwen2Config::from_json_str(&written, "w.json").unwrap(),
        from_params
    );
}

#[test]
fn wrong_shape_names_tensor_and_both_shapes() {
    let tmp = tempfile::tempdir().unwrap();
    rewrite(tmp.path(), None, |n, s, b| {
        if n == "model.layers.0.self_attn.q_proj.weight" {
            // Keep the first 32 input columns of every row: [64, 32].
            let floats = bytemuck::pod_collect_to_vec::<u8, f32>(&b);
            let cut: Vec<f32> = floats
                .chunks(64)
                .flat_map(|row| row[..32].to_vec())
                .collect();
            Some((
                vec![64, 32],
                bytemuck::cast_slice(&cut).to_vec(),
                safetensors::Dtype::F32,
            ))
        } else {
            keep(n, s, b)
        }
    });
    let msg = load_err(tmp.path()).to_string();
    assert!(
        msg.starts_with("tensor model.layers.0.self_attn.q_proj.weight in ")
            && msg.ends_with("has shape [64, 32] but the config expects [64, 64]"),
        "{msg}"
    );
}

#[test]
fn missing_tensor_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    rewrite(tmp.path(), None, |n, s, b| {
        if n == "model.norm.weight" {
            None
        } else {
            keep(n, s, b)
        }
    });
    let msg = load_err(tmp.path()).to_string();
    assert!(
        msg.starts_with("tensor model.norm.weight is missing from the checkpoint"),
        "{msg}"
    );
}

#[test]
fn untied_config_requires_lm_head() {
    let tmp = tempfile::tempdir().unwrap();
    let mut cfg = tied_config();
    cfg["tie_word_embeddings"] = serde_json::json!(false);
    rewrite(tmp.path(), Some(&cfg.to_string()), keep);
    let msg = load_err(tmp.path()).to_string();
    assert!(msg.starts_with("tensor lm_head.weight is missing"), "{msg}");
}

#[test]
fn integer_tensor_is_rejected_with_its_dtype() {
    let tmp = tempfile::tempdir().unwrap();
    rewrite(tmp.path(), None, |n, s, b| {
        if n == "model.norm.weight" {
            Some((s, b, safetensors::Dtype::I32))
        } else {
            keep(n, s, b)
        }
    });
    let msg = load_err(tmp.path()).to_string();
    assert!(
        msg.contains("model.norm.weight") && msg.contains("I32"),
        "{msg}"
    );
}

#[test]
fn corrupt_safetensors_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("tiny-tied").join("config.json"),
        tmp.path().join("config.json"),
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("model.safetensors"),
        b"not a safetensors file",
    )
    .unwrap();
    let msg = load_err(tmp.path()).to_string();
    assert!(msg.contains("is not a valid safetensors file"), "{msg}");
}

#[test]
fn sharded_checkpoint_loads_like_the_single_file() {
    let src = fixture("tiny-untied");
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(src.join("config.json"), tmp.path().join("config.json")).unwrap();
    let bytes = std::fs::read(src.join("model.safetensors")).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut weight_map = HashMap::new();
    let mut shards: [Vec<(String, TensorView<'_>)>; 2] = [Vec::new(), Vec::new()];
    for (name, view) in st.tensors() {
        let shard = usize::from(name.contains("layers.1") || name.starts_with("lm_head"));
        let file = format!("model-0000{}-of-00002.safetensors", shard + 1);
        weight_map.insert(name.clone(), file);
        shards[shard].push((name, view));
    }
    for (i, shard) in shards.into_iter().enumerate() {
        let file = tmp
            .path()
            .join(format!("model-0000{}-of-00002.safetensors", i + 1));
        safetensors::serialize_to_file(shard, None, &file).unwrap();
    }
    let index = serde_json::json!({"metadata": {}, "weight_map": weight_map});
    std::fs::write(
        tmp.path().join("model.safetensors.index.json"),
        index.to_string(),
    )
    .unwrap();

    let single = load_pretrained::<B>(&src, DType::F32, &Default::default()).unwrap();
    let sharded = load_pretrained::<B>(tmp.path(), DType::F32, &Default::default()).unwrap();
    let ids = single.ids_tensor(&[1, 2, 3, 4], 1);
    let a = single.forward(ids.clone()).unwrap().into_data();
    let b = sharded.forward(ids).unwrap().into_data();
    assert_eq!(a, b);

    // A shard named by the index but absent is reported by path.
    std::fs::remove_file(tmp.path().join("model-00002-of-00002.safetensors")).unwrap();
    let msg = load_err(tmp.path()).to_string();
    assert!(
        msg.starts_with("missing file") && msg.contains("model-00002-of-00002.safetensors"),
        "{msg}"
    );
}
