//! Obstructive sleep apnea: AHI bands, event scoring, oxygen saturation and wearable screening.

use super::prelude::*;

const T: Topic = Topic::Apnea;
/// American Sleep Apnea Association, what the apnea-hypopnea index represents.
const AHI: &str = "https://www.sleepapnea.org/ufaqs/what-is-ahi-represent/";
/// Epstein et al. 2009, AASM clinical guideline on obstructive sleep apnea in adults (JCSM).
const OSA_GUIDELINE: &str = "https://pmc.ncbi.nlm.nih.gov/articles/PMC2699173/";
/// Berry et al. 2012, rules for scoring respiratory events in sleep (JCSM).
const SCORING_2012: &str = "https://jcsm.aasm.org/doi/10.5664/jcsm.2172";
/// Duce et al. 2015, the 2012 AASM respiratory event criteria increase hypopneas (JCSM).
const RULES_2012_EFFECT: &str = "https://pmc.ncbi.nlm.nih.gov/articles/PMC4661335/";
/// Gries and Brooks 1996, normal oxyhemoglobin saturation during sleep (Chest).
const GRIES: &str = "https://pubmed.ncbi.nlm.nih.gov/8989066/";
/// Chung et al. 2012, oxygen desaturation index from nocturnal oximetry (Anesth Analg).
const ODI_CUTOFF: &str = "https://doi.org/10.1213/ANE.0b013e318248f4f5";
/// Desaturations counted during wake and the oxygen desaturation index (PMC11063702).
const ODI_WAKE: &str = "https://pmc.ncbi.nlm.nih.gov/articles/PMC11063702/";
/// Apple, "Estimating Breathing Disturbances and Sleep Apnea Risk from Apple Watch" (2024).
const APPLE_OSA: &str = "https://www.apple.com/health/pdf/sleep-apnea/Sleep_Apnea_Notifications_on_Apple_Watch_September_2024.pdf";

pub(super) const FACTS: &[Fact] = &[
    fact_row(
        T,
        "apnea-ahi-normal",
        "The upper limit of a normal adult apnea-hypopnea index (values below it are normal) is {}.",
        &[
            "Below what apnea-hypopnea index (AHI) is an adult's breathing during sleep considered normal?",
            "A home sleep test reports an AHI. Below which value is it within the normal range?",
        ],
        num(5.0, 5.0, Unit::PerHour),
        AHI,
    ),
    fact_row(
        T,
        "apnea-ahi-moderate-threshold",
        "Moderate obstructive sleep apnea begins at an apnea-hypopnea index of {}.",
        &[
            "At what apnea-hypopnea index does moderate sleep apnea begin?",
            "Where is the lower boundary of the moderate AHI band?",
        ],
        num(15.0, 5.0, Unit::PerHour),
        AHI,
    ),
    fact_row(
        T,
        "apnea-ahi-severe-threshold",
        "Severe obstructive sleep apnea begins at an apnea-hypopnea index of {}.",
        &[
            "At what apnea-hypopnea index does severe sleep apnea begin?",
            "A sleep study reports a high AHI. From which value upward is sleep apnea called severe?",
        ],
        num(30.0, 5.0, Unit::PerHour),
        AHI,
    ),
    fact_row(
        T,
        "apnea-ahi-22-band",
        "An apnea-hypopnea index of 22 events per hour falls in the {} range.",
        &[
            "How is an AHI of 22 events per hour classified?",
            "A 55-year-old's sleep study shows an AHI of 22. Which severity band is that?",
        ],
        pick(Pool::Severity, "moderate"),
        AHI,
    ),
    fact_row(
        T,
        "apnea-ahi-8-band",
        "An apnea-hypopnea index of 8 events per hour falls in the {} range.",
        &[
            "How is an AHI of 8 events per hour classified?",
            "A snorer's home test gives an AHI of 8. Which severity band applies?",
        ],
        pick(Pool::Severity, "mild"),
        AHI,
    ),
    fact_row(
        T,
        "apnea-ahi-41-band",
        "An apnea-hypopnea index of 41 events per hour falls in the {} range.",
        &[
            "How is an AHI of 41 events per hour classified?",
            "A patient's polysomnography shows an AHI of 41. Which severity band is that?",
        ],
        pick(Pool::Severity, "severe"),
        AHI,
    ),
    fact_row(
        T,
        "apnea-ahi-3-band",
        "An apnea-hypopnea index of 3 events per hour falls in the {} range.",
        &[
            "How is an AHI of 3 events per hour classified?",
            "A worried 30-year-old's sleep test shows an AHI of 3. How should it be read?",
        ],
        pick(Pool::Severity, "normal"),
        AHI,
    ),
    fact_row(
        T,
        "apnea-dx-without-symptoms",
        "Obstructive sleep apnea can be diagnosed without symptoms once the apnea-hypopnea index reaches {}.",
        &[
            "From what AHI can obstructive sleep apnea be diagnosed even without symptoms?",
            "A patient has no daytime symptoms. At what AHI would sleep apnea still be diagnosed?",
        ],
        num(15.0, 5.0, Unit::PerHour),
        OSA_GUIDELINE,
    ),
    fact_row(
        T,
        "apnea-dx-with-symptoms",
        "With symptoms present, the lowest apnea-hypopnea index at which obstructive sleep apnea is diagnosed is {}.",
        &[
            "When symptoms are present, what AHI is enough for an obstructive sleep apnea diagnosis?",
            "A sleepy, snoring patient has a modest AHI. From which value is sleep apnea diagnosed given the symptoms?",
        ],
        num(5.0, 5.0, Unit::PerHour),
        OSA_GUIDELINE,
    ),
    fact_row(
        T,
        "apnea-flow-drop",
        "An apnea is scored when airflow falls by at least {}.",
        &[
            "By how much must airflow fall for an event to be scored as an apnea?",
            "A sleep technician scores breathing events. What airflow reduction defines an apnea?",
        ],
        num(90.0, 10.0, Unit::Percent),
        SCORING_2012,
    ),
    fact_row(
        T,
        "apnea-event-duration",
        "A breathing event must last at least {} to be scored as an apnea or hypopnea.",
        &[
            "What is the minimum duration of a scored apnea or hypopnea?",
            "How long must a reduction in airflow last before it can count as a breathing event?",
        ],
        num(10.0, 5.0, Unit::Seconds),
        SCORING_2012,
    ),
    fact_row(
        T,
        "apnea-hypopnea-flow",
        "A hypopnea requires airflow to fall by at least {} under the AASM rules.",
        &[
            "By how much must airflow fall for a hypopnea under the AASM rules?",
            "What minimum airflow reduction is needed to score a hypopnea?",
        ],
        num(30.0, 10.0, Unit::Percent),
        SCORING_2012,
    ),
    fact_row(
        T,
        "apnea-hypopnea-rule-1a",
        "The AASM's recommended adult hypopnea rule needs an oxygen desaturation of at least {} or an arousal.",
        &[
            "What desaturation does the AASM's recommended hypopnea rule require, if there is no arousal?",
            "Under the AASM's recommended hypopnea rule, what drop in oxygen saturation qualifies the event?",
        ],
        num(3.0, 1.0, Unit::Percent),
        SCORING_2012,
    ),
    fact_row(
        T,
        "apnea-hypopnea-rule-1b",
        "The AASM's alternative hypopnea rule, which does not count arousals, needs an oxygen desaturation of at least {}.",
        &[
            "What desaturation does the AASM's alternative hypopnea rule, which ignores arousals, require?",
            "Under the AASM's alternative hypopnea rule, what drop in oxygen saturation is needed?",
        ],
        num(4.0, 1.0, Unit::Percent),
        SCORING_2012,
    ),
    fact_row(
        T,
        "apnea-2012-rules-effect",
        "Under the AASM 2012 scoring rules, the median apnea-hypopnea index was about {} higher than under the 2007 recommended rule.",
        &[
            "By how much did the median AHI rise when the AASM 2012 scoring rules replaced the 2007 recommended rule?",
            "Switching from the 2007 to the 2012 AASM hypopnea rules changes the AHI. By roughly how much did the median rise?",
        ],
        num(90.0, 20.0, Unit::Percent),
        RULES_2012_EFFECT,
    ),
    fact_row(
        T,
        "apnea-spo2-nadir-healthy",
        "In healthy people, the lowest oxygen saturation during a night averages about {}.",
        &[
            "In healthy people, what is the average lowest oxygen saturation over a night?",
            "A healthy 35-year-old's ring shows a brief overnight SpO2 dip. What nadir is typical in healthy sleepers?",
        ],
        num(90.0, 3.0, Unit::Percent),
        GRIES,
    ),
    fact_row(
        T,
        "apnea-spo2-median-healthy",
        "In healthy people, the median oxygen saturation during sleep averages {}.",
        &[
            "What is the median oxygen saturation during sleep in healthy people?",
            "A healthy person's overnight SpO2 median is reported. Which value is typical according to Gries and Brooks?",
        ],
        // Step 2 keeps distractors clear of the over-60 median (95.1%), a narrower reading.
        num(96.5, 2.0, Unit::Percent),
        GRIES,
    ),
    fact_row(
        T,
        "apnea-spo2-median-over-60",
        "In healthy people over 60, the median oxygen saturation during sleep averages {}.",
        &[
            "What is the median overnight oxygen saturation in healthy people over 60?",
            "A healthy 70-year-old's overnight SpO2 median is reported. Which value is typical for this age?",
        ],
        num(95.1, 1.5, Unit::Percent),
        GRIES,
    ),
    fact_row(
        T,
        "apnea-odi-normal",
        "The oxygen desaturation index cut-off, below which the result is normal, is {}.",
        &[
            "Below what oxygen desaturation index (4% drops) is the result considered normal?",
            "A pulse-oximetry report shows an ODI. Below which value is it normal?",
        ],
        num(5.0, 5.0, Unit::PerHour),
        ODI_CUTOFF,
    ),
    fact_row(
        T,
        "apnea-odi-wake-inflation",
        "Counting desaturations during wake inflates the oxygen desaturation index, most of all when sleep efficiency is at or below a threshold of {}.",
        &[
            "At what sleep efficiency or below does counting wake desaturations inflate the ODI the most?",
            "A device counts SpO2 drops during wake as well as sleep. Below which sleep efficiency is the ODI distorted the most?",
        ],
        num(75.0, 5.0, Unit::Percent),
        ODI_WAKE,
    ),
    fact_row(
        T,
        "apnea-apple-sensitivity",
        "Apple's sleep apnea notification detected moderate-to-severe sleep apnea with a sensitivity of about {}.",
        &[
            "What sensitivity did Apple's sleep apnea notification reach for moderate-to-severe sleep apnea?",
            "A watch user asks how many moderate-to-severe sleep apnea cases Apple's notification catches. Which figure matches its validation?",
        ],
        num(66.3, 10.0, Unit::Percent),
        APPLE_OSA,
    ),
    fact_row(
        T,
        "apnea-apple-specificity",
        "Apple's sleep apnea notification had a specificity of {} for moderate-to-severe sleep apnea.",
        &[
            "What specificity did Apple's sleep apnea notification reach in validation?",
            "How often does Apple's sleep apnea notification stay silent for people without moderate-to-severe apnea?",
        ],
        num(98.5, 3.0, Unit::Percent),
        APPLE_OSA,
    ),
    fact_row(
        T,
        "apnea-apple-sensor",
        "Apple Watch's Breathing Disturbances measure is derived from {}.",
        &[
            "Which sensor does the Apple Watch use for its Breathing Disturbances measure?",
            "Apple's sleep apnea notification relies on Breathing Disturbances. Which sensor produces that signal?",
        ],
        pick(Pool::Signal, "an accelerometer"),
        APPLE_OSA,
    ),
    fact_row(
        T,
        "apnea-apple-window",
        "Apple's sleep apnea notification judges Breathing Disturbances over a window of {}.",
        &[
            "Over what window does Apple evaluate Breathing Disturbances before sending a sleep apnea notification?",
            "How many days of Breathing Disturbances data does Apple's notification consider?",
        ],
        num(30.0, 10.0, Unit::Count("days")),
        APPLE_OSA,
    ),
];
