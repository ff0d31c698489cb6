//! Who chooses the next tokens of a batch being decoded, with the per-row state that outlives a
//! step: the rows' random generators, and either the device sampler's state or the rows'
//! histories for the host sampler. `generate` and the decoding benchmarks share it, so both
//! choose tokens the same way.

use burn::tensor::{Int, Tensor, backend::Backend};

use super::config::GenerationConfig;
use super::device_sampler::DeviceSampler;
use super::sampler::Sampler;
use super::{SamplingSite, token_ids};
use crate::transfer::read;

/// Chooses one token per live row, step after step.
pub(crate) struct Chooser<B: Backend> {
    /// Each live row's generator, in row order.
    samplers: Vec<Sampler>,
    site: Site<B>,
}

enum Site<B: Backend> {
    /// The device, for every kind of choice.
    Device(DeviceSampler<B>),
    /// The host, with each live row's history (prompt and output) for the repetition penalty.
    Host(Vec<Vec<u32>>),
}

impl<B: Backend> Chooser<B> {
    /// The chooser of rows starting from `prompts` (unpadded). Greedy choices without a
    /// repetition penalty are made on the device whatever `site` says: only the argmax's ids
    /// are read then.
    pub(crate) fn new(
        prompts: &[Vec<u32>],
        vocab: usize,
        config: &GenerationConfig,
        site: SamplingSite,
        device: &B::Device,
    ) -> Self {
        let plain_greedy = config.is_greedy() && config.repetition_penalty == 1.0;
        let site = if site == SamplingSite::Device || plain_greedy {
            Site::Device(DeviceSampler::new(prompts, vocab, config, device))
        } else {
            Site::Host(prompts.to_vec())
        };
        Self {
            samplers: (0..prompts.len())
                .map(|row| Sampler::new(config, row))
                .collect(),
            site,
        }
    }

    /// Chooses one token per row from last-position logits `[rows, 1, vocab]`. Device choices
    /// are also returned there (`[rows, 1]`), ready to be fed back.
    pub(crate) fn pick(
        &mut self,
        logits: Tensor<B, 3>,
        config: &GenerationConfig,
    ) -> (Vec<u32>, Option<Tensor<B, 2, Int>>) {
        match &mut self.site {
            Site::Device(sampler) => {
                let chosen = sampler.pick(logits, &mut self.samplers, config);
                (token_ids(chosen.clone()), Some(chosen))
            }
            Site::Host(history) => {
                let [rows, _, vocab] = logits.dims();
                let mut values = read(logits)
                    .convert::<f32>()
                    .to_vec::<f32>()
                    .expect("logits convert to f32");
                let picked = (0..rows)
                    .map(|row| {
                        let slice = &mut values[row * vocab..(row + 1) * vocab];
                        self.samplers[row].pick(slice, &history[row], config)
                    })
                    .collect();
                (picked, None)
            }
        }
    }

    /// Adds the tokens just chosen (one per live row) to the rows' histories, where the host
    /// keeps them (the device sampler marks them itself).
    pub(crate) fn record(&mut self, chosen: &[u32]) {
        if let Site::Host(history) = &mut self.site {
            for (row, &token) in history.iter_mut().zip(chosen) {
                row.push(token);
            }
        }
    }

    /// Keeps the rows at `keep` (indices into the live rows), in that order.
    pub(crate) fn retain(&mut self, keep: &[usize]) {
        self.samplers = keep.iter().map(|&at| self.samplers[at].clone()).collect();
        match &mut self.site {
            Site::Device(sampler) => sampler.retain(keep),
            Site::Host(history) => {
                *history = keep
                    .iter()
                    .map(|&at| std::mem::take(&mut history[at]))
                    .collect();
            }
        }
    }
}
