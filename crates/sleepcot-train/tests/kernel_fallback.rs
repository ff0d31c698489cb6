//! The composed fallback: a CPU without AVX2 (or a non-x86 one) trains on burn's composed
//! tensor operations instead of the fused kernels. Forcing that path here, on whatever CPU runs
//! the test, gives the same training curve as the fused path, within float rounding.
//!
//! Its own test binary: the kernel path is process-wide.

mod common;

use burn::backend::Flex;
use burn::tensor::DType;
use sleepcot_data::teacher::Task;
use sleepcot_model::fused::{CpuRoute, KernelPath, kernel_path, set_kernel_path};
use sleepcot_train::metrics::read_metrics;
use sleepcot_train::{Objective, train};

/// Per-step training losses of the tiny student on `path`.
fn curve(path: KernelPath, dir: &std::path::Path) -> Vec<f64> {
    set_kernel_path(path).unwrap();
    assert_eq!(kernel_path(), path);
    let all = common::records(4, 40);
    let records: Vec<_> = all
        .iter()
        .filter(|r| r.task == Task::Knowledge)
        .take(8)
        .cloned()
        .collect();
    let data = common::write_split(&dir.join("data"), &records, &records[..2]);
    let mut config = common::tiny_config(data, dir.join("run"));
    config.objective = Objective::Cot;
    config.run.max_len = 160;
    config.run.truncate = true;
    config.run.max_steps = Some(6);
    let stage = &train(&config).unwrap().stages[0];
    read_metrics(&stage.dir.join("metrics.csv"))
        .unwrap()
        .iter()
        .map(|r| r.train_loss)
        .collect()
}

#[test]
fn the_composed_fallback_trains_like_the_fused_kernels() {
    let tmp = tempfile::tempdir().unwrap();
    let widest = KernelPath::detect();
    let composed = curve(KernelPath::Composed, &tmp.path().join("composed"));
    // Forced, the CPU backend takes the composed operations.
    assert_eq!(CpuRoute::of::<Flex>(&[DType::F32]), CpuRoute::Composed);
    assert_eq!(composed.len(), 6);
    // Every fused path this CPU has: on an AVX-512 machine the AVX2 one too, whose matrix
    // products are the packed kernel rather than gemm's.
    let fused_paths: &[KernelPath] = match widest {
        KernelPath::Avx512 => &[KernelPath::Avx512, KernelPath::Avx2],
        KernelPath::Avx2 => &[KernelPath::Avx2],
        KernelPath::Composed => &[],
    };
    for &path in fused_paths {
        let fused = curve(path, &tmp.path().join(path.name()));
        assert_eq!(fused.len(), composed.len());
        for (step, (f, c)) in fused.iter().zip(&composed).enumerate() {
            assert!(
                (f - c).abs() <= 1e-3 * f.abs().max(1.0),
                "step {step}: {path:?} loss {f}, composed loss {c}"
            );
        }
        // The losses moved: the comparison is of a curve, not of six copies of the first loss.
        assert!(fused[5] < fused[0], "{fused:?}");
    }
    set_kernel_path(widest).unwrap();
}
