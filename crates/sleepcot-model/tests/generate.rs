//! Sampling, stop tokens, batching and request validation of `generate`.

use std::path::Path;

use burn::backend::Flex;
use burn::tensor::DType;
use sleepcot_model::generate::{FinishReason, Sampler, apply_repetition_penalty, argmax};
use sleepcot_model::{GenerationConfig, Qwen2ForCausalLM, generate, load_pretrained};

type B = Flex;

fn model() -> Qwen2ForCausalLM<B> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny-untied");
    load_pretrained::<B>(&dir, DType::F32, &Default::default()).unwrap()
}

const PROMPT: [u32; 5] = [3, 14, 15, 92, 65];

fn sampled(seed: u64) -> GenerationConfig {
    GenerationConfig {
        max_new_tokens: 16,
        temperature: 1.0,
        top_k: 50,
        top_p: 0.95,
        seed,
        ..GenerationConfig::default()
    }
}

#[test]
fn seeded_sampling_is_reproducible_and_seed_dependent() {
    let m = model();
    let a = generate(
        &m,
        &[PROMPT.to_vec(), PROMPT.to_vec()],
        &sampled(5),
        |_, _| {},
    )
    .unwrap();
    let b = generate(
        &m,
        &[PROMPT.to_vec(), PROMPT.to_vec()],
        &sampled(5),
        |_, _| {},
    )
    .unwrap();
    assert_eq!(a, b);
    // Rows have independent streams, and another seed gives another continuation.
    assert_ne!(a.tokens[0], a.tokens[1]);
    let c = generate(
        &m,
        &[PROMPT.to_vec(), PROMPT.to_vec()],
        &sampled(6),
        |_, _| {},
    )
    .unwrap();
    assert_ne!(a.tokens, c.tokens);
}

#[test]
fn top_k_one_is_greedy() {
    let m = model();
    let greedy = generate(
        &m,
        &[PROMPT.to_vec()],
        &GenerationConfig::greedy(12),
        |_, _| {},
    )
    .unwrap();
    let cfg = GenerationConfig {
        max_new_tokens: 12,
        temperature: 0.7,
        top_k: 1,
        seed: 99,
        ..GenerationConfig::default()
    };
    assert_eq!(
        generate(&m, &[PROMPT.to_vec()], &cfg, |_, _| {}).unwrap(),
        greedy
    );
}

#[test]
fn stop_token_ends_the_row_and_is_emitted() {
    let m = model();
    let free = generate(
        &m,
        &[PROMPT.to_vec()],
        &GenerationConfig::greedy(12),
        |_, _| {},
    )
    .unwrap();
    let stop = free.tokens[0][4];
    let first = free.tokens[0].iter().position(|&t| t == stop).unwrap();
    let cfg = GenerationConfig {
        stop_tokens: vec![stop],
        ..GenerationConfig::greedy(12)
    };
    let mut streamed = 0;
    let out = generate(&m, &[PROMPT.to_vec()], &cfg, |_, _| streamed += 1).unwrap();
    assert_eq!(out.tokens[0], free.tokens[0][..=first].to_vec());
    assert_eq!(out.finish, vec![FinishReason::Stop]);
    assert_eq!(streamed, first + 1);
    assert_eq!(free.finish, vec![FinishReason::Length]);
}

#[test]
fn batch_rows_match_single_row_generation() {
    let m = model();
    let short = vec![7, 8, 9];
    let long = PROMPT.to_vec();
    let batch = generate(
        &m,
        &[short.clone(), long.clone()],
        &GenerationConfig::greedy(10),
        |_, _| {},
    )
    .unwrap();
    let one = generate(&m, &[short], &GenerationConfig::greedy(10), |_, _| {}).unwrap();
    let two = generate(&m, &[long], &GenerationConfig::greedy(10), |_, _| {}).unwrap();
    assert_eq!(
        batch.tokens,
        vec![one.tokens[0].clone(), two.tokens[0].clone()]
    );
}

#[test]
fn repetition_penalty_changes_greedy_choice() {
    // The tied fixture's greedy continuation of its prompt repeats tokens (see expected.json).
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny-tied");
    let m = load_pretrained::<B>(&dir, DType::F32, &Default::default()).unwrap();
    let prompt = vec![303, 211, 294, 53, 204, 372, 152, 505, 143, 177, 279, 233];
    let plain = generate(
        &m,
        std::slice::from_ref(&prompt),
        &GenerationConfig::greedy(20),
        |_, _| {},
    )
    .unwrap();
    let cfg = GenerationConfig {
        repetition_penalty: 5.0,
        ..GenerationConfig::greedy(20)
    };
    let penalised = generate(&m, &[prompt], &cfg, |_, _| {}).unwrap();
    let repeats = |t: &[u32]| t.windows(2).filter(|w| w[0] == w[1]).count();
    assert!(
        repeats(&plain.tokens[0]) > 0,
        "fixture greedy output should repeat tokens"
    );
    assert_eq!(repeats(&penalised.tokens[0]), 0);

    let mut logits = vec![2.0, -2.0, 1.0];
    apply_repetition_penalty(&mut logits, &[0, 1, 1], 2.0);
    assert_eq!(logits, vec![1.0, -4.0, 1.0]);
    assert_eq!(argmax(&logits), 0);
}

#[test]
fn top_p_keeps_only_the_nucleus() {
    let cfg = GenerationConfig {
        temperature: 1.0,
        top_p: 0.5,
        ..GenerationConfig::default()
    };
    // Token 2 holds ~84% of the mass; with top_p 0.5 it is the only candidate.
    for row in 0..20 {
        let mut sampler = Sampler::new(
            &GenerationConfig {
                seed: row,
                ..cfg.clone()
            },
            0,
        );
        let mut logits = vec![0.0, 0.5, 3.0, 1.0];
        assert_eq!(sampler.pick(&mut logits, &[], &cfg), 2);
    }
}

#[test]
fn invalid_requests_are_rejected_with_a_message() {
    let m = model();
    let bad_p = GenerationConfig {
        top_p: 0.0,
        ..GenerationConfig::default()
    };
    let msg = generate(&m, &[PROMPT.to_vec()], &bad_p, |_, _| {})
        .unwrap_err()
        .to_string();
    assert_eq!(msg, "invalid top_p: 0 is not in (0, 1]");
    let msg = generate(&m, &[vec![]], &GenerationConfig::default(), |_, _| {})
        .unwrap_err()
        .to_string();
    assert!(msg.contains("at least one prompt token"), "{msg}");
    let msg = generate(&m, &[vec![1, 512]], &GenerationConfig::default(), |_, _| {})
        .unwrap_err()
        .to_string();
    assert_eq!(
        msg,
        "invalid prompts: token 512 is outside the vocabulary of 512 tokens"
    );
    let too_long = GenerationConfig::greedy(200);
    let msg = generate(&m, &[PROMPT.to_vec()], &too_long, |_, _| {})
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("need 204 positions but max_position_embeddings is 128"),
        "{msg}"
    );
}

#[test]
fn generation_config_round_trips_through_json() {
    let cfg = sampled(3);
    let text = serde_json::to_string(&cfg).unwrap();
    assert_eq!(
        serde_json::from_str::<GenerationConfig>(&text).unwrap(),
        cfg
    );
    let partial: GenerationConfig = serde_json::from_str(r#"{"max_new_tokens": 4}"#).unwrap();
    assert_eq!(partial, GenerationConfig::greedy(4));
    assert!(serde_json::from_str::<GenerationConfig>(r#"{"temprature": 1.0}"#).is_err());
}

/// A row that stops leaves the batch: the rows still running generate what they would alone,
/// greedy and sampled, and the stopped row ends at its stop token.
#[test]
fn rows_that_stop_leave_the_batch_without_changing_the_others() {
    let m = model();
    let prompts = vec![
        vec![7, 8, 9],
        PROMPT.to_vec(),
        vec![1, 2],
        vec![40, 41, 42, 43],
    ];
    let free = generate(&m, &prompts, &GenerationConfig::greedy(12), |_, _| {}).unwrap();
    // Stop on the third token of the second row's free continuation: that row stops early,
    // and others may stop wherever they produce it too.
    let stop = free.tokens[1][2];
    for config in [
        GenerationConfig {
            stop_tokens: vec![stop],
            ..GenerationConfig::greedy(12)
        },
        GenerationConfig {
            stop_tokens: vec![stop],
            ..sampled(9)
        },
    ] {
        let batch = generate(&m, &prompts, &config, |_, _| {}).unwrap();
        assert_eq!(batch.finish[1], FinishReason::Stop);
        assert!(batch.tokens[1].len() <= 3);
        for (row, prompt) in prompts.iter().enumerate() {
            // Alone, with the sampler of its batch row (the seed is mixed with the row index).
            let alone_config = GenerationConfig {
                seed: config.seed,
                ..config.clone()
            };
            let mut padded = vec![prompt.clone()];
            if row > 0 && !config.is_greedy() {
                // A sampled row draws from its own row's stream: reproduce it by position.
                padded = (0..=row).map(|_| prompt.clone()).collect();
            }
            let alone = generate(&m, &padded, &alone_config, |_, _| {}).unwrap();
            let last = alone.tokens.len() - 1;
            assert_eq!(batch.tokens[row], alone.tokens[last], "row {row}");
            assert_eq!(batch.finish[row], alone.finish[last], "row {row}");
        }
    }
}

#[test]
fn a_cache_keeps_only_valid_row_lists() {
    let m = model();
    let mut cache = sleepcot_model::kv_cache::KvCache::<B>::new(
        &m.config,
        3,
        8,
        DType::F32,
        &Default::default(),
    );
    for bad in [vec![], vec![3], vec![1, 0], vec![1, 1]] {
        let err = cache.retain(&bad).unwrap_err().to_string();
        assert!(err.contains("batch size 3"), "{bad:?}: {err}");
    }
    cache.retain(&[0, 2]).unwrap();
    assert_eq!(cache.batch(), 2);
    cache.retain(&[1]).unwrap();
    assert_eq!(cache.batch(), 1);
}
