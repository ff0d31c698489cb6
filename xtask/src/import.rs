//! `cargo xtask import FILE...`: a person's own wearable export → `report.json`.
//!
//! Reads the files (`sleepcot_data::import::import_files`), keeps the evenings of the date
//! range, builds the report with the rule table's findings (`import::build_report`), prints a
//! per-night table, the signals the device did not measure, the skipped records by reason, and
//! the findings and red flags, and only then writes the report atomically. On any error nothing
//! is written.

use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::NaiveDate;
use clap::Args;
use sleepcot_data::import::{
    DateRange, Evening, Export, HrvKind, ImportedNight, PersonContext, Vendor, build_report,
    import_files, read_habits,
};
use sleepcot_data::persona::Sex;
use sleepcot_data::report::{NightSummary, Report};
use sleepcot_data::teacher::format::{clock, one_decimal, whole};
use sleepcot_data::teacher::render::{NOT_MEASURED_CELL, cell};

/// Options of `cargo xtask import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The export files (several files of one person are merged by night, e.g. Oura `sleep`
    /// pages and `daily_spo2`).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The vendor: auto, oura, fitbit, apple, garmin or whoop.
    #[arg(long, default_value = "auto")]
    from: String,
    /// The person's age in years (overrides the export's).
    #[arg(long)]
    age: Option<u32>,
    /// The person's sex: f or m (overrides the export's).
    #[arg(long, value_parser = parse_sex)]
    sex: Option<Sex>,
    /// A TOML or JSON file of the person's habits (the `Habits` fields).
    #[arg(long, value_name = "FILE")]
    habits: Option<PathBuf>,
    /// The first evening to keep (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    from_date: Option<NaiveDate>,
    /// The last evening to keep (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    to_date: Option<NaiveDate>,
    /// The report's id (default: the output file's stem).
    #[arg(long)]
    id: Option<String>,
    /// Where to write the report (JSON).
    #[arg(long)]
    out: PathBuf,
}

fn parse_vendor(text: &str) -> Result<Option<Vendor>, String> {
    if text == "auto" {
        return Ok(None);
    }
    Vendor::ALL
        .into_iter()
        .find(|v| v.name() == text)
        .map(Some)
        .ok_or_else(|| format!("expected auto, oura, fitbit, apple, garmin or whoop, not {text:?}"))
}

fn parse_sex(text: &str) -> Result<Sex, String> {
    match text {
        "f" | "female" => Ok(Sex::Female),
        "m" | "male" => Ok(Sex::Male),
        _ => Err(format!("expected f or m, not {text:?}")),
    }
}

/// Imports, prints and writes the report.
pub fn run(args: &ImportArgs) -> anyhow::Result<()> {
    let files: Vec<String> = args.files.iter().map(|p| p.display().to_string()).collect();
    let origin = PathBuf::from(files.join(", "));
    let vendor = parse_vendor(&args.from).map_err(|e| anyhow::anyhow!("--from: {e}"))?;
    let mut export = import_files(&args.files, vendor)?;
    let range = DateRange {
        from: args.from_date,
        to: args.to_date,
    };
    range.apply(&origin, &mut export)?;
    let habits = args.habits.as_deref().map(read_habits).transpose()?;
    let context = PersonContext {
        id: args.id.clone().unwrap_or_else(|| stem(&args.out)),
        age: args.age,
        sex: args.sex,
        habits,
        export_path: origin,
    };
    let report = build_report(&export, &context)?;
    sleepcot_data::validate::validate(&report)
        .context("the imported report failed the report checks")?;
    print_summary(&export, &report);
    let json = serde_json::to_vec_pretty(&report)?;
    sleepcot_data::io::write_bytes_atomic(&args.out, &json)?;
    println!("wrote {}", args.out.display());
    Ok(())
}

/// The file name without its extension.
fn stem(path: &Path) -> String {
    path.file_stem().map_or_else(
        || "import".to_string(),
        |s| s.to_string_lossy().into_owned(),
    )
}

/// HRV with the statistic it is (`48 RMSSD`, `52 SDNN`).
fn hrv(night: &ImportedNight) -> String {
    cell(night.hrv_ms, |(v, kind)| {
        let name = match kind {
            HrvKind::Rmssd => "RMSSD",
            HrvKind::Sdnn => "SDNN",
        };
        format!("{} {name}", whole(v))
    })
}

/// One table row.
fn row(imported: &ImportedNight, n: &NightSummary) -> Vec<String> {
    vec![
        Evening::of(imported).date.to_string(),
        sleepcot_data::teacher::render::weekday_short(n.weekday).to_string(),
        clock(n.bedtime_h),
        clock(n.wake_time_h),
        whole(n.time_in_bed_min),
        whole(n.total_sleep_min),
        one_decimal(n.efficiency_pct),
        cell(n.onset_latency_min, whole),
        cell(n.waso_min, whole),
        cell(n.light_min, whole),
        cell(n.deep_min, whole),
        cell(n.rem_min, whole),
        cell(n.resting_hr, whole),
        hrv(imported),
        cell(n.spo2_mean, one_decimal),
        cell(n.spo2_nadir, one_decimal),
        cell(n.odi, one_decimal),
        cell(n.respiratory_rate, one_decimal),
        cell(n.sleep_score, |s| s.to_string()),
    ]
}

const HEADER: [&str; 19] = [
    "date", "day", "bed", "wake", "TIB", "TST", "eff%", "lat", "WASO", "light", "deep", "REM",
    "restHR", "HRV ms", "SpO2", "SpO2low", "ODI", "breath", "score",
];

/// Prints the nights, the signals not measured, the skipped records and the findings.
fn print_summary(export: &Export, report: &Report) {
    let rows: Vec<Vec<String>> = export
        .nights
        .iter()
        .zip(&report.nights)
        .map(|(i, n)| row(i, n))
        .collect();
    let widths: Vec<usize> = (0..HEADER.len())
        .map(|c| {
            rows.iter()
                .map(|r| r[c].len())
                .chain([HEADER[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:>w$}"))
            .collect();
        println!("{}", padded.join("  "));
    };
    let p = &report.persona;
    println!(
        "{} nights of a {}-year-old {} (minutes; clock times HH:MM; {NOT_MEASURED_CELL} = not measured)",
        report.nights.len(),
        p.age,
        p.sex.label()
    );
    line(HEADER.iter().map(|h| h.to_string()).collect());
    for r in rows {
        line(r);
    }
    let sdnn = export
        .nights
        .iter()
        .any(|n| matches!(n.hrv_ms, Some((_, HrvKind::Sdnn))));
    let missing: Vec<String> = report
        .period
        .not_measured()
        .into_iter()
        .map(|name| match name {
            "HRV" if sdnn => {
                "HRV as RMSSD (the device gives SDNN, shown above, which the RMSSD norms do not cover)"
                    .to_string()
            }
            other => other.to_string(),
        })
        .collect();
    println!(
        "not measured: {}",
        if missing.is_empty() {
            "nothing".to_string()
        } else {
            missing.join(", ")
        }
    );
    let not_given: Vec<&str> = p.not_given.iter().map(|f| f.label()).collect();
    println!(
        "not given: {} (the rules that need them do not fire)",
        if not_given.is_empty() {
            "nothing".to_string()
        } else {
            not_given.join(", ")
        }
    );
    if export.skipped.is_empty() {
        println!("skipped: nothing");
    } else {
        println!("skipped:");
        for (reason, n) in &export.skipped {
            println!("  {n} × {reason}");
        }
    }
    if report.findings.is_empty() {
        println!("findings: none");
    } else {
        println!("findings:");
        for f in &report.findings {
            println!(
                "  [{}] {} = {} ({}, {})",
                f.kind.label(),
                f.metric,
                f.value,
                f.norm,
                f.severity.label()
            );
        }
    }
    if report.red_flags.is_empty() {
        println!("red flags: none");
    } else {
        println!("red flags:");
        for r in &report.red_flags {
            println!(
                "  [{}] {} Next step: {}.",
                r.kind.label(),
                r.reason,
                r.kind.next_step()
            );
        }
    }
}
