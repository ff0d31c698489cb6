//! Instruction records: the ChatML conversations a student is trained and tested on, and the
//! deterministic splits that keep people (and reworded questions) apart.

mod format;
mod record;
mod split;

pub use format::{ANSWER_PREFIX, RATIONALE_HEADER, RATIONALE_PREFIX, StudentFormat, Target};
pub use record::{ChatTurn, InstructionRecord};
pub use split::{KnowledgeSplit, Split, SplitError, SplitFractions, split_people, split_questions};
