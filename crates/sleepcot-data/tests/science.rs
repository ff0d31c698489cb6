//! Science questions: the ARC / OpenBookQA loader on the committed fixtures, its errors, and
//! the records a teacher's replies become.

use std::path::{Path, PathBuf};

use sleepcot_data::instructions::Split;
use sleepcot_data::knowledge::{Topic, generate_questions};
use sleepcot_data::pipeline::Dataset;
use sleepcot_data::science::{ScienceConfig, ScienceFormatError, read_questions};
use sleepcot_data::teacher::chat::ChatTeacherConfig;
use sleepcot_data::teacher::{
    SCIENCE_SYSTEM_PROMPT, Task, Teacher, TeacherConfig, TeacherError, TeacherInput, TeacherOutput,
    few_shot_prompt,
};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/science")
        .join(name)
}

fn chat() -> TeacherConfig {
    let config: ChatTeacherConfig =
        serde_json::from_str(r#"{"base_url": "http://127.0.0.1:9/v1", "model": "teacher"}"#)
            .unwrap();
    TeacherConfig::Chat(config)
}

fn config() -> ScienceConfig {
    ScienceConfig {
        train: vec![fixture("arc-sample.jsonl")],
        val: vec![],
        test: vec![fixture("openbookqa-sample.jsonl")],
        max_per_split: None,
        teacher: chat(),
    }
}

#[test]
fn fixtures_load_with_four_option_questions_kept() {
    let (questions, counts) = read_questions(&config()).unwrap();
    let ids: Vec<(&str, Split)> = questions.iter().map(|(q, s)| (q.id.as_str(), *s)).collect();
    assert_eq!(
        ids,
        [
            ("fixture-arc-01", Split::Train),
            ("fixture-arc-02", Split::Train),
            ("fixture-arc-03", Split::Train),
            ("fixture-arc-06", Split::Train),
            ("fixture-obqa-01", Split::Test),
            ("fixture-obqa-02", Split::Test),
            ("fixture-obqa-03", Split::Test),
        ]
    );
    assert_eq!(counts.not_four_options, 2);
    assert_eq!(counts.duplicates, 1);
    let digit = &questions[2].0;
    assert_eq!(
        (digit.answer, digit.options[2].as_str()),
        ('C', "chloroplast")
    );
    assert!(questions.iter().all(|(q, _)| q.topic == Topic::Science));

    let capped = ScienceConfig {
        max_per_split: Some(2),
        ..config()
    };
    assert_eq!(read_questions(&capped).unwrap().0.len(), 4);
}

#[test]
fn bad_files_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.jsonl");
    let good = std::fs::read_to_string(fixture("arc-sample.jsonl")).unwrap();
    let first = good.lines().next().unwrap();
    std::fs::write(
        &bad,
        format!("{first}\n{{\"id\": \"x\", \"question\": {{\"stem\": \"s\"}}}}\n"),
    )
    .unwrap();
    let with_bad = ScienceConfig {
        train: vec![bad.clone()],
        ..config()
    };
    let err = read_questions(&with_bad).unwrap_err();
    assert!(
        matches!(err, ScienceFormatError::Line { line: 2, .. }),
        "{err}"
    );
    let text = err.to_string();
    assert!(text.starts_with(&format!("{}:2:", bad.display())), "{text}");
    assert!(text.contains("question.choices"), "{text}");

    let missing = ScienceConfig {
        test: vec![dir.path().join("absent.jsonl")],
        ..config()
    };
    let err = read_questions(&missing).unwrap_err().to_string();
    assert!(err.contains("absent.jsonl"), "{err}");
}

#[test]
fn the_expert_teacher_and_empty_splits_are_refused() {
    let expert = ScienceConfig {
        teacher: TeacherConfig::Expert,
        ..config()
    };
    assert!(
        expert
            .validate()
            .unwrap_err()
            .to_string()
            .contains("science.teacher")
    );
    let empty = ScienceConfig {
        test: vec![],
        ..config()
    };
    assert!(
        empty
            .validate()
            .unwrap_err()
            .to_string()
            .contains("science.test")
    );
    assert!(config().validate().is_ok());
    let keys: Vec<String> = config().files().into_iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["science.train[0]", "science.test[0]"]);
}

/// A teacher that reasons by naming the option it picks: right on every question except one,
/// which it gets wrong, so the gold filter's bookkeeping shows.
struct Picker;

impl Teacher for Picker {
    fn name(&self) -> &str {
        "picker"
    }

    fn teach(
        &self,
        input: &TeacherInput<'_>,
        _seed: u64,
        _index: u64,
    ) -> Result<TeacherOutput, TeacherError> {
        let TeacherInput::Knowledge(q) = input else {
            unreachable!("science datasets hold knowledge items only")
        };
        if q.id == "fixture-arc-06" {
            return Err(TeacherError::Rejected {
                teacher: "picker".into(),
                source_id: q.id.clone(),
                reason: "answered A, gold is D".into(),
            });
        }
        let index = (q.answer as u8 - b'A') as usize;
        Ok(TeacherOutput {
            rationale: format!("The option that fits is \"{}\".", q.options[index]),
            answer: format!("Answer: {}", q.answer),
        })
    }
}

#[test]
fn records_carry_the_science_prompt_and_splits() {
    let (dataset, counts) = Dataset::from_science(&config(), 3, &Picker, &|_| {}).unwrap();
    assert_eq!(counts.kept["train"], 4);
    assert_eq!(dataset.records.len(), 6);
    assert_eq!(dataset.rejected[&Task::Knowledge], 1);
    assert!(dataset.reports.is_empty());
    let record = &dataset.records[0];
    assert_eq!(record.task, Task::Knowledge);
    assert!(
        record.system.starts_with(SCIENCE_SYSTEM_PROMPT),
        "{}",
        record.system
    );
    assert_eq!(
        record.user,
        "Which form of energy does a stretched rubber band store?\nA. elastic potential energy\nB. thermal energy\nC. sound energy\nD. nuclear energy"
    );
    assert_eq!(record.answer, "Answer: A");
    assert_eq!(dataset.split(Split::Test).count(), 3);

    let dir = tempfile::tempdir().unwrap();
    dataset.write(dir.path()).unwrap();
    assert!(dir.path().join("instructions/test.jsonl").is_file());
    assert!(dir.path().join("questions.parquet").is_file());
}

#[test]
fn science_targets_get_no_sleep_examples() {
    let (questions, _) = read_questions(&config()).unwrap();
    let sleep = generate_questions(1, 4).unwrap();
    let examples: Vec<TeacherInput<'_>> = sleep.iter().map(TeacherInput::Knowledge).collect();
    let target = TeacherInput::Knowledge(&questions[0].0);
    let chat = few_shot_prompt(&target, &examples, 0).unwrap();
    assert_eq!(chat.len(), 2, "system + the question only");
    assert!(chat[0].content.starts_with(SCIENCE_SYSTEM_PROMPT));
    let sleep_target = TeacherInput::Knowledge(&sleep[0]);
    assert_eq!(
        few_shot_prompt(&sleep_target, &examples[1..], 0)
            .unwrap()
            .len(),
        2 + 2 * 3
    );
}
