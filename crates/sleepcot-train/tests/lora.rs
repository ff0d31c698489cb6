//! LoRA training on the committed Qwen2 fixture changes only the adapters: every base tensor is
//! bit-identical after training, and the exports load back.

mod common;

use std::path::Path;

use burn::backend::Flex;
use burn::tensor::DType;
use sleepcot_data::instructions::InstructionRecord;
use sleepcot_model::lora::{LoraConfig, adapter_count, load_peft_adapter};
use sleepcot_model::tokenizer::train_bpe;
use sleepcot_model::{load_pretrained, save_pretrained};
use sleepcot_train::batch::encode_records;
use sleepcot_train::trainer::{LoopResult, StageInputs, run_stage_on};
use sleepcot_train::{Objective, Precision, Stage, StudentConfig, train};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../sleepcot-model/tests/fixtures/tiny-untied"
);

/// Short records: the fixture only has 128 positions.
fn short_records() -> Vec<InstructionRecord> {
    let base = common::records(2, 8).remove(0);
    (0..6)
        .map(|i| InstructionRecord {
            id: format!("short-{i}"),
            system: "You are a sleep coach.".into(),
            user: format!("Night {i}: slept {} hours. Enough?", 5 + i),
            rationale: format!(
                "Adults need 7 to 9 hours; {} is {}.",
                5 + i,
                if 5 + i >= 7 { "enough" } else { "short" }
            ),
            answer: format!("Answer: {}", if 5 + i >= 7 { "yes" } else { "no" }),
            ..base.clone()
        })
        .collect()
}

/// Copies the fixture and adds a 512-token BPE tokenizer (the fixture's vocabulary size).
fn base_model(dir: &Path, records: &[InstructionRecord]) {
    std::fs::create_dir_all(dir).unwrap();
    for file in ["config.json", "model.safetensors"] {
        std::fs::copy(Path::new(FIXTURE).join(file), dir.join(file)).unwrap();
    }
    let texts: Vec<String> = records
        .iter()
        .map(|r| format!("{} {} {} {}", r.system, r.user, r.rationale, r.answer))
        .collect();
    train_bpe(&texts, 512)
        .unwrap()
        .save(dir.join("tokenizer.json"))
        .unwrap();
}

fn tensors(path: &Path) -> Vec<(String, Vec<u8>)> {
    let bytes = std::fs::read(path).unwrap();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut out: Vec<_> = file
        .tensors()
        .into_iter()
        .map(|(n, t)| (n, t.data().to_vec()))
        .collect();
    out.sort();
    out
}

/// The CPU backend's random generator (dropout) is process-wide: the tests of this file, which
/// all train with dropout and compare runs, take turns.
static RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn rng_turn() -> std::sync::MutexGuard<'static, ()> {
    RNG.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[test]
fn lora_training_leaves_the_base_bit_identical() {
    let _rng = rng_turn();
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("base");
    let result = run_lora(tmp.path(), "bit-identical", Precision::F32, 1, |config| {
        config.run.max_steps = Some(6);
        config.run.batch_size = 3;
    });
    let (trainable, total) = result.params;
    assert!(
        trainable > 0 && trainable * 10 < total,
        "{trainable} of {total} trainable"
    );
    let mut model = result.model;
    assert_eq!(adapter_count(&mut model), 14);

    // The base (adapters are not part of save_pretrained's output) is bit-identical.
    save_pretrained(&model, tmp.path().join("after")).unwrap();
    let before = tensors(&base.join("model.safetensors"));
    let after = tensors(&tmp.path().join("after/model.safetensors"));
    assert_eq!(before.len(), after.len());
    for ((n1, b1), (n2, b2)) in before.iter().zip(&after) {
        assert_eq!(n1, n2);
        assert!(b1 == b2, "base tensor {n1} changed during LoRA training");
    }
    // ...and the adapters did learn: some B factor is no longer zero.
    let moved = model
        .model
        .layers
        .iter()
        .filter_map(|l| l.self_attn.q_proj.adapter.as_ref())
        .any(|a| a.b.val().abs().max().into_scalar() > 0.0);
    assert!(moved, "the adapters did not train");
}

/// Trains one LoRA stage (rank 4, dropout 0.1, on the fixture base under `tmp/base`) with
/// `precision` on `devices` CPU replicas, after `configure` has set the loop; `name` keeps the
/// run's directories apart from other runs in `tmp`.
fn run_lora(
    tmp: &Path,
    name: &str,
    precision: Precision,
    devices: usize,
    configure: impl FnOnce(&mut sleepcot_train::TrainConfig),
) -> LoopResult<Flex> {
    let records = short_records();
    let base = tmp.join("base");
    if !base.exists() {
        base_model(&base, &records);
    }
    let data = common::write_split(&tmp.join("data"), &records, &records[..2]);
    let mut config = common::tiny_config(data, tmp.join(format!("run-{name}")));
    config.student = StudentConfig::Pretrained {
        model: base.display().to_string(),
        lora: Some(LoraConfig::all_projections(4, 8.0, 0.1)),
        precision,
    };
    config.run.max_len = 128;
    config.run.devices = devices;
    config.optim.lr = 1e-2;
    configure(&mut config);
    let tokenizer =
        sleepcot_model::tokenizer::ChatTokenizer::from_file(base.join("tokenizer.json")).unwrap();
    let parts = Objective::Cot.parts(Stage::Main);
    let train_ex = encode_records(&records, &parts, &tokenizer, 128, false).unwrap();
    let stage_dir = tmp.join(format!("stage-{name}"));
    let inputs = StageInputs {
        dir: &stage_dir,
        train: &train_ex,
        val: &train_ex[..1],
        part_weights: &[1.0],
        tokenizer: &tokenizer,
        seed: 9,
    };
    run_stage_on::<Flex>(&config, &inputs, &vec![Default::default(); devices]).unwrap()
}

/// The same 8-step LoRA stage (two micro-batches of two records per step) with `precision` on
/// `devices` replicas: the model and its training losses.
fn lora_stage(
    tmp: &Path,
    precision: Precision,
    devices: usize,
) -> (sleepcot_model::Qwen2ForCausalLM<Flex>, Vec<f64>) {
    let name = format!("{precision}-{devices}");
    let result = run_lora(tmp, &name, precision, devices, |config| {
        config.run.max_steps = Some(8);
        config.run.batch_size = 2;
        config.run.grad_accum = 2;
    });
    let losses = result.state.history.iter().map(|r| r.train_loss).collect();
    (result.model, losses)
}

#[test]
fn lora_trains_in_mixed_precision_on_a_bf16_base() {
    let _rng = rng_turn();
    let tmp = tempfile::tempdir().unwrap();
    let (full, full_losses) = lora_stage(tmp.path(), Precision::F32, 1);
    let (mixed, mixed_losses) = lora_stage(tmp.path(), Precision::Bf16, 1);
    assert_eq!(full.dtype(), DType::F32);
    // The base computes in bf16; the adapters (and so their gradients and AdamW moments) are f32.
    assert_eq!(mixed.dtype(), DType::BF16);
    let layer = &mixed.model.layers[0];
    assert_eq!(layer.mlp.down_proj.base.weight.val().dtype(), DType::BF16);
    let adapter = layer.self_attn.q_proj.adapter.as_ref().unwrap();
    assert_eq!(adapter.a.val().dtype(), DType::F32);
    assert_eq!(adapter.b.val().dtype(), DType::F32);
    // The same run in bf16 learns as the f32 one does: the loss falls by about as much, and every
    // step's loss is within bf16 rounding of its f32 twin.
    assert_eq!(full_losses.len(), mixed_losses.len());
    let (first, last) = (mixed_losses[0], *mixed_losses.last().unwrap());
    assert!(last < 0.8 * first, "bf16 losses {mixed_losses:?}");
    for (step, (f, m)) in full_losses.iter().zip(&mixed_losses).enumerate() {
        assert!(
            (f - m).abs() < 0.05 * f,
            "step {step}: f32 loss {f}, bf16 loss {m}"
        );
    }

    // The merged export is f32: the bf16 base weight plus the adapter's f32 update, unrounded.
    let tokenizer =
        sleepcot_model::tokenizer::ChatTokenizer::from_file(tmp.path().join("base/tokenizer.json"))
            .unwrap();
    let out = tmp.path().join("export");
    let exported = sleepcot_train::export::export(&mixed, &tokenizer, None, &out).unwrap();
    let bytes = std::fs::read(exported.model.join("model.safetensors")).unwrap();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let saved = file
        .tensor("model.layers.0.self_attn.q_proj.weight")
        .unwrap();
    assert_eq!(saved.dtype(), safetensors::Dtype::F32);
    let saved: Vec<f32> = saved
        .data()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let q = &mixed.model.layers[0].self_attn.q_proj;
    // burn keeps [in, out]; the checkpoint holds [out, in].
    let expected: Vec<f32> = (q.base.weight.val().cast(DType::F32)
        + q.adapter.as_ref().unwrap().delta_weight())
    .transpose()
    .into_data()
    .to_vec()
    .unwrap();
    assert_eq!(saved.len(), expected.len());
    let worst = saved
        .iter()
        .zip(&expected)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 1e-6, "merged weight off by {worst}");
    let moved = expected
        .iter()
        .zip(
            q.base
                .weight
                .val()
                .cast(DType::F32)
                .transpose()
                .into_data()
                .to_vec::<f32>()
                .unwrap(),
        )
        .any(|(m, b)| (m - b).abs() > 0.0);
    assert!(moved, "the adapter's update is in the export");
}

#[test]
fn two_replicas_train_what_one_device_trains() {
    let _rng = rng_turn();
    // Each step's two micro-batches go one to each replica, with LoRA dropout on: the losses,
    // and so the gradients the steps applied, match the single-device run's.
    let tmp = tempfile::tempdir().unwrap();
    let (one, one_losses) = lora_stage(tmp.path(), Precision::F32, 1);
    let (two, two_losses) = lora_stage(tmp.path(), Precision::F32, 2);
    assert_eq!(one_losses.len(), 8);
    for (step, (a, b)) in one_losses.iter().zip(&two_losses).enumerate() {
        assert!((a - b).abs() < 1e-6, "step {step}: one device {a}, two {b}");
    }
    let factor = |m: &sleepcot_model::Qwen2ForCausalLM<Flex>| -> Vec<f32> {
        let adapter = m.model.layers[1].mlp.up_proj.adapter.as_ref().unwrap();
        adapter.b.val().into_data().to_vec().unwrap()
    };
    let (a, b) = (factor(&one), factor(&two));
    let max = a
        .iter()
        .zip(&b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max);
    assert!(max < 1e-5, "adapters differ by {max}");
}

#[test]
fn lora_run_exports_an_adapter_and_a_merged_model_that_agree() {
    let _rng = rng_turn();
    let tmp = tempfile::tempdir().unwrap();
    let records = short_records();
    let base = tmp.path().join("base");
    base_model(&base, &records);
    let data = common::write_split(&tmp.path().join("data"), &records, &records[..2]);
    let mut config = common::tiny_config(data, tmp.path().join("run"));
    config.student = StudentConfig::Pretrained {
        model: base.display().to_string(),
        lora: Some(LoraConfig::all_projections(4, 8.0, 0.0)),
        precision: Precision::F32,
    };
    config.run.max_len = 128;
    config.run.max_steps = Some(4);
    config.optim.lr = 1e-2;
    let outcome = train(&config).unwrap();
    let exported = &outcome.stages[0].exported;
    let adapter = exported
        .adapter
        .as_ref()
        .expect("a LoRA run exports its adapter");

    let device = Default::default();
    let merged = load_pretrained::<Flex>(&exported.model, DType::F32, &device).unwrap();
    let mut with_adapter = load_pretrained::<Flex>(&base, DType::F32, &device).unwrap();
    load_peft_adapter(&mut with_adapter, adapter).unwrap();
    let ids = merged.ids_tensor(&[1, 5, 9, 33, 70, 2, 11], 1);
    let a: Vec<f32> = merged
        .forward(ids.clone())
        .unwrap()
        .into_data()
        .to_vec()
        .unwrap();
    let b: Vec<f32> = with_adapter
        .forward(ids)
        .unwrap()
        .into_data()
        .to_vec()
        .unwrap();
    let max = a
        .iter()
        .zip(&b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max);
    assert!(max < 1e-5, "merged and adapter logits differ by {max}");

    // For `scripts/check_export.py`: the exports, the base and the logits Rust computes for a
    // chat prompt, copied to $SLEEPCOT_EXPORT_OUT when it is set.
    if let Some(out) = std::env::var_os("SLEEPCOT_EXPORT_OUT") {
        let out = Path::new(&out);
        for (from, name) in [
            (exported.model.as_path(), "model"),
            (adapter.as_path(), "adapter"),
            (base.as_path(), "base"),
        ] {
            copy_dir(from, &out.join(name));
        }
        let tokenizer =
            sleepcot_model::tokenizer::ChatTokenizer::from_file(base.join("tokenizer.json"))
                .unwrap();
        use sleepcot_model::tokenizer::{ChatMessage, Role};
        let chat = [
            ChatMessage::new(Role::System, "You are a sleep coach."),
            ChatMessage::new(Role::User, "Night 3: slept 6 hours. Enough?"),
        ];
        let ids = tokenizer.encode_chat(&chat, true).unwrap().ids;
        let logits = merged.forward(merged.ids_tensor(&ids, 1)).unwrap();
        let shape = logits.dims().to_vec();
        let logits: Vec<f32> = logits.into_data().to_vec().unwrap();
        let reference = serde_json::json!({
            "messages": chat
                .iter()
                .map(|m| serde_json::json!({"role": m.role.as_str(), "content": m.content}))
                .collect::<Vec<_>>(),
            "ids": ids,
            "shape": shape,
            "logits": logits,
        });
        std::fs::write(out.join("reference.json"), reference.to_string()).unwrap();
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
    }
}
