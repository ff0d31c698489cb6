//! Synthetic sleep data for chain-of-thought distillation.
//!
//! Everything here is a pure function of a seed: personas are drawn, their nights simulated on
//! 30-second epochs, summarised into wearable-style reports that carry their own ground truth
//! (findings and red flags), and turned by a teacher into ChatML instruction records. A
//! knowledge bank of sourced facts yields multiple-choice questions for the third SleepCoT task.

#![deny(missing_docs)]

pub mod audit;
pub mod findings;
pub mod import;
pub mod instructions;
pub mod io;
pub mod knowledge;
pub mod persona;
pub mod pipeline;
pub mod quantity;
pub mod report;
pub mod rng;
pub mod science;
pub mod simulate;
pub mod sources;
pub mod teacher;
pub mod validate;
