//! Insomnia criteria and prevalence, and the components and evidence grades of CBT-I.

use super::prelude::*;

const T: Topic = Topic::InsomniaCbtI;
/// Sateia 2014, ICSD-3 highlights and modifications (Chest), chronic insomnia disorder criteria.
const ICSD: &str = "https://pubmed.ncbi.nlm.nih.gov/25367475/";
/// Schutte-Rodin et al. 2008, AASM clinical guideline on chronic insomnia in adults (JCSM).
const AASM_2008: &str = "https://pubmed.ncbi.nlm.nih.gov/18853708/";
/// Edinger et al. 2021, AASM guideline on behavioral and psychological treatments (JCSM).
const AASM_2021: &str = "https://pmc.ncbi.nlm.nih.gov/articles/PMC7853203/";
/// Stimulus-control instructions, the table the reference notes cite (PMC2896266, table T2).
const SC_TABLE: &str = "https://pmc.ncbi.nlm.nih.gov/articles/PMC2896266/table/T2";
/// Components of CBT-I and their techniques (Curr Psychiatry Rep 2019; PMC6546653, table 1).
const SR_TABLE: &str = "https://pmc.ncbi.nlm.nih.gov/articles/PMC6546653/table/Tab1";
/// National Sleep Foundation, "Sleep Disorders" professional text, chapter 2: relaxation therapy.
const NSF_RELAXATION: &str =
    "https://sleepdisorders.thensf.org/chapter-2-insomnia/cbt-overview/cbt-relaxation/";

pub(super) const FACTS: &[Fact] = &[
    fact_row(
        T,
        "ins-nights-per-week",
        "The minimum frequency of sleep difficulty for chronic insomnia disorder is {} per week.",
        &[
            "On at least how many nights per week must sleep difficulty occur for chronic insomnia disorder?",
            "A 40-year-old struggles to sleep on some nights. How many nights a week are needed at minimum for a chronic insomnia diagnosis?",
        ],
        num_from(3.0, 1.0, 2.0, Unit::Count("nights")),
        ICSD,
    ),
    fact_row(
        T,
        "ins-chronic-months",
        "The minimum symptom duration for chronic insomnia disorder is {}.",
        &[
            "For at least how long must symptoms persist before insomnia is called chronic?",
            "A patient has had trouble sleeping for some time. What minimum duration makes it chronic insomnia disorder?",
        ],
        num_from(3.0, 1.0, 2.0, Unit::Months),
        ICSD,
    ),
    fact_row(
        T,
        "ins-prevalence-distress",
        "Insomnia symptoms with daytime distress affect about {} of adults.",
        &[
            "What share of adults have insomnia symptoms together with daytime distress?",
            "How common are insomnia symptoms that cause daytime distress in the adult population?",
        ],
        range(10.0, 15.0, 5.0, Unit::Percent),
        AASM_2008,
    ),
    fact_row(
        T,
        "ins-cbti-strength",
        "The AASM 2021 guideline gives multicomponent CBT-I {} the treatment of chronic insomnia.",
        &[
            "What grade of recommendation does the AASM 2021 guideline give multicomponent CBT-I for chronic insomnia?",
            "A clinician checks the AASM 2021 insomnia guideline. How is multicomponent CBT-I graded?",
        ],
        pick(Pool::GuidelineStrength, "a strong recommendation for"),
        AASM_2021,
    ),
    fact_row(
        T,
        "ins-hygiene-alone",
        "The AASM 2021 guideline gives sleep hygiene education used on its own {} treating chronic insomnia.",
        &[
            "How does the AASM 2021 guideline grade sleep hygiene education as a stand-alone insomnia therapy?",
            "A patient with chronic insomnia is offered only sleep hygiene advice. What does the AASM 2021 guideline say about this single-component approach?",
        ],
        pick(
            Pool::GuidelineStrength,
            "a conditional recommendation against",
        ),
        AASM_2021,
    ),
    fact_row(
        T,
        "ins-stimulus-control-alone",
        "The AASM 2021 guideline gives stimulus control used alone {} treating chronic insomnia.",
        &[
            "How does the AASM 2021 guideline grade stimulus control as a single therapy for chronic insomnia?",
            "What recommendation does stimulus control on its own receive in the AASM 2021 insomnia guideline?",
        ],
        pick(Pool::GuidelineStrength, "a conditional recommendation for"),
        AASM_2021,
    ),
    fact_row(
        T,
        "ins-sleep-restriction-alone",
        "The AASM 2021 guideline gives sleep restriction therapy used alone {} treating chronic insomnia.",
        &[
            "How does the AASM 2021 guideline grade sleep restriction therapy on its own?",
            "What recommendation does stand-alone sleep restriction receive in the AASM 2021 guideline?",
        ],
        pick(Pool::GuidelineStrength, "a conditional recommendation for"),
        AASM_2021,
    ),
    fact_row(
        T,
        "ins-relaxation-alone",
        "The AASM 2021 guideline gives relaxation therapy used alone {} treating chronic insomnia.",
        &[
            "How does the AASM 2021 guideline grade relaxation therapy as a single treatment for chronic insomnia?",
            "A patient prefers relaxation exercises alone. What grade does the AASM 2021 guideline give that option?",
        ],
        pick(Pool::GuidelineStrength, "a conditional recommendation for"),
        AASM_2021,
    ),
    fact_row(
        T,
        "ins-brief-therapies",
        "The AASM 2021 guideline gives multicomponent brief behavioural therapies {} chronic insomnia.",
        &[
            "How does the AASM 2021 guideline grade brief multicomponent behavioural therapies for insomnia?",
            "What recommendation do short multicomponent behavioural treatments receive in the AASM 2021 guideline?",
        ],
        pick(Pool::GuidelineStrength, "a conditional recommendation for"),
        AASM_2021,
    ),
    fact_row(
        T,
        "ins-sleep-restriction-component",
        "The CBT-I component that limits time in bed to roughly the average sleep time is {}.",
        &[
            "Which CBT-I component limits time in bed to about the person's average sleep time?",
            "A therapist asks a patient to stay in bed only as long as they actually sleep. Which CBT-I component is this?",
        ],
        pick(Pool::CbtiComponent, "sleep restriction"),
        SR_TABLE,
    ),
    fact_row(
        T,
        "ins-stimulus-control-component",
        "Using the bed only for sleep and sex, and getting up when unable to sleep, is the core of {}.",
        &[
            "Which CBT-I component tells patients to use the bed only for sleep and sex and to leave it when they cannot sleep?",
            "A patient is told to go to bed only when sleepy and to get up if still awake. Which component is this?",
        ],
        pick(Pool::CbtiComponent, "stimulus control"),
        SC_TABLE,
    ),
    fact_row(
        T,
        "ins-cognitive-component",
        "Challenging beliefs such as 'I must sleep eight hours' is part of {}.",
        &[
            "Which CBT-I component works on unhelpful beliefs such as 'I must get eight hours'?",
            "A patient worries all evening that they will not sleep enough. Which CBT-I component addresses such beliefs?",
        ],
        pick(Pool::CbtiComponent, "cognitive therapy"),
        SR_TABLE,
    ),
    fact_row(
        T,
        "ins-paradoxical-intention",
        "Paradoxical intention, in which the patient tries to stay awake, is a technique of {}.",
        &[
            "Which CBT-I component includes paradoxical intention (trying to stay awake)?",
            "A therapist asks an anxious sleeper to try to remain awake in bed. Which component of CBT-I is this?",
        ],
        pick(Pool::CbtiComponent, "cognitive therapy"),
        SR_TABLE,
    ),
    fact_row(
        T,
        "ins-relaxation-component",
        "Progressive muscle relaxation and guided imagery belong to {}.",
        &[
            "To which CBT-I component do progressive muscle relaxation and imagery belong?",
            "A patient practises tensing and releasing muscle groups before bed. Which component of CBT-I is that?",
        ],
        pick(Pool::CbtiComponent, "relaxation training"),
        NSF_RELAXATION,
    ),
    fact_row(
        T,
        "ins-stimulus-control-20min",
        "Stimulus control advises getting out of bed when sleep has not come within about {}.",
        &[
            "After about how long awake in bed does stimulus control advise getting up?",
            "A patient lies awake in bed. Under stimulus control, roughly when should they get up and leave the bedroom?",
        ],
        num(20.0, 10.0, Unit::Minutes),
        SR_TABLE,
    ),
    fact_row(
        T,
        "ins-restriction-floor",
        "The usual minimum time-in-bed window in sleep restriction therapy is {}.",
        &[
            "What is the usual minimum time-in-bed window in sleep restriction therapy?",
            "A patient sleeps only four hours a night. What is the usual lower limit for their prescribed time in bed?",
        ],
        num(5.0, 1.0, Unit::Hours),
        SR_TABLE,
    ),
    fact_row(
        T,
        "ins-restriction-extend",
        "In sleep restriction therapy, the sleep efficiency level that triggers a longer time in bed is about {}.",
        &[
            "Above what sleep efficiency is time in bed lengthened during sleep restriction therapy?",
            "During sleep restriction, when does the therapist extend the time-in-bed window?",
        ],
        range(85.0, 90.0, 5.0, Unit::Percent),
        SR_TABLE,
    ),
    fact_row(
        T,
        "ins-stimulus-control-rules",
        "Going to bed only when sleepy, keeping a fixed rise time and skipping naps are instructions of {}.",
        &[
            "Which CBT-I component combines 'go to bed only when sleepy', a fixed rise time and no naps?",
            "A patient is told to re-link the bed with sleep: bed only when sleepy, same rise time daily, no naps. Which component is this?",
        ],
        pick_not(
            Pool::CbtiComponent,
            "stimulus control",
            &["sleep restriction"],
        ),
        SC_TABLE,
    ),
];
