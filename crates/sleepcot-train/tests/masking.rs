//! Only assistant tokens are trained: prompt and padding positions provably contribute nothing.

mod common;

use burn::backend::{Autodiff, Flex};
use burn::module::AutodiffModule;
use burn::tensor::{DType, Tensor, TensorData};
use sleepcot_data::instructions::StudentFormat;
use sleepcot_model::Qwen2ForCausalLM;
use sleepcot_model::tokenizer::train_bpe;
use sleepcot_train::batch::{collate, encode_records};
use sleepcot_train::loss::{batch_loss, batch_tensors, weighted_cross_entropy};
use sleepcot_train::student::scratch_config;

type B = Autodiff<Flex>;

#[test]
fn masked_positions_carry_no_loss_and_no_gradient() {
    let records: Vec<_> = common::records(3, 12).into_iter().take(3).collect();
    let texts: Vec<String> = records
        .iter()
        .map(|r| format!("{} {} {}", r.system, r.user, r.assistant))
        .collect();
    let tokenizer = train_bpe(&texts, 400).unwrap();
    let parts = [(StudentFormat::RationaleThenAnswer, 1.0)];
    let encoded = encode_records(&records, &parts, &tokenizer, 4096, false).unwrap();

    // The supervised tokens of a sequence decode to exactly the reply and its closing <|im_end|>.
    for (record, examples) in records.iter().zip(&encoded) {
        let e = &examples[0];
        let supervised: Vec<u32> = e
            .ids
            .iter()
            .zip(&e.supervised)
            .filter(|p| *p.1)
            .map(|p| *p.0)
            .collect();
        let text = tokenizer.decode(&supervised, false).unwrap();
        assert_eq!(text, format!("{}<|im_end|>", record.assistant.trim_end()));
    }

    let examples: Vec<_> = encoded.iter().map(|e| &e[0]).collect();
    let pad = tokenizer.special_tokens().pad;
    let batch = collate(&examples, &[1.0], pad);
    assert!(
        batch.weights.contains(&0.0),
        "prompt and padding are present"
    );
    let device = Default::default();
    let config = scratch_config(
        &sleepcot_train::ScratchModel {
            hidden_size: 32,
            layers: 1,
            heads: 2,
            kv_heads: 1,
            intermediate_size: 64,
            max_positions: 4096,
            tie_embeddings: true,
        },
        tokenizer.vocab_size(),
    );
    let model = Qwen2ForCausalLM::<B>::random(&config, 1, DType::F32, &device);

    let (ids, targets, weights) = batch_tensors::<B>(&batch, &device);
    let logits = model.forward(ids.clone()).unwrap().detach().require_grad();
    let loss = weighted_cross_entropy(logits.clone(), targets, weights.clone());
    let value = loss.clone().into_scalar();

    // Rewriting every target at a zero-weight position changes nothing, bit for bit.
    let mut scrambled = batch.clone();
    for (t, w) in scrambled.targets.iter_mut().zip(&batch.weights) {
        if *w == 0.0 {
            *t = (*t + 7) % tokenizer.vocab_size() as u32;
        }
    }
    let (_, targets2, _) = batch_tensors::<B>(&scrambled, &device);
    let value2 = weighted_cross_entropy(logits.clone(), targets2, weights).into_scalar();
    assert_eq!(value.to_bits(), value2.to_bits());

    // The gradient with respect to the logits is exactly zero at masked positions and not at
    // supervised ones.
    let grads = loss.backward();
    let grad = logits.grad(&grads).unwrap();
    let [rows, seq, vocab] = grad.dims();
    let per_position: Vec<f32> = grad.abs().sum_dim(2).into_data().to_vec().unwrap();
    assert_eq!(per_position.len(), rows * seq);
    for (i, (&g, &w)) in per_position.iter().zip(&batch.weights).enumerate() {
        if w == 0.0 {
            assert_eq!(g, 0.0, "position {i} is masked but has gradient");
        } else {
            assert!(g > 0.0, "position {i} is supervised but has no gradient");
        }
    }
    assert!(vocab > 0);

    // Padding does not change a sequence's loss: alone or padded beside a longer one, the first
    // record's loss is the same.
    let alone = collate(&examples[..1], &[1.0], pad);
    let padded_pair = collate(&[examples[0], examples[1]], &[1.0], pad);
    let loss_of = |batch: &sleepcot_train::batch::Batch, row: usize| -> f32 {
        let (ids, targets, weights) = batch_tensors::<Flex>(batch, &device);
        let logits = model.valid().forward(ids).unwrap();
        let keep: Vec<f32> = (0..batch.rows * batch.seq)
            .map(|i| {
                if i / batch.seq == row {
                    batch.weights[i].signum()
                } else {
                    0.0
                }
            })
            .collect();
        let keep =
            Tensor::<Flex, 2>::from_data(TensorData::new(keep, [batch.rows, batch.seq]), &device);
        let _ = weights;
        weighted_cross_entropy(logits, targets, keep).into_scalar()
    };
    let a = loss_of(&alone, 0);
    let b = loss_of(&padded_pair, 0);
    assert!((a - b).abs() <= 1e-4 * a.abs(), "alone {a} vs padded {b}");

    // The training loss applies the LM head only where the weight is non-zero: the same value
    // as the full-logits loss, and the same gradients for the weights.
    let sparse = batch_loss(&model, &batch, &device).unwrap();
    let sparse_value = sparse.clone().into_scalar();
    assert!(
        (sparse_value - value).abs() <= 1e-6 * value.abs(),
        "supervised rows only {sparse_value} vs full logits {value}"
    );
    let (ids, targets, weights) = batch_tensors::<B>(&batch, &device);
    let full = weighted_cross_entropy(model.forward(ids).unwrap(), targets, weights);
    let grad_of = |loss: Tensor<B, 1>| -> Vec<f32> {
        let grads = loss.backward();
        let w = model.model.layers[0].mlp.up_proj.base.weight.val();
        w.grad(&grads).unwrap().into_data().to_vec().unwrap()
    };
    let (g_sparse, g_full) = (grad_of(sparse), grad_of(full));
    let scale = g_full.iter().fold(0f32, |m, g| m.max(g.abs()));
    for (a, b) in g_sparse.iter().zip(&g_full) {
        assert!((a - b).abs() <= 1e-5 * scale, "{a} vs {b}");
    }
}
