//! The key/value cache of incremental decoding.
//!
//! Every layer owns two tensors `[batch, kv_heads, max_len, head_dim]` allocated once; each step
//! writes its new keys and values in place with `slice_assign` and attention reads the prefix
//! `0..len` as a view, so decoding never concatenates. Rows of a batch may be left-padded: the
//! cache remembers which slots hold real tokens and the rotary position of each row.

use burn::tensor::{DType, Int, Tensor, TensorData, backend::Backend};

use crate::config::Qwen2Config;
use crate::error::{ModelError, Result};

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

impl<B: Backend> LayerCache<B> {
    /// Writes `k` and `v` (`[batch, kv_heads, seq, head_dim]`) at slot `start` and returns views
    /// of slots `0..start + seq`.
    pub fn write_and_read(
        &mut self,
        k: Tensor<B, 4>,
        v: Tensor<B, 4>,
        start: usize,
    ) -> (Tensor<B, 4>, Tensor<B, 4>) {
        let [b, kv, seq, d] = k.dims();
        let end = start + seq;
        self.key
            .inplace(|t| t.slice_assign([0..b, 0..kv, start..end, 0..d], k));
        self.value
            .inplace(|t| t.slice_assign([0..b, 0..kv, start..end, 0..d], v));
        (
            self.key.clone().slice([0..b, 0..kv, 0..end, 0..d]),
            self.value.clone().slice([0..b, 0..kv, 0..end, 0..d]),
        )
    }
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
        Tensor::from_data(
            TensorData::new(self.positions.clone(), [self.batch, self.seq]),
            device,
        )
    }

    /// The bias as a `[batch or 1, 1, 1, seq, keys]` f32 tensor.
    pub fn bias_tensor<B: Backend>(&self, device: &B::Device) -> Option<Tensor<B, 5>> {
        self.bias.as_ref().map(|b| {
            Tensor::from_data(
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
        }
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
            let index = Tensor::<B, 1, Int>::from_data(
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
        let (valid, max_len) = (&self.valid, self.max_len);
        Ok(StepPlan::new(self.batch, seq, start, positions, |r, s| {
            valid[r * max_len + s]
        }))
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
