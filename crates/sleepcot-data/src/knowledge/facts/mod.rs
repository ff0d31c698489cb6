//! The fact tables, one file per topic. Every claim is paraphrased and carries the URL of the
//! primary work that supports it (a guideline, a paper, a vendor's own documentation), which
//! [`crate::sources::check_citable`] accepts; the named works follow the project's sleep-domain
//! reference notes.

mod apnea;
mod architecture;
mod circadian;
mod duration;
mod hygiene;
mod insomnia;
mod other_disorders;
mod questionnaires;
mod red_flags;
mod wearables;

use super::fact::Fact;

/// Shared names for the topic tables.
mod prelude {
    pub(super) use super::super::answer::{Unit, num, num_from, pick, pick_not, range, range_upto};
    pub(super) use super::super::fact::{Fact, Topic, fact_row};
    pub(super) use super::super::pool::Pool;
}

/// Every fact, topic by topic, in a fixed order.
pub(super) fn all() -> impl Iterator<Item = Fact> {
    [
        duration::FACTS,
        architecture::FACTS,
        circadian::FACTS,
        insomnia::FACTS,
        apnea::FACTS,
        hygiene::FACTS,
        wearables::FACTS,
        other_disorders::FACTS,
        red_flags::FACTS,
        questionnaires::FACTS,
    ]
    .into_iter()
    .flat_map(|table| table.iter().copied())
}
