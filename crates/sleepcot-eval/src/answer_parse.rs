//! Reading a multiple-choice letter (A-D) out of a model's free text.
//!
//! The teacher's format ends with an `Answer: X` line, and [`parse_choice`] first reads that line
//! with the data crate's own parser ([`sleepcot_data::teacher::parse::parse_choice`]), so teacher
//! and student are held to one definition. Students that drift from the format get two
//! fallbacks, tried in order:
//!
//! 1. a letter right after the word "answer", past a few filler words and marks:
//!    `The answer is (c)`, `answer: b)`, `the correct answer is **B**`, `Answer - option D`;
//! 2. a last non-empty line that is only a letter, possibly decorated: `C`, `(C)`, `**C.**`.
//!
//! A lower-case letter must be set off (parenthesised, bold, or followed by `)`, `.`, `:`, `,`
//! or the end of the line), so that the article in "the answer is a reduction" is not read as
//! option A.

use sleepcot_data::teacher::parse;

/// Words that may stand between "answer" and the letter.
const FILLERS: &[&str] = &[
    "is",
    "was",
    "the",
    "correct",
    "right",
    "final",
    "best",
    "option",
    "choice",
    "letter",
    "would",
    "should",
    "must",
    "be",
    "therefore",
    "thus",
    "so",
    "then",
];

/// Marks that may stand between "answer" and the letter.
fn is_mark(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            ':' | '=' | '-' | '–' | '*' | '_' | '>' | '#' | '"' | '\''
        )
}

/// The option letter of `text`, upper-cased, or `None` when no letter can be found.
pub fn parse_choice(text: &str) -> Option<char> {
    parse::parse_choice(text)
        .or_else(|| after_answer_word(text))
        .or_else(|| bare_last_line(text))
}

/// The letter at the start of `s`, if it is a standalone option letter.
///
/// `(c)`, `[c]`, `**c**`, `c)`, `c.` and `c` at the end of the line are accepted in any case;
/// an undecorated letter followed by more words only in upper case.
fn letter_at(s: &str) -> Option<char> {
    let opened = s.starts_with(['(', '[', '*']);
    let s = s.trim_start_matches(['(', '[', '*']);
    let mut chars = s.chars();
    let letter = chars
        .next()
        .filter(|c| matches!(c, 'A'..='D' | 'a'..='d'))?;
    let next = chars.next();
    let set_off = match next {
        None | Some('\n' | '\r' | ')' | ']' | '.' | ':' | ',' | ';' | '*') => true,
        Some(c) if c.is_whitespace() => letter.is_ascii_uppercase() || opened,
        _ => false,
    };
    set_off.then(|| letter.to_ascii_uppercase())
}

/// The letter that follows the last occurrence of the word "answer" that is followed by one.
fn after_answer_word(text: &str) -> Option<char> {
    let lower = text.to_ascii_lowercase();
    let starts: Vec<usize> = lower
        .match_indices("answer")
        .map(|(i, _)| i)
        .filter(|&i| i == 0 || !lower.as_bytes()[i - 1].is_ascii_alphabetic())
        .collect();
    starts.into_iter().rev().find_map(|i| {
        let mut rest = text[i + "answer".len()..].trim_start_matches(['s', 'S']);
        for _ in 0..8 {
            rest = rest.trim_start_matches(is_mark);
            if let Some(letter) = letter_at(rest) {
                return Some(letter);
            }
            let word_len = rest
                .find(|c: char| !c.is_ascii_alphabetic())
                .unwrap_or(rest.len());
            if word_len == 0 || !FILLERS.contains(&rest[..word_len].to_ascii_lowercase().as_str()) {
                return None;
            }
            rest = &rest[word_len..];
        }
        None
    })
}

/// The letter when the last non-empty line holds nothing else.
fn bare_last_line(text: &str) -> Option<char> {
    let line = text.lines().rev().find(|l| !l.trim().is_empty())?;
    let core = line
        .trim()
        .trim_matches(|c: char| "*()[]._:".contains(c) || c.is_whitespace());
    match core {
        "A" | "B" | "C" | "D" | "a" | "b" | "c" | "d" => core.chars().next(),
        _ => None,
    }
    .map(|c| c.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_forms_parse() {
        let cases = [
            ("Reasoning first.\nAnswer: B", 'B'),
            ("**Answer:** c", 'C'),
            ("The answer is (c)", 'C'),
            ("so the answer: b) because of the fact", 'B'),
            ("Hence the correct answer is **B**.", 'B'),
            ("Answer - option D", 'D'),
            ("The final answer would be A because it matches.", 'A'),
            ("I think about it.\n\nC", 'C'),
            ("Thinking...\n(d)\n", 'D'),
            ("Thinking...\n**A.**", 'A'),
            ("My answers: [b]", 'B'),
        ];
        for (text, want) in cases {
            assert_eq!(parse_choice(text), Some(want), "{text:?}");
        }
    }

    #[test]
    fn the_last_answer_with_a_letter_wins() {
        assert_eq!(
            parse_choice("The answer is (a). Checking: this answer follows from the fact."),
            Some('A')
        );
        assert_eq!(
            parse_choice("answer is (b) ... no, the answer is (d)"),
            Some('D')
        );
    }

    #[test]
    fn missing_or_ambiguous_letters_are_unparseable() {
        for text in [
            "",
            "I am not sure which option is right.",
            "The answer is a reduction in deep sleep.",
            "Answer: none of them",
            "The answer depends on age.",
            "Option E is best.\nE",
            "Answered correctly? Maybe.",
        ] {
            assert_eq!(parse_choice(text), None, "{text:?}");
        }
    }
}
