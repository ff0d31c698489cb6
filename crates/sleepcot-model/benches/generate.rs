//! Criterion benchmarks of prefill and one decode step on the tiny benchmark shape (flex, f32).

use burn::backend::Flex;
use burn::tensor::DType;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sleepcot_model::bench::BenchShape;
use sleepcot_model::{KvCache, Qwen2ForCausalLM};

type B = Flex;

fn bench(c: &mut Criterion) {
    let device = Default::default();
    let config = BenchShape::Tiny.config();
    let model = Qwen2ForCausalLM::<B>::random(&config, 1, DType::F32, &device);
    let prompt: Vec<u32> = (0..128u32)
        .map(|i| (i * 37) % config.vocab_size as u32)
        .collect();

    let mut group = c.benchmark_group("tiny_f32");
    group.throughput(Throughput::Elements(128));
    group.bench_function("prefill_128", |b| {
        let mut cache = KvCache::new(&config, 1, 256, DType::F32, &device);
        b.iter(|| {
            cache.reset();
            let logits = model
                .forward_cached(model.ids_tensor(&prompt, 1), &mut cache, None, true)
                .unwrap();
            logits.argmax(2).into_data()
        })
    });
    group.throughput(Throughput::Elements(1));
    group.bench_function("decode_step_after_128", |b| {
        let mut cache = KvCache::new(&config, 1, 129, DType::F32, &device);
        model
            .forward_cached(model.ids_tensor(&prompt, 1), &mut cache, None, true)
            .unwrap();
        let prefilled = cache.clone();
        b.iter(|| {
            let mut cache = prefilled.clone();
            let logits = model
                .forward_cached(model.ids_tensor(&[5], 1), &mut cache, None, true)
                .unwrap();
            logits.argmax(2).into_data()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
