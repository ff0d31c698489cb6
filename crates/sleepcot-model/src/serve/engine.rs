//! The model behind the server, with the backend erased: [`Engine`] generates from token ids,
//! and [`load_engine`] builds one from a checkpoint directory (plus an optional PEFT adapter,
//! merged into the weights) on the backend chosen at run time.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use burn::tensor::DType;
use burn::tensor::backend::Backend;

use super::error::ServeError;
use crate::backend::{BackendKind, BackendTask};
use crate::error::ModelError;
use crate::generate::{GenerationConfig, GenerationOutput, generate};
use crate::model::Qwen2ForCausalLM;

/// A text generator over token ids, shareable across request handlers.
pub trait Engine: Send + Sync + 'static {
    /// The longest sequence (prompt plus new tokens) the model can attend over.
    fn max_positions(&self) -> usize;
    /// The embedding height; prompt ids must be below it.
    fn vocab_size(&self) -> usize;
    /// Generates one row; `on_token` sees every new token as soon as it is chosen.
    fn generate(
        &self,
        prompt: &[u32],
        config: &GenerationConfig,
        on_token: &mut dyn FnMut(u32),
    ) -> Result<GenerationOutput, ModelError>;
}

/// A loaded Qwen2 model on backend `B`.
pub struct ModelEngine<B: Backend> {
    model: Qwen2ForCausalLM<B>,
}

impl<B: Backend> ModelEngine<B> {
    /// Wraps a model.
    pub fn new(model: Qwen2ForCausalLM<B>) -> Self {
        ModelEngine { model }
    }
}

impl<B: Backend> Engine for ModelEngine<B> {
    fn max_positions(&self) -> usize {
        self.model.config.max_position_embeddings
    }

    fn vocab_size(&self) -> usize {
        self.model.config.vocab_size
    }

    fn generate(
        &self,
        prompt: &[u32],
        config: &GenerationConfig,
        on_token: &mut dyn FnMut(u32),
    ) -> Result<GenerationOutput, ModelError> {
        generate(&self.model, &[prompt.to_vec()], config, |_, t| on_token(t))
    }
}

struct Load {
    model: PathBuf,
    adapter: Option<PathBuf>,
    dtype: DType,
}

impl BackendTask for Load {
    type Output = Result<Arc<dyn Engine>, ServeError>;

    fn run<B: Backend>(self, device: B::Device) -> Self::Output {
        let load_err = |path: &Path, message: String| ServeError::Load {
            path: path.to_path_buf(),
            message,
        };
        let mut model = crate::checkpoint::load_pretrained::<B>(&self.model, self.dtype, &device)
            .map_err(|e| load_err(&self.model, e.to_string()))?;
        if let Some(adapter) = &self.adapter {
            crate::lora::load_peft_adapter(&mut model, adapter)
                .map_err(|e| load_err(adapter, e.to_string()))?;
            crate::lora::merge(&mut model);
        }
        Ok(Arc::new(ModelEngine::new(model)))
    }
}

/// Loads the checkpoint in `model` (and merges the PEFT adapter in `adapter`, if given) on
/// `backend`, with weights in `dtype`.
pub fn load_engine(
    backend: BackendKind,
    model: &Path,
    adapter: Option<&Path>,
    dtype: DType,
) -> Result<Arc<dyn Engine>, ServeError> {
    backend
        .run(Load {
            model: model.to_path_buf(),
            adapter: adapter.map(Path::to_path_buf),
            dtype,
        })
        .map_err(|e| ServeError::Load {
            path: model.to_path_buf(),
            message: e.to_string(),
        })?
}
