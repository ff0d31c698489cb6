//! Value copying: whether the values a checklist quotes are exactly the person's.
//!
//! The compact reply checks every rule on a line of its own, `- key value sign norm: verdict`
//! ([`sleepcot_data::teacher::compact`]). Each verdict rests on the value the line quotes, so
//! a student that writes the checklist's form but not the person's values decides from the
//! population, not from the report. Numeric faithfulness does not show this: it accepts a
//! value within a display step of any value the report shows. Here each checklist line of a
//! measured rule is compared, as text, with the value the teacher's line quotes for this person
//! (`32 min`, `22:50`); the first line per key counts. Outputs without checklist lines (the
//! full style's prose) leave the metric undefined.

use sleepcot_data::findings::RULES;
use sleepcot_data::report::Report;
use sleepcot_data::teacher::compact::{checklist_key, checklist_value};

/// Checklist lines of measured rules in `output`, and how many of them quote the person's
/// value exactly: `(checked, copied)`.
pub fn copied_values(report: &Report, output: &str) -> (usize, usize) {
    let (mut checked, mut copied) = (0, 0);
    for rule in RULES {
        let Some(expected) = checklist_value(report, rule) else {
            continue;
        };
        let prefix = format!("- {} ", checklist_key(rule.kind));
        let quoted = output
            .lines()
            .find_map(|line| line.trim_start().strip_prefix(prefix.as_str()));
        if let Some(rest) = quoted {
            checked += 1;
            if quotes(rest, &expected) {
                copied += 1;
            }
        }
    }
    (checked, copied)
}

/// Whether `rest` (a checklist line after its key) opens with `expected` as whole words.
fn quotes(rest: &str, expected: &str) -> bool {
    rest.strip_prefix(expected)
        .is_some_and(|after| after.is_empty() || after.starts_with([' ', ':', ',']))
}

#[cfg(test)]
mod tests {
    use sleepcot_data::findings::RULES;
    use sleepcot_data::report::Report;
    use sleepcot_data::teacher::compact::{checklist_key, checklist_value, compact_recommendation};

    use super::copied_values;
    use crate::test_data::dataset;

    fn reports() -> &'static [Report] {
        &dataset().reports
    }

    #[test]
    fn the_teachers_checklist_copies_every_measured_value() {
        for report in reports() {
            let reply = compact_recommendation(report);
            let measured = RULES
                .iter()
                .filter(|r| checklist_value(report, r).is_some())
                .count();
            let text = format!("{}\n{}", reply.rationale, reply.answer);
            assert_eq!(copied_values(report, &text), (measured, measured));
        }
    }

    #[test]
    fn a_changed_digit_is_not_a_copy_and_prose_is_not_scored() {
        let report = &reports()[0];
        let rule = RULES
            .iter()
            .find(|r| checklist_value(report, r).is_some())
            .unwrap();
        let value = checklist_value(report, rule).unwrap();
        let key = checklist_key(rule.kind);
        let right = format!("- {key} {value} < 1: ok");
        assert_eq!(copied_values(report, &right), (1, 1));
        // One more digit after the value is another number.
        let longer = right.replacen(&value, &format!("{}9{}", &value[..1], &value[1..]), 1);
        assert_eq!(copied_values(report, &longer), (1, 0));
        assert_eq!(
            copied_values(report, &format!("- {key} 1234 min: ok")),
            (1, 0)
        );
        assert_eq!(
            copied_values(report, &format!("The {key} is {value}.")),
            (0, 0)
        );
    }
}
