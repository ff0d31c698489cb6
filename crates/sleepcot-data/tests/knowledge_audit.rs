//! The knowledge audit: hand-made bad items are flagged, one check at a time, and every question
//! the generator can produce passes with the expert teacher's reply.

use std::collections::{BTreeMap, BTreeSet};

use sleepcot_data::audit::{AuditSummary, Violation, ViolationKind, audit_knowledge};
use sleepcot_data::knowledge::{Fact, Phrasing, capacity, fact, facts, generate_questions};
use sleepcot_data::teacher::{ExpertTeacher, Teacher, TeacherInput};

/// A prompt as the student reads it: the stem, then `A. …` to `D. …`.
fn prompt(stem: &str, options: [&str; 4]) -> String {
    let lines: Vec<String> = ['A', 'B', 'C', 'D']
        .iter()
        .zip(options)
        .map(|(l, o)| format!("{l}. {o}"))
        .collect();
    format!("{stem}\n{}", lines.join("\n"))
}

/// A reply that restates `fact` and picks `letter`.
fn reply_naming(f: &Fact, letter: char) -> String {
    format!("Key fact: {}\n\nAnswer: {letter}", f.statement())
}

fn bank(id: &str) -> &'static Fact {
    fact(id).unwrap_or_else(|| panic!("{id} is a bank fact"))
}

fn kinds(violations: &[Violation]) -> BTreeSet<ViolationKind> {
    violations.iter().map(|v| v.kind).collect()
}

/// Audits a Direct question about `id` with these options, the reply naming the fact.
fn audit_direct(id: &str, options: [&str; 4], letter: char) -> Vec<Violation> {
    let f = bank(id);
    audit_knowledge(&prompt(f.asks[0], options), &reply_naming(f, letter))
}

#[track_caller]
fn assert_only(violations: &[Violation], kind: ViolationKind) {
    assert!(!violations.is_empty(), "expected a {kind:?} violation");
    assert_eq!(kinds(violations), BTreeSet::from([kind]), "{violations:#?}");
}

#[test]
fn a_well_formed_item_passes_and_equivalent_wording_of_the_fact_counts_as_naming_it() {
    let f = bank("dur-nsf-adult-26-64");
    let options = ["6–8 h", "7–9 h", "8–10 h", "9–11 h"];
    assert!(audit_direct(f.id, options, 'B').is_empty());
    let reworded = format!(
        "{}\n\nAnswer: B",
        f.claim_with("7 to 9 hours").to_lowercase()
    );
    assert!(audit_knowledge(&prompt(f.asks[0], options), &reworded).is_empty());
}

#[test]
fn options_that_are_the_same_value_in_another_unit_or_format_are_ambiguous() {
    // 60 min and 1 h: both are the answer of a "within 1 h of bedtime" fact.
    let gap = "hyg-vigorous-exercise-gap";
    let v = audit_direct(gap, ["60 min", "1 h", "2 h", "3 h"], 'B');
    assert_only(&v, ViolationKind::AmbiguousOption);
    assert!(v[0].detail.contains("\"60 min\"") && v[0].detail.contains("\"1 h\""));
    // 85% and 0.85, "7–9 h" and "7 to 9 hours".
    assert_only(
        &audit_direct("norm-se-85", ["75%", "85%", "0.85", "95%"], 'B'),
        ViolationKind::AmbiguousOption,
    );
    assert_only(
        &audit_direct(
            "dur-nsf-adult-26-64",
            ["7–9 h", "5–6 h", "7 to 9 hours", "10–12 h"],
            'A',
        ),
        ViolationKind::AmbiguousOption,
    );
}

#[test]
fn two_options_with_the_same_text_are_ambiguous_even_when_both_are_wrong() {
    let v = audit_direct(
        "hyg-vigorous-exercise-gap",
        ["1 h", "3 h", "2 h", "3 h"],
        'A',
    );
    assert_only(&v, ViolationKind::AmbiguousOption);
    assert!(v[0].detail.contains("say the same thing"), "{v:?}");
}

#[test]
fn bounds_and_nested_ranges_are_second_readings_of_a_range() {
    let id = "dur-nsf-adult-26-64";
    for reading in ["at least 7 h", "7–8 h", "6–10 h", "up to 9 h"] {
        let v = audit_direct(id, ["7–9 h", reading, "11–13 h", "3–4 h"], 'A');
        assert_only(&v, ViolationKind::AmbiguousOption);
    }
    // A range starting at a threshold reads as that threshold.
    let v = audit_direct(
        "dur-aasm-adult-minimum",
        ["7 h", "7–9 h", "5 h", "4 h"],
        'A',
    );
    assert_only(&v, ViolationKind::AmbiguousOption);
}

#[test]
fn a_distractor_within_a_hedged_figures_tolerance_is_ambiguous_and_outside_it_is_not() {
    let id = "apnea-spo2-nadir-healthy"; // "about 90%"
    let v = audit_direct(id, ["90%", "92%", "80%", "70%"], 'A');
    assert_only(&v, ViolationKind::AmbiguousOption);
    assert!(audit_direct(id, ["90%", "96%", "80%", "70%"], 'A').is_empty());
    // An exact figure has no tolerance.
    let cut = "apnea-ahi-moderate-threshold";
    assert!(
        audit_direct(
            cut,
            ["15 events/h", "16 events/h", "5 events/h", "30 events/h"],
            'A'
        )
        .is_empty()
    );
}

#[test]
fn another_facts_answer_that_the_stem_does_not_rule_out_is_ambiguous() {
    // "In healthy people" does not rule out healthy people over 60, whose median is 95.1%.
    let v = audit_direct(
        "apnea-spo2-median-healthy",
        ["96.5%", "95.1%", "90.5%", "88.5%"],
        'A',
    );
    assert_only(&v, ViolationKind::AmbiguousOption);
    assert!(v[0].detail.contains("apnea-spo2-median-over-60"), "{v:?}");
    // A member the fact lists as also true.
    let v = audit_direct(
        "red-witnessed-apneas",
        [
            "a referral for a sleep study",
            "video polysomnography and a neurology review",
            "no action, because this is normal",
            "an over-the-counter sleeping pill",
        ],
        'A',
    );
    assert_only(&v, ViolationKind::AmbiguousOption);
}

#[test]
fn a_statement_choice_with_another_true_fact_among_the_distractors_is_ambiguous() {
    let f = bank("dur-nsf-adult-26-64");
    let other = bank("dur-nsf-older-65");
    let stem = f.stem(Phrasing::Statement);
    let options = [
        f.statement(),
        f.claim_with("9–11 h"),
        other.statement(),
        f.claim_with("4–5 h"),
    ];
    let text = prompt(&stem, options.each_ref().map(String::as_str));
    let v = audit_knowledge(&text, &reply_naming(f, 'A'));
    assert_only(&v, ViolationKind::AmbiguousOption);
    assert!(v[0].detail.contains(other.id), "{v:?}");
}

#[test]
fn a_question_without_a_correct_option_is_ambiguous() {
    let v = audit_direct(
        "hyg-vigorous-exercise-gap",
        ["2 h", "3 h", "4 h", "5 h"],
        'A',
    );
    assert!(kinds(&v).contains(&ViolationKind::AmbiguousOption), "{v:?}");
    assert!(v.iter().any(|x| x.detail.contains("no option is correct")));
}

#[test]
fn a_rationale_that_names_no_fact_or_misstates_it_or_names_another_is_flagged() {
    let f = bank("dur-nsf-adult-26-64");
    let text = prompt(f.asks[0], ["6–8 h", "7–9 h", "8–10 h", "9–11 h"]);
    let vague = "Adults need a fair amount of sleep; B looks right.\n\nAnswer: B";
    assert_only(&audit_knowledge(&text, vague), ViolationKind::FactNotNamed);
    let misstated = format!("Key fact: {}\n\nAnswer: B", f.claim_with("6–8 h"));
    let v = audit_knowledge(&text, &misstated);
    assert_only(&v, ViolationKind::FactNotNamed);
    assert!(v[0].detail.contains("misstates"), "{v:?}");
    let elsewhere = reply_naming(bank("arch-n2-spindles"), 'B');
    let v = audit_knowledge(&text, &elsewhere);
    assert_only(&v, ViolationKind::FactNotNamed);
    assert!(v[0].detail.contains("arch-n2-spindles"), "{v:?}");
}

#[test]
fn an_answer_letter_that_contradicts_the_named_fact_is_a_wrong_answer() {
    let options = ["6–8 h", "7–9 h", "8–10 h", "9–11 h"];
    let v = audit_direct("dur-nsf-adult-26-64", options, 'C');
    assert_only(&v, ViolationKind::WrongAnswer);
    assert!(v[0].detail.contains("\"8–10 h\"") && v[0].detail.contains("7–9 h"));
    // Without a named fact, the choice is still judged against the fact the stem asks about.
    let f = bank("dur-nsf-adult-26-64");
    let v = audit_knowledge(&prompt(f.asks[0], options), "Hmm.\n\nAnswer: A");
    assert_eq!(
        kinds(&v),
        BTreeSet::from([ViolationKind::FactNotNamed, ViolationKind::WrongAnswer])
    );
}

#[test]
fn a_missing_answer_line_or_a_malformed_prompt_is_a_format_violation() {
    let f = bank("dur-nsf-adult-26-64");
    let text = prompt(f.asks[0], ["6–8 h", "7–9 h", "8–10 h", "9–11 h"]);
    let no_answer = format!("Key fact: {}\nSo B.", f.statement());
    assert_only(&audit_knowledge(&text, &no_answer), ViolationKind::Format);
    let bad_letter = format!("Key fact: {}\n\nAnswer: E", f.statement());
    assert_only(&audit_knowledge(&text, &bad_letter), ViolationKind::Format);
    let three = format!("{}\nA. 6–8 h\nB. 7–9 h\nC. 8–10 h", f.asks[0]);
    let v = audit_knowledge(&three, &reply_naming(f, 'B'));
    assert_only(&v, ViolationKind::Format);
    let unlettered = format!("{}\nA. 6–8 h\nB. 7–9 h\nC. 8–10 h\nE. 9–11 h", f.asks[0]);
    assert_only(
        &audit_knowledge(&unlettered, &reply_naming(f, 'B')),
        ViolationKind::Format,
    );
}

/// The expert teacher's whole reply (rationale, blank line, `Answer: X`) to question `index`.
fn expert_reply(q: &sleepcot_data::knowledge::Question, seed: u64, index: usize) -> String {
    ExpertTeacher
        .teach(&TeacherInput::Knowledge(q), seed, index as u64)
        .expect("the expert teacher answers every bank question")
        .text()
}

#[test]
fn every_question_the_generator_can_produce_passes_with_the_expert_reply() {
    let cap = capacity();
    assert!(cap >= 1000, "only {cap} distinct questions");
    let mut summary = AuditSummary::default();
    let mut covered: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
    // Seed 1: every question the bank can produce; seeds 2 and 3: other option orders and
    // teacher wordings of the first four variants of every fact and phrasing.
    let runs = [(1, cap), (2, 3500), (3, 3500)];
    for (seed, n) in runs {
        let questions = generate_questions(seed, n).unwrap();
        for (i, q) in questions.iter().enumerate() {
            let violations = audit_knowledge(&q.prompt_text(), &expert_reply(q, seed, i));
            summary.add(&q.id, &violations);
            let f = fact(&q.fact_id).unwrap();
            covered.entry(f.id).or_default().insert(q.phrasing);
        }
    }
    assert!(summary.items >= cap + 7000, "{} items", summary.items);
    assert!(summary.is_clean(), "{summary}");
    for f in facts() {
        let phrasings = covered.get(f.id).map_or(0, BTreeSet::len);
        assert_eq!(
            phrasings,
            f.phrasing_count(),
            "{} not asked in every phrasing",
            f.id
        );
    }
}
