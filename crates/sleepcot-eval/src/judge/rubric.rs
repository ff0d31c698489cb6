//! The judge's fixed rubric and the prompt built from it.
//!
//! The rubric is a constant with a version: every stored judgement names the version it was
//! scored under, and evaluation refuses judgements of another version. Changing a word of the
//! rubric also changes every request body, so the shared reply cache cannot answer a new
//! rubric's request with an old rubric's reply.

use sleepcot_data::instructions::ChatTurn;
use sleepcot_data::report::Report;

/// The version of [`RUBRIC`], stored with every judgement.
pub const RUBRIC_VERSION: &str = "sleepcot-judge-1";

/// The system prompt: what each axis means and what each band of the 1-10 scale requires.
pub const RUBRIC: &str = "\
You review sleep-health advice that an assistant wrote for one person from that person's \
wearable sleep report. You are given the report and request, the findings that the report's \
numbers support (a reference list, computed from the data), and the answer under review. \
Score the answer on three axes, each an integer from 1 (worst) to 10 (best).

personalisation: does the advice rest on this person's own data and circumstances?
- 1-2: generic sleep advice that would fit anyone; none of the person's numbers or findings.
- 3-4: mentions the person, but the advice ignores most reference findings.
- 5-6: addresses some reference findings; misses important ones or adds problems the data do not show.
- 7-8: addresses most reference findings, quoting the person's values.
- 9-10: addresses every reference finding with the person's own values, in order of importance, and invents nothing.

reasoning: does the answer argue from the data to the advice?
- 1-2: no argument, or one that contradicts the data.
- 3-4: claims without the numbers behind them, or numbers compared with the wrong norm.
- 5-6: a partly sound argument with gaps or misread values.
- 7-8: each recommendation follows from a stated finding; small slips.
- 9-10: every recommendation follows from a finding it names, values are quoted correctly against the right norm, and urgent problems come first.

knowledge: is the sleep science correct and correctly applied?
- 1-2: wrong or unsafe claims.
- 3-4: mostly vague; some claims are wrong.
- 5-6: correct but generic; misses what the findings call for.
- 7-8: correct norms and evidence-based measures that fit the findings.
- 9-10: as 7-8, and it refers the person to a clinician exactly when a red flag calls for it, without overclaiming.

Score only what the answer says: length, politeness and formatting earn nothing, and an answer \
cut off before its end is scored on what it contains. Reply with one JSON object and nothing \
else:
{\"personalisation\": <1-10>, \"reasoning\": <1-10>, \"knowledge\": <1-10>, \"justification\": \"<one or two sentences>\"}";

/// The judge's chat for one answer: [`RUBRIC`] as the system turn, and a user turn with the
/// person's report and request (`request`, the test record's user turn), the reference findings
/// and red flags of `report`, and `answer`.
pub fn judge_messages(request: &str, report: &Report, answer: &str) -> Vec<ChatTurn> {
    let mut user = String::new();
    user.push_str("## Report and request\n\n");
    user.push_str(request.trim());
    user.push_str("\n\n## Reference findings (computed from the data)\n\n");
    if report.findings.is_empty() {
        user.push_str("- none: every measure is within its norm\n");
    }
    for f in &report.findings {
        user.push_str(&format!(
            "- {}: {} {} (norm {})\n",
            f.kind.label(),
            f.metric,
            f.value,
            f.norm
        ));
    }
    user.push_str("\nRed flags that call for a clinician: ");
    if report.red_flags.is_empty() {
        user.push_str("none");
    } else {
        let flags: Vec<&str> = report.red_flags.iter().map(|f| f.kind.label()).collect();
        user.push_str(&flags.join("; "));
    }
    user.push_str("\n\n## Answer under review\n\n");
    user.push_str(answer.trim());
    user.push('\n');
    vec![
        ChatTurn::new("system", RUBRIC),
        ChatTurn::new("user", &user),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_data::recommendation_records;

    #[test]
    fn the_prompt_holds_the_rubric_report_reference_and_answer() {
        let (record, report) = recommendation_records()
            .find(|(_, r)| !r.findings.is_empty() && !r.red_flags.is_empty())
            .expect("a report with findings and a red flag");
        let messages = judge_messages(&record.user, report, "Go to bed earlier.");
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0].role, "system");
        assert!(messages[0].content.contains("\"personalisation\": <1-10>"));
        let user = &messages[1].content;
        assert!(user.contains(record.user.trim()));
        for f in &report.findings {
            assert!(user.contains(f.kind.label()), "{}", f.kind.label());
        }
        for flag in &report.red_flags {
            assert!(user.contains(flag.kind.label()));
        }
        assert!(user.ends_with("## Answer under review\n\nGo to bed earlier.\n"));
    }
}
