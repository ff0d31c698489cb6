//! Which projections get LoRA adapters, and with what rank, alpha and dropout.

use serde::{Deserialize, Serialize};

use super::error::LoraError;

/// One of the seven Qwen2 projections that LoRA can adapt, named as PEFT names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TargetModule {
    /// `self_attn.q_proj`.
    #[serde(rename = "q_proj")]
    Q,
    /// `self_attn.k_proj`.
    #[serde(rename = "k_proj")]
    K,
    /// `self_attn.v_proj`.
    #[serde(rename = "v_proj")]
    V,
    /// `self_attn.o_proj`.
    #[serde(rename = "o_proj")]
    O,
    /// `mlp.gate_proj`.
    #[serde(rename = "gate_proj")]
    Gate,
    /// `mlp.up_proj`.
    #[serde(rename = "up_proj")]
    Up,
    /// `mlp.down_proj`.
    #[serde(rename = "down_proj")]
    Down,
}

impl TargetModule {
    /// All seven projections, in decoder order.
    pub const ALL: [TargetModule; 7] = [
        TargetModule::Q,
        TargetModule::K,
        TargetModule::V,
        TargetModule::O,
        TargetModule::Gate,
        TargetModule::Up,
        TargetModule::Down,
    ];

    /// The PEFT / Hugging Face module name (`q_proj` … `down_proj`).
    pub fn peft_name(self) -> &'static str {
        match self {
            TargetModule::Q => "q_proj",
            TargetModule::K => "k_proj",
            TargetModule::V => "v_proj",
            TargetModule::O => "o_proj",
            TargetModule::Gate => "gate_proj",
            TargetModule::Up => "up_proj",
            TargetModule::Down => "down_proj",
        }
    }

    /// The parent block in a decoder layer (`self_attn` or `mlp`).
    pub fn block(self) -> &'static str {
        match self {
            TargetModule::Q | TargetModule::K | TargetModule::V | TargetModule::O => "self_attn",
            TargetModule::Gate | TargetModule::Up | TargetModule::Down => "mlp",
        }
    }

    /// Parses a PEFT module name.
    pub fn from_peft_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.peft_name() == name)
    }

    /// The Hugging Face path of this projection in decoder layer `layer`
    /// (e.g. `model.layers.3.self_attn.q_proj`).
    pub fn module_path(self, layer: usize) -> String {
        format!("model.layers.{layer}.{}.{}", self.block(), self.peft_name())
    }
}

/// LoRA hyper-parameters, mirroring PEFT's `LoraConfig` fields that this crate supports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoraConfig {
    /// Rank of the update (PEFT `r`).
    pub r: usize,
    /// Numerator of the scaling `alpha / r` (PEFT `lora_alpha`).
    pub alpha: f64,
    /// Dropout probability on the branch input (PEFT `lora_dropout`).
    #[serde(default)]
    pub dropout: f64,
    /// Projections to adapt.
    pub target_modules: Vec<TargetModule>,
}

impl Default for LoraConfig {
    /// PEFT-style defaults for Qwen: r 8, alpha 16, no dropout, all seven projections.
    fn default() -> Self {
        Self {
            r: 8,
            alpha: 16.0,
            dropout: 0.0,
            target_modules: TargetModule::ALL.to_vec(),
        }
    }
}

impl LoraConfig {
    /// Trainable parameters these adapters add to a model of shape `model`: `r·(in + out)` per
    /// adapted projection per layer.
    pub fn parameter_count(&self, model: &crate::Qwen2Config) -> u64 {
        let per_layer: usize = self
            .target_modules
            .iter()
            .map(|m| {
                let (i, o) = model.projection_shape(*m);
                self.r * (i + o)
            })
            .sum();
        (per_layer * model.num_hidden_layers) as u64
    }

    /// A configuration adapting all seven projections.
    pub fn all_projections(r: usize, alpha: f64, dropout: f64) -> Self {
        Self {
            r,
            alpha,
            dropout,
            target_modules: TargetModule::ALL.to_vec(),
        }
    }

    /// `alpha / r`, the factor applied to `A·B`.
    pub fn scaling(&self) -> f64 {
        self.alpha / self.r as f64
    }

    /// Whether `module` is adapted.
    pub fn targets(&self, module: TargetModule) -> bool {
        self.target_modules.contains(&module)
    }

    /// Checks that every value is usable.
    pub fn validate(&self) -> Result<(), LoraError> {
        let invalid = |field: &'static str, value: String, expected: &'static str| {
            Err(LoraError::InvalidConfig {
                field,
                value,
                expected,
            })
        };
        if self.r == 0 {
            return invalid("r", "0".into(), "a rank of at least 1");
        }
        if !self.alpha.is_finite() || self.alpha <= 0.0 {
            return invalid("alpha", self.alpha.to_string(), "a finite number above 0");
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return invalid(
                "dropout",
                self.dropout.to_string(),
                "a probability in [0, 1)",
            );
        }
        if self.target_modules.is_empty() {
            return invalid(
                "target_modules",
                "an empty list".into(),
                "at least one of q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj",
            );
        }
        Ok(())
    }
}
