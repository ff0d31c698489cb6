//! Row reductions of the fused kernels, and which instruction set runs them.
//!
//! A loop such as `row.iter().map(exp).sum()` cannot be vectorised: floating-point addition
//! is not associative, so the compiler must add the terms one after another, and then it also
//! computes the `exp`s one at a time. The functions here keep [`LANES`] partial results, one
//! per lane, that a vector register holds side by side, and add the lanes in a fixed order at
//! the end. The order of every operation is fixed by the source, never by the instruction set
//! or the thread count, so the AVX-512, AVX2 and portable builds of a function give the same
//! bits (Rust never fuses a multiply and an add on its own).
//!
//! Each function is compiled three times: for AVX-512, for AVX2 with FMA, and for the
//! baseline, and [`kernel_path`] picks one per call from what the CPU has.

use std::sync::atomic::{AtomicU8, Ordering};

use super::exp::exp;

/// Partial results kept side by side: one AVX-512 register, two AVX2 ones.
pub const LANES: usize = 16;

/// Which form the CPU kernels take on this machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum KernelPath {
    /// burn's composed tensor operations, no fused kernel: CPUs without AVX2 and FMA (and
    /// non-x86 ones), or when asked for with `SLEEPCOT_CPU_KERNELS=composed`.
    Composed,
    /// The fused kernels with AVX2 and FMA.
    Avx2,
    /// The fused kernels with AVX-512 (built with the `avx512` feature, on a CPU that has it).
    Avx512,
}

impl KernelPath {
    /// The name printed by the benchmarks and accepted by `SLEEPCOT_CPU_KERNELS`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Composed => "composed",
            Self::Avx2 => "avx2",
            Self::Avx512 => "avx512",
        }
    }

    /// The widest path this CPU and this build can run.
    pub fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if cfg!(feature = "avx512")
                && std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512vl")
            {
                return Self::Avx512;
            }
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                return Self::Avx2;
            }
        }
        Self::Composed
    }

    /// [`Self::detect`], asked of the CPU once.
    pub fn detect_cached() -> Self {
        static DETECTED: std::sync::OnceLock<KernelPath> = std::sync::OnceLock::new();
        *DETECTED.get_or_init(Self::detect)
    }

    fn from_u8(v: u8) -> Self {
        match v {
            1 => Self::Composed,
            2 => Self::Avx2,
            _ => Self::Avx512,
        }
    }

    fn to_u8(self) -> u8 {
        match self {
            Self::Composed => 1,
            Self::Avx2 => 2,
            Self::Avx512 => 3,
        }
    }
}

/// The environment variable that caps the kernel path (`avx512`, `avx2` or `composed`).
pub const KERNELS_ENV: &str = "SLEEPCOT_CPU_KERNELS";

/// Why a requested kernel path cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KernelPathError {
    /// The name is not a path.
    #[error("{KERNELS_ENV} is {0:?}, but one of \"avx512\", \"avx2\" or \"composed\" was expected")]
    Unknown(String),
    /// The CPU (or the build) cannot run the path.
    #[error(
        "{KERNELS_ENV} asks for the {asked} kernels, but this CPU and build support at most {best}"
    )]
    Unsupported {
        /// The path asked for.
        asked: &'static str,
        /// The widest path available.
        best: &'static str,
    },
}

/// The path `name` names, if this machine can run it.
pub fn parse_kernel_path(name: &str) -> Result<KernelPath, KernelPathError> {
    let asked = match name.trim().to_ascii_lowercase().as_str() {
        "avx512" => KernelPath::Avx512,
        "avx2" => KernelPath::Avx2,
        "composed" => KernelPath::Composed,
        _ => return Err(KernelPathError::Unknown(name.to_string())),
    };
    let best = KernelPath::detect_cached();
    if asked > best {
        return Err(KernelPathError::Unsupported {
            asked: asked.name(),
            best: best.name(),
        });
    }
    Ok(asked)
}

/// The path from `SLEEPCOT_CPU_KERNELS`, or the detected one when it is unset. Programs call
/// this first to report a bad value as an error; [`kernel_path`] ignores a bad value.
pub fn kernel_path_from_env() -> Result<KernelPath, KernelPathError> {
    match std::env::var(KERNELS_ENV) {
        Ok(name) => parse_kernel_path(&name),
        Err(_) => Ok(KernelPath::detect_cached()),
    }
}

/// The current path, 0 until first asked.
static PATH: AtomicU8 = AtomicU8::new(0);

/// The kernel path in use: [`set_kernel_path`]'s, else `SLEEPCOT_CPU_KERNELS`'s, else the
/// widest this CPU and build support.
pub fn kernel_path() -> KernelPath {
    match PATH.load(Ordering::Relaxed) {
        0 => {
            let path = kernel_path_from_env().unwrap_or_else(|_| KernelPath::detect_cached());
            PATH.store(path.to_u8(), Ordering::Relaxed);
            path
        }
        v => KernelPath::from_u8(v),
    }
}

/// Runs every later kernel on `path` (for tests and benchmarks that compare paths in one
/// process). Fails, changing nothing, when the machine cannot run it.
pub fn set_kernel_path(path: KernelPath) -> Result<(), KernelPathError> {
    let best = KernelPath::detect_cached();
    if path > best {
        return Err(KernelPathError::Unsupported {
            asked: path.name(),
            best: best.name(),
        });
    }
    PATH.store(path.to_u8(), Ordering::Relaxed);
    Ok(())
}

/// Defines `fn $name` that runs `$body` compiled for AVX-512, for AVX2 + FMA or for the
/// baseline, as [`kernel_path`] says, and `fn $on` that takes the path as its first argument.
macro_rules! multiversion {
    ($(#[$meta:meta])* $vis:vis fn $name:ident / $on:ident ($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty $body:block) => {
        $(#[$meta])*
        #[inline]
        $vis fn $name($($arg: $ty),*) -> $ret {
            $on(kernel_path(), $($arg),*)
        }

        $(#[$meta])*
        ///
        /// On `path`: a path above [`KernelPath::detect`] runs the baseline build.
        $vis fn $on(path: KernelPath, $($arg: $ty),*) -> $ret {
            #[inline(always)]
            fn body($($arg: $ty),*) -> $ret $body
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
                fn v4($($arg: $ty),*) -> $ret {
                    body($($arg),*)
                }
                #[target_feature(enable = "avx2,fma")]
                fn v3($($arg: $ty),*) -> $ret {
                    body($($arg),*)
                }
                match path.min(KernelPath::detect_cached()) {
                    // SAFETY: `detect_cached` reports AVX-512 only when the CPU has AVX-512F
                    // and AVX-512VL ...
                    KernelPath::Avx512 => return unsafe { v4($($arg),*) },
                    // ... and AVX2 only when it has AVX2 and FMA.
                    KernelPath::Avx2 => return unsafe { v3($($arg),*) },
                    KernelPath::Composed => {}
                }
            }
            body($($arg),*)
        }
    };
}

/// The lanes' sum, in a fixed pairwise order.
#[inline(always)]
fn sum_lanes(mut acc: [f32; LANES]) -> f32 {
    let mut width = LANES / 2;
    while width > 0 {
        for l in 0..width {
            acc[l] += acc[l + width];
        }
        width /= 2;
    }
    acc[0]
}

multiversion! {
    /// The largest element of `row` (`-inf` when empty; NaNs are skipped as `f32::max` does).
    pub fn max / max_on(row: &[f32]) -> f32 {
        let mut acc = [f32::NEG_INFINITY; LANES];
        let chunks = row.chunks_exact(LANES);
        let rest = chunks.remainder();
        for c in chunks {
            for l in 0..LANES {
                acc[l] = acc[l].max(c[l]);
            }
        }
        for (l, &v) in rest.iter().enumerate() {
            acc[l] = acc[l].max(v);
        }
        acc.into_iter().fold(f32::NEG_INFINITY, f32::max)
    }
}

multiversion! {
    /// `Σ e^(x − shift)` over `row`.
    pub fn exp_sum / exp_sum_on(row: &[f32], shift: f32) -> f32 {
        let mut acc = [0.0f32; LANES];
        let chunks = row.chunks_exact(LANES);
        let rest = chunks.remainder();
        for c in chunks {
            for l in 0..LANES {
                acc[l] += exp(c[l] - shift);
            }
        }
        for (l, &v) in rest.iter().enumerate() {
            acc[l] += exp(v - shift);
        }
        sum_lanes(acc)
    }
}

multiversion! {
    /// Replaces each `x` of `row` by `e^(x − shift)` and returns their sum.
    pub fn exp_in_place / exp_in_place_on(row: &mut [f32], shift: f32) -> f32 {
        let mut acc = [0.0f32; LANES];
        let mut chunks = row.chunks_exact_mut(LANES);
        for c in &mut chunks {
            for l in 0..LANES {
                c[l] = exp(c[l] - shift);
                acc[l] += c[l];
            }
        }
        for (l, v) in chunks.into_remainder().iter_mut().enumerate() {
            *v = exp(*v - shift);
            acc[l] += *v;
        }
        sum_lanes(acc)
    }
}

multiversion! {
    /// `Σ a[k] · b[k]` over the shorter of the two.
    pub fn dot / dot_on(a: &[f32], b: &[f32]) -> f32 {
        let n = a.len().min(b.len());
        let (a, b) = (&a[..n], &b[..n]);
        let mut acc = [0.0f32; LANES];
        let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
        let (ra, rb) = (ca.remainder(), cb.remainder());
        for (x, y) in ca.zip(cb) {
            for l in 0..LANES {
                acc[l] += x[l] * y[l];
            }
        }
        for (l, (&x, &y)) in ra.iter().zip(rb).enumerate() {
            acc[l] += x * y;
        }
        sum_lanes(acc)
    }
}

multiversion! {
    /// A block of columns of `x · W` for a few rows, over the inputs `inputs`: `acc` holds
    /// `rows` rows of `width` columns, `x` the rows' `d_in` inputs each, and `w` the weight
    /// from the block's first column on, its rows `stride` apart. For each input `k` in order,
    /// every row adds `x[r][k] · w[k][..width]` (a multiply, then an add: the same bits on
    /// every path).
    pub fn axpy_block / axpy_block_on(acc: &mut [f32], x: &[f32], d_in: usize, w: &[f32], stride: usize, inputs: std::ops::Range<usize>) -> () {
        let rows = x.len() / d_in.max(1);
        let width = acc.len() / rows.max(1);
        if width == 0 {
            return;
        }
        let row = |k: usize| &w[k * stride..k * stride + width];
        // Four inputs at a time, each output kept in a register across them: the same
        // additions in the same order as one input at a time, with a quarter of the traffic
        // to the accumulator.
        let mut k = inputs.start;
        while k + 4 <= inputs.end {
            let (w0, w1, w2, w3) = (row(k), row(k + 1), row(k + 2), row(k + 3));
            for (r, out) in acc.chunks_exact_mut(width).enumerate() {
                let a = &x[r * d_in + k..r * d_in + k + 4];
                for j in 0..width {
                    let mut o = out[j];
                    o += a[0] * w0[j];
                    o += a[1] * w1[j];
                    o += a[2] * w2[j];
                    o += a[3] * w3[j];
                    out[j] = o;
                }
            }
            k += 4;
        }
        for k in k..inputs.end {
            let wk = row(k);
            for (r, out) in acc.chunks_exact_mut(width).enumerate() {
                let a = x[r * d_in + k];
                for (o, &v) in out.iter_mut().zip(wk) {
                    *o += a * v;
                }
            }
        }
    }
}

multiversion! {
    /// [`dot`] of `x` with each of four rows at once, `x` read once for all four: four
    /// independent sums, each in [`dot`]'s order (the same bits).
    pub fn dot4 / dot4_on(x: &[f32], rows: [&[f32]; 4]) -> [f32; 4] {
        let n = rows.iter().fold(x.len(), |n, r| n.min(r.len()));
        let mut acc = [[0.0f32; LANES]; 4];
        let full = n - n % LANES;
        let mut i = 0;
        while i < full {
            let xs = &x[i..i + LANES];
            for (a, row) in acc.iter_mut().zip(&rows) {
                let ys = &row[i..i + LANES];
                for l in 0..LANES {
                    a[l] += xs[l] * ys[l];
                }
            }
            i += LANES;
        }
        for (a, row) in acc.iter_mut().zip(&rows) {
            for (l, j) in (full..n).enumerate() {
                a[l] += x[j] * row[j];
            }
        }
        acc.map(sum_lanes)
    }
}

multiversion! {
    /// Multiplies every element of `row` by `factor`.
    pub fn scale / scale_on(row: &mut [f32], factor: f32) -> () {
        for x in row.iter_mut() {
            *x *= factor;
        }
    }
}

multiversion! {
    /// `out[k] = factor · e^(x[k] − shift)` for every `k` (`out` as long as `x`).
    pub fn scaled_exp / scaled_exp_on(out: &mut [std::mem::MaybeUninit<f32>], x: &[f32], shift: f32, factor: f32) -> () {
        for (o, &v) in out.iter_mut().zip(x) {
            o.write(factor * exp(v - shift));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| ((i * 7919) % 1000) as f32 / 37.0 - 13.0)
            .collect()
    }

    /// Every path gives the bits of the portable build, for lengths around the lane count.
    #[test]
    fn every_path_gives_the_same_bits() {
        let paths: Vec<KernelPath> = [KernelPath::Avx512, KernelPath::Avx2]
            .into_iter()
            .filter(|&p| p <= KernelPath::detect())
            .collect();
        // The portable build runs under `Composed`.
        let run = |path: KernelPath| {
            let mut out = Vec::new();
            for n in [0, 1, 15, 16, 17, 100, 8192] {
                let x = row(n);
                let m = max_on(path, &x);
                out.push(m.to_bits());
                out.push(exp_sum_on(path, &x, m).to_bits());
                let mut y = x.clone();
                out.push(exp_in_place_on(path, &mut y, m).to_bits());
                scale_on(path, &mut y, 0.5);
                out.extend(y.iter().map(|v| v.to_bits()));
                out.push(dot_on(path, &x, &y).to_bits());
                // Four dot products at once give each one's bits, as `dot` alone does.
                let (r2, r3) = (row(n + 3), row(n + 5));
                let four = dot4_on(path, &x, [&y, &x, &r2[..n], &r3[..n]]);
                let alone = [&y, &x, &r2[..n], &r3[..n]].map(|r| dot_on(path, &x, r));
                assert_eq!(four.map(f32::to_bits), alone.map(f32::to_bits), "dot4, {n}");
                out.extend(four.map(f32::to_bits));
                let mut acc = x.clone();
                let w: Vec<f32> = (0..3 * n).map(|i| (i % 7) as f32 * 0.25 - 0.5).collect();
                axpy_block_on(path, &mut acc, &[0.5, -1.5, 2.0], 3, &w, n, 0..3);
                out.extend(acc.iter().map(|v| v.to_bits()));
                let mut z = vec![std::mem::MaybeUninit::uninit(); n];
                scaled_exp_on(path, &mut z, &x, m, 0.25);
                // SAFETY: `scaled_exp` wrote all `n` elements.
                out.extend(z.iter().map(|v| unsafe { v.assume_init() }.to_bits()));
            }
            out
        };
        let portable = run(KernelPath::Composed);
        for path in paths {
            assert_eq!(run(path), portable, "{path:?}");
        }
    }

    #[test]
    fn the_reductions_compute_what_they_say() {
        let x = row(1000);
        let m = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        assert_eq!(max(&x), m);
        assert_eq!(max(&[]), f32::NEG_INFINITY);
        let want: f64 = x.iter().map(|&v| f64::from(v - m).exp()).sum();
        let got = exp_sum(&x, m);
        assert!((f64::from(got) - want).abs() < 1e-5 * want, "{got} {want}");
        let mut y = x.clone();
        assert_eq!(exp_in_place(&mut y, m), got);
        assert!((y[3] - (x[3] - m).exp()).abs() < 1e-6);
        let want: f64 = x
            .iter()
            .zip(&y)
            .map(|(&a, &b)| f64::from(a) * f64::from(b))
            .sum();
        let got = f64::from(dot(&x, &y));
        assert!(
            (got - want).abs() < 1e-4 * want.abs().max(1.0),
            "{got} {want}"
        );
    }

    #[test]
    fn a_path_the_machine_lacks_is_refused_by_name() {
        assert_eq!(
            parse_kernel_path("sse9").unwrap_err().to_string(),
            "SLEEPCOT_CPU_KERNELS is \"sse9\", but one of \"avx512\", \"avx2\" or \"composed\" was expected"
        );
        assert_eq!(parse_kernel_path("composed"), Ok(KernelPath::Composed));
        if KernelPath::detect() < KernelPath::Avx512 {
            let err = parse_kernel_path("avx512").unwrap_err().to_string();
            assert!(err.contains("at most"), "{err}");
        }
    }
}
