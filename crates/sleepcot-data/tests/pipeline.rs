//! The whole data stage: splits keep people apart, records are consistent, errors are sentences.

use std::collections::{BTreeMap, BTreeSet};

use sleepcot_data::instructions::{InstructionRecord, Split};
use sleepcot_data::io::read_jsonl;
use sleepcot_data::pipeline::{DataConfig, Dataset};
use sleepcot_data::teacher::{ExpertTeacher, Task};

fn small(seed: u64) -> DataConfig {
    DataConfig {
        seed,
        users: 30,
        questions: 200,
        follow_ups_per_report: 3,
        ..DataConfig::default()
    }
}

fn generate(config: &DataConfig) -> Dataset {
    Dataset::generate(config, &ExpertTeacher, &|_| {}).unwrap()
}

#[test]
fn records_cover_every_task_and_no_person_is_in_two_splits() {
    let data = generate(&small(5));
    assert_eq!(data.reports.len(), 30);
    assert_eq!(data.questions.len(), 200);
    // One recommendation and three follow-ups per report, one record per question.
    assert_eq!(data.records.len(), 30 * 4 + 200);

    let mut split_of: BTreeMap<&str, Split> = BTreeMap::new();
    for r in &data.records {
        if let Some(p) = &r.person_id {
            let first = *split_of.entry(p).or_insert(r.split);
            assert_eq!(first, r.split, "{p} is in two splits");
        }
        assert_eq!(
            r.assistant,
            InstructionRecord::assistant_text(&r.rationale, &r.answer)
        );
        assert!(r.answer.contains("Answer:"), "{}: {}", r.id, r.answer);
        assert_eq!(r.teacher, "expert");
        assert!(!r.system.is_empty() && !r.user.is_empty());
    }
    let splits: BTreeSet<Split> = data.records.iter().map(|r| r.split).collect();
    assert_eq!(splits.len(), 3);

    // A held-out question never repeats a training stem.
    let train_stems: BTreeSet<&str> = data
        .records
        .iter()
        .filter(|r| r.task == Task::Knowledge && r.split == Split::Train)
        .map(|r| r.user.as_str())
        .collect();
    for r in data
        .split(Split::Test)
        .filter(|r| r.task == Task::Knowledge)
    {
        assert!(!train_stems.contains(r.user.as_str()), "{} repeated", r.id);
    }

    let summary = data.summary().to_string();
    assert!(
        summary.contains("30 reports, 200 knowledge questions"),
        "{summary}"
    );
    assert!(summary.contains("recommendation"), "{summary}");
}

#[test]
fn the_user_message_never_carries_the_ground_truth() {
    let data = generate(&small(8));
    for r in data.records.iter().filter(|r| r.task != Task::Knowledge) {
        let lower = r.user.to_lowercase();
        assert!(!lower.contains("finding"), "{}: {}", r.id, r.user);
        assert!(!lower.contains("red flag"), "{}: {}", r.id, r.user);
    }
}

#[test]
fn written_files_read_back_as_the_same_records() {
    let data = generate(&small(2));
    let dir = tempfile::tempdir().unwrap();
    data.write(dir.path()).unwrap();
    let mut back: Vec<InstructionRecord> = Vec::new();
    for split in Split::ALL {
        back.extend(
            read_jsonl::<InstructionRecord>(
                &dir.path()
                    .join(format!("instructions/{}.jsonl", split.name())),
            )
            .unwrap(),
        );
    }
    assert_eq!(back.len(), data.records.len());
    for r in &data.records {
        assert!(back.contains(r), "{} lost on disk", r.id);
    }
}

#[test]
fn bad_configs_are_rejected_with_the_field_named() {
    let teacher = ExpertTeacher;
    let mut c = small(0);
    c.nights = 0;
    let err = Dataset::generate(&c, &teacher, &|_| {}).unwrap_err();
    assert_eq!(
        err.to_string(),
        "data config field `nights` is 0, but between 1 and 366 was expected"
    );
    let mut c = small(0);
    c.splits.test = 1.5;
    let err = Dataset::generate(&c, &teacher, &|_| {}).unwrap_err();
    assert!(err.to_string().contains("test = 1.5"), "{err}");
    let bad: Result<DataConfig, _> = serde_json::from_str(r#"{"users": 3, "colour": 1}"#);
    assert!(
        bad.unwrap_err()
            .to_string()
            .contains("unknown field `colour`")
    );
}

/// The three knowledge conditions: the main test is reworded, `trained_phrasing` reuses a
/// training stem with new options, and `unseen_fact` asks about facts no record mentions.
#[test]
fn knowledge_conditions_hold_out_what_they_say() {
    use sleepcot_data::knowledge::KnowledgeConditions;
    use sleepcot_data::knowledge::conditions::{TRAINED_PHRASING, UNSEEN_FACT};

    let mut config = small(11);
    config.users = 4;
    config.questions = 400;
    config.knowledge_conditions = KnowledgeConditions {
        unseen_facts: 12,
        unseen_fact_questions: 40,
        trained_phrasing_questions: 60,
    };
    let data = generate(&config);
    assert_eq!(data.questions.len(), 400);
    let names: Vec<&str> = data.conditions.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, [TRAINED_PHRASING, UNSEEN_FACT]);
    let set = |name: &str| &data.conditions.iter().find(|(n, _)| n == name).unwrap().1;

    let knowledge = |split: Split| {
        data.records
            .iter()
            .filter(move |r| r.task == Task::Knowledge && r.split == split)
    };
    let question = |id: &str| {
        let qid = id.strip_prefix("kq-").unwrap();
        data.questions.iter().find(|q| q.id == qid).unwrap()
    };
    let trained: BTreeSet<(&str, usize)> = knowledge(Split::Train)
        .map(|r| question(&r.id))
        .map(|q| (q.fact_id.as_str(), q.phrasing))
        .collect();

    // (b) The main test never asks a trained stem.
    for r in knowledge(Split::Test) {
        let q = question(&r.id);
        assert!(
            !trained.contains(&(q.fact_id.as_str(), q.phrasing)),
            "{}",
            q.id
        );
    }
    // (a) Every trained-phrasing question asks a trained stem, with an option set no
    // question of the main pool used.
    let phrased = set(TRAINED_PHRASING);
    assert_eq!(phrased.len(), 60);
    for q in phrased {
        assert!(
            trained.contains(&(q.fact_id.as_str(), q.phrasing)),
            "{}",
            q.id
        );
        assert!(
            data.questions.iter().all(|m| m.id != q.id),
            "{} is in the pool",
            q.id
        );
    }
    // (c) No record of any split and no question of the pool is about an unseen fact.
    let unseen = set(UNSEEN_FACT);
    assert_eq!(unseen.len(), 40);
    let unseen_facts: BTreeSet<&str> = unseen.iter().map(|q| q.fact_id.as_str()).collect();
    assert!(unseen_facts.len() > 1);
    assert!(
        data.questions
            .iter()
            .all(|q| !unseen_facts.contains(q.fact_id.as_str()))
    );
    for r in &data.records {
        let fact = r.fact_id.as_deref().unwrap_or("");
        assert!(
            !unseen_facts.contains(fact),
            "{} is about an unseen fact",
            r.id
        );
    }

    // Written beside the main data, and the same again for the same seed.
    let dir = tempfile::tempdir().unwrap();
    data.write(dir.path()).unwrap();
    let back: Vec<sleepcot_data::knowledge::Question> =
        read_jsonl(&dir.path().join("conditions/unseen_fact.jsonl")).unwrap();
    assert_eq!(&back, unseen);
    assert_eq!(generate(&config), data);

    // Without conditions, the data is what it was: the same pool as the bank's generator.
    let plain = generate(&small(11));
    assert!(plain.conditions.is_empty());
    assert_eq!(
        plain.questions,
        sleepcot_data::knowledge::generate_questions(11, 200).unwrap()
    );
    let too_many = KnowledgeConditions {
        unseen_facts: 10_000,
        unseen_fact_questions: 1,
        trained_phrasing_questions: 0,
    };
    let err = Dataset::generate(
        &DataConfig {
            knowledge_conditions: too_many,
            ..small(0)
        },
        &ExpertTeacher,
        &|_| {},
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("knowledge_conditions.unseen_facts"),
        "{err}"
    );
}
