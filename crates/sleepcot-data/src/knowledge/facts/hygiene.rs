//! Sleep hygiene with its quantities: caffeine, alcohol, exercise, naps, bedroom, regularity.

use super::prelude::*;

const T: Topic = Topic::Hygiene;
/// Drake et al. 2013, caffeine taken 0, 3 or 6 hours before going to bed (JCSM).
const DRAKE: &str = "https://pmc.ncbi.nlm.nih.gov/articles/PMC3805807/";
/// Ebrahim et al. 2013, alcohol and sleep I: effects on normal sleep (Alcohol Clin Exp Res).
const ALCOHOL_REVIEW: &str = "https://pubmed.ncbi.nlm.nih.gov/23347102/";
/// Gardiner et al. 2024, alcohol and subsequent sleep in healthy adults, meta-analysis (Sleep Med Rev).
const ALCOHOL_META: &str = "https://pubmed.ncbi.nlm.nih.gov/39631226/";
/// Stutz et al. 2019, evening exercise and sleep in healthy participants, meta-analysis (Sports Med).
const STUTZ: &str = "https://doi.org/10.1007/s40279-018-1015-0";
/// Huang and Redline 2019, sleep regularity and metabolic abnormalities in MESA (Diabetes Care).
const MESA_METABOLIC: &str = "https://diabetesjournals.org/care/article/42/8/1422/36074/Cross-sectional-and-Prospective-Associations-of";

pub(super) const FACTS: &[Fact] = &[
    fact_row(
        T,
        "hyg-caffeine-6h-disrupts",
        "In Drake's 2013 trial, the longest gap before bed at which 400 mg of caffeine still disrupted sleep was {}.",
        &[
            "In Drake's 2013 trial, what was the longest gap before bedtime at which 400 mg of caffeine still disrupted sleep?",
            "A nurse drinks strong coffee in the afternoon. In the 2013 caffeine-timing trial, how early before bed did 400 mg still harm sleep?",
        ],
        num_from(6.0, 2.0, 2.0, Unit::Hours),
        DRAKE,
    ),
    fact_row(
        T,
        "hyg-caffeine-dose",
        "The caffeine-timing trial by Drake and colleagues gave a dose of {}.",
        &[
            "What caffeine dose did the 2013 caffeine-timing trial use?",
            "In the trial showing caffeine harms sleep even hours before bed, how much caffeine did participants take?",
        ],
        num(400.0, 100.0, Unit::Milligrams),
        DRAKE,
    ),
    fact_row(
        T,
        "hyg-caffeine-cutoff-advice",
        "Drake and colleagues advise avoiding substantial caffeine in the {} before bedtime.",
        &[
            "How long before bedtime do Drake and colleagues advise avoiding substantial caffeine?",
            "A 28-year-old goes to bed at 23:00 and asks when to stop coffee. What caffeine-free window before bed do the trial's authors advise?",
        ],
        num_from(6.0, 2.0, 2.0, Unit::Hours),
        DRAKE,
    ),
    fact_row(
        T,
        "hyg-caffeine-6h-loss",
        "Caffeine taken six hours before bed cut sleep by more than {}.",
        &[
            "By how much did 400 mg of caffeine taken six hours before bed shorten sleep?",
            "An office worker has a large coffee six hours before bed. How much sleep did that cost in the 2013 trial?",
        ],
        num_from(1.0, 1.0, 1.0, Unit::Hours),
        DRAKE,
    ),
    fact_row(
        T,
        "hyg-coffee-16oz",
        "A 16-ounce cup of brewed coffee can contain up to {} of caffeine.",
        &[
            "Up to how much caffeine can a 16-ounce brewed coffee contain?",
            "A commuter buys a large 16-oz brewed coffee. What is the most caffeine such a cup can hold?",
        ],
        num(500.0, 100.0, Unit::Milligrams),
        DRAKE,
    ),
    fact_row(
        T,
        "hyg-alcohol-rem",
        "Alcohol before bed {} the total amount of REM sleep.",
        &[
            "What does alcohol before bed do to total REM sleep?",
            "A 45-year-old has a few drinks every evening. How does this affect their REM sleep?",
        ],
        pick(Pool::Direction, "decreases"),
        ALCOHOL_REVIEW,
    ),
    fact_row(
        T,
        "hyg-alcohol-onset",
        "Alcohol before bed {} the time it takes to fall asleep.",
        &[
            "What does alcohol before bed do to the time needed to fall asleep?",
            "Someone uses a nightcap to fall asleep. What effect does alcohol have on sleep onset latency?",
        ],
        pick(Pool::Direction, "decreases"),
        ALCOHOL_REVIEW,
    ),
    fact_row(
        T,
        "hyg-alcohol-rem-low-dose",
        "In a 2024 meta-analysis, REM sleep already fell at the lowest dose band studied, about {}.",
        &[
            "At about how many drinks did REM sleep already start to fall in the 2024 alcohol meta-analysis?",
            "A person has a couple of drinks with dinner. From about what dose does alcohol begin to reduce REM sleep?",
        ],
        num_from(2.0, 1.0, 2.0, Unit::Count("drinks")),
        ALCOHOL_META,
    ),
    fact_row(
        T,
        "hyg-alcohol-onset-high-dose",
        "In a 2024 meta-analysis, alcohol shortened sleep onset only at high doses of about {} or more.",
        &[
            "From about how many drinks did alcohol shorten sleep onset in the 2024 meta-analysis?",
            "At what dose did the 2024 meta-analysis find that alcohol makes people fall asleep faster?",
        ],
        num_from(5.0, 1.0, 2.0, Unit::Count("drinks")),
        ALCOHOL_META,
    ),
    fact_row(
        T,
        "hyg-vigorous-exercise-gap",
        "Vigorous exercise may worsen sleep onset, total sleep and efficiency when it ends within {} of bedtime.",
        &[
            "Vigorous exercise that ends within how long of bedtime may harm sleep?",
            "A runner does hard interval training late in the evening. Finishing within what time of bed may hurt sleep?",
        ],
        num(1.0, 1.0, Unit::Hours),
        STUTZ,
    ),
    fact_row(
        T,
        "hyg-evening-exercise-rem-latency",
        "In Stutz's 2019 meta-analysis, evening exercise lengthened REM latency by about {}.",
        &[
            "By how much did evening exercise lengthen REM latency in the 2019 meta-analysis?",
            "In the meta-analysis of evening exercise and sleep, what change in REM latency was found?",
        ],
        num(7.7, 5.0, Unit::Minutes),
        STUTZ,
    ),
    fact_row(
        T,
        "hyg-core-temperature",
        "When core body temperature at bedtime was higher, sleep efficiency {}.",
        &[
            "How did sleep efficiency relate to a higher core body temperature at bedtime in the evening-exercise meta-analysis?",
            "An athlete goes to bed still hot from training. What happens to sleep efficiency with a higher core temperature?",
        ],
        pick(Pool::Direction, "decreases"),
        STUTZ,
    ),
    fact_row(
        T,
        "hyg-irregular-duration-metabolic",
        "In MESA, each extra hour of night-to-night variation in sleep duration was linked to {} higher odds of metabolic syndrome.",
        &[
            "In MESA, how much higher were the odds of metabolic syndrome per extra hour of variability in sleep duration?",
            "A shift worker's sleep length varies widely from night to night. By how much does each hour of such variability raise metabolic-syndrome odds in MESA?",
        ],
        num(27.0, 10.0, Unit::Percent),
        MESA_METABOLIC,
    ),
    fact_row(
        T,
        "hyg-irregular-timing-metabolic",
        "In MESA, each extra hour of night-to-night variation in sleep timing was linked to {} higher odds of metabolic syndrome.",
        &[
            "In MESA, how much higher were the odds of metabolic syndrome per extra hour of variability in sleep timing?",
            "Someone's bedtime shifts a lot from night to night. By how much does each hour of timing variability raise metabolic-syndrome odds in MESA?",
        ],
        num(23.0, 10.0, Unit::Percent),
        MESA_METABOLIC,
    ),
    fact_row(
        T,
        "hyg-irregular-outcome",
        "In MESA, irregular sleep was associated with {}.",
        &[
            "Which outcome did MESA associate with irregular sleep timing and duration?",
            "A 60-year-old keeps very irregular hours. Which outcome is irregular sleep linked with in MESA?",
        ],
        pick_not(
            Pool::Outcome,
            "metabolic syndrome",
            &["overweight or obesity", "self-harm and suicidal thoughts"],
        ),
        MESA_METABOLIC,
    ),
];
