//! Criterion benchmarks of the fused CPU kernels against the composed tensor operations they
//! replace, forward and backward on `Autodiff<Flex>` at the `tiny` training shape (batch 4 × 256
//! tokens, 4 heads over 2 key/value heads of width 64, hidden 256, intermediate 704, vocabulary
//! 8,192): attention, SwiGLU, RMSNorm, a biased projection, the tied output head, the rotary
//! embedding, the residual sum and the embedding lookup.
//! Throughput is in tokens. A second group times a decoding step's one-row products at the
//! `0.5b` shape (forward only, throughput in weight bytes). A third times the row reductions (the cross-entropy's
//! log-sum-exp over an 8,192-token vocabulary) on each instruction set this CPU has; the kernel
//! path in use is printed first and named in the group. Run with
//! `cargo bench -p sleepcot-model --bench fused` (`SLEEPCOT_CPU_KERNELS=avx2` caps the path).

use burn::backend::{Autodiff, Flex};
use burn::tensor::{Distribution, Int, Tensor, TensorData};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sleepcot_model::fused::lanes::{KernelPath, exp_sum_on, max_on};
use sleepcot_model::fused::{
    WeightLayout, add_scaled, attention, composed_add_scaled, composed_attention,
    composed_embedding, composed_linear, composed_rms_norm, composed_rope, composed_swiglu,
    embedding, kernel_path, linear, rms_norm, rope, swiglu,
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

/// Times `run(true)` (the fused kernel) and `run(false)` (the composed operations), forward and
/// backward, as `name/fused` and `name/composed`.
fn pair<const D: usize>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    run: impl Fn(bool) -> Tensor<Ad, D>,
) {
    for (form, fused) in [("fused", true), ("composed", false)] {
        group.bench_function(format!("{name}/{form}"), |b| {
            b.iter(|| run(fused).sum().backward())
        });
    }
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
    pair(&mut group, "attention", |fused| {
        let (q, k, v) = (q.clone(), k.clone(), v.clone());
        if fused {
            attention(q, k, v, Some(&bias))
        } else {
            composed_attention(q, k, v, Some(&bias))
        }
    });

    let (gate, up) = (leaf([BATCH, SEQ, 704]), leaf([BATCH, SEQ, 704]));
    pair(&mut group, "swiglu", |fused| {
        if fused {
            swiglu(gate.clone(), up.clone())
        } else {
            composed_swiglu(gate.clone(), up.clone())
        }
    });

    let (x, weight) = (leaf([BATCH, SEQ, 256]), leaf([256]));
    pair(&mut group, "rms_norm", |fused| {
        if fused {
            rms_norm(x.clone(), weight.clone(), 1e-6)
        } else {
            composed_rms_norm(x.clone(), weight.clone(), 1e-6)
        }
    });

    // The gate projection (with a bias, as Qwen2's q/k/v have) and the tied output head.
    let (w_gate, b_gate, embed) = (leaf([256, 704]), leaf([704]), leaf([8192, 256]));
    pair(&mut group, "linear_256x704", |fused| {
        let (w, b) = (w_gate.clone(), Some(b_gate.clone()));
        if fused {
            linear(x.clone(), w, b, WeightLayout::InOut)
        } else {
            composed_linear(x.clone(), w, b, WeightLayout::InOut)
        }
    });
    pair(&mut group, "tied_head_8192", |fused| {
        let e = embed.clone();
        if fused {
            linear(x.clone(), e, None, WeightLayout::OutIn)
        } else {
            composed_linear(x.clone(), e, None, WeightLayout::OutIn)
        }
    });

    let (cos, sin) = (
        Tensor::<Ad, 4>::random(
            [BATCH, SEQ, 4, 64],
            Distribution::Default,
            &Default::default(),
        ),
        Tensor::<Ad, 4>::random(
            [BATCH, SEQ, 4, 64],
            Distribution::Default,
            &Default::default(),
        ),
    );
    pair(&mut group, "rope", |fused| {
        let (q, cos, sin) = (q.clone(), cos.clone(), sin.clone());
        if fused {
            rope(q, cos, sin)
        } else {
            composed_rope(q, cos, sin)
        }
    });

    let residual = leaf([BATCH, SEQ, 256]);
    pair(&mut group, "add_scaled", |fused| {
        if fused {
            add_scaled(x.clone(), residual.clone(), 2.0)
        } else {
            composed_add_scaled(x.clone(), residual.clone(), 2.0)
        }
    });

    let ids = Tensor::<Ad, 2, Int>::from_data(
        TensorData::new(
            (0..BATCH * SEQ)
                .map(|i| ((i * 7919) % 8192) as i64)
                .collect::<Vec<_>>(),
            [BATCH, SEQ],
        ),
        &Default::default(),
    );
    pair(&mut group, "embedding_8192", |fused| {
        if fused {
            embedding(embed.clone(), ids.clone())
        } else {
            composed_embedding(embed.clone(), ids.clone())
        }
    });
    group.finish();

    // A decoding step's one-row products at the 0.5b shape: the gate projection (896 × 4,864)
    // and a 65,536-row slice of the tied output head, forward only. Throughput is in weight
    // bytes read: the step is one pass over the weights.
    let flex = |dims: [usize; 2]| {
        Tensor::<Flex, 2>::random(dims, Distribution::Normal(0.0, 1.0), &Default::default())
    };
    let (row, gate, table) = (flex([1, 896]), flex([896, 4864]), flex([65536, 896]));
    let mut group = c.benchmark_group(format!("decode_row_product/{}", path.name()));
    group.sample_size(20);
    for (name, weight, layout) in [
        ("gate_896x4864", &gate, WeightLayout::InOut),
        ("tied_head_65536", &table, WeightLayout::OutIn),
    ] {
        group.throughput(Throughput::Bytes(
            (weight.dims()[0] * weight.dims()[1] * 4) as u64,
        ));
        group.bench_function(format!("{name}/fused"), |b| {
            b.iter(|| linear(row.clone(), weight.clone(), None, layout))
        });
        group.bench_function(format!("{name}/composed"), |b| {
            b.iter(|| composed_linear(row.clone(), weight.clone(), None, layout))
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
