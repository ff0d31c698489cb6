//! Each rule fires on a report crafted to break it, and none fires on a healthy one.

use super::*;
use crate::persona::{
    Chronotype, ConditionSeverity, ExerciseTiming, Habits, Persona, Sex, WorkSchedule,
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
            evening_screen_minutes: 20,
            naps_per_week: 0,
            nap_minutes: 0,
        },
        conditions: vec![],
        complaint: "None.".into(),
        goal: "Stay well.".into(),
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
        onset_latency_min: 12.0,
        waso_min: 15.0,
        awakenings: 1,
        light_min: 245.0,
        deep_min: 90.0,
        rem_min: 110.0,
        light_pct: 55.1,
        deep_pct: 20.2,
        rem_pct: 24.7,
        rem_latency_min: 90.0,
        resting_hr: 56.0,
        mean_hr: 61.0,
        hrv_rmssd_ms: 48.0,
        spo2_mean: 96.5,
        spo2_nadir: 91.0,
        odi: 1.0,
        respiratory_rate: 14.5,
        movement_index: 4.0,
        sleep_score: 90,
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
        n.onset_latency_min = 50.0
    });
    fires(FindingKind::HighWaso, none, |n| n.waso_min = 45.0);
    fires(FindingKind::FrequentAwakenings, none, |n| n.awakenings = 3);
    fires(FindingKind::LowEfficiency, none, |n| {
        n.efficiency_pct = 78.0
    });
    fires(FindingKind::LowDeepSleep, none, |n| n.deep_pct = 5.0);
    fires(FindingKind::LowRemShare, none, |n| n.rem_pct = 12.0);
    fires(FindingKind::ShortRemLatency, none, |n| {
        if n.night == 2 {
            n.rem_latency_min = 8.0
        }
    });
    fires(FindingKind::ElevatedOdi, none, |n| n.odi = 12.0);
    fires(FindingKind::LowSpo2Nadir, none, |n| n.spo2_nadir = 84.0);
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
        n.resting_hr = 78.0
    });
    fires(FindingKind::LowHrv, none, |n| n.hrv_rmssd_ms = 10.0);
    fires(FindingKind::HighMovement, none, |n| n.movement_index = 30.0);
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
        |p| p.habits.exercise_timing = ExerciseTiming::Evening,
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
        n.odi = 40.0;
        n.spo2_nadir = 80.0;
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
    assert!(flags.contains(&RedFlagKind::SuspectedModerateSevereApnea));
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
        n.onset_latency_min = 60.0;
        n.efficiency_pct = 75.0;
    });
    ns[1].rem_latency_min = 5.0;
    ns[3].rem_latency_min = 10.0;
    let (_, r) = kinds(&persona(), &ns);
    assert!(r.contains(&RedFlagKind::ChronicInsomniaPattern), "{r:?}");
    assert!(r.contains(&RedFlagKind::PossibleNarcolepsy), "{r:?}");
}
