//! Choosing the burn backend at run time.
//!
//! The model is generic over `B: Backend`; code that picks the backend from a command-line flag
//! implements [`BackendTask`] once and hands it to [`BackendKind::run`], which instantiates it for
//! the chosen backend. GPU backends exist only when the crate features `wgpu` / `cuda` are on.

use std::fmt;
use std::str::FromStr;

use burn::tensor::{DType, backend::Backend};

use crate::error::{ModelError, Result};

/// The backends this crate can run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// burn-flex: the pure-Rust CPU backend (always available).
    #[default]
    Flex,
    /// burn-wgpu (Vulkan, Metal, DX12, WebGPU); needs the `wgpu` feature.
    Wgpu,
    /// burn-cuda; needs the `cuda` feature.
    Cuda,
}

/// Work that is generic over the backend, run by [`BackendKind::run`].
pub trait BackendTask {
    /// What the task returns.
    type Output;
    /// Runs the task on backend `B` and its default device.
    fn run<B: Backend>(self, device: B::Device) -> Self::Output;
}

impl BackendKind {
    /// The names accepted by [`FromStr`].
    pub const NAMES: [&'static str; 3] = ["flex", "wgpu", "cuda"];

    /// Whether this build includes the backend.
    pub fn is_available(self) -> bool {
        match self {
            Self::Flex => true,
            Self::Wgpu => cfg!(feature = "wgpu"),
            Self::Cuda => cfg!(feature = "cuda"),
        }
    }

    /// Runs `task` on this backend's default device.
    pub fn run<T: BackendTask>(self, task: T) -> Result<T::Output> {
        match self {
            Self::Flex => Ok(task.run::<burn::backend::Flex>(Default::default())),
            #[cfg(feature = "wgpu")]
            Self::Wgpu => Ok(task.run::<burn::backend::Wgpu>(Default::default())),
            #[cfg(feature = "cuda")]
            Self::Cuda => Ok(task.run::<burn::backend::Cuda>(Default::default())),
            #[allow(unreachable_patterns)]
            other => Err(ModelError::InvalidRequest {
                what: "backend",
                message: format!("{other} is not compiled in; rebuild with `--features {other}`"),
            }),
        }
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Flex => "flex",
            Self::Wgpu => "wgpu",
            Self::Cuda => "cuda",
        })
    }
}

impl FromStr for BackendKind {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "flex" | "cpu" => Ok(Self::Flex),
            "wgpu" => Ok(Self::Wgpu),
            "cuda" => Ok(Self::Cuda),
            _ => Err(ModelError::InvalidRequest {
                what: "backend",
                message: format!("\"{s}\" is not one of {:?}", Self::NAMES),
            }),
        }
    }
}

/// Parses a compute dtype name: `f32`, `f16` or `bf16`.
pub fn parse_dtype(s: &str) -> Result<DType> {
    match s.to_ascii_lowercase().as_str() {
        "f32" | "float32" => Ok(DType::F32),
        "f16" | "float16" => Ok(DType::F16),
        "bf16" | "bfloat16" => Ok(DType::BF16),
        _ => Err(ModelError::InvalidRequest {
            what: "dtype",
            message: format!("\"{s}\" is not one of f32, f16, bf16"),
        }),
    }
}
