//! From instruction records to padded token batches: tokenisation with the chat template, the
//! loss mask, length bucketing and the per-token loss weights.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use sleepcot_data::instructions::{InstructionRecord, StudentFormat};
use sleepcot_model::model::mix_seed;
use sleepcot_model::tokenizer::{ChatMessage, ChatTokenizer, Role};

use crate::error::{Result, TrainError};

/// One tokenised training sequence.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// Token ids of the whole conversation.
    pub ids: Vec<u32>,
    /// Per token: whether predicting it is trained (assistant content and its `<|im_end|>`).
    pub supervised: Vec<bool>,
    /// Index of the part (format) in the objective's list of parts.
    pub part: usize,
}

/// The sequences made from one record, one per part of the objective.
pub type RecordExamples = Vec<Example>;

/// Turns a chat into role-tagged messages the tokenizer understands.
pub fn chat_messages(turns: &[sleepcot_data::instructions::ChatTurn]) -> Vec<ChatMessage> {
    turns
        .iter()
        .map(|t| {
            let role = match t.role.as_str() {
                "system" => Role::System,
                "assistant" => Role::Assistant,
                _ => Role::User,
            };
            ChatMessage::new(role, t.content.clone())
        })
        .collect()
}

/// Tokenises every record in every format of `parts`.
///
/// Sequences longer than `max_len` are cut to their first `max_len` tokens when `truncate` is
/// set (an example left with nothing to learn is dropped), and refused otherwise.
pub fn encode_records(
    records: &[InstructionRecord],
    parts: &[(StudentFormat, f64)],
    tokenizer: &ChatTokenizer,
    max_len: usize,
    truncate: bool,
) -> Result<Vec<RecordExamples>> {
    let mut out = Vec::with_capacity(records.len());
    for record in records {
        let mut examples = Vec::with_capacity(parts.len());
        for (part, (format, _)) in parts.iter().enumerate() {
            let encoding =
                tokenizer.encode_chat(&chat_messages(&format.conversation(record)), false)?;
            let (mut ids, mut supervised) = (encoding.ids, encoding.assistant_mask);
            if ids.len() > max_len {
                if !truncate {
                    return Err(TrainError::TooLong {
                        id: record.id.clone(),
                        tokens: ids.len(),
                        max_len,
                    });
                }
                let start = truncation_start(&supervised, max_len);
                ids = ids[start..start + max_len].to_vec();
                supervised = supervised[start..start + max_len].to_vec();
            }
            if supervised.iter().skip(1).any(|&s| s) {
                examples.push(Example {
                    ids,
                    supervised,
                    part,
                });
            }
        }
        if !examples.is_empty() {
            out.push(examples);
        }
    }
    Ok(out)
}

/// Where a sequence longer than `max_len` is cut so that the reply survives: the window
/// ends at the sequence's end when the whole reply fits (dropping the oldest prompt
/// tokens), and otherwise keeps a quarter of the window as prompt context before the reply
/// and cuts the reply's tail.
fn truncation_start(supervised: &[bool], max_len: usize) -> usize {
    let len = supervised.len();
    let latest = len.saturating_sub(max_len);
    let first_reply = supervised.iter().position(|&s| s).unwrap_or(len);
    if len - first_reply <= max_len {
        latest
    } else {
        first_reply.saturating_sub(max_len / 4).min(latest)
    }
}

/// A padded batch, row-major `[rows, seq]`, ready to become tensors.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// Input ids (the sequence without its last token), right-padded.
    pub inputs: Vec<u32>,
    /// The token each position must predict (the sequence shifted by one).
    pub targets: Vec<u32>,
    /// The loss weight of each position; zero on prompt and padding.
    pub weights: Vec<f32>,
    /// Number of rows.
    pub rows: usize,
    /// Padded length.
    pub seq: usize,
    /// Real (non-padding) input tokens, for throughput.
    pub tokens: usize,
}

/// Pads `examples` into one batch and sets each supervised position's weight to
/// `part_weight / (supervised positions of that part in the batch)`, so the weighted sum of
/// token losses is `Σ_part weight · mean token loss of the part`.
pub fn collate(examples: &[&Example], part_weights: &[f64], pad: u32) -> Batch {
    let rows = examples.len();
    let seq = examples
        .iter()
        .map(|e| e.ids.len().saturating_sub(1))
        .max()
        .unwrap_or(0)
        .max(1);
    let mut counts = vec![0usize; part_weights.len()];
    for e in examples {
        counts[e.part] += e.supervised.iter().skip(1).filter(|&&s| s).count();
    }
    let mut batch = Batch {
        inputs: vec![pad; rows * seq],
        targets: vec![pad; rows * seq],
        weights: vec![0.0; rows * seq],
        rows,
        seq,
        tokens: 0,
    };
    for (r, e) in examples.iter().enumerate() {
        let n = e.ids.len().saturating_sub(1);
        let w = if counts[e.part] == 0 {
            0.0
        } else {
            part_weights[e.part] / counts[e.part] as f64
        };
        let row = r * seq;
        batch.inputs[row..row + n].copy_from_slice(&e.ids[..n]);
        batch.targets[row..row + n].copy_from_slice(&e.ids[1..]);
        for t in 0..n {
            if e.supervised[t + 1] {
                batch.weights[row + t] = w as f32;
            }
        }
        batch.tokens += n;
    }
    batch
}

/// The order of one epoch: batches of record indices, grouped by length.
///
/// Records are shuffled with a generator seeded by `(seed, epoch)`, cut into windows of
/// `batch_size * 8`, sorted by length inside each window (so a batch pads little), cut into
/// batches, and the batches shuffled again. The order is a pure function of its arguments, which
/// is what lets a resumed run see the same batches.
pub fn epoch_batches(
    lengths: &[usize],
    batch_size: usize,
    seed: u64,
    epoch: usize,
) -> Vec<Vec<usize>> {
    let mut rng = ChaCha8Rng::seed_from_u64(mix_seed(seed, 0xDA7A_0000 + epoch as u64));
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    order.shuffle(&mut rng);
    let window = batch_size * 8;
    let mut batches: Vec<Vec<usize>> = Vec::new();
    for chunk in order.chunks_mut(window) {
        chunk.sort_by_key(|&i| (lengths[i], i));
        batches.extend(chunk.chunks(batch_size).map(<[usize]>::to_vec));
    }
    batches.shuffle(&mut rng);
    batches
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_the_reply() {
        // Prompt of 6, reply of 3: the window of 5 ends at the sequence end.
        let mask = [false, false, false, false, false, false, true, true, true];
        assert_eq!(truncation_start(&mask, 5), 4);
        // Reply of 8 with a window of 4: one prompt token of context, then the reply head.
        let mask = [false, false, false, true, true, true, true, true, true, true, true];
        assert_eq!(truncation_start(&mask, 4), 2);
    }

    fn example(ids: &[u32], supervised: &[bool], part: usize) -> Example {
        Example {
            ids: ids.to_vec(),
            supervised: supervised.to_vec(),
            part,
        }
    }

    #[test]
    fn collate_shifts_pads_and_weights_each_part_to_its_mean() {
        let a = example(&[5, 6, 7, 8], &[false, false, true, true], 0);
        let b = example(&[5, 9, 10], &[false, true, true], 1);
        let batch = collate(&[&a, &b], &[0.25, 0.75], 0);
        assert_eq!((batch.rows, batch.seq, batch.tokens), (2, 3, 5));
        assert_eq!(batch.inputs, [5, 6, 7, 5, 9, 0]);
        assert_eq!(batch.targets, [6, 7, 8, 9, 10, 0]);
        assert_eq!(batch.weights, [0.0, 0.125, 0.125, 0.375, 0.375, 0.0]);
        let total: f32 = batch.weights.iter().sum();
        assert!((total - 1.0).abs() < 1e-6);
    }

    #[test]
    fn epoch_order_is_a_permutation_fixed_by_seed_and_epoch() {
        let lengths: Vec<usize> = (0..50).map(|i| (i * 37) % 23).collect();
        let a = epoch_batches(&lengths, 4, 1, 0);
        assert_eq!(a, epoch_batches(&lengths, 4, 1, 0));
        assert_ne!(a, epoch_batches(&lengths, 4, 1, 1));
        assert_ne!(a, epoch_batches(&lengths, 4, 2, 0));
        let mut seen: Vec<usize> = a.concat();
        seen.sort();
        assert_eq!(seen, (0..50).collect::<Vec<_>>());
        assert!(a.iter().all(|b| !b.is_empty() && b.len() <= 4));
    }
}
