//! A packed, blocked f32 matrix product for the AVX2 path (the BLIS layout: a 6 × 16
//! register tile, operands packed into strips and panels that stay in the caches).
//!
//! On a CPU without AVX-512, the `gemm` crate runs one thread of a training step's products (a
//! few hundred to a few thousand rows and columns, an inner dimension of 256 to 8,192) nearly
//! as fast as MKL, but splits a product between threads in steps that wait on each other. Here
//! each thread takes an equal share of the output (rows, or columns when there are more of
//! them) and runs the whole blocked product on it alone: it packs its own operands, so nothing
//! is shared and nothing waits. `tiny` training on the AVX2 path gained 13 % (README).
//!
//! Every output element is the sum over the inner dimension in order, one fused multiply-add
//! per term in one register lane, in blocks of [`KC`] terms added to the destination in block
//! order, then scaled once per block. No step depends on where the element's tile lies, so the
//! shares, and with them the thread count, do not change a bit, and an edge tile gives the same
//! bits as a full one (tests).

use std::cell::Cell;

use rayon::prelude::*;

use super::gemm::Mat;

/// Rows of the register tile.
const MR: usize = 6;
/// Columns of the register tile: two 8-lane vectors.
const NR: usize = 16;
/// Terms of the inner dimension per block: a packed panel of the right-hand side (16 KiB)
/// stays in the L1 cache while a task sweeps its rows.
const KC: usize = 256;
/// Rows of the left-hand side packed at a time (a multiple of [`MR`]): a block of 144 KiB,
/// which stays in L2 while the right-hand panels sweep past it.
const MC: usize = 144;

/// Terms per pass when [`pack`] copies adjacent lines.
const TERM_BLOCK: usize = 16;

/// Whether the packed product serves a product of this shape: large enough in every dimension
/// for packing to pay (a decoding step's few rows keep `gemm`'s and `gemv`'s paths), and on a
/// CPU that has AVX2 and FMA.
pub(crate) fn serves(m: usize, n: usize, k: usize) -> bool {
    m >= MR && n >= NR && k >= 8 && has_avx2_fma()
}

/// Whether this CPU runs AVX2 and FMA instructions.
fn has_avx2_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

thread_local! {
    /// Each thread's packing buffers, kept between products: packing into fresh memory would
    /// fault in new pages at every product.
    static BUFFERS: Cell<[Vec<f32>; 2]> = const { Cell::new([Vec::new(), Vec::new()]) };
}

/// Runs `f` with this thread's packing buffer `which` (0: the right-hand side's panels, 1: the
/// left-hand side's strips) resized to `len`. The buffer is taken out while `f` runs, so a
/// product nested inside `f` (a pool thread may pick up another product's task while it waits)
/// starts from an empty one rather than sharing it.
fn with_buffer<R>(which: usize, len: usize, f: impl FnOnce(&mut [f32]) -> R) -> R {
    let mut buffer = BUFFERS.with(|b| {
        let mut all = b.take();
        let mine = std::mem::take(&mut all[which]);
        b.set(all);
        mine
    });
    if buffer.len() < len {
        // Grown, never shrunk: the next larger product does not fill it again.
        buffer.resize(len, 0.0);
    }
    let result = f(&mut buffer[..len]);
    BUFFERS.with(|b| {
        let mut all = b.take();
        all[which] = buffer;
        b.set(all);
    });
    result
}

/// One part of a product, with raw pointers that may cross into the pool's tasks.
#[derive(Clone, Copy)]
struct Part {
    m: usize,
    n: usize,
    dst: *mut f32,
    lhs: Mat,
    rhs: Mat,
}
// SAFETY: the parts of one product write disjoint elements and only read their operands, and
// the caller keeps every buffer alive until the product returns.
unsafe impl Send for Part {}

/// `dst[m×n] = (dst if accumulate) + scale · lhs[m×k] · rhs[k×n]`, with `dst`'s rows `dst_rs`
/// elements apart and its columns adjacent; split between the pool's threads when `parallel`.
///
/// Each thread takes an equal share of the rows (or of the columns, when there are more of
/// them: a part packs its whole share of the other operand, so the split goes along the larger
/// one). Each element's arithmetic does not depend on the part it falls in.
///
/// # Safety
/// As [`super::gemm::product`]; in addition the CPU must have AVX2 and FMA ([`serves`]).
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn product(
    parallel: bool,
    m: usize,
    n: usize,
    k: usize,
    dst: *mut f32,
    dst_rs: usize,
    lhs: Mat,
    rhs: Mat,
    scale: f32,
    accumulate: bool,
) {
    let whole = Part {
        m,
        n,
        dst,
        lhs,
        rhs,
    };
    let threads = if parallel {
        rayon::current_num_threads()
    } else {
        1
    };
    let run = |part: Part| {
        // SAFETY: each part is inside the caller's buffers, and parts write disjoint elements.
        unsafe { serial(part, k, dst_rs, scale, accumulate) }
    };
    if threads <= 1 {
        return run(whole);
    }
    let parts: Vec<Part> = if m >= n {
        let share = m.div_ceil(threads).next_multiple_of(MR);
        (0..m)
            .step_by(share)
            .map(|r0| Part {
                m: share.min(m - r0),
                // SAFETY: r0 < m, inside the destination and the left-hand side.
                dst: unsafe { dst.add(r0 * dst_rs) },
                lhs: lhs.down(r0),
                ..whole
            })
            .collect()
    } else {
        let share = n.div_ceil(threads).next_multiple_of(NR);
        (0..n)
            .step_by(share)
            .map(|c0| Part {
                n: share.min(n - c0),
                // SAFETY: c0 < n, inside the destination and the right-hand side.
                dst: unsafe { dst.add(c0) },
                rhs: rhs.t().down(c0).t(),
                ..whole
            })
            .collect()
    };
    parts.into_par_iter().for_each(run);
}

/// One thread's product: for each block of [`KC`] terms, packs the right-hand side's block
/// into panels, then packs each block of [`MC`] rows of the left-hand side into strips and
/// sweeps them past every panel. (Reading row-major rows in place instead was slower: rows a
/// power of two apart fall into the same cache sets.)
///
/// # Safety
/// As [`product`], for the part's own elements.
unsafe fn serial(part: Part, k: usize, dst_rs: usize, scale: f32, accumulate: bool) {
    let Part {
        m,
        n,
        dst,
        lhs,
        rhs,
    } = part;
    let panels = n.div_ceil(NR);
    with_buffer(0, panels * NR * KC.min(k), |packed_rhs| {
        with_buffer(1, MC * KC.min(k), |packed_lhs| {
            for k0 in (0..k).step_by(KC) {
                let kc = KC.min(k - k0);
                let rhs = rhs.down(k0);
                let lhs = lhs.t().down(k0).t();
                let packed_rhs = &mut packed_rhs[..panels * NR * kc];
                // SAFETY: the block's terms and columns are inside the right-hand side.
                unsafe { pack::<NR>(packed_rhs, n, kc, rhs.ptr, rhs.cs, rhs.rs) };
                // The first block writes (or adds to) the destination; later ones add to it.
                let add = accumulate || k0 > 0;
                for r0 in (0..m).step_by(MC) {
                    let rows = MC.min(m - r0);
                    let block = lhs.down(r0);
                    let packed_lhs = &mut packed_lhs[..rows.div_ceil(MR) * MR * kc];
                    // SAFETY: the block's rows and terms are inside the left-hand side.
                    unsafe { pack::<MR>(packed_lhs, rows, kc, block.ptr, block.rs, block.cs) };
                    for j in 0..panels {
                        let c0 = j * NR;
                        let panel = &packed_rhs[j * NR * kc..(j + 1) * NR * kc];
                        for (s, strip) in packed_lhs.chunks(MR * kc).enumerate() {
                            let top = s * MR;
                            // SAFETY: the tile is inside the part's destination; the CPU has
                            // AVX2 and FMA, as the caller promises.
                            unsafe {
                                tile(
                                    kc,
                                    strip,
                                    panel,
                                    dst.add((r0 + top) * dst_rs + c0),
                                    dst_rs,
                                    MR.min(rows - top),
                                    NR.min(n - c0),
                                    scale,
                                    add,
                                )
                            };
                        }
                    }
                }
            }
        })
    })
}

/// Packs `lines` lines × `kc` terms into units of `width` lines, each laid out term-major (the
/// unit's `width` values of one term side by side), zero-padding the last unit's missing
/// lines. Line `i`'s term `p` is at `src + i·line_stride + p·term_stride`. The source is read in
/// its contiguous direction, whichever that is: along a line's terms, or across lines (then a
/// whole unit's values of one term are one copy).
///
/// # Safety
/// Every line and term must be inside `src`'s buffer; `dst` holds `lines.div_ceil(width) ·
/// width · kc` floats.
unsafe fn pack<const WIDTH: usize>(
    dst: &mut [f32],
    lines: usize,
    kc: usize,
    src: *const f32,
    line_stride: isize,
    term_stride: isize,
) {
    let width = WIDTH;
    let at = |i: usize, p: usize| {
        // SAFETY: inside the buffer, as the caller promises.
        unsafe { src.offset(i as isize * line_stride + p as isize * term_stride) }
    };
    let units = lines.div_ceil(width);
    if line_stride == 1 {
        // Lines adjacent: each term's values are one copy per unit. Terms go in blocks of 16
        // across every unit, so the source is read as 16 sequential streams rather than one
        // cache line from each of `kc` rows per unit.
        for p0 in (0..kc).step_by(TERM_BLOCK) {
            for u in 0..units {
                let first = u * width;
                let present = width.min(lines - first);
                for p in p0..kc.min(p0 + TERM_BLOCK) {
                    let values = &mut dst[u * width * kc + p * width..][..width];
                    if present == width {
                        // SAFETY: `WIDTH` adjacent lines of term `p`, inside the buffer; a copy
                        // of a constant size compiles to a few vector moves.
                        values.copy_from_slice(unsafe { &*at(first, p).cast::<[f32; WIDTH]>() });
                    } else {
                        // SAFETY: `present` adjacent lines of term `p`, inside the buffer.
                        let source = unsafe { std::slice::from_raw_parts(at(first, p), present) };
                        values[..present].copy_from_slice(source);
                        values[present..].fill(0.0);
                    }
                }
            }
        }
        return;
    }
    for (u, unit) in dst[..units * width * kc].chunks_mut(width * kc).enumerate() {
        let first = u * width;
        let present = width.min(lines - first);
        if term_stride == 1 && present == width {
            // SAFETY: as the caller promises; the CPU has AVX2 (this module runs only there).
            unsafe { transpose_lines(unit, width, kc, at(first, 0), line_stride as usize) };
        } else {
            for l in 0..width {
                for p in 0..kc {
                    // SAFETY: inside the buffer, as the caller promises.
                    unit[p * width + l] = if l < present {
                        unsafe { *at(first + l, p) }
                    } else {
                        0.0
                    };
                }
            }
        }
    }
}

/// [`pack`]'s unit of `width` (6 or 16) lines, each contiguous along its terms and `stride`
/// apart: 8 × 8 blocks are transposed in registers, the terms after the last multiple of 8
/// one by one.
///
/// # Safety
/// The `width` lines of `kc` terms must be inside the source's buffer; `unit` holds `width ·
/// kc` floats; the CPU must have AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn transpose_lines(
    unit: &mut [f32],
    width: usize,
    kc: usize,
    src: *const f32,
    stride: usize,
) {
    use std::arch::x86_64::*;
    let whole = kc - kc % 8;
    // SAFETY: every access is inside the buffers the caller describes.
    unsafe {
        for l0 in (0..width).step_by(8) {
            let lanes = 8.min(width - l0);
            let mask = _mm256_setr_epi32(
                -1,
                -1,
                -1,
                -1,
                -1,
                -1,
                if lanes > 6 { -1 } else { 0 },
                if lanes > 7 { -1 } else { 0 },
            );
            for p0 in (0..whole).step_by(8) {
                let rows: [__m256; 8] = std::array::from_fn(|l| {
                    if l < lanes {
                        _mm256_loadu_ps(src.add((l0 + l) * stride + p0))
                    } else {
                        _mm256_setzero_ps()
                    }
                });
                for (p, column) in transpose8(rows).into_iter().enumerate() {
                    let out = unit.as_mut_ptr().add((p0 + p) * width + l0);
                    _mm256_maskstore_ps(out, mask, column);
                }
            }
            for p in whole..kc {
                for l in 0..lanes {
                    unit[p * width + l0 + l] = *src.add((l0 + l) * stride + p);
                }
            }
        }
    }
}

/// The transpose of an 8 × 8 block held as eight row vectors: element `j` of result `i` is
/// element `i` of row `j`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn transpose8(r: [std::arch::x86_64::__m256; 8]) -> [std::arch::x86_64::__m256; 8] {
    use std::arch::x86_64::*;
    // Pairs of rows interleaved, then quadruples, then the two 128-bit halves exchanged.
    let t: [__m256; 8] = std::array::from_fn(|i| {
        let (a, b) = (r[2 * (i / 2)], r[2 * (i / 2) + 1]);
        if i % 2 == 0 {
            _mm256_unpacklo_ps(a, b)
        } else {
            _mm256_unpackhi_ps(a, b)
        }
    });
    // s[0..4]: from rows 0-3; s[4..8]: from rows 4-7. Each: terms (0,4), (1,5), (2,6), (3,7).
    let quad = |x: __m256, y: __m256, high: bool| {
        if high {
            _mm256_shuffle_ps::<0xEE>(x, y)
        } else {
            _mm256_shuffle_ps::<0x44>(x, y)
        }
    };
    let s = [
        quad(t[0], t[2], false),
        quad(t[0], t[2], true),
        quad(t[1], t[3], false),
        quad(t[1], t[3], true),
        quad(t[4], t[6], false),
        quad(t[4], t[6], true),
        quad(t[5], t[7], false),
        quad(t[5], t[7], true),
    ];
    std::array::from_fn(|i| {
        if i < 4 {
            _mm256_permute2f128_ps::<0x20>(s[i], s[i + 4])
        } else {
            _mm256_permute2f128_ps::<0x31>(s[i - 4], s[i])
        }
    })
}

/// No AVX2 outside x86-64: [`serves`] is always false there.
#[cfg(not(target_arch = "x86_64"))]
unsafe fn transpose_lines(_: &mut [f32], _: usize, _: usize, _: *const f32, _: usize) {
    unreachable!("the packed product runs only where AVX2 and FMA were detected")
}

/// One `height × width` tile of the output from a packed strip and panel:
/// `out = (out if add) + scale · Σ_p strip[p] ⊗ panel[p]`. A full tile is written from the registers; an edge tile
/// goes through a buffer with the same arithmetic, so its elements get the same bits.
///
/// # Safety
/// The tile must be inside the destination; the CPU must have AVX2 and FMA.
#[allow(clippy::too_many_arguments)]
#[inline]
unsafe fn tile(
    kc: usize,
    strip: &[f32],
    panel: &[f32],
    out: *mut f32,
    out_rs: usize,
    height: usize,
    width: usize,
    scale: f32,
    add: bool,
) {
    let (a, b) = (strip.as_ptr(), panel.as_ptr());
    if height == MR && width == NR {
        // SAFETY: the CPU has AVX2 and FMA and the tile is inside the destination, as the
        // caller promises; the strip and panel hold kc terms.
        unsafe { kernel_6x16(kc, a, b, out, out_rs, scale, add) };
        return;
    }
    let mut sums = [0f32; MR * NR];
    // SAFETY: as above, into a local 6 × 16 buffer (scale 1 keeps the sums exact).
    unsafe { kernel_6x16(kc, a, b, sums.as_mut_ptr(), NR, 1.0, false) };
    for r in 0..height {
        for c in 0..width {
            // SAFETY: inside the destination tile.
            let d = unsafe { &mut *out.add(r * out_rs + c) };
            let sum = sums[r * NR + c];
            *d = if add {
                scale.mul_add(sum, *d)
            } else {
                scale * sum
            };
        }
    }
}

/// `out[6×16] = (out if add) + scale · Σ_p strip[p·6 .. p·6+6] ⊗ panel[p·16 .. p·16+16]`: twelve
/// 8-lane accumulators, two loads and six broadcasts per term, one fused multiply-add (or
/// product) per element at the end.
///
/// # Safety
/// The CPU must have AVX2 and FMA; `strip` holds `6·kc` and `panel` `16·kc`
/// floats, and `out`'s six rows of sixteen, `out_rs` apart, are writable.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn kernel_6x16(
    kc: usize,
    strip: *const f32,
    panel: *const f32,
    out: *mut f32,
    out_rs: usize,
    scale: f32,
    add: bool,
) {
    use std::arch::x86_64::*;
    // SAFETY: every access is inside the buffers the caller describes.
    unsafe {
        // The destination rows are read (or written) only at the end: ask for them now.
        for r in 0..MR {
            _mm_prefetch::<_MM_HINT_T0>(out.add(r * out_rs).cast());
            _mm_prefetch::<_MM_HINT_T0>(out.add(r * out_rs + NR - 1).cast());
        }
        let mut c = [[_mm256_setzero_ps(); 2]; MR];
        let term = |c: &mut [[__m256; 2]; MR], p: usize| {
            let b0 = _mm256_loadu_ps(panel.add(p * NR));
            let b1 = _mm256_loadu_ps(panel.add(p * NR + 8));
            for (r, row) in c.iter_mut().enumerate() {
                let a = _mm256_broadcast_ss(&*strip.add(p * MR + r));
                row[0] = _mm256_fmadd_ps(a, b0, row[0]);
                row[1] = _mm256_fmadd_ps(a, b1, row[1]);
            }
        };
        // Four terms per pass (fewer loop branches between the multiply-adds), then the rest.
        let whole = kc - kc % 4;
        for p in (0..whole).step_by(4) {
            for q in 0..4 {
                term(&mut c, p + q);
            }
        }
        for p in whole..kc {
            term(&mut c, p);
        }
        let s = _mm256_set1_ps(scale);
        for (r, row) in c.iter().enumerate() {
            let o = out.add(r * out_rs);
            for (h, &sum) in row.iter().enumerate() {
                let v = if add {
                    _mm256_fmadd_ps(s, sum, _mm256_loadu_ps(o.add(8 * h)))
                } else {
                    _mm256_mul_ps(s, sum)
                };
                _mm256_storeu_ps(o.add(8 * h), v);
            }
        }
    }
}

/// No AVX2 outside x86-64: [`serves`] is always false there.
#[cfg(not(target_arch = "x86_64"))]
unsafe fn kernel_6x16(
    _: usize,
    _: *const f32,
    _: *const f32,
    _: *mut f32,
    _: usize,
    _: f32,
    _: bool,
) {
    unreachable!("the packed product runs only where AVX2 and FMA were detected")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic pseudo-random values in [-1, 1).
    fn values(n: usize, seed: u64) -> Vec<f32> {
        let mut state = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
            })
            .collect()
    }

    /// A product's operands in one of the two layouts each side can have.
    struct Case {
        m: usize,
        n: usize,
        k: usize,
        lhs_transposed: bool,
        rhs_transposed: bool,
        a: Vec<f32>,
        b: Vec<f32>,
    }

    impl Case {
        fn new(m: usize, n: usize, k: usize, lhs_transposed: bool, rhs_transposed: bool) -> Self {
            let seed = (m * 31 + n * 7 + k) as u64;
            Self {
                m,
                n,
                k,
                lhs_transposed,
                rhs_transposed,
                a: values(m * k, seed),
                b: values(k * n, seed + 1),
            }
        }

        /// `lhs[i, p]`, stored row-major as `m × k` or as its `k × m` transpose.
        fn lhs(&self) -> Mat {
            if self.lhs_transposed {
                Mat::rows(self.a.as_ptr(), self.m).t()
            } else {
                Mat::rows(self.a.as_ptr(), self.k)
            }
        }

        fn rhs(&self) -> Mat {
            if self.rhs_transposed {
                Mat::rows(self.b.as_ptr(), self.k).t()
            } else {
                Mat::rows(self.b.as_ptr(), self.n)
            }
        }

        /// The shape and layouts, for failure messages.
        fn label(&self) -> String {
            format!(
                "{}×{}×{} (lhs transposed {}, rhs transposed {})",
                self.m, self.n, self.k, self.lhs_transposed, self.rhs_transposed
            )
        }

        fn at(view: Mat, i: usize, j: usize) -> f64 {
            // SAFETY: the tests index inside the operands.
            unsafe { *view.ptr.offset(i as isize * view.rs + j as isize * view.cs) as f64 }
        }

        /// `start + scale · lhs · rhs` in f64.
        fn reference(&self, start: &[f32], scale: f32) -> Vec<f64> {
            let (lhs, rhs) = (self.lhs(), self.rhs());
            let mut out = Vec::with_capacity(self.m * self.n);
            for i in 0..self.m {
                for j in 0..self.n {
                    let dot: f64 = (0..self.k)
                        .map(|p| Self::at(lhs, i, p) * Self::at(rhs, p, j))
                        .sum();
                    out.push(start[i * self.n + j] as f64 + scale as f64 * dot);
                }
            }
            out
        }

        fn run(&self, parallel: bool, start: &[f32], scale: f32, accumulate: bool) -> Vec<f32> {
            let mut out = start.to_vec();
            // SAFETY: the operands and destination have the shapes given; the tests run only
            // where `has_avx2_fma`.
            unsafe {
                product(
                    parallel,
                    self.m,
                    self.n,
                    self.k,
                    out.as_mut_ptr(),
                    self.n,
                    self.lhs(),
                    self.rhs(),
                    scale,
                    accumulate,
                )
            };
            out
        }
    }

    /// Shapes with edge strips and panels, inner dimensions over one block and not a multiple
    /// of 8, and every layout of both operands.
    fn cases() -> Vec<Case> {
        let shapes = [
            (6, 16, 8),
            (7, 17, 9),
            (150, 40, 300),
            (13, 300, 520),
            (40, 33, 257),
        ];
        let mut all = Vec::new();
        for (m, n, k) in shapes {
            for layouts in 0..4 {
                all.push(Case::new(m, n, k, layouts & 1 == 1, layouts & 2 == 2));
            }
        }
        all
    }

    #[test]
    fn products_match_a_double_precision_reference_in_every_layout() {
        if !has_avx2_fma() {
            return;
        }
        for case in cases() {
            let start = values(case.m * case.n, 99);
            let zeros = vec![0f32; start.len()];
            for (accumulate, scale) in [(false, 1.0), (true, 1.0), (true, -0.5), (false, 2.0)] {
                let got = case.run(true, &start, scale, accumulate);
                let base = if accumulate { &start } else { &zeros };
                let want = case.reference(base, scale);
                for (idx, (g, w)) in got.iter().zip(&want).enumerate() {
                    let tolerance = 1e-5 * (case.k as f64).sqrt() * (1.0 + w.abs());
                    assert!(
                        (*g as f64 - w).abs() <= tolerance,
                        "{} element {idx}: {g} against {w}",
                        case.label()
                    );
                }
            }
        }
    }

    #[test]
    fn the_bits_do_not_depend_on_the_thread_count() {
        if !has_avx2_fma() {
            return;
        }
        for case in cases() {
            let start = values(case.m * case.n, 5);
            let serial = case.run(false, &start, 0.75, true);
            for threads in [1, 2, 3] {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                let parallel = pool.install(|| case.run(true, &start, 0.75, true));
                assert!(
                    serial
                        .iter()
                        .zip(&parallel)
                        .all(|(a, b)| a.to_bits() == b.to_bits()),
                    "{} at {threads} threads",
                    case.label()
                );
            }
        }
    }

    #[test]
    fn an_edge_tile_gives_the_bits_of_a_full_one() {
        if !has_avx2_fma() {
            return;
        }
        // The first 7 rows × 20 columns of a 12 × 32 product, computed on their own, are all
        // edge tiles; inside the larger product most of them are in full tiles.
        let (k, big_m, big_n) = (300, 12, 32);
        let a = values(big_m * k, 1);
        let b = values(k * big_n, 2);
        let run = |m: usize, n: usize| {
            let mut out = vec![0f32; m * n];
            // SAFETY: a and b hold the first m rows and n columns asked for.
            unsafe {
                product(
                    false,
                    m,
                    n,
                    k,
                    out.as_mut_ptr(),
                    n,
                    Mat::rows(a.as_ptr(), k),
                    Mat::rows(b.as_ptr(), big_n),
                    1.0,
                    false,
                )
            };
            out
        };
        let big = run(big_m, big_n);
        let small = run(7, 20);
        for i in 0..7 {
            for j in 0..20 {
                assert_eq!(
                    small[i * 20 + j].to_bits(),
                    big[i * big_n + j].to_bits(),
                    "({i}, {j})"
                );
            }
        }
    }

    #[test]
    fn the_register_transpose_is_a_transpose() {
        if !has_avx2_fma() {
            return;
        }
        // 16 lines of 19 terms, 23 apart: two 8 × 8 blocks per pair of line groups, three
        // terms left over.
        let (width, kc, stride) = (16, 19, 23);
        let src = values(width * stride, 3);
        let mut unit = vec![0f32; width * kc];
        // SAFETY: the source holds 16 lines of 23, the unit 16 × 19.
        unsafe { transpose_lines(&mut unit, width, kc, src.as_ptr(), stride) };
        for l in 0..width {
            for p in 0..kc {
                assert_eq!(
                    unit[p * width + l],
                    src[l * stride + p],
                    "line {l}, term {p}"
                );
            }
        }
    }
}
