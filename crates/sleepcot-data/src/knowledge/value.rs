//! Reading an answer's value from text the way a reviewer does.
//!
//! A value is a number with a unit ("90 min"), a bounded number ("at least 7 h", "7 h or
//! more"), a range ("7–9 h", "7 to 9 hours", "between 7 and 9 h") or a name ("N3", "the
//! morning"). Units are converted to one base unit per dimension, so "60 min" and "1 h", "85%"
//! and "0.85", "14 days" and "2 weeks" read the same; names are compared case-insensitively,
//! without a leading article and through a small table of synonyms ("N3" and "slow-wave sleep").
//!
//! [`Value::answers`] decides whether an option gives an answer, including the looser readings
//! a reasonable reader may take: a bound that matches the end of a range ("at least 7 h" for
//! "7–9 h"), a range that starts or ends at a threshold ("7–9 h" for "7 h"), and a range nested
//! in or around the answer's range ("7–8 h" or "6–10 h" for "7–9 h"). [`Value::same_as`] is
//! the strict version, for telling whether two options say the same thing.

/// Words that hedge a figure ("about 90 min"); an option may carry them without changing its
/// value, and a claim that uses one right before its slot states an approximate figure.
pub const HEDGES: [&str; 7] = [
    "about",
    "around",
    "approximately",
    "roughly",
    "nearly",
    "almost",
    "circa",
];

/// Spellings of units: `(spelling, dimension, base units per written unit, offset)`.
/// Durations are based on seconds, calendar spans on months, temperatures on °F, lengths on cm.
const UNITS: &[(&str, &str, f64, f64)] = &[
    ("s", "time", 1.0, 0.0),
    ("sec", "time", 1.0, 0.0),
    ("secs", "time", 1.0, 0.0),
    ("second", "time", 1.0, 0.0),
    ("seconds", "time", 1.0, 0.0),
    ("ms", "time", 0.001, 0.0),
    ("millisecond", "time", 0.001, 0.0),
    ("milliseconds", "time", 0.001, 0.0),
    ("min", "time", 60.0, 0.0),
    ("mins", "time", 60.0, 0.0),
    ("minute", "time", 60.0, 0.0),
    ("minutes", "time", 60.0, 0.0),
    ("h", "time", 3600.0, 0.0),
    ("hr", "time", 3600.0, 0.0),
    ("hrs", "time", 3600.0, 0.0),
    ("hour", "time", 3600.0, 0.0),
    ("hours", "time", 3600.0, 0.0),
    ("day", "time", 86_400.0, 0.0),
    ("days", "time", 86_400.0, 0.0),
    ("week", "time", 604_800.0, 0.0),
    ("weeks", "time", 604_800.0, 0.0),
    ("month", "calendar", 1.0, 0.0),
    ("months", "calendar", 1.0, 0.0),
    ("year", "calendar", 12.0, 0.0),
    ("years", "calendar", 12.0, 0.0),
    ("%", "%", 1.0, 0.0),
    ("percent", "%", 1.0, 0.0),
    ("per cent", "%", 1.0, 0.0),
    ("mg", "mg", 1.0, 0.0),
    ("milligrams", "mg", 1.0, 0.0),
    ("g", "mg", 1000.0, 0.0),
    ("grams", "mg", 1000.0, 0.0),
    ("°f", "°f", 1.0, 0.0),
    ("degrees fahrenheit", "°f", 1.0, 0.0),
    ("°c", "°f", 1.8, 32.0),
    ("degrees celsius", "°f", 1.8, 32.0),
    ("cm", "cm", 1.0, 0.0),
    ("mm", "cm", 0.1, 0.0),
    ("inches", "cm", 2.54, 0.0),
    ("points", "points", 1.0, 0.0),
    ("point", "points", 1.0, 0.0),
    ("events/h", "events/h", 1.0, 0.0),
    ("/h", "events/h", 1.0, 0.0),
    ("events per hour", "events/h", 1.0, 0.0),
    ("per hour", "events/h", 1.0, 0.0),
    ("bpm", "bpm", 1.0, 0.0),
    ("beats per minute", "bpm", 1.0, 0.0),
    ("beats/min", "bpm", 1.0, 0.0),
    ("breaths/min", "breaths/min", 1.0, 0.0),
    ("breaths per minute", "breaths/min", 1.0, 0.0),
];

/// Number words a value may be written with.
const NUMBER_WORDS: [&str; 13] = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve",
];

/// Names that mean the same thing; the first of each group is the one compared.
const SYNONYMS: &[&[&str]] = &[
    &[
        "n3",
        "stage n3",
        "slow-wave sleep",
        "slow wave sleep",
        "deep sleep",
    ],
    &["n2", "stage n2"],
    &["n1", "stage n1"],
    &["rem", "rem sleep", "stage r", "stage rem"],
    &["wake", "awake", "stage w", "wakefulness"],
    &["obstructive sleep apnea", "obstructive sleep apnoea", "osa"],
    &["restless legs syndrome", "willis-ekbom disease", "rls"],
    &[
        "rem sleep behavior disorder",
        "rem sleep behaviour disorder",
        "rbd",
    ],
    &[
        "delayed sleep-wake phase disorder",
        "delayed sleep phase disorder",
        "delayed sleep phase syndrome",
        "dswpd",
    ],
    &[
        "hypocretin-1 (orexin-a)",
        "hypocretin-1",
        "orexin-a",
        "orexin",
    ],
];

/// Prefixes that turn a number into a lower bound.
const AT_LEAST_PREFIXES: [&str; 6] = [
    "at least ",
    "no less than ",
    "more than ",
    "over ",
    "above ",
    "a minimum of ",
];

/// Prefixes that turn a number into an upper bound.
const AT_MOST_PREFIXES: [&str; 7] = [
    "up to ",
    "at most ",
    "no more than ",
    "less than ",
    "fewer than ",
    "under ",
    "below ",
];

/// Suffixes that turn a number into a lower bound.
const AT_LEAST_SUFFIXES: [&str; 7] = [
    " or more",
    " or longer",
    " or above",
    " or higher",
    " and above",
    " and over",
    "+",
];

/// Suffixes that turn a number into an upper bound.
const AT_MOST_SUFFIXES: [&str; 6] = [
    " or less",
    " or fewer",
    " or shorter",
    " or below",
    " or lower",
    " and under",
];

/// A number as written, with its unit converted.
#[derive(Debug, Clone, PartialEq)]
pub struct Number {
    /// The value in its dimension's base unit.
    pub base: f64,
    /// The number as written, before unit conversion (what a bare number is compared with).
    pub written: f64,
    /// Rounding noise that still reads the same, in base units: half the last written decimal
    /// place when the number has decimals ("1.3 h" covers 78–78.6… min), zero for a whole number.
    pub slack: f64,
    /// The dimension: a unit key from the unit table ("time", "%", "events/h"...), the singular
    /// noun of a counted thing ("article"), or empty for a bare number.
    pub dim: String,
}

/// How a single number is meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// The number itself.
    Exact,
    /// The number or more ("at least 7 h").
    AtLeast,
    /// The number or less ("up to 20 min").
    AtMost,
}

/// A value read from an option, a slot or an answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// One number, possibly a bound.
    Amount(Number, Bound),
    /// A closed range, low end first.
    Range(Number, Number),
    /// Anything that is not a number: compared as a normalised name.
    Name(String),
}

/// Whether `a` and `b` are equal up to `tol` (plus floating-point noise).
fn within(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol + 1e-9 * (1.0 + a.abs().max(b.abs()))
}

impl Number {
    /// Whether `self` is `other` up to rounding and `rel` (a share of `other`'s size). A bare
    /// number is compared as written, and, when it is at most 1 and the other number is a
    /// percentage, also as a fraction ("0.85" is "85%").
    pub fn close(&self, other: &Number, rel: f64) -> bool {
        let slack = self.slack.max(other.slack);
        if !self.dim.is_empty() && !other.dim.is_empty() {
            let tol = slack.max(rel * other.base.abs());
            return self.dim == other.dim && within(self.base, other.base, tol);
        }
        let tol = slack.max(rel * other.written.abs());
        within(self.written, other.written, tol)
            || within(self.as_percent(other), other.as_percent(self), 100.0 * tol)
    }

    /// The number as a percentage when it is a bare fraction (at most 1) set against a
    /// percentage, else as written.
    fn as_percent(&self, against: &Number) -> f64 {
        if self.dim.is_empty() && against.dim == "%" && self.written <= 1.0 {
            self.written * 100.0
        } else {
            self.written
        }
    }

    /// Whether `self` is at most `other`, up to rounding and `rel`.
    fn at_most(&self, other: &Number, rel: f64) -> bool {
        let below = if self.dim.is_empty() || other.dim.is_empty() {
            self.written <= other.written
        } else {
            self.base <= other.base
        };
        below || self.close(other, rel)
    }

    /// Whether the two numbers measure the same thing (a bare number fits any dimension).
    fn same_dimension(&self, other: &Number) -> bool {
        self.dim.is_empty() || other.dim.is_empty() || self.dim == other.dim
    }
}

impl Value {
    /// Reads `text` as a value; anything that does not start with a number is a name.
    pub fn read(text: &str) -> Value {
        let s = normalise(text);
        let s = strip_hedges(&s);
        let (bound, s) = split_bound(s);
        read_numeric(&s, bound).unwrap_or_else(|| Value::Name(canonical_name(&s)))
    }

    /// Whether `self`, offered as an option, gives `answer` under a reasonable reading, with
    /// `rel` as the relative tolerance of an approximate answer (0 for an exact one).
    ///
    /// Numbers match up to rounding and `rel`, whatever their bounds; a lower (upper) bound
    /// matches a range whose low (high) end it equals; a range matches a number at either of
    /// its ends; a range matches a range it is nested in or around; names match by synonym.
    pub fn answers(&self, answer: &Value, rel: f64) -> bool {
        match (self, answer) {
            (Value::Name(a), Value::Name(b)) => a == b,
            (Value::Amount(o, _), Value::Amount(a, _)) => o.close(a, rel),
            (Value::Amount(o, bound), Value::Range(lo, hi)) => match bound {
                Bound::AtLeast => o.close(lo, rel),
                Bound::AtMost => o.close(hi, rel),
                Bound::Exact => o.close(lo, rel) && o.close(hi, rel),
            },
            (Value::Range(lo, hi), Value::Amount(a, _)) => lo.close(a, rel) || hi.close(a, rel),
            (Value::Range(lo, hi), Value::Range(alo, ahi)) => {
                let inside = alo.at_most(lo, rel) && hi.at_most(ahi, rel);
                let around = lo.at_most(alo, rel) && ahi.at_most(hi, rel);
                lo.same_dimension(alo) && (inside || around)
            }
            _ => false,
        }
    }

    /// Whether two values say the same thing: the same name, or the same numbers (in any unit)
    /// with the same bound.
    pub fn same_as(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Name(a), Value::Name(b)) => a == b,
            (Value::Amount(a, x), Value::Amount(b, y)) => x == y && a.close(b, 0.0),
            (Value::Range(a, b), Value::Range(c, d)) => a.close(c, 0.0) && b.close(d, 0.0),
            _ => false,
        }
    }

    /// Whether the value is a number (or range) in the same dimension as `other`'s.
    pub fn same_dimension(&self, other: &Value) -> bool {
        match (self.first_number(), other.first_number()) {
            (Some(a), Some(b)) => a.same_dimension(b),
            _ => false,
        }
    }

    /// The number, or the low end of the range; `None` for a name.
    fn first_number(&self) -> Option<&Number> {
        match self {
            Value::Amount(n, _) | Value::Range(n, _) => Some(n),
            Value::Name(_) => None,
        }
    }
}

/// Lower case, dashes and comparison signs spelled out, one space between words on each line.
/// Texts are folded this way before a claim is looked for in them.
pub fn fold(text: &str) -> String {
    let mut s = text.to_lowercase();
    for (from, to) in [
        ("–", "-"),
        ("—", "-"),
        ("−", "-"),
        ("≥", "at least "),
        ("≤", "at most "),
        ("~", "about "),
    ] {
        s = s.replace(from, to);
    }
    let lines: Vec<String> = s
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    lines.join("\n")
}

/// A single-line value folded ([`fold`]) and without its final full stop.
pub fn normalise(text: &str) -> String {
    let folded = fold(text);
    let words: Vec<&str> = folded
        .trim()
        .trim_end_matches('.')
        .split_whitespace()
        .collect();
    words.join(" ")
}

/// `s` without leading hedge words ("about 90 min" → "90 min").
fn strip_hedges(mut s: &str) -> &str {
    while let Some(rest) = HEDGES
        .iter()
        .find_map(|h| s.strip_prefix(h).and_then(|r| r.strip_prefix(' ')))
    {
        s = rest;
    }
    s
}

/// Splits a bound word or phrase off `s`: "at least 7 h" → (AtLeast, "7 h").
fn split_bound(s: &str) -> (Bound, String) {
    let strip_prefix = |list: &[&str]| list.iter().find_map(|p| s.strip_prefix(p));
    let strip_suffix = |list: &[&str]| list.iter().find_map(|p| s.strip_suffix(p));
    if let Some(rest) =
        strip_prefix(&AT_LEAST_PREFIXES).or_else(|| strip_suffix(&AT_LEAST_SUFFIXES))
    {
        return (Bound::AtLeast, rest.trim().to_string());
    }
    if let Some(rest) = strip_prefix(&AT_MOST_PREFIXES).or_else(|| strip_suffix(&AT_MOST_SUFFIXES))
    {
        return (Bound::AtMost, rest.trim().to_string());
    }
    (Bound::Exact, s.to_string())
}

/// A number (with its unit) or a range, if `s` starts with a number.
fn read_numeric(s: &str, bound: Bound) -> Option<Value> {
    let (between, s) = match s.strip_prefix("between ") {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix("from ").unwrap_or(s)),
    };
    let (first, rest) = leading_number(s)?;
    if let Some((unit_lo, second, unit_hi)) = split_range(rest, between) {
        let unit_lo = if unit_lo.is_empty() { unit_hi } else { unit_lo };
        return Some(Value::Range(
            number(first, unit_lo),
            number(second, unit_hi),
        ));
    }
    Some(Value::Amount(number(first, rest.trim()), bound))
}

/// The number at the start of `s` (digits with thousands commas and decimals, or a number
/// word) as `(value, decimals)`, and the rest of `s`.
fn leading_number(s: &str) -> Option<((f64, i32), &str)> {
    if let Some((i, rest)) = NUMBER_WORDS.iter().enumerate().find_map(|(i, w)| {
        s.strip_prefix(w)
            .filter(|r| r.is_empty() || r.starts_with([' ', '-']))
            .map(|r| (i, r))
    }) {
        return Some(((i as f64, 0), rest));
    }
    let end = s
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_digit() || c == ',' || c == '.'))
        .map_or(s.len(), |(i, _)| i);
    let digits = s[..end].trim_end_matches(['.', ',']);
    if !digits.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let plain = digits.replace(',', "");
    let decimals = plain.split_once('.').map_or(0, |(_, d)| d.len() as i32);
    let value = plain.parse().ok()?;
    Some(((value, decimals), &s[digits.len()..]))
}

/// If `rest` (what follows a first number) continues as a range — an optional unit, a
/// separator ("-", " to ", or " and " after "between"), a second number — returns the first
/// unit, the second number and its unit.
fn split_range(rest: &str, between: bool) -> Option<(&str, (f64, i32), &str)> {
    let separators: &[&str] = if between { &[" and "] } else { &["-", " to "] };
    separators
        .iter()
        .filter_map(|sep| {
            let at = rest.find(sep)?;
            let after = rest[at + sep.len()..].trim_start();
            let (second, unit) = leading_number(after)?;
            Some((at, (rest[..at].trim(), second, unit.trim())))
        })
        .min_by_key(|&(at, _)| at)
        .map(|(_, parts)| parts)
}

/// A written number with its unit converted through the unit table; an unknown unit is a
/// counted noun, compared in the singular.
fn number((written, decimals): (f64, i32), unit: &str) -> Number {
    let half = if decimals > 0 {
        0.5 * 10f64.powi(-decimals)
    } else {
        0.0
    };
    match UNITS.iter().find(|(spelling, ..)| *spelling == unit) {
        Some(&(_, dim, factor, offset)) => Number {
            base: written * factor + offset,
            written,
            slack: half * factor,
            dim: dim.to_string(),
        },
        None => Number {
            base: written,
            written,
            slack: half,
            dim: singular(unit),
        },
    }
}

/// The noun phrase with its last word in the singular ("nights" → "night").
fn singular(noun: &str) -> String {
    match noun.strip_suffix('s') {
        Some(stem) if noun.len() > 3 && !stem.ends_with('s') => stem.to_string(),
        _ => noun.to_string(),
    }
}

/// A name without a leading article, mapped to the first spelling of its synonym group.
fn canonical_name(s: &str) -> String {
    let bare = ["the ", "a ", "an "]
        .iter()
        .find_map(|a| s.strip_prefix(a))
        .unwrap_or(s);
    SYNONYMS
        .iter()
        .find(|group| group.contains(&bare))
        .map_or_else(|| bare.to_string(), |group| group[0].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &str, b: &str) -> bool {
        Value::read(a).same_as(&Value::read(b))
    }

    #[test]
    fn units_formats_and_synonyms_read_the_same() {
        assert!(same("60 min", "1 h"));
        assert!(same("1.5 h", "90 minutes"));
        assert!(same("7–9 h", "7 to 9 hours"));
        assert!(same("7-9 h", "between 7 and 9 hours"));
        assert!(same("7 h–9 h", "420–540 min"));
        assert!(same("2 weeks", "14 days"));
        assert!(same("65,000 people", "65000 people"));
        assert!(same("5 criteria", "five criteria"));
        assert!(same("3 nights", "3 night"));
        assert!(same("N3", "slow-wave sleep"));
        assert!(same("The morning", "morning"));
        assert!(same("at least 7 h", "7 h or more"));
        assert!(!same("7 h", "8 h"));
        assert!(!same("7 h", "7%"));
        assert!(!same("95.0%", "95.1%"));
        assert!(!same("at least 7 h", "7 h"));
        assert!(Value::read("0.85").answers(&Value::read("85%"), 0.0));
        assert!(Value::read("1.3 h").answers(&Value::read("80 min"), 0.0));
    }

    #[test]
    fn looser_readings_of_bounds_ranges_and_approximate_figures() {
        let answers = |o: &str, a: &str, rel: f64| Value::read(o).answers(&Value::read(a), rel);
        assert!(answers("at least 7 h", "7–9 h", 0.0));
        assert!(answers("up to 9 h", "7–9 h", 0.0));
        assert!(!answers("7 h", "7–9 h", 0.0));
        assert!(answers("7–9 h", "7 h", 0.0));
        assert!(answers("7–8 h", "7–9 h", 0.0));
        assert!(answers("6–10 h", "7–9 h", 0.0));
        assert!(!answers("8–10 h", "7–9 h", 0.0));
        assert!(answers("about 93%", "90%", 0.05));
        assert!(!answers("93%", "90%", 0.0));
        assert!(!answers("7 h", "N3", 0.0));
    }

    #[test]
    fn units_and_nouns_with_dashes_or_numbers_are_not_ranges() {
        let v = Value::read("2 sleep-onset REM periods");
        assert!(
            matches!(v, Value::Amount(ref n, Bound::Exact) if n.written == 2.0 && n.dim == "sleep-onset rem period")
        );
        let r = Value::read("25–50 per 100,000 people");
        assert!(
            matches!(r, Value::Range(ref lo, ref hi) if lo.written == 25.0 && hi.written == 50.0 && hi.dim == "per 100,000 people")
        );
        assert!(same("60–67°F", "15.6–19.4 °C"));
    }
}
