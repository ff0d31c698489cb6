//! The expert teacher against the ground truth, read back through the public parser.
//!
//! Gold answers are recomputed here from `report.nights` with independent code (the norms are
//! re-typed from the reference tables), not by calling the crate's own computations.

use std::collections::{BTreeMap, BTreeSet};

use sleepcot_data::findings::{Finding, FindingKind, RedFlagKind};
use sleepcot_data::knowledge::generate_questions;
use sleepcot_data::persona::{Condition, PopulationMix};
use sleepcot_data::report::{Report, generate_reports};
use sleepcot_data::teacher::parse::{
    RED_FLAG_KINDS, has_referral, mentioned_findings, mentioned_red_flags, parse_answer,
    parse_choice, parse_recommendations,
};
use sleepcot_data::teacher::{
    ExpertTeacher, FollowUpKind, FollowUpQuestion, GoldAnswer, Task, Teacher, TeacherError,
    TeacherInput, few_shot_prompt, follow_up_questions, render_report, system_prompt, user_message,
};

const SEED: u64 = 20_241_022;

fn reports(n: usize) -> Vec<Report> {
    generate_reports(SEED, n, &PopulationMix::default(), 7)
}

fn teach(report: &Report, seed: u64, index: u64) -> sleepcot_data::teacher::TeacherOutput {
    ExpertTeacher
        .teach(&TeacherInput::Recommendation(report), seed, index)
        .expect("the expert teacher answers every simulated report")
}

/// Test-side priority: red-flag related first, severity, relative
/// deviation, rule order.
fn expected_first(report: &Report) -> Option<FindingKind> {
    let related = |k: FindingKind| {
        report.red_flags.iter().any(|f| {
            let behind = f.kind.findings();
            behind.contains(&k)
        })
    };
    let rel = |f: &Finding| {
        if f.threshold != 0.0 {
            (f.deviation / f.threshold).abs()
        } else {
            f.deviation.abs()
        }
    };
    let mut best: Option<&Finding> = None;
    for f in &report.findings {
        let better = match best {
            None => true,
            Some(b) => {
                let key_f = (related(f.kind), f.severity);
                let key_b = (related(b.kind), b.severity);
                key_f > key_b
                    || (key_f == key_b && rel(f) > rel(b))
                    || (key_f == key_b && rel(f) == rel(b) && f.kind < b.kind)
            }
        };
        if better {
            best = Some(f);
        }
    }
    best.map(|f| f.kind)
}

#[test]
fn recommendations_cover_every_finding_and_invent_none_over_1000_reports() {
    let reports = reports(1000);
    let (mut healthy, mut flagged, mut findings_total) = (0, 0, 0);
    for (i, report) in reports.iter().enumerate() {
        let out = teach(report, SEED, i as u64);
        let text = out.text();
        let truth: BTreeSet<FindingKind> = report.findings.iter().map(|f| f.kind).collect();
        findings_total += truth.len();
        let said: BTreeSet<FindingKind> = mentioned_findings(&text).into_iter().collect();
        assert_eq!(said, truth, "report {}:\n{text}", report.id);
        // The rationale alone and the answer alone each cover every finding too.
        let in_rationale: BTreeSet<_> = mentioned_findings(&out.rationale).into_iter().collect();
        assert_eq!(in_rationale, truth, "rationale of {}", report.id);
        let answer = parse_answer(&text).expect("every reply has an Answer: section");
        let in_answer: BTreeSet<_> = mentioned_findings(&answer).into_iter().collect();
        assert_eq!(in_answer, truth, "answer of {}", report.id);

        // Numbered recommendations: 1..n, one finding each, all findings, priority first.
        let recs = parse_recommendations(&text);
        if truth.is_empty() {
            healthy += 1;
            assert!(recs.iter().all(|r| r.findings.is_empty()), "{text}");
            assert!(!recs.is_empty(), "maintenance advice expected: {text}");
        } else {
            assert_eq!(recs.len(), truth.len(), "{text}");
            for (k, r) in recs.iter().enumerate() {
                assert_eq!(r.rank, k + 1);
                assert_eq!(
                    r.findings.len(),
                    1,
                    "one finding per recommendation: {}",
                    r.text
                );
            }
            let linked: BTreeSet<_> = recs.iter().map(|r| r.findings[0]).collect();
            assert_eq!(linked, truth);
            assert_eq!(Some(recs[0].findings[0]), expected_first(report), "{text}");
        }

        // Referral iff red flags, naming exactly the red flags.
        let flags: BTreeSet<RedFlagKind> = report.red_flags.iter().map(|f| f.kind).collect();
        assert_eq!(has_referral(&text), !flags.is_empty(), "{text}");
        assert!(
            !has_referral(&out.rationale),
            "the referral belongs to the answer"
        );
        let named: BTreeSet<_> = mentioned_red_flags(&answer).into_iter().collect();
        assert_eq!(named, flags, "{text}");
        if !flags.is_empty() {
            flagged += 1;
        }
    }
    // The sample must exercise every branch, or the test proves little.
    assert!(healthy > 0, "no report without findings in the sample");
    assert!(flagged > 0, "no report with red flags in the sample");
    assert!(findings_total > 1000, "too few findings: {findings_total}");
}

fn min_sleep_h(age: u32) -> f32 {
    if age < 18 { 8.0 } else { 7.0 }
}

fn deep_min_pct(age: u32) -> f64 {
    match age {
        0..=17 => 15.0,
        18..=25 => 12.0,
        26..=64 => 9.0,
        _ => 5.0,
    }
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Red flags recomputed from the nights with the thresholds of the reference (§2.2 / §7).
fn needs_doctor(report: &Report) -> bool {
    use sleepcot_data::persona::Symptom as S;
    let p = &report.persona;
    let has = |s: S| p.symptoms.contains(&s);
    let n = &report.nights;
    let avg = |f: fn(&sleepcot_data::report::NightSummary) -> f32| {
        let m = mean(&n.iter().map(|x| f(x) as f64).collect::<Vec<_>>());
        (m * 10.0).round() / 10.0
    };
    let odi = avg(|x| x.odi.unwrap());
    let symptomatic = [
        S::LoudSnoring,
        S::WitnessedApneas,
        S::Gasping,
        S::DaytimeSleepiness,
        S::UnrefreshingSleep,
    ]
    .into_iter()
    .any(has);
    let apnea = odi >= 15.0 || (odi >= 5.0 && symptomatic);
    let oxygen = avg(|x| x.spo2_nadir.unwrap()) < 88.0 || avg(|x| x.spo2_mean.unwrap()) < 90.0;
    let soremp = n
        .iter()
        .filter(|x| x.rem_latency_min.unwrap() <= 15.0)
        .count();
    let ess = p.questionnaires.epworth;
    let sleepy = has(S::DaytimeSleepiness) || ess.is_some_and(|e| e > 10);
    let narco = has(S::Cataplexy) || soremp >= 2 || (soremp >= 1 && sleepy);
    let waso_limit = if p.age >= 65 { 30.0 } else { 20.0 };
    let insomnia_nights = n
        .iter()
        .filter(|x| {
            x.efficiency_pct < 85.0
                && (x.onset_latency_min.unwrap() > 30.0 || x.waso_min.unwrap() >= waso_limit + 20.0)
        })
        .count();
    // Persistent: the pattern on at least 4 nights in 7, or an ISI of 15+.
    let insomnia = insomnia_nights * 7 >= 4 * n.len()
        || p.questionnaires.insomnia_severity.is_some_and(|i| i >= 15);
    let sleep_min = mean(
        &n.iter()
            .map(|x| x.total_sleep_min as f64)
            .collect::<Vec<_>>(),
    )
    .round();
    let teen = p.age < 18 && sleep_min < 420.0;
    let symptoms = [
        S::WitnessedApneas,
        S::Gasping,
        S::DreamEnactment,
        S::NightChestPainOrBreathlessness,
        S::MorningConfusionOrSevereHeadache,
        S::SuddenNeedForNaps,
    ]
    .into_iter()
    .any(has)
        || (p.drives && has(S::DrowsyDriving))
        || (has(S::LoudSnoring) && (has(S::DaytimeSleepiness) || has(S::UnrefreshingSleep)));
    let severe_sleepiness = ess.is_some_and(|e| e >= 16);
    let driving =
        p.drives && (sleep_min < 360.0 || apnea || narco || severe_sleepiness || symptoms);
    apnea || oxygen || narco || insomnia || teen || driving || symptoms || severe_sleepiness
}

#[test]
fn every_follow_up_gold_answer_recomputes_independently_and_the_teacher_states_it() {
    let reports = reports(1000);
    let mut seen: BTreeMap<FollowUpKind, usize> = BTreeMap::new();
    for (i, report) in reports.iter().enumerate() {
        let questions = follow_up_questions(report, SEED, FollowUpKind::ALL.len());
        assert!(
            questions.len() >= 6,
            "{} got {}",
            report.id,
            questions.len()
        );
        let n = &report.nights;
        for q in &questions {
            *seen.entry(q.kind).or_default() += 1;
            match (&q.kind, &q.gold) {
                (
                    FollowUpKind::NightsBelowNorm,
                    GoldAnswer::Number {
                        value, tolerance, ..
                    },
                ) => {
                    let limit = min_sleep_h(report.persona.age) * 60.0;
                    let count = n.iter().filter(|x| x.total_sleep_min < limit).count();
                    assert_eq!(*value, count as f64);
                    assert_eq!(*tolerance, 0.0);
                }
                (FollowUpKind::LowestSpo2, GoldAnswer::Night { night, value, .. }) => {
                    let mut best = 0;
                    for (j, x) in n.iter().enumerate() {
                        if x.spo2_nadir.unwrap() < n[best].spo2_nadir.unwrap() {
                            best = j;
                        }
                    }
                    assert_eq!(*night as usize, best + 1);
                    assert!((value - n[best].spo2_nadir.unwrap() as f64).abs() <= 0.051);
                }
                (FollowUpKind::DeepSleepNormal, GoldAnswer::YesNo(yes)) => {
                    let avg = mean(
                        &n.iter()
                            .map(|x| x.deep_pct.unwrap() as f64)
                            .collect::<Vec<_>>(),
                    );
                    let min = deep_min_pct(report.persona.age);
                    if (avg - min).abs() > 1e-3 {
                        assert_eq!(*yes, avg >= min, "{} deep {avg}", report.id);
                    }
                }
                (FollowUpKind::WeekendShift, GoldAnswer::Number { value, .. }) => {
                    let mid = |x: &sleepcot_data::report::NightSummary| {
                        (x.bedtime_h as f64 + x.wake_time_h as f64) / 2.0
                    };
                    let free: Vec<f64> = n.iter().filter(|x| x.is_weekend).map(mid).collect();
                    let work: Vec<f64> = n.iter().filter(|x| !x.is_weekend).map(mid).collect();
                    assert!((value - (mean(&free) - mean(&work))).abs() <= 0.051);
                }
                (FollowUpKind::FirstChange, GoldAnswer::Choice(label)) => {
                    let first = expected_first(report).expect("asked only with findings");
                    assert_eq!(label, first.label());
                }
                (FollowUpKind::SeeDoctor, GoldAnswer::YesNo(yes)) => {
                    assert_eq!(*yes, needs_doctor(report), "{}", report.id);
                    assert_eq!(*yes, !report.red_flags.is_empty());
                }
                (FollowUpKind::AverageEfficiency, GoldAnswer::Number { value, .. }) => {
                    let avg = mean(
                        &n.iter()
                            .map(|x| x.efficiency_pct as f64)
                            .collect::<Vec<_>>(),
                    );
                    assert!((value - avg).abs() <= 0.051, "{value} vs {avg}");
                }
                (FollowUpKind::BestNight, GoldAnswer::Night { night, value, .. }) => {
                    let mut best = 0;
                    for (j, x) in n.iter().enumerate() {
                        if x.sleep_score.unwrap() > n[best].sleep_score.unwrap() {
                            best = j;
                        }
                    }
                    assert_eq!(*night as usize, best + 1);
                    assert_eq!(*value, n[best].sleep_score.unwrap() as f64);
                }
                (kind, gold) => panic!("{kind:?} has an unexpected gold type {gold:?}"),
            }
            let out = ExpertTeacher
                .teach(&TeacherInput::FollowUp(report, q), SEED, i as u64)
                .unwrap();
            assert!(q.gold.is_correct(&out.text()), "{:?}\n{}", q, out.text());
            // The rationale alone does not carry the final answer line.
            assert!(parse_answer(&out.rationale).is_none(), "{}", out.rationale);
        }
    }
    for kind in FollowUpKind::ALL {
        assert!(
            seen.get(&kind).copied().unwrap_or(0) > 10,
            "{kind:?} rarely asked: {seen:?}"
        );
    }
}

#[test]
fn phrasing_varies_with_the_seed_and_is_identical_for_the_same_seed() {
    let reports = reports(40);
    let report = reports
        .iter()
        .find(|r| r.findings.len() >= 3)
        .expect("a report with several findings");
    let texts: BTreeSet<String> = (0..8).map(|s| teach(report, s, 0).text()).collect();
    assert!(texts.len() >= 6, "only {} distinct texts", texts.len());
    for t in &texts {
        let said: BTreeSet<_> = mentioned_findings(t).into_iter().collect();
        let truth: BTreeSet<_> = report.findings.iter().map(|f| f.kind).collect();
        assert_eq!(said, truth);
    }
    assert_eq!(teach(report, 3, 5), teach(report, 3, 5));
    assert_ne!(teach(report, 3, 5), teach(report, 3, 6));

    let a = follow_up_questions(report, 1, 8);
    assert_eq!(a, follow_up_questions(report, 1, 8));
    let wordings: BTreeSet<String> = (0..12)
        .flat_map(|s| follow_up_questions(report, s, 8))
        .filter(|q| q.kind == FollowUpKind::SeeDoctor)
        .map(|q| q.text)
        .collect();
    assert!(wordings.len() >= 2, "{wordings:?}");
}

#[test]
fn the_user_message_never_leaks_ground_truth() {
    for report in reports(200) {
        let q = follow_up_questions(&report, SEED, 8);
        let mut messages = vec![user_message(&TeacherInput::Recommendation(&report))];
        messages.extend(
            q.iter()
                .map(|q| user_message(&TeacherInput::FollowUp(&report, q))),
        );
        for msg in messages {
            assert!(msg.starts_with(&render_report(&report)));
            let lower = msg.to_lowercase();
            assert!(mentioned_findings(&msg).is_empty() && mentioned_red_flags(&msg).is_empty());
            for kind in FindingKind::ALL {
                assert!(
                    !lower.contains(&kind.label().to_lowercase()),
                    "{:?} in {msg}",
                    kind
                );
            }
            for kind in RED_FLAG_KINDS {
                assert!(!lower.contains(kind.label()), "{kind:?} in {msg}");
            }
            for c in Condition::ALL {
                assert!(!lower.contains(c.label()), "{c:?} in {msg}");
            }
            assert!(!lower.contains("answer:") && !lower.contains("referral:"));
        }
    }
}

#[test]
fn knowledge_answers_delegate_to_the_bank_and_parse_back() {
    let questions = generate_questions(SEED, 60).unwrap();
    for (i, q) in questions.iter().enumerate() {
        let out = ExpertTeacher
            .teach(&TeacherInput::Knowledge(q), SEED, i as u64)
            .unwrap();
        assert_eq!(parse_choice(&out.text()), Some(q.answer), "{}", out.text());
        assert_eq!(out.answer, format!("Answer: {}", q.answer));
        assert!(parse_answer(&out.rationale).is_none(), "{}", out.rationale);
        assert!(!out.rationale.is_empty());
    }
}

#[test]
fn few_shot_prompt_has_the_system_prompt_expert_examples_and_the_target() {
    let reports = reports(4);
    let examples: Vec<TeacherInput> = reports[..3]
        .iter()
        .map(TeacherInput::Recommendation)
        .collect();
    let target = TeacherInput::Recommendation(&reports[3]);
    let chat = few_shot_prompt(&target, &examples, 9).unwrap();
    let roles: Vec<&str> = chat.iter().map(|m| m.role.as_str()).collect();
    assert_eq!(
        roles,
        [
            "system",
            "user",
            "assistant",
            "user",
            "assistant",
            "user",
            "assistant",
            "user"
        ]
    );
    assert_eq!(chat[0].content, system_prompt(Task::Recommendation));
    for kind in FindingKind::ALL {
        assert!(chat[0].content.contains(&format!("[{}]", kind.label())));
    }
    for (k, report) in reports[..3].iter().enumerate() {
        let assistant = &chat[2 + 2 * k].content;
        assert_eq!(*assistant, teach(report, 9, k as u64).text());
        let said: BTreeSet<_> = mentioned_findings(assistant).into_iter().collect();
        let truth: BTreeSet<_> = report.findings.iter().map(|f| f.kind).collect();
        assert_eq!(said, truth);
    }
    assert_eq!(chat[7].content, user_message(&target));
    // Examples of another task are skipped.
    let questions = generate_questions(SEED, 2).unwrap();
    let mixed = vec![TeacherInput::Knowledge(&questions[0]), examples[0]];
    assert_eq!(few_shot_prompt(&target, &mixed, 9).unwrap().len(), 4);
}

#[test]
fn bad_reports_and_inapplicable_questions_give_one_sentence_errors() {
    let reports = reports(2);
    let mut empty = reports[0].clone();
    empty.nights.clear();
    let err = ExpertTeacher
        .teach(&TeacherInput::Recommendation(&empty), 0, 0)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "report {} has no nights; a teacher needs at least one night to reason about",
            empty.id
        )
    );
    assert!(follow_up_questions(&empty, 0, 8).is_empty());

    let mut broken = reports[1].clone();
    broken.nights[2].spo2_nadir = Some(f32::NAN);
    let err = ExpertTeacher
        .teach(&TeacherInput::Recommendation(&broken), 0, 0)
        .unwrap_err();
    assert!(matches!(err, TeacherError::NonFinite { .. }));
    assert_eq!(
        err.to_string(),
        format!(
            "report {} has a non-finite value in nights[2].spo2_nadir; expected a finite number",
            broken.id
        )
    );

    let mut no_findings = reports[1].clone();
    no_findings.findings.clear();
    let q = FollowUpQuestion {
        kind: FollowUpKind::FirstChange,
        text: "What should I change first?".into(),
        gold: GoldAnswer::Choice(FindingKind::ShortSleep.label().into()),
    };
    let err = ExpertTeacher
        .teach(&TeacherInput::FollowUp(&no_findings, &q), 0, 0)
        .unwrap_err();
    assert!(
        err.to_string().starts_with(&format!(
            "follow-up question first_change does not apply to report {}",
            no_findings.id
        )),
        "{err}"
    );

    let mut unknown = generate_questions(SEED, 1).unwrap().remove(0);
    unknown.fact_id = "no-such-fact".into();
    let err = ExpertTeacher
        .teach(&TeacherInput::Knowledge(&unknown), 0, 0)
        .unwrap_err();
    assert!(err.to_string().contains("no-such-fact"), "{err}");
}
