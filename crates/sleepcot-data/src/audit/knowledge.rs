//! The knowledge-question audit (placeholder signature; filled in by the knowledge work).

use super::Violation;

/// Audits one knowledge item from its text: `prompt` is the question as the student reads it
/// (stem and `X. option` lines) and `reply` the whole teacher reply (rationale and `Answer:`).
pub fn audit_knowledge(prompt: &str, reply: &str) -> Vec<Violation> {
    let _ = (prompt, reply);
    Vec::new()
}
