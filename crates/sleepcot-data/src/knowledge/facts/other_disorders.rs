//! Sleep disorders beyond insomnia and apnea: restless legs, narcolepsy, shift work, parasomnias.

use super::prelude::*;

const T: Topic = Topic::OtherDisorders;
/// Allen et al. 2014, updated IRLSSG consensus diagnostic criteria for RLS/WED (Sleep Med).
const RLS: &str = "https://doi.org/10.1016/j.sleep.2014.03.025";
/// ICSD-3 criteria for periodic limb movement disorder, as tabulated in PMC9619152 (table 4).
const PLMD_CRITERIA: &str = "https://pmc.ncbi.nlm.nih.gov/articles/PMC9619152/table/t0020";
/// ICSD-3-TR narcolepsy criteria, as tabulated in PMC11217630 (table 1).
const NARCOLEPSY: &str = "https://pmc.ncbi.nlm.nih.gov/articles/PMC11217630/table/t1";
/// Pooled prevalence of shift work disorder, systematic review and meta-analysis (PMC8021760).
const SHIFT_WORK_META: &str = "https://pmc.ncbi.nlm.nih.gov/articles/PMC8021760/";
/// Drake et al. 2004, shift work sleep disorder: prevalence and consequences (Sleep).
const SHIFT_WORK_DRAKE: &str = "https://doi.org/10.1093/sleep/27.8.1453";
/// Nesbitt 2018, delayed sleep-wake phase disorder (J Thorac Dis).
const DSWPD: &str = "https://pmc.ncbi.nlm.nih.gov/articles/PMC5803043/";
/// St Louis et al. 2017, REM sleep behavior disorder: diagnosis and implications (Mayo Clin Proc).
const RBD: &str = "https://pmc.ncbi.nlm.nih.gov/articles/PMC6095693/";

pub(super) const FACTS: &[Fact] = &[
    fact_row(
        T,
        "oth-rls-criteria-count",
        "The 2014 IRLSSG definition requires all {} essential criteria to diagnose restless legs syndrome.",
        &[
            "How many essential criteria must all be met to diagnose restless legs syndrome under the 2014 IRLSSG definition?",
            "A clinician checks a patient against the IRLSSG 2014 criteria for restless legs. How many essential criteria are there?",
        ],
        num_from(5.0, 1.0, 2.0, Unit::Count("criteria")),
        RLS,
    ),
    fact_row(
        T,
        "oth-rls-time-of-day",
        "Restless legs symptoms are worse in the {} or at night.",
        &[
            "At what time of day are restless legs symptoms typically worse (besides at night)?",
            "A 60-year-old describes an urge to move the legs. When in the day does it typically get worse?",
        ],
        pick(Pool::TimeOfDay, "evening"),
        RLS,
    ),
    fact_row(
        T,
        "oth-rls-chronic-persistent",
        "Restless legs syndrome is called chronic-persistent when episodes occur at least {} per week over the past year.",
        &[
            "How often must restless legs episodes occur per week, over the past year, to be called chronic-persistent?",
            "A patient has had restless legs for a year. From how many episodes a week is it chronic-persistent?",
        ],
        num_from(2.0, 1.0, 2.0, Unit::Count("times")),
        RLS,
    ),
    fact_row(
        T,
        "oth-plmi-threshold",
        "The periodic limb movement index cut-off, above which an adult result is abnormal, is {}.",
        &[
            "Above what periodic limb movement index is an adult's result abnormal?",
            "A sleep study reports leg movements per hour. Above which index is it abnormal?",
        ],
        num(15.0, 5.0, Unit::PerHour),
        PLMD_CRITERIA,
    ),
    fact_row(
        T,
        "oth-rls-identify",
        "An urge to move the legs that starts at rest, eases with movement and worsens in the evening points to {}.",
        &[
            "An urge to move the legs that starts at rest, is relieved by moving and worsens in the evening suggests which disorder?",
            "A 55-year-old must walk around at night to relieve an urge to move her legs while sitting. Which disorder fits?",
        ],
        pick(Pool::Disorder, "restless legs syndrome"),
        RLS,
    ),
    fact_row(
        T,
        "oth-narcolepsy-mslt-latency",
        "For narcolepsy, the Multiple Sleep Latency Test must show a mean sleep latency of {} or less.",
        &[
            "What MSLT mean sleep latency cut-off is used for narcolepsy?",
            "A sleepy 20-year-old has an MSLT. At or below what mean sleep latency does it support narcolepsy?",
        ],
        num(8.0, 2.0, Unit::Minutes),
        NARCOLEPSY,
    ),
    fact_row(
        T,
        "oth-narcolepsy-soremps",
        "The narcolepsy criteria require at least {} on the Multiple Sleep Latency Test and the preceding night.",
        &[
            "How many sleep-onset REM periods are required for narcolepsy on the MSLT and the preceding night?",
            "An MSLT for suspected narcolepsy is reviewed. What is the minimum number of sleep-onset REM periods needed?",
        ],
        num_from(2.0, 1.0, 2.0, Unit::Count("sleep-onset REM periods")),
        NARCOLEPSY,
    ),
    fact_row(
        T,
        "oth-narcolepsy-hypocretin",
        "The cerebrospinal fluid hypocretin-1 cut-off that supports narcolepsy type 1 (at or below it) is {}.",
        &[
            "What CSF hypocretin-1 level supports narcolepsy type 1?",
            "A spinal-fluid test is ordered for suspected narcolepsy. At or below what hypocretin-1 level is type 1 supported?",
        ],
        num(110.0, 20.0, Unit::Count("pg/mL")),
        NARCOLEPSY,
    ),
    fact_row(
        T,
        "oth-cataplexy-type",
        "Cataplexy is a defining feature of {}.",
        &[
            "Which disorder is defined in part by cataplexy?",
            "A teenager with daily sleepiness has brief muscle weakness when laughing. Which diagnosis does this point to?",
        ],
        pick(Pool::Disorder, "narcolepsy type 1"),
        NARCOLEPSY,
    ),
    fact_row(
        T,
        "oth-narcolepsy-eds-duration",
        "Narcolepsy requires daily excessive sleepiness that has lasted at least {}.",
        &[
            "For how long must daily excessive sleepiness last, at minimum, for a narcolepsy diagnosis?",
            "A student has been very sleepy every day for a while. What is the minimum duration for narcolepsy?",
        ],
        num_from(3.0, 1.0, 2.0, Unit::Months),
        NARCOLEPSY,
    ),
    fact_row(
        T,
        "oth-soremp-definition",
        "A sleep-onset REM period is REM sleep that begins within {} of falling asleep.",
        &[
            "Within how long of sleep onset must REM begin to count as a sleep-onset REM period?",
            "A hypnogram shows REM soon after falling asleep. Within what time must it start to be a sleep-onset REM period?",
        ],
        num(15.0, 15.0, Unit::Minutes),
        NARCOLEPSY,
    ),
    fact_row(
        T,
        "oth-shift-work-pooled",
        "Across 29 studies, the pooled prevalence of shift work disorder among shift workers was {}.",
        &[
            "What pooled prevalence of shift work disorder did a review of 29 studies find among shift workers?",
            "A hospital manager asks how many shift workers develop shift work disorder. What pooled prevalence was reported?",
        ],
        num(26.5, 5.0, Unit::Percent),
        SHIFT_WORK_META,
    ),
    fact_row(
        T,
        "oth-shift-work-drake",
        "Drake's 2004 study found shift work disorder in about {} of night or rotating-shift workers.",
        &[
            "In Drake's 2004 study, what share of night or rotating-shift workers had shift work disorder?",
            "A factory runs rotating shifts. According to Drake 2004, what share of such workers have shift work disorder?",
        ],
        num(10.0, 5.0, Unit::Percent),
        SHIFT_WORK_DRAKE,
    ),
    fact_row(
        T,
        "oth-shift-work-identify",
        "Insomnia or excessive sleepiness tied to a work schedule that overlaps the usual sleep time defines {}.",
        &[
            "Which disorder is defined by insomnia or sleepiness tied to work hours that overlap the usual sleep period?",
            "A 35-year-old on rotating night shifts cannot sleep by day and is sleepy at work. Which disorder fits?",
        ],
        pick(Pool::Disorder, "shift work disorder"),
        SHIFT_WORK_DRAKE,
    ),
    fact_row(
        T,
        "oth-dswpd-identify",
        "Sleep that is shifted late but normal in length and quality when the person can choose their hours is typical of {}.",
        &[
            "Which disorder features sleep that is late but normal in length and quality when unconstrained?",
            "A 20-year-old cannot fall asleep before 3 a.m. but sleeps well until 11 a.m. on free days. Which disorder fits?",
        ],
        pick(Pool::Disorder, "delayed sleep-wake phase disorder"),
        DSWPD,
    ),
    fact_row(
        T,
        "oth-dream-enactment",
        "Acting out dreams during sleep is the hallmark of {}.",
        &[
            "Which disorder is characterised by acting out dreams during sleep?",
            "A 65-year-old's partner reports that he punches and kicks while dreaming. Which disorder is suspected?",
        ],
        pick(Pool::Disorder, "REM sleep behavior disorder"),
        RBD,
    ),
];
