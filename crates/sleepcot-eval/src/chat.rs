//! An OpenAI-compatible chat endpoint as a predictor: a hosted LLM, or a student served by
//! `cargo xtask serve`, answers the test items over HTTP.
//!
//! Requests go through the teacher client of `sleepcot-data` ([`ChatTeacher`]), so they share
//! its retries, its concurrency limit and its on-disk response cache: rerunning an evaluation
//! sends nothing twice, and an endpoint that is down fails the run with one sentence naming it.

use std::path::Path;

use sleepcot_data::instructions::StudentFormat;
use sleepcot_data::teacher::chat::{ChatTeacher, ChatTeacherConfig};

use crate::error::EvalError;
use crate::predict::{BatchTiming, Generated, Predictor};
use crate::prediction::{VariantInfo, VariantKind};
use crate::testset::Item;

/// A chat endpoint answering test items in one student format.
#[derive(Debug)]
pub struct ChatPredictor {
    /// Variant name.
    pub name: String,
    /// The endpoint, with its client and cache.
    pub endpoint: ChatTeacher,
    /// How each item is put to it (`RationaleThenAnswer` asks for reasoning and answer).
    pub format: StudentFormat,
    /// What the endpoint is for the report (an LLM teacher, or a served student).
    pub kind: VariantKind,
}

impl ChatPredictor {
    /// Connects to the endpoint of `config` (reading its API key variable), caching replies in
    /// `config.cache_dir` or else `default_cache_dir`.
    pub fn new(
        name: &str,
        config: ChatTeacherConfig,
        format: StudentFormat,
        kind: VariantKind,
        default_cache_dir: &Path,
    ) -> Result<Self, EvalError> {
        let endpoint =
            ChatTeacher::new(config, default_cache_dir).map_err(|e| EvalError::Predictor {
                predictor: name.to_string(),
                id: "(setup)".into(),
                message: e.to_string(),
            })?;
        Ok(ChatPredictor {
            name: name.to_string(),
            endpoint,
            format,
            kind,
        })
    }

    /// The request body for one item: the record's system prompt and its user turn in
    /// this predictor's format.
    pub fn body(&self, item: &Item<'_>) -> Vec<u8> {
        self.endpoint.body_for(&self.format.prompt(item.record, ""))
    }
}

impl Predictor for ChatPredictor {
    fn name(&self) -> &str {
        &self.name
    }

    /// Sends the batch's requests side by side (the endpoint's `concurrency` caps how many are
    /// in flight) and returns the replies in item order.
    fn predict(
        &mut self,
        items: &[Item<'_>],
        _timing: &mut BatchTiming,
    ) -> Result<Vec<Generated>, EvalError> {
        let bodies: Vec<Vec<u8>> = items.iter().map(|item| self.body(item)).collect();
        let replies = self.endpoint.complete_many(&bodies);
        items
            .iter()
            .zip(replies)
            .map(|(item, reply)| {
                reply
                    .map(|output| Generated {
                        output,
                        prompt_tokens: 0,
                        tokens: 0,
                    })
                    .map_err(|message| EvalError::Predictor {
                        predictor: self.name.clone(),
                        id: item.record.id.clone(),
                        message,
                    })
            })
            .collect()
    }

    fn info(&self) -> VariantInfo {
        let config = self.endpoint.config();
        VariantInfo {
            kind: Some(self.kind),
            backend: Some(format!("chat:{} at {}", config.model, config.base_url)),
            max_new_tokens: Some(config.max_tokens as usize),
            ..VariantInfo::default()
        }
    }
}
