//! Students as predictors: a `sleepcot-model` Qwen2 checkpoint with its tokenizer, prompted in
//! the [`StudentFormat`] it was trained on and decoded greedily in padded batches.
//!
//! - [`StudentPredictor`]: one model, one format (label-only `AnswerOnly`, one-stage CoT
//!   `RationaleThenAnswer`, step-by-step `PrefixedAnswer`);
//! - [`TwoStagePredictor`]: Sci-CoT, a rationale model (`RationaleStage`) and an answer model
//!   (`AnswerFromRationale`, possibly the same model), reading its own rationale, the teacher's,
//!   or none ([`RationaleSource`]).
//!
//! Prompts longer than the model's positions allow (with `max_new_tokens` room) keep their last
//! tokens, as training's truncation keeps the reply. Prefill time is measured up to the first
//! new token of a batch; the rest is decode time.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use burn::module::Module;
use burn::tensor::DType;
use burn::tensor::backend::Backend;
use sleepcot_data::instructions::{InstructionRecord, StudentFormat};
use sleepcot_data::teacher::Task;
use sleepcot_model::tokenizer::{ChatMessage, ChatTokenizer, Role, TextStream};
use sleepcot_model::{GenerationConfig, Qwen2Config, Qwen2ForCausalLM, generate, load_pretrained};

use crate::error::EvalError;
use crate::predict::{BatchTiming, Generated, Predictor};
use crate::prediction::{RationaleSource, VariantInfo, VariantKind};
use crate::testset::Item;

/// A loaded model with its tokenizer and decoding settings.
pub struct Student<B: Backend> {
    /// The model.
    pub model: Qwen2ForCausalLM<B>,
    /// Its tokenizer (ChatML template).
    pub tokenizer: ChatTokenizer,
    /// Greedy decoding with the tokenizer's stop and pad tokens.
    pub generation: GenerationConfig,
    /// Per task, a tighter limit on new tokens than `generation.max_new_tokens` (a knowledge
    /// answer needs far fewer than a recommendation; a batch runs to the largest limit of its
    /// items).
    pub task_max_new_tokens: BTreeMap<Task, usize>,
}

impl<B: Backend> std::fmt::Debug for Student<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Student")
            .field("parameters", &self.parameters())
            .field("generation", &self.generation)
            .finish()
    }
}

fn greedy(tokenizer: &ChatTokenizer, max_new_tokens: usize) -> GenerationConfig {
    let special = tokenizer.special_tokens();
    GenerationConfig {
        stop_tokens: special.stop_ids().to_vec(),
        pad_token: special.pad,
        ..GenerationConfig::greedy(max_new_tokens)
    }
}

impl<B: Backend> Student<B> {
    /// Loads an HF-layout checkpoint directory (`config.json`, safetensors, `tokenizer.json`),
    /// in f32, to generate at most `max_new_tokens` tokens greedily.
    pub fn load(dir: &Path, device: &B::Device, max_new_tokens: usize) -> Result<Self, EvalError> {
        let fail = |message: String| EvalError::LoadStudent {
            path: dir.to_path_buf(),
            message,
        };
        let tokenizer_path = dir.join("tokenizer.json");
        if !tokenizer_path.is_file() {
            return Err(fail(format!("{} does not exist", tokenizer_path.display())));
        }
        let tokenizer =
            ChatTokenizer::from_file(&tokenizer_path).map_err(|e| fail(e.to_string()))?;
        let model =
            load_pretrained::<B>(dir, DType::F32, device).map_err(|e| fail(e.to_string()))?;
        Ok(Self::new(model, tokenizer, max_new_tokens))
    }

    /// The untrained student: random weights of `config` (seeded), with `tokenizer`.
    pub fn untrained(
        config: &Qwen2Config,
        tokenizer: ChatTokenizer,
        seed: u64,
        device: &B::Device,
        max_new_tokens: usize,
    ) -> Self {
        let model = Qwen2ForCausalLM::random(config, seed, DType::F32, device);
        Self::new(model, tokenizer, max_new_tokens)
    }

    /// A student from a model and tokenizer already in memory.
    pub fn new(
        model: Qwen2ForCausalLM<B>,
        tokenizer: ChatTokenizer,
        max_new_tokens: usize,
    ) -> Self {
        let generation = greedy(&tokenizer, max_new_tokens);
        Student {
            model,
            tokenizer,
            generation,
            task_max_new_tokens: BTreeMap::new(),
        }
    }

    /// The student with per-task limits on new tokens (each capped by the overall limit).
    pub fn with_task_limits(mut self, limits: BTreeMap<Task, usize>) -> Self {
        self.task_max_new_tokens = limits;
        self
    }

    /// The most new tokens a batch of `records` may generate: the largest of their tasks'
    /// limits, never above the overall limit.
    fn batch_limit(&self, records: &[&InstructionRecord]) -> usize {
        let overall = self.generation.max_new_tokens;
        records
            .iter()
            .map(|r| {
                self.task_max_new_tokens
                    .get(&r.task)
                    .map_or(overall, |&l| l.min(overall))
            })
            .max()
            .unwrap_or(overall)
    }

    /// The model's parameter count.
    pub fn parameters(&self) -> u64 {
        self.model.num_params() as u64
    }

    /// The prompt ids of `record` in `format` (reading `rationale` where the format does),
    /// keeping the last tokens when the prompt leaves no room for `max_new_tokens`.
    fn prompt_ids(
        &self,
        record: &InstructionRecord,
        format: StudentFormat,
        rationale: &str,
    ) -> Result<Vec<u32>, String> {
        let room = self
            .model
            .config
            .max_position_embeddings
            .saturating_sub(self.generation.max_new_tokens)
            .max(1);
        let turns = format.prompt(record, rationale);
        let messages = [
            ChatMessage::new(Role::System, turns[0].content.clone()),
            ChatMessage::new(Role::User, turns[1].content.clone()),
        ];
        let mut ids = self
            .tokenizer
            .encode_chat(&messages, true)
            .map_err(|e| e.to_string())?
            .ids;
        if ids.len() > room {
            ids.drain(..ids.len() - room);
        }
        Ok(ids)
    }

    /// One greedy reply to `record` in `format`, streamed: `on_text` receives each new piece
    /// of text as soon as it is generated (`cargo xtask ask`). Returns the whole reply, trimmed
    /// as [`Student::reply`] trims it.
    pub fn reply_streaming(
        &self,
        record: &InstructionRecord,
        format: StudentFormat,
        rationale: &str,
        mut on_text: impl FnMut(&str),
    ) -> Result<String, String> {
        let prompt = self.prompt_ids(record, format, rationale)?;
        let stops = self.generation.stop_tokens.clone();
        let mut stream = TextStream::new(&self.tokenizer);
        let mut decode_error = None;
        let out = generate(&self.model, &[prompt], &self.generation, |_, t| {
            if stops.contains(&t) {
                return;
            }
            match stream.push(t) {
                Ok(Some(new)) => on_text(&new),
                Ok(None) => {}
                Err(e) => decode_error = Some(e.to_string()),
            }
        })
        .map_err(|e| e.to_string())?;
        if let Some(e) = decode_error {
            return Err(e);
        }
        let body: Vec<u32> = out.tokens[0]
            .iter()
            .copied()
            .filter(|t| !stops.contains(t))
            .collect();
        let (rest, text) = stream.finish(&body).map_err(|e| e.to_string())?;
        if let Some(rest) = rest {
            on_text(&rest);
        }
        Ok(text.trim().to_string())
    }

    /// Greedy replies to prompts in `format`; `rationales[i]` is what item `i`'s
    /// `AnswerFromRationale` prompt reads. Returns `(text, prompt tokens, new tokens)` per row.
    pub fn reply(
        &self,
        records: &[&InstructionRecord],
        format: StudentFormat,
        rationales: &[&str],
        timing: &mut BatchTiming,
    ) -> Result<Vec<(String, usize, usize)>, String> {
        let prompts = records
            .iter()
            .enumerate()
            .map(|(i, record)| {
                self.prompt_ids(record, format, rationales.get(i).copied().unwrap_or(""))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let start = Instant::now();
        let mut first: Option<f64> = None;
        let generation = GenerationConfig {
            max_new_tokens: self.batch_limit(records),
            ..self.generation.clone()
        };
        let out = generate(&self.model, &prompts, &generation, |_, _| {
            first.get_or_insert_with(|| start.elapsed().as_secs_f64());
        })
        .map_err(|e| e.to_string())?;
        let total = start.elapsed().as_secs_f64();
        let prefill = first.unwrap_or(total);
        timing.prefill_s += prefill;
        timing.decode_s += total - prefill;
        let stops = self.generation.stop_tokens.clone();
        out.tokens
            .iter()
            .zip(&prompts)
            .map(|(tokens, prompt)| {
                let body: Vec<u32> = tokens
                    .iter()
                    .copied()
                    .filter(|t| !stops.contains(t))
                    .collect();
                let text = self
                    .tokenizer
                    .decode(&body, true)
                    .map_err(|e| e.to_string())?;
                Ok((text.trim().to_string(), prompt.len(), tokens.len()))
            })
            .collect()
    }
}

/// One student, one prompt format.
#[derive(Debug)]
pub struct StudentPredictor<B: Backend> {
    /// Variant name.
    pub name: String,
    /// The model.
    pub student: Student<B>,
    /// How it is prompted (`AnswerOnly`, `RationaleThenAnswer`, `PrefixedAnswer`, ...).
    pub format: StudentFormat,
    /// Trained or untrained.
    pub kind: VariantKind,
    /// The backend's name, for the report.
    pub backend: String,
}

impl<B: Backend> Predictor for StudentPredictor<B> {
    fn name(&self) -> &str {
        &self.name
    }

    fn predict(
        &mut self,
        items: &[Item<'_>],
        timing: &mut BatchTiming,
    ) -> Result<Vec<Generated>, EvalError> {
        let records: Vec<&InstructionRecord> = items.iter().map(|i| i.record).collect();
        let replies = self
            .student
            .reply(&records, self.format, &[], timing)
            .map_err(|message| EvalError::Predictor {
                predictor: self.name.clone(),
                id: records[0].id.clone(),
                message,
            })?;
        Ok(replies
            .into_iter()
            .map(|(output, prompt_tokens, tokens)| Generated {
                output,
                prompt_tokens,
                tokens,
            })
            .collect())
    }

    fn parameters(&self) -> Option<u64> {
        Some(self.student.parameters())
    }

    fn info(&self) -> VariantInfo {
        VariantInfo {
            kind: Some(self.kind),
            backend: Some(self.backend.clone()),
            max_new_tokens: Some(self.student.generation.max_new_tokens),
            ..VariantInfo::default()
        }
    }
}

/// Sci-CoT: a rationale stage then an answer stage.
#[derive(Debug)]
pub struct TwoStagePredictor<'a, B: Backend> {
    /// The base variant name; the rationale source's suffix is appended.
    pub base_name: String,
    /// Full name (base name and suffix).
    name: String,
    /// The rationale generator.
    pub rationale: &'a Student<B>,
    /// The answer inferrer (the same student in one-model mode).
    pub answer: &'a Student<B>,
    /// Which rationale the answer stage reads.
    pub source: RationaleSource,
    /// The backend's name.
    pub backend: String,
    /// Whether the two stages are one model (parameters are then counted once).
    pub shared: bool,
}

impl<'a, B: Backend> TwoStagePredictor<'a, B> {
    /// A two-stage predictor named `<base_name><source suffix>`.
    pub fn new(
        base_name: &str,
        rationale: &'a Student<B>,
        answer: &'a Student<B>,
        source: RationaleSource,
        backend: &str,
    ) -> Self {
        TwoStagePredictor {
            base_name: base_name.to_string(),
            name: format!("{base_name}{}", source.suffix()),
            rationale,
            answer,
            source,
            backend: backend.to_string(),
            shared: std::ptr::eq(rationale, answer),
        }
    }
}

impl<B: Backend> Predictor for TwoStagePredictor<'_, B> {
    fn name(&self) -> &str {
        &self.name
    }

    fn predict(
        &mut self,
        items: &[Item<'_>],
        timing: &mut BatchTiming,
    ) -> Result<Vec<Generated>, EvalError> {
        let records: Vec<&InstructionRecord> = items.iter().map(|i| i.record).collect();
        let fail = |message: String| EvalError::Predictor {
            predictor: self.name.clone(),
            id: records[0].id.clone(),
            message,
        };
        let own = match self.source {
            RationaleSource::Own => Some(
                self.rationale
                    .reply(&records, StudentFormat::RationaleStage, &[], timing)
                    .map_err(fail)?,
            ),
            _ => None,
        };
        let masked: Vec<String> = match self.source {
            RationaleSource::MaskedTeacher => records
                .iter()
                .map(|r| crate::masking::mask_option_letters(&r.rationale))
                .collect(),
            _ => Vec::new(),
        };
        let rationales: Vec<&str> = match (&own, self.source) {
            (Some(own), _) => own.iter().map(|(t, _, _)| t.as_str()).collect(),
            (None, RationaleSource::Teacher) => {
                records.iter().map(|r| r.rationale.as_str()).collect()
            }
            (None, RationaleSource::MaskedTeacher) => masked.iter().map(String::as_str).collect(),
            _ => vec![""; records.len()],
        };
        let answers = self
            .answer
            .reply(
                &records,
                StudentFormat::AnswerFromRationale,
                &rationales,
                timing,
            )
            .map_err(fail)?;
        Ok(answers
            .into_iter()
            .enumerate()
            .map(|(i, (answer, p, t))| {
                let (output, p0, t0) = match &own {
                    Some(own) => (
                        InstructionRecord::assistant_text(&own[i].0, &answer),
                        own[i].1,
                        own[i].2,
                    ),
                    None => (answer, 0, 0),
                };
                Generated {
                    output,
                    prompt_tokens: p0 + p,
                    tokens: t0 + t,
                }
            })
            .collect())
    }

    fn parameters(&self) -> Option<u64> {
        let answer = if self.shared {
            0
        } else {
            self.answer.parameters()
        };
        Some(self.rationale.parameters() + answer)
    }

    fn info(&self) -> VariantInfo {
        VariantInfo {
            kind: Some(VariantKind::Student),
            two_stage: Some((self.base_name.clone(), self.source)),
            backend: Some(self.backend.clone()),
            max_new_tokens: Some(self.answer.generation.max_new_tokens),
            ..VariantInfo::default()
        }
    }
}
