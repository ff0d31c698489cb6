//! A night's hypnogram on a one-second grid, and the totals it yields: onset latency, WASO,
//! awakenings, REM latency and stage minutes.
//!
//! Vendors give stages at different resolutions (Oura 5-minute epochs, Fitbit 30-second
//! segments overlaid with short wakes, Garmin start/end intervals); painting them all onto
//! seconds from the start of the record lets one set of rules serve every vendor:
//!
//! - **sleep span**: from the first second of any sleep stage to the last one;
//! - **onset latency**: from the start of the record to the first sleep second;
//! - **WASO**: wake seconds inside the sleep span;
//! - **awakenings**: wake bouts inside the sleep span that last [`AWAKENING_MIN_S`] or more. A
//!   bout ends only at a sleep second: seconds with no known stage (unknown codes, gaps between
//!   segments) neither end a bout nor add to its length;
//! - **REM latency**: from the first sleep second to the first REM second.

/// The shortest wake bout counted as an awakening: 5 minutes.
pub(crate) const AWAKENING_MIN_S: usize = 300;

/// The longest record the grid holds: 48 hours (no sleep period is longer).
pub(crate) const MAX_SECONDS: i64 = 48 * 3600;

/// A sleep stage as vendors report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Awake.
    Wake,
    /// Light sleep (N1 + N2).
    Light,
    /// Deep sleep (N3).
    Deep,
    /// REM sleep.
    Rem,
    /// Asleep, stage not given (Fitbit's classic logs).
    Asleep,
}

impl Stage {
    fn is_sleep(self) -> bool {
        self != Stage::Wake
    }
}

/// A mark that would put the record past [`MAX_SECONDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OutOfRange;

/// Stages per second from the start of the record; `None` where no stage is known.
#[derive(Debug, Clone, Default)]
pub(crate) struct Hypnogram {
    seconds: Vec<Option<Stage>>,
}

/// What a hypnogram yields, in minutes. Built only when the hypnogram holds sleep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct HypnogramSummary {
    /// From the start of the record to the first sleep.
    pub onset_latency_min: f32,
    /// Wake inside the sleep span.
    pub waso_min: f32,
    /// Wake bouts of 5 minutes or more inside the sleep span.
    pub awakenings: u32,
    /// From the first sleep to the first REM; `None` without REM.
    pub rem_latency_min: Option<f32>,
    /// Light sleep.
    pub light_min: f32,
    /// Deep sleep.
    pub deep_min: f32,
    /// REM sleep.
    pub rem_min: f32,
}

impl Hypnogram {
    /// An empty hypnogram.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Marks `len` seconds from `start` (seconds from the start of the record) as `stage`,
    /// over whatever was marked there before (Fitbit's short wakes go over its long segments).
    /// Seconds before the start of the record are ignored.
    pub(crate) fn mark(&mut self, start: i64, len: i64, stage: Stage) -> Result<(), OutOfRange> {
        let end = start.saturating_add(len.max(0));
        if end > MAX_SECONDS {
            return Err(OutOfRange);
        }
        let (start, end) = (start.max(0) as usize, end.max(0) as usize);
        if end > self.seconds.len() {
            self.seconds.resize(end, None);
        }
        for second in &mut self.seconds[start.min(end)..end] {
            *second = Some(stage);
        }
        Ok(())
    }

    /// The totals, or `None` when no second is asleep.
    pub(crate) fn summary(&self) -> Option<HypnogramSummary> {
        let is_sleep = |s: &Option<Stage>| s.is_some_and(Stage::is_sleep);
        let first = self.seconds.iter().position(is_sleep)?;
        let last = self.seconds.iter().rposition(is_sleep)?;
        let span = &self.seconds[first..=last];

        let mut waso = 0usize;
        let mut awakenings = 0u32;
        let mut bout = 0usize;
        for second in span {
            match second {
                Some(Stage::Wake) => {
                    waso += 1;
                    bout += 1;
                }
                Some(_) => {
                    if bout >= AWAKENING_MIN_S {
                        awakenings += 1;
                    }
                    bout = 0;
                }
                None => {}
            }
        }
        // The span ends on a sleep second, so the last bout has been closed above.

        let count = |stage: Stage| self.seconds.iter().filter(|s| **s == Some(stage)).count();
        let rem_latency = span.iter().position(|s| *s == Some(Stage::Rem));
        Some(HypnogramSummary {
            onset_latency_min: minutes(first),
            waso_min: minutes(waso),
            awakenings,
            rem_latency_min: rem_latency.map(minutes),
            light_min: minutes(count(Stage::Light)),
            deep_min: minutes(count(Stage::Deep)),
            rem_min: minutes(count(Stage::Rem)),
        })
    }
}

fn minutes(seconds: usize) -> f32 {
    seconds as f32 / 60.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Paints minute-long runs: `(minutes, stage)`; `None` leaves a gap.
    fn hypnogram(runs: &[(i64, Option<Stage>)]) -> Hypnogram {
        let mut h = Hypnogram::new();
        let mut at = 0;
        for &(min, stage) in runs {
            if let Some(stage) = stage {
                h.mark(at * 60, min * 60, stage).unwrap();
            }
            at += min;
        }
        h
    }

    #[test]
    fn totals_of_a_simple_night() {
        use Stage::*;
        // 10 wake | 30 light | 20 deep | 6 wake | 15 rem | 4 wake | 25 light | 8 wake
        let h = hypnogram(&[
            (10, Some(Wake)),
            (30, Some(Light)),
            (20, Some(Deep)),
            (6, Some(Wake)),
            (15, Some(Rem)),
            (4, Some(Wake)),
            (25, Some(Light)),
            (8, Some(Wake)),
        ]);
        let s = h.summary().unwrap();
        assert_eq!(s.onset_latency_min, 10.0);
        // Inside the span: 6 + 4; the 8 after the last sleep is not WASO.
        assert_eq!(s.waso_min, 10.0);
        // Only the 6-minute bout reaches 5 minutes.
        assert_eq!(s.awakenings, 1);
        // First REM at 10 + 30 + 20 + 6 = 66, first sleep at 10.
        assert_eq!(s.rem_latency_min, Some(56.0));
        assert_eq!((s.light_min, s.deep_min, s.rem_min), (55.0, 20.0, 15.0));
    }

    #[test]
    fn unknown_seconds_neither_end_a_bout_nor_lengthen_it() {
        use Stage::*;
        // 3 wake | 2 unknown | 3 wake is one 6-minute bout; 2 wake | 4 unknown | 2 wake is one
        // 4-minute bout (too short).
        let h = hypnogram(&[
            (20, Some(Light)),
            (3, Some(Wake)),
            (2, None),
            (3, Some(Wake)),
            (20, Some(Light)),
            (2, Some(Wake)),
            (4, None),
            (2, Some(Wake)),
            (20, Some(Deep)),
        ]);
        let s = h.summary().unwrap();
        assert_eq!(s.awakenings, 1);
        assert_eq!(s.waso_min, 10.0);
        assert_eq!(s.rem_latency_min, None);
    }

    #[test]
    fn later_marks_override_and_merge_with_neighbouring_wake() {
        let mut h = Hypnogram::new();
        h.mark(0, 600, Stage::Light).unwrap();
        h.mark(600, 240, Stage::Wake).unwrap();
        h.mark(840, 600, Stage::Light).unwrap();
        // A one-minute short wake right after the 4-minute wake: a 5-minute bout.
        h.mark(840, 60, Stage::Wake).unwrap();
        let s = h.summary().unwrap();
        assert_eq!(s.awakenings, 1);
        assert_eq!(s.waso_min, 5.0);
        assert_eq!(s.light_min, 19.0);
    }

    #[test]
    fn no_sleep_no_summary_and_absurd_marks_are_refused() {
        let mut h = Hypnogram::new();
        h.mark(0, 600, Stage::Wake).unwrap();
        assert_eq!(h.summary(), None);
        assert_eq!(h.mark(MAX_SECONDS - 10, 20, Stage::Light), Err(OutOfRange));
    }
}
