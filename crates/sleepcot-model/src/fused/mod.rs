//! Fused kernels for burn's CPU backend (`Flex`, and `Autodiff<Flex>` while training).
//!
//! burn's CPU backend runs each element-wise operation as its own single-threaded pass over
//! memory, so on a few cores the passes around the matrix products (softmax, masking, head
//! transposes, SiLU, the RMS statistics) take as long as the products themselves and do not
//! get faster with more threads. Each function here computes one of those blocks in one
//! multi-threaded pass forward and one backward, with its own autodiff node, when the backend
//! is the CPU one and the tensors are f32. On any other backend or dtype it returns the
//! composed form, which the GPU backends fuse themselves; the composed forms are public so
//! that tests can compare the two.
//!
//! Work is split into tasks by fixed sizes (rows, heads), never by thread count, and every
//! task's arithmetic is fixed, so results do not depend on how many threads run them.

mod add;
mod attention;
mod embedding;
mod exp;
mod gemm;
mod gemv;
pub mod lanes;
mod linear;
mod packed;
mod rmsnorm;
mod rope;
mod route;
mod swiglu;

pub use add::{add_scaled, composed_add_scaled};
pub use attention::{attention, cached_attention, composed_attention, grouped_attention};
pub use embedding::{composed_embedding, embedding};
pub use exp::exp;
#[cfg(test)]
pub(crate) use gemv::GEMV_ROWS;
pub(crate) use gemv::takes_gemv;
pub use lanes::{KernelPath, kernel_path, kernel_path_from_env, set_kernel_path};
pub use linear::{WeightLayout, composed_linear, linear};
pub use rmsnorm::{composed_rms_norm, rms_norm};
pub use rope::{composed_rope, rope};
pub use route::{CpuRoute, TrackedTensor, buffer, is_cpu_backend, record, retype, tracked_input};
pub use swiglu::{composed_swiglu, swiglu};

#[cfg(test)]
pub(crate) mod test_support {
    use burn::tensor::Tensor;
    use burn::tensor::backend::Backend;

    /// A tensor's elements as f32.
    pub(crate) fn values<B: Backend, const D: usize>(tensor: Tensor<B, D>) -> Vec<f32> {
        tensor
            .into_data()
            .convert::<f32>()
            .to_vec()
            .expect("f32 data")
    }

    /// Fails naming `what` and the first element where `got` and `want` differ by more than
    /// `tol` relative to the largest magnitude in `want` (at least 1).
    pub(crate) fn assert_close(what: &str, got: &[f32], want: &[f32], tol: f32) {
        assert_eq!(got.len(), want.len(), "{what}: lengths");
        let scale = want.iter().fold(1.0f32, |m, v| m.max(v.abs()));
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            assert!(
                (g - w).abs() <= tol * scale,
                "{what}[{i}]: fused {g}, composed {w}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use burn::backend::{Autodiff, Flex};
    use burn::tensor::{Distribution, Tensor, TensorData};

    use super::test_support::values;
    use super::{WeightLayout, add_scaled, attention, embedding, linear, rms_norm, rope, swiglu};

    type Ad = Autodiff<Flex>;

    /// Every fused kernel's outputs and gradients, for fixed inputs large enough to split into
    /// several tasks.
    fn everything(inputs: &[Vec<f32>; 4]) -> Vec<Vec<f32>> {
        let device = Default::default();
        let (batch, seq, heads, kv, d) = (3, 40, 4, 2, 16);
        let leaf = |data: &Vec<f32>, dims: [usize; 4]| {
            Tensor::<Ad, 4>::from_data(TensorData::new(data.clone(), dims), &device).require_grad()
        };
        let q = leaf(&inputs[0], [batch, seq, heads, d]);
        let k = leaf(
            &inputs[1][..batch * seq * kv * d].to_vec(),
            [batch, seq, kv, d],
        );
        let v = leaf(
            &inputs[2][..batch * seq * kv * d].to_vec(),
            [batch, seq, kv, d],
        );
        let w = Tensor::<Ad, 1>::from_data(TensorData::new(inputs[3].clone(), [d]), &device)
            .require_grad();
        let a = attention(q.clone(), k.clone(), v.clone(), None);
        let n = rms_norm(a.clone(), w.clone(), 1e-6);
        let gated = swiglu(n.clone(), a.clone()).reshape([batch, seq, heads * d]);
        // A projection large enough that gemm splits it between threads.
        let out_width = 96;
        let lw = Tensor::<Ad, 2>::from_data(
            TensorData::new(
                inputs[0][..heads * d * out_width].to_vec(),
                [heads * d, out_width],
            ),
            &device,
        )
        .require_grad();
        let lb = Tensor::<Ad, 1>::from_data(
            TensorData::new(inputs[1][..out_width].to_vec(), [out_width]),
            &device,
        )
        .require_grad();
        let projected = linear(gated, lw.clone(), Some(lb.clone()), WeightLayout::InOut);
        // The rotary embedding, a residual sum and an embedding lookup on top.
        let turned = rope(
            projected.clone().reshape([batch, seq, 6, d]),
            projected.clone().reshape([batch, seq, 6, d]).detach(),
            projected.clone().reshape([batch, seq, 6, d]).detach().neg(),
        )
        .reshape([batch, seq, out_width]);
        let table = Tensor::<Ad, 2>::from_data(
            TensorData::new(inputs[0][..40 * out_width].to_vec(), [40, out_width]),
            &device,
        )
        .require_grad();
        let ids: Vec<i64> = (0..batch * seq).map(|i| ((i * 7) % 40) as i64).collect();
        let looked_up = embedding(
            table.clone(),
            Tensor::from_data(TensorData::new(ids, [batch, seq]), &device),
        );
        let out = add_scaled(add_scaled(turned, looked_up, 0.5), projected, 1.0);
        let grads = (out.clone() * out.clone()).sum().backward();
        vec![
            values(out.inner()),
            values(q.grad(&grads).unwrap()),
            values(k.grad(&grads).unwrap()),
            values(v.grad(&grads).unwrap()),
            values(w.grad(&grads).unwrap()),
            values(lw.grad(&grads).unwrap()),
            values(lb.grad(&grads).unwrap()),
            values(table.grad(&grads).unwrap()),
        ]
    }

    /// A decoding step's few-row products (`[in, out]` with bias, and a table) of a weight
    /// large enough for their own path and for several threads.
    fn few_rows(weight: &[f32], x: &[f32]) -> Vec<Vec<f32>> {
        let device = Default::default();
        let side = 2048;
        assert!(super::takes_gemv(2, side, side, WeightLayout::OutIn));
        let w =
            Tensor::<Flex, 2>::from_data(TensorData::new(weight.to_vec(), [side, side]), &device);
        let x = Tensor::<Flex, 2>::from_data(TensorData::new(x.to_vec(), [2, side]), &device);
        let b = w.clone().slice([0..1, 0..side]).reshape([side]);
        [WeightLayout::InOut, WeightLayout::OutIn]
            .into_iter()
            .map(|layout| values(linear(x.clone(), w.clone(), Some(b.clone()), layout)))
            .collect()
    }

    #[test]
    fn fused_kernels_give_the_same_bits_whatever_the_thread_count() {
        let device = Default::default();
        let random = |n: usize| {
            values(Tensor::<Flex, 1>::random(
                [n],
                Distribution::Normal(0.0, 1.0),
                &device,
            ))
        };
        let inputs = [
            random(3 * 40 * 4 * 16),
            random(3 * 40 * 4 * 16),
            random(3 * 40 * 4 * 16),
            random(16),
        ];
        let (weight, x) = (random(2048 * 2048), random(2 * 2048));
        let on = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| (everything(&inputs), few_rows(&weight, &x)))
        };
        let one = on(1);
        assert_eq!(one, on(3));
        assert_eq!(one, on(2));
    }
}
