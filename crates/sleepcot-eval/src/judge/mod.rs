//! The optional LLM judge: an OpenAI-compatible model scores each recommendation from 1 to 10
//! on the SleepCoT paper's three axes (personalisation, reasoning, knowledge application)
//! under a fixed, versioned rubric ([`rubric`]).
//!
//! The objective metrics of [`crate::recommendation`] already score recommendations against
//! the report's ground truth; the judge adds the paper's subjective view beside them, and the
//! report shows how far the two agree. Requests go through the teacher client of
//! `sleepcot-data` ([`ChatTeacher::complete_many`]), so the judge shares its retries, its
//! concurrency limit and its on-disk reply cache: judging a run again sends nothing twice.
//!
//! [`judge_run`] writes `DIR/judge/<variant>.{jsonl,parquet}` ([`Judgement`] rows); reading
//! predictions ([`crate::prediction::read_predictions`]) picks them up, and the judge scores
//! become the metrics `judge_personalisation`, `judge_reasoning` and `judge_knowledge`, with
//! bootstrap intervals and paired comparisons like every other metric. A judgement remembers
//! the SHA-256 of the answer it judged, so one made for an older prediction is refused rather
//! than silently mixed in.

pub mod rubric;
pub mod verdict;

pub use rubric::{RUBRIC, RUBRIC_VERSION, judge_messages};
pub use verdict::{Axis, Scores, Verdict, parse_verdict};

use std::collections::{HashMap, HashSet};
use std::path::Path;

use indicatif::ProgressBar;
use serde::{Deserialize, Serialize};
use sleepcot_data::io::{sha256_hex, write_table};
use sleepcot_data::teacher::Task;
use sleepcot_data::teacher::chat::{ChatTeacher, ChatTeacherConfig};

use crate::error::EvalError;
use crate::predict::progress_bar;
use crate::prediction::{Prediction, read_predictions};
use crate::run_dir::RunDir;
use crate::testset::{Item, TestSet, read_rows};

/// The judge's settings: the endpoint, and how many recommendations it reads per variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JudgeConfig {
    /// The endpoint, in a chat teacher's settings (`base_url`, `model`, `api_key_env`,
    /// `temperature`, `max_tokens`, `concurrency`, retries, `cache_dir`). Replies are cached
    /// by request, so judging again repeats the same scores at any temperature; an unreadable
    /// reply is cached too, and only a changed setting asks again.
    pub endpoint: ChatTeacherConfig,
    /// Judge at most this many recommendations per variant: a seeded sample, the same items
    /// for every variant so that they can be compared pairwise. Every one when unset.
    #[serde(default)]
    pub max_items: Option<usize>,
}

impl JudgeConfig {
    /// A judge at `base_url` using `model`, judging every recommendation.
    pub fn new(base_url: &str, model: &str) -> Self {
        JudgeConfig {
            endpoint: ChatTeacherConfig::new(base_url, model),
            max_items: None,
        }
    }
}

/// One judged answer, as stored in `DIR/judge/<variant>.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Judgement {
    /// The test record's id.
    pub id: String,
    /// The variant whose answer was judged.
    pub variant: String,
    /// The judge's model name.
    pub judge: String,
    /// The rubric version ([`RUBRIC_VERSION`]).
    pub rubric: String,
    /// SHA-256 of the judged output: ties the judgement to that exact answer.
    pub output_sha256: String,
    /// Personalisation, 1-10; `None` when the reply could not be read.
    pub personalisation: Option<u8>,
    /// Reasoning, 1-10.
    pub reasoning: Option<u8>,
    /// Knowledge application, 1-10.
    pub knowledge: Option<u8>,
    /// The judge's justification.
    pub justification: String,
    /// Why the reply could not be read (it then counts as unreadable, not as a score).
    pub error: Option<String>,
}

impl Judgement {
    /// The three scores, when the reply was readable.
    pub fn scores(&self) -> Option<Scores> {
        Some(Scores {
            personalisation: self.personalisation?,
            reasoning: self.reasoning?,
            knowledge: self.knowledge?,
        })
    }
}

/// An LLM judge behind an OpenAI-compatible endpoint.
#[derive(Debug)]
pub struct LlmJudge {
    /// The endpoint, with its client and reply cache.
    pub endpoint: ChatTeacher,
    /// See [`JudgeConfig::max_items`].
    pub max_items: Option<usize>,
}

impl LlmJudge {
    /// Connects to the endpoint of `config` (reading its API key variable), caching replies in
    /// `config.endpoint.cache_dir` or else `default_cache_dir` (pass the teacher's cache to
    /// share it).
    pub fn new(config: JudgeConfig, default_cache_dir: &Path) -> Result<Self, EvalError> {
        if config.max_items == Some(0) {
            return Err(EvalError::JudgeSetup {
                message: "`max_items` is 0, expected at least 1 (or leave it out to judge every recommendation)".into(),
            });
        }
        let endpoint = ChatTeacher::new(config.endpoint, default_cache_dir).map_err(|e| {
            EvalError::JudgeSetup {
                message: e.to_string(),
            }
        })?;
        Ok(LlmJudge {
            endpoint,
            max_items: config.max_items,
        })
    }

    /// The judge's model name.
    pub fn model(&self) -> &str {
        &self.endpoint.config().model
    }

    /// The recommendations to judge: every one, or a sample of [`LlmJudge::max_items`] chosen
    /// by the hash of `seed` and the item id (so a larger sample contains a smaller one), in
    /// test order.
    pub fn select<'a>(
        &self,
        items: impl IntoIterator<Item = Item<'a>>,
        seed: u64,
    ) -> Vec<Item<'a>> {
        let mut chosen: Vec<Item<'a>> = items
            .into_iter()
            .filter(|i| i.record.task == Task::Recommendation && i.report.is_some())
            .collect();
        if let Some(n) = self.max_items.filter(|n| *n < chosen.len()) {
            chosen.sort_by_cached_key(|i| sha256_hex(format!("{seed}/{}", i.record.id).as_bytes()));
            chosen.truncate(n);
            chosen.sort_by_key(|i| i.index);
        }
        chosen
    }

    /// The request body that asks for the judgement of `output` as the answer to `item`.
    pub fn body(&self, item: &Item<'_>, output: &str) -> Result<Vec<u8>, EvalError> {
        let report = item.report.ok_or_else(|| EvalError::WrongTask {
            id: item.record.id.clone(),
            expected: Task::Recommendation,
            found: item.record.task,
        })?;
        Ok(self
            .endpoint
            .body_for(&judge_messages(&item.record.user, report, output)))
    }

    /// Judges `predictions` of `variant` on the `items` it answered, sending four times the
    /// endpoint's `concurrency` requests per round and ticking `bar` after each round. An
    /// unreadable reply is stored with its reason; a request that fails (network, HTTP status)
    /// fails the whole call with one sentence.
    pub fn judge(
        &self,
        variant: &str,
        items: &[Item<'_>],
        predictions: &[Prediction],
        bar: &ProgressBar,
    ) -> Result<Vec<Judgement>, EvalError> {
        let outputs: HashMap<&str, &str> = predictions
            .iter()
            .map(|p| (p.id.as_str(), p.output.as_str()))
            .collect();
        let answered: Vec<(&Item<'_>, &str)> = items
            .iter()
            .filter_map(|i| Some((i, *outputs.get(i.record.id.as_str())?)))
            .collect();
        let chunk = self.endpoint.config().concurrency * 4;
        let mut out = Vec::with_capacity(answered.len());
        for batch in answered.chunks(chunk.max(1)) {
            let bodies = batch
                .iter()
                .map(|(item, output)| self.body(item, output))
                .collect::<Result<Vec<_>, _>>()?;
            let replies = self.endpoint.complete_many(&bodies);
            for ((item, output), reply) in batch.iter().zip(replies) {
                let reply = reply.map_err(|message| EvalError::Judge {
                    variant: variant.to_string(),
                    id: item.record.id.clone(),
                    message,
                })?;
                let verdict = parse_verdict(&reply);
                let scores = verdict.as_ref().ok().map(|v| v.scores);
                out.push(Judgement {
                    id: item.record.id.clone(),
                    variant: variant.to_string(),
                    judge: self.model().to_string(),
                    rubric: RUBRIC_VERSION.to_string(),
                    output_sha256: sha256_hex(output.as_bytes()),
                    personalisation: scores.map(|s| s.personalisation),
                    reasoning: scores.map(|s| s.reasoning),
                    knowledge: scores.map(|s| s.knowledge),
                    justification: verdict
                        .as_ref()
                        .map(|v| v.justification.clone())
                        .unwrap_or_default(),
                    error: verdict.err(),
                });
            }
            bar.inc(batch.len() as u64);
        }
        Ok(out)
    }
}

/// What [`judge_run`] did for one variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JudgedVariant {
    /// The variant.
    pub variant: String,
    /// Answers judged.
    pub judged: usize,
    /// Replies that could not be read as scores.
    pub unreadable: usize,
}

/// Judges the stored recommendations of every variant of `run` (or only `variants`) and writes
/// `DIR/judge/<variant>.{jsonl,parquet}` atomically. Variants without recommendations are
/// skipped. `seed` picks the sample when the judge has `max_items`.
pub fn judge_run(
    run: &RunDir,
    judge: &LlmJudge,
    variants: Option<&[String]>,
    seed: u64,
    progress: bool,
) -> Result<Vec<JudgedVariant>, EvalError> {
    let test = TestSet::load(run)?;
    let items = judge.select(test.items(), seed);
    let names = match variants {
        Some(v) => v.to_vec(),
        None => run.variants()?,
    };
    let mut done = Vec::new();
    for name in names {
        let predictions = read_predictions(run, &name, &test)?;
        let ids: HashSet<&str> = predictions.rows.iter().map(|p| p.id.as_str()).collect();
        let todo = items
            .iter()
            .filter(|i| ids.contains(i.record.id.as_str()))
            .count();
        if todo == 0 {
            // Nothing of this variant to judge now: a file from an earlier run is stale.
            let stale = run.judge_file(&name);
            for path in [stale.clone(), stale.with_extension("parquet")] {
                if path.exists() {
                    std::fs::remove_file(&path).map_err(|e| EvalError::File {
                        action: "remove",
                        path: path.clone(),
                        message: e.to_string(),
                    })?;
                }
            }
            continue;
        }
        let bar = progress_bar(todo, format!("judge {name}"), progress);
        let rows = judge.judge(&name, &items, &predictions.rows, &bar)?;
        bar.finish_and_clear();
        let dir = run.judge();
        write_table(&dir, &name, &rows).map_err(|e| EvalError::File {
            action: "write",
            path: run.judge_file(&name),
            message: e.to_string(),
        })?;
        done.push(JudgedVariant {
            variant: name,
            judged: rows.len(),
            unreadable: rows.iter().filter(|r| r.scores().is_none()).count(),
        });
    }
    Ok(done)
}

/// The judgements stored for `variant`, checked against its `predictions`: empty when the
/// variant was never judged. A judgement of an id the variant did not answer, or of another
/// output than the one stored now, is an error telling to run the judge again.
pub fn read_judgements(
    run: &RunDir,
    variant: &str,
    predictions: &[Prediction],
) -> Result<Vec<Judgement>, EvalError> {
    let path = run.judge_file(variant);
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let rows: Vec<(usize, Judgement)> = read_rows(&path, "judgements file", "judgement")?;
    let outputs: HashMap<&str, &str> = predictions
        .iter()
        .map(|p| (p.id.as_str(), p.output.as_str()))
        .collect();
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(rows.len());
    for (line, j) in rows {
        if j.rubric != RUBRIC_VERSION {
            return Err(EvalError::MalformedLine {
                path,
                line,
                what: "judgement",
                message: format!(
                    "it was scored under rubric {}, not the current {RUBRIC_VERSION}; run the judge again",
                    j.rubric
                ),
            });
        }
        let current = outputs.get(j.id.as_str());
        if current.is_none_or(|o| sha256_hex(o.as_bytes()) != j.output_sha256) {
            return Err(EvalError::StaleJudgement {
                path,
                id: j.id,
                predictions: run.prediction_file(variant),
            });
        }
        if !seen.insert(j.id.clone()) {
            return Err(EvalError::MalformedLine {
                path,
                line,
                what: "judgement",
                message: format!("id {} was judged on an earlier line already", j.id),
            });
        }
        out.push(j);
    }
    Ok(out)
}
