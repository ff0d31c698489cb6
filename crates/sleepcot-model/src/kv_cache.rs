//! The key/value cache of incremental decoding.
//!
//! Every layer owns two tensors `[batch, kv_heads, max_len, head_dim]` allocated once; each step
//! writes its new keys and values in place with `slice_assign`, so decoding never concatenates.
//! Rows of a batch may be left-padded: the cache remembers which slots hold real tokens and the
//! rotary position of each row.
//!
//! A decoding step (one token per row) keeps what it needs on the device ([`StepTensors`]): the
//! next rotary position of each row, advanced by a device addition, and the key bias of every
//! slot, masked past the current one by a device comparison. Nothing is uploaded per step. On
//! the CPU backend attention reads the filled prefix `0..len` as a view; on the GPU backends it
//! reads the whole capacity under that bias ([`CacheWindow`]), so every step has the same shapes
//! (no new kernels or tunings as the cache grows) and no view of the cache is ever made
//! contiguous (copied).

use burn::tensor::{DType, Int, Tensor, TensorData, backend::Backend};

use crate::config::Qwen2Config;
use crate::error::{ModelError, Result};
use crate::transfer::upload;

/// Additive attention bias for masked keys; applied to f32 scores, so it is exact after softmax.
pub(crate) const MASKED: f32 = -1.0e9;

/// Keys and values of one decoder layer.
#[derive(Debug, Clone)]
pub struct LayerCache<B: Backend> {
    /// `[batch, kv_heads, max_len, head_dim]`.
    pub key: Tensor<B, 4>,
    /// `[batch, kv_heads, max_len, head_dim]`.
    pub value: Tensor<B, 4>,
}

/// Where a pass writes into the cache and how many slots its attention reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheWindow {
    /// First slot written.
    pub start: usize,
    /// Slots `0..keys` are attended (under the pass's bias); at least `start + seq`.
    pub keys: usize,
}

impl<B: Backend> LayerCache<B> {
    /// Writes `k` and `v` (`[batch, kv_heads, seq, head_dim]`) at slot `window.start` and
    /// returns slots `0..window.keys`: the whole tensors when that is the capacity, else views.
    pub fn write_and_read(
        &mut self,
        k: Tensor<B, 4>,
        v: Tensor<B, 4>,
        window: CacheWindow,
    ) -> (Tensor<B, 4>, Tensor<B, 4>) {
        let [b, kv, seq, d] = k.dims();
        let (start, keys) = (window.start, window.keys);
        let end = start + seq;
        self.key
            .inplace(|t| t.slice_assign([0..b, 0..kv, start..end, 0..d], k));
        self.value
            .inplace(|t| t.slice_assign([0..b, 0..kv, start..end, 0..d], v));
        if keys == self.key.dims()[2] {
            return (self.key.clone(), self.value.clone());
        }
        (
            self.key.clone().slice([0..b, 0..kv, 0..keys, 0..d]),
            self.value.clone().slice([0..b, 0..kv, 0..keys, 0..d]),
        )
    }
}

/// The device-side inputs of decoding steps, built on the first step after a prefill.
#[derive(Debug, Clone)]
pub struct StepTensors<B: Backend> {
    /// `[batch, 1]`: the rotary position of each row's next token.
    positions: Tensor<B, 2, Int>,
    /// The whole-capacity key mask (GPU backends); `None` on the CPU backend, which plans each
    /// step's bias on the host.
    capacity: Option<CapacityMask<B>>,
}

/// The key bias of every cache slot, for steps that attend the whole capacity. `rows` is 1
/// when no row is padded, else the batch.
#[derive(Debug, Clone)]
struct CapacityMask<B: Backend> {
    /// `[rows, max_len]` additive bias: 0, or [`MASKED`] for padding.
    bias: Tensor<B, 2>,
    /// `[rows, max_len]`: each slot's index, compared with the current slot to mask later ones.
    slots: Tensor<B, 2, Int>,
}

impl<B: Backend> CapacityMask<B> {
    /// The `[rows, 1, 1, 1, max_len]` bias of a step writing slot `current`: padding and the
    /// slots after it masked, on the device.
    fn at(&self, current: usize) -> Tensor<B, 5> {
        let [rows, max_len] = self.bias.dims();
        let later = self.slots.clone().greater_elem(current as i64);
        (self.bias.clone().mask_fill(later, MASKED)).reshape([rows, 1, 1, 1, max_len])
    }

    /// Keeps the rows `index` (a single shared row stays as it is).
    fn select(&mut self, index: &Tensor<B, 1, Int>) {
        if self.bias.dims()[0] > 1 {
            self.bias = self.bias.clone().select(0, index.clone());
            self.slots = self.slots.clone().select(0, index.clone());
        }
    }
}

/// Positions and attention bias of a decoding step, with the window it attends.
#[derive(Debug)]
pub(crate) struct StepInputs<B: Backend> {
    pub positions: Tensor<B, 2, Int>,
    pub bias: Option<Tensor<B, 5>>,
    pub window: CacheWindow,
}

/// The per-layer caches of a whole model plus the bookkeeping of padded rows.
#[derive(Debug, Clone)]
pub struct KvCache<B: Backend> {
    pub(crate) layers: Vec<LayerCache<B>>,
    batch: usize,
    max_len: usize,
    len: usize,
    /// `valid[row * max_len + slot]`: whether the slot holds a real token (not left padding).
    valid: Vec<bool>,
    /// Real tokens seen so far in each row, i.e. the rotary position of the next one.
    seen: Vec<usize>,
    /// Decoding state kept on the device, from the first decoding step after a prefill.
    steps: Option<StepTensors<B>>,
    /// Whether decoding steps attend the whole capacity (GPU backends) rather than the filled
    /// prefix (the CPU backend).
    whole_capacity: bool,
}

/// Positions and attention bias of one forward pass.
#[derive(Debug, Clone)]
pub(crate) struct StepPlan {
    pub batch: usize,
    pub seq: usize,
    pub keys: usize,
    /// `[batch * seq]` rotary positions.
    pub positions: Vec<i64>,
    /// `[bias_rows, 1, 1, seq, keys]` additive bias, `None` when every key is visible.
    pub bias: Option<Vec<f32>>,
    /// 1 when every row has the same bias (no padding: causal masking only), else `batch`.
    pub bias_rows: usize,
}

impl StepPlan {
    /// Plans a pass of `seq` new tokens whose keys start at slot `start`; `valid(row, slot)` says
    /// whether a key slot holds a real token and `positions` gives the rotary positions.
    pub fn new(
        batch: usize,
        seq: usize,
        start: usize,
        positions: Vec<i64>,
        valid: impl Fn(usize, usize) -> bool,
    ) -> Self {
        let keys = start + seq;
        let all_valid = (0..batch).all(|r| (0..keys).all(|s| valid(r, s)));
        // Without padding every row has the same causal bias: one row serves the whole batch.
        let bias_rows = if all_valid { 1 } else { batch };
        let bias = if seq == 1 && all_valid {
            None
        } else {
            let mut bias = vec![0.0f32; bias_rows * seq * keys];
            for r in 0..bias_rows {
                for i in 0..seq {
                    let row = &mut bias[(r * seq + i) * keys..(r * seq + i + 1) * keys];
                    for (slot, b) in row.iter_mut().enumerate() {
                        if slot > start + i || !valid(r, slot) {
                            *b = MASKED;
                        }
                    }
                }
            }
            Some(bias)
        };
        Self {
            batch,
            seq,
            keys,
            positions,
            bias,
            bias_rows,
        }
    }

    /// Plans a cache-free pass over a whole `[batch, seq]` block; `token_mask` (row-major, true
    /// for real tokens) marks left padding. Positions count real tokens as transformers does.
    pub fn full(batch: usize, seq: usize, token_mask: Option<&[bool]>) -> Self {
        let valid = |r: usize, s: usize| token_mask.is_none_or(|m| m[r * seq + s]);
        let mut positions = Vec::with_capacity(batch * seq);
        for r in 0..batch {
            let mut seen = 0i64;
            for s in 0..seq {
                if valid(r, s) {
                    positions.push(seen);
                    seen += 1;
                } else {
                    positions.push(0);
                }
            }
        }
        Self::new(batch, seq, 0, positions, valid)
    }

    /// The positions as a `[batch, seq]` tensor.
    pub fn positions_tensor<B: Backend>(&self, device: &B::Device) -> Tensor<B, 2, Int> {
        upload(
            TensorData::new(self.positions.clone(), [self.batch, self.seq]),
            device,
        )
    }

    /// The bias as a `[batch or 1, 1, 1, seq, keys]` f32 tensor.
    pub fn bias_tensor<B: Backend>(&self, device: &B::Device) -> Option<Tensor<B, 5>> {
        self.bias.as_ref().map(|b| {
            upload(
                TensorData::new(b.clone(), [self.bias_rows, 1, 1, self.seq, self.keys]),
                (device, DType::F32),
            )
        })
    }
}

impl<B: Backend> KvCache<B> {
    /// Allocates an empty cache for `batch` rows of up to `max_len` tokens in `dtype`.
    pub fn new(
        config: &Qwen2Config,
        batch: usize,
        max_len: usize,
        dtype: DType,
        device: &B::Device,
    ) -> Self {
        let shape = [batch, config.num_key_value_heads, max_len, config.head_dim];
        let layers = (0..config.num_hidden_layers)
            .map(|_| LayerCache {
                key: Tensor::zeros(shape, (device, dtype)),
                value: Tensor::zeros(shape, (device, dtype)),
            })
            .collect();
        Self {
            layers,
            batch,
            max_len,
            len: 0,
            valid: vec![false; batch * max_len],
            seen: vec![0; batch],
            steps: None,
            whole_capacity: !crate::fused::is_cpu_backend::<B>(),
        }
    }

    /// Chooses how decoding steps attend: the whole capacity under a device-made bias (the
    /// default on GPU backends: fixed shapes, no views) or the filled prefix under a bias planned
    /// on the host (the default on the CPU backend). Both give the same tokens; tests use this to
    /// check the GPU form on the CPU.
    pub fn with_whole_capacity(mut self, whole_capacity: bool) -> Self {
        self.whole_capacity = whole_capacity;
        self.steps = None;
        self
    }

    /// Number of filled slots (padding included).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing has been written yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Capacity in tokens per row.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Number of rows.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// Keeps only the rows `keep` (strictly increasing indices into the current batch), in that
    /// order, so that rows which have finished generating stop costing compute. Each layer's
    /// keys and values are gathered once into tensors of the smaller batch; the slots, their
    /// padding and each row's rotary position are kept.
    pub fn retain(&mut self, keep: &[usize]) -> Result<()> {
        if keep.is_empty()
            || keep.windows(2).any(|w| w[0] >= w[1])
            || keep.last().is_some_and(|&r| r >= self.batch)
        {
            return Err(ModelError::InvalidRequest {
                what: "rows to keep",
                message: format!(
                    "{keep:?} is not a non-empty increasing list of rows below the batch size {}",
                    self.batch
                ),
            });
        }
        if keep.len() == self.batch {
            return Ok(());
        }
        if let Some(first) = self.layers.first() {
            let device = first.key.device();
            let index = upload::<B, 1, Int>(
                TensorData::new(
                    keep.iter().map(|&r| r as i64).collect::<Vec<_>>(),
                    [keep.len()],
                ),
                &device,
            );
            for layer in &mut self.layers {
                layer.key = layer.key.clone().select(0, index.clone());
                layer.value = layer.value.clone().select(0, index.clone());
            }
            if let Some(steps) = &mut self.steps {
                steps.positions = steps.positions.clone().select(0, index.clone());
                if let Some(capacity) = &mut steps.capacity {
                    capacity.select(&index);
                }
            }
        }
        let max_len = self.max_len;
        self.valid = keep
            .iter()
            .flat_map(|&r| self.valid[r * max_len..(r + 1) * max_len].iter().copied())
            .collect();
        self.seen = keep.iter().map(|&r| self.seen[r]).collect();
        self.batch = keep.len();
        Ok(())
    }

    /// Forgets the contents (the memory is kept).
    pub fn reset(&mut self) {
        self.len = 0;
        self.valid.fill(false);
        self.seen.fill(0);
        self.steps = None;
    }

    /// Records a decoding step (one real token per row) and returns its inputs.
    ///
    /// The positions stay on the device from one step to the next. With the whole capacity (GPU
    /// backends) the step attends every slot under a device-made bias that hides padding and
    /// the slots after the current one; otherwise (the CPU backend) it attends the filled
    /// prefix under a bias planned on the host, where an upload costs nothing.
    pub(crate) fn decode_step(&mut self) -> Result<StepInputs<B>> {
        if self.len + 1 > self.max_len {
            return Err(ModelError::InvalidRequest {
                what: "sequence length",
                message: format!(
                    "{} cached tokens plus 1 new token exceed the cache capacity {}",
                    self.len, self.max_len
                ),
            });
        }
        let start = self.len;
        let steps = match self.steps.take() {
            Some(steps) => steps,
            None => self.step_tensors(self.whole_capacity),
        };
        let (bias, keys) = match &steps.capacity {
            Some(capacity) => {
                self.record(1, None);
                (Some(capacity.at(start)), self.max_len)
            }
            None => {
                let plan = self.plan(1, None)?;
                (plan.bias_tensor::<B>(&steps.positions.device()), plan.keys)
            }
        };
        let positions = steps.positions.clone();
        self.steps = Some(StepTensors {
            positions: positions.clone().add_scalar(1),
            ..steps
        });
        Ok(StepInputs {
            positions,
            bias,
            window: CacheWindow { start, keys },
        })
    }

    /// The device state of the decoding steps that follow the tokens cached so far (the only
    /// uploads of a decode, made once).
    fn step_tensors(&self, whole_capacity: bool) -> StepTensors<B> {
        let device = self
            .layers
            .first()
            .map(|l| l.key.device())
            .unwrap_or_default();
        let positions = upload(
            TensorData::new(
                self.seen.iter().map(|&s| s as i64).collect::<Vec<_>>(),
                [self.batch, 1],
            ),
            &device,
        );
        if !whole_capacity {
            return StepTensors {
                positions,
                capacity: None,
            };
        }
        let (len, max_len) = (self.len, self.max_len);
        let padded = (0..self.batch).any(|r| (0..len).any(|s| !self.valid[r * max_len + s]));
        let rows = if padded { self.batch } else { 1 };
        let mut bias = vec![0.0f32; rows * max_len];
        for r in 0..rows {
            for s in 0..len {
                if !self.valid[r * max_len + s] {
                    bias[r * max_len + s] = MASKED;
                }
            }
        }
        let slots: Vec<i64> = (0..rows).flat_map(|_| 0..max_len as i64).collect();
        StepTensors {
            positions,
            capacity: Some(CapacityMask {
                bias: upload(
                    TensorData::new(bias, [rows, max_len]),
                    (&device, DType::F32),
                ),
                slots: upload(TensorData::new(slots, [rows, max_len]), &device),
            }),
        }
    }

    /// Records `seq` new tokens per row (`token_mask` marks padding, row-major) and plans the
    /// pass that writes them; call [`KvCache::advance`] after the pass.
    pub(crate) fn plan(&mut self, seq: usize, token_mask: Option<&[bool]>) -> Result<StepPlan> {
        if self.len + seq > self.max_len {
            return Err(ModelError::InvalidRequest {
                what: "sequence length",
                message: format!(
                    "{} cached plus {seq} new tokens exceed the cache capacity {}",
                    self.len, self.max_len
                ),
            });
        }
        if let Some(mask) = token_mask
            && mask.len() != self.batch * seq
        {
            return Err(ModelError::InvalidRequest {
                what: "token mask",
                message: format!(
                    "it has {} entries but the batch holds {} x {seq} tokens",
                    mask.len(),
                    self.batch
                ),
            });
        }
        if seq > 1 || token_mask.is_some() {
            // A prefill (or a chunk of one): the next decoding step rebuilds its device state.
            self.steps = None;
        }
        let start = self.len;
        let positions = self.record(seq, token_mask);
        let (valid, max_len) = (&self.valid, self.max_len);
        Ok(StepPlan::new(self.batch, seq, start, positions, |r, s| {
            valid[r * max_len + s]
        }))
    }

    /// Marks the slots of `seq` new tokens per row as real or padding (`token_mask`, row-major)
    /// and returns their rotary positions, row-major.
    fn record(&mut self, seq: usize, token_mask: Option<&[bool]>) -> Vec<i64> {
        let start = self.len;
        let mut positions = Vec::with_capacity(self.batch * seq);
        for r in 0..self.batch {
            for i in 0..seq {
                let real = token_mask.is_none_or(|m| m[r * seq + i]);
                self.valid[r * self.max_len + start + i] = real;
                if real {
                    positions.push(self.seen[r] as i64);
                    self.seen[r] += 1;
                } else {
                    positions.push(0);
                }
            }
        }
        positions
    }

    /// Highest rotary position any row will reach after `extra` more tokens.
    pub(crate) fn max_position_after(&self, extra: usize) -> usize {
        self.seen.iter().max().copied().unwrap_or(0) + extra
    }

    /// Marks `seq` more slots as filled.
    pub(crate) fn advance(&mut self, seq: usize) {
        self.len += seq;
    }
}
