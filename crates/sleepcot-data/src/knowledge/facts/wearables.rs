//! Consumer wearables: what they export and how accurate they are.

use super::prelude::*;

const T: Topic = Topic::Wearables;
const OURA_PSG: &str = "https://0-www-mdpi-com.brum.beds.ac.uk/1424-8220/21/13/4302";
const OURA_TEENS: &str = "https://pmc.ncbi.nlm.nih.gov/articles/PMC7894804";
const HEALTHKIT_STAGES: &str =
    "https://learn.microsoft.com/en-us/dotnet/api/healthkit.hkcategoryvaluesleepanalysis";
const OURA_SDK: &str = "https://deno.land/x/oura_api@0.4.0/mod.ts?s=Sleep";
const OURA_SCORE: &str = "https://support.ouraring.com/hc/en-us/articles/360025445574-Sleep-Score";
const OURA_READINESS: &str =
    "https://support.ouraring.com/hc/en-us/articles/360057791533-Readiness-Contributors";
const FITBIT_SCORE: &str = "https://www.techplip.com/fitbit-sleep-score/";
const QUER: &str = "https://journals.plos.org/plosone/article?id=10.1371/journal.pone.0227709";

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
        "https://developer.apple.com/documentation/healthkit/hkquantitytypeidentifier/heartratevariabilitysdnn.md",
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
        "https://support.ouraring.com/hc/en-us/articles/360025441974-Heart-Rate-Variability",
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
        "https://raw.githubusercontent.com/api-evangelist/whoop/refs/heads/main/json-schema/whoop-recoveryscore-schema.json",
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
        HEALTHKIT_STAGES,
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
        HEALTHKIT_STAGES,
    ),
    fact_row(
        T,
        "wear-oura-phase-1",
        "In Oura's sleep_phase_5_min string, the character '1' stands for {}.",
        &[
            "What does the character '1' mean in Oura's sleep_phase_5_min string?",
            "A developer parses Oura's five-minute hypnogram string. Which stage does '1' encode?",
        ],
        pick(Pool::DeviceStage, "deep sleep"),
        OURA_SDK,
    ),
    fact_row(
        T,
        "wear-oura-phase-3",
        "In Oura's sleep_phase_5_min string, the character '3' stands for {}.",
        &[
            "What does the character '3' mean in Oura's sleep_phase_5_min string?",
            "A developer parses Oura's five-minute hypnogram string. Which stage does '3' encode?",
        ],
        pick(Pool::DeviceStage, "REM sleep"),
        OURA_SDK,
    ),
    fact_row(
        T,
        "wear-oura-phase-4",
        "In Oura's sleep_phase_5_min string, the character '4' stands for {}.",
        &[
            "What does the character '4' mean in Oura's sleep_phase_5_min string?",
            "A developer parses Oura's five-minute hypnogram string. Which state does '4' encode?",
        ],
        pick(Pool::DeviceStage, "awake"),
        OURA_SDK,
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
        "wear-fitbit-excellent",
        "A Fitbit sleep score counts as excellent from {} upwards.",
        &[
            "From what Fitbit sleep score upwards is a night rated excellent?",
            "A Fitbit user wants an excellent sleep score. What is the lowest score in that band?",
        ],
        num(90.0, 5.0, Unit::Score),
        FITBIT_SCORE,
    ),
    fact_row(
        T,
        "wear-fitbit-poor",
        "The boundary of Fitbit's poor band, below which a sleep score counts as poor, is {}.",
        &[
            "Below what Fitbit sleep score is a night rated poor?",
            "Where does Fitbit's poor sleep-score band end?",
        ],
        num(60.0, 5.0, Unit::Score),
        FITBIT_SCORE,
    ),
    fact_row(
        T,
        "wear-whoop-green",
        "A WHOOP recovery score is green from {} upwards.",
        &[
            "From what WHOOP recovery score upwards is recovery shown as green?",
            "A WHOOP user's recovery turns green. What is the lowest score in the green band?",
        ],
        num(67.0, 5.0, Unit::Score),
        "https://ifttt.com/whoop/triggers/new_recovery_score",
    ),
    fact_row(
        T,
        "wear-garmin-average",
        "The average Garmin sleep score in 2024 was about {}.",
        &[
            "What was the average Garmin sleep score across users in 2024?",
            "A Garmin user scores 75. What was the typical (average) 2024 Garmin sleep score to compare it with?",
        ],
        num(71.0, 5.0, Unit::Score),
        "https://www.garminology.com/2025/02/01/how-garmin-calculates-sleep-score-and-tracks-your-sleep/",
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
        "wear-whoop-hrv-men",
        "Among WHOOP members, men's mean HRV is about {}.",
        &[
            "What is the mean HRV of male WHOOP members?",
            "A male WHOOP user compares his HRV with the membership. What is the male average?",
        ],
        num(65.0, 10.0, Unit::Millis),
        "https://www.whoop.com/gb/en/thelocker/normal-hrv-range-age-gender/",
    ),
    fact_row(
        T,
        "wear-hr-dip",
        "The night-time heart-rate dip, relative to daytime, below which a person is called a non-dipper is {}.",
        &[
            "Below what night-time heart-rate dip, relative to daytime, is a person called a non-dipper?",
            "A watch shows a small fall in heart rate overnight compared with the day. Under what dip is that non-dipping?",
        ],
        num(10.0, 5.0, Unit::Percent),
        "https://scienceinsights.org/what-is-a-healthy-sleeping-heart-rate-dip",
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
        "https://www.sleepfoundation.org/sleep-apnea/sleep-respiratory-rate",
    ),
    fact_row(
        T,
        "wear-fitbit-short-sleep-code",
        "The duration under which Fitbit marks a sleep log as too short to stage (infoCode 2) is {}.",
        &[
            "Below what duration does Fitbit flag a sleep log with infoCode 2 (too short)?",
            "A Fitbit nap log has no stages and infoCode 2. Under what length does that happen?",
        ],
        num(3.0, 1.0, Unit::Hours),
        "https://app.unpkg.com/fitbit-api-client@0.4.6/files/dist/models/sleep.d.ts",
    ),
];
