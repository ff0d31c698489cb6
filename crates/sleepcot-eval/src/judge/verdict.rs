//! Reading the judge's reply: one JSON object with an integer score from 1 to 10 per axis.

use serde::{Deserialize, Serialize};

/// One of the paper's three axes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Axis {
    /// The advice rests on the person's own data.
    Personalisation,
    /// The advice follows from the data by a sound argument.
    Reasoning,
    /// The sleep science is correct and correctly applied.
    Knowledge,
}

impl Axis {
    /// Every axis, in table order.
    pub const ALL: [Axis; 3] = [Axis::Personalisation, Axis::Reasoning, Axis::Knowledge];

    /// The key in the judge's JSON reply.
    pub fn key(self) -> &'static str {
        match self {
            Axis::Personalisation => "personalisation",
            Axis::Reasoning => "reasoning",
            Axis::Knowledge => "knowledge",
        }
    }

    /// The metric name in `metrics.json` and the report.
    pub fn metric(self) -> &'static str {
        match self {
            Axis::Personalisation => "judge_personalisation",
            Axis::Reasoning => "judge_reasoning",
            Axis::Knowledge => "judge_knowledge",
        }
    }
}

/// The three scores of one judged answer, each from 1 to 10.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scores {
    /// Personalisation.
    pub personalisation: u8,
    /// Reasoning.
    pub reasoning: u8,
    /// Knowledge application.
    pub knowledge: u8,
}

impl Scores {
    /// The score on `axis`.
    pub fn get(&self, axis: Axis) -> u8 {
        match axis {
            Axis::Personalisation => self.personalisation,
            Axis::Reasoning => self.reasoning,
            Axis::Knowledge => self.knowledge,
        }
    }
}

/// A parsed reply: the scores and the judge's one-line justification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The scores.
    pub scores: Scores,
    /// Why, in the judge's words (empty when it gave none).
    pub justification: String,
}

/// Reads the JSON object in `reply`: the text from its first `{` to its last `}`, so a code
/// fence or a sentence around the object is tolerated. Each axis must be an integer from 1 to
/// 10 (`7` or `7.0`); anything else is an error of one clause naming the axis.
pub fn parse_verdict(reply: &str) -> Result<Verdict, String> {
    let (Some(start), Some(end)) = (reply.find('{'), reply.rfind('}')) else {
        return Err("the reply holds no JSON object".into());
    };
    if end < start {
        return Err("the reply holds no JSON object".into());
    }
    let value: serde_json::Value = serde_json::from_str(&reply[start..=end])
        .map_err(|e| format!("the reply's JSON object does not parse ({e})"))?;
    let object = value
        .as_object()
        .ok_or("the reply's JSON is not an object")?;
    let score = |axis: Axis| -> Result<u8, String> {
        let v = object
            .get(axis.key())
            .ok_or_else(|| format!("the reply has no `{}` score", axis.key()))?;
        match v.as_f64() {
            Some(x) if x.fract() == 0.0 && (1.0..=10.0).contains(&x) => Ok(x as u8),
            _ => Err(format!(
                "the `{}` score is {v}, not an integer from 1 to 10",
                axis.key()
            )),
        }
    };
    Ok(Verdict {
        scores: Scores {
            personalisation: score(Axis::Personalisation)?,
            reasoning: score(Axis::Reasoning)?,
            knowledge: score(Axis::Knowledge)?,
        },
        justification: object
            .get("justification")
            .and_then(|j| j.as_str())
            .unwrap_or_default()
            .trim()
            .to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_fenced_and_wrapped_objects_parse() {
        let plain = r#"{"personalisation": 8, "reasoning": 7, "knowledge": 9, "justification": "Uses the ODI."}"#;
        let v = parse_verdict(plain).unwrap();
        assert_eq!(
            v.scores,
            Scores {
                personalisation: 8,
                reasoning: 7,
                knowledge: 9
            }
        );
        assert_eq!(v.justification, "Uses the ODI.");
        let fenced = "Here is my review:\n```json\n{\"personalisation\": 2, \"reasoning\": 3.0, \"knowledge\": 10}\n```";
        let v = parse_verdict(fenced).unwrap();
        assert_eq!(v.scores.get(Axis::Reasoning), 3);
        assert_eq!(v.scores.get(Axis::Knowledge), 10);
        assert_eq!(v.justification, "");
    }

    #[test]
    fn missing_out_of_range_and_non_json_replies_are_named() {
        assert_eq!(
            parse_verdict("I would rate it highly.").unwrap_err(),
            "the reply holds no JSON object"
        );
        assert_eq!(
            parse_verdict(r#"{"personalisation": 8, "knowledge": 9}"#).unwrap_err(),
            "the reply has no `reasoning` score"
        );
        assert_eq!(
            parse_verdict(r#"{"personalisation": 11, "reasoning": 7, "knowledge": 9}"#)
                .unwrap_err(),
            "the `personalisation` score is 11, not an integer from 1 to 10"
        );
        assert_eq!(
            parse_verdict(r#"{"personalisation": 6.5, "reasoning": 7, "knowledge": 9}"#)
                .unwrap_err(),
            "the `personalisation` score is 6.5, not an integer from 1 to 10"
        );
        assert_eq!(
            parse_verdict(r#"{"personalisation": "8", "reasoning": 7, "knowledge": 9}"#)
                .unwrap_err(),
            "the `personalisation` score is \"8\", not an integer from 1 to 10"
        );
        assert!(
            parse_verdict("{personalisation: 8}")
                .unwrap_err()
                .starts_with("the reply's JSON object does not parse")
        );
        assert_eq!(
            parse_verdict("[1, 2]").unwrap_err(),
            "the reply holds no JSON object"
        );
    }
}
