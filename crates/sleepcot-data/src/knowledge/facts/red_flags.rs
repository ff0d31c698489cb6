//! Warning signs that move a case from sleep coaching to a physician.

use super::prelude::*;

const T: Topic = Topic::RedFlags;
const ADAM: &str = "https://benergy2.adam.com/content.aspx?gid=000148&pid=42&productid=112";
const URGENT: &str = "https://sleepdebtfree.com/when-to-see-doctor";

// Responses that a reasonable reader could also defend are listed as also true, so they are
// never offered as distractors.

/// Witnessed apneas: video polysomnography is a sleep study too.
const APNEA_ALSO: &[&str] = &["video polysomnography and a neurology review"];
/// Snoring with sleepiness: as for apneas, and a sleepy person is rightly told not to drive.
const SLEEPY_SNORER_ALSO: &[&str] = &[
    "video polysomnography and a neurology review",
    "stopping driving and prompt medical evaluation",
];
/// Dozing at the wheel: any prompt medical route, a sleep physician's included, is defensible.
const DROWSY_DRIVING_ALSO: &[&str] = &[
    "a referral for a sleep study",
    "urgent medical care",
    "a sleep-physician referral for an MSLT",
];
/// Chest pain, breathing difficulty, confusion or severe headache: prompt evaluation is close
/// to urgent care, and a sleep study is rarely wrong advice.
const URGENT_ALSO: &[&str] = &[
    "a referral for a sleep study",
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
        ADAM,
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
        ADAM,
    ),
    fact_row(
        T,
        "red-drowsy-driving",
        "Falling asleep at the wheel calls for {}.",
        &[
            "A user mentions dozing off while driving. What is the appropriate response?",
            "What should happen after someone falls asleep while driving?",
        ],
        pick_not(
            Pool::Response,
            "stopping driving and prompt medical evaluation",
            DROWSY_DRIVING_ALSO,
        ),
        ADAM,
    ),
    fact_row(
        T,
        "red-chest-pain-night",
        "Chest pain or difficulty breathing during sleep calls for {}.",
        &[
            "A user reports chest pain and trouble breathing at night. What is the right response?",
            "What response does chest pain or difficulty breathing during sleep require?",
        ],
        pick_not(Pool::Response, "urgent medical care", URGENT_ALSO),
        URGENT,
    ),
    fact_row(
        T,
        "red-confusion-headache",
        "Confusion or a severe headache on waking calls for {}.",
        &[
            "A 60-year-old wakes confused and with a severe headache. What should be advised?",
            "What response does confusion or severe headache on waking require?",
        ],
        pick_not(Pool::Response, "urgent medical care", URGENT_ALSO),
        URGENT,
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
        "https://pharmacy-notebook.com/en-gb/simplepage.cfm?ID=x20200513195330742397&linkID=80976",
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
        "https://all-about-sleep.com/2019/08/12/epworth-sleepiness-scale/",
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
        "https://mhvidp-prod.myhealth.va.gov/mhv-portal-web/web/myhealthevet/insomnia-severity-index",
    ),
    fact_row(
        T,
        "red-insomnia-duration",
        "The duration after which insomnia that resists self-help should be seen by a clinician is {}.",
        &[
            "After how long should insomnia that resists self-help be referred to a clinician?",
            "A user has tried sleep hygiene without success. After what duration should they be referred?",
        ],
        num_from(3.0, 1.0, 2.0, Unit::Months),
        "https://www.homesleeptest.co.uk/post/clinical-guideline-for-the-evaluation-and-management-of-chronic-insomnia-in-adults",
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
        "https://jcsm.aasm.org/doi/10.5664/jcsm.6288",
    ),
];

const NARCOLEPSY_SOURCE: &str = "https://pmc.ncbi.nlm.nih.gov/articles/PMC11217630/table/t1";
