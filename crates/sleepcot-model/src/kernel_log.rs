//! Counting what the GPU runtime does: kernel launches, kernel compilations and memory
//! reservations, read from cubecl's own logs.
//!
//! cubecl can log every kernel it launches (its "minimal" profiling level, which does not time
//! them and so does not synchronise), every kernel it compiles, and every buffer it reserves or
//! allocates. [`KernelLog::start`] sends all three to one file before the runtime starts, and
//! [`KernelLog::counts`] tallies the file so far; the difference between two tallies is what
//! happened in between. The decode trace of `xtask bench generate --trace` is built on it.

#[cfg(any(feature = "wgpu", feature = "cuda"))]
use std::path::{Path, PathBuf};

#[cfg(any(feature = "wgpu", feature = "cuda"))]
use burn::cubecl::config::{
    CubeClRuntimeConfig, RuntimeConfig, compilation::CompilationLogLevel, memory::MemoryLogLevel,
    profiling::ProfilingLogLevel,
};
use serde::Serialize;

#[cfg(any(feature = "wgpu", feature = "cuda"))]
use crate::error::{ModelError, Result};

/// Tallies of the runtime's log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct KernelCounts {
    /// Kernels launched.
    pub dispatches: u64,
    /// Kernels compiled.
    pub compilations: u64,
    /// Buffers reserved from the memory pools (each tensor a kernel writes).
    pub reservations: u64,
    /// New memory pages allocated on the device.
    pub allocations: u64,
}

impl KernelCounts {
    /// What happened between `earlier` and `self`.
    pub fn since(self, earlier: KernelCounts) -> KernelCounts {
        KernelCounts {
            dispatches: self.dispatches - earlier.dispatches,
            compilations: self.compilations - earlier.compilations,
            reservations: self.reservations - earlier.reservations,
            allocations: self.allocations - earlier.allocations,
        }
    }

    /// Counts the launch, compilation and memory lines of a cubecl log.
    pub fn tally(text: &str) -> KernelCounts {
        let mut counts = KernelCounts::default();
        for line in text.lines() {
            if line.starts_with("Executing ") {
                counts.dispatches += 1;
            } else if line.starts_with("[Compiling kernel]") {
                counts.compilations += 1;
            } else if line.contains("Reserved memory") {
                counts.reservations += 1;
            } else if line.contains("Allocated a new memory page") {
                counts.allocations += 1;
            }
        }
        counts
    }
}

/// The runtime's log file, configured by [`KernelLog::start`] (GPU builds only).
#[cfg(any(feature = "wgpu", feature = "cuda"))]
#[derive(Debug)]
pub struct KernelLog {
    path: PathBuf,
}

#[cfg(any(feature = "wgpu", feature = "cuda"))]
impl KernelLog {
    /// Routes cubecl's launch, compilation and memory logs to `path` (truncated). It must run
    /// before the first use of a GPU backend in this process: the runtime reads its
    /// configuration once.
    pub fn start(path: &Path) -> Result<Self> {
        std::fs::write(path, "").map_err(|e| ModelError::InvalidRequest {
            what: "kernel log",
            message: format!("cannot write {}: {e}", path.display()),
        })?;
        let mut config = CubeClRuntimeConfig::default();
        config.profiling.logger.level = ProfilingLogLevel::Minimal;
        config.profiling.logger.file = Some(path.to_path_buf());
        config.compilation.logger.level = CompilationLogLevel::Basic;
        config.compilation.logger.file = Some(path.to_path_buf());
        config.memory.logger.level = MemoryLogLevel::Full;
        config.memory.logger.file = Some(path.to_path_buf());
        // `set` refuses a second configuration by panicking; report that as an error instead.
        std::panic::catch_unwind(|| CubeClRuntimeConfig::set(config)).map_err(|_| {
            ModelError::InvalidRequest {
                what: "kernel log",
                message: "the GPU runtime was already configured in this process".into(),
            }
        })?;
        Ok(Self {
            path: path.to_path_buf(),
        })
    }

    /// Tallies everything logged so far. The runtime logs from its own thread, so callers wait
    /// for the device (a read) and give the logger a moment before tallying.
    pub fn counts(&self) -> Result<KernelCounts> {
        let text = std::fs::read(&self.path).map_err(|e| ModelError::InvalidRequest {
            what: "kernel log",
            message: format!("cannot read {}: {e}", self.path.display()),
        })?;
        Ok(KernelCounts::tally(&String::from_utf8_lossy(&text)))
    }
}

#[cfg(test)]
mod tests {
    use super::KernelCounts;

    #[test]
    fn the_log_lines_are_tallied_by_kind() {
        let text = "[Compiling kernel] matmul\nExecuting matmul\nExecuting add\n\
                    [wgpu] Reserved memory 4 KiB using dynamic pool\n\
                    [wgpu], Allocated a new memory page, current usage: \n  pool 0: 1 MiB\n\
                    Executing add\n";
        let counts = KernelCounts::tally(text);
        assert_eq!(
            counts,
            KernelCounts {
                dispatches: 3,
                compilations: 1,
                reservations: 1,
                allocations: 1
            }
        );
        assert_eq!(counts.since(counts), KernelCounts::default());
    }
}
