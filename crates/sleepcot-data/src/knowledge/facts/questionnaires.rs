//! Sleep questionnaires and tests: PSQI, ESS, ISI, STOP-BANG and their cut-offs.

use super::prelude::*;

const T: Topic = Topic::Questionnaires;
/// Buysse et al. 1989, the Pittsburgh Sleep Quality Index (Psychiatry Res).
const PSQI: &str = "https://pubmed.ncbi.nlm.nih.gov/2748771/";
/// The Epworth Sleepiness Scale's official site (M. W. Johns), about the ESS and its score bands.
const ESS_BANDS: &str = "https://epworthsleepinessscale.com/about-the-ess/";
/// Johns 1991, a new method for measuring daytime sleepiness: the Epworth Sleepiness Scale (Sleep).
const ESS_ITEMS: &str = "https://pubmed.ncbi.nlm.nih.gov/1798888/";
/// US Department of Veterans Affairs, My HealtheVet, the Insomnia Severity Index.
const ISI: &str =
    "https://mhvidp-prod.myhealth.va.gov/mhv-portal-web/web/myhealthevet/insomnia-severity-index";
/// Chung et al. 2016, STOP-Bang questionnaire: a practical approach to screen for OSA (Chest).
const STOP_BANG: &str = "https://pubmed.ncbi.nlm.nih.gov/26378880/";
/// STOP-Bang items and cut-offs, the table the reference notes cite (PMC9214376, table T2).
const STOP_BANG_ITEMS: &str = "https://pmc.ncbi.nlm.nih.gov/articles/PMC9214376/table/T2";

pub(super) const FACTS: &[Fact] = &[
    fact_row(
        T,
        "q-psqi-cutoff",
        "The global PSQI cut-off that separates poor sleepers (above it) from good sleepers is {}.",
        &[
            "Above what global PSQI score is someone classed as a poor sleeper?",
            "A patient fills in the Pittsburgh Sleep Quality Index. Above which global score are they a poor sleeper?",
        ],
        num(5.0, 2.0, Unit::Points),
        PSQI,
    ),
    fact_row(
        T,
        "q-psqi-components",
        "The PSQI global score is the sum of {}, each scored 0 to 3.",
        &[
            "How many component scores make up the PSQI global score?",
            "The Pittsburgh Sleep Quality Index adds up several components scored 0-3. How many?",
        ],
        num(7.0, 2.0, Unit::Count("components")),
        PSQI,
    ),
    fact_row(
        T,
        "q-psqi-items",
        "The PSQI contains {} rated by the person themselves.",
        &[
            "How many self-rated items does the PSQI contain?",
            "Leaving out the bed-partner questions, how many self-rated questions does the Pittsburgh Sleep Quality Index have?",
        ],
        num(19.0, 3.0, Unit::Count("items")),
        PSQI,
    ),
    fact_row(
        T,
        "q-psqi-max",
        "The PSQI global score runs from 0 to {}.",
        &[
            "What is the maximum PSQI global score?",
            "The Pittsburgh Sleep Quality Index global score ranges from 0 up to what value?",
        ],
        num(21.0, 3.0, Unit::Points),
        PSQI,
    ),
    fact_row(
        T,
        "q-psqi-sensitivity",
        "The PSQI cut-off separated good from poor sleepers with a sensitivity of {}.",
        &[
            "What sensitivity did the PSQI cut-off reach in Buysse's 1989 validation?",
            "How well did the original PSQI cut-off detect poor sleepers (sensitivity)?",
        ],
        num(89.6, 3.0, Unit::Percent),
        PSQI,
    ),
    fact_row(
        T,
        "q-psqi-latency-zero",
        "The longest sleep latency that still scores 0 on the PSQI sleep-latency item is {}.",
        &[
            "Up to what sleep latency does the PSQI latency item score 0?",
            "A respondent usually falls asleep quickly. Up to which latency does the PSQI give 0 points for it?",
        ],
        num(15.0, 5.0, Unit::Minutes),
        PSQI,
    ),
    fact_row(
        T,
        "q-ess-situations",
        "The Epworth Sleepiness Scale asks about dozing in {}, each scored 0 to 3.",
        &[
            "How many situations does the Epworth Sleepiness Scale ask about?",
            "The Epworth scale rates the chance of dozing in various settings. How many settings are there?",
        ],
        num(8.0, 2.0, Unit::Count("situations")),
        ESS_ITEMS,
    ),
    fact_row(
        T,
        "q-ess-max",
        "The Epworth Sleepiness Scale total runs from 0 to {}.",
        &[
            "What is the maximum Epworth Sleepiness Scale score?",
            "The Epworth scale total ranges from 0 up to what value?",
        ],
        num(24.0, 3.0, Unit::Points),
        ESS_ITEMS,
    ),
    fact_row(
        T,
        "q-ess-eds-cutoff",
        "The Epworth Sleepiness Scale cut-off, above which daytime sleepiness counts as excessive, is {}.",
        &[
            "Above what Epworth Sleepiness Scale score is daytime sleepiness excessive?",
            "A shift worker completes the Epworth scale. Above which score does it indicate excessive sleepiness?",
        ],
        num(10.0, 2.0, Unit::Points),
        ESS_BANDS,
    ),
    fact_row(
        T,
        "q-ess-18-band",
        "On the Epworth Sleepiness Scale, a score of 18 falls in the {} band.",
        &[
            "How is an Epworth Sleepiness Scale score of 18 classified?",
            "A truck driver scores 18 on the Epworth scale. Which band is that?",
        ],
        pick(Pool::Severity, "severe"),
        ESS_BANDS,
    ),
    fact_row(
        T,
        "q-ess-14-band",
        "On the Epworth Sleepiness Scale, a score of 14 falls in the {} band.",
        &[
            "How is an Epworth Sleepiness Scale score of 14 classified?",
            "A student scores 14 on the Epworth scale. Which band is that?",
        ],
        pick(Pool::Severity, "moderate"),
        ESS_BANDS,
    ),
    fact_row(
        T,
        "q-ess-11-band",
        "On the Epworth Sleepiness Scale, a score of 11 falls in the {} band.",
        &[
            "How is an Epworth Sleepiness Scale score of 11 classified?",
            "A new parent scores 11 on the Epworth scale. Which band is that?",
        ],
        pick(Pool::Severity, "mild"),
        ESS_BANDS,
    ),
    fact_row(
        T,
        "q-isi-items",
        "The Insomnia Severity Index has {}, each scored 0 to 4.",
        &[
            "How many items does the Insomnia Severity Index have?",
            "A clinic uses the ISI questionnaire. How many questions does it contain?",
        ],
        num(7.0, 2.0, Unit::Count("items")),
        ISI,
    ),
    fact_row(
        T,
        "q-isi-max",
        "The Insomnia Severity Index total runs from 0 to {}.",
        &[
            "What is the maximum Insomnia Severity Index score?",
            "The ISI total ranges from 0 up to what value?",
        ],
        num(28.0, 4.0, Unit::Points),
        ISI,
    ),
    fact_row(
        T,
        "q-isi-period",
        "The Insomnia Severity Index asks about the past {}.",
        &[
            "What recall period does the Insomnia Severity Index cover?",
            "A patient fills in the ISI. Over how many recent weeks should they rate their sleep?",
        ],
        num_from(2.0, 1.0, 2.0, Unit::Count("weeks")),
        ISI,
    ),
    fact_row(
        T,
        "q-isi-18-band",
        "An Insomnia Severity Index score of 18 falls in the {} band of clinical insomnia.",
        &[
            "How is an Insomnia Severity Index score of 18 classified?",
            "A 45-year-old scores 18 on the ISI. What severity of clinical insomnia is that?",
        ],
        pick(Pool::Severity, "moderate"),
        ISI,
    ),
    fact_row(
        T,
        "q-isi-25-band",
        "An Insomnia Severity Index score of 25 falls in the {} band of clinical insomnia.",
        &[
            "How is an Insomnia Severity Index score of 25 classified?",
            "A patient scores 25 on the ISI. What severity of clinical insomnia is that?",
        ],
        pick(Pool::Severity, "severe"),
        ISI,
    ),
    fact_row(
        T,
        "q-stopbang-high-range",
        "A STOP-BANG score of {} means high risk of obstructive sleep apnea.",
        &[
            "Which STOP-BANG score range means high risk of obstructive sleep apnea?",
            "A 58-year-old answers 'yes' to several STOP-BANG items. Which score range places him at high risk?",
        ],
        // STOP-BANG scores end at 8: a distractor such as "6–9 points" would read as 6–8.
        range_upto(5.0, 8.0, 1.0, 8.0, Unit::Points),
        STOP_BANG,
    ),
    fact_row(
        T,
        "q-stopbang-4-risk",
        "A STOP-BANG score of 4 means {} risk of obstructive sleep apnea.",
        &[
            "What obstructive sleep apnea risk does a STOP-BANG score of 4 indicate?",
            "A patient scores 4 on STOP-BANG. How is their sleep apnea risk classed?",
        ],
        pick(Pool::Risk, "intermediate"),
        STOP_BANG,
    ),
    fact_row(
        T,
        "q-stopbang-1-risk",
        "A STOP-BANG score of 1 means {} risk of obstructive sleep apnea.",
        &[
            "What obstructive sleep apnea risk does a STOP-BANG score of 1 indicate?",
            "A slim 30-year-old scores 1 on STOP-BANG. How is her sleep apnea risk classed?",
        ],
        pick(Pool::Risk, "low"),
        STOP_BANG,
    ),
    fact_row(
        T,
        "q-stopbang-6-risk",
        "A STOP-BANG score of 6 means {} risk of obstructive sleep apnea.",
        &[
            "What obstructive sleep apnea risk does a STOP-BANG score of 6 indicate?",
            "A snoring, hypertensive 60-year-old man scores 6 on STOP-BANG. How is his risk classed?",
        ],
        pick(Pool::Risk, "high"),
        STOP_BANG,
    ),
    fact_row(
        T,
        "q-stopbang-neck",
        "The neck-circumference cut-off of the STOP-BANG neck item (it scores above this) is {}.",
        &[
            "What neck circumference counts as 'yes' on the STOP-BANG neck item?",
            "A clinician measures a patient's neck for STOP-BANG. Above which circumference does it score?",
        ],
        num(40.0, 2.0, Unit::Centimetres),
        STOP_BANG_ITEMS,
    ),
    fact_row(
        T,
        "q-stopbang-age",
        "The age cut-off of the STOP-BANG age item (it scores above this) is {}.",
        &[
            "Above what age does the STOP-BANG age item score a point?",
            "At what age threshold does STOP-BANG add a point for age?",
        ],
        num(50.0, 5.0, Unit::Years),
        STOP_BANG_ITEMS,
    ),
    fact_row(
        T,
        "q-stopbang-bmi",
        "The BMI cut-off of the STOP-BANG BMI item (it scores above this, in kg/m²) is {}.",
        &[
            "Above what BMI (kg/m²) does the STOP-BANG BMI item score a point?",
            "A patient's BMI is recorded for STOP-BANG. Above which value (kg/m²) does it count?",
        ],
        num(35.0, 5.0, Unit::Count("")),
        STOP_BANG_ITEMS,
    ),
    fact_row(
        T,
        "q-psqi-identify",
        "A 19-item questionnaire about the past month with seven component scores is {}.",
        &[
            "Which instrument has 19 self-rated items about the past month and seven component scores?",
            "A researcher wants a one-month measure of overall sleep quality with seven components. Which instrument is it?",
        ],
        pick(
            Pool::Instrument,
            "the Pittsburgh Sleep Quality Index (PSQI)",
        ),
        PSQI,
    ),
    fact_row(
        T,
        "q-ess-identify",
        "The instrument that rates the chance of dozing in eight everyday situations is {}.",
        &[
            "Which instrument rates the chance of dozing off in eight everyday situations?",
            "A doctor wants a quick measure of daytime sleepiness based on dozing situations. Which tool fits?",
        ],
        pick(Pool::Instrument, "the Epworth Sleepiness Scale (ESS)"),
        ESS_ITEMS,
    ),
    fact_row(
        T,
        "q-isi-identify",
        "The seven-item questionnaire scored 0 to 28 over the past two weeks that grades insomnia is {}.",
        &[
            "Which seven-item questionnaire, scored 0-28 over two weeks, grades insomnia severity?",
            "A CBT-I programme tracks insomnia severity with a short 0-28 scale. Which instrument is it?",
        ],
        pick(Pool::Instrument, "the Insomnia Severity Index (ISI)"),
        ISI,
    ),
    fact_row(
        T,
        "q-stopbang-identify",
        "The eight-item yes/no screen covering snoring, tiredness, observed apneas, blood pressure, BMI, age, neck size and sex is {}.",
        &[
            "Which screening tool asks eight yes/no questions about snoring, tiredness, observed apneas, pressure, BMI, age, neck and sex?",
            "A surgeon wants a quick sleep apnea screen before an operation. Which eight-item yes/no tool is standard?",
        ],
        pick(Pool::Instrument, "the STOP-BANG questionnaire"),
        STOP_BANG,
    ),
    fact_row(
        T,
        "q-mslt-identify",
        "The test that measures mean sleep latency across daytime nap opportunities is {}.",
        &[
            "Which test measures the mean sleep latency over several daytime nap opportunities?",
            "To confirm narcolepsy, a patient naps several times during the day in a lab. Which test is this?",
        ],
        pick(Pool::Instrument, "the Multiple Sleep Latency Test (MSLT)"),
        NARCOLEPSY_TABLE,
    ),
];

/// ICSD-3-TR narcolepsy criteria, as tabulated in PMC11217630 (table 1).
const NARCOLEPSY_TABLE: &str = "https://pmc.ncbi.nlm.nih.gov/articles/PMC11217630/table/t1";
