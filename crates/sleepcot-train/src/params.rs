//! Parameter bookkeeping the optimiser relies on: stable ids, trainable counts, global-norm
//! gradient clipping.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::Tensor;
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::cast::ToElement;

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
pub fn clip_global_norm<B: AutodiffBackend, M: Module<B>>(
    module: &M,
    grads: &mut GradientsParams,
    max_norm: Option<f64>,
) -> f64 {
    struct SquaredNorm<'a>(&'a GradientsParams, f64);
    impl<B: AutodiffBackend> ModuleVisitor<B> for SquaredNorm<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
            if let Some(g) = self.0.get::<B::InnerBackend, D>(param.id) {
                self.1 += g.square().sum().into_scalar().to_f64();
            }
        }
    }
    struct Scale<'a>(&'a mut GradientsParams, f64);
    impl<B: AutodiffBackend> ModuleVisitor<B> for Scale<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
            if let Some(g) = self.0.remove::<B::InnerBackend, D>(param.id) {
                self.0.register(param.id, g.mul_scalar(self.1));
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
