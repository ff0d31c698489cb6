//! Keeping the nights of a date range (`--from-date`, `--to-date`).

use std::path::Path;

use chrono::NaiveDate;

use super::evening::Evening;
use super::{Export, ImportError};

/// The skip reason of a night outside the range.
const OUTSIDE: &str = "night outside --from-date/--to-date";

/// The evenings to keep, both ends included; an open end keeps everything on that side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DateRange {
    /// The first evening kept.
    pub from: Option<NaiveDate>,
    /// The last evening kept.
    pub to: Option<NaiveDate>,
}

impl DateRange {
    /// Whether an evening falls in the range.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from.is_none_or(|f| date >= f) && self.to.is_none_or(|t| date <= t)
    }

    /// Keeps the nights whose evening ([`Evening`]) falls in the range, counting the others as
    /// skipped. Fails with [`ImportError::EmptyRange`] when `from` is after `to`, and with
    /// [`ImportError::NoNights`] (naming `path`, the export's files) when no night is left.
    pub fn apply(&self, path: &Path, export: &mut Export) -> Result<(), ImportError> {
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from > to
        {
            return Err(ImportError::EmptyRange { from, to });
        }
        let before = export.nights.len();
        export.nights.retain(|n| self.contains(Evening::of(n).date));
        let dropped = before - export.nights.len();
        super::record::skip_n(export, OUTSIDE, dropped);
        if export.nights.is_empty() {
            let show = |d: Option<NaiveDate>| d.map_or_else(|| "…".to_string(), |d| d.to_string());
            return Err(ImportError::NoNights {
                path: path.to_path_buf(),
                why: format!(
                    "none of its {before} nights falls in the date range {} to {}",
                    show(self.from),
                    show(self.to)
                ),
            });
        }
        Ok(())
    }
}
