//! Parity with Hugging Face transformers on the committed tiny checkpoints
//! (`tests/fixtures/make_fixture.py` regenerates them).

use std::path::{Path, PathBuf};

use burn::backend::Flex;
use burn::tensor::{DType, Tensor};
use serde::Deserialize;
use sleepcot_model::{
    GenerationConfig, KvCache, Qwen2ForCausalLM, generate, load_pretrained, save_pretrained,
};

type B = Flex;

#[derive(Deserialize)]
struct Expected {
    prompt: Vec<u32>,
    generated: Vec<u32>,
    batch_prompts: Vec<Vec<u32>>,
    batch_generated: Vec<Vec<u32>>,
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn expected(dir: &Path) -> (Expected, Vec<f32>, [usize; 3]) {
    let json: Expected =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let bytes = std::fs::read(dir.join("expected.safetensors")).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let view = st.tensor("logits").unwrap();
    let shape: [usize; 3] = view.shape().try_into().unwrap();
    let logits = bytemuck::pod_collect_to_vec::<u8, f32>(view.data());
    (json, logits, shape)
}

fn to_vec(t: Tensor<B, 3>) -> Vec<f32> {
    t.into_data().convert::<f32>().to_vec::<f32>().unwrap()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

fn load(dir: &Path) -> Qwen2ForCausalLM<B> {
    load_pretrained::<B>(dir, DType::F32, &Default::default()).unwrap()
}

fn check_full_logits(name: &str) {
    let dir = fixture(name);
    let (exp, logits, shape) = expected(&dir);
    let model = load(&dir);
    let out = model.forward(model.ids_tensor(&exp.prompt, 1)).unwrap();
    assert_eq!(out.dims(), shape);
    let diff = max_abs_diff(&to_vec(out), &logits);
    assert!(diff < 1e-4, "{name}: max-abs logits difference {diff}");
}

#[test]
fn full_sequence_logits_match_transformers_tied() {
    check_full_logits("tiny-tied");
}

#[test]
fn full_sequence_logits_match_transformers_untied() {
    check_full_logits("tiny-untied");
}

#[test]
fn cached_decoding_matches_full_forward() {
    for name in ["tiny-tied", "tiny-untied"] {
        let dir = fixture(name);
        let (exp, logits, [_, seq, vocab]) = expected(&dir);
        let model = load(&dir);
        let mut cache = KvCache::new(&model.config, 1, seq, DType::F32, &Default::default());
        // A 5-token prefill, then one token at a time.
        let prefill = model
            .forward_cached(
                model.ids_tensor(&exp.prompt[..5], 1),
                &mut cache,
                None,
                false,
            )
            .unwrap();
        let mut got = to_vec(prefill);
        for &t in &exp.prompt[5..] {
            let step = model
                .forward_cached(model.ids_tensor(&[t], 1), &mut cache, None, true)
                .unwrap();
            assert_eq!(step.dims(), [1, 1, vocab]);
            got.extend(to_vec(step));
        }
        let diff = max_abs_diff(&got, &logits);
        assert!(
            diff < 1e-4,
            "{name}: cached decoding differs from transformers by {diff}"
        );
        assert_eq!(cache.len(), seq);
    }
}

#[test]
fn greedy_generation_matches_transformers() {
    for name in ["tiny-tied", "tiny-untied"] {
        let dir = fixture(name);
        let (exp, _, _) = expected(&dir);
        let model = load(&dir);
        let mut streamed = Vec::new();
        let out = generate(
            &model,
            std::slice::from_ref(&exp.prompt),
            &GenerationConfig::greedy(20),
            |row, t| streamed.push((row, t)),
        )
        .unwrap();
        assert_eq!(out.tokens[0], exp.generated, "{name}: greedy tokens differ");
        assert_eq!(
            streamed,
            exp.generated.iter().map(|&t| (0, t)).collect::<Vec<_>>()
        );
    }
}

#[test]
fn left_padded_batch_generation_matches_transformers() {
    for name in ["tiny-tied", "tiny-untied"] {
        let dir = fixture(name);
        let (exp, _, _) = expected(&dir);
        let model = load(&dir);
        let out = generate(
            &model,
            &exp.batch_prompts,
            &GenerationConfig::greedy(20),
            |_, _| {},
        )
        .unwrap();
        assert_eq!(
            out.tokens, exp.batch_generated,
            "{name}: batched greedy tokens differ"
        );
    }
}

#[test]
fn save_then_load_round_trips() {
    for name in ["tiny-tied", "tiny-untied"] {
        let dir = fixture(name);
        let (exp, logits, _) = expected(&dir);
        let model = load(&dir);
        let tmp = tempfile::tempdir().unwrap();
        save_pretrained(&model, tmp.path()).unwrap();
        let bytes = std::fs::read(tmp.path().join("model.safetensors")).unwrap();
        let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
        let original = std::fs::read(dir.join("model.safetensors")).unwrap();
        let original = safetensors::SafeTensors::deserialize(&original).unwrap();
        let mut saved_names = st.names();
        saved_names.sort();
        let mut original_names = original.names();
        original_names.sort();
        assert_eq!(
            saved_names, original_names,
            "{name}: tensor names differ after save"
        );
        for n in original_names {
            assert_eq!(
                st.tensor(n).unwrap().data(),
                original.tensor(n).unwrap().data(),
                "{name}: {n} changed"
            );
        }
        let reloaded = load(tmp.path());
        assert_eq!(reloaded.config, model.config);
        let out = to_vec(
            reloaded
                .forward(reloaded.ids_tensor(&exp.prompt, 1))
                .unwrap(),
        );
        assert!(max_abs_diff(&out, &logits) < 1e-4);
    }
}

/// Rewrites every tensor of `src`'s checkpoint as bf16 into `dst`.
fn convert_to_bf16(src: &Path, dst: &Path) {
    std::fs::copy(src.join("config.json"), dst.join("config.json")).unwrap();
    let bytes = std::fs::read(src.join("model.safetensors")).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let converted: Vec<(String, Vec<u8>, Vec<usize>)> = st
        .tensors()
        .into_iter()
        .map(|(name, view)| {
            let values = bytemuck::pod_collect_to_vec::<u8, f32>(view.data());
            let halves: Vec<half::bf16> = values.into_iter().map(half::bf16::from_f32).collect();
            (
                name,
                bytemuck::cast_slice(&halves).to_vec(),
                view.shape().to_vec(),
            )
        })
        .collect();
    let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = converted
        .iter()
        .map(|(n, b, s)| {
            (
                n.clone(),
                safetensors::tensor::TensorView::new(safetensors::Dtype::BF16, s.clone(), b)
                    .unwrap(),
            )
        })
        .collect();
    safetensors::serialize_to_file(views, None, &dst.join("model.safetensors")).unwrap();
}

#[test]
fn bf16_checkpoint_loads_and_stays_close() {
    let dir = fixture("tiny-tied");
    let (exp, logits, _) = expected(&dir);
    let tmp = tempfile::tempdir().unwrap();
    convert_to_bf16(&dir, tmp.path());
    // bf16 on disk, f32 compute: only the rounding of the weights differs.
    let model = load(tmp.path());
    let out = to_vec(model.forward(model.ids_tensor(&exp.prompt, 1)).unwrap());
    let diff = max_abs_diff(&out, &logits);
    assert!(
        diff > 0.0 && diff < 0.5,
        "bf16 weights moved logits by {diff}"
    );
    // bf16 compute as well.
    let model = load_pretrained::<B>(tmp.path(), DType::BF16, &Default::default()).unwrap();
    assert_eq!(model.dtype(), DType::BF16);
    let out = model.forward(model.ids_tensor(&exp.prompt, 1)).unwrap();
    let diff = max_abs_diff(&to_vec(out), &logits);
    assert!(diff < 1.0, "bf16 compute moved logits by {diff}");
}

#[test]
fn f16_compute_stays_close() {
    let dir = fixture("tiny-untied");
    let (exp, logits, _) = expected(&dir);
    let model = load_pretrained::<B>(&dir, DType::F16, &Default::default()).unwrap();
    let out = model.forward(model.ids_tensor(&exp.prompt, 1)).unwrap();
    assert_eq!(out.dtype(), DType::F16);
    let diff = max_abs_diff(&to_vec(out), &logits);
    assert!(diff < 0.1, "f16 compute moved logits by {diff}");
}
