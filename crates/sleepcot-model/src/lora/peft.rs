//! Saving and loading adapters in Hugging Face PEFT's on-disk format.
//!
//! A PEFT LoRA directory holds `adapter_config.json` and `adapter_model.safetensors` with keys
//! `base_model.model.<module path>.lora_A.weight` (`[r, in]`) and `….lora_B.weight` (`[out, r]`),
//! PyTorch's `[out, in]` convention. Burn keeps `A` as `[in, r]` and `B` as `[r, out]`, so both
//! factors are transposed on the way out and on the way in.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use burn::module::Module;
use burn::tensor::backend::Backend;
use burn::tensor::{DType, Tensor, TensorData};
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::apply::freeze;
use super::config::{LoraConfig, TargetModule};
use super::error::LoraError;
use super::linear::LoraAdapter;
use super::targets::LoraTargets;

/// File name of the adapter configuration.
pub const ADAPTER_CONFIG_FILE: &str = "adapter_config.json";
/// File name of the adapter weights.
pub const ADAPTER_WEIGHTS_FILE: &str = "adapter_model.safetensors";
/// Prefix PEFT puts before a module path (`PeftModel.base_model` → `LoraModel.model`).
const KEY_PREFIX: &str = "base_model.model.";

/// The fields of PEFT's `adapter_config.json` that this crate reads or writes.
///
/// Unknown fields (PEFT adds new ones in most releases) are ignored on load; fields that would
/// change the arithmetic (DoRA, rsLoRA, per-module ranks, biases …) are rejected on load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeftAdapterConfig {
    /// Always `"LORA"` here.
    pub peft_type: String,
    /// `"CAUSAL_LM"` for a decoder.
    #[serde(default)]
    pub task_type: Option<String>,
    /// The base model the adapter was trained on (hub id or path).
    #[serde(default)]
    pub base_model_name_or_path: Option<String>,
    /// Rank.
    pub r: usize,
    /// Scaling numerator.
    pub lora_alpha: f64,
    /// Input dropout probability.
    #[serde(default)]
    pub lora_dropout: f64,
    /// Adapted module names (a list; PEFT also allows a regex string, which is not supported).
    pub target_modules: Value,
    /// Which biases are trained (`"none"` only).
    #[serde(default = "bias_none")]
    pub bias: String,
    /// Whether the base stores weights as `[in, out]` (false for Qwen2).
    #[serde(default)]
    pub fan_in_fan_out: bool,
    /// `alpha / sqrt(r)` scaling (not supported).
    #[serde(default)]
    pub use_rslora: bool,
    /// Weight-decomposed LoRA (not supported).
    #[serde(default)]
    pub use_dora: bool,
    /// Whether the adapter was saved for inference.
    #[serde(default)]
    pub inference_mode: bool,
    /// PEFT's initialisation scheme (recorded only).
    #[serde(default = "init_default")]
    pub init_lora_weights: Value,
    /// Extra fully trained modules (not supported).
    #[serde(default)]
    pub modules_to_save: Option<Vec<String>>,
    /// Per-module ranks (not supported).
    #[serde(default)]
    pub rank_pattern: BTreeMap<String, Value>,
    /// Per-module alphas (not supported).
    #[serde(default)]
    pub alpha_pattern: BTreeMap<String, Value>,
    /// Restriction to some layers (not supported).
    #[serde(default)]
    pub layers_to_transform: Option<Value>,
    /// Name of the layer list that `layers_to_transform` indexes.
    #[serde(default)]
    pub layers_pattern: Option<Value>,
    /// Revision of the base model.
    #[serde(default)]
    pub revision: Option<String>,
}

fn bias_none() -> String {
    "none".to_string()
}

fn init_default() -> Value {
    Value::Bool(true)
}

impl PeftAdapterConfig {
    /// The PEFT config that describes `config`.
    pub fn from_lora(config: &LoraConfig, base_model_name_or_path: Option<&str>) -> Self {
        let targets: BTreeSet<TargetModule> = config.target_modules.iter().copied().collect();
        Self {
            peft_type: "LORA".to_string(),
            task_type: Some("CAUSAL_LM".to_string()),
            base_model_name_or_path: base_model_name_or_path.map(str::to_string),
            r: config.r,
            lora_alpha: config.alpha,
            lora_dropout: config.dropout,
            target_modules: Value::Array(
                targets
                    .iter()
                    .map(|t| Value::String(t.peft_name().to_string()))
                    .collect(),
            ),
            bias: bias_none(),
            fan_in_fan_out: false,
            use_rslora: false,
            use_dora: false,
            inference_mode: true,
            init_lora_weights: init_default(),
            modules_to_save: None,
            rank_pattern: BTreeMap::new(),
            alpha_pattern: BTreeMap::new(),
            layers_to_transform: None,
            layers_pattern: None,
            revision: None,
        }
    }

    /// Checks that the adapter only uses features this crate implements and converts it to a
    /// [`LoraConfig`]; `path` names the file in errors.
    pub fn to_lora(&self, path: &Path) -> Result<LoraConfig, LoraError> {
        let unsupported = |field: &'static str, value: String, expected: &'static str| {
            Err(LoraError::UnsupportedConfig {
                path: path.to_path_buf(),
                field,
                value,
                expected,
            })
        };
        if self.peft_type != "LORA" {
            return unsupported("peft_type", format!("{:?}", self.peft_type), "\"LORA\"");
        }
        if self.bias != "none" {
            return unsupported("bias", format!("{:?}", self.bias), "\"none\"");
        }
        for (field, on) in [
            ("fan_in_fan_out", self.fan_in_fan_out),
            ("use_rslora", self.use_rslora),
            ("use_dora", self.use_dora),
        ] {
            if on {
                return unsupported(field, "true".into(), "false");
            }
        }
        if !self.rank_pattern.is_empty() {
            return unsupported("rank_pattern", "a non-empty map".into(), "{}");
        }
        if !self.alpha_pattern.is_empty() {
            return unsupported("alpha_pattern", "a non-empty map".into(), "{}");
        }
        if self.modules_to_save.as_ref().is_some_and(|m| !m.is_empty()) {
            return unsupported("modules_to_save", "a non-empty list".into(), "null");
        }
        if self
            .layers_to_transform
            .as_ref()
            .is_some_and(|v| !v.is_null())
        {
            return unsupported("layers_to_transform", "a layer selection".into(), "null");
        }
        let Value::Array(names) = &self.target_modules else {
            return unsupported(
                "target_modules",
                self.target_modules.to_string(),
                "a list of projection names",
            );
        };
        let mut target_modules = Vec::with_capacity(names.len());
        for name in names {
            match name.as_str().and_then(TargetModule::from_peft_name) {
                Some(t) => target_modules.push(t),
                None => {
                    return unsupported(
                        "target_modules",
                        format!("a list containing {name}"),
                        "q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj and down_proj",
                    );
                }
            }
        }
        let config = LoraConfig {
            r: self.r,
            alpha: self.lora_alpha,
            dropout: self.lora_dropout,
            target_modules,
        };
        config.validate().map_err(|e| LoraError::MalformedConfig {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        Ok(config)
    }
}

/// The safetensors key of a factor (`"A"` or `"B"`) of the projection at `module_path`.
pub fn peft_key(module_path: &str, factor: char) -> String {
    format!("{KEY_PREFIX}{module_path}.lora_{factor}.weight")
}

/// Writes the model's adapters to `dir` as `adapter_config.json` + `adapter_model.safetensors`
/// (float32), each file atomically; returns the config written.
///
/// Every adapter must share one rank, alpha and dropout, and a projection kind is either adapted
/// in every layer or in none, because one PEFT config describes them all.
pub fn save_peft_adapter<B, M>(
    model: &mut M,
    dir: impl AsRef<Path>,
    base_model_name_or_path: Option<&str>,
) -> Result<PeftAdapterConfig, LoraError>
where
    B: Backend,
    M: LoraTargets<B>,
{
    let dir = dir.as_ref();
    let mut tensors: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    let mut seen: Option<(usize, f64, f64)> = None;
    let mut adapted: BTreeMap<TargetModule, (usize, usize)> = BTreeMap::new();
    for projection in model.projections_mut() {
        let entry = adapted.entry(projection.module).or_insert((0, 0));
        entry.1 += 1;
        let Some(adapter) = &projection.layer.adapter else {
            continue;
        };
        entry.0 += 1;
        let params = (adapter.rank(), adapter.alpha, adapter.dropout.prob);
        check_same(&mut seen, params)?;
        let a = adapter.a.val().transpose();
        let b = adapter.b.val().transpose();
        tensors.push((
            peft_key(&projection.path, 'A'),
            a.dims().to_vec(),
            f32_bytes(a),
        ));
        tensors.push((
            peft_key(&projection.path, 'B'),
            b.dims().to_vec(),
            f32_bytes(b),
        ));
    }
    let Some((r, alpha, dropout)) = seen else {
        return Err(LoraError::NoAdapters);
    };
    let mut target_modules = Vec::new();
    for (module, (with_adapter, total)) in adapted {
        if with_adapter == 0 {
            continue;
        }
        if with_adapter != total {
            return Err(LoraError::Inconsistent {
                what: "which layers adapt a projection",
                first: format!(
                    "{} has adapters in {with_adapter} layers",
                    module.peft_name()
                ),
                other: format!("the model has {total} layers"),
            });
        }
        target_modules.push(module);
    }
    let lora = LoraConfig {
        r,
        alpha,
        dropout,
        target_modules,
    };
    let config = PeftAdapterConfig::from_lora(&lora, base_model_name_or_path);

    std::fs::create_dir_all(dir).map_err(|e| LoraError::Io {
        action: "create the directory of",
        path: dir.to_path_buf(),
        reason: e.to_string(),
    })?;
    let views = tensors
        .iter()
        .map(|(name, shape, bytes)| {
            TensorView::new(Dtype::F32, shape.clone(), bytes).map(|view| (name.clone(), view))
        })
        .collect::<Result<Vec<_>, _>>()
        .and_then(|views| {
            let metadata = HashMap::from([("format".to_string(), "pt".to_string())]);
            safetensors::serialize(views, Some(metadata))
        });
    let weights_path = dir.join(ADAPTER_WEIGHTS_FILE);
    let bytes = views.map_err(|e| LoraError::Io {
        action: "serialise",
        path: weights_path.clone(),
        reason: e.to_string(),
    })?;
    write_atomic(&weights_path, &bytes)?;
    let config_path = dir.join(ADAPTER_CONFIG_FILE);
    let mut json = serde_json::to_string_pretty(&config).map_err(|e| LoraError::Io {
        action: "serialise",
        path: config_path.clone(),
        reason: e.to_string(),
    })?;
    json.push('\n');
    write_atomic(&config_path, json.as_bytes())?;
    Ok(config)
}

/// Reads a PEFT LoRA adapter from `dir`, checks it against the model, freezes the model and
/// attaches the adapters (replacing any present); returns the adapter's configuration.
///
/// Every tensor's shape is checked against the projection it targets and every key must belong to
/// a targeted projection, so an adapter for another base model is refused with the name and
/// shapes of the first tensor that does not fit. The model is left untouched on error.
pub fn load_peft_adapter<B, M>(
    model: &mut M,
    dir: impl AsRef<Path>,
) -> Result<LoraConfig, LoraError>
where
    B: Backend,
    M: LoraTargets<B> + Module<B>,
{
    let dir = dir.as_ref();
    let config_path = dir.join(ADAPTER_CONFIG_FILE);
    let text = read_file(&config_path, "adapter_config.json")?;
    let text = String::from_utf8(text).map_err(|e| LoraError::MalformedConfig {
        path: config_path.clone(),
        reason: e.to_string(),
    })?;
    let peft: PeftAdapterConfig =
        serde_json::from_str(&text).map_err(|e| LoraError::MalformedConfig {
            path: config_path.clone(),
            reason: e.to_string(),
        })?;
    let config = peft.to_lora(&config_path)?;

    let weights_path = dir.join(ADAPTER_WEIGHTS_FILE);
    let bytes = read_file(&weights_path, "adapter_model.safetensors")?;
    let file = SafeTensors::deserialize(&bytes).map_err(|e| LoraError::MalformedWeights {
        path: weights_path.clone(),
        reason: e.to_string(),
    })?;
    let mut unused: BTreeSet<String> = file.names().into_iter().map(str::to_string).collect();

    let mut adapters = Vec::new();
    for projection in model.projections_mut() {
        if !config.targets(projection.module) {
            adapters.push(None);
            continue;
        }
        let layer = &projection.layer;
        let weight = layer.base.weight.val();
        let device = weight.device();
        let (d_in, d_out) = (layer.d_in(), layer.d_out());
        let mut factor = |name: char, shape: [usize; 2]| -> Result<Tensor<B, 2>, LoraError> {
            let key = peft_key(&projection.path, name);
            let values = read_tensor(&file, &weights_path, &key, shape)?;
            unused.remove(&key);
            let tensor =
                Tensor::<B, 2>::from_data(TensorData::new(values, shape), (&device, DType::F32));
            Ok(tensor.transpose())
        };
        let a = factor('A', [config.r, d_in])?;
        let b = factor('B', [d_out, config.r])?;
        adapters.push(Some(LoraAdapter::from_factors(
            a,
            b,
            config.alpha,
            config.dropout,
        )));
    }
    if let Some(name) = unused.into_iter().next() {
        return Err(LoraError::UnknownTensor {
            path: weights_path,
            name,
        });
    }

    freeze(model);
    for (projection, adapter) in model.projections_mut().into_iter().zip(adapters) {
        if let Some(adapter) = adapter {
            *projection.layer = projection.layer.clone().with_adapter(adapter);
        }
    }
    Ok(config)
}

fn check_same(
    seen: &mut Option<(usize, f64, f64)>,
    params: (usize, f64, f64),
) -> Result<(), LoraError> {
    let Some(first) = *seen else {
        *seen = Some(params);
        return Ok(());
    };
    let differ = |what: &'static str, a: String, b: String| {
        Err(LoraError::Inconsistent {
            what,
            first: a,
            other: b,
        })
    };
    if first.0 != params.0 {
        return differ("rank", first.0.to_string(), params.0.to_string());
    }
    if first.1 != params.1 {
        return differ("alpha", first.1.to_string(), params.1.to_string());
    }
    if first.2 != params.2 {
        return differ("dropout", first.2.to_string(), params.2.to_string());
    }
    Ok(())
}

/// Little-endian float32 bytes of a tensor, in logical (row-major) order.
fn f32_bytes<B: Backend>(tensor: Tensor<B, 2>) -> Vec<u8> {
    let data = tensor.into_data().convert::<f32>();
    let values = data.to_vec::<f32>().unwrap_or_default();
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Reads the float tensor `key`, checks its shape, and widens it to f32.
fn read_tensor(
    file: &SafeTensors<'_>,
    path: &Path,
    key: &str,
    expected: [usize; 2],
) -> Result<Vec<f32>, LoraError> {
    let view = file.tensor(key).map_err(|_| LoraError::MissingTensor {
        path: path.to_path_buf(),
        name: key.to_string(),
    })?;
    if view.shape() != expected {
        return Err(LoraError::ShapeMismatch {
            path: path.to_path_buf(),
            name: key.to_string(),
            found: view.shape().to_vec(),
            expected: expected.to_vec(),
        });
    }
    let data = view.data();
    let values = match view.dtype() {
        Dtype::F32 => bytemuck::pod_collect_to_vec::<u8, f32>(data),
        Dtype::F16 => bytemuck::pod_collect_to_vec::<u8, half::f16>(data)
            .into_iter()
            .map(f32::from)
            .collect(),
        Dtype::BF16 => bytemuck::pod_collect_to_vec::<u8, half::bf16>(data)
            .into_iter()
            .map(f32::from)
            .collect(),
        other => {
            return Err(LoraError::UnsupportedDType {
                path: path.to_path_buf(),
                name: key.to_string(),
                dtype: format!("{other:?}"),
            });
        }
    };
    Ok(values)
}

fn read_file(path: &Path, what: &'static str) -> Result<Vec<u8>, LoraError> {
    if !path.is_file() {
        return Err(LoraError::MissingFile {
            path: path.to_path_buf(),
            what,
        });
    }
    std::fs::read(path).map_err(|e| LoraError::Io {
        action: "read",
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// Atomic write (temporary file + rename), with the error naming the file.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), LoraError> {
    crate::tokenizer::chat_tokenizer::write_atomic(path, bytes).map_err(|e| LoraError::Io {
        action: "write",
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}
