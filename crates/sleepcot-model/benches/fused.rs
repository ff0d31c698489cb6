//! Criterion benchmarks of the fused CPU kernels against the composed tensor operations they
//! replace, forward and backward on `Autodiff<Flex>` at the `tiny` training shape (batch 4 × 256
//! tokens, 4 heads over 2 key/value heads of width 64, hidden 256, intermediate 704).
//! Throughput is in tokens. A second group times the row reductions (the cross-entropy's
//! log-sum-exp over an 8,192-token vocabulary) on each instruction set this CPU has; the kernel
//! path in use is printed first and named in the group. Run with
//! `cargo bench -p sleepcot-model --bench fused` (`SLEEPCOT_CPU_KERNELS=avx2` caps the path).

use burn::backend::{Autodiff, Flex};
use burn::tensor::{Distribution, Tensor, TensorData};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sleepcot_model::fused::lanes::{KernelPath, exp_sum_on, max_on};
use sleepcot_model::fused::{
    attention, composed_attention, composed_rms_norm, composed_swiglu, kernel_path, rms_norm,
    swiglu,
};

type Ad = Autodiff<Flex>;

const BATCH: usize = 4;
const SEQ: usize = 256;

fn leaf<const D: usize>(dims: [usize; D]) -> Tensor<Ad, D> {
    Tensor::<Ad, D>::random(dims, Distribution::Normal(0.0, 1.0), &Default::default())
        .require_grad()
}

/// A causal bias `[1, 1, 1, SEQ, SEQ]`.
fn causal() -> Tensor<Ad, 5> {
    let data: Vec<f32> = (0..SEQ * SEQ)
        .map(|i| if i % SEQ > i / SEQ { -1.0e9 } else { 0.0 })
        .collect();
    Tensor::from_data(
        TensorData::new(data, [1, 1, 1, SEQ, SEQ]),
        &Default::default(),
    )
}

fn bench(c: &mut Criterion) {
    let path = kernel_path();
    println!("CPU kernel path: {}", path.name());
    let mut group = c.benchmark_group(format!("fused_vs_composed_fwd_bwd/{}", path.name()));
    group.throughput(Throughput::Elements((BATCH * SEQ) as u64));
    group.sample_size(20);

    let (q, k, v) = (
        leaf([BATCH, SEQ, 4, 64]),
        leaf([BATCH, SEQ, 2, 64]),
        leaf([BATCH, SEQ, 2, 64]),
    );
    let bias = causal();
    for (name, fused) in [("attention/fused", true), ("attention/composed", false)] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let (q, k, v) = (q.clone(), k.clone(), v.clone());
                let out = if fused {
                    attention(q, k, v, Some(&bias))
                } else {
                    composed_attention(q, k, v, Some(&bias))
                };
                out.sum().backward()
            })
        });
    }

    let (gate, up) = (leaf([BATCH, SEQ, 704]), leaf([BATCH, SEQ, 704]));
    for (name, fused) in [("swiglu/fused", true), ("swiglu/composed", false)] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let out = if fused {
                    swiglu(gate.clone(), up.clone())
                } else {
                    composed_swiglu(gate.clone(), up.clone())
                };
                out.sum().backward()
            })
        });
    }

    let (x, weight) = (leaf([BATCH, SEQ, 256]), leaf([256]));
    for (name, fused) in [("rms_norm/fused", true), ("rms_norm/composed", false)] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let out = if fused {
                    rms_norm(x.clone(), weight.clone(), 1e-6)
                } else {
                    composed_rms_norm(x.clone(), weight.clone(), 1e-6)
                };
                out.sum().backward()
            })
        });
    }
    group.finish();

    // Log-sum-exp of 64 rows of an 8,192-token vocabulary, per instruction set.
    const VOCAB: usize = 8192;
    let logits: Vec<f32> = (0..64 * VOCAB)
        .map(|i| ((i * 7919) % 1000) as f32 / 50.0 - 10.0)
        .collect();
    let mut group = c.benchmark_group("log_sum_exp_rows");
    group.throughput(Throughput::Elements(64));
    for path in [KernelPath::Composed, KernelPath::Avx2, KernelPath::Avx512] {
        if path > KernelPath::detect() {
            continue;
        }
        let name = if path == KernelPath::Composed {
            "portable"
        } else {
            path.name()
        };
        group.bench_function(name, |b| {
            b.iter(|| {
                logits
                    .chunks_exact(VOCAB)
                    .map(|row| {
                        let m = max_on(path, row);
                        m + exp_sum_on(path, row, m).ln()
                    })
                    .sum::<f32>()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
