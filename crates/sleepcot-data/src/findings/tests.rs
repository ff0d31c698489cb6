//! Each rule fires on a report crafted to break it, and none fires on a healthy one.

use super::*;
use crate::persona::{
    AgeGroup, Chronotype, ConditionSeverity, ExerciseTiming, Habits, Persona, Questionnaires, Sex,
    Symptom, WorkSchedule,
};
use crate::report::{NightSummary, PeriodSummary, Weekday, summarize_period};

fn persona() -> Persona {
    Persona {
        id: "p000000".into(),
        age: 35,
        sex: Sex::Female,
        bmi: 23.0,
        chronotype: Chronotype::Intermediate,
        work: WorkSchedule::DayWork,
        drives: true,
        habits: Habits {
            caffeine_mg_per_day: 150.0,
            last_caffeine_hour: 11.0,
            alcohol_drinks_per_week: 2.0,
            evening_drinks: 0.0,
            exercise_minutes_per_week: 150,
            exercise_timing: ExerciseTiming::Morning,
            evening_exercise_end_before_bed_min: None,
            evening_screen_minutes: 20,
            naps_per_week: 0,
            nap_minutes: 0,
        },
        conditions: vec![],
        symptoms: vec![],
        questionnaires: Questionnaires::default(),
        complaint: "None.".into(),
        goal: "Stay well.".into(),
        not_given: Vec::new(),
    }
}

fn night(i: u32) -> NightSummary {
    let weekday = Weekday::of_night(i);
    NightSummary {
        night: i,
        weekday,
        is_weekend: weekday.is_weekend_night(),
        bedtime_h: 23.0 + 0.1 * (i % 3) as f32,
        wake_time_h: 31.0 + 0.1 * (i % 3) as f32,
        time_in_bed_min: 480.0,
        total_sleep_min: 445.0,
        efficiency_pct: 92.7,
        onset_latency_min: Some(12.0),
        waso_min: Some(15.0),
        awakenings: Some(1),
        light_min: Some(245.0),
        deep_min: Some(90.0),
        rem_min: Some(110.0),
        light_pct: Some(55.1),
        deep_pct: Some(20.2),
        rem_pct: Some(24.7),
        rem_latency_min: Some(90.0),
        resting_hr: Some(56.0),
        mean_hr: Some(61.0),
        hrv_rmssd_ms: Some(48.0),
        spo2_mean: Some(96.5),
        spo2_nadir: Some(91.0),
        odi: Some(1.0),
        respiratory_rate: Some(14.5),
        movement_index: Some(4.0),
        sleep_score: Some(90),
    }
}

fn nights() -> Vec<NightSummary> {
    (0..7).map(night).collect()
}

fn kinds(p: &Persona, nights: &[NightSummary]) -> (Vec<FindingKind>, Vec<RedFlagKind>) {
    let period: PeriodSummary = summarize_period(p.age_group(), nights);
    let (f, r) = evaluate(p, &period, nights);
    (
        f.into_iter().map(|f| f.kind).collect(),
        r.into_iter().map(|r| r.kind).collect(),
    )
}

#[test]
fn healthy_report_has_no_findings_or_flags() {
    let (f, r) = kinds(&persona(), &nights());
    assert!(f.is_empty(), "{f:?}");
    assert!(r.is_empty(), "{r:?}");
}

/// Applies `edit` to every night (or the persona) and checks `kind` fires.
fn fires(kind: FindingKind, edit_persona: impl Fn(&mut Persona), edit: impl Fn(&mut NightSummary)) {
    let mut p = persona();
    edit_persona(&mut p);
    let mut ns = nights();
    ns.iter_mut().for_each(&edit);
    let (f, _) = kinds(&p, &ns);
    assert!(f.contains(&kind), "{kind:?} did not fire: {f:?}");
}

#[test]
fn every_rule_fires_on_a_crafted_report() {
    let none = |_: &mut Persona| {};
    let keep = |_: &mut NightSummary| {};
    fires(FindingKind::ShortSleep, none, |n| n.total_sleep_min = 360.0);
    fires(FindingKind::LongOnsetLatency, none, |n| {
        n.onset_latency_min = Some(50.0)
    });
    fires(FindingKind::HighWaso, none, |n| n.waso_min = Some(45.0));
    fires(FindingKind::FrequentAwakenings, none, |n| {
        n.awakenings = Some(3)
    });
    fires(FindingKind::LowEfficiency, none, |n| {
        n.efficiency_pct = 78.0
    });
    fires(FindingKind::LowDeepSleep, none, |n| n.deep_pct = Some(5.0));
    fires(FindingKind::LowRemShare, none, |n| n.rem_pct = Some(12.0));
    fires(FindingKind::ShortRemLatency, none, |n| {
        if n.night == 2 {
            n.rem_latency_min = Some(8.0)
        }
    });
    fires(FindingKind::ElevatedOdi, none, |n| n.odi = Some(12.0));
    fires(FindingKind::LowSpo2Nadir, none, |n| {
        n.spo2_nadir = Some(84.0)
    });
    fires(FindingKind::IrregularSchedule, none, |n| {
        let shift = if n.night % 2 == 0 { 2.5 } else { 0.0 };
        n.bedtime_h += shift;
        n.wake_time_h += shift;
    });
    fires(FindingKind::SocialJetlag, none, |n| {
        if n.is_weekend {
            n.bedtime_h += 2.0;
            n.wake_time_h += 2.0;
        }
    });
    fires(FindingKind::LateSleepPhase, none, |n| {
        n.bedtime_h += 2.5;
        n.wake_time_h += 2.5;
    });
    fires(FindingKind::ElevatedRestingHr, none, |n| {
        n.resting_hr = Some(78.0)
    });
    fires(FindingKind::LowHrv, none, |n| n.hrv_rmssd_ms = Some(10.0));
    fires(FindingKind::HighMovement, none, |n| {
        n.movement_index = Some(30.0)
    });
    fires(
        FindingKind::LateCaffeine,
        |p| p.habits.last_caffeine_hour = 20.0,
        keep,
    );
    fires(
        FindingKind::EveningAlcohol,
        |p| p.habits.evening_drinks = 2.0,
        keep,
    );
    fires(
        FindingKind::LateExercise,
        |p| {
            p.habits.exercise_timing = ExerciseTiming::Evening;
            p.habits.evening_exercise_end_before_bed_min = Some(30);
        },
        keep,
    );
    fires(
        FindingKind::EveningScreens,
        |p| p.habits.evening_screen_minutes = 120,
        keep,
    );
    fires(
        FindingKind::LongNaps,
        |p| {
            p.habits.naps_per_week = 4;
            p.habits.nap_minutes = 75;
        },
        keep,
    );
}

#[test]
fn findings_carry_norm_deviation_severity_and_causes() {
    let mut p = persona();
    p.conditions.push(ConditionSeverity {
        condition: Condition::ObstructiveSleepApnea,
        severity: Severity::Severe,
    });
    let mut ns = nights();
    ns.iter_mut().for_each(|n| {
        n.odi = Some(40.0);
        n.spo2_nadir = Some(80.0);
    });
    let period = summarize_period(p.age_group(), &ns);
    let (f, r) = evaluate(&p, &period, &ns);
    let odi = f
        .iter()
        .find(|f| f.kind == FindingKind::ElevatedOdi)
        .unwrap();
    assert_eq!(odi.threshold, 5.0);
    assert_eq!(odi.deviation, 35.0);
    assert_eq!(odi.severity, Severity::Severe);
    assert_eq!(
        odi.explained_by,
        vec![Cause::Condition(Condition::ObstructiveSleepApnea)]
    );
    assert!(odi.source_url.starts_with("https://"));
    let flags: Vec<_> = r.iter().map(|r| r.kind).collect();
    assert!(flags.contains(&RedFlagKind::SuspectedSleepApnea));
    assert!(flags.contains(&RedFlagKind::LowNightOxygen));
    assert!(flags.contains(&RedFlagKind::DrowsyDrivingRisk));

    let mut teen = persona();
    teen.age = 15;
    teen.drives = false;
    let short: Vec<_> = nights()
        .into_iter()
        .map(|mut n| {
            n.total_sleep_min = 380.0;
            n
        })
        .collect();
    let (f, r) = kinds(&teen, &short);
    assert!(f.contains(&FindingKind::ShortSleep));
    assert!(r.contains(&RedFlagKind::SevereShortSleepTeen));
    let norm = evaluate(&teen, &summarize_period(teen.age_group(), &short), &short).0;
    assert!(
        norm[0].norm.contains("8-10 h for teenagers"),
        "{}",
        norm[0].norm
    );
}

#[test]
fn insomnia_and_narcolepsy_patterns_raise_red_flags() {
    let mut ns = nights();
    ns.iter_mut().take(4).for_each(|n| {
        n.onset_latency_min = Some(60.0);
        n.efficiency_pct = 75.0;
    });
    ns[1].rem_latency_min = Some(5.0);
    ns[3].rem_latency_min = Some(10.0);
    let (_, r) = kinds(&persona(), &ns);
    assert!(r.contains(&RedFlagKind::ChronicInsomniaPattern), "{r:?}");
    assert!(r.contains(&RedFlagKind::PossibleNarcolepsy), "{r:?}");
}

/// The red flags raised for a persona changed by `person` on nights changed by `night`.
fn flags_with(
    person: impl Fn(&mut Persona),
    night: impl Fn(&mut NightSummary),
) -> Vec<RedFlagKind> {
    let mut p = persona();
    person(&mut p);
    p.symptoms.sort();
    let mut ns = nights();
    ns.iter_mut().for_each(night);
    kinds(&p, &ns).1
}

fn report_symptoms(symptoms: &'static [Symptom]) -> impl Fn(&mut Persona) {
    move |p: &mut Persona| p.symptoms.extend_from_slice(symptoms)
}

fn same_night(_: &mut NightSummary) {}

#[test]
fn a_healthy_persona_has_no_red_flag() {
    assert!(flags_with(|_| {}, same_night).is_empty());
}

#[test]
fn witnessed_apneas_or_gasping_are_red_flags() {
    for s in [Symptom::WitnessedApneas, Symptom::Gasping] {
        let p = move |p: &mut Persona| p.symptoms.push(s);
        assert!(
            flags_with(p, same_night).contains(&RedFlagKind::WitnessedApneas),
            "{s:?}"
        );
    }
}

#[test]
fn loud_snoring_is_a_red_flag_only_with_sleepiness_or_unrefreshing_sleep() {
    let snoring = flags_with(report_symptoms(&[Symptom::LoudSnoring]), same_night);
    assert!(!snoring.contains(&RedFlagKind::SnoringWithSleepiness));
    for other in [Symptom::DaytimeSleepiness, Symptom::UnrefreshingSleep] {
        let p = move |p: &mut Persona| p.symptoms.extend([Symptom::LoudSnoring, other]);
        assert!(flags_with(p, same_night).contains(&RedFlagKind::SnoringWithSleepiness));
    }
}

#[test]
fn falling_asleep_while_driving_is_a_red_flag() {
    let r = flags_with(report_symptoms(&[Symptom::DrowsyDriving]), same_night);
    assert!(r.contains(&RedFlagKind::FallingAsleepDriving), "{r:?}");
    assert!(!r.contains(&RedFlagKind::DrowsyDrivingRisk), "{r:?}");
}

#[test]
fn odi_of_15_alone_or_5_with_symptoms_suggests_sleep_apnea() {
    let odi = |v: f32| move |n: &mut NightSummary| n.odi = Some(v);
    assert!(flags_with(|_| {}, odi(15.0)).contains(&RedFlagKind::SuspectedSleepApnea));
    assert!(!flags_with(|_| {}, odi(14.9)).contains(&RedFlagKind::SuspectedSleepApnea));
    assert!(!flags_with(|_| {}, odi(7.0)).contains(&RedFlagKind::SuspectedSleepApnea));
    for s in [
        Symptom::LoudSnoring,
        Symptom::WitnessedApneas,
        Symptom::Gasping,
        Symptom::DaytimeSleepiness,
        Symptom::UnrefreshingSleep,
    ] {
        let p = move |p: &mut Persona| p.symptoms.push(s);
        assert!(
            flags_with(p, odi(5.0)).contains(&RedFlagKind::SuspectedSleepApnea),
            "{s:?}"
        );
        assert!(
            !flags_with(p, odi(4.9)).contains(&RedFlagKind::SuspectedSleepApnea),
            "{s:?}"
        );
    }
}

#[test]
fn an_spo2_nadir_below_88_is_a_red_flag() {
    let nadir = |v: f32| move |n: &mut NightSummary| n.spo2_nadir = Some(v);
    assert!(flags_with(|_| {}, nadir(87.9)).contains(&RedFlagKind::LowNightOxygen));
    assert!(!flags_with(|_| {}, nadir(88.0)).contains(&RedFlagKind::LowNightOxygen));
    let mean = |n: &mut NightSummary| n.spo2_mean = Some(89.5);
    assert!(flags_with(|_| {}, mean).contains(&RedFlagKind::LowNightOxygen));
}

#[test]
fn dream_enactment_is_a_red_flag() {
    let r = flags_with(report_symptoms(&[Symptom::DreamEnactment]), same_night);
    assert_eq!(r, vec![RedFlagKind::DreamEnactment]);
}

#[test]
fn cataplexy_or_early_rem_with_sleepiness_suggests_narcolepsy() {
    let cataplexy = flags_with(report_symptoms(&[Symptom::Cataplexy]), same_night);
    assert!(cataplexy.contains(&RedFlagKind::PossibleNarcolepsy));
    let one_soremp = |n: &mut NightSummary| {
        if n.night == 2 {
            n.rem_latency_min = Some(10.0);
        }
    };
    assert!(!flags_with(|_| {}, one_soremp).contains(&RedFlagKind::PossibleNarcolepsy));
    let sleepy = report_symptoms(&[Symptom::DaytimeSleepiness]);
    assert!(flags_with(sleepy, one_soremp).contains(&RedFlagKind::PossibleNarcolepsy));
    let epworth = |p: &mut Persona| p.questionnaires.epworth = Some(12);
    assert!(flags_with(epworth, one_soremp).contains(&RedFlagKind::PossibleNarcolepsy));
}

#[test]
fn chest_pain_or_morning_confusion_needs_urgent_care() {
    for s in [
        Symptom::NightChestPainOrBreathlessness,
        Symptom::MorningConfusionOrSevereHeadache,
    ] {
        let p = move |p: &mut Persona| p.symptoms.push(s);
        assert_eq!(
            flags_with(p, same_night),
            vec![RedFlagKind::UrgentNightSymptoms]
        );
    }
}

#[test]
fn an_epworth_of_16_is_severe_sleepiness() {
    let ess = |v: u32| move |p: &mut Persona| p.questionnaires.epworth = Some(v);
    assert!(flags_with(ess(16), same_night).contains(&RedFlagKind::SevereSleepiness));
    assert!(!flags_with(ess(15), same_night).contains(&RedFlagKind::SevereSleepiness));
    // A driver with severe sleepiness is also at risk on the road.
    assert!(flags_with(ess(16), same_night).contains(&RedFlagKind::DrowsyDrivingRisk));
}

#[test]
fn an_isi_of_15_is_a_chronic_insomnia_flag() {
    let isi = |v: u32| move |p: &mut Persona| p.questionnaires.insomnia_severity = Some(v);
    assert!(flags_with(isi(15), same_night).contains(&RedFlagKind::ChronicInsomniaPattern));
    assert!(!flags_with(isi(14), same_night).contains(&RedFlagKind::ChronicInsomniaPattern));
}

#[test]
fn a_sudden_need_for_naps_is_a_red_flag() {
    let r = flags_with(report_symptoms(&[Symptom::SuddenNeedForNaps]), same_night);
    assert_eq!(r, vec![RedFlagKind::SuddenNeedForNaps]);
}

#[test]
fn every_red_flag_has_a_next_step_and_a_distinct_label() {
    for a in RedFlagKind::ALL {
        assert!(!a.next_step().is_empty());
        for b in RedFlagKind::ALL {
            if a != b {
                assert!(!a.label().contains(b.label()), "{a:?} / {b:?}");
            }
        }
    }
}

#[test]
fn rules_decide_on_the_value_as_displayed() {
    // A mean WASO of 20.4 min is displayed as 20 min, which is not above the 20 min limit.
    let mut ns = nights();
    for (i, n) in ns.iter_mut().enumerate() {
        n.waso_min = Some(if i < 3 { 21.0 } else { 20.0 });
    }
    let period = summarize_period(AgeGroup::Adult, &ns);
    assert_eq!(period.mean_waso_min, Some(20.0));
    assert!(!kinds(&persona(), &ns).0.contains(&FindingKind::HighWaso));
    // 419.6 min is displayed as 420 min: not below 7 h.
    for (i, n) in ns.iter_mut().enumerate() {
        n.total_sleep_min = if i < 3 { 419.0 } else { 420.0 };
    }
    assert_eq!(
        summarize_period(AgeGroup::Adult, &ns).mean_total_sleep_min,
        420.0
    );
    assert!(!kinds(&persona(), &ns).0.contains(&FindingKind::ShortSleep));
}

#[test]
fn weekend_averages_are_absent_without_a_weekend_night() {
    let ns: Vec<_> = nights().into_iter().take(3).collect();
    let period = summarize_period(AgeGroup::Adult, &ns);
    assert_eq!(period.weekend_midsleep_h, None);
    assert_eq!(period.weekend_mean_total_sleep_min, None);
    assert_eq!(period.social_jetlag_min, None);
    assert!(period.weekday_midsleep_h.is_some());
    assert!(
        !kinds(&persona(), &ns)
            .0
            .contains(&FindingKind::SocialJetlag)
    );
}
