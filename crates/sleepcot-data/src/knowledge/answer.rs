//! The answerable slot of a fact: what kind of value it holds, how it is written, and which
//! wrong values of the same kind make plausible distractors.

use super::pool::Pool;

/// The unit of a numeric answer. Every option of a numeric question carries the same unit, so a
/// distractor can never be spotted by its unit alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Hours, written `h`.
    Hours,
    /// Minutes, written `min`.
    Minutes,
    /// Seconds, written `s`.
    Seconds,
    /// Percent, written `%` (values above 100 are never offered).
    Percent,
    /// Events per hour of sleep (AHI, ODI, PLMI), written `events/h`.
    PerHour,
    /// Beats per minute, written `bpm`.
    Bpm,
    /// Breaths per minute, written `breaths/min`.
    BreathsPerMin,
    /// Milligrams, written `mg`.
    Milligrams,
    /// Milliseconds, written `ms`.
    Millis,
    /// Degrees Fahrenheit, written `°F`.
    Fahrenheit,
    /// Years of age or duration, written `years`.
    Years,
    /// Months, written `months`.
    Months,
    /// Questionnaire score points, written `points`.
    Points,
    /// A 0–100 device score, written `points` (distractors never exceed 100).
    Score,
    /// Centimetres, written `cm`.
    Centimetres,
    /// A bare count followed by a plural noun (empty for a bare number).
    Count(&'static str),
}

impl Unit {
    /// The text written after the number, including its leading space where there is one.
    pub fn suffix(self) -> String {
        let word = match self {
            Unit::Hours => "h",
            Unit::Minutes => "min",
            Unit::Seconds => "s",
            Unit::Percent => return "%".to_string(),
            Unit::PerHour => "events/h",
            Unit::Bpm => "bpm",
            Unit::BreathsPerMin => "breaths/min",
            Unit::Milligrams => "mg",
            Unit::Millis => "ms",
            Unit::Fahrenheit => return "°F".to_string(),
            Unit::Years => "years",
            Unit::Months => "months",
            Unit::Points | Unit::Score => "points",
            Unit::Centimetres => "cm",
            Unit::Count("") => return String::new(),
            Unit::Count(noun) => noun,
        };
        format!(" {word}")
    }

    /// The largest value that makes sense in this unit (a cap on distractors).
    fn ceiling(self) -> f64 {
        match self {
            Unit::Percent | Unit::Score => 100.0,
            Unit::Hours => 24.0,
            _ => f64::INFINITY,
        }
    }
}

/// The value that fills a fact's slot, with what is needed to build same-kind distractors.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Answer {
    /// One number. Distractors are `value ± k·step` (k = 1..=4) within `[floor, unit ceiling]`.
    Quantity {
        /// The correct value.
        value: f64,
        /// Spacing of the neighbouring distractors; also fixes the number of decimals.
        step: f64,
        /// The smallest distractor allowed.
        floor: f64,
        /// The unit shared by all options.
        unit: Unit,
    },
    /// A closed range such as `7–9 h`. Distractors shift or stretch the bounds by `step`.
    Range {
        /// Lower bound.
        lo: f64,
        /// Upper bound.
        hi: f64,
        /// Spacing of the shifted bounds; also fixes the number of decimals.
        step: f64,
        /// The largest value the scale allows (no distractor reaches past it); infinite when
        /// only the unit's own cap applies.
        max: f64,
        /// The unit shared by all options.
        unit: Unit,
    },
    /// A member of a category pool; distractors are other members of the same pool.
    Choice {
        /// The correct member (must be in the pool).
        value: &'static str,
        /// The pool the options come from.
        pool: Pool,
        /// Other members of the pool that would also be correct here and so are never offered.
        also_true: &'static [&'static str],
    },
}

/// A number with its unit: `num(7.0, 1.0, Unit::Hours)` is "7 h" with neighbours 3..11 h.
pub const fn num(value: f64, step: f64, unit: Unit) -> Answer {
    Answer::Quantity {
        value,
        step,
        floor: step,
        unit,
    }
}

/// A number whose distractors may not go below `floor`.
pub const fn num_from(value: f64, step: f64, floor: f64, unit: Unit) -> Answer {
    Answer::Quantity {
        value,
        step,
        floor,
        unit,
    }
}

/// A range `lo–hi` in `unit` whose distractors move the bounds by `step`.
pub const fn range(lo: f64, hi: f64, step: f64, unit: Unit) -> Answer {
    range_upto(lo, hi, step, f64::INFINITY, unit)
}

/// A range on a scale that ends at `max` (a questionnaire score): no distractor reaches past
/// `max`, where "6–9 points" on a 0–8 scale would read as "6–8 points".
pub const fn range_upto(lo: f64, hi: f64, step: f64, max: f64, unit: Unit) -> Answer {
    Answer::Range {
        lo,
        hi,
        step,
        max,
        unit,
    }
}

/// A member of a category pool.
pub const fn pick(pool: Pool, value: &'static str) -> Answer {
    Answer::Choice {
        value,
        pool,
        also_true: &[],
    }
}

/// A member of a category pool, excluding other members that would also be right.
pub const fn pick_not(
    pool: Pool,
    value: &'static str,
    also_true: &'static [&'static str],
) -> Answer {
    Answer::Choice {
        value,
        pool,
        also_true,
    }
}

/// How range distractors move the bounds, in steps `(low, high)`, nearest first: shifts,
/// stretches and shrinks, then shifts that move both bounds the same way by different amounts
/// (the only ones left when nested ranges are ruled out).
const RANGE_SHIFTS: [(f64, f64); 17] = [
    (1.0, 1.0),
    (-1.0, -1.0),
    (0.0, 1.0),
    (-1.0, 0.0),
    (1.0, 0.0),
    (0.0, -1.0),
    (2.0, 2.0),
    (-2.0, -2.0),
    (-1.0, 1.0),
    (1.0, 2.0),
    (-2.0, -1.0),
    (2.0, 1.0),
    (-1.0, -2.0),
    (3.0, 3.0),
    (-3.0, -3.0),
    (2.0, 3.0),
    (-3.0, -2.0),
];

/// Decimals needed to write multiples of `step` exactly (at most 3).
fn decimals_of(step: f64) -> usize {
    (0..3)
        .find(|&d| {
            let scaled = step * 10f64.powi(d as i32);
            (scaled - scaled.round()).abs() < 1e-9
        })
        .unwrap_or(3)
}

/// Writes `value` with `decimals` digits after the point.
fn format_number(value: f64, decimals: usize) -> String {
    format!("{value:.decimals$}")
}

impl Answer {
    /// The correct answer as it appears in an option.
    pub fn text(&self) -> String {
        match *self {
            Answer::Quantity {
                value, step, unit, ..
            } => {
                let d = decimals_of(step).max(decimals_of(value));
                format!("{}{}", format_number(value, d), unit.suffix())
            }
            Answer::Range {
                lo, hi, step, unit, ..
            } => format_range(lo, hi, step, unit),
            Answer::Choice { value, .. } => value.to_string(),
        }
    }

    /// The unit of a numeric answer, `None` for a category answer.
    pub fn unit(&self) -> Option<Unit> {
        match *self {
            Answer::Quantity { unit, .. } | Answer::Range { unit, .. } => Some(unit),
            Answer::Choice { .. } => None,
        }
    }

    /// Every wrong value of the same kind that may serve as a distractor, nearest first for
    /// numbers, pool order for categories. Never contains the answer itself or duplicates.
    ///
    /// Some candidates may still read as correct (a range nested in the answer's, a number
    /// within a hedged figure's tolerance); [`Fact::distractors`](super::Fact::distractors)
    /// leaves those out.
    pub fn distractor_candidates(&self) -> Vec<String> {
        let correct = self.text();
        let mut out: Vec<String> = Vec::new();
        let mut push = |s: String| {
            if s != correct && !out.contains(&s) {
                out.push(s);
            }
        };
        match *self {
            Answer::Quantity {
                value,
                step,
                floor,
                unit,
            } => {
                let decimals = decimals_of(step).max(decimals_of(value));
                for k in [1.0, -1.0, 2.0, -2.0, 3.0, -3.0, 4.0, -4.0] {
                    let v = value + k * step;
                    if v >= floor - 1e-9 && v <= unit.ceiling() + 1e-9 {
                        push(format!("{}{}", format_number(v, decimals), unit.suffix()));
                    }
                }
            }
            Answer::Range {
                lo,
                hi,
                step,
                max,
                unit,
            } => {
                for (a, b) in RANGE_SHIFTS {
                    let (l, h) = (lo + a * step, hi + b * step);
                    if l > 1e-9 && l < h - 1e-9 && h <= unit.ceiling().min(max) + 1e-9 {
                        push(format_range(l, h, step, unit));
                    }
                }
            }
            Answer::Choice {
                value,
                pool,
                also_true,
            } => {
                for member in pool.members() {
                    if *member != value && !also_true.contains(member) {
                        push((*member).to_string());
                    }
                }
            }
        }
        out
    }
}

/// Writes a range with an en dash and the unit once: `7–9 h`.
fn format_range(lo: f64, hi: f64, step: f64, unit: Unit) -> String {
    let d = decimals_of(step).max(decimals_of(lo)).max(decimals_of(hi));
    format!(
        "{}–{}{}",
        format_number(lo, d),
        format_number(hi, d),
        unit.suffix()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_ranges_and_choices_format_and_offer_same_kind_distractors() {
        let q = num(7.0, 1.0, Unit::Hours);
        assert_eq!(q.text(), "7 h");
        let c = q.distractor_candidates();
        assert_eq!(c[0], "8 h");
        assert!(c.iter().all(|s| s.ends_with(" h") && s != "7 h"));
        let p = num(96.5, 0.5, Unit::Percent);
        assert_eq!(p.text(), "96.5%");
        assert!(p.distractor_candidates().iter().all(|s| s.ends_with('%')));
        let top = num(99.0, 1.0, Unit::Percent).distractor_candidates();
        assert!(
            top.iter()
                .all(|s| s.trim_end_matches('%').parse::<f64>().unwrap() <= 100.0)
        );
        let r = range(7.0, 9.0, 1.0, Unit::Hours);
        assert_eq!(r.text(), "7–9 h");
        assert!(r.distractor_candidates().contains(&"8–10 h".to_string()));
        let ch = pick_not(Pool::SleepStage, "N3", &["N2"]);
        let cands = ch.distractor_candidates();
        assert!(!cands.contains(&"N3".to_string()) && !cands.contains(&"N2".to_string()));
    }
}
