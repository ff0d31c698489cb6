//! Sleep stages, cycles, where stages fall in the night, and how architecture changes with age.

use super::prelude::*;

const T: Topic = Topic::Architecture;
/// Institute of Medicine 2006, "Sleep Disorders and Sleep Deprivation", chapter 2: Sleep Physiology.
const IOM_PHYSIOLOGY: &str = "https://www.ncbi.nlm.nih.gov/books/NBK19956/";
/// Silber et al. 2007, the AASM task force on the visual scoring of sleep in adults (JCSM).
const SILBER_SCORING: &str = "https://pubmed.ncbi.nlm.nih.gov/17557422/";
/// National Sleep Foundation, "Sleep Disorders" professional text, chapter 1: sleep regulation.
const NSF_CHAPTER: &str =
    "http://sleepdisorders.sleepfoundation.org/chapter-1-normal-sleep/sleep-regulation/";
/// Ohayon et al. 2004, meta-analysis of sleep parameters from childhood to old age (Sleep).
const OHAYON: &str = "https://pubmed.ncbi.nlm.nih.gov/15586779/";
/// Boulos et al. 2019, normal polysomnography parameters in healthy adults (Lancet Respir Med).
const BOULOS: &str = "https://pubmed.ncbi.nlm.nih.gov/31006560/";
/// Floyd et al. 2007, changes in REM-sleep percentage over the adult lifespan (Sleep).
const FLOYD: &str = "https://pmc.ncbi.nlm.nih.gov/articles/PMC1978369/";
/// Ohayon et al. 2017, the NSF sleep-quality recommendations: first report (Sleep Health).
const NSF_QUALITY: &str = "https://pubmed.ncbi.nlm.nih.gov/28346153/";

pub(super) const FACTS: &[Fact] = &[
    fact_row(
        T,
        "arch-n1-share",
        "In healthy adults, stage N1 takes up about {} of total sleep time.",
        &[
            "What share of an adult's total sleep time is normally spent in stage N1?",
            "A 30-year-old's sleep study shows the light transitional stage N1. What share of total sleep is typical for it?",
        ],
        range(2.0, 5.0, 1.0, Unit::Percent),
        IOM_PHYSIOLOGY,
    ),
    fact_row(
        T,
        "arch-n2-share",
        "Stage N2 normally makes up about {} of an adult's total sleep time.",
        &[
            "What share of total sleep time does stage N2 normally take up in adults?",
            "Which range describes the typical adult proportion of N2 sleep?",
        ],
        range(45.0, 55.0, 5.0, Unit::Percent),
        IOM_PHYSIOLOGY,
    ),
    fact_row(
        T,
        "arch-rem-share",
        "REM sleep usually fills about {} of an adult's total sleep time.",
        &[
            "What share of total sleep time is REM sleep in a typical adult?",
            "A user's tracker reports REM sleep. Which proportion of total sleep is typical for a healthy adult?",
        ],
        range(20.0, 25.0, 5.0, Unit::Percent),
        IOM_PHYSIOLOGY,
    ),
    fact_row(
        T,
        "arch-n2-spindles",
        "Sleep spindles and K-complexes are the hallmarks of stage {}.",
        &[
            "Which sleep stage is marked by sleep spindles and K-complexes?",
            "A technician sees spindles and K-complexes on the EEG. Which stage is the sleeper in?",
        ],
        pick(Pool::SleepStage, "N2"),
        SILBER_SCORING,
    ),
    fact_row(
        T,
        "arch-sws-is-n3",
        "Slow-wave sleep is the name commonly used for stage {}.",
        &[
            "Which AASM stage is also called slow-wave sleep?",
            "In AASM terms, what stage does the phrase 'slow-wave sleep' refer to?",
        ],
        pick(Pool::SleepStage, "N3"),
        SILBER_SCORING,
    ),
    fact_row(
        T,
        "arch-sws-first-third",
        "Most slow-wave sleep occurs in {}.",
        &[
            "When in the night does most slow-wave sleep take place?",
            "A person wants to know when their deepest sleep usually happens. In which part of the night is it concentrated?",
        ],
        pick(Pool::NightPart, "the first third of the night"),
        NSF_CHAPTER,
    ),
    fact_row(
        T,
        "arch-rem-last-third",
        "Most REM sleep occurs in {}.",
        &[
            "When in the night does most REM sleep take place?",
            "Someone who cuts their night short by waking early loses mostly REM sleep. In which part of the night is REM concentrated?",
        ],
        pick(Pool::NightPart, "the last third of the night"),
        NSF_CHAPTER,
    ),
    fact_row(
        T,
        "arch-cycle-length",
        "One NREM-REM sleep cycle lasts roughly {}.",
        &[
            "About how long does one NREM-REM sleep cycle last?",
            "A student asks how long a typical sleep cycle lasts. Which duration is closest?",
        ],
        num_from(90.0, 45.0, 45.0, Unit::Minutes),
        NSF_CHAPTER,
    ),
    fact_row(
        T,
        "arch-brief-arousals",
        "The upper limit of brief, seconds-long arousals in healthy sleep is about {}.",
        &[
            "Up to how many brief arousals per hour can occur in healthy sleep?",
            "A healthy 25-year-old's study shows short arousals. Up to what rate is that still normal?",
        ],
        num(10.0, 5.0, Unit::PerHour),
        NSF_CHAPTER,
    ),
    fact_row(
        T,
        "arch-ohayon-se-after-60",
        "In Ohayon's 2004 meta-analysis, {} was the only measure that kept declining after age 60.",
        &[
            "Which sleep measure kept declining after age 60 in Ohayon's 2004 meta-analysis, when the others levelled off?",
            "A 75-year-old asks which sleep measure still worsens with age after 60. According to Ohayon's meta-analysis, which one?",
        ],
        pick(Pool::SleepMetric, "sleep efficiency"),
        OHAYON,
    ),
    fact_row(
        T,
        "arch-ohayon-sol-age",
        "Across adulthood, sleep onset latency {} with age.",
        &[
            "How does sleep onset latency change with age in adults, according to Ohayon's meta-analysis?",
            "Comparing a 30-year-old with a 70-year-old, what happens to sleep onset latency with age?",
        ],
        pick(Pool::Direction, "increases"),
        OHAYON,
    ),
    fact_row(
        T,
        "arch-ohayon-sws-age",
        "Across adulthood, the percentage of slow-wave sleep {} with age.",
        &[
            "How does the share of slow-wave sleep change across adulthood?",
            "Comparing younger and older adults, what happens to the percentage of slow-wave sleep?",
        ],
        pick(Pool::Direction, "decreases"),
        OHAYON,
    ),
    fact_row(
        T,
        "arch-ohayon-n1-age",
        "Across adulthood, the percentage of stage N1 sleep {} with age.",
        &[
            "How does the share of N1 sleep change across adulthood?",
            "What happens to the proportion of light N1 sleep as adults get older?",
        ],
        pick(Pool::Direction, "increases"),
        OHAYON,
    ),
    fact_row(
        T,
        "arch-ohayon-rem-latency-age",
        "Across adulthood, REM latency {} with age.",
        &[
            "How does REM latency change across adulthood, according to Ohayon's meta-analysis?",
            "Comparing healthy adults of different ages, what happens to REM latency as they get older?",
        ],
        pick(Pool::Direction, "decreases"),
        OHAYON,
    ),
    fact_row(
        T,
        "arch-boulos-tst-decade",
        "Total sleep time falls by about {} per decade of adult age.",
        &[
            "By about how much does total sleep time fall per decade of adult age in Boulos's 2019 meta-analysis?",
            "Per decade of age, how much shorter does adult sleep become on polysomnography?",
        ],
        num(10.0, 5.0, Unit::Minutes),
        BOULOS,
    ),
    fact_row(
        T,
        "arch-boulos-waso-decade",
        "Wake after sleep onset rises by about {} per decade of adult age.",
        &[
            "By about how much does wake after sleep onset increase per decade of adult age?",
            "According to Boulos's 2019 meta-analysis, how much more wake after sleep onset does each decade of age add?",
        ],
        num(10.0, 5.0, Unit::Minutes),
        BOULOS,
    ),
    fact_row(
        T,
        "arch-boulos-se-decade",
        "Sleep efficiency drops by about {} per decade of adult age.",
        &[
            "By about how much does sleep efficiency drop per decade of adult age?",
            "According to Boulos's 2019 meta-analysis, how many percentage points of sleep efficiency are lost per decade?",
        ],
        num(2.0, 2.0, Unit::Percent),
        BOULOS,
    ),
    fact_row(
        T,
        "arch-floyd-rem-decade",
        "The share of REM sleep falls by about {} per decade across adulthood, until the mid-seventies.",
        &[
            "By how much does the REM share of sleep fall per decade across adulthood?",
            "Across adult life, REM as a percentage of sleep declines slowly. At roughly what rate per decade?",
        ],
        num(0.6, 0.6, Unit::Percent),
        FLOYD,
    ),
    fact_row(
        T,
        "arch-nsf-no-consensus",
        "The National Sleep Foundation's panel reached no consensus on {} as an indicator of good sleep quality.",
        &[
            "On which measure did the National Sleep Foundation's sleep-quality panel fail to reach consensus?",
            "A wearable flags a user's deep-sleep share. Which of these measures lacked NSF consensus as a quality indicator?",
        ],
        pick_not(
            Pool::SleepMetric,
            "percentage of N3",
            &["total sleep time", "REM latency"],
        ),
        NSF_QUALITY,
    ),
];
