//! What a decoding step costs in host↔device traffic, and the GPU form of the step (attention
//! over the whole cache capacity under a device-made bias) checked against the CPU form.

use std::path::Path;

use burn::backend::Flex;
use burn::tensor::{DType, Int, Tensor};
use sleepcot_model::generate::token_ids;
use sleepcot_model::transfer::counts;
use sleepcot_model::{GenerationConfig, KvCache, Qwen2ForCausalLM, generate, load_pretrained};

type B = Flex;

fn model() -> Qwen2ForCausalLM<B> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny-untied");
    load_pretrained::<B>(&dir, DType::F32, &Default::default()).unwrap()
}

#[test]
fn a_greedy_step_reads_only_its_ids_and_uploads_nothing() {
    let model = model();
    let prompts = vec![vec![3, 14, 15, 92, 65], vec![35, 89, 79, 32, 38]];
    let run = |n: usize| {
        let before = counts();
        let out = generate(&model, &prompts, &GenerationConfig::greedy(n), |_, _| {}).unwrap();
        assert!(out.tokens.iter().all(|t| t.len() == n));
        counts().since(before)
    };
    let (short, long) = (run(4), run(12));
    // One read of the chosen ids per token; the uploads (prompt ids, prefill positions and
    // mask, the decoding state) do not grow with the number of tokens.
    assert_eq!((short.reads, long.reads), (4, 12));
    assert_eq!(short.uploads, long.uploads, "{short:?} vs {long:?}");
    assert!(short.uploads <= 4, "{short:?}");
}

/// Greedy steps over `prompts` (left-padded), dropping row `drop` after step `drop_at`; returns
/// each step's ids and last-position logits, and the uploads made by the steps after the first.
fn decode(
    model: &Qwen2ForCausalLM<B>,
    prompts: &[Vec<u32>],
    whole_capacity: bool,
    steps: usize,
    (drop, drop_at): (usize, usize),
) -> (Vec<Vec<u32>>, Vec<Vec<f32>>, u64) {
    let width = prompts.iter().map(Vec::len).max().unwrap();
    let (mut ids, mut mask) = (Vec::new(), Vec::new());
    for p in prompts {
        ids.extend(std::iter::repeat_n(0, width - p.len()).chain(p.iter().copied()));
        mask.extend((0..width).map(|i| i >= width - p.len()));
    }
    let mut cache = KvCache::new(
        &model.config,
        prompts.len(),
        width + steps,
        DType::F32,
        &model.device(),
    )
    .with_whole_capacity(whole_capacity);
    let mut logits = model
        .forward_cached(
            model.ids_tensor(&ids, prompts.len()),
            &mut cache,
            Some(&mask),
            true,
        )
        .unwrap();
    let (mut chosen, mut values) = (Vec::new(), Vec::new());
    let mut uploads = 0;
    for step in 0..steps {
        let batch = logits.dims()[0];
        values.push(logits.clone().into_data().to_vec::<f32>().unwrap());
        let mut next: Tensor<B, 2, Int> = logits.argmax(2).reshape([batch, 1]);
        chosen.push(token_ids(next.clone()));
        if step == drop_at {
            let keep: Vec<usize> = (0..batch).filter(|&r| r != drop).collect();
            cache.retain(&keep).unwrap();
            let survivors: Vec<u32> = keep.iter().map(|&r| chosen[step][r]).collect();
            next = model.ids_tensor(&survivors, keep.len());
        }
        let before = counts();
        logits = model.forward_cached(next, &mut cache, None, true).unwrap();
        if step > 0 && step != drop_at {
            uploads += counts().since(before).uploads;
        }
    }
    (chosen, values, uploads)
}

/// Decodes `prompts` both ways and checks that the ids agree, the logits agree to rounding and
/// the GPU form uploads nothing per step (its positions and bias are made on the device).
fn check_forms_agree(prompts: &[Vec<u32>], steps: usize, drop: (usize, usize)) {
    let model = model();
    let (prefix_ids, prefix_logits, _) = decode(&model, prompts, false, steps, drop);
    let (whole_ids, whole_logits, uploads) = decode(&model, prompts, true, steps, drop);
    assert_eq!(prefix_ids, whole_ids);
    for (a, b) in prefix_logits.iter().zip(&whole_logits) {
        let worst = a
            .iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0f32, f32::max);
        assert!(worst < 1e-4, "logits differ by {worst}");
    }
    assert_eq!(uploads, 0);
}

#[test]
fn whole_capacity_steps_match_prefix_steps() {
    let prompts = vec![
        vec![3, 14, 15, 92, 65, 35, 89],
        vec![79, 32],
        vec![38, 46, 26, 43],
    ];
    check_forms_agree(&prompts, 9, (1, 4));
}

#[test]
fn whole_capacity_steps_match_without_padding() {
    check_forms_agree(&[vec![3, 14, 15, 92], vec![65, 35, 89, 79]], 6, (0, 2));
}

/// On wgpu (a Vulkan adapter is needed; lavapipe, Mesa's software one, will do): the device-side
/// decoding steps choose the same greedy tokens as the CPU backend, for a padded batch whose
/// rows stop at different steps. Run with `cargo test -p sleepcot-model --features wgpu --test
/// decode_steps`.
#[cfg(feature = "wgpu")]
#[test]
fn wgpu_greedy_tokens_match_the_cpu() {
    use burn::backend::Wgpu;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny-untied");
    let gpu = load_pretrained::<Wgpu>(&dir, DType::F32, &Default::default()).unwrap();
    let cpu = model();
    let prompts = vec![
        vec![3, 14, 15, 92, 65, 35, 89],
        vec![79, 32],
        vec![38, 46, 26, 43],
    ];
    let reference = generate(&cpu, &prompts, &GenerationConfig::greedy(12), |_, _| {}).unwrap();
    // Stop each row at a token it produces, so that rows leave the batch at different steps.
    let stops: Vec<u32> = (reference.tokens.iter().enumerate())
        .map(|(r, t)| t[2 + 3 * r])
        .collect();
    let config = GenerationConfig {
        stop_tokens: stops,
        ..GenerationConfig::greedy(12)
    };
    let want = generate(&cpu, &prompts, &config, |_, _| {}).unwrap();
    let before = counts();
    let got = generate(&gpu, &prompts, &config, |_, _| {}).unwrap();
    let made = counts().since(before);
    assert_eq!(got, want);
    assert!(
        want.tokens.iter().any(|t| t.len() < 12),
        "some row stops early"
    );
    let steps = got.tokens.iter().map(Vec::len).max().unwrap() as u64;
    assert_eq!(made.reads, steps, "one read per step");
}
