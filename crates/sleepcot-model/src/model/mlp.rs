//! The SwiGLU feed-forward block: `down(silu(gate(x)) * up(x))`, no biases.

use burn::module::Module;
use burn::tensor::{Tensor, backend::Backend};

use crate::fused::swiglu;
use crate::lora::LoraLinear;

/// Qwen2's MLP, with HF field names so LoRA targets `mlp.{gate,up,down}_proj`.
#[derive(Module, Debug)]
pub struct Mlp<B: Backend> {
    /// `hidden -> intermediate`, gated by SiLU.
    pub gate_proj: LoraLinear<B>,
    /// `hidden -> intermediate`.
    pub up_proj: LoraLinear<B>,
    /// `intermediate -> hidden`.
    pub down_proj: LoraLinear<B>,
}

impl<B: Backend> Mlp<B> {
    /// Applies the block to `[batch, seq, hidden]`.
    pub fn forward(&self, x: Tensor<B, 3>) -> Tensor<B, 3> {
        let gate = self.gate_proj.forward(x.clone());
        self.down_proj
            .forward(swiglu(gate, self.up_proj.forward(x)))
    }
}
