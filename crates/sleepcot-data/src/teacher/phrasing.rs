//! Varied phrasing: template choice and placeholder filling.
//!
//! Every sentence the expert teacher writes comes from a small set of interchangeable templates,
//! one of which is picked with the item's seeded RNG. A student therefore cannot score well by
//! memorising one fixed string: it has to learn where the numbers and labels go. Templates use
//! `{name}` placeholders, filled by [`fill`]; the machine-checkable parts (finding tags, the
//! `Answer:` line, the referral marker) are never inside a template, so varying the wording can
//! never break the parser.

use rand::Rng;

/// Picks one of `options` uniformly with `rng`.
///
/// `options` must not be empty; every template table in this module tree is a non-empty
/// constant array, which the unit tests check.
pub fn pick<'a, R: Rng + ?Sized>(rng: &mut R, options: &[&'a str]) -> &'a str {
    options[rng.random_range(0..options.len())]
}

/// Replaces every `{name}` in `template` with the value given for `name`.
///
/// Placeholders without a value are left as they are, so a missing value shows up in tests as a
/// literal `{name}` rather than silently vanishing.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match values.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) => out.push_str(v),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Picks a template with `rng` and fills it: the usual way one sentence is written.
pub fn say<R: Rng + ?Sized>(rng: &mut R, options: &[&str], values: &[(&str, &str)]) -> String {
    fill(pick(rng, options), values)
}

/// Joins items as an English list: `a`, `a and b`, `a, b and c`.
pub fn join_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Stream, item_rng};

    #[test]
    fn fill_replaces_known_and_keeps_unknown_placeholders() {
        let s = fill("{a} slept {h} h, {missing}", &[("a", "You"), ("h", "6.5")]);
        assert_eq!(s, "You slept 6.5 h, {missing}");
        assert_eq!(fill("no braces", &[]), "no braces");
        assert_eq!(fill("open { only", &[]), "open { only");
    }

    #[test]
    fn pick_reaches_every_option() {
        let options = ["a", "b", "c"];
        let mut rng = item_rng(1, Stream::Teacher, 0);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..200 {
            seen.insert(pick(&mut rng, &options));
        }
        assert_eq!(seen.len(), 3);
    }

    #[test]
    fn join_list_uses_commas_and_and() {
        let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(join_list(&v(&[])), "");
        assert_eq!(join_list(&v(&["x"])), "x");
        assert_eq!(join_list(&v(&["x", "y"])), "x and y");
        assert_eq!(join_list(&v(&["x", "y", "z"])), "x, y and z");
    }
}
