//! Simulated populations reproduce the published norms and the condition signatures.

use sleepcot_data::findings::{FindingKind, RedFlagKind};
use sleepcot_data::persona::{AgeGroup, Condition, PopulationMix, Severity};
use sleepcot_data::report::{Report, generate_reports};

fn mean(xs: impl Iterator<Item = f32>) -> f32 {
    let v: Vec<f32> = xs.collect();
    assert!(!v.is_empty(), "no values to average");
    v.iter().sum::<f32>() / v.len() as f32
}

fn healthy(min_age: u32, max_age: u32) -> PopulationMix {
    PopulationMix {
        min_age,
        max_age,
        ..PopulationMix::healthy()
    }
}

fn only(condition: Condition) -> PopulationMix {
    let mut mix = healthy(26, 64);
    match condition {
        Condition::Insomnia => mix.insomnia = 1.0,
        Condition::ObstructiveSleepApnea => mix.obstructive_sleep_apnea = 1.0,
        Condition::DelayedSleepPhase => mix.delayed_sleep_phase = 1.0,
        _ => unreachable!("not used in these tests"),
    }
    mix
}

fn reports(seed: u64, n: usize, mix: &PopulationMix) -> Vec<Report> {
    generate_reports(seed, n, mix, 7)
}

#[test]
fn healthy_adults_meet_continuity_and_architecture_norms() {
    let rs = reports(1, 150, &healthy(26, 64));
    let eff = mean(rs.iter().map(|r| r.period.mean_efficiency_pct));
    let sol = mean(rs.iter().map(|r| r.period.mean_onset_latency_min.unwrap()));
    let rem = mean(rs.iter().map(|r| r.period.mean_rem_pct.unwrap()));
    let deep = mean(rs.iter().map(|r| r.period.mean_deep_pct.unwrap()));
    let tst = mean(rs.iter().map(|r| r.period.mean_total_sleep_min));
    let odi = mean(rs.iter().map(|r| r.period.mean_odi.unwrap()));
    let nadir = mean(rs.iter().map(|r| r.period.mean_spo2_nadir.unwrap()));
    assert!(eff >= 85.0, "efficiency {eff}");
    assert!((5.0..=30.0).contains(&sol), "latency {sol}");
    assert!((19.0..=26.0).contains(&rem), "REM share {rem}");
    assert!((10.0..=24.0).contains(&deep), "deep share {deep}");
    assert!((380.0..=510.0).contains(&tst), "total sleep {tst}");
    assert!(odi < 5.0, "healthy ODI {odi}");
    assert!((87.0..=94.0).contains(&nadir), "healthy nadir {nadir}");
    let flags = rs.iter().filter(|r| !r.red_flags.is_empty()).count();
    assert!(
        flags * 10 < rs.len(),
        "{flags} healthy adults have red flags"
    );
}

#[test]
fn deep_sleep_share_falls_with_age_group() {
    let rs = reports(2, 240, &healthy(14, 85));
    let by_group: Vec<f32> = AgeGroup::ALL
        .iter()
        .map(|g| {
            mean(
                rs.iter()
                    .filter(|r| r.persona.age_group() == *g)
                    .map(|r| r.period.mean_deep_pct.unwrap()),
            )
        })
        .collect();
    for w in by_group.windows(2) {
        assert!(w[0] > w[1], "deep share by age group {by_group:?}");
    }
    let waso_young = mean(
        rs.iter()
            .filter(|r| r.persona.age < 30)
            .map(|r| r.period.mean_waso_min.unwrap()),
    );
    let waso_old = mean(
        rs.iter()
            .filter(|r| r.persona.age >= 65)
            .map(|r| r.period.mean_waso_min.unwrap()),
    );
    assert!(
        waso_old > waso_young + 10.0,
        "WASO {waso_young} vs {waso_old}"
    );
}

#[test]
fn apnea_raises_odi_with_severity_and_lowers_nadir() {
    let rs = reports(3, 120, &only(Condition::ObstructiveSleepApnea));
    let odi = |s: Severity| {
        mean(
            rs.iter()
                .filter(|r| r.persona.severity_of(Condition::ObstructiveSleepApnea) == Some(s))
                .map(|r| r.period.mean_odi.unwrap()),
        )
    };
    let (mild, moderate, severe) = (
        odi(Severity::Mild),
        odi(Severity::Moderate),
        odi(Severity::Severe),
    );
    assert!(mild >= 5.0, "mild ODI {mild}");
    assert!(
        moderate > mild && severe > moderate,
        "{mild} {moderate} {severe}"
    );
    let healthy_rs = reports(3, 80, &healthy(26, 64));
    let nadir_apnea = mean(rs.iter().map(|r| r.period.mean_spo2_nadir.unwrap()));
    let nadir_healthy = mean(healthy_rs.iter().map(|r| r.period.mean_spo2_nadir.unwrap()));
    assert!(
        nadir_apnea < nadir_healthy - 2.0,
        "{nadir_apnea} vs {nadir_healthy}"
    );
    let with_finding = rs
        .iter()
        .filter(|r| {
            r.findings
                .iter()
                .any(|f| f.kind == FindingKind::ElevatedOdi)
        })
        .count();
    assert!(
        with_finding * 10 >= rs.len() * 8,
        "{with_finding} of {}",
        rs.len()
    );
    let severe_flagged = rs
        .iter()
        .filter(|r| {
            r.persona.severity_of(Condition::ObstructiveSleepApnea) == Some(Severity::Severe)
        })
        .all(|r| {
            r.red_flags
                .iter()
                .any(|f| f.kind == RedFlagKind::SuspectedSleepApnea)
        });
    assert!(severe_flagged);
    let explained = rs
        .iter()
        .flat_map(|r| &r.findings)
        .filter(|f| f.kind == FindingKind::ElevatedOdi)
        .all(|f| {
            f.explained_by
                .contains(&sleepcot_data::findings::Cause::Condition(
                    Condition::ObstructiveSleepApnea,
                ))
        });
    assert!(explained);
}

#[test]
fn insomnia_lengthens_latency_and_waso() {
    let ins = reports(4, 100, &only(Condition::Insomnia));
    let ok = reports(4, 100, &healthy(26, 64));
    let sol = |rs: &[Report]| mean(rs.iter().map(|r| r.period.mean_onset_latency_min.unwrap()));
    let waso = |rs: &[Report]| mean(rs.iter().map(|r| r.period.mean_waso_min.unwrap()));
    assert!(sol(&ins) > sol(&ok) + 15.0, "{} vs {}", sol(&ins), sol(&ok));
    assert!(
        waso(&ins) > waso(&ok) + 15.0,
        "{} vs {}",
        waso(&ins),
        waso(&ok)
    );
    let eff = mean(ins.iter().map(|r| r.period.mean_efficiency_pct));
    assert!(eff < 85.0, "insomnia efficiency {eff}");
}

#[test]
fn delayed_phase_sleeps_later() {
    let dspd = reports(5, 80, &only(Condition::DelayedSleepPhase));
    let ok = reports(5, 80, &healthy(26, 64));
    let bed = |rs: &[Report]| mean(rs.iter().map(|r| r.period.mean_bedtime_h));
    let wake = |rs: &[Report]| mean(rs.iter().map(|r| r.period.mean_wake_time_h));
    assert!(
        bed(&dspd) > bed(&ok) + 1.0,
        "{} vs {}",
        bed(&dspd),
        bed(&ok)
    );
    assert!(
        wake(&dspd) > wake(&ok) + 0.3,
        "{} vs {}",
        wake(&dspd),
        wake(&ok)
    );
    let late = dspd
        .iter()
        .filter(|r| {
            r.findings
                .iter()
                .any(|f| f.kind == FindingKind::LateSleepPhase)
        })
        .count();
    assert!(late * 2 >= dspd.len(), "{late} of {}", dspd.len());
}

#[test]
fn shift_workers_keep_less_regular_schedules() {
    let shift = reports(
        6,
        80,
        &PopulationMix {
            shift_work_fraction: 1.0,
            ..healthy(20, 60)
        },
    );
    assert!(shift.iter().all(|r| r.persona.work.is_shift_work()));
    let ok = reports(6, 80, &healthy(20, 60));
    let sd = |rs: &[Report]| mean(rs.iter().map(|r| r.period.midsleep_sd_min.unwrap()));
    assert!(sd(&shift) > 2.0 * sd(&ok), "{} vs {}", sd(&shift), sd(&ok));
    let irregular = shift
        .iter()
        .filter(|r| {
            r.findings
                .iter()
                .any(|f| f.kind == FindingKind::IrregularSchedule)
        })
        .count();
    assert!(
        irregular * 10 >= shift.len() * 7,
        "{irregular} of {}",
        shift.len()
    );
}
