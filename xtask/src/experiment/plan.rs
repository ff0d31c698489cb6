//! The plan of an experiment: its stages in order, each with the hash of its configuration
//! and inputs, and the sizes and memory `--dry-run` prints.

use std::fmt::Write as _;
use std::path::Path;

use sleepcot_model::Qwen2Config;
use sleepcot_train::{StudentConfig, TrainConfig};

use super::spec::{Experiment, VariantSpec};
use super::stage::stage_hash;

/// What a stage does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageKind {
    /// Simulate the people, teach the records, write `data/`.
    Data,
    /// Build the tokenizer every variant shares, write `tokenizer/tokenizer.json`.
    Tokenizer,
    /// Train variant `i` into `train/<name>/`.
    Train(usize),
    /// Generate variant `i`'s answers to the test items into `predictions/`.
    Predict(usize),
    /// Write the teacher's and the model-free baselines' predictions.
    Baselines,
    /// Score variant `i`'s kept checkpoints on the validation subset: `curves/<name>.jsonl`.
    Curves(usize),
    /// Ask the LLM judge to score the recommendations: `judge/<variant>.jsonl`.
    Judge,
    /// Score every variant: `eval/metrics.json`, scores, plots.
    Eval,
    /// Write `report.md` and the terminal summary.
    Report,
}

impl StageKind {
    /// The group `--only` selects it by.
    pub fn group(self) -> &'static str {
        match self {
            StageKind::Data => "data",
            StageKind::Tokenizer => "tokenizer",
            StageKind::Train(_) => "train",
            // The learning curves are predictions too, on the validation subset.
            StageKind::Predict(_) | StageKind::Baselines | StageKind::Curves(_) => "predict",
            StageKind::Judge => "judge",
            StageKind::Eval => "eval",
            StageKind::Report => "report",
        }
    }
}

/// The `--only` groups, in pipeline order.
pub const GROUPS: [&str; 7] = [
    "data",
    "tokenizer",
    "train",
    "predict",
    "judge",
    "eval",
    "report",
];

/// One planned stage.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedStage {
    /// Its record name (`data`, `train.cot`, `predict.cot`, ...).
    pub name: String,
    /// What it does.
    pub kind: StageKind,
    /// Hash of its configuration and its inputs' hashes.
    pub hash: String,
}

/// Every stage of an experiment, in the order they run.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The stages.
    pub stages: Vec<PlannedStage>,
}

/// What the train stage hashes: the training configuration without its paths (which follow
/// from the run directory), the progress bar and the device count (a step computes the same
/// gradients on any number of devices).
fn train_key(config: &TrainConfig) -> serde_json::Value {
    let mut config = config.clone();
    config.data = Default::default();
    config.out = Default::default();
    config.run.progress = true;
    config.run.devices = 1;
    if let StudentConfig::Scratch { tokenizer, .. } = &mut config.student {
        *tokenizer = None;
    }
    serde_json::to_value(&config).expect("configurations serialise")
}

impl Plan {
    /// The plan of `experiment` running into `run`.
    pub fn new(experiment: &Experiment, run: &Path) -> Plan {
        let spec = &experiment.spec;
        let mut stages = Vec::new();
        let mut push = |name: String, kind: StageKind, hash: String| {
            stages.push(PlannedStage { name, kind, hash });
            stages.last().expect("just pushed").hash.clone()
        };
        let data_key = match &spec.science {
            // Science data also depends on the files' contents.
            Some(science) => serde_json::json!({
                "science": science,
                "seed": spec.seed,
                "contents": science
                    .files()
                    .iter()
                    .map(|(_, f)| std::fs::read(f).map_or("missing".to_string(), |b| {
                        super::stage::stage_hash("file", &b.len(), &[&String::from_utf8_lossy(&b)])
                    }))
                    .collect::<Vec<_>>(),
            }),
            None => serde_json::to_value(spec.data_config()).expect("configurations serialise"),
        };
        let data = push(
            "data".into(),
            StageKind::Data,
            stage_hash("data", &data_key, &[]),
        );
        let first = spec.train_config(&spec.variants[0], run, None);
        let tokenizer_key = serde_json::json!({
            "student": first.student,
            "tasks": first.tasks,
            "max_train_records": first.max_train_records,
        });
        let tokenizer = push(
            "tokenizer".into(),
            StageKind::Tokenizer,
            stage_hash("tokenizer", &tokenizer_key, &[&data]),
        );
        let mut trained = Vec::new();
        for (i, variant) in spec.variants.iter().enumerate() {
            let name = format!("train.{}", variant.name);
            let key = train_key(&spec.train_config(variant, run, None));
            let hash = stage_hash(&name, &key, &[&data, &tokenizer]);
            trained.push(push(name, StageKind::Train(i), hash));
        }
        let mut predict_key = serde_json::json!({
            "max_new_tokens": spec.eval.max_new_tokens,
            "max_new_tokens_per_task": spec.eval.max_new_tokens_per_task,
            "batch_size": spec.eval.batch_size,
            "backend": spec.backend,
        });
        let extra = spec.eval.extra_files();
        if !extra.is_empty() {
            // The extra test sets are answered by the predict stages: their files' contents
            // are inputs too (the key is left out without them, so older runs keep their hashes).
            predict_key["extra"] = extra
                .iter()
                .map(|(key, f)| {
                    let content = std::fs::read(f)
                        .map_or("missing".to_string(), |b| sleepcot_data::io::sha256_hex(&b));
                    serde_json::json!([key, f, content])
                })
                .collect();
        }
        let mut predicted = Vec::new();
        for (i, variant) in spec.variants.iter().enumerate() {
            let name = format!("predict.{}", variant.name);
            let hash = stage_hash(&name, &predict_key, &[&data, &trained[i]]);
            predicted.push(push(name, StageKind::Predict(i), hash));
        }
        if spec.eval.baselines {
            // The untrained student is a baseline too: it reads the tokenizer and the student.
            let key = serde_json::json!({
                "seed": spec.seed,
                "student": first.student,
                "predict": predict_key,
            });
            let hash = stage_hash("predict.baselines", &key, &[&data, &tokenizer]);
            predicted.push(push("predict.baselines".into(), StageKind::Baselines, hash));
        }
        if spec.eval.curve_items > 0 {
            let key = serde_json::json!({
                "curve_items": spec.eval.curve_items,
                "predict": predict_key,
            });
            for (i, variant) in spec.variants.iter().enumerate() {
                let name = format!("curves.{}", variant.name);
                let hash = stage_hash(&name, &key, &[&data, &trained[i]]);
                predicted.push(push(name, StageKind::Curves(i), hash));
            }
        }
        if let Some(judge) = &spec.eval.judge {
            // Where replies are cached and how many requests run at once change no score.
            let mut endpoint = judge.endpoint.clone();
            endpoint.cache_dir = None;
            endpoint.concurrency = 1;
            let key = serde_json::json!({
                "endpoint": endpoint,
                "max_items": judge.max_items,
                "rubric": sleepcot_eval::judge::RUBRIC_VERSION,
                "rubric_text": sleepcot_data::io::sha256_hex(sleepcot_eval::judge::RUBRIC.as_bytes()),
                "seed": spec.seed,
            });
            let inputs: Vec<&str> = predicted.iter().map(String::as_str).collect();
            let hash = stage_hash("judge", &key, &inputs);
            predicted.push(push("judge".into(), StageKind::Judge, hash));
        }
        let eval_key = serde_json::json!({"resamples": spec.eval.resamples, "seed": spec.seed});
        let inputs: Vec<&str> = predicted.iter().map(String::as_str).collect();
        let eval = push(
            "eval".into(),
            StageKind::Eval,
            stage_hash("eval", &eval_key, &inputs),
        );
        let mut inputs: Vec<&str> = trained.iter().map(String::as_str).collect();
        inputs.push(&eval);
        let report_key = serde_json::json!({"description": spec.description});
        push(
            "report".into(),
            StageKind::Report,
            stage_hash("report", &report_key, &inputs),
        );
        Plan { stages }
    }
}

/// The architecture of the student, when it can be known without downloading anything: a
/// scratch student's own, a local checkpoint's `config.json`, a hub checkpoint already in the
/// cache, or the published shape of a Qwen2.5 checkpoint named by its hub id.
pub fn student_architecture(student: &StudentConfig, vocab_size: usize) -> Option<Qwen2Config> {
    match student {
        StudentConfig::Scratch { model, .. } => {
            Some(sleepcot_train::student::scratch_config(model, vocab_size))
        }
        StudentConfig::Pretrained { model, .. } => {
            let local = Path::new(model).join("config.json");
            let cached = sleepcot_model::hub::HubOptions::from_env().cached(model, "config.json");
            let file = if local.is_file() { Some(local) } else { cached };
            if let Some(file) = file {
                return Qwen2Config::from_file(file).ok();
            }
            Qwen2Config::published_qwen25(model)
        }
    }
}

/// Rough peak memory of training one student, in bytes: the weights (`weight_bytes` each: 4 for
/// f32, 2 for a bf16 or f16 base), f32 gradients and two AdamW moments of the trainable
/// parameters, and the activations autodiff keeps for a batch (per layer about 16
/// residual-width and 3 MLP-width values per token plus the attention matrix, and the logits
/// twice), counted at 4 bytes.
pub fn training_memory_bytes(
    model: &Qwen2Config,
    weight_bytes: u64,
    trainable: u64,
    batch: usize,
    seq: usize,
) -> u64 {
    let weights = model.parameter_count() * weight_bytes;
    let optimiser = trainable * 4 * 3;
    let tokens = (batch * seq) as u64;
    let per_layer = tokens * (16 * model.hidden_size as u64 + 3 * model.intermediate_size as u64)
        + (batch * model.num_attention_heads * seq * seq) as u64 * 2;
    let activations =
        (per_layer * model.num_hidden_layers as u64 + 2 * tokens * model.vocab_size as u64) * 4;
    weights + optimiser + activations
}

fn gib(bytes: u64) -> String {
    format!("{:.2} GiB", bytes as f64 / (1u64 << 30) as f64)
}

/// The `--dry-run` text: stages, data sizes, students, steps and expected memory.
pub fn describe(experiment: &Experiment, plan: &Plan, run: &Path) -> String {
    let spec = &experiment.spec;
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(
        w,
        "experiment {} ({})",
        experiment.name,
        experiment.path.display()
    );
    if !spec.description.is_empty() {
        let _ = writeln!(w, "  {}", spec.description);
    }
    let _ = writeln!(w, "output     {}", run.display());
    let _ = writeln!(w, "backend    {}", spec.backend);
    let train_records = match &spec.science {
        Some(science) => describe_science(w, science),
        None => describe_sleep_data(w, spec),
    };
    let vocab = match &spec.student {
        StudentConfig::Scratch { vocab_size, .. } => *vocab_size,
        StudentConfig::Pretrained { .. } => 0,
    };
    let arch = student_architecture(&spec.student, vocab);
    match (&spec.student, &arch) {
        (_, Some(a)) => {
            let _ = writeln!(
                w,
                "student    {}: {} parameters (hidden {}, {} layers, {} heads, {} KV heads, vocab {})",
                student_name(&spec.student),
                human(a.parameter_count()),
                a.hidden_size,
                a.num_hidden_layers,
                a.num_attention_heads,
                a.num_key_value_heads,
                a.vocab_size
            );
        }
        (_, None) => {
            let _ = writeln!(
                w,
                "student    {}: shape unknown until its config.json is downloaded",
                student_name(&spec.student)
            );
        }
    }
    let _ = writeln!(w, "variants");
    for variant in &spec.variants {
        describe_variant(w, experiment, variant, run, arch.as_ref(), train_records);
    }
    if let Some(judge) = &spec.eval.judge {
        let _ = writeln!(
            w,
            "judge      {} at {}, {} per variant (rubric {})",
            judge.endpoint.model,
            judge.endpoint.base_url,
            judge
                .max_items
                .map_or("every recommendation".to_string(), |n| format!(
                    "up to {n} recommendations"
                )),
            sleepcot_eval::judge::RUBRIC_VERSION
        );
    }
    let _ = writeln!(w, "stages");
    for (i, s) in plan.stages.iter().enumerate() {
        let _ = writeln!(w, "  {:>2}. {:<24} {}", i + 1, s.name, &s.hash[..12]);
    }
    let missing: Vec<_> = experiment
        .referenced_files()
        .into_iter()
        .filter(|(_, f)| !f.is_file())
        .collect();
    for (key, file) in &missing {
        let _ = writeln!(
            w,
            "missing    {key} = {} (needed before the experiment can run)",
            file.display()
        );
    }
    out
}

/// Prints the simulated data's sizes; returns the expected number of training records.
fn describe_sleep_data(w: &mut String, spec: &super::spec::ExperimentSpec) -> usize {
    let data = spec.data_config();
    let (people_val, people_test) = data.splits.counts(data.users);
    let (q_val, q_test) = data.splits.counts(data.questions);
    let people_train = data.users - people_val - people_test;
    let q_train = data.questions - q_val - q_test;
    let _ = writeln!(
        w,
        "data       {} people × {} nights, {} follow-ups each, {} knowledge questions; teacher {}",
        data.users,
        data.nights,
        data.follow_ups_per_report,
        data.questions,
        teacher_name(&data.teacher)
    );
    let _ = writeln!(
        w,
        "           held out for test: about {people_test} reports and {q_test} questions; training: about {people_train} reports and {q_train} questions"
    );
    people_train * (1 + data.follow_ups_per_report) + q_train
}

/// Prints the science files and their question counts (lines of the files present); returns
/// the number of training questions found.
fn describe_science(w: &mut String, science: &sleepcot_data::science::ScienceConfig) -> usize {
    let lines = |files: &[std::path::PathBuf]| -> Option<usize> {
        files
            .iter()
            .map(|f| {
                std::fs::read_to_string(f)
                    .ok()
                    .map(|t| t.lines().filter(|l| !l.trim().is_empty()).count())
            })
            .sum()
    };
    let cap = |n: usize| science.max_per_split.map_or(n, |c| n.min(c));
    let shown =
        |n: Option<usize>| n.map_or("? (files missing)".to_string(), |n| cap(n).to_string());
    let train = lines(&science.train);
    let _ = writeln!(
        w,
        "data       science questions: train {} from {} file(s), val {}, test {} from {} file(s); teacher {}",
        shown(train),
        science.train.len(),
        shown(lines(&science.val)),
        shown(lines(&science.test)),
        science.test.len(),
        teacher_name(&science.teacher)
    );
    train.map_or(0, cap)
}

fn describe_variant(
    w: &mut String,
    experiment: &Experiment,
    variant: &VariantSpec,
    run: &Path,
    arch: Option<&Qwen2Config>,
    train_records: usize,
) {
    let config = experiment.spec.train_config(variant, run, None);
    let formats: usize = config
        .objective
        .stages()
        .iter()
        .map(|s| config.objective.parts(*s).len())
        .sum();
    let steps = config.total_steps(train_records);
    let students = config.objective.stages().len();
    let mut line = format!(
        "  {:<14} {:<13} {} student(s), about {} steps each (batch {}, {} sequences per record, max length {})",
        variant.name,
        config.objective.name(),
        students,
        steps,
        config.run.batch_size,
        formats / students.max(1),
        config.run.max_len
    );
    if let Some(arch) = arch {
        let trainable = match sleepcot_train::student::lora_of(&config.student) {
            Some(lora) => lora.parameter_count(arch),
            None => arch.parameter_count(),
        };
        let sequences = config.run.batch_size * formats / students.max(1);
        let weight_bytes = match &config.student {
            StudentConfig::Pretrained { precision, .. } => precision.bytes(),
            StudentConfig::Scratch { .. } => 4,
        };
        let memory =
            training_memory_bytes(arch, weight_bytes, trainable, sequences, config.run.max_len);
        let _ = write!(
            line,
            "; {} trainable; expected peak memory {}",
            human(trainable),
            gib(memory)
        );
    }
    let _ = writeln!(w, "{line}");
}

fn teacher_name(teacher: &sleepcot_data::teacher::TeacherConfig) -> String {
    match teacher {
        sleepcot_data::teacher::TeacherConfig::Expert => "expert (embedded)".into(),
        sleepcot_data::teacher::TeacherConfig::Chat(c) => {
            format!("chat model {} at {}", c.model, c.base_url)
        }
    }
}

fn student_name(student: &StudentConfig) -> String {
    match student {
        StudentConfig::Scratch { .. } => "from scratch".into(),
        StudentConfig::Pretrained {
            model,
            lora,
            precision,
        } => match lora {
            Some(l) => format!("{model} with LoRA r={} ({precision} base)", l.r),
            None => format!("{model}, full fine-tuning"),
        },
    }
}

/// `1.54 B`, `3.2 M`, `12.0 k`.
pub fn human(n: u64) -> String {
    let n = n as f64;
    if n >= 1e9 {
        format!("{:.2} B", n / 1e9)
    } else if n >= 1e6 {
        format!("{:.1} M", n / 1e6)
    } else if n >= 1e3 {
        format!("{:.1} k", n / 1e3)
    } else {
        format!("{n}")
    }
}

#[cfg(test)]
mod tests {
    use sleepcot_train::TrainConfig;

    use super::train_key;

    const LORA: &str = "data = \"d\"\nout = \"o\"\n[student]\nkind = \"pretrained\"\nmodel = \"m\"\n[student.lora]\nr = 4\nalpha = 8\ntarget_modules = [\"q_proj\"]\n[loop]\ngrad_accum = 4\n";

    #[test]
    fn the_device_count_does_not_change_the_train_hash() {
        let one = TrainConfig::from_toml(LORA).unwrap();
        let mut four = one.clone();
        four.run.devices = 4;
        assert_eq!(train_key(&one), train_key(&four));
    }

    #[test]
    fn defaults_added_later_leave_older_hashes_alone() {
        // `precision` and `devices` are not serialised at their defaults, so a configuration
        // hashes as it did before those keys existed.
        let key = train_key(&TrainConfig::from_toml(LORA).unwrap()).to_string();
        assert!(
            !key.contains("precision") && !key.contains("devices"),
            "{key}"
        );
        let bf16 = LORA.replace("model = \"m\"\n", "model = \"m\"\nprecision = \"bf16\"\n");
        let key = train_key(&TrainConfig::from_toml(&bf16).unwrap()).to_string();
        assert!(key.contains("\"precision\":\"bf16\""), "{key}");
    }
}
