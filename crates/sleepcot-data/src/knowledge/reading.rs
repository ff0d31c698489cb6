//! What a reviewer accepts as a correct answer to a question about a fact, and where a text
//! states a fact.
//!
//! The generator draws distractors only among values no reader could take for a correct answer
//! ([`Fact::distractors`]), and the knowledge audit ([`crate::audit::audit_knowledge`]) judges
//! options and rationales with the same rules, so the two cannot drift apart.
//!
//! A value is a correct answer to a question about a fact ([`Fact::accepts`]) when it is:
//!
//! - **a reading of the answer** ([`Value::answers`]): the answer in any unit or format
//!   ("60 min" for "1 h", "0.85" for "85%", "7 to 9 hours" for "7–9 h"), a bound at the end
//!   of the answer's range ("at least 7 h" for "7–9 h"), a range nested in or around the
//!   answer's range ("7–8 h" or "6–10 h" for "7–9 h"), or, when the claim hedges its figure
//!   ("about 90%"), a number within [`HEDGE_TOLERANCE`] of it;
//! - **a member the fact lists as also true** (`also_true` of [`Answer::Choice`]);
//! - **the answer of a narrower fact** ([`Fact::narrower_facts`]): a bank fact of the same kind
//!   whose claim is this fact's claim with words added (its scope words in the same order, stop
//!   words aside): "In healthy people over 60, the median oxygen saturation during sleep
//!   averages {}" narrows "In healthy people, the median …". A question about the broad fact
//!   does not rule the subgroup out, so a reading of the subgroup's answer is a second correct
//!   option.
//!
//! A text states a fact ([`claims_in`]) where it contains the fact's claim with something in
//! its slot, compared case-insensitively and with whitespace and dashes folded; the claim is
//! stated correctly when that filling is the answer in some unit or format ([`Fact::is_answer`]:
//! "7 to 9 hours" for "7–9 h", but not the nested "7–8 h").

use std::collections::HashMap;
use std::sync::LazyLock;

use super::answer::Answer;
use super::fact::{Fact, facts};
use super::value::{HEDGES, Value, fold};

/// How far (as a share of the answer) a number may be from a hedged figure and still read as
/// it: "about 90%" covers 85.5–94.5%.
pub const HEDGE_TOLERANCE: f64 = 0.05;

/// How many words before the slot a hedge may stand to make the claim approximate ("averages
/// about {}").
const HEDGE_WINDOW: usize = 3;

/// The longest slot filling looked for, in bytes.
const MAX_FILL: usize = 120;

/// Words that say nothing about a claim's scope, left out when claims are compared.
const STOP_WORDS: [&str; 22] = [
    "the", "a", "an", "of", "for", "in", "on", "at", "to", "is", "are", "was", "were", "be", "and",
    "or", "with", "by", "as", "that", "its", "from",
];

/// Why a value is a correct answer to a question about a fact.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Acceptance {
    /// It reads as the fact's own answer (in some unit or format, as a bound or nested range,
    /// or within a hedged figure's tolerance).
    Answer,
    /// The fact lists it as also true.
    AlsoTrue,
    /// It reads as the answer of this narrower fact, which the question does not rule out.
    Narrower(&'static Fact),
}

/// A bank fact whose claim a text contains, with what fills the slot there.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimMatch {
    /// The fact whose claim was found.
    pub fact: &'static Fact,
    /// Every text that fills the slot where the claim appears (folded to lower case).
    pub fills: Vec<String>,
}

impl ClaimMatch {
    /// Whether some filling is the fact's answer ([`Fact::is_answer`]): the text states the fact
    /// correctly.
    pub fn states_answer(&self) -> bool {
        self.fills.iter().any(|v| self.fact.is_answer(v))
    }

    /// Why the claim, as filled here, is a correct reading of its fact, if it is.
    pub fn acceptance(&self) -> Option<Acceptance> {
        self.fills.iter().find_map(|v| self.fact.accepts(v))
    }
}

/// Every bank fact whose claim appears in `text`.
pub fn claims_in(text: &str) -> Vec<ClaimMatch> {
    let folded = fold(text);
    TEMPLATES
        .iter()
        .filter_map(|(fact, before, after)| {
            let fills = fills(&folded, before, after);
            (!fills.is_empty()).then_some(ClaimMatch { fact, fills })
        })
        .collect()
}

/// Each bank fact's claim, folded and split at its slot.
static TEMPLATES: LazyLock<Vec<(&'static Fact, String, String)>> = LazyLock::new(|| {
    facts()
        .iter()
        .map(|f| {
            let claim = fold(f.claim);
            let (before, after) = claim.split_once("{}").unwrap_or((&claim, ""));
            (f, before.to_string(), after.to_string())
        })
        .collect()
});

/// For each fact id, the bank facts that narrow its claim.
static NARROWER: LazyLock<HashMap<&'static str, Vec<&'static Fact>>> = LazyLock::new(|| {
    let words: Vec<Vec<String>> = facts().iter().map(claim_words).collect();
    facts()
        .iter()
        .zip(&words)
        .map(|(f, fw)| {
            let narrower = facts()
                .iter()
                .zip(&words)
                .filter(|(g, gw)| {
                    g.id != f.id && same_kind(&f.answer, &g.answer) && is_subsequence(fw, gw)
                })
                .map(|(g, _)| g)
                .collect();
            (f.id, narrower)
        })
        .collect()
});

/// The words of a claim that can carry scope, in order: lower case, without the slot, stop
/// words or hedges.
fn claim_words(fact: &Fact) -> Vec<String> {
    fold(fact.claim)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !STOP_WORDS.contains(w) && !HEDGES.contains(w))
        .map(str::to_string)
        .collect()
}

/// Whether `short` is `long` with some words left out (same words, same order).
fn is_subsequence(short: &[String], long: &[String]) -> bool {
    let mut rest = long.iter();
    short.iter().all(|w| rest.any(|x| x == w))
}

/// Whether `text` names one of `members` (by synonym, without articles, in any case).
fn is_one_of(text: &str, members: &[&str]) -> bool {
    let value = Value::read(text);
    members.iter().any(|m| value.same_as(&Value::read(m)))
}

/// Whether two answers are the same kind of value: the same unit, or the same pool.
fn same_kind(a: &Answer, b: &Answer) -> bool {
    match (a, b) {
        (Answer::Choice { pool: p, .. }, Answer::Choice { pool: q, .. }) => p == q,
        _ => a.unit().is_some() && a.unit() == b.unit(),
    }
}

/// Whether position `at` of `text` starts or ends a word (no letter or digit on the other side).
fn word_edge(text: &str, at: usize, before: bool) -> bool {
    let neighbour = if before {
        text[..at].chars().next_back()
    } else {
        text[at..].chars().next()
    };
    !neighbour.is_some_and(char::is_alphanumeric)
}

/// Where the sentence or clause that ends at `end` begins: after the last line break, colon,
/// full stop, semicolon, bracket or quote before it.
fn clause_start(text: &str, end: usize) -> usize {
    ["\n", ": ", ". ", "; ", "(", "\""]
        .iter()
        .filter_map(|b| text[..end].rfind(b).map(|i| i + b.len()))
        .max()
        .unwrap_or(0)
}

/// Where the slot may sit wherever `before` + slot + `after` appears in `text`: `(start, end)`
/// byte spans, within one line, the claim's text ending at a word edge.
fn slot_spans(text: &str, before: &str, after: &str) -> Vec<(usize, usize)> {
    if after.is_empty() {
        return Vec::new();
    }
    if before.is_empty() {
        return text
            .match_indices(after)
            .map(|(end, _)| (clause_start(text, end), end))
            .collect();
    }
    text.match_indices(before)
        .filter(|&(at, _)| word_edge(text, at, true))
        .flat_map(|(at, _)| {
            let from = at + before.len();
            let line = text[from..].split('\n').next().unwrap_or("");
            line.match_indices(after)
                .map(move |(i, _)| (from, from + i))
        })
        .collect()
}

/// What fills the slot wherever `before` + slot + `after` appears in `text`.
fn fills(text: &str, before: &str, after: &str) -> Vec<String> {
    slot_spans(text, before, after)
        .into_iter()
        .filter(|&(_, end)| word_edge(text, end + after.len(), false))
        .map(|(start, end)| text[start..end].trim())
        .filter(|fill| !fill.is_empty() && fill.len() <= MAX_FILL)
        .map(str::to_string)
        .collect()
}

impl Fact {
    /// Whether the claim states an approximate figure: a hedge ("about", "roughly", ...) stands
    /// within the few words before its slot.
    pub fn hedged(&self) -> bool {
        let before = self.claim.split("{}").next().unwrap_or("").to_lowercase();
        before
            .split_whitespace()
            .rev()
            .take(HEDGE_WINDOW)
            .any(|w| HEDGES.contains(&w.trim_matches(|c: char| !c.is_alphanumeric())))
    }

    /// The relative tolerance of the answer: [`HEDGE_TOLERANCE`] for a hedged claim, else 0.
    pub fn tolerance(&self) -> f64 {
        if self.hedged() { HEDGE_TOLERANCE } else { 0.0 }
    }

    /// The answer as a [`Value`].
    fn answer_value(&self) -> Value {
        Value::read(&self.answer.text())
    }

    /// Whether `text` gives this fact's answer: the same value in any unit or format
    /// ([`Value::same_as`]: "60 min" for "1 h", "7 to 9 hours" for "7–9 h").
    pub fn is_answer(&self, text: &str) -> bool {
        Value::read(text).same_as(&self.answer_value())
    }

    /// Whether a reader could take `text` for this fact's answer ([`Value::answers`]: also a
    /// bound at a range's end, a nested range, a number within a hedged figure's tolerance).
    fn reads_as_answer(&self, text: &str) -> bool {
        Value::read(text).answers(&self.answer_value(), self.tolerance())
    }

    /// Why `text` would be a correct answer to a question about this fact, if it would be: a
    /// reading of the answer, a member listed as also true, or a reading of a narrower fact's
    /// answer.
    pub fn accepts(&self, text: &str) -> Option<Acceptance> {
        if self.reads_as_answer(text) {
            return Some(Acceptance::Answer);
        }
        if let Answer::Choice { also_true, .. } = self.answer
            && is_one_of(text, also_true)
        {
            return Some(Acceptance::AlsoTrue);
        }
        self.narrower_facts()
            .iter()
            .find(|g| g.reads_as_answer(text))
            .map(|g| Acceptance::Narrower(g))
    }

    /// The bank facts of the same kind whose claims are this one's with words added: the same
    /// statement for a subgroup (empty for a fact outside the bank).
    pub fn narrower_facts(&self) -> &'static [&'static Fact] {
        NARROWER.get(self.id).map_or(&[], Vec::as_slice)
    }

    /// Whether `text` is the kind of value this fact's answer is: a member of its pool, or a
    /// number in the answer's dimension.
    pub fn fits(&self, text: &str) -> bool {
        match self.answer {
            Answer::Choice { pool, .. } => is_one_of(text, pool.members()),
            _ => Value::read(text).same_dimension(&self.answer_value()),
        }
    }

    /// The distractors a question about this fact may offer: the answer's same-kind candidates
    /// ([`Answer::distractor_candidates`], nearest first) that no reader could take for a
    /// correct answer ([`Fact::accepts`]).
    pub fn distractors(&self) -> Vec<String> {
        self.answer
            .distractor_candidates()
            .into_iter()
            .filter(|c| self.accepts(c).is_none())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::fact;

    #[test]
    fn claims_are_found_with_their_fillings_in_free_text() {
        let f = fact("dur-nsf-adult-26-64").unwrap();
        let text = format!("Key fact: {}\nAnswer: B", f.statement());
        let found = claims_in(&text);
        let m = found.iter().find(|m| m.fact.id == f.id).unwrap();
        assert!(m.states_answer());
        let wrong = claims_in(&f.claim_with("6 to 8 hours"));
        assert!(!wrong.iter().any(|m| m.fact.id == f.id && m.states_answer()));
        let equivalent = claims_in(&f.claim_with("7 to 9 hours"));
        assert!(
            equivalent
                .iter()
                .any(|m| m.fact.id == f.id && m.states_answer())
        );
        let leading = fact("circ-dswpd-most-common").unwrap();
        let m = claims_in(&format!("The relevant fact: {}", leading.statement()));
        assert!(
            m.iter()
                .any(|m| m.fact.id == leading.id && m.states_answer())
        );
    }

    #[test]
    fn hedged_claims_widen_the_answer_and_exact_ones_do_not() {
        let nadir = fact("apnea-spo2-nadir-healthy").unwrap();
        assert!(nadir.hedged());
        assert_eq!(nadir.accepts("93%"), Some(Acceptance::Answer));
        let cut = fact("apnea-ahi-moderate-threshold").unwrap();
        assert!(!cut.hedged());
        assert_eq!(cut.accepts("16 events/h"), None);
    }
}
