//! Drawing personas from a seed: one independent random stream per persona index.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::text::complaint_and_goal;
use super::{
    AgeGroup, Chronotype, Condition, ConditionSeverity, EPWORTH_MAX, ExerciseTiming, Habits,
    ISI_MAX, Persona, PopulationMix, Questionnaires, Severity, Sex, Symptom, WorkSchedule,
};
use crate::rng::{Stream, item_rng};

/// Draws `n` personas in parallel; persona `i` depends only on `(seed, i, mix)`, so the result
/// is identical for any thread count. Fractions outside 0..=1 are clamped and the age range is
/// clamped to the supported ages; call [`PopulationMix::validate`] first to reject such a mix.
pub fn generate_personas(seed: u64, n: usize, mix: &PopulationMix) -> Vec<Persona> {
    (0..n)
        .into_par_iter()
        .map(|i| generate_persona(seed, i as u64, mix))
        .collect()
}

/// Draws persona `index` of the population defined by `seed` and `mix`.
pub fn generate_persona(seed: u64, index: u64, mix: &PopulationMix) -> Persona {
    let mut rng = item_rng(seed, Stream::Persona, index);
    let lo = mix.min_age.clamp(super::MIN_AGE, super::MAX_AGE);
    let hi = mix.max_age.clamp(lo, super::MAX_AGE);
    let age = rng.random_range(lo..=hi);
    let sex = if rng.random_bool(0.5) {
        Sex::Female
    } else {
        Sex::Male
    };
    let group = AgeGroup::of_age(age);

    let shift_worker = (18..65).contains(&age) && chance(&mut rng, mix.shift_work_fraction);
    let work = if age < 18 {
        WorkSchedule::School
    } else if shift_worker {
        if rng.random_bool(0.5) {
            WorkSchedule::NightShift
        } else {
            WorkSchedule::RotatingShift
        }
    } else if age >= 65 {
        if rng.random_bool(0.9) {
            WorkSchedule::Flexible
        } else {
            WorkSchedule::DayWork
        }
    } else if rng.random_bool(0.85) {
        WorkSchedule::DayWork
    } else {
        WorkSchedule::Flexible
    };

    let mut conditions = Vec::new();
    for condition in Condition::ALL {
        let p = match condition {
            Condition::ShiftWorkDisorder if !work.is_shift_work() => 0.0,
            // Apnea is rarer in the young: halve the chance below 30.
            Condition::ObstructiveSleepApnea if age < 30 => mix.fraction(condition) * 0.5,
            c => mix.fraction(c),
        };
        if chance(&mut rng, p) {
            let u: f64 = rng.random();
            let severity = if u < 0.45 {
                Severity::Mild
            } else if u < 0.8 {
                Severity::Moderate
            } else {
                Severity::Severe
            };
            conditions.push(ConditionSeverity {
                condition,
                severity,
            });
        }
    }
    let has = |c: Condition| conditions.iter().any(|x| x.condition == c);

    let bmi_mean = if has(Condition::ObstructiveSleepApnea) {
        31.0
    } else if age < 18 {
        21.0
    } else {
        25.5
    };
    let bmi = (bmi_mean + 4.0 * normal(&mut rng)).clamp(16.0, 48.0);

    let chronotype = if has(Condition::DelayedSleepPhase) {
        Chronotype::Late
    } else {
        let late = match group {
            AgeGroup::Adolescent | AgeGroup::YoungAdult => 0.45,
            AgeGroup::Adult => 0.25,
            AgeGroup::OlderAdult => 0.1,
        };
        let early = match group {
            AgeGroup::Adolescent | AgeGroup::YoungAdult => 0.1,
            AgeGroup::Adult => 0.25,
            AgeGroup::OlderAdult => 0.5,
        };
        let u: f64 = rng.random();
        if u < late {
            Chronotype::Late
        } else if u < late + early {
            Chronotype::Early
        } else {
            Chronotype::Intermediate
        }
    };
    let drives = if age < 16 {
        false
    } else if age < 18 {
        rng.random_bool(0.3)
    } else {
        rng.random_bool(if age >= 80 { 0.4 } else { 0.75 })
    };

    let mut habits = draw_habits(&mut rng, age, work, &conditions);
    let (complaint, goal, told) = complaint_and_goal(&mut rng, age, work, &habits, &conditions);
    // Drawn after the complaint, so the earlier draws of a persona stay as they were.
    if habits.exercise_timing == ExerciseTiming::Evening {
        habits.evening_exercise_end_before_bed_min = Some(5 * rng.random_range(2..=30));
    }
    let symptoms = draw_symptoms(&mut rng, age, work, drives, &conditions, &told);
    let questionnaires = draw_questionnaires(&mut rng, &conditions, &symptoms);
    Persona {
        id: format!("p{index:06}"),
        age,
        sex,
        bmi: round1(bmi),
        chronotype,
        work,
        drives,
        habits,
        conditions,
        symptoms,
        questionnaires,
        complaint,
        goal,
        not_given: Vec::new(),
    }
}

/// The symptoms the complaint reports, plus others drawn from the conditions and, rarely, from
/// anyone: healthy people snore and doze too, and the rare red-flag symptoms must occur in a
/// large population so that the teacher's referrals are exercised.
fn draw_symptoms(
    rng: &mut ChaCha8Rng,
    age: u32,
    work: WorkSchedule,
    drives: bool,
    conditions: &[ConditionSeverity],
    told: &[Symptom],
) -> Vec<Symptom> {
    let has = |c: Condition| conditions.iter().any(|x| x.condition == c);
    let osa = has(Condition::ObstructiveSleepApnea);
    let mut out: Vec<Symptom> = told.to_vec();
    let maybe = |rng: &mut ChaCha8Rng, out: &mut Vec<Symptom>, s: Symptom, p: f64| {
        if !out.contains(&s) && rng.random_bool(p) {
            out.push(s);
        }
    };
    let adult = age >= 18;
    maybe(
        rng,
        &mut out,
        Symptom::LoudSnoring,
        match (osa, adult) {
            (true, _) => 0.6,
            (false, true) => 0.08,
            (false, false) => 0.02,
        },
    );
    maybe(
        rng,
        &mut out,
        Symptom::Gasping,
        if osa { 0.25 } else { 0.004 },
    );
    let sleepy_p = if osa || has(Condition::NarcolepsyLike) {
        0.5
    } else if work.is_shift_work() {
        0.2
    } else {
        0.06
    };
    maybe(rng, &mut out, Symptom::DaytimeSleepiness, sleepy_p);
    let unrefreshed_p = if osa || has(Condition::Insomnia) {
        0.3
    } else {
        0.05
    };
    maybe(rng, &mut out, Symptom::UnrefreshingSleep, unrefreshed_p);
    let drowsy_p = match (drives, out.contains(&Symptom::DaytimeSleepiness)) {
        (false, _) => 0.0,
        (true, true) => 0.2,
        (true, false) => 0.005,
    };
    maybe(rng, &mut out, Symptom::DrowsyDriving, drowsy_p);
    maybe(
        rng,
        &mut out,
        Symptom::DreamEnactment,
        if age >= 50 { 0.02 } else { 0.004 },
    );
    let cataplexy_p = if has(Condition::NarcolepsyLike) {
        0.25
    } else {
        0.0
    };
    maybe(rng, &mut out, Symptom::Cataplexy, cataplexy_p);
    maybe(
        rng,
        &mut out,
        Symptom::NightChestPainOrBreathlessness,
        0.005,
    );
    maybe(
        rng,
        &mut out,
        Symptom::MorningConfusionOrSevereHeadache,
        0.005,
    );
    let naps_p = if has(Condition::NarcolepsyLike) {
        0.0
    } else {
        0.01
    };
    maybe(rng, &mut out, Symptom::SuddenNeedForNaps, naps_p);
    let legs_p = if has(Condition::RestlessLegs) {
        0.5
    } else {
        0.02
    };
    maybe(rng, &mut out, Symptom::UrgeToMoveLegs, legs_p);
    out.sort();
    out
}

/// Epworth and ISI scores for the people who took them, consistent with their conditions.
fn draw_questionnaires(
    rng: &mut ChaCha8Rng,
    conditions: &[ConditionSeverity],
    symptoms: &[Symptom],
) -> Questionnaires {
    let level = |c: Condition| {
        conditions
            .iter()
            .find(|x| x.condition == c)
            .map_or(0.0, |x| 1.0 + x.severity.level() as f32)
    };
    let score = |rng: &mut ChaCha8Rng, mean: f32, max: u32| {
        (mean + 3.0 * normal(rng)).round().clamp(0.0, max as f32) as u32
    };
    let epworth = if rng.random_bool(0.35) {
        let sleepy = if symptoms.contains(&Symptom::DaytimeSleepiness) {
            5.0
        } else {
            0.0
        };
        let mean = 6.0
            + sleepy
            + 3.0 * level(Condition::NarcolepsyLike)
            + 1.5 * level(Condition::ObstructiveSleepApnea);
        Some(score(rng, mean, EPWORTH_MAX))
    } else {
        None
    };
    let insomnia_severity = if rng.random_bool(0.3) {
        let mean =
            4.0 + 5.0 * level(Condition::Insomnia) + 2.0 * level(Condition::ShiftWorkDisorder);
        Some(score(rng, mean, ISI_MAX))
    } else {
        None
    };
    Questionnaires {
        epworth,
        insomnia_severity,
    }
}

fn draw_habits(
    rng: &mut ChaCha8Rng,
    age: u32,
    work: WorkSchedule,
    conditions: &[ConditionSeverity],
) -> Habits {
    let has = |c: Condition| conditions.iter().any(|x| x.condition == c);
    let teen = age < 18;
    let caffeine_mg_per_day = if rng.random_bool(if teen { 0.4 } else { 0.85 }) {
        let median: f32 = if teen { 60.0 } else { 180.0 };
        let extra = if work.is_shift_work() || has(Condition::NarcolepsyLike) {
            1.4
        } else {
            1.0
        };
        (median * extra * (0.5 * normal(rng)).exp()).clamp(20.0, 700.0)
    } else {
        0.0
    };
    let last_caffeine_hour = if caffeine_mg_per_day == 0.0 {
        0.0
    } else if work == WorkSchedule::NightShift {
        // Night workers drink coffee through the shift, i.e. after midnight.
        rng.random_range(25.0..30.0)
    } else {
        let late_bias: f32 = if has(Condition::DelayedSleepPhase) {
            2.0
        } else {
            0.0
        };
        (rng.random_range(8.0f32..19.0) + late_bias).min(23.0)
    };
    let drinker = !teen && rng.random_bool(0.65);
    let alcohol_drinks_per_week = if drinker {
        (4.0 * (0.8 * normal(rng)).exp()).clamp(0.5, 35.0)
    } else {
        0.0
    };
    let evening_drinks = if drinker && rng.random_bool(0.55) {
        rng.random_range(1.0f32..4.0)
            .min(alcohol_drinks_per_week.max(1.0))
    } else {
        0.0
    };
    let exercise_timing = match rng.random_range(0..8) {
        0 | 1 => ExerciseTiming::None,
        2 | 3 => ExerciseTiming::Morning,
        4 | 5 => ExerciseTiming::Afternoon,
        _ => ExerciseTiming::Evening,
    };
    let exercise_minutes_per_week = if exercise_timing == ExerciseTiming::None {
        0
    } else {
        rng.random_range(30..=420)
    };
    let screen_max = if teen || age < 26 { 180 } else { 120 };
    let evening_screen_minutes = rng.random_range(0..=screen_max);
    let (naps_per_week, nap_minutes) = if has(Condition::NarcolepsyLike) {
        (rng.random_range(5..=7), rng.random_range(15..=40))
    } else {
        let p = if work.is_shift_work() || age >= 65 {
            0.55
        } else {
            0.3
        };
        if rng.random_bool(p) {
            (rng.random_range(1..=5), rng.random_range(10..=90))
        } else {
            (0, 0)
        }
    };
    Habits {
        caffeine_mg_per_day: caffeine_mg_per_day.round(),
        last_caffeine_hour: (last_caffeine_hour * 2.0).round() / 2.0,
        alcohol_drinks_per_week: round1(alcohol_drinks_per_week),
        evening_drinks: round1(evening_drinks),
        exercise_minutes_per_week,
        exercise_timing,
        evening_exercise_end_before_bed_min: None,
        evening_screen_minutes,
        naps_per_week,
        nap_minutes,
    }
}

fn chance(rng: &mut ChaCha8Rng, p: f64) -> bool {
    let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
    rng.random_bool(p)
}

/// A standard normal draw (Box-Muller); used per persona and per night, not per epoch.
pub(crate) fn normal(rng: &mut impl Rng) -> f32 {
    let u1: f32 = rng.random::<f32>().max(1e-7);
    let u2: f32 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}

fn round1(x: f32) -> f32 {
    (x * 10.0).round() / 10.0
}
