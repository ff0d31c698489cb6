//! Recommended sleep duration by age, and the NSF indicators of good sleep quality.

use super::prelude::*;

const T: Topic = Topic::DurationNorms;
/// Hirshkowitz et al. 2015, the NSF sleep-duration recommendations (Sleep Health).
const NSF_2015: &str = "https://pubmed.ncbi.nlm.nih.gov/29073412/";
/// Paruthi et al. 2016, the AASM pediatric consensus: methodology and discussion (JCSM).
const AASM_PEDS: &str = "https://jcsm.aasm.org/doi/10.5664/jcsm.6288";
/// Watson et al. 2015, the AASM/SRS joint consensus on sleep for a healthy adult (JCSM).
const AASM_SRS_ADULT: &str = "https://pubmed.ncbi.nlm.nih.gov/25979105/";
/// Ohayon et al. 2017, the NSF sleep-quality recommendations: first report (Sleep Health).
const NSF_QUALITY: &str = "https://pubmed.ncbi.nlm.nih.gov/28346153/";

pub(super) const FACTS: &[Fact] = &[
    fact_row(
        T,
        "dur-nsf-adult-26-64",
        "The National Sleep Foundation advises adults aged 26 to 64 to sleep {} per night.",
        &[
            "How much sleep per night does the National Sleep Foundation advise for adults aged 26 to 64?",
            "A 45-year-old office worker asks how long they should sleep each night according to the National Sleep Foundation. Which range is right?",
        ],
        range(7.0, 9.0, 1.0, Unit::Hours),
        NSF_2015,
    ),
    fact_row(
        T,
        "dur-nsf-young-adult-18-25",
        "For young adults aged 18 to 25, the National Sleep Foundation recommends {} of sleep a night.",
        &[
            "What nightly sleep range does the National Sleep Foundation recommend for adults aged 18 to 25?",
            "A 21-year-old student wants the National Sleep Foundation's sleep target. Which range applies?",
        ],
        range(7.0, 9.0, 1.0, Unit::Hours),
        NSF_2015,
    ),
    fact_row(
        T,
        "dur-nsf-older-65",
        "For people aged 65 and over, the National Sleep Foundation recommends {} of sleep a night.",
        &[
            "Which nightly sleep range does the National Sleep Foundation recommend for adults aged 65 or older?",
            "A 70-year-old asks how much sleep the National Sleep Foundation recommends for their age. Which range is correct?",
        ],
        range(7.0, 8.0, 1.0, Unit::Hours),
        NSF_2015,
    ),
    fact_row(
        T,
        "dur-nsf-teen-14-17",
        "The National Sleep Foundation recommends {} of sleep for teenagers aged 14 to 17.",
        &[
            "How much sleep does the National Sleep Foundation recommend for teenagers aged 14 to 17?",
            "A parent of a 15-year-old asks how many hours their child should sleep according to the National Sleep Foundation. Which range fits?",
        ],
        range(8.0, 10.0, 1.0, Unit::Hours),
        NSF_2015,
    ),
    fact_row(
        T,
        "dur-nsf-school-6-13",
        "School-age children aged 6 to 13 should get {} of sleep, according to the National Sleep Foundation.",
        &[
            "What daily sleep range does the National Sleep Foundation recommend for children aged 6 to 13?",
            "A 9-year-old's parent asks about the National Sleep Foundation's sleep guidance. Which range should they hear?",
        ],
        range(9.0, 11.0, 1.0, Unit::Hours),
        NSF_2015,
    ),
    fact_row(
        T,
        "dur-nsf-preschool-3-5",
        "Preschool children aged 3 to 5 need {} of sleep a day, according to the National Sleep Foundation.",
        &[
            "How much daily sleep does the National Sleep Foundation recommend for children aged 3 to 5?",
            "What is the National Sleep Foundation's sleep range for a 4-year-old?",
        ],
        range(10.0, 13.0, 1.0, Unit::Hours),
        NSF_2015,
    ),
    fact_row(
        T,
        "dur-nsf-toddler-1-2",
        "Toddlers aged 1 to 2 need {} of sleep a day, according to the National Sleep Foundation.",
        &[
            "How much daily sleep does the National Sleep Foundation recommend for toddlers aged 1 to 2?",
            "What daily sleep range should an 18-month-old get according to the National Sleep Foundation?",
        ],
        range(11.0, 14.0, 1.0, Unit::Hours),
        NSF_2015,
    ),
    fact_row(
        T,
        "dur-nsf-infant-4-11mo",
        "Infants aged 4 to 11 months need {} of sleep a day, according to the National Sleep Foundation.",
        &[
            "What daily sleep range does the National Sleep Foundation recommend for infants aged 4 to 11 months?",
            "A parent of a 7-month-old asks how much the baby should sleep per day (National Sleep Foundation). Which range is right?",
        ],
        range(12.0, 15.0, 1.0, Unit::Hours),
        NSF_2015,
    ),
    fact_row(
        T,
        "dur-nsf-newborn-0-3mo",
        "Newborns up to 3 months old need {} of sleep a day, according to the National Sleep Foundation.",
        &[
            "How much sleep per day does the National Sleep Foundation recommend for newborns aged 0 to 3 months?",
            "What is the National Sleep Foundation's daily sleep range for a 6-week-old baby?",
        ],
        range(14.0, 17.0, 1.0, Unit::Hours),
        NSF_2015,
    ),
    fact_row(
        T,
        "dur-aasm-adult-minimum",
        "The AASM and Sleep Research Society advise adults to sleep at least {} per night on a regular basis.",
        &[
            "What is the minimum regular nightly sleep that the AASM and Sleep Research Society advise for adults?",
            "According to the AASM adult consensus, adults should regularly sleep at least how long per night?",
        ],
        num(7.0, 1.0, Unit::Hours),
        AASM_SRS_ADULT,
    ),
    fact_row(
        T,
        "dur-aasm-teen-13-18",
        "The AASM recommends {} of sleep per 24 hours for teenagers aged 13 to 18.",
        &[
            "How much sleep per 24 hours does the AASM recommend for teenagers aged 13 to 18?",
            "A 17-year-old asks what the AASM's pediatric consensus says about sleep for their age. Which range is correct?",
        ],
        range(8.0, 10.0, 1.0, Unit::Hours),
        AASM_PEDS,
    ),
    fact_row(
        T,
        "dur-aasm-child-6-12",
        "The AASM recommends {} of sleep per 24 hours for children aged 6 to 12.",
        &[
            "What sleep range per 24 hours does the AASM recommend for children aged 6 to 12?",
            "Which sleep range fits an 8-year-old according to the AASM pediatric consensus?",
        ],
        range(9.0, 12.0, 1.0, Unit::Hours),
        AASM_PEDS,
    ),
    fact_row(
        T,
        "dur-aasm-infant-4-12mo",
        "The AASM recommends {} of sleep per 24 hours, naps included, for infants aged 4 to 12 months.",
        &[
            "How much sleep per 24 hours, including naps, does the AASM recommend for infants aged 4 to 12 months?",
            "Which AASM sleep range, naps included, applies to a 10-month-old?",
        ],
        range(12.0, 16.0, 1.0, Unit::Hours),
        AASM_PEDS,
    ),
    fact_row(
        T,
        "dur-aasm-peds-articles",
        "The AASM pediatric sleep-duration panel based its advice on a review of {}.",
        &[
            "How many articles did the AASM pediatric sleep-duration panel review?",
            "The AASM's 2016 pediatric sleep-duration consensus rests on a literature review of what size?",
        ],
        num(864.0, 100.0, Unit::Count("articles")),
        AASM_PEDS,
    ),
    fact_row(
        T,
        "dur-short-sleep-risk",
        "The nightly duration below which regular sleep is linked with weight gain, diabetes, high blood pressure, heart disease and depression is {}.",
        &[
            "Below what regular nightly sleep duration do adults face higher risks of obesity, diabetes and heart disease?",
            "A 50-year-old wonders when short sleep starts to matter for cardiometabolic health. Regular sleep below which duration is linked to these risks?",
        ],
        num(7.0, 1.0, Unit::Hours),
        AASM_SRS_ADULT,
    ),
    fact_row(
        T,
        "dur-teen-short-sleep-harm",
        "In teenagers, too little sleep is associated with {}.",
        &[
            "Which outcome does the AASM pediatric consensus link with insufficient sleep in teenagers?",
            "A school counsellor asks what chronic short sleep in teenagers is associated with. Which answer is right?",
        ],
        pick_not(
            Pool::Outcome,
            "self-harm and suicidal thoughts",
            &["overweight or obesity", "metabolic syndrome"],
        ),
        AASM_PEDS,
    ),
    fact_row(
        T,
        "norm-sol-30",
        "The National Sleep Foundation's upper limit of sleep onset latency for good sleep quality, at every age, is {}.",
        &[
            "Up to what sleep onset latency does the National Sleep Foundation regard sleep as good quality?",
            "A 30-year-old takes a while to fall asleep. Up to which latency is that still consistent with good sleep quality?",
        ],
        num(30.0, 10.0, Unit::Minutes),
        NSF_QUALITY,
    ),
    fact_row(
        T,
        "norm-se-85",
        "The National Sleep Foundation's cut-off for good sleep efficiency, at all ages, is {}.",
        &[
            "What minimum sleep efficiency does the National Sleep Foundation regard as good sleep quality?",
            "A wearable reports a user's sleep efficiency. From which value upward does the National Sleep Foundation call it good?",
        ],
        num(85.0, 5.0, Unit::Percent),
        NSF_QUALITY,
    ),
    fact_row(
        T,
        "norm-waso-adult-20",
        "For adults under 65, the upper limit of wake after sleep onset compatible with good sleep quality is {}.",
        &[
            "Up to how much wake after sleep onset does the National Sleep Foundation consider good for adults under 65?",
            "A 40-year-old's tracker shows time awake after first falling asleep. Up to what amount is that still good quality?",
        ],
        num(20.0, 10.0, Unit::Minutes),
        NSF_QUALITY,
    ),
    fact_row(
        T,
        "norm-waso-older-30",
        "For adults over 65, the upper limit of wake after sleep onset compatible with good sleep quality is {}.",
        &[
            "Up to how much wake after sleep onset still counts as good sleep quality for adults over 65?",
            "A 72-year-old is awake for a while during the night. Up to what total does the National Sleep Foundation still call good?",
        ],
        num(30.0, 10.0, Unit::Minutes),
        NSF_QUALITY,
    ),
    fact_row(
        T,
        "norm-awakenings-adult",
        "For adults under 65, the largest number of awakenings longer than five minutes per night that is compatible with good sleep quality is {}.",
        &[
            "At most how many awakenings longer than five minutes per night are compatible with good sleep in adults under 65?",
            "According to the National Sleep Foundation, what is the maximum number of awakenings over five minutes in a good night for an adult under 65?",
        ],
        num_from(1.0, 1.0, 0.0, Unit::Count("")),
        NSF_QUALITY,
    ),
    fact_row(
        T,
        "norm-awakenings-older",
        "For adults over 65, the largest number of awakenings longer than five minutes per night that is compatible with good sleep quality is {}.",
        &[
            "How many awakenings longer than five minutes per night still count as good sleep for adults over 65?",
            "A 68-year-old wakes for more than five minutes several times. Up to how many such awakenings is still good quality?",
        ],
        num_from(2.0, 1.0, 0.0, Unit::Count("")),
        NSF_QUALITY,
    ),
    fact_row(
        T,
        "norm-nsf-quality-studies",
        "The National Sleep Foundation's sleep-quality panel based its indicators on {}.",
        &[
            "How many studies did the National Sleep Foundation's sleep-quality panel evaluate?",
            "The 2017 National Sleep Foundation sleep-quality indicators were derived from how many studies?",
        ],
        num(277.0, 50.0, Unit::Count("studies")),
        NSF_QUALITY,
    ),
];
