//! The knowledge bank and its multiple-choice questions: coverage, sourcing, distinctness,
//! answer correctness, distractor kinds, position balance, determinism and errors.

use std::collections::{BTreeMap, HashMap, HashSet};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sleepcot_data::knowledge::{
    Answer, KnowledgeError, Phrasing, Question, Topic, capacity, fact, facts, generate_questions,
    knowledge_rationale, questions_for_facts,
};

fn thousand() -> Vec<Question> {
    generate_questions(42, 1000).expect("the bank holds 1,000 distinct questions")
}

/// The bare value an option stands for (statement options embed it in the claim, whose first
/// letter is capitalised).
fn option_value(q: &Question, option: &str) -> String {
    let f = fact(&q.fact_id).unwrap();
    match f.phrasing(q.phrasing).unwrap() {
        Phrasing::Statement => {
            let (pre, post) = f.claim.split_once("{}").unwrap();
            let body = option
                .strip_suffix(post)
                .expect("statement option ends like the claim");
            assert!(
                body.len() >= pre.len() && body[..pre.len()].eq_ignore_ascii_case(pre),
                "{option:?}"
            );
            body[pre.len()..].to_string()
        }
        Phrasing::Direct(_) | Phrasing::FillBlank => option.to_string(),
    }
}

#[test]
fn bank_has_enough_sourced_facts_with_unique_ids_across_topics() {
    let bank = facts();
    assert!(bank.len() >= 150, "only {} facts", bank.len());
    let ids: HashSet<&str> = bank.iter().map(|f| f.id).collect();
    assert_eq!(ids.len(), bank.len(), "fact ids must be unique");
    let mut per_topic: BTreeMap<Topic, usize> = BTreeMap::new();
    for f in bank {
        *per_topic.entry(f.topic).or_default() += 1;
        assert!(
            f.source_url.starts_with("http://") || f.source_url.starts_with("https://"),
            "{} has source {:?}",
            f.id,
            f.source_url
        );
        assert_eq!(
            f.claim.matches("{}").count(),
            1,
            "{} claim needs exactly one slot",
            f.id
        );
        assert!(
            f.asks.len() >= 2,
            "{} needs at least two written phrasings",
            f.id
        );
        assert!(
            f.statement().ends_with('.'),
            "{} statement is not a sentence",
            f.id
        );
        let distractors = f.distractors();
        assert!(
            distractors.len() >= 3,
            "{} has only {} distractors no reader could take for a correct answer",
            f.id,
            distractors.len()
        );
        assert!(
            distractors.iter().all(|d| f.accepts(d).is_none()),
            "{} offers a second reading of its answer",
            f.id
        );
        if let Answer::Choice { value, pool, .. } = f.answer {
            assert!(
                pool.members().contains(&value),
                "{}: {value:?} is not in {pool:?}",
                f.id
            );
        }
    }
    assert!(per_topic.len() >= 9, "topics used: {per_topic:?}");
    for topic in Topic::ALL {
        assert!(
            per_topic.get(&topic).copied().unwrap_or(0) >= 8,
            "{topic:?} has too few facts"
        );
    }
    assert!(fact("dur-nsf-adult-26-64").is_some() && fact("no-such-fact").is_none());
}

#[test]
fn every_claim_and_written_stem_belongs_to_one_fact() {
    // A stem (or a claim, for statement and fill-in-the-blank questions) then tells which fact
    // a question asks about, and no other fact's answer is right for it.
    let mut claims = HashMap::new();
    let mut asks = HashMap::new();
    for f in facts() {
        if let Some(other) = claims.insert(f.claim, f.id) {
            panic!("{} and {other} share the claim {:?}", f.id, f.claim);
        }
        for ask in f.asks {
            if let Some(other) = asks.insert(*ask, f.id) {
                assert_eq!(other, f.id, "{} and {other} share the stem {ask:?}", f.id);
            }
        }
    }
}

#[test]
fn thousand_questions_are_distinct_with_one_correct_option_and_no_duplicate_options() {
    let qs = thousand();
    assert_eq!(qs.len(), 1000);
    let mut keys = HashSet::new();
    let mut ids = HashSet::new();
    for q in &qs {
        let mut sorted = q.options.to_vec();
        sorted.sort();
        assert!(
            keys.insert((q.stem.clone(), sorted)),
            "duplicate question {}",
            q.id
        );
        assert!(ids.insert(q.id.clone()), "duplicate id {}", q.id);
        let distinct: HashSet<&String> = q.options.iter().collect();
        assert_eq!(
            distinct.len(),
            4,
            "{} repeats an option: {:?}",
            q.id,
            q.options
        );
        let f = fact(&q.fact_id).expect("question names a bank fact");
        let phrasing = f.phrasing(q.phrasing).expect("valid phrasing index");
        let correct = f.option_text(phrasing, &f.answer.text());
        let matching: Vec<usize> = (0..4).filter(|&i| q.options[i] == correct).collect();
        assert_eq!(matching.len(), 1, "{}: options {:?}", q.id, q.options);
        assert_eq!(
            Some(matching[0]),
            q.answer_index(),
            "{} marks the wrong letter",
            q.id
        );
        assert_eq!(q.topic, f.topic);
        assert_eq!(q.source_url, f.source_url);
    }
}

#[test]
fn answer_letters_are_balanced() {
    let qs = thousand();
    let mut counts: HashMap<char, usize> = HashMap::new();
    for q in &qs {
        *counts.entry(q.answer).or_default() += 1;
    }
    for letter in ['A', 'B', 'C', 'D'] {
        let c = counts.get(&letter).copied().unwrap_or(0);
        assert!(
            (240..=260).contains(&c),
            "letter {letter} used {c} times: {counts:?}"
        );
    }
    // Not a fixed cycle: the first few blocks use different letter orders.
    let orders: HashSet<String> = qs
        .chunks(4)
        .take(8)
        .map(|b| b.iter().map(|q| q.answer).collect())
        .collect();
    assert!(orders.len() > 1);
}

#[test]
fn distractors_share_the_answer_kind_and_unit() {
    for q in thousand() {
        let f = fact(&q.fact_id).unwrap();
        for option in &q.options {
            let value = option_value(&q, option);
            match f.answer {
                Answer::Quantity { unit, .. } => {
                    let suffix = unit.suffix();
                    let number = value.strip_suffix(suffix.as_str()).unwrap_or_else(|| {
                        panic!("{}: option {value:?} lacks unit {suffix:?}", q.id)
                    });
                    let parsed: f64 = number
                        .parse()
                        .unwrap_or_else(|_| panic!("{}: {number:?} is not a number", q.id));
                    assert!(parsed >= 0.0);
                }
                Answer::Range { unit, .. } => {
                    let suffix = unit.suffix();
                    let body = value
                        .strip_suffix(suffix.as_str())
                        .expect("range keeps its unit");
                    let (lo, hi) = body.split_once('–').expect("range has an en dash");
                    let (lo, hi): (f64, f64) = (lo.parse().unwrap(), hi.parse().unwrap());
                    assert!(lo < hi, "{}: bad range {value:?}", q.id);
                }
                Answer::Choice { pool, .. } => {
                    let members = pool.members();
                    assert!(
                        members.iter().any(|m| m.eq_ignore_ascii_case(&value)),
                        "{}: {value:?} is not a member of {pool:?}",
                        q.id
                    );
                }
            }
        }
    }
}

#[test]
fn several_phrasings_are_used_per_fact() {
    let qs = thousand();
    let mut phrasings: HashMap<&str, HashSet<usize>> = HashMap::new();
    for q in &qs {
        phrasings
            .entry(q.fact_id.as_str())
            .or_default()
            .insert(q.phrasing);
    }
    assert_eq!(phrasings.len(), facts().len(), "every fact is asked about");
    let mean = phrasings.values().map(HashSet::len).sum::<usize>() as f64 / phrasings.len() as f64;
    assert!(mean >= 2.0, "mean phrasings per fact {mean}");
    let stems: HashSet<&str> = qs.iter().map(|q| q.stem.as_str()).collect();
    assert!(stems.len() >= 500, "only {} distinct stems", stems.len());
}

#[test]
fn same_seed_gives_identical_json_and_other_seeds_differ() {
    let a = serde_json::to_string(&generate_questions(7, 300).unwrap()).unwrap();
    let b = serde_json::to_string(&generate_questions(7, 300).unwrap()).unwrap();
    let c = serde_json::to_string(&generate_questions(8, 300).unwrap()).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
    let back: Vec<Question> = serde_json::from_str(&a).unwrap();
    assert_eq!(serde_json::to_string(&back).unwrap(), a);
}

#[test]
fn prompt_text_lists_stem_and_lettered_options() {
    let q = &thousand()[0];
    let text = q.prompt_text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], q.stem);
    for (i, letter) in ['A', 'B', 'C', 'D'].iter().enumerate() {
        assert_eq!(
            lines[lines.len() - 4 + i],
            format!("{letter}. {}", q.options[i])
        );
    }
}

#[test]
fn rationale_cites_the_fact_and_ends_with_the_correct_answer() {
    let qs = thousand();
    let mut texts = HashSet::new();
    for (i, q) in qs.iter().enumerate().take(200) {
        let mut rng = ChaCha8Rng::seed_from_u64(i as u64);
        let ka = knowledge_rationale(q, &mut rng).unwrap();
        assert_eq!(ka.answer, q.answer);
        let last = ka.rationale.lines().last().unwrap();
        assert_eq!(last, format!("Answer: {}", q.answer));
        let f = fact(&q.fact_id).unwrap();
        assert!(
            ka.rationale.contains(&f.statement()),
            "{} does not restate its fact",
            q.id
        );
        assert_eq!(ka.rationale.matches("Answer:").count(), 1);
        texts.insert(
            ka.rationale
                .replace(&f.statement(), "")
                .replace(&f.answer.text(), ""),
        );
    }
    assert!(
        texts.len() > 20,
        "rationale templates barely vary: {}",
        texts.len()
    );
}

#[test]
fn rationale_rejects_questions_that_do_not_match_the_bank() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let good = thousand()[3].clone();

    let mut unknown = good.clone();
    unknown.fact_id = "no-such-fact".into();
    let err = knowledge_rationale(&unknown, &mut rng).unwrap_err();
    assert!(matches!(err, KnowledgeError::UnknownFact { .. }));
    assert!(err.to_string().contains("\"no-such-fact\""), "{err}");

    let mut bad_letter = good.clone();
    bad_letter.answer = 'E';
    let err = knowledge_rationale(&bad_letter, &mut rng).unwrap_err();
    assert!(
        err.to_string().contains("'E'") && err.to_string().contains("'A', 'B', 'C' or 'D'"),
        "{err}"
    );

    let mut wrong = good.clone();
    let idx = wrong.answer_index().unwrap();
    wrong.answer = ['A', 'B', 'C', 'D'][(idx + 1) % 4];
    let err = knowledge_rationale(&wrong, &mut rng).unwrap_err();
    assert!(
        matches!(err, KnowledgeError::AnswerMismatch { .. }),
        "{err}"
    );
    assert!(err.to_string().contains(&good.fact_id), "{err}");
}

#[test]
fn impossible_counts_and_unknown_facts_are_clear_errors() {
    let cap = capacity();
    assert!(cap >= 1000);
    let err = generate_questions(1, cap + 1).unwrap_err();
    assert_eq!(
        err,
        KnowledgeError::TooManyQuestions {
            requested: cap + 1,
            capacity: cap
        }
    );
    let msg = err.to_string();
    assert!(
        msg.contains(&(cap + 1).to_string()) && msg.contains(&cap.to_string()),
        "{msg}"
    );
    assert!(
        !msg.contains('\n') && msg.matches(". ").count() == 0,
        "one sentence: {msg}"
    );

    let err = questions_for_facts(1, &["dur-nsf-adult-26-64", "bogus-id"], 3).unwrap_err();
    assert!(err.to_string().contains("\"bogus-id\""), "{err}");
    let err = questions_for_facts(1, &["dur-nsf-adult-26-64"], 10_000).unwrap_err();
    assert!(matches!(err, KnowledgeError::TooManyQuestions { .. }));
}

#[test]
fn questions_for_selected_facts_stay_on_those_facts() {
    let ids = ["apnea-ahi-22-band", "hyg-caffeine-dose", "q-psqi-cutoff"];
    let qs = questions_for_facts(5, &ids, 12).unwrap();
    assert_eq!(qs.len(), 12);
    assert!(qs.iter().all(|q| ids.contains(&q.fact_id.as_str())));
    let per_fact: HashSet<&str> = qs.iter().map(|q| q.fact_id.as_str()).collect();
    assert_eq!(per_fact.len(), 3);
    assert!(generate_questions(5, 0).unwrap().is_empty());
}
