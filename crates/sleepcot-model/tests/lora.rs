//! LoRA: the layer's arithmetic, frozen base, merge/unmerge, PEFT interchange with the committed
//! fixture (`tests/fixtures/peft/make_peft_fixture.py` regenerates it) and error messages.

use std::path::{Path, PathBuf};

use burn::backend::{Autodiff, Flex};
use burn::module::Param;
use burn::nn::LinearConfig;
use burn::tensor::{DType, Distribution, Tensor, TensorData, backend::Backend};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sleepcot_model::lora::{
    LoraAdapter, LoraConfig, LoraError, LoraLinear, LoraTargets, TargetModule, adapter_count,
    apply_lora, load_peft_adapter, merge, merge_and_unload, save_peft_adapter, unmerge,
};
use sleepcot_model::{Qwen2Config, Qwen2ForCausalLM, load_pretrained};

type B = Flex;
type AB = Autodiff<Flex>;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn base_model<Bk: Backend>() -> Qwen2ForCausalLM<Bk> {
    load_pretrained::<Bk>(
        fixtures().join("tiny-untied"),
        DType::F32,
        &Default::default(),
    )
    .unwrap()
}

fn to_vec<Bk: Backend, const D: usize>(t: Tensor<Bk, D>) -> Vec<f32> {
    t.into_data().convert::<f32>().to_vec::<f32>().unwrap()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

fn logits<Bk: Backend>(model: &Qwen2ForCausalLM<Bk>, ids: &[u32]) -> Vec<f32> {
    to_vec(model.forward(model.ids_tensor(ids, 1)).unwrap())
}

const IDS: [u32; 8] = [5, 77, 301, 12, 499, 8, 250, 64];

/// Gives every adapter a seeded random, non-zero B so the adapter changes the output.
fn randomise_b<Bk: Backend>(model: &mut Qwen2ForCausalLM<Bk>, seed: u64) {
    for (i, p) in model.projections_mut().into_iter().enumerate() {
        if let Some(adapter) = &mut p.layer.adapter {
            let [r, out] = adapter.b.val().dims();
            let mut rng = ChaCha8Rng::seed_from_u64(seed + i as u64);
            let values: Vec<f32> = (0..r * out)
                .map(|_| rand::Rng::random_range(&mut rng, -0.3f32..0.3))
                .collect();
            let device = adapter.b.val().device();
            let b = Tensor::from_data(TensorData::new(values, [r, out]), &device);
            adapter.b = Param::from_tensor(b);
        }
    }
}

#[test]
fn lora_linear_computes_base_plus_scaled_low_rank_update() {
    let device = Default::default();
    let base = LinearConfig::new(6, 5).init::<B>(&device);
    // burn initialises parameters lazily, and each clone of an uninitialised parameter draws
    // its own values: touch them first so that the clones below share the same weights.
    let _ = (base.weight.val(), base.bias.as_ref().map(|b| b.val()));
    let x = Tensor::<B, 3>::random([2, 3, 6], Distribution::Normal(0.0, 1.0), &device);
    let plain = LoraLinear::new(base.clone());
    assert_eq!(
        to_vec(plain.forward(x.clone())),
        to_vec(base.forward(x.clone()))
    );

    let a = Tensor::<B, 2>::random([6, 2], Distribution::Normal(0.0, 1.0), &device);
    let b = Tensor::<B, 2>::random([2, 5], Distribution::Normal(0.0, 1.0), &device);
    let layer = plain.with_adapter(LoraAdapter::from_factors(a.clone(), b.clone(), 3.0, 0.0));
    assert_eq!(layer.adapter.as_ref().unwrap().scaling, 1.5);
    let low_rank = x
        .clone()
        .reshape([6, 6])
        .matmul(a)
        .matmul(b)
        .reshape([2, 3, 5]);
    let expected = base.forward(x.clone()) + low_rank * 1.5;
    let diff = max_abs_diff(&to_vec(layer.forward(x.clone())), &to_vec(expected));
    assert!(diff < 1e-5, "max diff {diff}");
}

#[test]
fn fresh_adapter_leaves_the_output_unchanged_and_is_seeded() {
    let reference = base_model::<B>();
    let mut model = base_model::<B>();
    let config = LoraConfig::all_projections(4, 8.0, 0.0);
    assert_eq!(apply_lora(&mut model, &config, 7).unwrap(), 14);
    assert_eq!(adapter_count(&mut model), 14);
    assert_eq!(logits(&model, &IDS), logits(&reference, &IDS));

    let a_of = |model: &mut Qwen2ForCausalLM<B>| {
        to_vec(
            model.projections_mut()[3]
                .layer
                .adapter
                .as_ref()
                .unwrap()
                .a
                .val(),
        )
    };
    let mut again = base_model::<B>();
    apply_lora(&mut again, &config, 7).unwrap();
    assert_eq!(a_of(&mut model), a_of(&mut again));
    let mut other = base_model::<B>();
    apply_lora(&mut other, &config, 8).unwrap();
    assert_ne!(a_of(&mut model), a_of(&mut other));
    // PEFT's kaiming-uniform bound for a [r, in] weight is 1/sqrt(in).
    let bound = 1.0 / (64f32).sqrt();
    assert!(a_of(&mut model).iter().all(|v| v.abs() <= bound));
}

#[test]
fn only_targeted_projections_are_adapted() {
    let mut model = base_model::<B>();
    let config = LoraConfig {
        r: 2,
        alpha: 4.0,
        dropout: 0.0,
        target_modules: vec![TargetModule::Q, TargetModule::V],
    };
    assert_eq!(apply_lora(&mut model, &config, 1).unwrap(), 4);
    for p in model.projections_mut() {
        let expected = matches!(p.module, TargetModule::Q | TargetModule::V);
        assert_eq!(p.layer.adapter.is_some(), expected, "{}", p.path);
    }
}

#[test]
fn frozen_base_receives_no_gradient() {
    let mut model = base_model::<AB>();
    apply_lora(&mut model, &LoraConfig::all_projections(4, 8.0, 0.1), 3).unwrap();
    randomise_b(&mut model, 11);
    let loss = model
        .forward(model.ids_tensor(&IDS, 1))
        .unwrap()
        .powi_scalar(2)
        .mean();
    let grads = loss.backward();

    assert!(model.model.embed_tokens.weight.val().grad(&grads).is_none());
    assert!(model.model.norm.weight.val().grad(&grads).is_none());
    assert!(
        model
            .lm_head
            .as_ref()
            .unwrap()
            .weight
            .val()
            .grad(&grads)
            .is_none()
    );
    for p in model.projections_mut() {
        let layer = &p.layer;
        assert!(
            layer.base.weight.val().grad(&grads).is_none(),
            "{} weight",
            p.path
        );
        if let Some(bias) = &layer.base.bias {
            assert!(bias.val().grad(&grads).is_none(), "{} bias", p.path);
        }
        let adapter = layer.adapter.as_ref().unwrap();
        let ga = adapter.a.val().grad(&grads).expect("A has a gradient");
        let gb = adapter.b.val().grad(&grads).expect("B has a gradient");
        assert!(
            to_vec(gb).iter().any(|v| *v != 0.0),
            "{} B grad is zero",
            p.path
        );
        assert!(
            to_vec(ga).iter().any(|v| *v != 0.0),
            "{} A grad is zero",
            p.path
        );
    }
}

#[test]
fn merged_and_unmerged_outputs_agree() {
    let mut model = base_model::<B>();
    let base_logits = logits(&model, &IDS);
    apply_lora(&mut model, &LoraConfig::all_projections(4, 8.0, 0.0), 5).unwrap();
    randomise_b(&mut model, 21);
    let adapted = logits(&model, &IDS);
    assert!(
        max_abs_diff(&adapted, &base_logits) > 0.1,
        "the adapter must matter"
    );

    merge(&mut model);
    assert!(max_abs_diff(&logits(&model, &IDS), &adapted) < 1e-5);
    unmerge(&mut model);
    assert!(max_abs_diff(&logits(&model, &IDS), &adapted) < 1e-5);
    // Unmerging restores the original base weights.
    merge(&mut model);
    unmerge(&mut model);
    let restored = model.projections_mut()[0].layer.base.weight.val();
    let original = base_model::<B>().projections_mut()[0]
        .layer
        .base
        .weight
        .val();
    assert!(max_abs_diff(&to_vec(restored), &to_vec(original)) < 1e-6);

    merge_and_unload(&mut model);
    assert_eq!(adapter_count(&mut model), 0);
    assert!(max_abs_diff(&logits(&model, &IDS), &adapted) < 1e-5);
}

#[derive(serde::Deserialize)]
struct PeftExpected {
    ids: Vec<u32>,
}

fn peft_expected() -> (Vec<u32>, Vec<f32>) {
    let dir = fixtures().join("peft");
    let json: PeftExpected =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let bytes = std::fs::read(dir.join("expected.safetensors")).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let logits = bytemuck::pod_collect_to_vec::<u8, f32>(st.tensor("logits").unwrap().data());
    (json.ids, logits)
}

#[test]
fn peft_fixture_adapter_reproduces_peft_logits() {
    let (ids, expected) = peft_expected();
    let mut model = base_model::<B>();
    let config = load_peft_adapter(&mut model, fixtures().join("peft/adapter")).unwrap();
    assert_eq!((config.r, config.alpha, config.dropout), (4, 8.0, 0.0));
    assert_eq!(config.target_modules.len(), 7);
    assert_eq!(adapter_count(&mut model), 14);
    let diff = max_abs_diff(&logits(&model, &ids), &expected);
    assert!(diff < 1e-4, "max |rust - peft| = {diff}");
    // And merged into the base, as PEFT's merge_and_unload would.
    merge_and_unload(&mut model);
    let diff = max_abs_diff(&logits(&model, &ids), &expected);
    assert!(diff < 1e-4, "merged: max |rust - peft| = {diff}");
}

#[test]
fn save_then_load_round_trips_the_adapter() {
    let mut model = base_model::<B>();
    apply_lora(&mut model, &LoraConfig::all_projections(3, 6.0, 0.05), 9).unwrap();
    randomise_b(&mut model, 31);
    let expected = logits(&model, &IDS);
    let dir = tempfile::tempdir().unwrap();
    let written =
        save_peft_adapter(&mut model, dir.path(), Some("tests/fixtures/tiny-untied")).unwrap();
    assert_eq!(written.r, 3);

    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("adapter_config.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json["peft_type"], "LORA");
    assert_eq!(json["task_type"], "CAUSAL_LM");
    assert_eq!(json["lora_alpha"], 6.0);
    assert_eq!(json["bias"], "none");
    assert_eq!(json["fan_in_fan_out"], false);
    assert_eq!(json["target_modules"][0], "q_proj");
    let bytes = std::fs::read(dir.path().join("adapter_model.safetensors")).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    assert_eq!(st.len(), 28);
    let a = st
        .tensor("base_model.model.model.layers.1.mlp.down_proj.lora_A.weight")
        .unwrap();
    assert_eq!(a.shape(), [3, 128]);
    let b = st
        .tensor("base_model.model.model.layers.0.self_attn.k_proj.lora_B.weight")
        .unwrap();
    assert_eq!(b.shape(), [32, 3]);

    let mut fresh = base_model::<B>();
    let config = load_peft_adapter(&mut fresh, dir.path()).unwrap();
    assert_eq!((config.r, config.alpha, config.dropout), (3, 6.0, 0.05));
    assert_eq!(logits(&fresh, &IDS), expected);
}

/// Writes an adapter plus the logits Rust computes with it, for
/// `tests/fixtures/peft/check_rust_adapter.py` (to `$SLEEPCOT_PEFT_OUT` when set, else a temp dir).
#[test]
fn export_adapter_and_logits_for_the_python_check() {
    let mut model = base_model::<B>();
    apply_lora(&mut model, &LoraConfig::all_projections(4, 16.0, 0.0), 42).unwrap();
    randomise_b(&mut model, 77);
    let tmp = tempfile::tempdir().unwrap();
    let out = std::env::var_os("SLEEPCOT_PEFT_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| tmp.path().to_path_buf());
    save_peft_adapter(
        &mut model,
        out.join("adapter"),
        Some("tests/fixtures/tiny-untied"),
    )
    .unwrap();
    let logits = logits(&model, &IDS);
    let record = serde_json::json!({ "ids": IDS, "shape": [1, IDS.len(), 512], "logits": logits });
    std::fs::write(out.join("ids_and_logits.json"), record.to_string()).unwrap();

    let mut fresh = base_model::<B>();
    load_peft_adapter(&mut fresh, out.join("adapter")).unwrap();
    assert_eq!(logits_of(&fresh), logits);

    fn logits_of(model: &Qwen2ForCausalLM<B>) -> Vec<f32> {
        to_vec(model.forward(model.ids_tensor(&IDS, 1)).unwrap())
    }
}

fn copy_fixture_adapter(to: &Path) {
    for name in ["adapter_config.json", "adapter_model.safetensors"] {
        std::fs::copy(fixtures().join("peft/adapter").join(name), to.join(name)).unwrap();
    }
}

#[test]
fn adapter_for_another_base_is_refused_with_tensor_and_shapes() {
    let mut config = Qwen2Config::from_file(fixtures().join("tiny-untied/config.json")).unwrap();
    config.hidden_size = 32;
    config.head_dim = 8;
    let mut other = Qwen2ForCausalLM::<B>::random(&config, 1, DType::F32, &Default::default());
    let dir = fixtures().join("peft/adapter");
    let err = load_peft_adapter(&mut other, &dir).unwrap_err();
    assert!(matches!(err, LoraError::ShapeMismatch { .. }));
    assert_eq!(
        err.to_string(),
        format!(
            "tensor base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight in {} has shape [4, 64] but this model needs [4, 32] (an adapter for a different base model?)",
            dir.join("adapter_model.safetensors").display()
        )
    );
    assert_eq!(
        adapter_count(&mut other),
        0,
        "the model is untouched on error"
    );
}

#[test]
fn missing_and_malformed_adapter_files_give_one_sentence_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut model = base_model::<B>();
    let err = load_peft_adapter(&mut model, dir.path()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "adapter file {} does not exist; expected PEFT's adapter_config.json",
            dir.path().join("adapter_config.json").display()
        )
    );

    let config_path = dir.path().join("adapter_config.json");
    std::fs::write(&config_path, "{\"peft_type\": \"LORA\", \"r\": ").unwrap();
    let err = load_peft_adapter(&mut model, dir.path()).unwrap_err();
    assert!(matches!(err, LoraError::MalformedConfig { .. }));
    assert!(
        err.to_string().starts_with(&format!(
            "adapter config {} is malformed (",
            config_path.display()
        )),
        "{err}"
    );

    copy_fixture_adapter(dir.path());
    std::fs::remove_file(dir.path().join("adapter_model.safetensors")).unwrap();
    let err = load_peft_adapter(&mut model, dir.path()).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("expected PEFT's adapter_model.safetensors"),
        "{err}"
    );

    std::fs::write(
        dir.path().join("adapter_model.safetensors"),
        b"not safetensors",
    )
    .unwrap();
    let err = load_peft_adapter(&mut model, dir.path()).unwrap_err();
    assert!(matches!(err, LoraError::MalformedWeights { .. }), "{err}");
    assert_eq!(adapter_count(&mut model), 0);
}

#[test]
fn unsupported_configs_and_unknown_tensors_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture_adapter(dir.path());
    let config_path = dir.path().join("adapter_config.json");
    let original = std::fs::read_to_string(&config_path).unwrap();
    let mut model = base_model::<B>();

    std::fs::write(
        &config_path,
        original.replace("\"use_dora\": false", "\"use_dora\": true"),
    )
    .unwrap();
    let err = load_peft_adapter(&mut model, dir.path()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "adapter config {} sets `use_dora` to true, but only false is supported",
            config_path.display()
        )
    );

    std::fs::write(&config_path, original.replace("\"r\": 4", "\"r\": 0")).unwrap();
    let err = load_peft_adapter(&mut model, dir.path()).unwrap_err();
    assert!(err.to_string().contains("`r` is 0"), "{err}");

    // Drop "v_proj" from target_modules: its tensors become unknown.
    let without_v = original
        .replace("    \"v_proj\"\n", "")
        .replace("\"up_proj\",", "\"up_proj\"");
    assert_ne!(without_v, original);
    std::fs::write(&config_path, without_v).unwrap();
    let err = load_peft_adapter(&mut model, dir.path()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "adapter weights {} hold tensor base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight, which matches no LoRA target of this model",
            dir.path().join("adapter_model.safetensors").display()
        )
    );
    assert_eq!(adapter_count(&mut model), 0);
}

#[test]
fn lora_config_uses_peft_names_and_validates() {
    let config = LoraConfig::all_projections(8, 16.0, 0.05);
    let json = serde_json::to_string(&config).unwrap();
    assert!(
        json.contains("\"q_proj\"") && json.contains("\"down_proj\""),
        "{json}"
    );
    assert_eq!(serde_json::from_str::<LoraConfig>(&json).unwrap(), config);
    assert_eq!(config.scaling(), 2.0);

    let bad = LoraConfig {
        r: 0,
        ..config.clone()
    };
    assert_eq!(
        bad.validate().unwrap_err().to_string(),
        "LoRA config field `r` is 0 but it must be a rank of at least 1"
    );
    let bad = LoraConfig {
        dropout: 1.5,
        ..config.clone()
    };
    assert_eq!(
        bad.validate().unwrap_err().to_string(),
        "LoRA config field `dropout` is 1.5 but it must be a probability in [0, 1)"
    );
    let bad = LoraConfig {
        target_modules: vec![],
        ..config
    };
    assert!(
        bad.validate()
            .unwrap_err()
            .to_string()
            .contains("target_modules")
    );
    assert!(
        serde_json::from_str::<LoraConfig>(r#"{"r":4,"alpha":8,"target_modules":["lm_head"]}"#)
            .is_err()
    );
}

#[test]
fn saving_without_adapters_is_an_error() {
    let mut model = base_model::<B>();
    let dir = tempfile::tempdir().unwrap();
    let err = save_peft_adapter(&mut model, dir.path(), None).unwrap_err();
    assert!(matches!(err, LoraError::NoAdapters));
}

#[test]
fn parameter_counts_match_built_models() {
    use burn::module::Module;
    for fixture in ["tiny-untied", "tiny-tied"] {
        let dir = fixtures().join(fixture);
        let config = Qwen2Config::from_file(dir.join("config.json")).unwrap();
        let mut model: Qwen2ForCausalLM<B> =
            load_pretrained(&dir, DType::F32, &Default::default()).unwrap();
        let base = model.num_params() as u64;
        assert_eq!(config.parameter_count(), base, "{fixture}");
        let lora = LoraConfig::all_projections(4, 8.0, 0.0);
        apply_lora(&mut model, &lora, 1).unwrap();
        let with_adapters = model.num_params() as u64;
        assert_eq!(
            lora.parameter_count(&config),
            with_adapters - base,
            "{fixture}"
        );
    }
}
