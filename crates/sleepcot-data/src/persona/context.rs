//! Which parts of a person's self-reported context are known.
//!
//! A simulated persona is complete: every field was drawn. A person who imports their own
//! wearable export gives their age and sex (or the export states them) and, optionally, their
//! habits; nothing else about them is known. [`Persona::not_given`] lists the parts that were not
//! given. Their fields then hold neutral placeholders that nothing reads: the report renders
//! them as [`NOT_GIVEN`], and every rule, cause and red flag reads them only through the
//! `known_*` accessors here, which return `None`, so a rule that needs an unknown fact does not
//! fire. A simulated persona's list is empty and is not serialised, so its data are unchanged.

use serde::{Deserialize, Serialize};

use super::{Chronotype, Habits, Persona, Symptom, WorkSchedule};

/// What the report shows for a part of the context the person did not give.
pub const NOT_GIVEN: &str = "not given";

/// A part of the self-reported context that a person may leave out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContextField {
    /// Body-mass index.
    Bmi,
    /// Chronotype.
    Chronotype,
    /// Work or school schedule (whether the person works shifts).
    Work,
    /// Whether the person drives regularly.
    Driving,
    /// Every habit ([`Habits`]).
    Habits,
    /// Self-reported symptoms.
    Symptoms,
}

impl ContextField {
    /// Every field, in the order the report shows them.
    pub const ALL: [ContextField; 6] = [
        ContextField::Bmi,
        ContextField::Chronotype,
        ContextField::Work,
        ContextField::Driving,
        ContextField::Habits,
        ContextField::Symptoms,
    ];

    /// The words the report and the import summary use.
    pub fn label(self) -> &'static str {
        match self {
            ContextField::Bmi => "BMI",
            ContextField::Chronotype => "chronotype",
            ContextField::Work => "work schedule",
            ContextField::Driving => "driving",
            ContextField::Habits => "habits",
            ContextField::Symptoms => "symptoms",
        }
    }
}

impl Persona {
    /// Whether the person gave `field` (always true for a simulated persona).
    pub fn gives(&self, field: ContextField) -> bool {
        !self.not_given.contains(&field)
    }

    fn known<T>(&self, field: ContextField, value: T) -> Option<T> {
        self.gives(field).then_some(value)
    }

    /// The body-mass index, when given.
    pub fn known_bmi(&self) -> Option<f32> {
        self.known(ContextField::Bmi, self.bmi)
    }

    /// The chronotype, when given.
    pub fn known_chronotype(&self) -> Option<Chronotype> {
        self.known(ContextField::Chronotype, self.chronotype)
    }

    /// The work schedule, when given.
    pub fn known_work(&self) -> Option<WorkSchedule> {
        self.known(ContextField::Work, self.work)
    }

    /// Whether the person drives regularly, when given.
    pub fn known_drives(&self) -> Option<bool> {
        self.known(ContextField::Driving, self.drives)
    }

    /// The habits, when given.
    pub fn known_habits(&self) -> Option<&Habits> {
        self.known(ContextField::Habits, &self.habits)
    }

    /// The reported symptoms, when given (an empty list is "none").
    pub fn known_symptoms(&self) -> Option<&[Symptom]> {
        self.known(ContextField::Symptoms, self.symptoms.as_slice())
    }

    /// Whether the person is known not to work shifts (unknown counts as not known).
    pub fn known_not_shift_work(&self) -> bool {
        self.known_work().is_some_and(|w| !w.is_shift_work())
    }
}
