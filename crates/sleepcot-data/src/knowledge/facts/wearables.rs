//! Consumer wearables: what they export and how accurate they are.

use super::prelude::*;

const T: Topic = Topic::Wearables;
/// Altini and Kinnunen 2021, multi-sensor sleep staging with the Oura ring (Sensors).
const OURA_PSG: &str = "https://doi.org/10.3390/s21134302";
/// Oura ring against polysomnography in adolescents (PMC7894804).
const OURA_TEENS: &str = "https://pmc.ncbi.nlm.nih.gov/articles/PMC7894804/";
/// Apple HealthKit documentation, `HKCategoryValueSleepAnalysis.asleepCore`.
const HEALTHKIT_CORE: &str =
    "https://developer.apple.com/documentation/healthkit/hkcategoryvaluesleepanalysis/asleepcore";
/// Apple HealthKit documentation, `HKCategoryValueSleepAnalysis.asleepDeep`.
const HEALTHKIT_DEEP: &str =
    "https://developer.apple.com/documentation/healthkit/hkcategoryvaluesleepanalysis/asleepdeep";
/// Apple HealthKit documentation, `heartRateVariabilitySDNN`.
const HEALTHKIT_HRV: &str = "https://developer.apple.com/documentation/healthkit/hkquantitytypeidentifier/heartratevariabilitysdnn";
/// Oura support, the Sleep Score article.
const OURA_SCORE: &str = "https://support.ouraring.com/hc/en-us/articles/360025445574-Sleep-Score";
/// Oura support, the Readiness Contributors article.
const OURA_READINESS: &str =
    "https://support.ouraring.com/hc/en-us/articles/360057791533-Readiness-Contributors";
/// Oura support, the Heart Rate Variability article.
const OURA_HRV: &str =
    "https://support.ouraring.com/hc/en-us/articles/360025441974-Heart-Rate-Variability";
/// WHOOP developer API reference (the recovery score's `hrv_rmssd_milli` field).
const WHOOP_API: &str = "https://developer.whoop.com/api";
/// Quer et al. 2020, variability in daily resting heart rate in 92,457 adults (PLOS ONE).
const QUER: &str = "https://journals.plos.org/plosone/article?id=10.1371/journal.pone.0227709";
/// Sleep Foundation, respiratory rate during sleep.
const SLEEP_RR: &str = "https://www.sleepfoundation.org/sleep-apnea/sleep-respiratory-rate";

pub(super) const FACTS: &[Fact] = &[
    fact_row(
        T,
        "wear-oura-2stage-accuracy",
        "Against polysomnography, the Oura ring told sleep from wake with an accuracy of about {}.",
        &[
            "How accurately did the Oura ring separate sleep from wake compared with polysomnography?",
            "A ring user asks how well the device knows whether they are asleep at all. What two-stage accuracy was measured?",
        ],
        num(96.0, 5.0, Unit::Percent),
        OURA_PSG,
    ),
    fact_row(
        T,
        "wear-oura-4stage-accuracy",
        "Against polysomnography, the Oura ring classified four sleep stages with an accuracy of about {}.",
        &[
            "What four-stage accuracy did the Oura ring reach against polysomnography?",
            "How well does the Oura ring classify wake, light, deep and REM sleep compared with a sleep lab?",
        ],
        num(79.0, 5.0, Unit::Percent),
        OURA_PSG,
    ),
    fact_row(
        T,
        "wear-oura-teen-tst",
        "In adolescents, the Oura ring {} total sleep time compared with polysomnography.",
        &[
            "How did the Oura ring's total sleep time compare with polysomnography in adolescents?",
            "A 15-year-old's ring reports their night's sleep. In validation, how did its total sleep time estimate err?",
        ],
        pick(Pool::Bias, "underestimated"),
        OURA_TEENS,
    ),
    fact_row(
        T,
        "wear-oura-teen-waso",
        "In adolescents, the Oura ring {} wake after sleep onset compared with polysomnography.",
        &[
            "How did the Oura ring's wake after sleep onset compare with polysomnography in adolescents?",
            "In the adolescent validation study, which way was the ring's wake-after-sleep-onset estimate biased?",
        ],
        pick(Pool::Bias, "overestimated"),
        OURA_TEENS,
    ),
    fact_row(
        T,
        "wear-oura-teen-n3",
        "In adolescents, the Oura ring {} deep (N3) sleep compared with polysomnography.",
        &[
            "How did the Oura ring's deep-sleep estimate compare with polysomnography in adolescents?",
            "A teenager's ring shows plenty of deep sleep. In validation, which way was the ring's N3 estimate biased?",
        ],
        pick(Pool::Bias, "overestimated"),
        OURA_TEENS,
    ),
    fact_row(
        T,
        "wear-oura-teen-rem",
        "In adolescents, the Oura ring {} REM sleep compared with polysomnography.",
        &[
            "How did the Oura ring's REM estimate compare with polysomnography in adolescents?",
            "In the adolescent ring validation, which way was the REM-sleep estimate biased?",
        ],
        pick(Pool::Bias, "underestimated"),
        OURA_TEENS,
    ),
    fact_row(
        T,
        "wear-oura-teen-tst-size",
        "In adolescents, the Oura ring's total sleep time error reached up to about {}.",
        &[
            "By up to how much did the Oura ring underestimate total sleep time in adolescents?",
            "In the adolescent validation study, what was the upper end of the ring's total-sleep-time shortfall?",
        ],
        num(47.0, 10.0, Unit::Minutes),
        OURA_TEENS,
    ),
    fact_row(
        T,
        "wear-apple-hrv-metric",
        "Apple HealthKit's built-in heart rate variability sample reports {}.",
        &[
            "Which HRV measure does Apple HealthKit's built-in heart rate variability sample type report?",
            "A developer reads HRV from Apple HealthKit. Which metric do they receive?",
        ],
        pick(Pool::HrvMetric, "SDNN"),
        HEALTHKIT_HRV,
    ),
    fact_row(
        T,
        "wear-oura-hrv-metric",
        "Oura's night-time HRV is {} averaged over five-minute windows.",
        &[
            "Which HRV measure does Oura average over five-minute windows for its night-time HRV?",
            "A ring user compares HRV between apps. Which metric does Oura report at night?",
        ],
        pick(Pool::HrvMetric, "RMSSD"),
        OURA_HRV,
    ),
    fact_row(
        T,
        "wear-whoop-hrv-metric",
        "WHOOP's recovery data reports heart rate variability as {} in milliseconds.",
        &[
            "Which HRV measure does WHOOP's recovery data report?",
            "A developer reads the hrv field from WHOOP's recovery record. Which metric is it?",
        ],
        pick(Pool::HrvMetric, "RMSSD"),
        WHOOP_API,
    ),
    fact_row(
        T,
        "wear-healthkit-core",
        "Apple HealthKit's asleepCore value corresponds to AASM stages {}.",
        &[
            "Which AASM stages does Apple HealthKit's asleepCore value correspond to?",
            "An app maps Apple Watch sleep data onto AASM stages. What does 'core' sleep stand for?",
        ],
        pick(Pool::StageGroup, "N1 and N2 combined"),
        HEALTHKIT_CORE,
    ),
    fact_row(
        T,
        "wear-healthkit-deep",
        "Apple HealthKit's asleepDeep value corresponds to AASM stage {}.",
        &[
            "Which AASM stage does Apple HealthKit's asleepDeep value correspond to?",
            "An app maps Apple Watch 'deep' sleep onto AASM stages. Which stage is it?",
        ],
        pick(Pool::StageGroup, "N3 only"),
        HEALTHKIT_DEEP,
    ),
    fact_row(
        T,
        "wear-oura-optimal",
        "An Oura sleep score counts as Optimal from {} upwards.",
        &[
            "From what Oura sleep score upwards is a night rated Optimal?",
            "A ring user wants their sleep score in the top Oura band. Which score must they reach?",
        ],
        num(85.0, 5.0, Unit::Score),
        OURA_SCORE,
    ),
    fact_row(
        T,
        "wear-oura-good",
        "An Oura sleep score counts as Good from {} upwards, up to the Optimal band.",
        &[
            "From what Oura sleep score upwards is a night rated Good?",
            "Where does Oura's Good sleep-score band begin?",
        ],
        num(70.0, 5.0, Unit::Score),
        OURA_SCORE,
    ),
    fact_row(
        T,
        "wear-oura-rhr-contributor",
        "Oura lowers its resting-heart-rate readiness contributor when resting heart rate is {} above the personal average.",
        &[
            "How far above the personal average must resting heart rate be for Oura to lower its resting-heart-rate contributor?",
            "A ring user's resting heart rate creeps up after a late meal. By how much above their average does Oura start to mark it down?",
        ],
        range(3.0, 5.0, 1.0, Unit::Bpm),
        OURA_READINESS,
    ),
    fact_row(
        T,
        "wear-fitbit-rhr-mean",
        "Across about 92,000 Fitbit users, the mean daily resting heart rate was {}.",
        &[
            "What was the mean daily resting heart rate across about 92,000 Fitbit users?",
            "A 46-year-old compares their resting heart rate with a large wearable study. What was that study's mean?",
        ],
        num(65.0, 5.0, Unit::Bpm),
        QUER,
    ),
    fact_row(
        T,
        "wear-rhr-weekly-swings",
        "In a large Fitbit study, {} of people had at least one week in which resting heart rate shifted by 10 bpm or more.",
        &[
            "What share of people had at least one week with a resting-heart-rate swing of 10 bpm or more?",
            "A watch user sees their resting heart rate jump by 10 bpm for a week. How common was that in the Fitbit study?",
        ],
        num(20.0, 10.0, Unit::Percent),
        QUER,
    ),
    fact_row(
        T,
        "wear-adult-rr",
        "Adults at rest normally breathe {}.",
        &[
            "What is the normal resting respiratory rate for adults?",
            "A wearable reports a sleeping respiratory rate. Which range is normal for an adult at rest?",
        ],
        range(12.0, 20.0, 2.0, Unit::BreathsPerMin),
        SLEEP_RR,
    ),
];
