//! Products of a few rows with a large weight: the projections of a decoding step.
//!
//! A decoding step multiplies one row per sequence of the batch by every weight matrix, so
//! its cost is one pass over the weights and its speed is the memory's. gemm is built for many
//! rows: with one row it spends most of a 0.5b decoding step in its packing and vector
//! set-up code (`perf`: 98 % of the step in gemm's `vectorize` routines, 7 tok/s on two
//! cores). Here the weight is read once, in fixed blocks of output columns that the threads
//! share: an `[in, out]` weight row by row, each scaled by the input and added into the
//! block; an `[out, in]` table (the tied output head) four dot products at a time (one sum per
//! row would wait on its own additions: 11.8 against 20.7 GiB/s in the `fused` bench). Each output
//! is summed over the inner dimension in a fixed order: the `[in, out]` form in fixed chunks
//! of inputs whose partial sums are then added in input order. Tasks are cut by these fixed
//! sizes, so the result does not depend on the thread count.

use rayon::prelude::*;

use super::lanes::{axpy_block, dot, dot4};
use super::linear::{PARALLEL_WORK, WeightLayout};

/// Rows up to which a product takes this path rather than gemm.
pub(crate) const GEMV_ROWS: usize = 4;

/// Weight elements from which an `[in, out]` product does (2 MiB of f32). The path pays where
/// a step streams its weights from memory. A small model's weights stay in the cache between
/// steps, and there gemm's one-row kernel is as fast. On two cores, `0.5b` decoded at 9.3
/// tok/s with only its 4M-element weights on this path and 9.8 with its 896 × 896 ones too;
/// `tiny`'s largest projection (256 × 704) stays below the cut.
const GEMV_WEIGHT: usize = 1 << 19;

/// Elements from which an `[out, in]` table does (16 MiB of f32): with rows as short as
/// `tiny`'s 256, the four sums' final lane additions weigh, and its 8192 × 256 output head
/// decoded at about 850 tok/s on this path against 1,130–1,230 through gemm.
const GEMV_TABLE: usize = 1 << 22;

/// Whether `rows` rows (at least one) times a `d_in × d_out` weight in `layout` take [`gemv`].
pub(crate) fn takes_gemv(rows: usize, d_in: usize, d_out: usize, layout: WeightLayout) -> bool {
    let from = match layout {
        WeightLayout::InOut => GEMV_WEIGHT,
        WeightLayout::OutIn => GEMV_TABLE,
    };
    (1..=GEMV_ROWS).contains(&rows) && d_in.saturating_mul(d_out) >= from
}

/// Output columns per task of an `[in, out]` weight (2 KiB of each weight row).
const COLUMNS: usize = 512;

/// Inputs per task of an `[in, out]` weight: a task sums a part of the inner dimension, so
/// that a narrow weight (896 or 128 columns) still spreads over the threads.
const INPUTS: usize = 256;

/// Outputs per task of an `[out, in]` table.
const TABLE_ROWS: usize = 256;

/// `task(0..count)` in order: on the thread pool when the product has at least
/// [`PARALLEL_WORK`] multiply-adds, on this thread otherwise (waking the pool costs more than
/// a small model's projection). The tasks are the same either way.
fn tasks(
    count: usize,
    work: usize,
    task: impl Fn(usize) -> Vec<f32> + Sync + Send,
) -> Vec<Vec<f32>> {
    if work >= PARALLEL_WORK {
        (0..count).into_par_iter().map(task).collect()
    } else {
        (0..count).map(task).collect()
    }
}

/// Adds `block` (`rows` rows of one width, row-major) into the columns from `c0` on of `out`
/// (`rows` rows of the full width).
fn add_block(out: &mut [f32], block: &[f32], rows: usize, c0: usize) {
    let (d_out, width) = (out.len() / rows, block.len() / rows);
    for (o, part) in out.chunks_exact_mut(d_out).zip(block.chunks_exact(width)) {
        o[c0..c0 + width]
            .iter_mut()
            .zip(part)
            .for_each(|(o, &p)| *o += p);
    }
}

/// `x · W + b` for the `rows` rows of `x` (`rows × d_in`, row-major), with `weight` of
/// `d_in × d_out` elements in `layout` and `bias` of `d_out`: `rows × d_out`, row-major.
pub(crate) fn gemv(
    x: &[f32],
    weight: &[f32],
    bias: Option<&[f32]>,
    layout: WeightLayout,
    d_in: usize,
    d_out: usize,
) -> Vec<f32> {
    let rows = x.len() / d_in.max(1);
    let mut out = match bias {
        Some(bias) => bias.repeat(rows),
        None => vec![0.0; rows * d_out],
    };
    match layout {
        WeightLayout::InOut => {
            // Tasks are (column block, input chunk) pairs; each writes its partial sums, which
            // are then added to the bias chunk by chunk in input order.
            let blocks = d_out.div_ceil(COLUMNS);
            let chunks = d_in.div_ceil(INPUTS);
            let partials = tasks(blocks * chunks, rows * d_in * d_out, |task| {
                let (b, chunk) = (task / chunks, task % chunks);
                let (c0, c1) = (b * COLUMNS, ((b + 1) * COLUMNS).min(d_out));
                let inputs = chunk * INPUTS..((chunk + 1) * INPUTS).min(d_in);
                let mut acc = vec![0.0; rows * (c1 - c0)];
                axpy_block(&mut acc, x, d_in, &weight[c0..], d_out, inputs);
                acc
            });
            for (task, part) in partials.iter().enumerate() {
                add_block(&mut out, part, rows, task / chunks * COLUMNS);
            }
        }
        WeightLayout::OutIn => {
            let blocks = tasks(d_out.div_ceil(TABLE_ROWS), rows * d_in * d_out, |b| {
                let table =
                    &weight[b * TABLE_ROWS * d_in..((b + 1) * TABLE_ROWS).min(d_out) * d_in];
                let n = table.len() / d_in;
                let mut block = vec![0.0; rows * n];
                let mut quads = table.chunks_exact(4 * d_in);
                for (q, four) in (&mut quads).enumerate() {
                    let e = |i: usize| &four[i * d_in..(i + 1) * d_in];
                    for (r, xr) in x.chunks_exact(d_in).enumerate() {
                        let sums = dot4(xr, [e(0), e(1), e(2), e(3)]);
                        block[r * n + 4 * q..r * n + 4 * q + 4].copy_from_slice(&sums);
                    }
                }
                let done = n - quads.remainder().len() / d_in;
                for (j, e) in quads.remainder().chunks_exact(d_in).enumerate() {
                    for (r, xr) in x.chunks_exact(d_in).enumerate() {
                        block[r * n + done + j] = dot(xr, e);
                    }
                }
                block
            });
            for (b, block) in blocks.iter().enumerate() {
                add_block(&mut out, block, rows, b * TABLE_ROWS);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{GEMV_ROWS, gemv};
    use crate::fused::linear::WeightLayout;
    use crate::fused::test_support::assert_close;

    fn random(n: usize, seed: u32) -> Vec<f32> {
        (0..n as u32)
            .map(|i| ((i.wrapping_mul(2_654_435_761) ^ seed) % 1000) as f32 / 500.0 - 1.0)
            .collect()
    }

    /// `x · W + b` summed in f64, the reference.
    fn reference(
        x: &[f32],
        w: &[f32],
        b: Option<&[f32]>,
        layout: WeightLayout,
        d_in: usize,
        d_out: usize,
    ) -> Vec<f32> {
        let rows = x.len() / d_in;
        let mut out = Vec::new();
        for r in 0..rows {
            for c in 0..d_out {
                let mut s = b.map_or(0.0, |b| b[c] as f64);
                for k in 0..d_in {
                    let wv = match layout {
                        WeightLayout::InOut => w[k * d_out + c],
                        WeightLayout::OutIn => w[c * d_in + k],
                    };
                    s += x[r * d_in + k] as f64 * wv as f64;
                }
                out.push(s as f32);
            }
        }
        out
    }

    #[test]
    fn few_row_products_match_a_reference_in_both_layouts() {
        // Widths that leave a partial last block, with and without bias, 1 to GEMV_ROWS rows.
        for (d_in, d_out) in [(37, 600), (300, 257), (64, 5)] {
            for rows in [1, 2, GEMV_ROWS] {
                let x = random(rows * d_in, 1);
                let w = random(d_in * d_out, 2);
                let b = random(d_out, 3);
                for layout in [WeightLayout::InOut, WeightLayout::OutIn] {
                    for bias in [None, Some(b.as_slice())] {
                        let got = gemv(&x, &w, bias, layout, d_in, d_out);
                        let want = reference(&x, &w, bias, layout, d_in, d_out);
                        assert_close(
                            &format!("{layout:?} {rows}×{d_in}×{d_out}"),
                            &got,
                            &want,
                            1e-5,
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn rows_are_computed_as_if_alone() {
        // A row's outputs do not depend on the other rows of the batch.
        let (d_in, d_out) = (96, 520);
        let x = random(3 * d_in, 4);
        let w = random(d_in * d_out, 5);
        for layout in [WeightLayout::InOut, WeightLayout::OutIn] {
            let all = gemv(&x, &w, None, layout, d_in, d_out);
            for r in 0..3 {
                let alone = gemv(&x[r * d_in..(r + 1) * d_in], &w, None, layout, d_in, d_out);
                assert_eq!(alone, all[r * d_out..(r + 1) * d_out], "{layout:?} row {r}");
            }
        }
    }
}
