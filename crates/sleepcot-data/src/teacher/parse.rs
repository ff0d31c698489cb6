//! Reading a teacher's (or a student's) output back into checkable pieces.
//!
//! The output format that [`super::format`] defines and the expert teacher writes is designed for
//! this module:
//!
//! - a finding is named by its stable label in square brackets, e.g. `[short sleep]`; free text
//!   may use the same words without brackets (for a metric that is fine) without counting as a
//!   finding;
//! - the final answer starts at the last line that begins with `Answer:`;
//! - recommendations are numbered lines `1. ...` inside the answer, each naming the finding it
//!   addresses with a tag;
//! - a physician referral is a line beginning with `Referral:`.
//!
//! The evaluator scores students with these same functions, so teacher and student are held to
//! one definition of "mentioned", "answered" and "referred".

use crate::findings::{FindingKind, RedFlagKind};

use super::format::{ANSWER_MARKER, REFERRAL_MARKER};

/// Lower-cases and collapses runs of whitespace, `_` and `-` into single spaces, so that
/// `[Short_Sleep]`, `[short-sleep]` and `[short  sleep]` all read as the label `short sleep`.
fn normalise_label(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut gap = false;
    for c in s.trim().chars() {
        if c.is_whitespace() || c == '_' || c == '-' {
            gap = true;
        } else {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// The finding kind whose label is `tag` (compared after normalising both labels), if any.
pub fn finding_for_tag(tag: &str) -> Option<FindingKind> {
    let wanted = normalise_label(tag);
    FindingKind::ALL
        .iter()
        .copied()
        .find(|k| normalise_label(k.label()) == wanted)
}

/// The contents of every `[...]` group in `text`, in order (nested or unclosed brackets end a
/// group at the first `]` or are ignored).
fn bracket_groups(text: &str) -> impl Iterator<Item = &str> {
    text.split('[')
        .skip(1)
        .filter_map(|s| s.find(']').map(|e| &s[..e]))
}

/// Every finding named in `text` by a bracketed label, in order of first mention, without
/// repeats. Brackets that hold something other than a finding label are ignored.
pub fn mentioned_findings(text: &str) -> Vec<FindingKind> {
    let mut out = Vec::new();
    for group in bracket_groups(text) {
        if let Some(kind) = finding_for_tag(group)
            && !out.contains(&kind)
        {
            out.push(kind);
        }
    }
    out
}

/// Every red flag named in `text` by a bracketed label (e.g. `[possible narcolepsy]`), in
/// order of first mention, without repeats.
pub fn mentioned_red_flags(text: &str) -> Vec<RedFlagKind> {
    let mut out = Vec::new();
    for group in bracket_groups(text) {
        let wanted = normalise_label(group);
        if let Some(kind) = RED_FLAG_KINDS
            .iter()
            .copied()
            .find(|k| normalise_label(k.label()) == wanted)
            && !out.contains(&kind)
        {
            out.push(kind);
        }
    }
    out
}

/// Every red-flag kind, in referral order (the same list as [`RedFlagKind::ALL`]).
pub const RED_FLAG_KINDS: [RedFlagKind; 13] = RedFlagKind::ALL;

/// Whether a line (after leading whitespace and markdown emphasis) starts with `marker`,
/// compared case-insensitively; returns the rest of the line if so.
fn strip_marker<'a>(line: &'a str, marker: &str) -> Option<&'a str> {
    let t = line.trim_start().trim_start_matches(['*', '#', '>', ' ']);
    let head = t.get(..marker.len())?;
    if head.eq_ignore_ascii_case(marker) {
        Some(t[marker.len()..].trim_start_matches('*'))
    } else {
        None
    }
}

/// The final answer: everything after the `Answer:` marker on the last line that starts with
/// it, trimmed. `None` when the text has no such line or nothing follows the marker.
pub fn parse_answer(text: &str) -> Option<String> {
    let mut start = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if let Some(rest) = strip_marker(line, ANSWER_MARKER) {
            start = Some(offset + (line.len() - rest.len()));
        }
        offset += line.len();
    }
    let answer = text[start?..].trim();
    (!answer.is_empty()).then(|| answer.to_string())
}

/// The option letter (A-D) of a multiple-choice answer: the first standalone letter A-D in
/// the final answer, optionally in parentheses or followed by `)` / `.` / `:`.
pub fn parse_choice(text: &str) -> Option<char> {
    let answer = parse_answer(text)?;
    answer
        .split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '.' | ':' | ',' | '*'))
        .find_map(|w| match w {
            "A" | "B" | "C" | "D" | "a" | "b" | "c" | "d" => w.chars().next(),
            _ => None,
        })
        .map(|c| c.to_ascii_uppercase())
}

/// Every decimal number in `text`, in order (`-` counts as a sign only directly before a digit
/// and not after a letter or digit, so ranges like `7-9` read as 7 and 9).
pub fn numbers_in(text: &str) -> Vec<f64> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let neg = i > 0
                && bytes[i - 1] == b'-'
                && (i < 2 || !(bytes[i - 2] as char).is_ascii_alphanumeric());
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit() {
                i += 1;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
            }
            if let Ok(v) = text[start..i].parse::<f64>() {
                out.push(if neg { -v } else { v });
            }
        } else {
            i += 1;
        }
    }
    out
}

/// The first number in the final answer.
pub fn parse_number(text: &str) -> Option<f64> {
    numbers_in(&parse_answer(text)?).into_iter().next()
}

/// `Some(true)` / `Some(false)` when the final answer starts with yes / no.
pub fn parse_yes_no(text: &str) -> Option<bool> {
    let answer = parse_answer(text)?.to_lowercase();
    let first = answer
        .split(|c: char| !c.is_alphanumeric())
        .find(|w| !w.is_empty())?;
    match first {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

/// The night number in a final answer of the form `night N ...` (one-based, as written).
pub fn parse_night(text: &str) -> Option<usize> {
    let answer = parse_answer(text)?.to_lowercase();
    let at = answer.find("night")?;
    numbers_in(&answer[at..])
        .into_iter()
        .next()
        .filter(|n| n.fract() == 0.0 && *n >= 1.0)
        .map(|n| n as usize)
}

/// One numbered recommendation of a final answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedRecommendation {
    /// The number it was given (1 = highest priority).
    pub rank: usize,
    /// The findings it names by tag (normally exactly one).
    pub findings: Vec<FindingKind>,
    /// The whole line after the number.
    pub text: String,
}

/// The numbered recommendations (`N. ...` lines) of the final answer, in order.
pub fn parse_recommendations(text: &str) -> Vec<ParsedRecommendation> {
    let Some(answer) = parse_answer(text) else {
        return Vec::new();
    };
    answer
        .lines()
        .filter_map(|line| {
            let t = line.trim_start();
            let digits = t.bytes().take_while(u8::is_ascii_digit).count();
            let rest = t[digits..].strip_prefix(['.', ')'])?;
            let rank = t[..digits].parse().ok()?;
            let body = rest.trim();
            Some(ParsedRecommendation {
                rank,
                findings: mentioned_findings(body),
                text: body.to_string(),
            })
        })
        .collect()
}

/// Whether `text` contains a physician referral line (`Referral: ...`).
pub fn has_referral(text: &str) -> bool {
    text.lines()
        .any(|line| strip_marker(line, REFERRAL_MARKER).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_normalise_case_and_separators() {
        assert_eq!(normalise_label("  Short_Sleep "), "short sleep");
        assert_eq!(normalise_label("short -  sleep"), "short sleep");
    }

    #[test]
    fn every_label_round_trips_through_a_tag() {
        for kind in FindingKind::ALL {
            let text = format!("note [{}] here", kind.label().to_uppercase());
            assert_eq!(mentioned_findings(&text), vec![kind], "{kind:?}");
        }
    }

    #[test]
    fn unknown_brackets_and_untagged_words_are_not_findings() {
        let label = FindingKind::ALL[0].label();
        let text = format!("[1] [not a label] {label} without brackets [unclosed");
        assert!(mentioned_findings(&text).is_empty());
    }

    #[test]
    fn mentions_are_deduplicated_in_first_mention_order() {
        let (a, b) = (FindingKind::ALL[0], FindingKind::ALL[1]);
        let text = format!("[{}] then [{}] then [{}]", b.label(), a.label(), b.label());
        assert_eq!(mentioned_findings(&text), vec![b, a]);
    }

    #[test]
    fn red_flags_are_read_from_tags_and_never_confused_with_findings() {
        for kind in RED_FLAG_KINDS {
            let text = format!("Referral: about [{}].", kind.label());
            assert_eq!(mentioned_red_flags(&text), vec![kind]);
            assert!(mentioned_findings(&text).is_empty(), "{kind:?}");
        }
        for kind in FindingKind::ALL {
            assert!(mentioned_red_flags(&format!("[{}]", kind.label())).is_empty());
        }
    }

    #[test]
    fn answer_is_taken_from_the_last_marker() {
        let text = "Step 1: the answer: maybe.\nAnswer: A\nmore thought\n**Answer:** C\n";
        assert_eq!(parse_answer(text).as_deref(), Some("C"));
        assert_eq!(parse_choice(text), Some('C'));
        assert_eq!(parse_answer("no marker at all"), None);
        assert_eq!(parse_answer("Answer:   \n"), None);
        assert_eq!(parse_choice("Answer: (b) because"), Some('B'));
        assert_eq!(parse_choice("Answer: none of them"), None);
    }

    #[test]
    fn numbers_yes_no_and_nights_are_read_from_the_answer() {
        assert_eq!(
            numbers_in("7-9 h, -3.5 and 86.4 % at 02:10"),
            vec![7.0, 9.0, -3.5, 86.4, 2.0, 10.0]
        );
        assert_eq!(parse_number("x 5\nAnswer: 3 nights"), Some(3.0));
        assert_eq!(parse_yes_no("Answer: Yes, it is."), Some(true));
        assert_eq!(parse_yes_no("Answer: no."), Some(false));
        assert_eq!(parse_yes_no("Answer: perhaps"), None);
        assert_eq!(parse_night("Answer: night 4, with 84.0 %"), Some(4));
        assert_eq!(parse_night("Answer: 84.0 %"), None);
    }

    #[test]
    fn recommendations_and_referral_are_parsed() {
        let a = FindingKind::ALL[0];
        let text = format!(
            "Rationale 1. not a rec\nAnswer:\n1. [{}] do this\n2) keep going\nReferral: see a doctor.",
            a.label()
        );
        let recs = parse_recommendations(&text);
        assert_eq!(recs.len(), 2);
        assert_eq!((recs[0].rank, recs[0].findings.clone()), (1, vec![a]));
        assert_eq!((recs[1].rank, recs[1].findings.len()), (2, 0));
        assert!(has_referral(&text));
        assert!(!has_referral("you could see a doctor"));
    }
}
