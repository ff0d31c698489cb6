//! Apple Health `export.xml` → nights, streamed.
//!
//! The export is read as a stream of XML events (quick-xml); no document tree is built. A
//! `<Record>` whose `type` is not one of the six below is dropped after reading that one
//! attribute (and counted, all such types under one skip reason), so memory grows with the
//! sleep samples and the quantity samples of these types (16 bytes each), never with the
//! file's size or its steps, energy and other records.
//!
//! | record `type` | kept as |
//! |---|---|
//! | `HKCategoryTypeIdentifierSleepAnalysis` | a sleep sample (source, start, end, stage) |
//! | `HKQuantityTypeIdentifierHeartRate` (count/min) | mean heart rate, and the lowest as the resting rate |
//! | `HKQuantityTypeIdentifierRestingHeartRate` (count/min) | the resting rate when the night has no heart-rate sample: Apple's lowest for the local day the night ends on |
//! | `HKQuantityTypeIdentifierHeartRateVariabilitySDNN` (ms) | mean HRV, marked [`HrvKind::Sdnn`](super::HrvKind::Sdnn) |
//! | `HKQuantityTypeIdentifierOxygenSaturation` (a fraction: 0.95 = 95 %) | mean and nadir SpO2 in % |
//! | `HKQuantityTypeIdentifierRespiratoryRate` (count/min) | mean breathing rate |
//!
//! A quantity sample belongs to a night when its start lies between the night's `bed_start`
//! and `bed_end`; one with another unit is skipped and counted. SpO2 above 1 and up to 100 is
//! taken as a percentage already (a warning is logged); above 100 %, or any value that is not
//! a positive number, is [`ImportError::BadValue`].
//!
//! `<Me>` gives the date of birth (age on the morning of the last night) and the biological
//! sex. Every date carries its own UTC offset, so durations across a DST change are exact.
//!
//! **Nights.** Sleep samples of all sources, sorted by start, form one period while each
//! sample starts less than 2 h after the latest end so far. A period without any asleep sample
//! (in bed only) is skipped. A period shorter than 3 h, or starting between 10:00 and 18:00
//! local time, is a nap and skipped — unless the export holds no main period at all, when its
//! naps are reported as nights.
//!
//! **Sources.** Apple Watch, iPhone and third-party apps write overlapping samples; only one
//! source is read per night, so nothing is counted twice. The chosen source is the one with
//! the most staged sleep (Core, Deep, REM) in the period, else the one with the most asleep
//! time (ties: the first name in alphabetical order). Its samples, overlaps merged, give each
//! second's state; where its own samples overlap, the more specific label wins: Awake over
//! Deep over REM over Core over unspecified Asleep. The other sources' asleep and awake
//! samples are skipped and counted; their in-bed samples still count as time in bed.
//!
//! **Totals**, from the chosen source's timeline:
//! - total sleep: the seconds asleep (Core, Deep, REM, unspecified Asleep);
//! - light, deep, REM: Core, Deep, REM; all three `None` when the source gave no staged sample
//!   that night (unspecified sleep only);
//! - WASO: the seconds not asleep between the first and the last asleep second (Awake samples
//!   and unrecorded gaps alike); awakenings: those non-asleep runs of 5 minutes or more;
//! - latency: first asleep second − the first `InBed` start of any source (`None` without an
//!   `InBed` sample, 0 when sleep starts before it); REM latency: first REM − first asleep;
//! - time in bed: the union of every source's `InBed` samples with the chosen source's span
//!   from its first to its last sample (asleep or awake); `bed_start` and `bed_end` are that
//!   union's ends, each with the UTC offset its own sample carried.
//!
//! **Units.** Durations are exact seconds between offset-carrying dates, reported in minutes.
//! The date of birth gives the age on the local date the last night ends (the `ExportDate` is
//! not needed: a successful import always has a night).

use std::borrow::Cow;
use std::io::{self, BufRead, Read};
use std::path::Path;

use chrono::{DateTime, FixedOffset, NaiveDate};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::{Export, ImportError, ImportedNight};
use crate::persona::Sex;

mod night;
mod signals;
#[cfg(test)]
mod tests;

use night::{SleepLog, Stage};
use signals::{Quantity, Signals};

/// The vendor name in error messages.
const VENDOR: &str = "HealthKit (Apple Health)";
/// The root element of `export.xml`.
const ROOT: &[u8] = b"HealthData";
/// The sleep-analysis record type.
const SLEEP_TYPE: &str = "HKCategoryTypeIdentifierSleepAnalysis";
/// The form of every date in the export.
const DATE_FORMAT: &str = "%Y-%m-%d %H:%M:%S %z";
/// The skip reason for records of every type the import does not read (steps, energy, …).
const SKIP_UNUSED_TYPE: &str = "record of a type not used for nights (steps, energy, …)";
/// The skip reason for a sleep sample whose value this import does not know.
const SKIP_UNKNOWN_VALUE: &str = "sleep sample with an unknown HKCategoryValueSleepAnalysis value";
/// The skip reason for a sleep sample that ends when it starts.
const SKIP_ZERO_LENGTH: &str = "sleep sample of zero length";
/// The skip reason for a quantity in a unit other than the one Apple writes for it.
const SKIP_OTHER_UNIT: &str = "quantity record with an unexpected unit";

/// Reads an Apple Health `export.xml` held in memory; see [`parse_reader`].
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Export, ImportError> {
    parse_reader(path, bytes)
}

/// Reads an Apple Health `export.xml` as a stream (a `BufReader<File>` of hundreds of MB) into
/// its main sleep periods, the age and the sex; `path` only names the file in errors.
///
/// Errors: another format → [`ImportError::WrongVendor`] saying what it looks like; a file cut
/// off → [`ImportError::Malformed`] with the line and byte; an impossible value (a date that
/// is not `YYYY-MM-DD hh:mm:ss ±hhmm`, an end before its start, SpO2 above 100 %) →
/// [`ImportError::BadValue`]; no sleep period left → [`ImportError::NoNights`].
pub fn parse_reader<R: BufRead>(path: &Path, mut reader: R) -> Result<Export, ImportError> {
    sniff(path, &mut reader)?;
    Collector::new(path).run(reader)?.finish()
}

/// Whether the start of a file is an Apple Health export: XML whose root element (or
/// `DOCTYPE`) is `HealthData`.
pub fn looks_like(head: &[u8]) -> bool {
    root_name(head) == Some(ROOT)
}

/// The root element's name in the start of an XML file (from `<!DOCTYPE name` or the first
/// element), skipping the declaration and comments; `None` when `head` is not XML or ends first.
fn root_name(head: &[u8]) -> Option<&[u8]> {
    let mut rest = trim_start(head);
    loop {
        rest = rest.strip_prefix(b"<")?;
        rest = if rest.starts_with(b"?") {
            after(rest, b"?>")?
        } else if rest.starts_with(b"!--") {
            after(rest, b"-->")?
        } else {
            let name = rest
                .strip_prefix(b"!DOCTYPE")
                .map(trim_start)
                .unwrap_or(rest);
            let end = name.iter().position(|&b| !is_name_byte(b))?;
            return Some(&name[..end]);
        };
    }
}

/// Whether `b` may appear in an XML name (ASCII part).
fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':') || b >= 0x80
}

/// `bytes` without a leading UTF-8 byte-order mark and whitespace.
fn trim_start(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[start..]
}

/// What follows the first `end` in `bytes`, leading whitespace trimmed.
fn after<'a>(bytes: &'a [u8], end: &[u8]) -> Option<&'a [u8]> {
    let i = bytes.windows(end.len()).position(|w| w == end)?;
    Some(trim_start(&bytes[i + end.len()..]))
}

/// Rejects a file that is not XML before the XML reader sees it (it would read a 300 MB JSON
/// file as one text event).
fn sniff<R: BufRead>(path: &Path, reader: &mut R) -> Result<(), ImportError> {
    let head = reader
        .fill_buf()
        .map_err(|source| read_error(path, source))?;
    match trim_start(head).first() {
        Some(b'<') => Ok(()),
        None if !head.is_empty() => Ok(()),
        _ => Err(wrong_vendor(path, describe(head))),
    }
}

/// What a file that is not XML looks like, from its first bytes.
fn describe(head: &[u8]) -> String {
    let text = trim_start(head);
    if head.is_empty() {
        "an empty file".to_string()
    } else if head.starts_with(b"PK\x03\x04") {
        "a ZIP archive (unzip Apple's export.zip and pass apple_health_export/export.xml)"
            .to_string()
    } else if text.starts_with(b"{") || text.starts_with(b"[") {
        format!("JSON ({})", snippet(text))
    } else if std::str::from_utf8(&text[..text.len().min(64)]).is_err() {
        "binary data, not XML".to_string()
    } else {
        format!("text that is not XML ({})", snippet(text))
    }
}

/// The first 48 characters of `text`, whitespace collapsed, in backquotes.
fn snippet(text: &[u8]) -> String {
    let head = String::from_utf8_lossy(&text[..text.len().min(192)]);
    let words: Vec<&str> = head.split_whitespace().collect();
    let short: String = words.join(" ").chars().take(48).collect();
    format!("starting `{short}`")
}

/// The error for a file that is not an Apple Health export.
fn wrong_vendor(path: &Path, looks_like: String) -> ImportError {
    ImportError::WrongVendor {
        path: path.to_path_buf(),
        expected: VENDOR,
        looks_like,
    }
}

/// The error for an impossible `value` of `field`.
fn bad_value(path: &Path, field: String, value: &[u8], expected: &str) -> ImportError {
    ImportError::BadValue {
        path: path.to_path_buf(),
        field,
        value: String::from_utf8_lossy(value).into_owned(),
        expected: expected.to_string(),
    }
}

/// The error for a file that could not be read.
fn read_error(path: &Path, source: io::Error) -> ImportError {
    ImportError::Read {
        path: path.to_path_buf(),
        source,
    }
}

/// A [`BufRead`] that counts the line breaks its reader has consumed, so errors can name the
/// line without keeping the text.
struct LineCounting<R> {
    inner: R,
    newlines: u64,
}

impl<R: BufRead> LineCounting<R> {
    /// The line the reader has reached, counted from 1.
    fn line(&self) -> u64 {
        self.newlines + 1
    }
}

impl<R: BufRead> Read for LineCounting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.newlines += count_newlines(&buf[..n]);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCounting<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        // The bytes being consumed are still in the buffer: fill_buf returns them without I/O.
        if amt > 0
            && let Ok(buf) = self.inner.fill_buf()
        {
            self.newlines += count_newlines(&buf[..amt.min(buf.len())]);
        }
        self.inner.consume(amt);
    }
}

/// A place in the file: the line (from 1) and the byte offset.
#[derive(Debug, Clone, Copy)]
struct Pos {
    line: u64,
    byte: u64,
}

impl std::fmt::Display for Pos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {} (byte {})", self.line, self.byte)
    }
}

/// The line breaks in `bytes`.
fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// The kinds of `<Record>` the import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RecordKind {
    /// `HKCategoryTypeIdentifierSleepAnalysis`.
    Sleep,
    /// One of the quantities in [`Quantity`].
    Quantity(Quantity),
}

impl RecordKind {
    /// The kind named by a `type` attribute; `None` for every other type.
    fn from_type(type_name: &[u8]) -> Option<Self> {
        if type_name == SLEEP_TYPE.as_bytes() {
            Some(RecordKind::Sleep)
        } else {
            Quantity::from_type(type_name).map(RecordKind::Quantity)
        }
    }

    /// The record type as the export names it.
    fn type_name(self) -> &'static str {
        match self {
            RecordKind::Sleep => SLEEP_TYPE,
            RecordKind::Quantity(q) => q.type_name(),
        }
    }
}

/// The attributes of one `<Record>` the import reads, borrowed from the XML buffer.
#[derive(Default)]
struct RecordAttrs<'a> {
    source: Option<Cow<'a, [u8]>>,
    unit: Option<Cow<'a, [u8]>>,
    start: Option<Cow<'a, [u8]>>,
    end: Option<Cow<'a, [u8]>>,
    value: Option<Cow<'a, [u8]>>,
}

/// Where a record sits, for error messages.
#[derive(Clone, Copy)]
struct At<'p> {
    path: &'p Path,
    kind: RecordKind,
    line: u64,
}

impl At<'_> {
    /// A [`ImportError::BadValue`] for attribute `field` of this record.
    fn bad_value(&self, field: &str, value: &[u8], expected: &str) -> ImportError {
        let kind = self.kind.type_name();
        let field = format!("{field} of the {kind} record on line {}", self.line);
        bad_value(self.path, field, value, expected)
    }

    /// The attribute `field`, which the record must have.
    fn required<'a>(
        &self,
        field: &str,
        value: Option<Cow<'a, [u8]>>,
    ) -> Result<Cow<'a, [u8]>, ImportError> {
        value.ok_or_else(|| self.bad_value(field, b"missing", &format!("{field}=\"…\"")))
    }

    /// Attribute `field` read as a date with its UTC offset.
    fn date(
        &self,
        field: &str,
        value: Option<Cow<'_, [u8]>>,
    ) -> Result<DateTime<FixedOffset>, ImportError> {
        let raw = self.required(field, value)?;
        std::str::from_utf8(&raw)
            .ok()
            .and_then(|s| DateTime::parse_from_str(s, DATE_FORMAT).ok())
            .ok_or_else(|| self.bad_value(field, &raw, "a date like 2024-03-09 23:12:00 +0100"))
    }
}

/// What the stream yields: the sleep samples, the kept quantities and the person.
struct Collector<'p> {
    path: &'p Path,
    /// Elements open below (and including) the root.
    depth: usize,
    /// Whether the root element has been seen.
    root_seen: bool,
    sleep: SleepLog,
    signals: Signals,
    dob: Option<NaiveDate>,
    sex: Option<Sex>,
    /// Sleep-analysis records read, kept or skipped.
    sleep_records: usize,
    /// Records of types not read, counted here rather than in a map entry per record.
    unused: usize,
    /// Skip counts other than `unused`.
    export: Export,
}

impl<'p> Collector<'p> {
    fn new(path: &'p Path) -> Self {
        Collector {
            path,
            depth: 0,
            root_seen: false,
            sleep: SleepLog::default(),
            signals: Signals::default(),
            dob: None,
            sex: None,
            sleep_records: 0,
            unused: 0,
            export: Export::default(),
        }
    }

    /// Reads every event of the file.
    fn run<R: BufRead>(mut self, reader: R) -> Result<Self, ImportError> {
        let mut xml = Reader::from_reader(LineCounting {
            inner: reader,
            newlines: 0,
        });
        xml.config_mut().trim_text(true);
        let mut buf = Vec::with_capacity(4096);
        loop {
            buf.clear();
            let event = match xml.read_event_into(&mut buf) {
                Ok(event) => event,
                Err(quick_xml::Error::Io(e)) => {
                    let source = io::Error::new(e.kind(), e.to_string());
                    return Err(read_error(self.path, source));
                }
                Err(e) => {
                    let line = xml.get_ref().line();
                    let pos = Pos {
                        line,
                        byte: xml.error_position(),
                    };
                    return Err(self.malformed(pos, e.to_string()));
                }
            };
            let pos = Pos {
                line: xml.get_ref().line(),
                byte: xml.buffer_position(),
            };
            match event {
                Event::Start(e) => {
                    self.element(&e, pos)?;
                    self.depth += 1;
                }
                Event::Empty(e) => self.element(&e, pos)?,
                Event::End(_) => self.depth = self.depth.saturating_sub(1),
                Event::Eof => return self.at_end(pos),
                _ => {}
            }
        }
    }

    /// Checks that the file ended after its root element.
    fn at_end(self, pos: Pos) -> Result<Self, ImportError> {
        if !self.root_seen {
            return Err(wrong_vendor(
                self.path,
                "XML without any element".to_string(),
            ));
        }
        if self.depth > 0 {
            let detail = format!(
                "the file ends with {} element(s) still open, before </HealthData> (cut off?)",
                self.depth
            );
            return Err(self.malformed(pos, detail));
        }
        Ok(self)
    }

    /// A [`ImportError::Malformed`] at `pos`.
    fn malformed(&self, pos: Pos, detail: String) -> ImportError {
        ImportError::Malformed {
            path: self.path.to_path_buf(),
            location: pos.to_string(),
            detail,
        }
    }

    /// An element's start: the root check, then `<Record>` and `<Me>`.
    fn element(&mut self, e: &BytesStart<'_>, pos: Pos) -> Result<(), ImportError> {
        let name = e.name();
        if !self.root_seen {
            if name.as_ref() != ROOT {
                let root = String::from_utf8_lossy(name.as_ref());
                let looks_like = format!("an XML document whose root element is <{root}>");
                return Err(wrong_vendor(self.path, looks_like));
            }
            self.root_seen = true;
            return Ok(());
        }
        match name.as_ref() {
            b"Record" => self.record(e, pos),
            b"Me" => self.me(e, pos.line),
            _ => Ok(()),
        }
    }

    /// A `<Record>`: its `type` is matched before any other attribute is looked at.
    fn record(&mut self, e: &BytesStart<'_>, pos: Pos) -> Result<(), ImportError> {
        let mut kind = None;
        let mut attrs = RecordAttrs::default();
        let mut iter = e.attributes();
        iter.with_checks(false);
        for attr in iter {
            let attr = attr.map_err(|err| self.malformed(pos, err.to_string()))?;
            let slot = match attr.key.as_ref() {
                b"type" => match RecordKind::from_type(&attr.value) {
                    Some(k) => {
                        kind = Some(k);
                        continue;
                    }
                    None => break,
                },
                b"sourceName" => &mut attrs.source,
                b"unit" => &mut attrs.unit,
                b"startDate" => &mut attrs.start,
                b"endDate" => &mut attrs.end,
                b"value" => &mut attrs.value,
                _ => continue,
            };
            *slot = Some(attr.value);
        }
        let Some(kind) = kind else {
            self.unused += 1;
            return Ok(());
        };
        let at = At {
            path: self.path,
            kind,
            line: pos.line,
        };
        match kind {
            RecordKind::Sleep => self.sleep_record(at, attrs),
            RecordKind::Quantity(q) => self.quantity_record(at, q, attrs),
        }
    }

    /// A sleep-analysis sample; an unknown value or a zero-length sample is skipped.
    fn sleep_record(&mut self, at: At<'_>, attrs: RecordAttrs<'_>) -> Result<(), ImportError> {
        self.sleep_records += 1;
        let value = at.required("value", attrs.value)?;
        let Some(stage) = Stage::from_value(&value) else {
            self.export.skip(SKIP_UNKNOWN_VALUE);
            return Ok(());
        };
        let start = at.date("startDate", attrs.start)?;
        let end_raw = at.required("endDate", attrs.end)?;
        let end = at.date("endDate", Some(end_raw.clone()))?;
        if end < start {
            return Err(at.bad_value("endDate", &end_raw, "a date after startDate"));
        }
        if end == start {
            self.export.skip(SKIP_ZERO_LENGTH);
            return Ok(());
        }
        let source = attrs.source.unwrap_or(Cow::Borrowed(b"(no sourceName)"));
        self.sleep.push(&source, stage, start, end);
        Ok(())
    }

    /// A heart-rate, HRV, SpO2 or breathing-rate sample (its start is its time).
    fn quantity_record(
        &mut self,
        at: At<'_>,
        q: Quantity,
        attrs: RecordAttrs<'_>,
    ) -> Result<(), ImportError> {
        if attrs.unit.as_deref() != Some(q.unit().as_bytes()) {
            self.export.skip(SKIP_OTHER_UNIT);
            return Ok(());
        }
        let raw = at.required("value", attrs.value)?;
        let value = std::str::from_utf8(&raw)
            .ok()
            .and_then(|s| s.trim().parse::<f32>().ok())
            .ok_or_else(|| at.bad_value("value", &raw, "a number"))?;
        let start = at.date("startDate", attrs.start)?;
        self.signals
            .add(q, start, value)
            .map_err(|expected| at.bad_value("value", &raw, expected))
    }

    /// `<Me>`: date of birth and biological sex (empty or "not set" → unknown).
    fn me(&mut self, e: &BytesStart<'_>, line: u64) -> Result<(), ImportError> {
        for attr in e.attributes().flatten() {
            match attr.key.as_ref() {
                DATE_OF_BIRTH => self.dob = date_of_birth(self.path, &attr.value, line)?,
                b"HKCharacteristicTypeIdentifierBiologicalSex" => self.sex = sex(&attr.value),
                _ => {}
            }
        }
        Ok(())
    }

    /// The nights, their signals, the age on the last night and the skip counts.
    fn finish(self) -> Result<Export, ImportError> {
        let Collector {
            path,
            sleep,
            mut signals,
            dob,
            sex,
            sleep_records,
            unused,
            mut export,
            ..
        } = self;
        if unused > 0 {
            *export
                .skipped
                .entry(SKIP_UNUSED_TYPE.to_string())
                .or_default() += unused;
        }
        let mut nights = sleep.into_nights(&mut export);
        if nights.is_empty() {
            return Err(ImportError::NoNights {
                path: path.to_path_buf(),
                why: no_nights_why(&export, sleep_records),
            });
        }
        signals.sort();
        nights.iter_mut().for_each(|n| signals.annotate(n));
        export.age = dob.and_then(|dob| age_on(dob, nights.last()));
        export.sex = sex;
        export.nights = nights;
        Ok(export)
    }
}

/// The `<Me>` attribute with the date of birth.
const DATE_OF_BIRTH: &[u8] = b"HKCharacteristicTypeIdentifierDateOfBirth";

/// A date of birth, `None` when empty (not set).
fn date_of_birth(path: &Path, raw: &[u8], line: u64) -> Result<Option<NaiveDate>, ImportError> {
    if raw.is_empty() {
        return Ok(None);
    }
    let date = std::str::from_utf8(raw)
        .ok()
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok());
    let field = || {
        format!(
            "{} of <Me> on line {line}",
            String::from_utf8_lossy(DATE_OF_BIRTH)
        )
    };
    date.map(Some)
        .ok_or_else(|| bad_value(path, field(), raw, "a date like 1980-05-17"))
}

/// A biological sex; `None` for "not set" and "other".
fn sex(raw: &[u8]) -> Option<Sex> {
    match raw {
        b"HKBiologicalSexFemale" => Some(Sex::Female),
        b"HKBiologicalSexMale" => Some(Sex::Male),
        _ => None,
    }
}

/// Whole years from `dob` to the morning of `night`.
fn age_on(dob: NaiveDate, night: Option<&ImportedNight>) -> Option<u32> {
    night?.bed_end.date_naive().years_since(dob)
}

/// Why no night is left, for [`ImportError::NoNights`].
fn no_nights_why(export: &Export, sleep_records: usize) -> String {
    if sleep_records == 0 {
        return format!("it holds no {SLEEP_TYPE} record");
    }
    let reasons: Vec<String> = export
        .skipped
        .iter()
        .filter(|(reason, _)| reason.as_str() != SKIP_UNUSED_TYPE)
        .map(|(reason, n)| format!("{n} × {reason}"))
        .collect();
    format!(
        "none of its {sleep_records} sleep-analysis records makes a night (skipped: {})",
        reasons.join(", ")
    )
}
