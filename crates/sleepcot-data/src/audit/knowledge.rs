//! The knowledge-question audit: exactly one option must be right, the rationale must state
//! the fact it relies on, and the chosen letter must agree with that fact.
//!
//! It reads the prompt as the student sees it ([`crate::knowledge::Question::prompt_text`]: a
//! stem, then `A. …` to `D. …`) and the whole reply (rationale, then a final `Answer: X` line),
//! and knows what a reviewer knows: the fact bank and its rules for what counts as a correct
//! answer ([`crate::knowledge::reading`], shared with the generator).
//!
//! **What the question asks about** (its readings). A stem that is one of a fact's written or
//! fill-in-the-blank stems asks about that fact, and its options are bare values; an option that
//! is a fact's claim with something in the slot is a statement about that fact, whatever the
//! stem. A stem the bank does not know is read as asking about the facts the rationale states,
//! when an option is of their kind.
//!
//! The checks:
//!
//! - [`ViolationKind::Format`]: the prompt does not end in four options `A. ` to `D. ` after a
//!   stem, or the reply's last line is not `Answer: X` with X one of A–D.
//! - [`ViolationKind::AmbiguousOption`]: under the readings, no option or more than one option
//!   is correct ([`Fact::accepts`]: the answer in any unit or format or within a hedged
//!   figure's tolerance, a nested range, a member listed as also true, a narrower fact's
//!   answer); or two options say the same thing ("60 min" and "1 h").
//! - [`ViolationKind::FactNotNamed`]: the rationale does not contain the claim of any fact the
//!   question asks about with its slot filled by the answer (in any unit or format:
//!   "7 to 9 hours" states "7–9 h"); a claim filled with another value does not count.
//! - [`ViolationKind::WrongAnswer`]: the chosen option does not give the answer of the fact
//!   the rationale states (or, when it states none, of any fact the question asks about):
//!   a bare value equal to the answer, or the fact's claim filled with it.
//!
//! Science questions (topic [`crate::knowledge::Topic::Science`]) are not bank questions and
//! are not audited here.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::{Violation, ViolationKind};
use crate::knowledge::question::LETTERS;
use crate::knowledge::value::normalise;
use crate::knowledge::{Acceptance, ClaimMatch, Fact, Phrasing, Value, claims_in, facts};
use crate::teacher::format::ANSWER_MARKER;
use crate::teacher::parse::parse_choice;

/// How a reading compares an option with its fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The option is a bare value.
    Value,
    /// The option is the fact's claim with a value in the slot.
    Statement,
}

/// One fact the question can be read as asking about.
#[derive(Debug, Clone, Copy)]
struct Reading {
    /// The fact.
    fact: &'static Fact,
    /// How options state its value.
    mode: Mode,
}

/// A parsed prompt with what the reviewer reads into it.
struct Item<'a> {
    /// The four option texts, A to D.
    options: [&'a str; 4],
    /// The bank claims each option states.
    claims: [Vec<ClaimMatch>; 4],
    /// The facts the question can be read as asking about.
    readings: Vec<Reading>,
}

/// Bank facts by their normalised written and fill-in-the-blank stems.
static STEMS: LazyLock<HashMap<String, Vec<&'static Fact>>> = LazyLock::new(|| {
    let mut index: HashMap<String, Vec<&'static Fact>> = HashMap::new();
    for f in facts() {
        let phrasings = (0..f.phrasing_count()).filter_map(|p| f.phrasing(p));
        for phrasing in phrasings.filter(|p| *p != Phrasing::Statement) {
            index
                .entry(normalise(&f.stem(phrasing)))
                .or_default()
                .push(f);
        }
    }
    index
});

/// Audits one knowledge item from its text: `prompt` is the question as the student reads it
/// (stem and `X. option` lines) and `reply` the whole teacher reply (rationale and `Answer:`).
/// An empty list means the item passes.
pub fn audit_knowledge(prompt: &str, reply: &str) -> Vec<Violation> {
    let mut out = Vec::new();
    let answer = parse_reply(reply).map_err(|v| out.push(v)).ok();
    let rationale = answer.map_or(reply, |(text, _)| text);
    let stated: Vec<ClaimMatch> = claims_in(rationale);
    let named: Vec<&'static Fact> = stated
        .iter()
        .filter(|m| m.states_answer())
        .map(|m| m.fact)
        .collect();
    let (stem, options) = match parse_prompt(prompt) {
        Ok(parsed) => parsed,
        Err(v) => {
            out.push(v);
            return out;
        }
    };
    let item = Item::new(&stem, options, &named);
    out.extend(item.check_options());
    out.extend(item.check_named(&stated, &named));
    if let Some((_, letter)) = answer {
        out.extend(item.check_choice(letter, &named));
    }
    out
}

/// Splits the prompt into its stem and the four option texts.
fn parse_prompt(prompt: &str) -> Result<(String, [&str; 4]), Violation> {
    let lines: Vec<&str> = prompt
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let bad = |why: &str| Violation::new(ViolationKind::Format, format!("the prompt {why}"));
    if lines.len() < 5 {
        return Err(bad(
            "needs a stem followed by four options \"A. …\" to \"D. …\"",
        ));
    }
    let (stem, tail) = lines.split_at(lines.len() - 4);
    let mut options = [""; 4];
    for ((slot, line), letter) in options.iter_mut().zip(tail).zip(LETTERS) {
        *slot = line
            .strip_prefix(&format!("{letter}. "))
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .ok_or_else(|| {
                bad(&format!(
                    "has {line:?} where option {letter} (\"{letter}. …\") should be"
                ))
            })?;
    }
    Ok((stem.join("\n"), options))
}

/// Splits the reply into its rationale and the letter of its final `Answer: X` line (read by
/// the teacher parser's [`parse_choice`]).
fn parse_reply(reply: &str) -> Result<(&str, char), Violation> {
    let trimmed = reply.trim_end();
    let (rationale, last) = trimmed.rsplit_once('\n').unwrap_or(("", trimmed));
    parse_choice(last).map(|letter| (rationale, letter)).ok_or_else(|| {
        Violation::new(
            ViolationKind::Format,
            format!(
                "the reply ends with {:?}, expected a final line \"{ANSWER_MARKER} X\" with X one of A, B, C, D",
                last.trim()
            ),
        )
    })
}

/// The option text quoted with its letter: `B ("7–8 h")`.
fn quote(index: usize, option: &str) -> String {
    format!("{} ({option:?})", LETTERS[index])
}

/// Why an option is correct, in words.
fn because(fact: &Fact, acceptance: Acceptance) -> String {
    match acceptance {
        Acceptance::Answer => format!("reads as {}'s answer {:?}", fact.id, fact.answer.text()),
        Acceptance::AlsoTrue => format!("listed by {} as also true", fact.id),
        Acceptance::Narrower(g) => format!(
            "the answer of {}, a narrower case of {} that the question does not rule out",
            g.id, fact.id
        ),
    }
}

/// The ids of the facts, comma-separated.
fn ids(list: impl IntoIterator<Item = &'static Fact>) -> String {
    list.into_iter()
        .map(|f| f.id)
        .collect::<Vec<_>>()
        .join(", ")
}

impl<'a> Item<'a> {
    /// Reads the options' claims and works out the question's readings.
    fn new(stem: &str, options: [&'a str; 4], named: &[&'static Fact]) -> Self {
        let claims = options.map(claims_in);
        let mut readings: Vec<Reading> = STEMS
            .get(&normalise(stem))
            .into_iter()
            .flatten()
            .map(|&fact| Reading {
                fact,
                mode: Mode::Value,
            })
            .collect();
        for m in claims.iter().flatten() {
            if !readings
                .iter()
                .any(|r| r.mode == Mode::Statement && r.fact.id == m.fact.id)
            {
                readings.push(Reading {
                    fact: m.fact,
                    mode: Mode::Statement,
                });
            }
        }
        if readings.is_empty() {
            readings = named
                .iter()
                .filter(|f| options.iter().any(|o| f.fits(o)))
                .map(|&fact| Reading {
                    fact,
                    mode: Mode::Value,
                })
                .collect();
        }
        Item {
            options,
            claims,
            readings,
        }
    }

    /// The claim of `reading`'s fact as option `i` states it, if it does.
    fn claim(&self, i: usize, reading: &Reading) -> Option<&ClaimMatch> {
        self.claims[i].iter().find(|m| m.fact.id == reading.fact.id)
    }

    /// Why option `i` is correct under `reading`, if it is.
    fn verdict(&self, i: usize, reading: &Reading) -> Option<Acceptance> {
        match reading.mode {
            Mode::Value => reading.fact.accepts(self.options[i]),
            Mode::Statement => self.claim(i, reading).and_then(ClaimMatch::acceptance),
        }
    }

    /// Whether option `i` gives exactly the answer of `reading`'s fact.
    fn gives_answer(&self, i: usize, reading: &Reading) -> bool {
        match reading.mode {
            Mode::Value => reading.fact.is_answer(self.options[i]),
            Mode::Statement => self
                .claim(i, reading)
                .is_some_and(ClaimMatch::states_answer),
        }
    }

    /// Option `i`'s reason for being correct under some reading, described.
    fn correct_because(&self, i: usize) -> Option<String> {
        self.readings
            .iter()
            .find_map(|r| self.verdict(i, r).map(|a| because(r.fact, a)))
    }

    /// AmbiguousOption: no or several correct options, or two options saying the same thing.
    fn check_options(&self) -> Vec<Violation> {
        if self.readings.is_empty() {
            return Vec::new();
        }
        let reasons: Vec<Option<String>> = (0..4).map(|i| self.correct_because(i)).collect();
        let correct: Vec<usize> = (0..4).filter(|&i| reasons[i].is_some()).collect();
        let mut out = Vec::new();
        let ambiguous = |detail: String| Violation::new(ViolationKind::AmbiguousOption, detail);
        if correct.is_empty() {
            out.push(ambiguous(format!(
                "no option is correct for {}",
                ids(self.readings.iter().map(|r| r.fact))
            )));
        }
        if correct.len() > 1 {
            let list: Vec<String> = correct
                .iter()
                .map(|&i| {
                    format!(
                        "{}: {}",
                        quote(i, self.options[i]),
                        reasons[i].as_deref().unwrap_or("")
                    )
                })
                .collect();
            out.push(ambiguous(format!(
                "{} options are correct: {}",
                correct.len(),
                list.join("; ")
            )));
        }
        out.extend(self.same_options(&correct).map(|(i, j)| {
            ambiguous(format!(
                "options {} and {} say the same thing",
                quote(i, self.options[i]),
                quote(j, self.options[j])
            ))
        }));
        out
    }

    /// Pairs of options that say the same thing, unless both are already counted as correct.
    fn same_options<'s>(
        &'s self,
        correct: &'s [usize],
    ) -> impl Iterator<Item = (usize, usize)> + 's {
        let values = self.options.map(Value::read);
        (0..4)
            .flat_map(|i| (i + 1..4).map(move |j| (i, j)))
            .filter(move |&(i, j)| values[i].same_as(&values[j]))
            .filter(move |&(i, j)| !(correct.contains(&i) && correct.contains(&j)))
    }

    /// FactNotNamed: the rationale states none of the facts the question asks about.
    fn check_named(&self, stated: &[ClaimMatch], named: &[&'static Fact]) -> Option<Violation> {
        let asked = |f: &Fact| self.readings.iter().any(|r| r.fact.id == f.id);
        if named.iter().any(|f| asked(f)) {
            return None;
        }
        let misstated: Vec<String> = stated
            .iter()
            .filter(|m| asked(m.fact))
            .map(|m| {
                format!(
                    "{} with {:?}, but the bank gives {:?}",
                    m.fact.id,
                    m.fills[0],
                    m.fact.answer.text()
                )
            })
            .collect();
        let detail = if !misstated.is_empty() {
            format!("the rationale misstates {}", misstated.join("; "))
        } else if self.readings.is_empty() {
            "the rationale states no bank fact that fits the options, and the stem is not a bank question".to_string()
        } else if !named.is_empty() {
            format!(
                "the rationale states {}, but the question asks about {}",
                ids(named.iter().copied()),
                ids(self.readings.iter().map(|r| r.fact))
            )
        } else {
            format!(
                "the rationale states no bank fact; the question asks about {}",
                ids(self.readings.iter().map(|r| r.fact))
            )
        };
        Some(Violation::new(ViolationKind::FactNotNamed, detail))
    }

    /// WrongAnswer: the chosen option does not give the answer of the fact the rationale states
    /// (or, when it states none the question asks about, of any fact the question asks about).
    fn check_choice(&self, letter: char, named: &[&'static Fact]) -> Option<Violation> {
        let stated: Vec<Reading> = self
            .readings
            .iter()
            .filter(|r| named.iter().any(|f| f.id == r.fact.id))
            .copied()
            .collect();
        let reference = if stated.is_empty() {
            &self.readings
        } else {
            &stated
        };
        let i = LETTERS.iter().position(|&l| l == letter)?;
        if reference.is_empty() || reference.iter().any(|r| self.gives_answer(i, r)) {
            return None;
        }
        let expected: Vec<String> = reference
            .iter()
            .map(|r| format!("{} gives {:?}", r.fact.id, r.fact.answer.text()))
            .collect();
        Some(Violation::new(
            ViolationKind::WrongAnswer,
            format!(
                "{ANSWER_MARKER} {letter} picks {:?}, but {}",
                self.options[i],
                expected.join(" and ")
            ),
        ))
    }
}
