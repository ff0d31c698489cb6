//! The persona's complaint and goal, phrased consistently with conditions, schedule and habits.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{Condition, ConditionSeverity, Habits, Severity, Symptom, WorkSchedule};

/// A complaint sentence with the symptoms it reports, so text and structured symptoms agree.
type Complaint = (&'static str, &'static [Symptom]);

/// Picks one complaint uniformly.
fn pick_complaint(rng: &mut ChaCha8Rng, options: &[Complaint]) -> Complaint {
    options[rng.random_range(0..options.len())]
}

/// Picks one option uniformly.
pub(super) fn pick<'a>(rng: &mut ChaCha8Rng, options: &[&'a str]) -> &'a str {
    options[rng.random_range(0..options.len())]
}

/// The complaint follows the most severe condition (ties: the first in [`Condition::ALL`]
/// order); without a condition it follows the schedule or the most salient habit. Returns the
/// complaint, the goal and the symptoms the complaint reports.
pub(super) fn complaint_and_goal(
    rng: &mut ChaCha8Rng,
    age: u32,
    work: WorkSchedule,
    habits: &Habits,
    conditions: &[ConditionSeverity],
) -> (String, String, Vec<Symptom>) {
    let main = conditions
        .iter()
        .max_by_key(|c| (c.severity, std::cmp::Reverse(c.condition)))
        .copied();
    let ((complaint, symptoms), goal): (Complaint, &str) = match main.map(|c| c.condition) {
        Some(Condition::Insomnia) => (
            pick_complaint(
                rng,
                &[
                    (
                        "I lie awake for ages before I fall asleep and wake up several times a night.",
                        &[],
                    ),
                    (
                        "My mind races at night; it takes me forever to drift off and I wake at 3 am.",
                        &[],
                    ),
                    (
                        "I can't stay asleep, and once I'm up I can't get back to sleep.",
                        &[],
                    ),
                ],
            ),
            pick(
                rng,
                &[
                    "Fall asleep faster and sleep through the night.",
                    "Stop dreading bedtime and get more unbroken sleep.",
                ],
            ),
        ),
        Some(Condition::ObstructiveSleepApnea) => (
            pick_complaint(
                rng,
                &[
                    (
                        "My partner says I snore loudly and sometimes stop breathing; I wake up unrefreshed.",
                        &[
                            Symptom::LoudSnoring,
                            Symptom::WitnessedApneas,
                            Symptom::UnrefreshingSleep,
                        ],
                    ),
                    (
                        "I wake up with a dry mouth and feel tired all day despite enough hours in bed.",
                        &[Symptom::DaytimeSleepiness, Symptom::UnrefreshingSleep],
                    ),
                    (
                        "I snore loudly and keep nodding off in the afternoon.",
                        &[Symptom::LoudSnoring, Symptom::DaytimeSleepiness],
                    ),
                ],
            ),
            pick(
                rng,
                &[
                    "Wake up feeling rested and stop feeling sleepy during the day.",
                    "Find out why my sleep is not refreshing.",
                ],
            ),
        ),
        Some(Condition::DelayedSleepPhase) => (
            pick_complaint(
                rng,
                &[
                    (
                        "I'm never tired before 2 am, so getting up for work is a struggle.",
                        &[],
                    ),
                    (
                        "I only feel sleepy very late at night and I'm exhausted on weekday mornings.",
                        &[],
                    ),
                ],
            ),
            pick(
                rng,
                &[
                    "Fall asleep earlier so I'm not wrecked on weekday mornings.",
                    "Shift my sleep to fit my work hours.",
                ],
            ),
        ),
        Some(Condition::ShiftWorkDisorder) => (
            pick_complaint(
                rng,
                &[
                    (
                        "Since starting shifts I can't sleep properly during the day and feel foggy at work.",
                        &[],
                    ),
                    (
                        "My shift pattern wrecks my sleep; I'm tired on shift and wide awake when I should sleep.",
                        &[Symptom::DaytimeSleepiness],
                    ),
                ],
            ),
            pick(
                rng,
                &[
                    "Get decent sleep around my shifts.",
                    "Feel alert on shift and sleep better on my days off.",
                ],
            ),
        ),
        Some(Condition::RestlessLegs) => (
            pick_complaint(
                rng,
                &[
                    (
                        "My legs feel crawly in the evening and I have to move them, so I can't settle.",
                        &[Symptom::UrgeToMoveLegs],
                    ),
                    (
                        "I get an urge to move my legs when I lie down and my sleep is restless.",
                        &[Symptom::UrgeToMoveLegs],
                    ),
                ],
            ),
            pick(
                rng,
                &[
                    "Settle down at night and sleep without tossing and turning.",
                    "Have calmer, less restless nights.",
                ],
            ),
        ),
        Some(Condition::NarcolepsyLike) => (
            pick_complaint(
                rng,
                &[
                    (
                        "I fall asleep during the day even after a full night, and I dream as soon as I nod off.",
                        &[Symptom::DaytimeSleepiness],
                    ),
                    (
                        "I'm sleepy all day and need several naps; my night sleep is broken.",
                        &[Symptom::DaytimeSleepiness],
                    ),
                    (
                        "I doze off during the day, and my knees go weak when I laugh.",
                        &[Symptom::DaytimeSleepiness, Symptom::Cataplexy],
                    ),
                ],
            ),
            pick(
                rng,
                &[
                    "Stay awake during the day and understand my sleepiness.",
                    "Stop needing naps to get through the day.",
                ],
            ),
        ),
        None => {
            let (complaint, goal) = healthy_text(rng, age, work, habits);
            ((complaint, &[]), goal)
        }
    };
    let complaint = match main {
        Some(c) if c.severity == Severity::Severe => {
            format!("{complaint} It is affecting my daily life badly.")
        }
        _ => complaint.to_string(),
    };
    (complaint, goal.to_string(), symptoms.to_vec())
}

fn healthy_text(
    rng: &mut ChaCha8Rng,
    age: u32,
    work: WorkSchedule,
    habits: &Habits,
) -> (&'static str, &'static str) {
    if work.is_shift_work() {
        return (
            pick(
                rng,
                &[
                    "My shifts keep changing and my sleep times are all over the place.",
                    "Working shifts makes it hard to keep a routine.",
                ],
            ),
            "Keep my sleep as steady as possible around my shifts.",
        );
    }
    if habits.evening_screen_minutes >= 90 {
        return (
            pick(
                rng,
                &[
                    "I scroll on my phone in bed and go to sleep later than I planned.",
                    "I end up watching videos until late and feel groggy in the morning.",
                ],
            ),
            "Build a better wind-down routine.",
        );
    }
    if habits.caffeine_mg_per_day >= 300.0 {
        return (
            "I drink a lot of coffee to get through the day and wonder whether it hurts my sleep.",
            "Feel energetic without relying on so much coffee.",
        );
    }
    if age >= 65 {
        return (
            "I wake up earlier than I'd like and my sleep feels lighter than it used to.",
            "Sleep more deeply and feel rested.",
        );
    }
    (
        pick(
            rng,
            &[
                "I sleep okay but want to know whether my sleep is as good as it could be.",
                "I feel a bit tired some mornings and would like to optimise my sleep.",
                "No big problems, but I'd like to understand my sleep data.",
            ],
        ),
        pick(
            rng,
            &[
                "Optimise my sleep and feel more energetic.",
                "Keep my sleep healthy and consistent.",
            ],
        ),
    )
}
