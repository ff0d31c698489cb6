//! Warning signs that move a case from sleep coaching to a physician.

use super::prelude::*;

const T: Topic = Topic::RedFlags;
/// Epstein et al. 2009, AASM clinical guideline on obstructive sleep apnea in adults (JCSM).
const OSA_GUIDELINE: &str = "https://pmc.ncbi.nlm.nih.gov/articles/PMC2699173/";
/// St Louis et al. 2017, REM sleep behavior disorder: diagnosis and implications (Mayo Clin Proc).
const RBD: &str = "https://pmc.ncbi.nlm.nih.gov/articles/PMC6095693/";
/// The Epworth Sleepiness Scale's official site (M. W. Johns), about the ESS and its score bands.
const ESS_OFFICIAL: &str = "https://epworthsleepinessscale.com/about-the-ess/";
/// US Department of Veterans Affairs, My HealtheVet, the Insomnia Severity Index.
const ISI: &str =
    "https://mhvidp-prod.myhealth.va.gov/mhv-portal-web/web/myhealthevet/insomnia-severity-index";
/// Sateia 2014, ICSD-3 highlights and modifications (Chest), chronic insomnia disorder criteria.
const ICSD: &str = "https://pubmed.ncbi.nlm.nih.gov/25367475/";
/// Paruthi et al. 2016, the AASM pediatric consensus: methodology and discussion (JCSM).
const AASM_PEDS: &str = "https://jcsm.aasm.org/doi/10.5664/jcsm.6288";

// Responses that a reasonable reader could also defend are listed as also true, so they are
// never offered as distractors.

/// Witnessed apneas: video polysomnography is a sleep study too.
const APNEA_ALSO: &[&str] = &["video polysomnography and a neurology review"];
/// Snoring with sleepiness: as for apneas, and a sleepy person is rightly told not to drive.
const SLEEPY_SNORER_ALSO: &[&str] = &[
    "video polysomnography and a neurology review",
    "stopping driving and prompt medical evaluation",
];
/// Adult dream enactment: a sleep study or a sleep physician's review also leads to video PSG.
const ENACTMENT_ALSO: &[&str] = &[
    "a referral for a sleep study",
    "a sleep-physician referral for an MSLT",
];
/// Cataplexy: the work-up starts with polysomnography, narcolepsy is a neurological disorder,
/// and excessive sleepiness makes driving advice right too.
const CATAPLEXY_ALSO: &[&str] = &[
    "a referral for a sleep study",
    "video polysomnography and a neurology review",
    "stopping driving and prompt medical evaluation",
];

pub(super) const FACTS: &[Fact] = &[
    fact_row(
        T,
        "red-witnessed-apneas",
        "Witnessed pauses in breathing, choking or gasping during sleep call for {}.",
        &[
            "A partner reports that a 50-year-old stops breathing and gasps during sleep. What is the right response?",
            "What should follow witnessed breathing pauses or choking during sleep?",
        ],
        pick_not(Pool::Response, "a referral for a sleep study", APNEA_ALSO),
        OSA_GUIDELINE,
    ),
    fact_row(
        T,
        "red-snoring-sleepy",
        "Loud snoring together with daytime sleepiness calls for {}.",
        &[
            "A loud snorer is also very sleepy during the day. What should a sleep coach recommend?",
            "What is the appropriate step when loud snoring comes with daytime sleepiness?",
        ],
        pick_not(
            Pool::Response,
            "a referral for a sleep study",
            SLEEPY_SNORER_ALSO,
        ),
        OSA_GUIDELINE,
    ),
    fact_row(
        T,
        "red-dream-enactment",
        "Dream enactment or a parasomnia that starts in adulthood calls for {}.",
        &[
            "A 62-year-old has started acting out his dreams. What is the appropriate next step?",
            "What does new dream enactment in an adult require?",
        ],
        pick_not(
            Pool::Response,
            "video polysomnography and a neurology review",
            ENACTMENT_ALSO,
        ),
        RBD,
    ),
    fact_row(
        T,
        "red-cataplexy",
        "Cataplexy, or repeated sleep-onset REM together with excessive sleepiness, calls for {}.",
        &[
            "A sleepy teenager has attacks of muscle weakness when laughing. What should be recommended?",
            "What is the right response to cataplexy or repeated sleep-onset REM with excessive sleepiness?",
        ],
        pick_not(
            Pool::Response,
            "a sleep-physician referral for an MSLT",
            CATAPLEXY_ALSO,
        ),
        NARCOLEPSY_SOURCE,
    ),
    fact_row(
        T,
        "red-ess-severe",
        "The severe band of the Epworth Sleepiness Scale, which warrants a physician, starts at a score of {}.",
        &[
            "From what Epworth Sleepiness Scale score is sleepiness severe enough to need a physician?",
            "A driver scores high on the Epworth scale. From which score does it count as severe?",
        ],
        num(16.0, 2.0, Unit::Points),
        ESS_OFFICIAL,
    ),
    fact_row(
        T,
        "red-isi-referral",
        "An Insomnia Severity Index score of {} marks the start of clinical insomnia that warrants referral.",
        &[
            "From which Insomnia Severity Index score should a person be referred for clinical insomnia?",
            "A user completes the ISI. At which score does moderate clinical insomnia, and referral, begin?",
        ],
        num(15.0, 3.0, Unit::Points),
        ISI,
    ),
    fact_row(
        T,
        "red-insomnia-duration",
        "Insomnia that resists self-help becomes chronic insomnia disorder, a case for a clinician, once it has lasted {}.",
        &[
            "After how long does insomnia that resists self-help count as chronic insomnia disorder and go to a clinician?",
            "A user has tried sleep hygiene without success. After what duration does their insomnia count as chronic and need a referral?",
        ],
        num_from(3.0, 1.0, 2.0, Unit::Months),
        ICSD,
    ),
    fact_row(
        T,
        "red-teen-short-sleep",
        "Chronic short sleep in teenagers is a warning sign because it is associated with {}.",
        &[
            "Why is chronic short sleep in teenagers treated as a warning sign?",
            "A 16-year-old sleeps five hours a night for months. Which risk makes this a red flag?",
        ],
        pick_not(
            Pool::Outcome,
            "self-harm and suicidal thoughts",
            &["overweight or obesity", "metabolic syndrome"],
        ),
        AASM_PEDS,
    ),
];

/// ICSD-3-TR narcolepsy criteria, as tabulated in PMC11217630 (table 1).
const NARCOLEPSY_SOURCE: &str = "https://pmc.ncbi.nlm.nih.gov/articles/PMC11217630/table/t1";
