//! Sleep-analysis samples → nights: periods, naps, one source per night, and the totals, by
//! the rules in the parent module's documentation. Times are seconds since the epoch until
//! they become minutes in [`ImportedNight`].

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::HashMap;
use std::iter;
use std::ops::Range;

use chrono::{DateTime, FixedOffset, Timelike};

use crate::import::{Export, ImportedNight, Vendor};

/// Samples closer than this belong to the same period (seconds).
const PERIOD_GAP_S: i64 = 2 * 3600;
/// Periods shorter than this are naps (seconds).
const MAIN_SLEEP_MIN_S: i64 = 3 * 3600;
/// Periods starting in these local hours are naps.
const NAP_START_HOURS: Range<u32> = 10..18;
/// The shortest wake bout counted as an awakening (seconds).
const AWAKENING_MIN_S: i64 = 5 * 60;

/// Skip reason: a nap.
pub(super) const SKIP_NAP: &str = "nap (a sleep period under 3 h or starting 10:00-18:00 local)";
/// Skip reason: a period with in-bed samples only.
pub(super) const SKIP_IN_BED_ONLY: &str = "in-bed period without any sleep sample";
/// Skip reason: a sample of a source not chosen for its night.
pub(super) const SKIP_OTHER_SOURCE: &str =
    "sleep sample of a second source in the same night (de-duplicated)";

/// A value of `HKCategoryValueSleepAnalysis`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stage {
    /// `InBed`.
    InBed,
    /// `Asleep` (before watchOS 9) or `AsleepUnspecified`: asleep, stage unknown.
    Asleep,
    /// `Awake`.
    Awake,
    /// `AsleepCore`: N1 + N2, reported as light.
    Core,
    /// `AsleepDeep`: N3.
    Deep,
    /// `AsleepREM`.
    Rem,
}

/// The states of a timeline, most specific first: where one source's samples overlap, the
/// first one covering a second gives its state.
const PRECEDENCE: [Stage; 5] = [
    Stage::Awake,
    Stage::Deep,
    Stage::Rem,
    Stage::Core,
    Stage::Asleep,
];

impl Stage {
    /// The stage a `value` attribute names; `None` for an unknown value.
    pub(super) fn from_value(value: &[u8]) -> Option<Stage> {
        Some(match value.strip_prefix(b"HKCategoryValueSleepAnalysis")? {
            b"InBed" => Stage::InBed,
            b"Asleep" | b"AsleepUnspecified" => Stage::Asleep,
            b"Awake" => Stage::Awake,
            b"AsleepCore" => Stage::Core,
            b"AsleepDeep" => Stage::Deep,
            b"AsleepREM" => Stage::Rem,
            _ => return None,
        })
    }

    /// Asleep in any stage.
    fn is_asleep(self) -> bool {
        matches!(self, Stage::Asleep | Stage::Core | Stage::Deep | Stage::Rem)
    }

    /// Asleep in a known stage.
    fn is_staged(self) -> bool {
        matches!(self, Stage::Core | Stage::Deep | Stage::Rem)
    }

    /// The index in [`PRECEDENCE`] (`InBed`, never on a timeline, last).
    fn rank(self) -> usize {
        PRECEDENCE
            .iter()
            .position(|&s| s == self)
            .unwrap_or(PRECEDENCE.len())
    }
}

/// One sleep-analysis sample.
#[derive(Debug, Clone, Copy)]
struct Sample {
    start: DateTime<FixedOffset>,
    end: DateTime<FixedOffset>,
    source: u32,
    stage: Stage,
}

impl Sample {
    /// Start and end, seconds since the epoch.
    fn span(&self) -> (i64, i64) {
        (self.start.timestamp(), self.end.timestamp())
    }
}

/// Every sleep sample of an export, with its sources' names.
#[derive(Debug, Default)]
pub(super) struct SleepLog {
    samples: Vec<Sample>,
    /// Source names by id.
    sources: Vec<String>,
    /// Source ids by name.
    ids: HashMap<String, u32>,
}

impl SleepLog {
    /// Adds a sample of the source whose `sourceName`, as written in the XML, is `source`.
    pub(super) fn push(
        &mut self,
        source: &[u8],
        stage: Stage,
        start: DateTime<FixedOffset>,
        end: DateTime<FixedOffset>,
    ) {
        let source = self.source_id(source);
        self.samples.push(Sample {
            start,
            end,
            source,
            stage,
        });
    }

    /// The id of a source, by its name with XML entities resolved (`&#8217;` = `’`).
    fn source_id(&mut self, raw: &[u8]) -> u32 {
        let text = String::from_utf8_lossy(raw);
        let name = quick_xml::escape::unescape(&text).unwrap_or(Cow::Borrowed(&text));
        if let Some(&id) = self.ids.get(name.as_ref()) {
            return id;
        }
        let id = self.sources.len() as u32;
        self.sources.push(name.to_string());
        self.ids.insert(name.into_owned(), id);
        id
    }

    /// The nights in time order; in-bed-only periods, naps (where a main period exists) and
    /// other sources' samples are counted in `export.skipped`.
    pub(super) fn into_nights(mut self, export: &mut Export) -> Vec<ImportedNight> {
        self.samples.sort_by_key(|s| (s.start, s.end, s.source));
        let (with_sleep, in_bed_only): (Vec<_>, Vec<_>) = periods(&self.samples)
            .into_iter()
            .partition(|p| p.iter().any(|s| s.stage.is_asleep()));
        in_bed_only
            .iter()
            .for_each(|_| export.skip(SKIP_IN_BED_ONLY));
        let (main, naps): (Vec<_>, Vec<_>) = with_sleep.into_iter().partition(|p| is_main(p));
        let reported = if main.is_empty() {
            naps
        } else {
            naps.iter().for_each(|_| export.skip(SKIP_NAP));
            main
        };
        reported
            .into_iter()
            .filter_map(|p| night(p, &self.sources, export))
            .collect()
    }
}

/// Sorted samples split where one starts 2 h or more after every earlier one has ended.
fn periods(samples: &[Sample]) -> Vec<&[Sample]> {
    let mut periods = Vec::new();
    let mut first = 0;
    let mut latest_end: Option<DateTime<FixedOffset>> = None;
    for (i, s) in samples.iter().enumerate() {
        match latest_end {
            Some(end) if (s.start - end).num_seconds() >= PERIOD_GAP_S => {
                periods.push(&samples[first..i]);
                first = i;
                latest_end = Some(s.end);
            }
            _ => latest_end = latest_end.max(Some(s.end)),
        }
    }
    if first < samples.len() {
        periods.push(&samples[first..]);
    }
    periods
}

/// Whether a period is a main sleep: 3 h or longer, not starting 10:00-18:00 local time.
fn is_main(period: &[Sample]) -> bool {
    let (Some(first), Some(end)) = (period.first(), period.iter().map(|s| s.end).max()) else {
        return false;
    };
    (end - first.start).num_seconds() >= MAIN_SLEEP_MIN_S
        && !NAP_START_HOURS.contains(&first.start.hour())
}

/// Total seconds covered by `spans`, overlaps counted once.
fn covered(spans: impl Iterator<Item = (i64, i64)>) -> i64 {
    let mut spans: Vec<(i64, i64)> = spans.collect();
    spans.sort_unstable();
    let mut total = 0;
    let mut reach = i64::MIN;
    for (start, end) in spans {
        let start = start.max(reach);
        if end > start {
            total += end - start;
            reach = end;
        }
    }
    total
}

/// Seconds `source` covers with samples of the stages `keep` accepts.
fn source_seconds(period: &[Sample], source: u32, keep: fn(Stage) -> bool) -> i64 {
    covered(
        period
            .iter()
            .filter(|s| s.source == source && keep(s.stage))
            .map(Sample::span),
    )
}

/// The source read for a period: most staged sleep, then most asleep time, then the first
/// name alphabetically; `None` when no source recorded sleep.
fn choose_source(period: &[Sample], names: &[String]) -> Option<u32> {
    let mut ids: Vec<u32> = period.iter().map(|s| s.source).collect();
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter()
        .filter_map(|id| {
            let staged = source_seconds(period, id, Stage::is_staged);
            let asleep = source_seconds(period, id, Stage::is_asleep);
            (asleep > 0).then_some((staged, asleep, Reverse(&names[id as usize]), id))
        })
        .max()
        .map(|(.., id)| id)
}

/// A stretch of a timeline in one state (`None`: no sample).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment {
    start: i64,
    end: i64,
    state: Option<Stage>,
}

impl Segment {
    fn seconds(&self) -> i64 {
        self.end - self.start
    }

    fn is_asleep(&self) -> bool {
        self.state.is_some_and(Stage::is_asleep)
    }
}

/// One source's samples (no `InBed`) as consecutive segments from its first start to its
/// last end, overlaps resolved by [`PRECEDENCE`].
fn timeline<'a>(samples: impl Iterator<Item = &'a Sample>) -> Vec<Segment> {
    let mut edges: Vec<(i64, i32, Stage)> = samples
        .flat_map(|s| {
            [
                (s.start.timestamp(), 1, s.stage),
                (s.end.timestamp(), -1, s.stage),
            ]
        })
        .collect();
    edges.sort_unstable_by_key(|&(t, ..)| t);
    let mut active = [0i32; PRECEDENCE.len() + 1];
    let mut segments: Vec<Segment> = Vec::new();
    for (i, &(t, delta, stage)) in edges.iter().enumerate() {
        active[stage.rank()] += delta;
        let Some(&(next, ..)) = edges.get(i + 1).filter(|e| e.0 > t) else {
            continue;
        };
        let state = PRECEDENCE.into_iter().find(|s| active[s.rank()] > 0);
        match segments.last_mut() {
            Some(last) if last.state == state => last.end = next,
            _ => segments.push(Segment {
                start: t,
                end: next,
                state,
            }),
        }
    }
    segments
}

/// The sleep totals of one timeline, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Totals {
    sleep_start: i64,
    asleep: i64,
    waso: i64,
    awakenings: u32,
    /// Core, Deep, REM seconds; `None` without any staged second.
    stages: Option<[i64; 3]>,
    first_rem: Option<i64>,
}

impl Totals {
    /// `None` when the timeline has no asleep second.
    fn of(timeline: &[Segment]) -> Option<Totals> {
        let first = timeline.iter().position(Segment::is_asleep)?;
        let last = timeline.iter().rposition(Segment::is_asleep)?;
        let span = &timeline[first..=last];
        let asleep: i64 = span
            .iter()
            .filter(|s| s.is_asleep())
            .map(Segment::seconds)
            .sum();
        let stage = |stage| -> i64 {
            span.iter()
                .filter(|s| s.state == Some(stage))
                .map(Segment::seconds)
                .sum()
        };
        let staged = span.iter().any(|s| s.state.is_some_and(Stage::is_staged));
        Some(Totals {
            sleep_start: span[0].start,
            asleep,
            waso: span[span.len() - 1].end - span[0].start - asleep,
            awakenings: wake_bouts(span),
            stages: staged.then(|| [stage(Stage::Core), stage(Stage::Deep), stage(Stage::Rem)]),
            first_rem: span
                .iter()
                .find(|s| s.state == Some(Stage::Rem))
                .map(|s| s.start),
        })
    }
}

/// Runs of non-asleep segments of 5 minutes or more between asleep ones.
fn wake_bouts(span: &[Segment]) -> u32 {
    let mut bouts = 0;
    let mut run = 0;
    for s in span {
        if s.is_asleep() {
            bouts += u32::from(run >= AWAKENING_MIN_S);
            run = 0;
        } else {
            run += s.seconds();
        }
    }
    bouts
}

/// Time in bed: the union of every `InBed` sample and the chosen source's span.
#[derive(Debug, Clone, Copy)]
struct Bed {
    start: DateTime<FixedOffset>,
    end: DateTime<FixedOffset>,
    seconds: i64,
    /// The first `InBed` start, of any source.
    first_in_bed: Option<i64>,
}

impl Bed {
    /// `chosen` holds the chosen source's samples other than `InBed`, none empty.
    fn of(period: &[Sample], chosen: &[&Sample]) -> Option<Bed> {
        let in_bed: Vec<&Sample> = period.iter().filter(|s| s.stage == Stage::InBed).collect();
        let span_start = chosen.iter().map(|s| s.start).min()?;
        let span_end = chosen.iter().map(|s| s.end).max()?;
        let spans = in_bed.iter().map(|s| s.span());
        let seconds =
            covered(spans.chain(iter::once((span_start.timestamp(), span_end.timestamp()))));
        Some(Bed {
            start: in_bed
                .iter()
                .map(|s| s.start)
                .chain(iter::once(span_start))
                .min()?,
            end: in_bed
                .iter()
                .map(|s| s.end)
                .chain(iter::once(span_end))
                .max()?,
            seconds,
            first_in_bed: in_bed.iter().map(|s| s.start.timestamp()).min(),
        })
    }
}

/// Seconds as minutes.
fn minutes(seconds: i64) -> f32 {
    seconds as f32 / 60.0
}

/// One period as a night (signals left `None`), counting the other sources' samples as
/// skipped; `None` when no source recorded sleep.
fn night(period: &[Sample], names: &[String], export: &mut Export) -> Option<ImportedNight> {
    let source = choose_source(period, names)?;
    let (chosen, others): (Vec<&Sample>, Vec<&Sample>) = period
        .iter()
        .filter(|s| s.stage != Stage::InBed)
        .partition(|s| s.source == source);
    others.iter().for_each(|_| export.skip(SKIP_OTHER_SOURCE));
    let totals = Totals::of(&timeline(chosen.iter().copied()))?;
    let bed = Bed::of(period, &chosen)?;
    let stage = |i: usize| totals.stages.map(|s| minutes(s[i]));
    Some(ImportedNight {
        vendor: Vendor::Apple,
        record_id: None,
        bed_start: bed.start,
        bed_end: bed.end,
        time_in_bed_min: minutes(bed.seconds),
        total_sleep_min: minutes(totals.asleep),
        onset_latency_min: bed
            .first_in_bed
            .map(|t| minutes((totals.sleep_start - t).max(0))),
        waso_min: Some(minutes(totals.waso)),
        awakenings: Some(totals.awakenings),
        light_min: stage(0),
        deep_min: stage(1),
        rem_min: stage(2),
        rem_latency_min: totals.first_rem.map(|t| minutes(t - totals.sleep_start)),
        resting_hr: None,
        mean_hr: None,
        hrv_ms: None,
        spo2_mean: None,
        spo2_nadir: None,
        odi: None,
        respiratory_rate: None,
        sleep_score: None,
    })
}
