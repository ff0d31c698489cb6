//! The teacher-consistency audit: the expert teacher passes it on the whole population mix,
//! and each check flags the inconsistencies a physician found in the earlier teacher.

use rayon::prelude::*;
use sleepcot_data::audit::{AuditSummary, ViolationKind, audit_follow_up, audit_recommendation};
use sleepcot_data::persona::{PopulationMix, generate_persona};
use sleepcot_data::report::{Report, build_report_with_nights};
use sleepcot_data::teacher::{
    ExpertTeacher, Teacher, TeacherInput, follow_up_questions, read_report, render_report,
    user_message,
};

const SEED: u64 = 7;

/// `per_length` people for every report length of 1 to 14 nights, ages 14-85, every condition.
fn population(per_length: u64) -> Vec<Report> {
    population_from(SEED, per_length)
}

fn population_from(seed: u64, per_length: u64) -> Vec<Report> {
    let mix = PopulationMix::default();
    (1..=14u32)
        .flat_map(|nights| (0..per_length).map(move |i| (nights, u64::from(nights) * 10_000 + i)))
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|(nights, index)| {
            let persona = generate_persona(seed, index, &mix);
            build_report_with_nights(seed, index, &persona, nights)
        })
        .collect()
}

fn kinds_of(r: &Report) -> (Vec<String>, Vec<String>) {
    (
        r.findings.iter().map(|f| format!("{:?}", f.kind)).collect(),
        r.red_flags
            .iter()
            .map(|f| format!("{:?}", f.kind))
            .collect(),
    )
}

#[test]
fn the_rendered_report_reads_back_to_the_same_ground_truth() {
    for report in population(60) {
        let read = read_report(&render_report(&report)).expect("a rendered report reads back");
        assert_eq!(kinds_of(&read), kinds_of(&report), "{}", report.id);
        assert_eq!(
            read.period.mean_total_sleep_min,
            report.period.mean_total_sleep_min
        );
        assert_eq!(read.persona.symptoms, report.persona.symptoms);
        let gap = |r: &Report| r.persona.habits.caffeine_gap_min(r.period.mean_bedtime_h);
        assert_eq!(gap(&read), gap(&report), "{}", report.id);
        assert_eq!(read.persona.questionnaires, report.persona.questionnaires);
    }
}

/// Audits the expert teacher's recommendation and three follow-up replies for every report.
fn audit_teacher(reports: &[Report]) -> AuditSummary {
    let results: Vec<(String, Vec<_>)> = reports
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, report)| {
            let input = TeacherInput::Recommendation(report);
            let out = ExpertTeacher.teach(&input, SEED, i as u64).unwrap();
            let mut items = vec![(
                report.id.clone(),
                audit_recommendation(&user_message(&input), &out.text()),
            )];
            for q in follow_up_questions(report, SEED, 3) {
                let input = TeacherInput::FollowUp(report, &q);
                let out = ExpertTeacher.teach(&input, SEED, i as u64).unwrap();
                items.push((
                    format!("{}/{}", report.id, q.kind.name()),
                    audit_follow_up(&user_message(&input), &out.text()),
                ));
            }
            items
        })
        .collect();
    let mut summary = AuditSummary::default();
    for (id, v) in &results {
        summary.add(id, v);
    }
    summary
}

#[test]
fn the_expert_teacher_passes_the_audit_on_the_whole_population_mix() {
    let reports = population(60);
    let summary = audit_teacher(&reports);
    assert!(summary.is_clean(), "{summary}");
    // The population exercises every kind of red flag and most findings.
    let flags: std::collections::BTreeSet<_> = reports
        .iter()
        .flat_map(|r| r.red_flags.iter().map(|f| f.kind))
        .collect();
    assert!(flags.len() >= 10, "{flags:?}");
}

/// The acceptance run: 10,000 people (about 714 per report length of 1 to 14 nights), every
/// condition, ages 14-85, under three seeds' worth of phrasing. Run it with
/// `cargo test -p sleepcot-data --test audit -- --ignored` (about a minute on 2 cores).
#[test]
#[ignore]
fn ten_thousand_people_pass_the_audit() {
    let reports = population_from(2024, 715);
    assert!(reports.len() >= 10_000);
    let summary = audit_teacher(&reports);
    println!("{summary}");
    assert!(summary.is_clean(), "{summary}");
}

#[test]
fn signals_a_device_did_not_measure_are_not_measured_everywhere() {
    use sleepcot_data::findings::evaluate;
    use sleepcot_data::report::summarize_period;
    for mut report in population(3) {
        for n in &mut report.nights {
            (n.spo2_mean, n.spo2_nadir, n.odi, n.hrv_rmssd_ms) = (None, None, None, None);
        }
        report.period = summarize_period(report.persona.age_group(), &report.nights);
        (report.findings, report.red_flags) =
            evaluate(&report.persona, &report.period, &report.nights);
        let text = render_report(&report);
        assert!(text.contains("SpO2 not measured, SpO2 low not measured, ODI not measured"));
        assert!(text.contains("(- = not measured by the device)"), "{text}");
        let read = read_report(&text).expect("reads back");
        assert_eq!(kinds_of(&read), kinds_of(&report), "{}", report.id);
        let input = TeacherInput::Recommendation(&report);
        let out = ExpertTeacher.teach(&input, SEED, 1).unwrap();
        assert!(
            out.rationale
                .contains("Not measured by this device: HRV, SpO2, SpO2 low, ODI")
        );
        let v = audit_recommendation(&user_message(&input), &out.text());
        assert!(v.is_empty(), "{v:?}");
        let kinds: Vec<_> = report.findings.iter().map(|f| f.kind.label()).collect();
        assert!(
            !kinds
                .iter()
                .any(|k| k.contains("oxygen") || k.contains("heart rate variability"))
        );
        if report.nights.len() == 1 {
            assert!(text.contains("mid-sleep SD not measured"), "{text}");
        }
    }
}

/// A minimal rendered report: a 40-year-old with three work nights and the given averages.
fn report_text(waso: u32, asleep: u32, odi: f32, nadir: f32, extra_symptoms: &str) -> String {
    let row = |n: u32, day: &str| {
        format!(
            "{n} | {day} | 23:00 | 07:00 | 480 | {asleep} | 90.0 | 10 | {waso} | 1 | 55.0 | 20.0 | 25.0 | 90 | 55 | 40 | 95.0 | {nadir:.1} | {odi:.1} | 15.0 | 5.0 | 80"
        )
    };
    format!(
        "Sleep report r000001 (3 nights, night 1 to night 3).
About me: 40-year-old male, BMI 31.0, neither morning nor evening type, daytime job, drives regularly.
Habits: no caffeine; no alcohol; exercise 88 min/week, mostly late in the evening, ending 90 min before bed; screens 90 min in the 2 h before bed; no naps.
Symptoms I have noticed: {extra_symptoms}.
Questionnaires: Epworth sleepiness scale not measured, ISI not measured.
My complaint: My partner says I snore loudly and sometimes stop breathing; I wake up unrefreshed.
My goal: Wake up rested.
Nights:
{}
{}
{}
{}
Averages: in bed 480 min, asleep {asleep} min ({} h {} min), efficiency 90.0 %, latency 10 min, WASO {waso} min, awakenings 1.0, light 55.0 %, deep 20.0 %, REM 25.0 %, REM latency 90 min, resting HR 55 bpm, HRV 40 ms, SpO2 95.0 %, SpO2 low {nadir:.1} %, ODI {odi:.1} /h, breathing 15.0 /min, movement 5.0 /h, score 80.
Schedule: bedtime 23:00 (SD 0 min), wake 07:00 (SD 0 min), mid-sleep SD 0 min, sleep length SD 0 min; mid-sleep on work nights 03:00, on weekend nights not measured; work nights asleep {asleep} min, weekend nights asleep not measured.

Task: give me personalised, prioritised recommendations based on this report.",
        sleepcot_data::teacher::render::NIGHT_HEADER,
        row(1, "Mon"),
        row(2, "Tue"),
        row(3, "Wed"),
        asleep / 60,
        asleep % 60,
    )
}

fn kinds(violations: &[sleepcot_data::audit::Violation]) -> Vec<ViolationKind> {
    violations.iter().map(|v| v.kind).collect()
}

#[test]
fn a_hand_written_report_reads_back() {
    let text = report_text(25, 400, 2.0, 91.0, "none");
    let r = read_report(&text).unwrap();
    assert_eq!(r.nights.len(), 3);
    assert_eq!(r.period.mean_waso_min, Some(25.0));
    assert_eq!(r.period.weekend_midsleep_h, None);
    let kinds: Vec<_> = r.findings.iter().map(|f| f.kind.label()).collect();
    assert_eq!(
        kinds,
        vec![
            "short sleep duration",
            "high wake after sleep onset",
            "evening screen use"
        ]
    );
}

#[test]
fn a_comparison_that_contradicts_the_quoted_value_is_flagged() {
    // WASO of exactly 20 min is not above a limit of 20 min.
    let text = report_text(20, 430, 2.0, 91.0, "none");
    let reply = "Step 2 - Norms:\n- [high wake after sleep onset] The norm is 20 min or less awake after sleep onset for adults 26-64; 20 min is above it, a mild deviation.\nAnswer:\n1. [high wake after sleep onset] Keep a fixed rise time.";
    let v = audit_recommendation(&text, reply);
    assert!(kinds(&v).contains(&ViolationKind::Direction), "{v:?}");
    assert!(kinds(&v).contains(&ViolationKind::UnfiredFinding), "{v:?}");
    // 417 min is below 7 h, but "7.0 h" is not: the displayed value must decide.
    let text = report_text(10, 417, 2.0, 91.0, "none");
    let reply = "- [short sleep duration] The norm is 7-9 h for adults 26-64; 7.0 h (417 min) is below it, a mild deviation.\nAnswer:\n1. [short sleep duration] Sleep more.";
    let v = audit_recommendation(&text, reply);
    assert!(kinds(&v).contains(&ViolationKind::Direction), "{v:?}");
    assert!(kinds(&v).contains(&ViolationKind::WrongValue), "{v:?}");
}

#[test]
fn a_weekly_amount_compared_with_a_timing_norm_is_flagged() {
    let mut text = report_text(10, 450, 2.0, 91.0, "none");
    text = text.replace("ending 90 min before bed", "ending 30 min before bed");
    let reply = "- [late exercise] The norm is vigorous exercise should end more than 1 h before bed; 88 min/week is above it, a mild deviation.\nAnswer:\n1. [late exercise] Move workouts earlier.\n2. [evening screen use] Screens off.";
    let v = audit_recommendation(&text, reply);
    assert!(kinds(&v).contains(&ViolationKind::UnitMismatch), "{v:?}");
}

#[test]
fn an_absent_value_shown_as_a_number_is_flagged() {
    let text = report_text(10, 450, 2.0, 91.0, "none").replace(
        "on weekend nights not measured; work nights asleep 450 min, weekend nights asleep not measured",
        "on weekend nights 00:00; work nights asleep 450 min, weekend nights asleep 0 min",
    );
    let v = audit_follow_up(&text, "Answer: 0 min");
    assert!(kinds(&v).contains(&ViolationKind::AbsentAsNumber), "{v:?}");
    let text = report_text(10, 450, 2.0, 91.0, "none");
    let reply = "- [evening screen use] 90 min is at or above the norm.\n- Mid-sleep on weekend nights was 00:00.\nAnswer:\n1. [evening screen use] Screens off.";
    let v = audit_recommendation(&text, reply);
    assert_eq!(kinds(&v), vec![ViolationKind::AbsentAsNumber], "{v:?}");
}

#[test]
fn a_missing_referral_and_a_contradictory_reply_are_flagged() {
    let symptoms = "loud snoring; breathing pauses seen by someone else; unrefreshing sleep";
    let text = report_text(10, 450, 7.4, 86.0, symptoms);
    let reply = "Step 2:\n- [elevated oxygen desaturation index] 7.4 /h is at or above the norm (fewer than 5 desaturations per hour), a mild deviation.\n- [low blood oxygen nadir] 86.0 % is below the norm, a mild deviation.\n- [evening screen use] 90 min is at or above the norm, a severe deviation.\nStep 4:\n- Order: [evening screen use], [elevated oxygen desaturation index], [low blood oxygen nadir].\nNothing here calls for a physician; the advice is self-management.\n\nAnswer:\n1. [evening screen use] Screens off an hour before bed.\n2. [elevated oxygen desaturation index] Get a sleep apnea test and see a doctor.\n3. [low blood oxygen nadir] Avoid sedatives.";
    let v = audit_recommendation(&text, reply);
    let k = kinds(&v);
    assert!(k.contains(&ViolationKind::Referral), "{v:?}");
    assert!(k.contains(&ViolationKind::ContradictoryReferral), "{v:?}");
    assert!(k.contains(&ViolationKind::PriorityOrder), "{v:?}");
    // The same report answered by the expert teacher passes.
    let report = read_report(&text).unwrap();
    let flags: Vec<_> = report.red_flags.iter().map(|f| f.kind.label()).collect();
    assert!(
        flags.contains(&"witnessed breathing pauses or gasping"),
        "{flags:?}"
    );
    assert!(flags.contains(&"suspected sleep apnea"), "{flags:?}");
    let input = TeacherInput::Recommendation(&report);
    let out = ExpertTeacher.teach(&input, SEED, 0).unwrap();
    let v = audit_recommendation(&user_message(&input), &out.text());
    assert!(v.is_empty(), "{v:?}\n{}", out.text());
    assert!(out.answer.contains("Referral:") && out.answer.contains("sleep study"));
}

#[test]
fn a_referral_without_a_red_flag_and_a_finding_not_named_are_flagged() {
    let text = report_text(10, 450, 2.0, 91.0, "none");
    let reply = "Answer:\n1. [evening screen use] Screens off.\nReferral: see a physician about [suspected sleep apnea].";
    let v = audit_recommendation(&text, reply);
    assert!(kinds(&v).contains(&ViolationKind::Referral), "{v:?}");
    let v = audit_recommendation(&text, "Nothing to report.\nAnswer: keep going.");
    assert_eq!(kinds(&v), vec![ViolationKind::MissingFinding], "{v:?}");
}

#[test]
fn severity_order_within_a_group_is_checked() {
    let text = report_text(45, 400, 2.0, 91.0, "none");
    let reply = "- [short sleep duration] 400 min (6 h 40 min) is below the norm, a mild deviation.\n- [high wake after sleep onset] 45 min is above the norm, a severe deviation.\n- [evening screen use] 90 min is at or above the norm, a moderate deviation.\n- Order: [short sleep duration], [high wake after sleep onset], [evening screen use].\nAnswer:\n1. [short sleep duration] a\n2. [high wake after sleep onset] b\n3. [evening screen use] c";
    let v = audit_recommendation(&text, reply);
    assert_eq!(kinds(&v), vec![ViolationKind::PriorityOrder], "{v:?}");
}
