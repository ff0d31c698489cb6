//! `Qwen2ForCausalLM`: the decoder stack, its forward passes and the language-model head.

mod attention;
mod decoder;
mod mlp;
mod rmsnorm;
mod rope;
mod weights;

pub use attention::Attention;
pub use decoder::DecoderLayer;
pub use mlp::Mlp;
pub use rmsnorm::RmsNorm;
pub use rope::{RopeRows, RotaryEmbedding};
pub use weights::{RandomWeights, WeightSource, mix_seed};

use burn::module::{Module, Param};
use burn::nn::{Embedding, Linear};
use burn::tensor::{DType, Int, Tensor, TensorData, backend::Backend};

use crate::config::Qwen2Config;
use crate::error::{ModelError, Result};
use crate::fused::{self, CpuRoute, WeightLayout, takes_gemv};
use crate::kv_cache::{CacheWindow, KvCache, StepPlan};
use crate::lora::LoraLinear;
use crate::transfer::upload;

/// Rows from which tied logits are computed as `h · Eᵀ` rather than `(E · hᵀ)ᵀ` (see
/// [`Qwen2ForCausalLM::logits`]).
const TIED_DIRECT_ROWS: usize = 128;

/// The decoder body (`model.*` in a checkpoint).
#[derive(Module, Debug)]
pub struct Qwen2Model<B: Backend> {
    /// Token embeddings `[vocab, hidden]`.
    pub embed_tokens: Embedding<B>,
    /// The decoder layers, `model.layers.N`.
    pub layers: Vec<DecoderLayer<B>>,
    /// Final norm.
    pub norm: RmsNorm<B>,
}

/// Qwen2 with its language-model head; generic over the burn backend.
#[derive(Module, Debug)]
pub struct Qwen2ForCausalLM<B: Backend> {
    /// Embeddings, decoder layers and final norm.
    pub model: Qwen2Model<B>,
    /// Separate output projection (`[hidden, vocab]` in burn layout); `None` when the
    /// embeddings are tied and logits are `h · embed_tokensᵀ`.
    pub lm_head: Option<Linear<B>>,
    /// Precomputed rotary tables.
    pub rope: RotaryEmbedding<B>,
    /// The architecture this model was built from.
    #[module(skip)]
    pub config: Qwen2Config,
}

/// Builds a linear layer from an HF `[out, in]` weight (and optional bias), as a LoRA-ready layer.
fn linear<B: Backend, S: WeightSource<B>>(
    source: &mut S,
    prefix: &str,
    d_in: usize,
    d_out: usize,
    bias: bool,
) -> Result<LoraLinear<B>> {
    Ok(LoraLinear::new(plain_linear(
        source, prefix, d_in, d_out, bias,
    )?))
}

fn plain_linear<B: Backend, S: WeightSource<B>>(
    source: &mut S,
    prefix: &str,
    d_in: usize,
    d_out: usize,
    bias: bool,
) -> Result<Linear<B>> {
    let weight = source.tensor(&format!("{prefix}.weight"), [d_out, d_in])?;
    let bias = if bias {
        Some(Param::from_tensor(
            source.tensor(&format!("{prefix}.bias"), [d_out])?,
        ))
    } else {
        None
    };
    // burn's Linear wants [in, out]. Materialise the transpose once here: with a strided view
    // every decode-time matmul walks the weight column-wise, which made decoding several times
    // slower on flex.
    let (device, dtype) = (weight.device(), weight.dtype());
    let weight = Tensor::from_data(weight.transpose().into_data(), (&device, dtype));
    Ok(Linear {
        weight: Param::from_tensor(weight),
        bias,
    })
}

impl<B: Backend> Qwen2ForCausalLM<B> {
    /// Builds the model from `source`, which supplies every tensor by HF name; `dtype` is the
    /// compute dtype of the rotary tables (the source decides the weights' dtype).
    pub fn from_source<S: WeightSource<B>>(
        config: &Qwen2Config,
        source: &mut S,
        dtype: DType,
        device: &B::Device,
    ) -> Result<Self> {
        let c = config;
        let (hidden, inter, d) = (c.hidden_size, c.intermediate_size, c.head_dim);
        let embed = source.tensor("model.embed_tokens.weight", [c.vocab_size, hidden])?;
        let mut layers = Vec::with_capacity(c.num_hidden_layers);
        for i in 0..c.num_hidden_layers {
            let p = format!("model.layers.{i}");
            let input_layernorm = RmsNorm::new(
                source.tensor(&format!("{p}.input_layernorm.weight"), [hidden])?,
                c.rms_norm_eps,
            );
            let self_attn = Attention {
                q_proj: linear(
                    source,
                    &format!("{p}.self_attn.q_proj"),
                    hidden,
                    c.num_attention_heads * d,
                    true,
                )?,
                k_proj: linear(
                    source,
                    &format!("{p}.self_attn.k_proj"),
                    hidden,
                    c.num_key_value_heads * d,
                    true,
                )?,
                v_proj: linear(
                    source,
                    &format!("{p}.self_attn.v_proj"),
                    hidden,
                    c.num_key_value_heads * d,
                    true,
                )?,
                o_proj: linear(
                    source,
                    &format!("{p}.self_attn.o_proj"),
                    c.num_attention_heads * d,
                    hidden,
                    false,
                )?,
                num_heads: c.num_attention_heads,
                num_kv_heads: c.num_key_value_heads,
                head_dim: d,
            };
            let post_attention_layernorm = RmsNorm::new(
                source.tensor(&format!("{p}.post_attention_layernorm.weight"), [hidden])?,
                c.rms_norm_eps,
            );
            let mlp = Mlp {
                gate_proj: linear(source, &format!("{p}.mlp.gate_proj"), hidden, inter, false)?,
                up_proj: linear(source, &format!("{p}.mlp.up_proj"), hidden, inter, false)?,
                down_proj: linear(source, &format!("{p}.mlp.down_proj"), inter, hidden, false)?,
            };
            layers.push(DecoderLayer {
                input_layernorm,
                self_attn,
                post_attention_layernorm,
                mlp,
            });
        }
        let norm = RmsNorm::new(
            source.tensor("model.norm.weight", [hidden])?,
            c.rms_norm_eps,
        );
        let lm_head = if c.tie_word_embeddings {
            None
        } else {
            Some(plain_linear(
                source,
                "lm_head",
                hidden,
                c.vocab_size,
                false,
            )?)
        };
        Ok(Self {
            model: Qwen2Model {
                embed_tokens: Embedding {
                    weight: Param::from_tensor(embed),
                },
                layers,
                norm,
            },
            lm_head,
            rope: RotaryEmbedding::new(d, c.max_position_embeddings, c.rope_theta, dtype, device),
            config: config.clone(),
        })
    }

    /// A model with seeded random weights (benchmarks, tests, from-scratch students).
    pub fn random(config: &Qwen2Config, seed: u64, dtype: DType, device: &B::Device) -> Self {
        let mut source = RandomWeights::new(device, dtype, seed, 0.02);
        Self::from_source(config, &mut source, dtype, device)
            .expect("random weights always have the requested shapes")
    }

    /// The dtype the weights are stored and computed in.
    pub fn dtype(&self) -> DType {
        self.model.embed_tokens.weight.val().dtype()
    }

    /// The device holding the weights.
    pub fn device(&self) -> B::Device {
        self.model.embed_tokens.weight.val().device()
    }

    /// Causal forward over whole sequences `[batch, seq]`, returning logits `[batch, seq, vocab]`
    /// (the training path: no cache, every position projected).
    pub fn forward(&self, input_ids: Tensor<B, 2, Int>) -> Result<Tensor<B, 3>> {
        Ok(self.logits(self.forward_hidden(input_ids)?))
    }

    /// The final-norm hidden states `[batch, seq, hidden]` of a causal forward without padding:
    /// [`Qwen2ForCausalLM::forward`] before the LM head, for callers that need logits at only
    /// some positions ([`Qwen2ForCausalLM::logits`]).
    pub fn forward_hidden(&self, input_ids: Tensor<B, 2, Int>) -> Result<Tensor<B, 3>> {
        let [batch, seq] = input_ids.dims();
        self.check_positions(seq)?;
        let plan = StepPlan::full(batch, seq, None);
        Ok(self.run_planned(input_ids, &plan, None))
    }

    /// Causal forward over left-padded sequences: `token_mask` (row-major `[batch, seq]`, true
    /// for real tokens) hides padding and positions count real tokens only.
    pub fn forward_masked(
        &self,
        input_ids: Tensor<B, 2, Int>,
        token_mask: &[bool],
    ) -> Result<Tensor<B, 3>> {
        let [batch, seq] = input_ids.dims();
        if token_mask.len() != batch * seq {
            return Err(ModelError::InvalidRequest {
                what: "token mask",
                message: format!(
                    "it has {} entries but the input holds {batch} x {seq} tokens",
                    token_mask.len()
                ),
            });
        }
        self.check_positions(seq)?;
        let plan = StepPlan::full(batch, seq, Some(token_mask));
        Ok(self.logits(self.run_planned(input_ids, &plan, None)))
    }

    /// Incremental forward: appends `input_ids` (`[batch, seq]`) to `cache` and returns logits
    /// `[batch, seq, vocab]`, or `[batch, 1, vocab]` for the last position when `last_only`.
    pub fn forward_cached(
        &self,
        input_ids: Tensor<B, 2, Int>,
        cache: &mut KvCache<B>,
        token_mask: Option<&[bool]>,
        last_only: bool,
    ) -> Result<Tensor<B, 3>> {
        let [batch, seq] = input_ids.dims();
        if batch != cache.batch() {
            return Err(ModelError::InvalidRequest {
                what: "batch",
                message: format!(
                    "the input has {batch} rows but the cache was built for {}",
                    cache.batch()
                ),
            });
        }
        if cache.max_position_after(seq) > self.rope.max_positions() {
            return Err(ModelError::InvalidRequest {
                what: "sequence length",
                message: format!(
                    "position {} would exceed max_position_embeddings {}",
                    cache.max_position_after(seq),
                    self.rope.max_positions()
                ),
            });
        }
        let start = cache.len();
        let hidden = if seq == 1 && token_mask.is_none() {
            // A decoding step: its positions and bias come from the cache's device state.
            let step = cache.decode_step()?;
            self.run(
                input_ids,
                step.positions,
                step.bias,
                Some((&mut *cache, step.window)),
            )
        } else {
            let plan = cache.plan(seq, token_mask)?;
            let window = CacheWindow {
                start,
                keys: plan.keys,
            };
            self.run_planned(input_ids, &plan, Some((&mut *cache, window)))
        };
        cache.advance(seq);
        let hidden = if last_only {
            hidden.narrow(1, seq - 1, 1)
        } else {
            hidden
        };
        Ok(self.logits(hidden))
    }

    fn check_positions(&self, seq: usize) -> Result<()> {
        if seq > self.rope.max_positions() {
            return Err(ModelError::InvalidRequest {
                what: "sequence length",
                message: format!(
                    "{seq} tokens exceed max_position_embeddings {}",
                    self.rope.max_positions()
                ),
            });
        }
        Ok(())
    }

    /// [`Self::run`] with the positions and bias of a plan made on the host.
    fn run_planned(
        &self,
        input_ids: Tensor<B, 2, Int>,
        plan: &StepPlan,
        cache: Option<(&mut KvCache<B>, CacheWindow)>,
    ) -> Tensor<B, 3> {
        let device = input_ids.device();
        let positions = plan.positions_tensor::<B>(&device);
        let bias = plan.bias_tensor::<B>(&device);
        self.run(input_ids, positions, bias, cache)
    }

    /// Runs embeddings, layers and the final norm over tokens at rotary `positions` (`[batch,
    /// seq]`) under the additive attention `bias`; returns hidden states `[batch, seq, hidden]`.
    fn run(
        &self,
        input_ids: Tensor<B, 2, Int>,
        positions: Tensor<B, 2, Int>,
        bias: Option<Tensor<B, 5>>,
        mut cache: Option<(&mut KvCache<B>, CacheWindow)>,
    ) -> Tensor<B, 3> {
        let c = &self.config;
        let rope = self
            .rope
            .rows(positions, c.num_attention_heads, c.num_key_value_heads);
        let mut x = fused::embedding(self.model.embed_tokens.weight.val(), input_ids);
        for (i, layer) in self.model.layers.iter().enumerate() {
            let layer_cache = cache
                .as_mut()
                .map(|(c, window)| (&mut c.layers[i], *window));
            x = layer.forward(x, &rope, bias.as_ref(), layer_cache);
        }
        self.model.norm.forward(x)
    }

    /// Projects hidden states `[batch, seq, hidden]` to logits `[batch, seq, vocab]`.
    pub fn logits(&self, hidden: Tensor<B, 3>) -> Tensor<B, 3> {
        match &self.lm_head {
            Some(head) => fused::linear(
                hidden,
                head.weight.val(),
                head.bias.as_ref().map(|b| b.val()),
                WeightLayout::InOut,
            ),
            None => {
                let [b, s, h] = hidden.dims();
                let embed = self.model.embed_tokens.weight.val();
                let vocab = embed.dims()[0];
                let hidden = hidden.reshape([b * s, h]);
                // logits = h · Eᵀ. On the CPU backend, for many rows (training, prefill),
                // straight through a transposed view of E, which leaves the logits row-major;
                // for a decoding step's few rows, one dot product per row of E (the fused
                // few-row product); otherwise as (E · hᵀ)ᵀ, which reads the large E row-major.
                // Its transposed result costs a copy, cheap for a few rows and twice the
                // product for 1024 rows on the CPU (measured there, crossing over between 64
                // and 128 rows; the GPU backends keep the form they were measured with).
                let cpu = CpuRoute::of::<B>(&[]) != CpuRoute::Composed;
                let logits = if cpu
                    && (b * s >= TIED_DIRECT_ROWS
                        || takes_gemv(b * s, h, vocab, WeightLayout::OutIn))
                {
                    fused::linear(hidden, embed, None, WeightLayout::OutIn)
                } else {
                    embed.matmul(hidden.transpose()).transpose()
                };
                logits.reshape([b, s, vocab])
            }
        }
    }

    /// Builds token ids `[batch, seq]` on this model's device from row-major ids.
    pub fn ids_tensor(&self, ids: &[u32], batch: usize) -> Tensor<B, 2, Int> {
        let seq = ids.len() / batch.max(1);
        let values: Vec<i64> = ids.iter().map(|&t| t as i64).collect();
        upload(TensorData::new(values, [batch, seq]), &self.device())
    }
}

#[cfg(test)]
mod tests {
    use burn::backend::Flex;
    use burn::tensor::{DType, Distribution, Tensor};

    use super::{Qwen2ForCausalLM, TIED_DIRECT_ROWS};
    use crate::config::Qwen2Config;
    use crate::fused::GEMV_ROWS;

    /// The three ways of computing tied logits give `h · Eᵀ`: a decoding step's rows (a table
    /// large enough for the few-row product), a few rows below the switch and a few rows above
    /// it, against an explicit product.
    #[test]
    fn tied_logits_are_the_same_on_either_side_of_the_switch() {
        let device = Default::default();
        let config = Qwen2Config::qwen25_shape(32768, 128, 64, 1, 4, 2, 512);
        let model = Qwen2ForCausalLM::<Flex>::random(&config, 7, DType::F32, &device);
        assert!(model.lm_head.is_none(), "the shape has tied embeddings");
        assert!(
            crate::fused::takes_gemv(1, 128, 32768, crate::fused::WeightLayout::OutIn),
            "one row takes the few-row product"
        );
        let embed = model.model.embed_tokens.weight.val();
        for rows in [1, GEMV_ROWS, TIED_DIRECT_ROWS - 1, TIED_DIRECT_ROWS + 1] {
            let hidden =
                Tensor::<Flex, 3>::random([1, rows, 128], Distribution::Normal(0.0, 1.0), &device);
            let got: Vec<f32> = model.logits(hidden.clone()).into_data().to_vec().unwrap();
            let want: Vec<f32> = hidden
                .reshape([rows, 128])
                .matmul(embed.clone().transpose())
                .into_data()
                .to_vec()
                .unwrap();
            assert_eq!(got.len(), rows * 32768);
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                assert!((g - w).abs() <= 1e-3, "{rows} rows, logit {i}: {g} vs {w}");
            }
        }
    }
}
