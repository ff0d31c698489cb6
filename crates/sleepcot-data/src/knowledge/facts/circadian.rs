//! The body clock: light timing, screens, social jetlag and delayed sleep phase.

use super::prelude::*;

const T: Topic = Topic::CircadianRhythm;
/// Khalsa et al. 2003, a phase response curve to single bright light pulses (J Physiol).
const LIGHT_PRC: &str = "https://pubmed.ncbi.nlm.nih.gov/12717008/";
/// Chang et al. 2015, evening use of light-emitting eReaders (PNAS).
const EREADER: &str = "https://pmc.ncbi.nlm.nih.gov/articles/PMC4313820/";
/// Roenneberg et al. 2012, social jetlag and obesity (Curr Biol).
const ROENNEBERG: &str = "https://www.cell.com/current-biology/fulltext/S0960-9822(12)00325-9";
/// Nesbitt 2018, delayed sleep-wake phase disorder (J Thorac Dis).
const DSWPD: &str = "https://pmc.ncbi.nlm.nih.gov/articles/PMC5803043/";

pub(super) const FACTS: &[Fact] = &[
    fact_row(
        T,
        "circ-morning-light-advances",
        "Bright light in the {} shifts the body clock earlier.",
        &[
            "At what time of day does bright light shift the body clock earlier?",
            "A late sleeper wants to move their body clock earlier. When should they get bright light?",
        ],
        pick(Pool::TimeOfDay, "morning"),
        LIGHT_PRC,
    ),
    fact_row(
        T,
        "circ-evening-light-delays",
        "Bright light in the {} shifts the body clock later.",
        &[
            "At what time of day does bright light push the body clock later?",
            "A night owl keeps bright lights on at home. When does light exposure delay their clock?",
        ],
        pick(Pool::TimeOfDay, "evening"),
        LIGHT_PRC,
    ),
    fact_row(
        T,
        "circ-sjl-example",
        "Someone who sleeps 01:00-06:00 on workdays and 01:00-09:00 on free days has a social jetlag of {}.",
        &[
            "A person sleeps 01:00-06:00 on workdays and 01:00-09:00 on free days. What is their social jetlag?",
            "Social jetlag is the gap between mid-sleep on free days and on workdays. How large is it for sleep at 01:00-06:00 on workdays and 01:00-09:00 on free days?",
        ],
        num(1.5, 0.5, Unit::Hours),
        ROENNEBERG,
    ),
    fact_row(
        T,
        "circ-sjl-obesity-odds",
        "Each hour of social jetlag is linked to about {} higher odds of being overweight or obese.",
        &[
            "By how much do the odds of overweight or obesity rise per hour of social jetlag, according to Roenneberg 2012?",
            "A shift in mid-sleep of one hour between workdays and free days is linked with what rise in the odds of overweight?",
        ],
        num(33.0, 10.0, Unit::Percent),
        ROENNEBERG,
    ),
    fact_row(
        T,
        "circ-sjl-outcome",
        "In Roenneberg's 2012 study, social jetlag was associated with {}.",
        &[
            "Which outcome did Roenneberg's 2012 study associate with social jetlag?",
            "A 30-year-old sleeps much later on weekends. Which outcome is social jetlag linked with?",
        ],
        pick_not(
            Pool::Outcome,
            "overweight or obesity",
            &["metabolic syndrome", "self-harm and suicidal thoughts"],
        ),
        ROENNEBERG,
    ),
    fact_row(
        T,
        "circ-sjl-cohort",
        "Roenneberg's 2012 analysis of social jetlag and body weight drew on about {}.",
        &[
            "About how many people did Roenneberg's 2012 social-jetlag and weight analysis include?",
            "How large was the cohort behind the finding that social jetlag is linked to overweight?",
        ],
        num(65000.0, 20000.0, Unit::Count("people")),
        ROENNEBERG,
    ),
    fact_row(
        T,
        "circ-ereader-melatonin",
        "Reading a light-emitting e-reader before bed lowered evening levels of {}.",
        &[
            "Which hormone fell in the evening when people read a light-emitting e-reader before bed?",
            "A teenager reads on a backlit tablet before sleeping. Which sleep-related hormone does this suppress?",
        ],
        pick(Pool::Neurochemical, "melatonin"),
        EREADER,
    ),
    fact_row(
        T,
        "circ-ereader-duration",
        "In the e-reader study, participants read from the device for about {} before bedtime.",
        &[
            "For about how long before bed did participants read a light-emitting e-reader in the 2015 study?",
            "In the e-reader versus printed book experiment, how long was each evening reading session?",
        ],
        num(4.0, 1.0, Unit::Hours),
        EREADER,
    ),
    fact_row(
        T,
        "circ-ereader-evenings",
        "The e-reader study exposed participants to the device on {} in a row.",
        &[
            "On how many consecutive evenings did participants read the e-reader in the 2015 study?",
            "How many evenings of e-reader use did the light-emitting device study include?",
        ],
        num_from(5.0, 1.0, 2.0, Unit::Count("evenings")),
        EREADER,
    ),
    fact_row(
        T,
        "circ-ereader-sol",
        "Compared with a printed book, reading a light-emitting e-reader before bed {} the time needed to fall asleep.",
        &[
            "What did reading a light-emitting e-reader before bed do to sleep onset latency, compared with a printed book?",
            "A student switches from a paper book to a backlit e-reader at bedtime. What happens to how long they take to fall asleep?",
        ],
        pick(Pool::Direction, "increases"),
        EREADER,
    ),
    fact_row(
        T,
        "circ-ereader-alertness",
        "After evenings with a light-emitting e-reader, alertness the next morning {}.",
        &[
            "What happened to next-morning alertness after evenings of e-reader use?",
            "After a week of reading on a backlit device at bedtime, how does morning alertness change?",
        ],
        pick(Pool::Direction, "decreases"),
        EREADER,
    ),
    fact_row(
        T,
        "circ-screens-before-bed",
        "About {} of US adults use electronic devices within an hour of bedtime on at least a few nights a week.",
        &[
            "What share of US adults use electronics within an hour of bedtime at least a few nights a week?",
            "How common is device use in the hour before bed among US adults?",
        ],
        num(90.0, 10.0, Unit::Percent),
        EREADER,
    ),
    fact_row(
        T,
        "circ-dswpd-most-common",
        "{} is the most common circadian rhythm sleep disorder.",
        &[
            "Which is the most common circadian rhythm sleep disorder?",
            "Among circadian rhythm sleep disorders, which one is seen most often?",
        ],
        // Shift work disorder is also classed as a circadian rhythm disorder and is common among
        // shift workers, so a reader could defend it: never offered.
        pick_not(
            Pool::Disorder,
            "delayed sleep-wake phase disorder",
            &["shift work disorder"],
        ),
        DSWPD,
    ),
    fact_row(
        T,
        "circ-dswpd-delay",
        "In delayed sleep-wake phase disorder, the sleep period is usually shifted later by more than a threshold of {}.",
        &[
            "By more than how much is sleep usually delayed in delayed sleep-wake phase disorder?",
            "A 19-year-old can only fall asleep very late but sleeps well when allowed. Typically, how late is the shift in this disorder?",
        ],
        num(2.0, 1.0, Unit::Hours),
        DSWPD,
    ),
    fact_row(
        T,
        "circ-dswpd-light-advice",
        "For a delayed sleep phase, first-line advice includes bright light in the {} and less light in the evening.",
        &[
            "When should someone with a delayed sleep phase seek bright light?",
            "A student with delayed sleep-wake phase disorder asks how to use light. At which time of day should they get bright light?",
        ],
        pick(Pool::TimeOfDay, "morning"),
        DSWPD,
    ),
];
