//! The population a set of personas is drawn from.

use serde::{Deserialize, Serialize};

use super::{Condition, MAX_AGE, MIN_AGE};

/// Fractions of the population with each condition, the age range and the share of shift
/// workers. Conditions are drawn independently, so a persona can have several. Unknown
/// fields are rejected and missing ones take the defaults (a mix that resembles a sleep-clinic
/// intake: enough of each condition to learn from).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PopulationMix {
    /// Fraction with insomnia.
    pub insomnia: f64,
    /// Fraction with obstructive sleep apnea.
    pub obstructive_sleep_apnea: f64,
    /// Fraction with delayed sleep phase.
    pub delayed_sleep_phase: f64,
    /// Fraction of shift workers who develop shift-work disorder.
    pub shift_work_disorder: f64,
    /// Fraction with restless legs.
    pub restless_legs: f64,
    /// Fraction with a narcolepsy-like pattern.
    pub narcolepsy_like: f64,
    /// Fraction of working-age personas who work night or rotating shifts.
    pub shift_work_fraction: f64,
    /// Youngest age drawn (at least 13).
    pub min_age: u32,
    /// Oldest age drawn (at most 90).
    pub max_age: u32,
}

impl Default for PopulationMix {
    fn default() -> Self {
        PopulationMix {
            insomnia: 0.18,
            obstructive_sleep_apnea: 0.15,
            delayed_sleep_phase: 0.08,
            shift_work_disorder: 0.45,
            restless_legs: 0.06,
            narcolepsy_like: 0.04,
            shift_work_fraction: 0.15,
            min_age: 14,
            max_age: 85,
        }
    }
}

/// A population mix that cannot be used; the message names the field, its value and the
/// expected range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MixError {
    /// A fraction is outside 0..=1 or not a number.
    #[error(
        "population mix field `{field}` is {value}, but a fraction between 0 and 1 was expected"
    )]
    Fraction {
        /// Field name.
        field: &'static str,
        /// Offending value.
        value: f64,
    },
    /// The age range is empty or outside the supported ages.
    #[error(
        "population mix age range {min_age}..={max_age} is invalid; expected {lo} <= min_age <= max_age <= {hi}"
    )]
    AgeRange {
        /// Given lower bound.
        min_age: u32,
        /// Given upper bound.
        max_age: u32,
        /// Lowest supported age.
        lo: u32,
        /// Highest supported age.
        hi: u32,
    },
}

impl PopulationMix {
    /// A mix with no conditions at all (healthy sleepers only), handy for norm checks.
    pub fn healthy() -> Self {
        PopulationMix {
            insomnia: 0.0,
            obstructive_sleep_apnea: 0.0,
            delayed_sleep_phase: 0.0,
            shift_work_disorder: 0.0,
            restless_legs: 0.0,
            narcolepsy_like: 0.0,
            shift_work_fraction: 0.0,
            ..PopulationMix::default()
        }
    }

    /// The fraction for one condition (shift-work disorder: among shift workers).
    pub fn fraction(&self, condition: Condition) -> f64 {
        match condition {
            Condition::Insomnia => self.insomnia,
            Condition::ObstructiveSleepApnea => self.obstructive_sleep_apnea,
            Condition::DelayedSleepPhase => self.delayed_sleep_phase,
            Condition::ShiftWorkDisorder => self.shift_work_disorder,
            Condition::RestlessLegs => self.restless_legs,
            Condition::NarcolepsyLike => self.narcolepsy_like,
        }
    }

    /// Checks every fraction and the age range.
    pub fn validate(&self) -> Result<(), MixError> {
        let fractions = [
            ("insomnia", self.insomnia),
            ("obstructive_sleep_apnea", self.obstructive_sleep_apnea),
            ("delayed_sleep_phase", self.delayed_sleep_phase),
            ("shift_work_disorder", self.shift_work_disorder),
            ("restless_legs", self.restless_legs),
            ("narcolepsy_like", self.narcolepsy_like),
            ("shift_work_fraction", self.shift_work_fraction),
        ];
        for (field, value) in fractions {
            if !(0.0..=1.0).contains(&value) {
                return Err(MixError::Fraction { field, value });
            }
        }
        if self.min_age < MIN_AGE || self.max_age > MAX_AGE || self.min_age > self.max_age {
            return Err(MixError::AgeRange {
                min_age: self.min_age,
                max_age: self.max_age,
                lo: MIN_AGE,
                hi: MAX_AGE,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fill_missing_fields_and_bad_values_are_named() {
        let mix: PopulationMix = serde_json::from_str(r#"{"insomnia":0.5}"#).unwrap();
        assert_eq!(mix.insomnia, 0.5);
        assert_eq!(mix.max_age, PopulationMix::default().max_age);
        assert!(mix.validate().is_ok());
        let bad = PopulationMix {
            restless_legs: 1.5,
            ..PopulationMix::default()
        };
        let msg = bad.validate().unwrap_err().to_string();
        assert!(msg.contains("`restless_legs` is 1.5"), "{msg}");
        let ages = PopulationMix {
            min_age: 40,
            max_age: 30,
            ..PopulationMix::default()
        };
        let msg = ages.validate().unwrap_err().to_string();
        assert!(msg.contains("40..=30"), "{msg}");
        assert!(serde_json::from_str::<PopulationMix>(r#"{"insomia":0.5}"#).is_err());
    }
}
