//! Quantities in text: a number with one of the report's units, or a clock time.
//!
//! The report, the teacher and the system prompt write every number in one fixed way
//! ([`crate::teacher::format`]): `412 min`, `6 h 57 min`, `6.9 h`, `86.4 %`, `58 bpm`, `42 ms`,
//! `7.3 /h`, `15.2 /min`, `23:45`, plus `2.4 per night`, `1.5 drinks` and `240 min/week` in the
//! teacher's finding values. [`quantities`] finds exactly these; a number without one of these
//! units (`night 3`, `7 nights`, `15-minute steps`, `about 20 minutes`) is prose, not a quoted
//! value. In a range such as `7-9 h` both ends carry the unit, and `6 h 57 min` is one
//! quantity (417 min). The teacher audit and the recommendation metrics both read values with
//! [`quantities`].

use serde::{Deserialize, Serialize};

/// The unit of a quoted value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Whole minutes, `min`.
    Minutes,
    /// Hours with one decimal, `h`.
    Hours,
    /// A percentage with one decimal, `%`.
    Percent,
    /// Beats per minute, `bpm`.
    Bpm,
    /// Milliseconds (HRV), `ms`.
    Millis,
    /// Events per hour, `/h`.
    PerHour,
    /// Breaths per minute, `/min`.
    PerMinute,
    /// Awakenings per night, `per night`.
    PerNight,
    /// Evening drinks, `drinks`.
    Drinks,
    /// Weekly exercise, `min/week`.
    MinutesPerWeek,
    /// A clock time `HH:MM`; the value is in hours.
    Clock,
}

/// Unit spellings, longest first so that `min/week` is not read as `min`.
const SPELLINGS: [(&str, Unit); 10] = [
    ("min/week", Unit::MinutesPerWeek),
    ("per night", Unit::PerNight),
    ("drinks", Unit::Drinks),
    ("/min", Unit::PerMinute),
    ("bpm", Unit::Bpm),
    ("min", Unit::Minutes),
    ("/h", Unit::PerHour),
    ("ms", Unit::Millis),
    ("h", Unit::Hours),
    ("%", Unit::Percent),
];

impl Unit {
    /// The smallest difference the report's number format shows in this unit (clock times:
    /// one minute, in hours).
    pub fn step(self) -> f64 {
        match self {
            Unit::Minutes | Unit::Bpm | Unit::Millis | Unit::MinutesPerWeek => 1.0,
            Unit::Clock => 1.0 / 60.0,
            _ => 0.1,
        }
    }
}

/// One quoted value found in a text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantity {
    /// The number (for clock times, hours after midnight in `[0, 24)`).
    pub value: f64,
    /// Its unit.
    pub unit: Unit,
    /// Byte offset of the number in the text.
    pub start: usize,
}

impl Quantity {
    /// Whether `self` and `other` have the same unit and differ by at most `steps` display
    /// steps (clock times compared around midnight).
    pub fn matches(&self, other: &Quantity, steps: f64) -> bool {
        if self.unit != other.unit {
            return false;
        }
        let mut diff = (self.value - other.value).abs();
        if self.unit == Unit::Clock {
            diff = diff.min(24.0 - diff);
        }
        diff <= steps * self.unit.step() + 1e-9
    }
}

/// A number token before units are attached.
struct Token {
    value: f64,
    unit: Option<Unit>,
    start: usize,
    end: usize,
}

/// Reads the number (or clock time) starting at byte `i`, which must be an ASCII digit.
fn number_at(text: &str, i: usize) -> Token {
    let b = text.as_bytes();
    let digits = |mut j: usize| {
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        j
    };
    let int_end = digits(i);
    // HH:MM (one or two hour digits, exactly two minute digits).
    if int_end - i <= 2
        && b.get(int_end) == Some(&b':')
        && digits(int_end + 1) == int_end + 3
        && let (Ok(h), Ok(m)) = (
            text[i..int_end].parse::<f64>(),
            text[int_end + 1..int_end + 3].parse::<f64>(),
        )
    {
        return Token {
            value: (h + m / 60.0).rem_euclid(24.0),
            unit: Some(Unit::Clock),
            start: i,
            end: int_end + 3,
        };
    }
    let mut end = int_end;
    if b.get(end) == Some(&b'.') && b.get(end + 1).is_some_and(u8::is_ascii_digit) {
        end = digits(end + 1);
    }
    let negative = i > 0
        && b[i - 1] == b'-'
        && (i < 2 || !(b[i - 2].is_ascii_alphanumeric() || b[i - 2] == b'.'));
    let value: f64 = text[i..end].parse().unwrap_or(0.0);
    Token {
        value: if negative { -value } else { value },
        unit: unit_at(&text[end..]),
        start: if negative { i - 1 } else { i },
        end,
    }
}

/// The unit written at the start of `rest` (after at most one space), if any.
fn unit_at(rest: &str) -> Option<Unit> {
    let rest = rest.strip_prefix([' ', '\u{a0}']).unwrap_or(rest);
    SPELLINGS.iter().find_map(|&(spelling, unit)| {
        let after = rest.strip_prefix(spelling)?;
        let boundary = !after.starts_with(|c: char| c.is_alphanumeric() || c == '/');
        boundary.then_some(unit)
    })
}

/// Every quoted value in `text`, in order.
pub fn quantities(text: &str) -> Vec<Quantity> {
    let b = text.as_bytes();
    let mut tokens: Vec<Token> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let glued = i > 0 && (b[i - 1].is_ascii_alphabetic() || b[i - 1] == b'.');
        if !b[i].is_ascii_digit() {
            i += 1;
        } else if glued {
            // A digit glued to letters (`SpO2`, `r000012`, `N3`) is part of a word.
            while i < b.len() && b[i].is_ascii_alphanumeric() {
                i += 1;
            }
        } else {
            let token = number_at(text, i);
            i = token.end;
            tokens.push(token);
        }
    }
    // A range `7-9 h`, `60-120 min` or `7 to 9 h`: the first end takes the second's unit.
    for k in (0..tokens.len().saturating_sub(1)).rev() {
        let between = text[tokens[k].end..tokens[k + 1].start].trim();
        if tokens[k].unit.is_none() && matches!(between, "-" | "–" | "to") {
            tokens[k].unit = tokens[k + 1].unit;
        }
    }
    // Hours and minutes `6 h 57 min`: one duration in minutes.
    let mut merged: Vec<Token> = Vec::with_capacity(tokens.len());
    for t in tokens {
        if let Some(prev) = merged.last_mut()
            && prev.unit == Some(Unit::Hours)
            && t.unit == Some(Unit::Minutes)
            && prev.value.fract() == 0.0
            && prev.value >= 0.0
            && (0.0..60.0).contains(&t.value)
            && text[prev.end..t.start].trim() == "h"
        {
            prev.value = prev.value * 60.0 + t.value;
            prev.unit = Some(Unit::Minutes);
            prev.end = t.end;
            continue;
        }
        merged.push(t);
    }
    merged
        .into_iter()
        .filter_map(|t| {
            Some(Quantity {
                value: t.value,
                unit: t.unit?,
                start: t.start,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<(f64, Unit)> {
        quantities(text).iter().map(|q| (q.value, q.unit)).collect()
    }

    #[test]
    fn the_report_units_are_read() {
        use Unit::*;
        assert_eq!(
            read("6.9 h (412 min), 86.4 %, 85%, 58 bpm, 42 ms, 7.3 /h, 15.2 /min, 2.4 per night"),
            vec![
                (6.9, Hours),
                (412.0, Minutes),
                (86.4, Percent),
                (85.0, Percent),
                (58.0, Bpm),
                (42.0, Millis),
                (7.3, PerHour),
                (15.2, PerMinute),
                (2.4, PerNight),
            ]
        );
        assert_eq!(
            read("1.5 drinks, 240 min/week, bed at 01:45 and -0.5 h"),
            vec![
                (1.5, Drinks),
                (240.0, MinutesPerWeek),
                (1.75, Clock),
                (-0.5, Hours)
            ]
        );
        assert_eq!(read("at 25:30"), vec![(1.5, Clock)]);
        assert_eq!(
            read("417 min (6 h 57 min), 7 h 0 min, 6.5 h 10 min"),
            vec![
                (417.0, Minutes),
                (417.0, Minutes),
                (420.0, Minutes),
                (6.5, Hours),
                (10.0, Minutes)
            ]
        );
    }

    #[test]
    fn ranges_share_the_unit_and_prose_numbers_are_not_quantities() {
        use Unit::*;
        assert_eq!(
            read("7-9 h for adults 26-64; 60-120 min"),
            vec![
                (7.0, Hours),
                (9.0, Hours),
                (60.0, Minutes),
                (120.0, Minutes)
            ]
        );
        assert_eq!(read("night 3 84.0 %"), vec![(84.0, Percent)]);
        assert!(
            read("night 3 of 7 nights, 15-minute steps, about 20 minutes, 3 hours, SpO2 low, r000012, 5+ min, 3.0 drinks/week, 200 mg/day")
                .is_empty()
        );
    }

    #[test]
    fn matching_uses_display_steps_and_wraps_clock_times() {
        let q = |value, unit| Quantity {
            value,
            unit,
            start: 0,
        };
        assert!(q(86.4, Unit::Percent).matches(&q(86.5, Unit::Percent), 1.0));
        assert!(!q(86.4, Unit::Percent).matches(&q(86.6, Unit::Percent), 1.0));
        assert!(!q(86.4, Unit::Percent).matches(&q(86.4, Unit::Hours), 1.0));
        assert!(q(412.0, Unit::Minutes).matches(&q(411.0, Unit::Minutes), 1.0));
        assert!(q(23.99, Unit::Clock).matches(&q(0.0, Unit::Clock), 1.0));
        assert!(!q(23.5, Unit::Clock).matches(&q(0.0, Unit::Clock), 1.0));
    }
}
