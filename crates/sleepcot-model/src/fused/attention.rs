//! Grouped-query scaled dot-product attention, fused: `softmax(q·kᵀ/√d + bias)·v`.
//!
//! The composed form transposes the heads to the front (a copy), materialises the scores,
//! scales them, adds the mask and runs a five-pass softmax, each a single-threaded pass over
//! `batch · heads · seq · keys` floats, and the backward pass doubles that. The fused form reads
//! the projections where they are (`[batch, seq, heads, head_dim]`, strided views for the
//! matrix products), runs one task per (sequence, head) that computes the scores, the masked
//! softmax in place and the product with the values, and writes the output straight into the
//! `[batch, seq, heads, head_dim]` layout that the output projection reads. The backward pass
//! runs one task per (sequence, key/value head), so that the gradients of the key and value
//! heads that a group of query heads shares are summed within one task, in head order.

use burn::backend::Flex;
use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops};
use burn::tensor::activation::softmax;
use burn::tensor::backend::Backend;
use burn::tensor::{DType, Tensor};
use burn_flex::FlexTensor;

use super::gemm::{Mat, product};
use super::lanes;
use super::route::{
    CpuRoute, Shared, buffer, contiguous, for_each_task, record, retype, tracked_input, wrap,
};
use crate::cast::to_dtype;

/// `softmax(q·kᵀ/√head_dim + bias)·v`, with `q: [batch, seq, heads, head_dim]` and
/// `k, v: [batch, keys, kv_heads, head_dim]` in the projections' layout (query head `h` reads
/// key/value head `h / (heads / kv_heads)`), and `bias` an additive mask
/// `[batch or 1, 1, 1, seq, keys]` (0 where a key is visible, a large negative value where
/// not). Returns `[batch, seq, heads, head_dim]`. Fused on the CPU backend for f32 inputs;
/// [`composed_attention`] elsewhere.
pub fn attention<B: Backend>(
    q: Tensor<B, 4>,
    k: Tensor<B, 4>,
    v: Tensor<B, 4>,
    bias: Option<&Tensor<B, 5>>,
) -> Tensor<B, 4> {
    match route(&q, &k, &v, bias, PROJECTION_AXES) {
        CpuRoute::Composed => composed_attention(q, k, v, bias),
        CpuRoute::Plain => plain(q, k, v, bias, PROJECTION_AXES),
        CpuRoute::Tracked => {
            let bias = bias.map(|b| retype::<B, Autodiff<Flex>, 5>(b.clone()).inner());
            retype::<Autodiff<Flex>, B, 4>(tracked(
                retype::<B, Autodiff<Flex>, 4>(q),
                retype::<B, Autodiff<Flex>, 4>(k),
                retype::<B, Autodiff<Flex>, 4>(v),
                bias.map(buffer),
            ))
        }
    }
}

/// The route for these inputs, whose keys and values have their (batch, key, head, width) axes
/// at `axes`: [`CpuRoute::of`] the dtypes when the shapes [`fits`], the composed form otherwise.
fn route<B: Backend>(
    q: &Tensor<B, 4>,
    k: &Tensor<B, 4>,
    v: &Tensor<B, 4>,
    bias: Option<&Tensor<B, 5>>,
    axes: [usize; 4],
) -> CpuRoute {
    let (k_dims, v_dims) = (
        in_projection_order(k.dims(), axes),
        in_projection_order(v.dims(), axes),
    );
    if !fits(q.dims(), k_dims, v_dims, bias.map(|b| b.dims())) {
        return CpuRoute::Composed;
    }
    let mut dtypes = vec![q.dtype(), k.dtype(), v.dtype()];
    dtypes.extend(bias.map(|b| b.dtype()));
    CpuRoute::of::<B>(&dtypes)
}

/// `dims` of keys or values whose (batch, key, head, width) axes are at `axes`, in the
/// projections' order.
fn in_projection_order(dims: [usize; 4], axes: [usize; 4]) -> [usize; 4] {
    axes.map(|axis| dims[axis])
}

/// Whether the shapes are ones the fused kernel handles: no empty axis, query heads a multiple
/// of the key/value heads, `k` and `v` alike and matching `q`'s batch and head width, and a
/// bias of `[batch or 1, 1, 1, seq, keys]`. `q`, `k` and `v` are given in the projections'
/// axis order. Anything else goes to the composed form, which reports what does not fit.
fn fits(q: [usize; 4], k: [usize; 4], v: [usize; 4], bias: Option<[usize; 5]>) -> bool {
    let [batch, seq, heads, d] = q;
    let [kb, keys, kv, kd] = k;
    let bias_fits = bias.is_none_or(|[rows, one, also_one, bs, bk]| {
        (rows == 1 || rows == batch) && one == 1 && also_one == 1 && bs == seq && bk == keys
    });
    [batch, seq, heads, d, keys, kv].iter().all(|&n| n > 0)
        && heads % kv == 0
        && kb == batch
        && kd == d
        && v == k
        && bias_fits
}

/// [`attention`] over a KV cache, whose keys and values are head-major
/// (`k, v: [batch, kv_heads, keys, head_dim]`, typically views of the cache up to the current
/// position); `q` is in the projections' layout and the result is `[batch, seq, heads,
/// head_dim]`. Fused on the CPU backend without autodiff (generation), reading the cache in
/// place; [`grouped_attention`] elsewhere.
pub fn cached_attention<B: Backend>(
    q: Tensor<B, 4>,
    k: Tensor<B, 4>,
    v: Tensor<B, 4>,
    bias: Option<&Tensor<B, 5>>,
) -> Tensor<B, 4> {
    if route(&q, &k, &v, bias, HEAD_MAJOR_AXES) == CpuRoute::Plain {
        plain(q, k, v, bias, HEAD_MAJOR_AXES)
    } else {
        grouped_attention(q.swap_dims(1, 2), k, v, bias)
    }
}

/// The fused forward pass alone, on `Flex` (the caller has checked the route and the shapes),
/// with `k` and `v` read in place with their axes at `axes`.
fn plain<B: Backend>(
    q: Tensor<B, 4>,
    k: Tensor<B, 4>,
    v: Tensor<B, 4>,
    bias: Option<&Tensor<B, 5>>,
    axes: [usize; 4],
) -> Tensor<B, 4> {
    let shape = Shape::of(q.dims(), in_projection_order(k.dims(), axes));
    let bias = bias.map(|b| buffer(retype::<B, Flex, 5>(b.clone())));
    let (k, v) = (
        retype::<B, Flex, 4>(k).into_primitive().tensor(),
        retype::<B, Flex, 4>(v).into_primitive().tensor(),
    );
    let (mut k_copy, mut v_copy) = (None, None);
    let (out, _) = forward(
        &buffer(retype::<B, Flex, 4>(q)),
        Heads::of(&k, axes, &mut k_copy),
        Heads::of(&v, axes, &mut v_copy),
        bias.as_ref(),
        shape,
        false,
    );
    retype::<Flex, B, 4>(wrap(out))
}

/// [`attention`] from tensor operations, for backends without the fused kernel.
pub fn composed_attention<B: Backend>(
    q: Tensor<B, 4>,
    k: Tensor<B, 4>,
    v: Tensor<B, 4>,
    bias: Option<&Tensor<B, 5>>,
) -> Tensor<B, 4> {
    grouped_attention(
        q.swap_dims(1, 2),
        k.swap_dims(1, 2),
        v.swap_dims(1, 2),
        bias,
    )
}

/// The composed attention on head-major tensors (`q: [batch, heads, seq, head_dim]`,
/// `k, v: [batch, kv_heads, keys, head_dim]`, as the KV cache stores them); returns
/// `[batch, seq, heads, head_dim]`.
///
/// Key/value heads are never repeated: the queries of the heads that share one key/value head
/// are folded into the sequence axis (`[batch, kv_heads, groups · seq, head_dim]`), so one
/// batched matmul per key/value head serves the whole group.
pub fn grouped_attention<B: Backend>(
    q: Tensor<B, 4>,
    k: Tensor<B, 4>,
    v: Tensor<B, 4>,
    bias: Option<&Tensor<B, 5>>,
) -> Tensor<B, 4> {
    let [batch, heads, seq, d] = q.dims();
    let kv = k.dims()[1];
    let keys = k.dims()[2];
    let groups = heads / kv;
    let q = q.reshape([batch, kv, groups * seq, d]);
    let scores = q
        .matmul(k.swap_dims(2, 3))
        .mul_scalar(1.0 / (d as f64).sqrt());
    let dtype = scores.dtype();
    let scores = to_dtype(scores, DType::F32);
    let scores =
        match bias {
            // One bias for every row (causal masking only): each head's score block gets the same
            // `[seq, keys]` row added, as one flat row broadcast down a 2-D view.
            Some(bias) if bias.dims()[0] == 1 => (scores
                .reshape([batch * kv * groups, seq * keys])
                + bias.clone().reshape([1, seq * keys]))
            .reshape([batch, kv, groups * seq, keys]),
            Some(bias) => (scores.reshape([batch, kv, groups, seq, keys]) + bias.clone())
                .reshape([batch, kv, groups * seq, keys]),
            None => scores,
        };
    to_dtype(softmax(scores, 3), dtype)
        .matmul(v)
        .reshape([batch, heads, seq, d])
        .swap_dims(1, 2)
}

/// The sizes of one attention call.
#[derive(Debug, Clone, Copy)]
struct Shape {
    batch: usize,
    seq: usize,
    keys: usize,
    heads: usize,
    kv_heads: usize,
    head_dim: usize,
}

impl Shape {
    /// The sizes from the dims of `q` and of `k` in the projections' axis order.
    fn of(q: [usize; 4], k: [usize; 4]) -> Self {
        let [batch, seq, heads, head_dim] = q;
        let [_, keys, kv_heads, _] = k;
        Self {
            batch,
            seq,
            keys,
            heads,
            kv_heads,
            head_dim,
        }
    }

    fn groups(&self) -> usize {
        self.heads / self.kv_heads
    }

    fn scale(&self) -> f32 {
        1.0 / (self.head_dim as f32).sqrt()
    }

    /// Multiply-adds of the forward pass (the scores and their product with the values).
    fn work(&self) -> usize {
        2 * self.batch * self.heads * self.block() * self.head_dim
    }

    /// Elements of one score matrix.
    fn block(&self) -> usize {
        self.seq * self.keys
    }

    /// Row strides of the query/output and key/value layouts.
    fn q_stride(&self) -> usize {
        self.heads * self.head_dim
    }

    fn kv_stride(&self) -> usize {
        self.kv_heads * self.head_dim
    }

    /// Offset of query head `h` of sequence `b` in a `[batch, seq, heads, head_dim]` buffer.
    fn q_at(&self, b: usize, h: usize) -> usize {
        b * self.seq * self.q_stride() + h * self.head_dim
    }

    /// Offset of key/value head `g` of sequence `b` in a `[batch, keys, kv_heads, head_dim]`
    /// buffer.
    fn kv_at(&self, b: usize, g: usize) -> usize {
        b * self.keys * self.kv_stride() + g * self.head_dim
    }
}

/// Keys or values as strided heads: element `(b, t, g, j)` (sequence `b`, key `t`, key/value
/// head `g`, width `j`) at `data[offset + b·batch + t·row + g·head + j]`. The projections'
/// layout `[batch, keys, kv_heads, head_dim]` and the KV cache's head-major
/// `[batch, kv_heads, keys, head_dim]` views are both read in place.
#[derive(Clone, Copy)]
struct Heads<'a> {
    data: &'a [f32],
    offset: usize,
    batch: usize,
    row: usize,
    head: usize,
}

/// The axis positions of (batch, key, head, width) in the projections' layout.
const PROJECTION_AXES: [usize; 4] = [0, 1, 2, 3];
/// The axis positions of (batch, key, head, width) in the KV cache's head-major layout.
const HEAD_MAJOR_AXES: [usize; 4] = [0, 2, 1, 3];

impl<'a> Heads<'a> {
    /// `tensor` read in place with its axes at `axes`, when its strides allow that (none
    /// negative, adjacent elements within a head); otherwise `copy` receives a contiguous copy,
    /// which is read instead.
    fn of(tensor: &'a FlexTensor, axes: [usize; 4], copy: &'a mut Option<FlexTensor>) -> Self {
        let strides = tensor.layout().strides();
        let [b, t, g, j] = axes.map(|axis| strides[axis]);
        if j == 1 && b >= 0 && t >= 0 && g >= 0 {
            return Self {
                data: tensor.storage::<f32>(),
                offset: tensor.layout().start_offset(),
                batch: b as usize,
                row: t as usize,
                head: g as usize,
            };
        }
        let copied = copy.insert(contiguous(tensor));
        let dims = copied.layout().shape().clone();
        let dims = [dims[0], dims[1], dims[2], dims[3]];
        // Row-major strides of the copy, in the order of its own axes.
        let strides = [dims[1] * dims[2] * dims[3], dims[2] * dims[3], dims[3], 1];
        Self {
            data: copied.storage::<f32>(),
            offset: 0,
            batch: strides[axes[0]],
            row: strides[axes[1]],
            head: strides[axes[2]],
        }
    }

    /// Head `g` of sequence `b` as a `keys × head_dim` matrix.
    fn mat(&self, b: usize, g: usize) -> Mat {
        Mat::rows(
            self.data[self.offset + b * self.batch + g * self.head..].as_ptr(),
            self.row,
        )
    }
}

/// The output `[batch, seq, heads, head_dim]` and, when `keep` is set (for the backward pass),
/// the attention probabilities `[batch, heads, seq, keys]`. `q` is contiguous in the
/// projections' layout.
fn forward(
    q: &FlexTensor,
    k: Heads,
    v: Heads,
    bias: Option<&FlexTensor>,
    s: Shape,
    keep: bool,
) -> (FlexTensor, Option<Vec<f32>>) {
    let q = q.storage::<f32>();
    let bias = bias.map(|b| b.storage::<f32>());
    let bias_rows = bias.map_or(1, |b| b.len() / s.block());
    let out_len = s.batch * s.seq * s.q_stride();
    let probs_len = if keep {
        s.batch * s.heads * s.block()
    } else {
        0
    };
    // Both buffers are written in full by the tasks below, so they are not zero-filled first.
    let mut out: Vec<f32> = Vec::with_capacity(out_len);
    let mut probs: Vec<f32> = Vec::with_capacity(probs_len);
    let (out_ptr, probs_ptr) = (Shared(out.as_mut_ptr()), Shared(probs.as_mut_ptr()));
    let reach = Reach::of(bias, bias_rows, s);
    for_each_task(s.batch * s.heads, s.work(), |task| {
        let (b, h) = (task / s.heads, task % s.heads);
        let g = h / s.groups();
        let qm = Mat::rows(q[s.q_at(b, h)..].as_ptr(), s.q_stride());
        let (km, vm) = (k.mat(b, g), v.mat(b, g));
        // Without `keep`, the task's scores live in its own scratch block.
        let mut scratch: Vec<f32> = Vec::with_capacity(if keep { 0 } else { s.block() });
        let p = if keep {
            probs_ptr.at(task * s.block())
        } else {
            scratch.as_mut_ptr()
        };
        let mask = bias.map(|all| {
            let row = if bias_rows == 1 { 0 } else { b };
            &all[row * s.block()..(row + 1) * s.block()]
        });
        for tile in reach.tiles(b) {
            let (rows, n) = (tile.rows(), tile.keys);
            // SAFETY: task `(b, h)` alone writes score block `task` (or its scratch block) and
            // the output elements of head `h` of sequence `b`; the views stay inside their
            // buffers (the tile's rows, and its first `n` keys).
            unsafe {
                let pt = p.add(tile.start * s.keys);
                product(
                    rows,
                    n,
                    s.head_dim,
                    pt,
                    s.keys,
                    qm.down(tile.start),
                    km.t(),
                    s.scale(),
                    false,
                );
                let scores = std::slice::from_raw_parts_mut(pt, rows * s.keys);
                for (i, row) in scores.chunks_exact_mut(s.keys).enumerate() {
                    let (seen, hidden) = row.split_at_mut(n);
                    if let Some(mask) = mask {
                        let m = &mask[(tile.start + i) * s.keys..][..n];
                        seen.iter_mut().zip(m).for_each(|(x, &m)| *x += m);
                    }
                    softmax_row(seen);
                    // Keys past the tile's reach get probability 0, as the mask gives them.
                    hidden.fill(0.0);
                }
                let pm = Mat::rows(pt, s.keys);
                let o = out_ptr.at(s.q_at(b, h) + tile.start * s.q_stride());
                product(rows, s.head_dim, n, o, s.q_stride(), pm, vm, 1.0, false);
            }
        }
    });
    // SAFETY: the tasks above wrote every element of both buffers (each task one head's
    // `seq × head_dim` output elements, and with `keep` one score block; these tile the
    // buffers).
    unsafe {
        out.set_len(out_len);
        probs.set_len(probs_len);
    }
    let out = FlexTensor::from_data(burn::tensor::TensorData::new(
        out,
        [s.batch, s.seq, s.heads, s.head_dim],
    ));
    (out, keep.then_some(probs))
}

/// Query rows per tile of a score block.
const TILE: usize = 64;

/// A band of query rows `start..end` whose scores need only the first `keys` keys: past them
/// every key is masked for every row of the band.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Tile {
    start: usize,
    end: usize,
    keys: usize,
}

impl Tile {
    fn rows(&self) -> usize {
        self.end - self.start
    }
}

/// How far each band of query rows reaches into the keys, per mask row.
///
/// Under a causal mask row `i` sees keys `0..=i` (plus the cached ones), so the rows of a band
/// of [`TILE`] rows need only a prefix of the score block: the products and the softmax skip
/// the rest, about a third of a training sequence's attention. A masked score's probability is
/// exactly 0 in f32 (`exp` of about `MASKED`), so skipping it changes no probability; a row
/// with no visible key at all keeps the whole block, as the composed form computes it.
struct Reach {
    bands: Vec<Vec<Tile>>,
}

impl Reach {
    fn of(bias: Option<&[f32]>, bias_rows: usize, s: Shape) -> Self {
        let Some(bias) = bias else {
            let whole = Tile {
                start: 0,
                end: s.seq,
                keys: s.keys,
            };
            return Self {
                bands: vec![vec![whole]],
            };
        };
        let visible = |m: f32| m > crate::kv_cache::MASKED / 2.0;
        let row_reach = |mask: &[f32]| {
            mask.iter()
                .rposition(|&m| visible(m))
                .map_or(s.keys, |last| last + 1)
        };
        let bands = (0..bias_rows)
            .map(|r| {
                let block = &bias[r * s.block()..(r + 1) * s.block()];
                let mut tiles: Vec<Tile> = Vec::new();
                for start in (0..s.seq).step_by(TILE) {
                    let end = (start + TILE).min(s.seq);
                    let keys = (start..end)
                        .map(|i| row_reach(&block[i * s.keys..(i + 1) * s.keys]))
                        .max()
                        .unwrap_or(s.keys);
                    match tiles.last_mut() {
                        // Neighbouring bands that reach equally far are one product.
                        Some(last) if last.keys == keys => last.end = end,
                        _ => tiles.push(Tile { start, end, keys }),
                    }
                }
                tiles
            })
            .collect();
        Self { bands }
    }

    /// The tiles of sequence `b`.
    fn tiles(&self, b: usize) -> &[Tile] {
        &self.bands[if self.bands.len() == 1 { 0 } else { b }]
    }
}

/// In-place softmax of one row.
fn softmax_row(row: &mut [f32]) {
    let max = lanes::max(row);
    let sum = lanes::exp_in_place(row, max);
    lanes::scale(row, 1.0 / sum);
}

/// The gradients of `q`, `k` and `v` given the output's gradient `dout`.
fn backward(state: &State, dout: &FlexTensor) -> [FlexTensor; 3] {
    let s = state.shape;
    let (q, k, v) = (
        state.q.storage::<f32>(),
        state.k.storage::<f32>(),
        state.v.storage::<f32>(),
    );
    let dout = dout.storage::<f32>();
    let probs = &state.probs;
    let q_len = s.batch * s.seq * s.q_stride();
    let kv_len = s.batch * s.keys * s.kv_stride();
    // The key and value gradients are sums over tiles and heads, so they start at zero.
    let (mut dq, mut dk, mut dv): (Vec<f32>, Vec<f32>, Vec<f32>) = (
        Vec::with_capacity(q_len),
        vec![0.0; kv_len],
        vec![0.0; kv_len],
    );
    let (dq_ptr, dk_ptr, dv_ptr) = (
        Shared(dq.as_mut_ptr()),
        Shared(dk.as_mut_ptr()),
        Shared(dv.as_mut_ptr()),
    );
    let reach = Reach::of(
        state.bias.as_ref().map(|b| b.storage::<f32>()),
        state.bias_rows,
        s,
    );
    for_each_task(s.batch * s.kv_heads, 2 * s.work(), |task| {
        let (b, g) = (task / s.kv_heads, task % s.kv_heads);
        let km = Mat::rows(k[s.kv_at(b, g)..].as_ptr(), s.kv_stride());
        let vm = Mat::rows(v[s.kv_at(b, g)..].as_ptr(), s.kv_stride());
        let (dk_at, dv_at) = (dk_ptr.at(s.kv_at(b, g)), dv_ptr.at(s.kv_at(b, g)));
        let mut ds = vec![0.0f32; s.block()];
        for j in 0..s.groups() {
            let h = g * s.groups() + j;
            let qm = Mat::rows(q[s.q_at(b, h)..].as_ptr(), s.q_stride());
            let dom = Mat::rows(dout[s.q_at(b, h)..].as_ptr(), s.q_stride());
            let p = &probs[(b * s.heads + h) * s.block()..][..s.block()];
            for tile in reach.tiles(b) {
                let (rows, n, at) = (tile.rows(), tile.keys, tile.start * s.keys);
                let pm = Mat::rows(p[at..].as_ptr(), s.keys);
                let (dot_m, q_t) = (dom.down(tile.start), qm.down(tile.start));
                // Keys a tile does not reach have probability 0: they get no gradient from it.
                // SAFETY: task `(b, g)` alone writes the key/value gradients of head `g` of
                // sequence `b` and the query gradients of the heads of its group; `ds` is its
                // own; the views stay inside the tile's rows and its first `n` keys.
                unsafe {
                    // dP = dO·Vᵀ, then dS = P ⊙ (dP − rowsum(dP ⊙ P)) / √d in place.
                    let dsp = ds.as_mut_ptr().add(at);
                    product(rows, n, s.head_dim, dsp, s.keys, dot_m, vm.t(), 1.0, false);
                    // dV += Pᵀ·dO.
                    product(
                        n,
                        s.head_dim,
                        rows,
                        dv_at,
                        s.kv_stride(),
                        pm.t(),
                        dot_m,
                        1.0,
                        true,
                    );
                }
                let tile_ds = ds[at..][..rows * s.keys].chunks_exact_mut(s.keys);
                for (drow, prow) in tile_ds.zip(p[at..].chunks_exact(s.keys)) {
                    let (drow, prow) = (&mut drow[..n], &prow[..n]);
                    let dot = lanes::dot(drow, prow);
                    drow.iter_mut()
                        .zip(prow)
                        .for_each(|(d, &p)| *d = p * (*d - dot) * s.scale());
                }
                let dsm = Mat::rows(ds[at..].as_ptr(), s.keys);
                // SAFETY: as above.
                unsafe {
                    // dQ = dS·K; dK += dSᵀ·Q.
                    let dq_at = dq_ptr.at(s.q_at(b, h) + tile.start * s.q_stride());
                    product(
                        rows,
                        s.head_dim,
                        n,
                        dq_at,
                        s.q_stride(),
                        dsm,
                        km,
                        1.0,
                        false,
                    );
                    product(
                        n,
                        s.head_dim,
                        rows,
                        dk_at,
                        s.kv_stride(),
                        dsm.t(),
                        q_t,
                        1.0,
                        true,
                    );
                }
            }
        }
    });
    // SAFETY: every query head's gradient was written, tile by tile (the tiles cover all its
    // rows), by the task of its key/value head; `dk` and `dv` were initialised.
    unsafe { dq.set_len(q_len) };
    let tensor = |data: Vec<f32>, rows: usize, heads: usize| {
        FlexTensor::from_data(burn::tensor::TensorData::new(
            data,
            [s.batch, rows, heads, s.head_dim],
        ))
    };
    [
        tensor(dq, s.seq, s.heads),
        tensor(dk, s.keys, s.kv_heads),
        tensor(dv, s.keys, s.kv_heads),
    ]
}

/// What the backward pass needs: the inputs and the probabilities.
#[derive(Debug, Clone)]
struct State {
    q: FlexTensor,
    k: FlexTensor,
    v: FlexTensor,
    probs: Vec<f32>,
    /// The additive mask and its number of rows (1, or one per sequence).
    bias: Option<FlexTensor>,
    bias_rows: usize,
    shape: Shape,
}

#[derive(Debug)]
struct AttentionBackward;

impl Backward<Flex, 3> for AttentionBackward {
    type State = State;

    fn backward(self, ops: Ops<State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let dout = contiguous(&grads.consume::<Flex>(&ops.node));
        let [dq, dk, dv] = backward(&ops.state, &dout);
        let [pq, pk, pv] = ops.parents;
        for (parent, grad) in [(pq, dq), (pk, dk), (pv, dv)] {
            if let Some(node) = parent {
                grads.register::<Flex>(node.id, grad);
            }
        }
    }
}

/// The autodiff node around [`forward`].
fn tracked(
    q: Tensor<Autodiff<Flex>, 4>,
    k: Tensor<Autodiff<Flex>, 4>,
    v: Tensor<Autodiff<Flex>, 4>,
    bias: Option<FlexTensor>,
) -> Tensor<Autodiff<Flex>, 4> {
    let shape = Shape::of(q.dims(), k.dims());
    let ((q, qc), (k, kc), (v, vc)) = (tracked_input(q), tracked_input(k), tracked_input(v));
    let (mut k_copy, mut v_copy) = (None, None);
    let (out, probs) = forward(
        &qc,
        Heads::of(&kc, PROJECTION_AXES, &mut k_copy),
        Heads::of(&vc, PROJECTION_AXES, &mut v_copy),
        bias.as_ref(),
        shape,
        true,
    );
    let bias_rows = bias
        .as_ref()
        .map_or(1, |b| b.storage::<f32>().len() / shape.block());
    let state = State {
        q: qc,
        k: kc,
        v: vc,
        probs: probs.unwrap_or_default(),
        bias,
        bias_rows,
        shape,
    };
    record(AttentionBackward, [&q, &k, &v], state, out)
}

#[cfg(test)]
mod tests {
    use burn::backend::{Autodiff, Flex};
    use burn::tensor::{Distribution, Tensor, TensorData};

    use super::{attention, cached_attention, composed_attention, fits, grouped_attention};
    use crate::fused::test_support::{assert_close, values};

    type Ad = Autodiff<Flex>;

    /// A causal bias `[1, 1, 1, seq, keys]` (the last `seq` keys are the queries' own
    /// positions), or per sequence with its first `pad[b]` keys hidden too.
    fn bias(seq: usize, keys: usize, pad: Option<&[usize]>) -> Tensor<Flex, 5> {
        let rows = pad.map_or(1, |p| p.len());
        let mut data = Vec::with_capacity(rows * seq * keys);
        for b in 0..rows {
            for i in 0..seq {
                for j in 0..keys {
                    let hidden = j > keys - seq + i || pad.is_some_and(|p| j < p[b]);
                    data.push(if hidden { -1.0e9 } else { 0.0 });
                }
            }
        }
        Tensor::from_data(
            TensorData::new(data, [rows, 1, 1, seq, keys]),
            &Default::default(),
        )
    }

    /// Runs the fused and the composed forms on the same inputs and compares values and the
    /// gradients of q, k and v.
    fn compare(batch: usize, seq: usize, heads: usize, kv: usize, d: usize, pad: Option<&[usize]>) {
        let device = Default::default();
        let random = |dims: [usize; 4]| {
            values(Tensor::<Flex, 4>::random(
                dims,
                Distribution::Normal(0.0, 1.5),
                &device,
            ))
        };
        let (qv, kv_, vv) = (
            random([batch, seq, heads, d]),
            random([batch, seq, kv, d]),
            random([batch, seq, kv, d]),
        );
        let bias_flex = bias(seq, seq, pad);
        let leaf = |data: &Vec<f32>, h: usize| {
            Tensor::<Ad, 4>::from_data(TensorData::new(data.clone(), [batch, seq, h, d]), &device)
                .require_grad()
        };
        let run = |fused: bool| {
            let (q, k, v) = (leaf(&qv, heads), leaf(&kv_, kv), leaf(&vv, kv));
            let b = Tensor::<Ad, 5>::from_inner(bias_flex.clone());
            let out = if fused {
                attention(q.clone(), k.clone(), v.clone(), Some(&b))
            } else {
                composed_attention(q.clone(), k.clone(), v.clone(), Some(&b))
            };
            // A weighted sum, so that every output element gets a different gradient.
            let weights = Tensor::<Ad, 4>::from_data(
                TensorData::new(
                    (0..out.dims().iter().product::<usize>())
                        .map(|i| ((i * 37) % 101) as f32 / 101.0 - 0.5)
                        .collect::<Vec<_>>(),
                    out.dims(),
                ),
                &device,
            );
            let grads = (out.clone() * weights).sum().backward();
            let g = |t: &Tensor<Ad, 4>| values(t.grad(&grads).expect("a gradient"));
            (values(out.inner()), g(&q), g(&k), g(&v))
        };
        let (fused, reference) = (run(true), run(false));
        assert_close("output", &fused.0, &reference.0, 1e-5);
        assert_close("dq", &fused.1, &reference.1, 1e-5);
        assert_close("dk", &fused.2, &reference.2, 1e-5);
        assert_close("dv", &fused.3, &reference.3, 1e-5);

        // Without autodiff the output is the same.
        let plain = |data: &Vec<f32>, h: usize| {
            Tensor::<Flex, 4>::from_data(TensorData::new(data.clone(), [batch, seq, h, d]), &device)
        };
        let out = attention(
            plain(&qv, heads),
            plain(&kv_, kv),
            plain(&vv, kv),
            Some(&bias_flex),
        );
        assert_eq!(values(out), fused.0);
    }

    #[test]
    fn shapes_the_kernel_does_not_handle_go_to_the_composed_form() {
        let (q, k) = ([2, 5, 4, 8], [2, 5, 2, 8]);
        assert!(fits(q, k, k, None));
        assert!(fits(q, k, k, Some([1, 1, 1, 5, 5])));
        assert!(fits(q, k, k, Some([2, 1, 1, 5, 5])));
        // Three query heads cannot share two key/value heads.
        assert!(!fits([2, 5, 3, 8], k, k, None));
        // Values unlike keys, another batch, another head width.
        assert!(!fits(q, k, [2, 4, 2, 8], None));
        assert!(!fits(q, [1, 5, 2, 8], [1, 5, 2, 8], None));
        assert!(!fits(q, [2, 5, 2, 4], [2, 5, 2, 4], None));
        // An empty sequence, and masks of the wrong size.
        assert!(!fits([2, 0, 4, 8], k, k, None));
        assert!(!fits(q, k, k, Some([3, 1, 1, 5, 5])));
        assert!(!fits(q, k, k, Some([1, 1, 1, 4, 5])));
    }

    /// Attention over a cache `[batch, kv, max_len, d]` read up to `start + seq`: the fused
    /// form against the composed one, for sequences padded on the left by `pad[b]`.
    fn compare_cached(start: usize, seq: usize, pad: &[usize], width_last: bool) {
        let device = Default::default();
        let (batch, heads, kv, d, max_len) = (pad.len(), 4, 2, 8, 24);
        let keys = start + seq;
        let random = |dims: [usize; 4]| {
            Tensor::<Flex, 4>::random(dims, Distribution::Normal(0.0, 1.5), &device)
        };
        let q = random([batch, seq, heads, d]);
        // Views of the cache up to the current position, as `LayerCache::write_and_read`
        // returns them; or, when `width_last` is off, a layout whose head width is not the
        // unit-stride axis (read through a copy).
        let view = |cache: Tensor<Flex, 4>| {
            if width_last {
                cache.slice([0..batch, 0..kv, 0..keys, 0..d])
            } else {
                cache
                    .swap_dims(2, 3)
                    .slice([0..batch, 0..kv, 0..keys, 0..d])
            }
        };
        let cache_dims = if width_last {
            [batch, kv, max_len, d]
        } else {
            [batch, kv, d, max_len]
        };
        let (k, v) = (view(random(cache_dims)), view(random(cache_dims)));
        let mut data = Vec::new();
        for &p in pad {
            for i in 0..seq {
                for j in 0..keys {
                    let hidden = j > start + i || j < p;
                    data.push(if hidden { -1.0e9 } else { 0.0 });
                }
            }
        }
        let bias =
            Tensor::<Flex, 5>::from_data(TensorData::new(data, [batch, 1, 1, seq, keys]), &device);
        let fused = cached_attention(q.clone(), k.clone(), v.clone(), Some(&bias));
        let reference = grouped_attention(q.swap_dims(1, 2), k, v, Some(&bias));
        assert_eq!(fused.dims(), [batch, seq, heads, d]);
        assert_close("output", &values(fused), &values(reference), 1e-5);
    }

    #[test]
    fn fused_attention_reads_the_kv_cache_in_place() {
        // Prefill, then one decoding step, with padded sequences.
        compare_cached(0, 6, &[0, 3], true);
        compare_cached(9, 1, &[0, 3, 5], true);
        compare_cached(4, 3, &[2], false);
    }

    #[test]
    fn fused_attention_equals_the_composed_one_with_causal_masking() {
        compare(2, 7, 4, 2, 8, None);
        // Longer than one tile of rows: later tiles reach further into the keys.
        compare(2, 150, 4, 2, 8, None);
    }

    #[test]
    fn fused_attention_equals_the_composed_one_with_padding_and_no_groups() {
        compare(3, 6, 2, 2, 4, Some(&[0, 2, 5]));
        // Several tiles, and a sequence whose first tile has no visible key at all.
        compare(3, 140, 2, 2, 4, Some(&[0, 30, 100]));
    }
}
