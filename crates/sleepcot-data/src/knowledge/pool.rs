//! Category pools: the sets that categorical answers and their distractors are drawn from.
//!
//! Every member of a pool is the same kind of thing (a stage, a disorder, a therapy...), so a
//! distractor is always a plausible answer to the question, just not the right one.

/// A named set of interchangeable category values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pool {
    /// AASM sleep stages.
    SleepStage,
    /// Parts of the night.
    NightPart,
    /// Direction of a change.
    Direction,
    /// How a device's estimate compares with polysomnography.
    Bias,
    /// Sleep disorders.
    Disorder,
    /// Components of cognitive behavioural therapy for insomnia and related therapies.
    CbtiComponent,
    /// Strength and direction of a guideline recommendation.
    GuidelineStrength,
    /// Hormones and neurochemicals involved in sleep.
    Neurochemical,
    /// Severity bands.
    Severity,
    /// Heart-rate-variability measures.
    HrvMetric,
    /// Sleep questionnaires and tests.
    Instrument,
    /// What a coach should do with a finding.
    Response,
    /// Time of day.
    TimeOfDay,
    /// Stage labels used by consumer devices.
    DeviceStage,
    /// Sleep measures in a wearable report.
    SleepMetric,
    /// Health outcomes (and implausible benefits) linked to sleep habits.
    Outcome,
    /// Sensors a wearable uses.
    Signal,
    /// Groups of AASM stages that a device label may stand for.
    StageGroup,
    /// Screening risk levels.
    Risk,
}

impl Pool {
    /// The members of the pool, in a fixed order.
    pub fn members(self) -> &'static [&'static str] {
        match self {
            Pool::SleepStage => &["N1", "N2", "N3", "REM", "wake"],
            Pool::NightPart => &[
                "the first third of the night",
                "the middle third of the night",
                "the last third of the night",
                "evenly across the night",
            ],
            Pool::Direction => &[
                "increases",
                "decreases",
                "stays roughly the same",
                "swings up and down at random",
            ],
            Pool::Bias => &[
                "underestimated",
                "overestimated",
                "matched almost exactly",
                "not reported at all",
            ],
            Pool::Disorder => &[
                "obstructive sleep apnea",
                "chronic insomnia disorder",
                "delayed sleep-wake phase disorder",
                "shift work disorder",
                "restless legs syndrome",
                "narcolepsy type 1",
                "narcolepsy type 2",
                "REM sleep behavior disorder",
            ],
            Pool::CbtiComponent => &[
                "stimulus control",
                "sleep restriction",
                "cognitive therapy",
                "relaxation training",
                "sleep hygiene education",
            ],
            Pool::GuidelineStrength => &[
                "a strong recommendation for",
                "a conditional recommendation for",
                "a conditional recommendation against",
                "a strong recommendation against",
            ],
            Pool::Neurochemical => &[
                "melatonin",
                "cortisol",
                "hypocretin-1 (orexin-A)",
                "adenosine",
                "growth hormone",
                "insulin",
            ],
            Pool::Severity => &["normal", "mild", "moderate", "severe"],
            Pool::HrvMetric => &["RMSSD", "SDNN", "pNN50", "the LF/HF ratio"],
            Pool::Instrument => &[
                "the Pittsburgh Sleep Quality Index (PSQI)",
                "the Epworth Sleepiness Scale (ESS)",
                "the Insomnia Severity Index (ISI)",
                "the STOP-BANG questionnaire",
                "the Multiple Sleep Latency Test (MSLT)",
            ],
            Pool::Response => &[
                "general sleep-hygiene tips only",
                "a referral for a sleep study",
                "urgent medical care",
                "stopping driving and prompt medical evaluation",
                "video polysomnography and a neurology review",
                "a sleep-physician referral for an MSLT",
                "no action, because this is normal",
                "an over-the-counter sleeping pill",
            ],
            Pool::TimeOfDay => &["morning", "early afternoon", "evening", "midday"],
            Pool::DeviceStage => &["deep sleep", "light sleep", "REM sleep", "awake"],
            Pool::SleepMetric => &[
                "sleep onset latency",
                "wake after sleep onset",
                "sleep efficiency",
                "total sleep time",
                "REM latency",
                "percentage of N3",
            ],
            Pool::Outcome => &[
                "self-harm and suicidal thoughts",
                "overweight or obesity",
                "metabolic syndrome",
                "better exam results",
                "faster growth",
                "fewer infections",
            ],
            Pool::Signal => &[
                "an accelerometer",
                "a pulse oximeter",
                "a skin thermometer",
                "a microphone",
            ],
            Pool::StageGroup => &[
                "N1 and N2 combined",
                "N3 only",
                "REM only",
                "wake only",
                "N2 and N3 combined",
            ],
            Pool::Risk => &["low", "intermediate", "high", "critical"],
        }
    }
}
