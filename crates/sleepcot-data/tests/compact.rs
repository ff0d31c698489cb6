//! The compact style: deterministic records with the short prompts, a key-value report without
//! ground truth, one checklist line per rule, and a clear error for a teacher that cannot write
//! it.

use sleepcot_data::findings::RULES;
use sleepcot_data::persona::PopulationMix;
use sleepcot_data::pipeline::{DataConfig, Dataset};
use sleepcot_data::report::generate_reports;
use sleepcot_data::teacher::compact::{
    NIGHT_KEYS, checklist_key, compact_recommendation, render_compact_report,
};
use sleepcot_data::teacher::{
    CompactExpertTeacher, ExpertTeacher, FollowUpKind, Style, Task, Teacher, TeacherConfig,
    TeacherInput, follow_up_questions,
};

fn compact(seed: u64) -> DataConfig {
    DataConfig {
        seed,
        users: 24,
        nights: 3,
        questions: 60,
        follow_ups_per_report: 1,
        style: Style::Compact,
        ..DataConfig::default()
    }
}

#[test]
fn compact_records_are_deterministic_and_recognisable_by_their_prompt() {
    let a = Dataset::generate(&compact(4), &ExpertTeacher, &|_| {}).unwrap();
    let b = Dataset::generate(&compact(4), &ExpertTeacher, &|_| {}).unwrap();
    assert_eq!(a.records, b.records);
    for r in &a.records {
        assert_eq!(Style::of_system_prompt(r.task, &r.system), Style::Compact);
        assert!(r.assistant.contains("Answer:"), "{}", r.assistant);
        if r.task != Task::Knowledge {
            assert!(r.user.starts_with("Report r"), "{}", r.user);
        }
    }
    let full = Dataset::generate(
        &DataConfig {
            style: Style::Full,
            ..compact(4)
        },
        &ExpertTeacher,
        &|_| {},
    )
    .unwrap();
    for r in &full.records {
        assert_eq!(Style::of_system_prompt(r.task, &r.system), Style::Full);
    }
    // The compact prompt is several times shorter than the full one.
    let len = |d: &Dataset| -> usize {
        d.records
            .iter()
            .filter(|r| r.task == Task::Recommendation)
            .map(|r| r.system.len() + r.user.len())
            .sum()
    };
    assert!(len(&a) * 2 < len(&full), "{} vs {}", len(&a), len(&full));
}

#[test]
fn the_compact_report_hides_ground_truth_and_marks_missing_values() {
    let mut reports = generate_reports(3, 40, &PopulationMix::default(), 3);
    for r in &reports {
        let text = render_compact_report(r);
        assert!(!text.contains('['), "a tag in the report:\n{text}");
        assert_eq!(text.matches("Night ").count(), 3, "{text}");
    }
    let report = &mut reports[0];
    report.period.mean_hrv_rmssd_ms = None;
    for n in &mut report.nights {
        n.spo2_nadir = None;
    }
    let text = render_compact_report(report);
    assert!(text.contains("HRV -"), "{text}");
    assert!(text.contains("SpO2 min -"), "{text}");
}

/// How often `key` stands before a value (a digit or `-`) in `text`, as a whole key.
fn keyed_values(text: &str, key: &str) -> usize {
    text.match_indices(&format!("{key} "))
        .filter(|&(at, m)| {
            let before = text[..at].chars().next_back();
            let after = text[at + m.len()..].chars().next();
            matches!(before, None | Some(' ' | ',' | ':' | '\n'))
                && after.is_some_and(|c| c.is_ascii_digit() || c == '-')
        })
        .count()
}

#[test]
fn every_key_the_checklist_quotes_names_one_value_of_the_report() {
    for report in generate_reports(8, 40, &PopulationMix::default(), 3) {
        let text = render_compact_report(&report);
        for rule in RULES {
            let key = checklist_key(rule.kind);
            assert!(keyed_values(&text, key) <= 1, "{key} twice in\n{text}");
        }
        for key in ["asleep", "efficiency", "latency", "WASO", "SpO2 low"] {
            assert_eq!(keyed_values(&text, key), 1, "{key} in\n{text}");
        }
        for key in NIGHT_KEYS {
            assert_eq!(keyed_values(&text, key), 3, "{key} in\n{text}");
        }
    }
}

#[test]
fn the_checklist_has_one_line_per_rule_in_table_order() {
    for report in generate_reports(5, 60, &PopulationMix::default(), 3) {
        let out = compact_recommendation(&report);
        let lines: Vec<&str> = out
            .rationale
            .lines()
            .skip(1)
            .take_while(|l| l.starts_with("- "))
            .collect();
        assert_eq!(lines.len(), RULES.len(), "{}", out.rationale);
        for (line, rule) in lines.iter().zip(RULES) {
            let fired = report.findings.iter().any(|f| f.kind == rule.kind);
            assert_eq!(
                line.ends_with(&format!("[{}]", rule.kind.label())),
                fired,
                "{line}"
            );
        }
        assert_eq!(
            out.answer.contains("Referral:"),
            !report.red_flags.is_empty()
        );
    }
}

/// The numbers a text shows: digit runs with their decimal point or clock colon.
fn numbers(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == ':'))
        .map(|t| t.trim_matches(|c| c == '.' || c == ':'))
        .filter(|t| t.chars().any(|c| c.is_ascii_digit()))
        .map(str::to_string)
        .collect()
}

#[test]
fn compact_follow_ups_quote_only_what_the_compact_report_and_checklist_show() {
    let mut asked = std::collections::BTreeSet::new();
    for report in generate_reports(11, 160, &PopulationMix::default(), 7) {
        let report_text = render_compact_report(&report);
        let checklist = compact_recommendation(&report).rationale;
        let mut allowed: Vec<String> = numbers(&report_text);
        allowed.extend(numbers(&checklist));
        allowed.extend((1..=report.nights.len()).map(|n| n.to_string()));
        for question in follow_up_questions(&report, 11, FollowUpKind::ALL.len()) {
            let out = CompactExpertTeacher
                .teach(&TeacherInput::FollowUp(&report, &question), 11, 0)
                .unwrap();
            for n in numbers(&out.rationale) {
                assert!(
                    allowed.contains(&n),
                    "{:?} quotes {n}, which neither the compact report nor the checklist shows:\n{}\n---\n{report_text}",
                    question.kind,
                    out.rationale
                );
            }
            let reply = format!("{}\n{}", out.rationale, out.answer);
            assert!(
                question.gold.is_correct(&reply),
                "{:?}: {reply}",
                question.kind
            );
            assert!(!out.rationale.contains("Answer:"), "{}", out.rationale);
            asked.insert(question.kind);
        }
    }
    assert_eq!(asked.len(), FollowUpKind::ALL.len(), "{asked:?}");
}

#[test]
fn a_chat_teacher_cannot_write_the_compact_style() {
    let config: DataConfig = serde_json::from_str(
        r#"{"style": "compact", "teacher": {"kind": "chat", "base_url": "http://127.0.0.1:9/v1", "model": "m"}}"#,
    )
    .unwrap();
    assert!(matches!(config.teacher, TeacherConfig::Chat(_)));
    let err = config.validate().unwrap_err().to_string();
    assert!(err.contains("`style`") && err.contains("expert"), "{err}");
}
