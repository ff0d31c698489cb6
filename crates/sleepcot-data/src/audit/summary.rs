//! Counting violations by kind over many audited items, with a few examples of each.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Violation, ViolationKind};

/// How many examples of each kind a summary keeps.
const EXAMPLES_PER_KIND: usize = 3;

/// The result of auditing many items: counts by kind and a few examples of each.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditSummary {
    /// Items (replies) audited.
    pub items: usize,
    /// Items with at least one violation.
    pub failing_items: usize,
    /// Violations by kind.
    pub counts: BTreeMap<ViolationKind, usize>,
    /// Up to three examples per kind: `(item id, detail)`.
    pub examples: BTreeMap<ViolationKind, Vec<(String, String)>>,
}

impl AuditSummary {
    /// Records the violations of one item (an empty list is a passing item).
    pub fn add(&mut self, item_id: &str, violations: &[Violation]) {
        self.items += 1;
        if !violations.is_empty() {
            self.failing_items += 1;
        }
        for v in violations {
            *self.counts.entry(v.kind).or_default() += 1;
            let examples = self.examples.entry(v.kind).or_default();
            if examples.len() < EXAMPLES_PER_KIND {
                examples.push((item_id.to_string(), v.detail.clone()));
            }
        }
    }

    /// Merges another summary into this one (examples are kept up to the limit, in order).
    pub fn merge(&mut self, other: AuditSummary) {
        self.items += other.items;
        self.failing_items += other.failing_items;
        for (kind, n) in other.counts {
            *self.counts.entry(kind).or_default() += n;
        }
        for (kind, list) in other.examples {
            let examples = self.examples.entry(kind).or_default();
            for e in list {
                if examples.len() < EXAMPLES_PER_KIND {
                    examples.push(e);
                }
            }
        }
    }

    /// Total number of violations.
    pub fn total(&self) -> usize {
        self.counts.values().sum()
    }

    /// Whether no violation was found.
    pub fn is_clean(&self) -> bool {
        self.total() == 0
    }
}

impl fmt::Display for AuditSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} items audited, {} with violations, {} violations",
            self.items,
            self.failing_items,
            self.total()
        )?;
        for kind in ViolationKind::ALL {
            let n = self.counts.get(&kind).copied().unwrap_or(0);
            if n == 0 {
                continue;
            }
            writeln!(f, "  {:<24} {n}", kind.name())?;
            for (id, detail) in self.examples.get(&kind).into_iter().flatten() {
                writeln!(f, "    {id}: {detail}")?;
            }
        }
        Ok(())
    }
}
