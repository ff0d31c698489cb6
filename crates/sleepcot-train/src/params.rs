//! Parameter bookkeeping the optimiser relies on: stable ids, trainable counts, global-norm
//! gradient clipping.

use burn::backend::Flex;
use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::cast::ToElement;
use burn::tensor::{Tensor, TensorPrimitive};
use burn_flex::FlexTensor;
use rayon::prelude::*;
use sleepcot_model::fused::{CpuRoute, buffer, lanes, retype};

/// Gives every parameter of `module` an id derived from its position in the module tree.
///
/// burn draws fresh random ids whenever a model is built, and the optimiser state is keyed by
/// id; numbering parameters in traversal order makes a model rebuilt from a checkpoint (same
/// architecture, same adapters) line up with the optimiser state saved beside it.
pub fn stabilise_ids<B: Backend, M: Module<B>>(module: M) -> M {
    struct Renumber(u64);
    impl<B: Backend> ModuleMapper<B> for Renumber {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
            let (_, tensor, mapper) = param.consume();
            self.0 += 1;
            Param::from_mapped_value(ParamId::from(self.0), tensor, mapper)
        }
    }
    module.map(&mut Renumber(0))
}

/// Number of scalars in parameters that receive gradients, and in all parameters.
pub fn count_params<B: Backend, M: Module<B>>(module: &M) -> (usize, usize) {
    #[derive(Default)]
    struct Count(usize, usize);
    impl<B: Backend> ModuleVisitor<B> for Count {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
            let n = param.shape().num_elements();
            self.1 += n;
            if param.is_require_grad() {
                self.0 += n;
            }
        }
    }
    let mut count = Count::default();
    module.visit(&mut count);
    (count.0, count.1)
}

/// Scales all gradients together so that their global L2 norm is at most `max_norm` (PyTorch's
/// `clip_grad_norm_`); returns the norm before clipping.
///
/// On the CPU backend each gradient's squares are summed over fixed blocks in parallel (then
/// over the blocks in order) and the scaling is done in place, instead of burn's two and one
/// single-threaded passes.
pub fn clip_global_norm<B: AutodiffBackend, M: Module<B>>(
    module: &M,
    grads: &mut GradientsParams,
    max_norm: Option<f64>,
) -> f64 {
    struct SquaredNorm<'a>(&'a GradientsParams, f64);
    impl<B: AutodiffBackend> ModuleVisitor<B> for SquaredNorm<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
            if let Some(g) = self.0.get::<B::InnerBackend, D>(param.id) {
                self.1 += match cpu_buffer(g.clone()) {
                    Some(buffer) => squared_norm(buffer.storage::<f32>()),
                    None => g.square().sum().into_scalar().to_f64(),
                };
            }
        }
    }
    struct Scale<'a>(&'a mut GradientsParams, f64);
    impl<B: AutodiffBackend> ModuleVisitor<B> for Scale<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
            if let Some(g) = self.0.remove::<B::InnerBackend, D>(param.id) {
                // The gradient moves into the buffer (no other handle), so it is scaled in
                // place rather than copied.
                let scaled = if CpuRoute::of::<B::InnerBackend>(&[g.dtype()]) == CpuRoute::Plain {
                    let mut buffer = buffer(retype::<B::InnerBackend, Flex, D>(g));
                    scale_in_place(buffer.storage_mut::<f32>(), self.1 as f32);
                    retype::<Flex, B::InnerBackend, D>(Tensor::from_primitive(
                        TensorPrimitive::Float(buffer),
                    ))
                } else {
                    g.mul_scalar(self.1)
                };
                self.0.register(param.id, scaled);
            }
        }
    }
    let mut norm = SquaredNorm(grads, 0.0);
    module.visit(&mut norm);
    let total = norm.1.sqrt();
    if let Some(max) = max_norm
        && total > max
    {
        module.visit(&mut Scale(grads, max / (total + 1e-6)));
    }
    total
}

/// Elements per block of the fused norm and scaling.
const BLOCK: usize = 16 * 1024;

/// The contiguous CPU buffer of `tensor` when its backend is `Flex`, its dtype f32 and the CPU
/// kernels are on; `None` sends the caller to the composed form.
fn cpu_buffer<B: Backend, const D: usize>(tensor: Tensor<B, D>) -> Option<FlexTensor> {
    if CpuRoute::of::<B>(&[tensor.dtype()]) != CpuRoute::Plain {
        return None;
    }
    Some(buffer(retype::<B, Flex, D>(tensor)))
}

/// `Σ x²` over fixed blocks in parallel, added up over the blocks in order.
fn squared_norm(values: &[f32]) -> f64 {
    let blocks: Vec<f64> = values
        .par_chunks(BLOCK)
        .map(|block| lanes::dot(block, block) as f64)
        .collect();
    blocks.iter().sum()
}

/// `x ← factor · x` in parallel blocks.
fn scale_in_place(values: &mut [f32], factor: f32) {
    values
        .par_chunks_mut(BLOCK)
        .for_each(|block| lanes::scale(block, factor));
}

#[cfg(test)]
mod tests {
    use burn::backend::{Autodiff, Flex};
    use burn::module::{Module, Param};
    use burn::optim::GradientsParams;
    use burn::tensor::{Tensor, TensorData};

    use super::clip_global_norm;

    type Ad = Autodiff<Flex>;

    #[derive(Module, Debug)]
    struct Two<B: burn::tensor::backend::Backend> {
        a: Param<Tensor<B, 1>>,
        b: Param<Tensor<B, 2>>,
    }

    /// Gradients `2·a` and `2·b` of `Σa² + Σb²`, with `b` larger than one block of the fused
    /// reduction.
    fn case() -> (Two<Ad>, GradientsParams, Vec<f32>) {
        let device = Default::default();
        let av: Vec<f32> = (0..7).map(|i| i as f32 - 3.0).collect();
        let bv: Vec<f32> = (0..40_000).map(|i| (i as f32 * 0.01).sin()).collect();
        let model = Two {
            a: Param::from_tensor(Tensor::<Ad, 1>::from_data(
                TensorData::new(av.clone(), [7]),
                &device,
            )),
            b: Param::from_tensor(Tensor::<Ad, 2>::from_data(
                TensorData::new(bv.clone(), [200, 200]),
                &device,
            )),
        };
        let loss = model.a.val().powi_scalar(2).sum() + model.b.val().powi_scalar(2).sum();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let all = av.iter().chain(&bv).map(|v| 2.0 * v).collect();
        (model, grads, all)
    }

    #[test]
    fn clipping_returns_the_global_norm_and_scales_to_the_limit() {
        let (model, mut grads, all) = case();
        let want = all.iter().map(|&g| (g as f64).powi(2)).sum::<f64>().sqrt();
        let norm = clip_global_norm(&model, &mut grads, Some(1.0));
        assert!(
            (norm - want).abs() < 1e-5 * want,
            "norm {norm}, want {want}"
        );
        let a = grads.get::<Flex, 1>(model.a.id).unwrap();
        let b = grads.get::<Flex, 2>(model.b.id).unwrap();
        let after =
            a.powi_scalar(2).sum().into_scalar() + b.clone().powi_scalar(2).sum().into_scalar();
        assert!(
            (after.sqrt() - 1.0).abs() < 1e-4,
            "clipped norm {}",
            after.sqrt()
        );
        let b0 = b.into_data().to_vec::<f32>().unwrap()[1];
        assert!(
            (b0 - all[8] / want as f32).abs() < 1e-6,
            "every gradient scaled alike"
        );
    }

    #[test]
    fn a_norm_under_the_limit_leaves_the_gradients_alone() {
        let (model, mut grads, all) = case();
        let norm = clip_global_norm(&model, &mut grads, Some(1e9));
        assert!(norm > 1.0);
        let a = grads.get::<Flex, 1>(model.a.id).unwrap();
        assert_eq!(a.into_data().to_vec::<f32>().unwrap(), all[..7].to_vec());
    }
}
