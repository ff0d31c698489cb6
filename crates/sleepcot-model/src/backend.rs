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

/// Work that is generic over the backend, run by [`BackendKind::run`] or
/// [`BackendKind::run_on`].
pub trait BackendTask: Sized {
    /// What the task returns.
    type Output;
    /// Runs the task on backend `B` and its default device.
    fn run<B: Backend>(self, device: B::Device) -> Self::Output;
    /// Runs the task on several devices of backend `B` (the first is the main one). Tasks that
    /// can spread work over devices override this; the default uses the first device alone.
    fn run_on<B: Backend>(self, devices: Vec<B::Device>) -> Self::Output {
        self.run::<B>(devices.into_iter().next().unwrap_or_default())
    }
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

    /// Runs `task` on the first `devices` devices of this backend: GPUs `0..devices` for `cuda`
    /// and, with more than one, discrete GPUs `0..devices` for `wgpu`; for `flex`, the one CPU
    /// repeated (each replica then shares the same cores, which is only useful for checking
    /// that data-parallel training computes what one device does).
    ///
    /// Each device is probed with a one-element allocation first, so asking for more GPUs than
    /// the machine has is an error naming the device instead of a panic deep in the runtime.
    pub fn run_on<T: BackendTask>(self, task: T, devices: usize) -> Result<T::Output> {
        if devices <= 1 {
            return self.run(task);
        }
        match self {
            Self::Flex => Ok(task.run_on::<burn::backend::Flex>(vec![Default::default(); devices])),
            #[cfg(feature = "wgpu")]
            Self::Wgpu => {
                let list: Vec<_> = (0..devices)
                    .map(burn::backend::wgpu::WgpuDevice::DiscreteGpu)
                    .collect();
                probe_devices::<burn::backend::Wgpu>(self, &list)?;
                Ok(task.run_on::<burn::backend::Wgpu>(list))
            }
            #[cfg(feature = "cuda")]
            Self::Cuda => {
                let list: Vec<_> = (0..devices)
                    .map(burn::backend::cuda::CudaDevice::new)
                    .collect();
                probe_devices::<burn::backend::Cuda>(self, &list)?;
                Ok(task.run_on::<burn::backend::Cuda>(list))
            }
            #[allow(unreachable_patterns)]
            other => other.run(task),
        }
    }
}

/// Checks that every device can hold a tensor; GPU runtimes panic on a device index the machine
/// does not have, and that panic is turned into an error here (the panic hook is silenced
/// while a device is probed, so the runtime's message does not reach the terminal).
#[cfg_attr(not(any(feature = "wgpu", feature = "cuda")), allow(dead_code))]
fn probe_devices<B: Backend>(kind: BackendKind, devices: &[B::Device]) -> Result<()> {
    for (index, device) in devices.iter().enumerate() {
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let usable = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            burn::tensor::Tensor::<B, 1>::zeros([1], device).into_data()
        }))
        .is_ok();
        std::panic::set_hook(hook);
        if !usable {
            return Err(ModelError::InvalidRequest {
                what: "devices",
                message: format!(
                    "{kind} device {index} (of the {} asked for) cannot be used; does this machine have that many GPUs?",
                    devices.len()
                ),
            });
        }
    }
    Ok(())
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
