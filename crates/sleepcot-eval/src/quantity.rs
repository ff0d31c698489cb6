//! Quantities in text: the reader lives in [`sleepcot_data::quantity`], where the teacher audit
//! uses it too; this module re-exports it for the recommendation metrics.

pub use sleepcot_data::quantity::{Quantity, Unit, quantities};
