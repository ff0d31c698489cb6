//! Sampling on the device ([`DeviceSampler`], the GPU backends' [`SamplingSite`]), run here on
//! the CPU backend, where it computes the same tensor operations: its draws follow the host
//! sampler's distribution, its greedy choices (with the repetition penalty) are the host's, and
//! a sampled step reads back only its chosen ids (the reads and uploads counted are the
//! model's own, through `transfer`; a read a burn operation made inside would show in the
//! decode trace's time on a GPU backend, not here).

use std::path::Path;

use burn::backend::Flex;
use burn::tensor::{DType, FloatDType, Tensor, TensorData};
use sleepcot_model::generate::{DeviceSampler, Sampler, token_ids};
use sleepcot_model::transfer::counts;
use sleepcot_model::{
    GenerationConfig, GenerationOutput, Qwen2ForCausalLM, SamplingSite, generate_at,
    load_pretrained,
};

type B = Flex;

fn model() -> Qwen2ForCausalLM<B> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny-untied");
    load_pretrained::<B>(&dir, DType::F32, &Default::default()).unwrap()
}

fn prompts() -> Vec<Vec<u32>> {
    vec![
        vec![3, 14, 15, 92, 65, 35, 89],
        vec![79, 32],
        vec![38, 46, 26, 43],
    ]
}

fn run(
    model: &Qwen2ForCausalLM<B>,
    config: &GenerationConfig,
    site: SamplingSite,
) -> GenerationOutput {
    generate_at(model, &prompts(), config, site, |_, _| {}).unwrap()
}

/// The probabilities the host sampler draws from for one row of logits: temperature, then the
/// `top_k` most likely, then the smallest set reaching `top_p`, renormalised.
fn host_distribution(logits: &[f32], config: &GenerationConfig) -> Vec<f64> {
    let scaled: Vec<f64> = logits
        .iter()
        .map(|&l| f64::from(l / config.temperature))
        .collect();
    let mut order: Vec<usize> = (0..scaled.len()).collect();
    order.sort_by(|&a, &b| scaled[b].total_cmp(&scaled[a]));
    if config.top_k > 0 {
        order.truncate(config.top_k);
    }
    let weights: Vec<f64> = order
        .iter()
        .map(|&i| (scaled[i] - scaled[order[0]]).exp())
        .collect();
    let total: f64 = weights.iter().sum();
    let (mut kept, mut mass) = (0, 0.0);
    for w in &weights {
        mass += w / total;
        kept += 1;
        if mass >= f64::from(config.top_p) {
            break;
        }
    }
    let kept_mass: f64 = weights[..kept].iter().sum();
    let mut probs = vec![0.0; logits.len()];
    for (&i, w) in order.iter().zip(&weights).take(kept) {
        probs[i] = w / kept_mass;
    }
    probs
}

/// Draws one token for each of `rows` copies of `logits` (each row with its own generator) and
/// returns how often each token came up.
fn frequencies(logits: &[f32], rows: usize, config: &GenerationConfig) -> Vec<f64> {
    frequencies_as(logits, rows, config, &[], FloatDType::F32)
}

/// [`frequencies`] with the logits in `dtype` and `seen` in every row's prompt (for the
/// repetition penalty).
fn frequencies_as(
    logits: &[f32],
    rows: usize,
    config: &GenerationConfig,
    seen: &[u32],
    dtype: FloatDType,
) -> Vec<f64> {
    let vocab = logits.len();
    let device = Default::default();
    let data: Vec<f32> = (0..rows).flat_map(|_| logits.iter().copied()).collect();
    let tensor =
        Tensor::<B, 3>::from_data(TensorData::new(data, [rows, 1, vocab]), &device).cast(dtype);
    let mut samplers: Vec<Sampler> = (0..rows).map(|r| Sampler::new(config, r)).collect();
    let mut sampler = DeviceSampler::<B>::new(&vec![seen.to_vec(); rows], vocab, config, &device);
    let chosen = token_ids(sampler.pick(tensor, &mut samplers, config));
    let mut counts = vec![0usize; vocab];
    for t in chosen {
        counts[t as usize] += 1;
    }
    counts.iter().map(|&c| c as f64 / rows as f64).collect()
}

/// Asserts that the frequencies `got` (over `rows` draws) are the probabilities `want`: never
/// drawn where `want` is 0, else within five standard errors.
fn assert_follows(want: &[f64], got: &[f64], rows: usize, what: &str) {
    for (token, (&p, &f)) in want.iter().zip(got).enumerate() {
        if p == 0.0 {
            assert_eq!(f, 0.0, "{what}: token {token} is not a candidate");
        } else {
            let bound = 5.0 * (p * (1.0 - p) / rows as f64).sqrt() + 1e-9;
            assert!(
                (f - p).abs() <= bound,
                "{what}: token {token} drawn {f:.4}, expected {p:.4} ± {bound:.4}"
            );
        }
    }
}

/// How often each token comes up in `rows` draws of the host sampler (one generator per row).
fn host_frequencies(logits: &[f32], rows: usize, config: &GenerationConfig) -> Vec<f64> {
    let mut counts = vec![0usize; logits.len()];
    for row in 0..rows {
        let mut values = logits.to_vec();
        counts[Sampler::new(config, row).pick(&mut values, &[], config) as usize] += 1;
    }
    counts.iter().map(|&c| c as f64 / rows as f64).collect()
}

#[test]
fn device_draws_follow_the_host_distribution() {
    let logits = [0.3, 2.0, -1.0, 1.2, 1.9, -0.4, 0.8, 2.6, 0.0, 1.5];
    let configs = [
        (1.0, 0, 1.0),
        (0.7, 0, 1.0),
        (1.3, 4, 1.0),
        (1.0, 0, 0.8),
        (0.9, 6, 0.7),
        (1.2, 8, 0.5),
    ];
    let rows = 20_000;
    for (temperature, top_k, top_p) in configs {
        let config = GenerationConfig {
            temperature,
            top_k,
            top_p,
            seed: 11,
            ..GenerationConfig::default()
        };
        let want = host_distribution(&logits, &config);
        let device = frequencies(&logits, rows, &config);
        let host = host_frequencies(&logits, rows, &config);
        for (site, got) in [("device", device), ("host", host)] {
            assert_follows(&want, &got, rows, &format!("{site} {config:?}"));
        }
    }
}

#[test]
fn a_nucleus_that_one_token_fills_keeps_only_it() {
    // Token 2 holds about 79 % of the mass; a top_p of 0.5 keeps it alone.
    let config = GenerationConfig {
        temperature: 1.0,
        top_p: 0.5,
        ..GenerationConfig::default()
    };
    let got = frequencies(&[0.0, 0.5, 3.0, 1.0], 500, &config);
    assert_eq!(got, vec![0.0, 0.0, 1.0, 0.0]);
}

#[test]
fn device_greedy_choices_are_the_hosts_with_and_without_the_penalty() {
    let m = model();
    // (Without a penalty, greedy choices are made on the device at either site.)
    for penalty in [1.3, 0.8] {
        let config = GenerationConfig {
            repetition_penalty: penalty,
            ..GenerationConfig::greedy(14)
        };
        let host = run(&m, &config, SamplingSite::Host);
        let device = run(&m, &config, SamplingSite::Device);
        assert_eq!(device, host, "repetition_penalty {penalty}");
    }
    // The penalty matters for this model and these prompts, so the check above has teeth.
    let plain = run(&m, &GenerationConfig::greedy(14), SamplingSite::Host);
    let penalised = GenerationConfig {
        repetition_penalty: 1.3,
        ..GenerationConfig::greedy(14)
    };
    assert_ne!(run(&m, &penalised, SamplingSite::Host), plain);
}

#[test]
fn device_sampling_is_seeded_and_top_k_one_is_greedy() {
    let m = model();
    let sampled = |seed| GenerationConfig {
        temperature: 0.9,
        top_k: 40,
        top_p: 0.9,
        repetition_penalty: 1.1,
        seed,
        ..GenerationConfig::greedy(14)
    };
    let a = run(&m, &sampled(3), SamplingSite::Device);
    assert_eq!(a, run(&m, &sampled(3), SamplingSite::Device));
    assert_ne!(a.tokens, run(&m, &sampled(4), SamplingSite::Device).tokens);
    let greedy = run(&m, &GenerationConfig::greedy(14), SamplingSite::Host);
    let top_one = GenerationConfig {
        temperature: 0.7,
        top_k: 1,
        ..GenerationConfig::greedy(14)
    };
    assert_eq!(run(&m, &top_one, SamplingSite::Device), greedy);
}

#[test]
fn a_sampled_device_step_reads_only_its_ids_and_uploads_one_draw() {
    let m = model();
    let config = |n| GenerationConfig {
        temperature: 0.8,
        top_k: 30,
        top_p: 0.9,
        repetition_penalty: 1.2,
        ..GenerationConfig::greedy(n)
    };
    let prompts = prompts();
    let measure = |config: &GenerationConfig| {
        let before = counts();
        let out = generate_at(&m, &prompts, config, SamplingSite::Device, |_, _| {}).unwrap();
        assert!(out.tokens.iter().all(|t| t.len() == config.max_new_tokens));
        counts().since(before)
    };
    let (short, long) = (measure(&config(4)), measure(&config(12)));
    assert_eq!((short.reads, long.reads), (4, 12));
    // One upload per step more than greedy decoding of the same padded rows makes (the rows'
    // uniform numbers); the penalty's state stays on the device.
    let greedy = measure(&GenerationConfig::greedy(12)).uploads
        - measure(&GenerationConfig::greedy(4)).uploads;
    assert_eq!(
        long.uploads - short.uploads,
        greedy + 8,
        "{short:?} vs {long:?}"
    );
    // The host site reads every step's logits instead.
    let before = counts();
    generate_at(&m, &prompts, &config(12), SamplingSite::Host, |_, _| {}).unwrap();
    assert_eq!(counts().since(before).reads, 12);
}

#[test]
fn sampled_rows_that_stop_leave_the_batch_without_changing_the_others() {
    let m = model();
    let config = GenerationConfig {
        temperature: 1.0,
        top_k: 20,
        repetition_penalty: 1.2,
        seed: 8,
        ..GenerationConfig::greedy(12)
    };
    let free = run(&m, &config, SamplingSite::Device);
    let stop = free.tokens[1][2];
    let stopping = GenerationConfig {
        stop_tokens: vec![stop],
        ..config
    };
    let stopped = run(&m, &stopping, SamplingSite::Device);
    assert!(stopped.tokens[1].len() <= 3);
    for row in 0..3 {
        // Each row is its free continuation cut at its first stop token.
        let cut = free.tokens[row]
            .iter()
            .position(|&t| t == stop)
            .map_or(12, |at| at + 1);
        assert_eq!(stopped.tokens[row], free.tokens[row][..cut], "row {row}");
    }
}

/// On wgpu (a Vulkan adapter is needed; lavapipe, Mesa's software one, will do), where the
/// device is the default site: greedy choices with the penalty are the CPU host's, sampled ones
/// are what the same operations choose on the CPU from the same draws, and each step reads only
/// its ids. Run with `cargo test -p sleepcot-model --features wgpu --test device_sampling`.
#[cfg(feature = "wgpu")]
#[test]
fn wgpu_device_sampling_matches_the_cpu() {
    use burn::backend::Wgpu;
    use sleepcot_model::generate;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny-untied");
    let gpu = load_pretrained::<Wgpu>(&dir, DType::F32, &Default::default()).unwrap();
    let cpu = model();
    assert_eq!(SamplingSite::for_backend::<Wgpu>(), SamplingSite::Device);
    let penalised = GenerationConfig {
        repetition_penalty: 1.3,
        ..GenerationConfig::greedy(12)
    };
    let sampled = GenerationConfig {
        temperature: 0.9,
        top_k: 40,
        top_p: 0.9,
        repetition_penalty: 1.1,
        seed: 5,
        ..GenerationConfig::greedy(12)
    };
    for (config, site) in [
        (penalised, SamplingSite::Host),
        (sampled, SamplingSite::Device),
    ] {
        let want = run(&cpu, &config, site);
        let before = counts();
        let got = generate(&gpu, &prompts(), &config, |_, _| {}).unwrap();
        assert_eq!(counts().since(before).reads, 12, "{config:?}");
        assert_eq!(got, want, "{config:?}");
    }
}

#[test]
fn draws_reach_tokens_in_every_block_of_a_large_vocabulary() {
    // 1,000 tokens are summed in blocks of 32; the mass sits in three tokens of three blocks,
    // one of them the last token (in the padded last block).
    let mut logits = vec![-40.0f32; 1000];
    for (token, logit) in [(5, 1.0), (517, 1.0 + 2f32.ln()), (999, 1.0)] {
        logits[token] = logit;
    }
    let config = GenerationConfig {
        temperature: 1.0,
        ..GenerationConfig::default()
    };
    let got = frequencies(&logits, 8_000, &config);
    let drawn: Vec<usize> = (0..1000).filter(|&t| got[t] > 0.0).collect();
    assert_eq!(drawn, vec![5, 517, 999]);
    for (token, p) in [(5, 0.25), (517, 0.5), (999, 0.25)] {
        assert!(
            (got[token] - p).abs() < 0.025,
            "token {token}: {}",
            got[token]
        );
    }
}

#[test]
fn many_top_k_candidates_take_the_bisected_nucleus() {
    // More top-k candidates than the pairwise nucleus takes: top-k as a threshold, then top-p
    // by bisection. 600 distinct logits, the largest at scattered ids.
    let logits: Vec<f32> = (0..600).map(|i| ((i * 337) % 600) as f32 / 60.0).collect();
    let config = GenerationConfig {
        temperature: 1.0,
        top_k: 300,
        top_p: 0.7,
        seed: 2,
        ..GenerationConfig::default()
    };
    assert!(config.top_k > sleepcot_model::generate::PAIRWISE_NUCLEUS);
    let want = host_distribution(&logits, &config);
    let got = frequencies(&logits, 20_000, &config);
    assert_follows(&want, &got, 20_000, "top-k 300, top-p 0.7");
}

#[test]
fn bf16_logits_are_sampled_in_f32() {
    let logits = [0.3f32, 2.0, -1.0, 1.2, 1.9];
    let config = GenerationConfig {
        temperature: 1.0,
        top_k: 3,
        repetition_penalty: 1.2,
        ..GenerationConfig::default()
    };
    let rows = 4_000;
    let got = frequencies_as(&logits, rows, &config, &[1], FloatDType::BF16);
    // Token 1 (2.0, seen: 2.0 / 1.2) falls behind token 4 (1.9); the candidates are 4, 1, 3.
    let mut penalised = logits;
    penalised[1] /= 1.2;
    let want = host_distribution(&penalised, &config);
    assert_follows(&want, &got, rows, "bf16 with penalty 1.2");
}
