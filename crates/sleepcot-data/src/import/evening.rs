//! Which evening a night belongs to, and its bedtime on the report's clock.
//!
//! A night belongs to the evening on which it starts, read on the local clock of the person
//! (the UTC offset the vendor recorded at bedtime, so a night across a DST change or a
//! time-zone change is dated by where it began). A bedtime before noon is after midnight and
//! belongs to the previous evening: 00:40 on 31 March is the night of 30 March at clock hour
//! 24.67, as the report's clock convention counts it (see [`crate::report`]); 08:30 after a
//! night shift is clock hour 32.5 of the previous evening.

use chrono::{Datelike, Duration, NaiveDate, Timelike};

use super::ImportedNight;
use crate::report::Weekday;

/// The evening a night belongs to and its bedtime in report clock hours (`[12, 36)`, whole
/// minutes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evening {
    /// The local calendar date of the evening.
    pub date: NaiveDate,
    /// Lights-out in clock hours counted from that date's midnight.
    pub bedtime_h: f32,
}

impl Evening {
    /// The evening of `night`, from its local bed start rounded to the whole minute.
    pub fn of(night: &ImportedNight) -> Evening {
        let local = night.bed_start.naive_local() + Duration::seconds(30);
        let minute = local.hour() * 60 + local.minute();
        let (date, minutes) = if minute < 12 * 60 {
            (local.date() - Duration::days(1), minute + 24 * 60)
        } else {
            (local.date(), minute)
        };
        Evening {
            date,
            bedtime_h: minutes as f32 / 60.0,
        }
    }

    /// The day of the week of the evening.
    pub fn weekday(&self) -> Weekday {
        match self.date.weekday() {
            chrono::Weekday::Mon => Weekday::Monday,
            chrono::Weekday::Tue => Weekday::Tuesday,
            chrono::Weekday::Wed => Weekday::Wednesday,
            chrono::Weekday::Thu => Weekday::Thursday,
            chrono::Weekday::Fri => Weekday::Friday,
            chrono::Weekday::Sat => Weekday::Saturday,
            chrono::Weekday::Sun => Weekday::Sunday,
        }
    }
}
