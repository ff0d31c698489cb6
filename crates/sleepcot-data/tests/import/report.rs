//! Imported nights → a `Report` (`import::build_report`): the report's nights rounded as the
//! report displays them, dated by the evening they start (across midnight and DST), the period
//! summary and the rule table's findings, with the person's unknown context left unknown.

use chrono::{DateTime, NaiveDate};
use sleepcot_data::import::{
    DateRange, Evening, Export, ImportError, ImportedNight, PersonContext, Vendor, build_report,
    fitbit, garmin, oura, whoop,
};
use sleepcot_data::persona::{ContextField, Sex};
use sleepcot_data::report::{Report, Weekday, clock_label};
use sleepcot_data::teacher::render_report;

use super::{close, close_opt, fixture};

fn context(age: u32) -> PersonContext {
    PersonContext {
        id: "test".into(),
        age: Some(age),
        sex: Some(Sex::Female),
        habits: None,
        export_path: "export.json".into(),
    }
}

fn report_of(export: &Export) -> Report {
    let report = build_report(export, &context(40)).unwrap();
    sleepcot_data::validate::validate(&report).unwrap();
    report
}

#[test]
fn oura_nights_are_rounded_and_dated_by_their_evening() {
    let (path, bytes) = fixture("oura_sleep.json");
    let report = report_of(&oura::parse(&path, &bytes).unwrap());
    let a = &report.nights[0];
    // Bed 2024-03-09 23:00 +01:00: the evening of Saturday 9 March, clock hour 23.0.
    assert_eq!(
        (a.night, a.weekday, a.is_weekend),
        (0, Weekday::Saturday, true)
    );
    close(a.bedtime_h, 23.0);
    // TIB 480, TST 435: wake 23:00 + 8 h = 31.0 (07:00); efficiency 435 / 480 = 90.625 → 90.6.
    close(a.time_in_bed_min, 480.0);
    close(a.total_sleep_min, 435.0);
    close(a.wake_time_h, 31.0);
    close(a.efficiency_pct, 90.6);
    close_opt(a.onset_latency_min, Some(15.0));
    close_opt(a.waso_min, Some(20.0));
    // Shares of 435 min: light 298.5 → 68.62 → 68.6, deep 46.5 → 10.69 → 10.7,
    // REM 90 → 20.69 → 20.7.
    close_opt(a.light_pct, Some(68.6));
    close_opt(a.deep_pct, Some(10.7));
    close_opt(a.rem_pct, Some(20.7));
    close_opt(a.light_min, Some(298.5));
    // RMSSD 45 is the report's HRV; breathing 15.125 → 15.1; SpO2 96.4; no movement.
    close_opt(a.hrv_rmssd_ms, Some(45.0));
    close_opt(a.respiratory_rate, Some(15.1));
    close_opt(a.spo2_mean, Some(96.4));
    assert_eq!(
        (a.spo2_nadir, a.movement_index, a.sleep_score),
        (None, None, None)
    );

    // The DST night: 23:30 +01:00 on Saturday 30 March, 420 min in bed (not 480). The report's
    // wake time is bed + time in bed, 30.5 (06:30), an hour off the 07:30 +02:00 wall clock.
    let b = &report.nights[1];
    assert_eq!((b.night, b.weekday), (1, Weekday::Saturday));
    close(b.bedtime_h, 23.5);
    close(b.time_in_bed_min, 420.0);
    close(b.wake_time_h, 30.5);
    assert_eq!(clock_label(b.wake_time_h), "06:30");
    // 385 / 420 = 91.667 → 91.7.
    close(b.efficiency_pct, 91.7);

    // Period: mean TIB (480 + 420) / 2 = 450, TST (435 + 385) / 2 = 410, two weekend nights.
    close(report.period.mean_time_in_bed_min, 450.0);
    close(report.period.mean_total_sleep_min, 410.0);
    assert_eq!(report.period.weekday_midsleep_h, None);
}

#[test]
fn fitbit_garmin_and_whoop_nights_convert_with_hand_computed_values() {
    let (path, bytes) = fixture("fitbit_stages.json");
    let fitbit = report_of(&fitbit::parse(&path, &bytes).unwrap());
    let f = &fitbit.nights[0];
    // 2024-05-01 23:00 +00:00 is a Wednesday evening; 394 / 450 = 87.56 → 87.6 %.
    assert_eq!(f.weekday, Weekday::Wednesday);
    close(f.bedtime_h, 23.0);
    close(f.efficiency_pct, 87.6);
    close_opt(f.waso_min, Some(56.0));
    // light 245 / 394 = 62.18 → 62.2, deep 70 → 17.77 → 17.8, REM 79 → 20.05 → 20.1.
    close_opt(f.light_pct, Some(62.2));
    close_opt(f.deep_pct, Some(17.8));
    close_opt(f.rem_pct, Some(20.1));
    // Fitbit's sleep log has no HRV, heart rate, SpO2 or breathing: not measured.
    assert_eq!(
        (f.hrv_rmssd_ms, f.resting_hr, f.spo2_mean),
        (None, None, None)
    );

    let (path, bytes) = fixture("garmin_sleeps.json");
    let garmin = report_of(&garmin::parse(&path, &bytes).unwrap());
    let g = &garmin.nights[0];
    // 2024-04-01 22:30 +02:00, a Monday; 460 min in bed → wake 22.5 + 7.667 = 30.167 (06:10).
    assert_eq!(g.weekday, Weekday::Monday);
    close(g.bedtime_h, 22.5);
    assert_eq!(clock_label(g.wake_time_h), "06:10");
    // 430 / 460 = 93.48 → 93.5 %; SpO2 mean 94.6, nadir 91.0; breathing 14.25 → 14.3.
    close(g.efficiency_pct, 93.5);
    close_opt(g.spo2_nadir, Some(91.0));
    close_opt(g.respiratory_rate, Some(14.3));
    assert_eq!(g.sleep_score, Some(82));

    let (path, bytes) = fixture("whoop_sleep.json");
    let whoop = report_of(&whoop::parse(&path, &bytes).unwrap());
    // The second record is local 22:45 -05:00 on Thursday 4 April; 405 / 450 = 90.0 %.
    let w = &whoop.nights[1];
    assert_eq!(w.weekday, Weekday::Thursday);
    close(w.bedtime_h, 22.75);
    close(w.efficiency_pct, 90.0);
    // WHOOP gives no latency or WASO: not measured, and their rules cannot fire.
    assert_eq!((w.onset_latency_min, w.waso_min), (None, None));
    assert!(
        whoop.period.not_measured().contains(&"WASO"),
        "{:?}",
        whoop.period.not_measured()
    );
}

#[test]
fn apple_sdnn_is_not_passed_off_as_rmssd_and_the_export_gives_age_and_sex() {
    let (path, bytes) = fixture("apple/export.xml");
    let export = sleepcot_data::import::apple::parse(&path, &bytes).unwrap();
    let no_person = PersonContext {
        age: None,
        sex: None,
        ..context(0)
    };
    let report = build_report(&export, &no_person).unwrap();
    // Age 43 and sex female come from the `Me` element.
    assert_eq!((report.persona.age, report.persona.sex), (43, Sex::Female));
    // Night 1's HRV is SDNN (45 ms): the report's RMSSD stays not measured.
    assert_eq!(
        export.nights[0].hrv_ms.map(|(_, k)| k),
        Some(sleepcot_data::import::HrvKind::Sdnn)
    );
    assert_eq!(report.nights[0].hrv_rmssd_ms, None);
    // 22:50 → 07:00 = 490 min, 437 asleep: 89.18 → 89.2 %; Saturday 9 March.
    let n = &report.nights[0];
    close(n.bedtime_h, 22.0 + 50.0 / 60.0);
    close(n.efficiency_pct, 89.2);
    assert_eq!(n.weekday, Weekday::Saturday);
}

fn night_at(start: &str, end: &str) -> ImportedNight {
    let (s, e) = (
        DateTime::parse_from_rfc3339(start).unwrap(),
        DateTime::parse_from_rfc3339(end).unwrap(),
    );
    let minutes = (e - s).num_minutes() as f32;
    ImportedNight {
        vendor: Vendor::Whoop,
        record_id: None,
        bed_start: s,
        bed_end: e,
        time_in_bed_min: minutes,
        total_sleep_min: minutes - 30.0,
        onset_latency_min: None,
        waso_min: None,
        awakenings: None,
        light_min: None,
        deep_min: None,
        rem_min: None,
        rem_latency_min: None,
        resting_hr: None,
        mean_hr: None,
        hrv_ms: None,
        spo2_mean: None,
        spo2_nadir: None,
        odi: None,
        respiratory_rate: None,
        sleep_score: None,
    }
}

#[test]
fn a_bedtime_after_midnight_belongs_to_the_previous_evening() {
    // 00:40 on Sunday 31 March (+01:00, before the 02:00 DST change) is Saturday night, clock
    // hour 24 + 40 / 60.
    let late = Evening::of(&night_at(
        "2024-03-31T00:40:00+01:00",
        "2024-03-31T08:40:00+02:00",
    ));
    assert_eq!(late.date, NaiveDate::from_ymd_opt(2024, 3, 30).unwrap());
    close(late.bedtime_h, 24.0 + 40.0 / 60.0);
    assert_eq!(late.weekday(), Weekday::Saturday);
    // 08:30 after a night shift (Tuesday morning) is Monday's night at 32.5; noon is its own
    // day's evening at 12.0.
    let shift = Evening::of(&night_at(
        "2024-04-02T08:30:00+02:00",
        "2024-04-02T15:30:00+02:00",
    ));
    assert_eq!(shift.weekday(), Weekday::Monday);
    close(shift.bedtime_h, 32.5);
    let noon = Evening::of(&night_at(
        "2024-04-02T12:00:00+02:00",
        "2024-04-02T15:00:00+02:00",
    ));
    assert_eq!((noon.weekday(), noon.bedtime_h), (Weekday::Tuesday, 12.0));
}

#[test]
fn unknown_context_is_not_given_and_its_rules_do_not_fire() {
    // One short, late night: 01:30 → 06:30, 270 of 300 min asleep.
    let export = Export {
        nights: vec![night_at(
            "2024-04-03T01:30:00+02:00",
            "2024-04-03T06:30:00+02:00",
        )],
        ..Export::default()
    };
    let report = build_report(&export, &context(30)).unwrap();
    let p = &report.persona;
    assert_eq!(
        p.not_given,
        [
            ContextField::Bmi,
            ContextField::Chronotype,
            ContextField::Work,
            ContextField::Driving,
            ContextField::Habits,
            ContextField::Symptoms
        ]
    );
    let kinds: Vec<&str> = report.findings.iter().map(|f| f.kind.label()).collect();
    // Short sleep (270 < 420 min) fires on the measured data; the late-phase rule needs the
    // work schedule (not given) and no habit rule can fire without habits.
    assert!(kinds.contains(&"short sleep duration"), "{kinds:?}");
    assert!(
        report
            .findings
            .iter()
            .all(|f| !matches!(f.kind.label(), "late sleep timing" | "evening screen use")),
        "{kinds:?}"
    );
    assert!(report.red_flags.is_empty());
    let text = render_report(&report);
    assert!(
        text.contains("About me: 30-year-old female, BMI not given, chronotype not given, work schedule not given, driving not given."),
        "{text}"
    );
    assert!(text.contains("Habits: not given."), "{text}");
    assert!(
        text.contains("Symptoms I have noticed: not given."),
        "{text}"
    );
}

#[test]
fn ages_without_norms_and_a_missing_sex_are_one_sentence_errors() {
    let (path, bytes) = fixture("whoop_sleep.json");
    let export = whoop::parse(&path, &bytes).unwrap();
    let err = build_report(&export, &context(9)).unwrap_err().to_string();
    assert_eq!(
        err,
        "--age: the person's age is 9, but an age of 13-90 years (the rule table's norms start with teenagers 13-17) was expected"
    );
    let no_sex = PersonContext {
        sex: None,
        ..context(40)
    };
    let err = build_report(&export, &no_sex).unwrap_err();
    assert!(
        matches!(err, ImportError::Person { field: "sex", .. }),
        "{err}"
    );
    assert!(err.to_string().contains("export.json or --sex"), "{err}");
}

#[test]
fn date_ranges_keep_evenings_and_fail_when_empty() {
    let (path, bytes) = fixture("oura_sleep.json");
    let mut export = oura::parse(&path, &bytes).unwrap();
    let day = |d| NaiveDate::from_ymd_opt(2024, 3, d);
    let only_b = DateRange {
        from: day(30),
        to: day(30),
    };
    only_b.apply(&path, &mut export).unwrap();
    assert_eq!(export.nights.len(), 1);
    assert_eq!(export.skipped["night outside --from-date/--to-date"], 1);
    let none = DateRange {
        from: day(1),
        to: day(2),
    };
    let err = none.apply(&path, &mut export).unwrap_err().to_string();
    assert!(err.contains("has no night to report: none of its 1 nights falls in the date range 2024-03-01 to 2024-03-02"), "{err}");
    let backwards = DateRange {
        from: day(5),
        to: day(1),
    };
    let err = backwards.apply(&path, &mut export).unwrap_err().to_string();
    assert_eq!(
        err,
        "--from-date 2024-03-05 is after --to-date 2024-03-01, so the date range is empty"
    );
}
