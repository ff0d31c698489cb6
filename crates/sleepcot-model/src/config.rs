//! `Qwen2Config`: the architecture hyper-parameters, read from and written to Hugging Face's
//! `config.json`.
//!
//! transformers 4 writes `rope_theta` at the top level; transformers 5 moves it under
//! `rope_parameters` (older files may use `rope_scaling`). All three spellings are accepted.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{ModelError, Result};

/// Architecture of a Qwen2 causal language model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Qwen2Config {
    /// Number of rows of the embedding matrix (may exceed the tokenizer's vocabulary).
    pub vocab_size: usize,
    /// Width of the residual stream.
    pub hidden_size: usize,
    /// Width of the SwiGLU MLP.
    pub intermediate_size: usize,
    /// Number of decoder layers.
    pub num_hidden_layers: usize,
    /// Number of query heads.
    pub num_attention_heads: usize,
    /// Number of key/value heads (grouped-query attention when smaller than the query heads).
    pub num_key_value_heads: usize,
    /// Width of one attention head.
    pub head_dim: usize,
    /// Longest sequence the positional tables cover.
    pub max_position_embeddings: usize,
    /// Base of the rotary position embedding frequencies.
    pub rope_theta: f64,
    /// Epsilon inside every RMSNorm.
    pub rms_norm_eps: f64,
    /// Whether `lm_head` shares the embedding matrix.
    pub tie_word_embeddings: bool,
    /// Beginning-of-sequence token, if the checkpoint names one.
    pub bos_token_id: Option<u32>,
    /// End-of-sequence tokens (HF allows one id or a list).
    pub eos_token_ids: Vec<u32>,
}

/// Name of the only architecture this crate implements.
pub const ARCHITECTURE: &str = "Qwen2ForCausalLM";

impl Qwen2Config {
    /// A Qwen2.5-style architecture of the given sizes: rope theta 1e6, RMSNorm eps 1e-6,
    /// tied embeddings, `head_dim = hidden / heads`, no special-token ids.
    pub fn qwen25_shape(
        vocab: usize,
        hidden: usize,
        intermediate: usize,
        layers: usize,
        heads: usize,
        kv_heads: usize,
        max_positions: usize,
    ) -> Self {
        Qwen2Config {
            vocab_size: vocab,
            hidden_size: hidden,
            intermediate_size: intermediate,
            num_hidden_layers: layers,
            num_attention_heads: heads,
            num_key_value_heads: kv_heads,
            head_dim: hidden / heads,
            max_position_embeddings: max_positions,
            rope_theta: 1.0e6,
            rms_norm_eps: 1e-6,
            tie_word_embeddings: true,
            bos_token_id: None,
            eos_token_ids: Vec::new(),
        }
    }

    /// The published architecture of Qwen2.5-0.5B or Qwen2.5-1.5B (base or `-Instruct`, by
    /// hub id or bare name), from their `config.json` on the hub: what an offline machine
    /// needs to size a run or benchmark that shape. `None` for any other model.
    pub fn published_qwen25(repo: &str) -> Option<Self> {
        let name = repo.rsplit('/').next()?.trim_end_matches("-Instruct");
        let (hidden, inter, layers, heads, kv) = match name {
            "Qwen2.5-0.5B" => (896, 4864, 24, 14, 2),
            "Qwen2.5-1.5B" => (1536, 8960, 28, 12, 2),
            _ => return None,
        };
        Some(Self::qwen25_shape(
            151_936, hidden, inter, layers, heads, kv, 32_768,
        ))
    }

    /// Parameters of a model of this shape, counted without building it: embeddings, per
    /// layer the attention projections (q, k, v with biases, o without), the SwiGLU MLP and
    /// two RMSNorms, the final norm, and the output head when it is not tied. Used to size
    /// runs before any weight exists.
    pub fn parameter_count(&self) -> u64 {
        let h = self.hidden_size as u64;
        let q = (self.num_attention_heads * self.head_dim) as u64;
        let kv = (self.num_key_value_heads * self.head_dim) as u64;
        let attention = (h * q + q) + 2 * (h * kv + kv) + q * h;
        let mlp = 3 * h * self.intermediate_size as u64;
        let layer = attention + mlp + 2 * h;
        let embeddings = self.vocab_size as u64 * h;
        let head = if self.tie_word_embeddings {
            0
        } else {
            embeddings
        };
        embeddings + self.num_hidden_layers as u64 * layer + h + head
    }

    /// `(in, out)` widths of one decoder layer's projection, as LoRA sees it.
    pub fn projection_shape(&self, module: crate::lora::TargetModule) -> (usize, usize) {
        use crate::lora::TargetModule::*;
        let (h, i) = (self.hidden_size, self.intermediate_size);
        let (q, kv) = (
            self.num_attention_heads * self.head_dim,
            self.num_key_value_heads * self.head_dim,
        );
        match module {
            Q => (h, q),
            K | V => (h, kv),
            O => (q, h),
            Gate | Up => (h, i),
            Down => (i, h),
        }
    }

    /// Reads and validates a `config.json` file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        if !path.is_file() {
            return Err(ModelError::MissingFile {
                path: path.to_path_buf(),
                what: "a Qwen2 config.json is required".into(),
            });
        }
        let text = std::fs::read_to_string(path).map_err(|source| ModelError::Io {
            action: "read",
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_json_str(&text, path)
    }

    /// Parses and validates the JSON text of a `config.json`; `origin` names it in errors.
    pub fn from_json_str(text: &str, origin: impl AsRef<Path>) -> Result<Self> {
        let path = origin.as_ref().to_path_buf();
        let value: Value = serde_json::from_str(text).map_err(|source| ModelError::Json {
            path: path.clone(),
            source,
        })?;
        let Value::Object(map) = value else {
            return Err(invalid(
                &path,
                "(root)",
                "not an object",
                "a JSON object was expected",
            ));
        };
        let reader = FieldReader {
            path: &path,
            map: &map,
        };
        reader.check_architecture()?;

        let hidden_size = reader.required_usize("hidden_size")?;
        let num_attention_heads = reader.required_usize("num_attention_heads")?;
        let num_key_value_heads = reader
            .optional_usize("num_key_value_heads")?
            .unwrap_or(num_attention_heads);
        if hidden_size % num_attention_heads != 0 && reader.optional_usize("head_dim")?.is_none() {
            return Err(invalid(
                &path,
                "num_attention_heads",
                &num_attention_heads.to_string(),
                &format!("it must divide hidden_size {hidden_size} when head_dim is absent"),
            ));
        }
        if num_attention_heads % num_key_value_heads != 0 {
            return Err(invalid(
                &path,
                "num_key_value_heads",
                &num_key_value_heads.to_string(),
                &format!("it must divide num_attention_heads {num_attention_heads}"),
            ));
        }
        let head_dim = reader
            .optional_usize("head_dim")?
            .unwrap_or(hidden_size / num_attention_heads);
        if head_dim % 2 != 0 {
            return Err(invalid(
                &path,
                "head_dim",
                &head_dim.to_string(),
                "rotary embeddings need an even head_dim",
            ));
        }
        if let Some(act) = map.get("hidden_act").and_then(Value::as_str)
            && act != "silu"
        {
            return Err(invalid(
                &path,
                "hidden_act",
                &format!("\"{act}\""),
                "Qwen2 uses \"silu\"",
            ));
        }
        if map.get("use_sliding_window").and_then(Value::as_bool) == Some(true) {
            return Err(invalid(
                &path,
                "use_sliding_window",
                "true",
                "sliding-window attention is not implemented",
            ));
        }
        let config = Self {
            vocab_size: reader.required_usize("vocab_size")?,
            hidden_size,
            intermediate_size: reader.required_usize("intermediate_size")?,
            num_hidden_layers: reader.required_usize("num_hidden_layers")?,
            num_attention_heads,
            num_key_value_heads,
            head_dim,
            max_position_embeddings: reader
                .optional_usize("max_position_embeddings")?
                .unwrap_or(32_768),
            rope_theta: reader.rope_theta()?,
            rms_norm_eps: reader.required_f64("rms_norm_eps")?,
            tie_word_embeddings: match map.get("tie_word_embeddings") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => *b,
                Some(other) => {
                    return Err(invalid(
                        &path,
                        "tie_word_embeddings",
                        &other.to_string(),
                        "a boolean was expected",
                    ));
                }
            },
            bos_token_id: reader.optional_token("bos_token_id")?,
            eos_token_ids: reader.token_list("eos_token_id")?,
        };
        config.validate(&path)?;
        Ok(config)
    }

    /// Checks that every size is positive and the epsilon and theta are usable.
    pub fn validate(&self, origin: &Path) -> Result<()> {
        let sizes = [
            ("vocab_size", self.vocab_size),
            ("hidden_size", self.hidden_size),
            ("intermediate_size", self.intermediate_size),
            ("num_hidden_layers", self.num_hidden_layers),
            ("num_attention_heads", self.num_attention_heads),
            ("num_key_value_heads", self.num_key_value_heads),
            ("head_dim", self.head_dim),
            ("max_position_embeddings", self.max_position_embeddings),
        ];
        for (field, value) in sizes {
            if value == 0 {
                return Err(invalid(
                    origin,
                    field,
                    "0",
                    "a positive integer was expected",
                ));
            }
        }
        if !(self.rope_theta.is_finite() && self.rope_theta > 0.0) {
            return Err(invalid(
                origin,
                "rope_theta",
                &self.rope_theta.to_string(),
                "a positive number was expected",
            ));
        }
        if !(self.rms_norm_eps.is_finite() && self.rms_norm_eps > 0.0) {
            return Err(invalid(
                origin,
                "rms_norm_eps",
                &self.rms_norm_eps.to_string(),
                "a positive number was expected",
            ));
        }
        Ok(())
    }

    /// Number of query heads sharing one key/value head.
    pub fn groups(&self) -> usize {
        self.num_attention_heads / self.num_key_value_heads
    }

    /// The `config.json` text transformers (4 and 5) and candle can read.
    pub fn to_hf_json(&self) -> Value {
        let eos = match self.eos_token_ids.as_slice() {
            [] => Value::Null,
            [one] => Value::from(*one),
            many => Value::from(many.to_vec()),
        };
        serde_json::json!({
            "architectures": [ARCHITECTURE],
            "model_type": "qwen2",
            "vocab_size": self.vocab_size,
            "hidden_size": self.hidden_size,
            "intermediate_size": self.intermediate_size,
            "num_hidden_layers": self.num_hidden_layers,
            "num_attention_heads": self.num_attention_heads,
            "num_key_value_heads": self.num_key_value_heads,
            "head_dim": self.head_dim,
            "max_position_embeddings": self.max_position_embeddings,
            "rope_theta": self.rope_theta,
            "rope_parameters": {"rope_type": "default", "rope_theta": self.rope_theta},
            "rms_norm_eps": self.rms_norm_eps,
            "tie_word_embeddings": self.tie_word_embeddings,
            "hidden_act": "silu",
            "attention_dropout": 0.0,
            "use_sliding_window": false,
            "sliding_window": Value::Null,
            "bos_token_id": self.bos_token_id,
            "eos_token_id": eos,
            "dtype": "float32",
        })
    }
}

fn invalid(path: &Path, field: &'static str, value: &str, expected: &str) -> ModelError {
    ModelError::InvalidConfig {
        path: path.to_path_buf(),
        field,
        value: value.to_string(),
        expected: expected.to_string(),
    }
}

/// Typed access to the fields of the parsed JSON object, with errors that name the field.
struct FieldReader<'a> {
    path: &'a PathBuf,
    map: &'a serde_json::Map<String, Value>,
}

impl FieldReader<'_> {
    fn check_architecture(&self) -> Result<()> {
        if let Some(archs) = self.map.get("architectures").and_then(Value::as_array) {
            let names: Vec<&str> = archs.iter().filter_map(Value::as_str).collect();
            if !names.is_empty() && !names.contains(&ARCHITECTURE) {
                return Err(ModelError::UnsupportedArchitecture {
                    path: self.path.clone(),
                    found: format!("{names:?}"),
                });
            }
        }
        if let Some(kind) = self.map.get("model_type").and_then(Value::as_str)
            && kind != "qwen2"
        {
            return Err(ModelError::UnsupportedArchitecture {
                path: self.path.clone(),
                found: format!("model_type \"{kind}\""),
            });
        }
        Ok(())
    }

    fn optional_usize(&self, field: &'static str) -> Result<Option<usize>> {
        match self.map.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_u64().map(|n| Some(n as usize)).ok_or_else(|| {
                invalid(
                    self.path,
                    field,
                    &v.to_string(),
                    "a non-negative integer was expected",
                )
            }),
        }
    }

    fn required_usize(&self, field: &'static str) -> Result<usize> {
        self.optional_usize(field)?
            .ok_or(ModelError::MissingConfigField {
                path: self.path.clone(),
                field,
            })
    }

    fn required_f64(&self, field: &'static str) -> Result<f64> {
        match self.map.get(field) {
            None | Some(Value::Null) => Err(ModelError::MissingConfigField {
                path: self.path.clone(),
                field,
            }),
            Some(v) => v
                .as_f64()
                .ok_or_else(|| invalid(self.path, field, &v.to_string(), "a number was expected")),
        }
    }

    fn optional_token(&self, field: &'static str) -> Result<Option<u32>> {
        match self.map.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| {
                    invalid(self.path, field, &v.to_string(), "a token id was expected")
                }),
        }
    }

    fn token_list(&self, field: &'static str) -> Result<Vec<u32>> {
        match self.map.get(field) {
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_u64()
                        .and_then(|n| u32::try_from(n).ok())
                        .ok_or_else(|| {
                            invalid(
                                self.path,
                                field,
                                &v.to_string(),
                                "a list of token ids was expected",
                            )
                        })
                })
                .collect(),
            _ => Ok(self.optional_token(field)?.into_iter().collect()),
        }
    }

    /// `rope_theta` at the top level (transformers 4) or inside `rope_parameters` /
    /// `rope_scaling` (transformers 5); scaled variants (yarn, linear ...) are refused.
    fn rope_theta(&self) -> Result<f64> {
        for holder in ["rope_parameters", "rope_scaling"] {
            let Some(Value::Object(params)) = self.map.get(holder) else {
                continue;
            };
            if let Some(kind) = params
                .get("rope_type")
                .or_else(|| params.get("type"))
                .and_then(Value::as_str)
                && kind != "default"
            {
                return Err(invalid(
                    self.path,
                    if holder == "rope_parameters" {
                        "rope_parameters"
                    } else {
                        "rope_scaling"
                    },
                    &format!("rope_type \"{kind}\""),
                    "only the \"default\" rotary embedding is implemented",
                ));
            }
            if let Some(theta) = params.get("rope_theta") {
                return theta.as_f64().ok_or_else(|| {
                    invalid(
                        self.path,
                        "rope_theta",
                        &theta.to_string(),
                        "a number was expected",
                    )
                });
            }
        }
        self.required_f64("rope_theta")
    }
}

#[cfg(test)]
mod tests {
    use super::Qwen2Config;

    #[test]
    fn published_qwen25_shapes_have_the_published_parameter_counts() {
        // transformers counts 494,032,768 parameters in Qwen2.5-0.5B (tied embeddings).
        let half = Qwen2Config::published_qwen25("Qwen/Qwen2.5-0.5B-Instruct").unwrap();
        assert_eq!(half.parameter_count(), 494_032_768);
        assert_eq!(half, Qwen2Config::published_qwen25("Qwen2.5-0.5B").unwrap());
        let one_half = Qwen2Config::published_qwen25("Qwen/Qwen2.5-1.5B").unwrap();
        assert_eq!((one_half.hidden_size, one_half.head_dim), (1536, 128));
        assert_eq!(Qwen2Config::published_qwen25("Qwen/Qwen2.5-7B"), None);
    }
}
