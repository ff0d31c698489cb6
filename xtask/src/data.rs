//! `cargo xtask data`: generate and write the synthetic dataset.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use sleepcot_data::pipeline::{DataConfig, Dataset, Progress};
use sleepcot_data::science::{ScienceConfig, ScienceCounts};

/// Options of `cargo xtask data`.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// A data configuration (TOML, the fields of `sleepcot_data::pipeline::DataConfig`, e.g.
    /// `teacher = { kind = "chat", base_url = "…", model = "…", api_key_env = "…" }`); the flags
    /// below override it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Seed of every random draw; the same seed gives byte-identical files [default: 0].
    #[arg(long)]
    seed: Option<u64>,
    /// Number of simulated people (one report each) [default: 100].
    #[arg(long)]
    users: Option<usize>,
    /// Nights simulated per person [default: 7].
    #[arg(long)]
    nights: Option<usize>,
    /// Number of multiple-choice knowledge questions [default: 1000].
    #[arg(long)]
    questions: Option<usize>,
    /// Follow-up questions asked about each report [default: 3].
    #[arg(long)]
    follow_ups: Option<usize>,
    /// Output directory.
    #[arg(long, default_value = "runs/quick/data")]
    out: PathBuf,
}

fn load_config(args: &DataArgs) -> anyhow::Result<DataConfig> {
    let mut config = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("could not read {}", path.display()))?;
            toml::from_str::<DataConfig>(&text).map_err(|e| {
                let message = e.message().trim().to_string();
                anyhow::anyhow!(
                    "{} is not a valid data configuration: {message}",
                    path.display()
                )
            })?
        }
        None => DataConfig::default(),
    };
    config.seed = args.seed.unwrap_or(config.seed);
    config.users = args.users.unwrap_or(config.users);
    config.nights = args.nights.unwrap_or(config.nights);
    config.questions = args.questions.unwrap_or(config.questions);
    config.follow_ups_per_report = args.follow_ups.unwrap_or(config.follow_ups_per_report);
    Ok(config)
}

/// Generates the dataset, writes it to `--out` and prints a summary table.
pub fn run(args: &DataArgs) -> anyhow::Result<()> {
    let config = load_config(args)?;
    let dataset = generate_and_write(&config, &args.out)?;
    println!("{}", dataset.summary());
    println!("wrote {}", args.out.display());
    Ok(())
}

/// Generates the dataset of `config` with a progress bar and writes it to `out`; a chat
/// teacher caches its replies in `out/teacher-cache`, so a rerun pays for nothing twice.
/// Shared by `cargo xtask data` and the experiment's data stage.
pub fn generate_and_write(config: &DataConfig, out: &Path) -> anyhow::Result<Dataset> {
    with_teacher(&config.teacher, out, |teacher, progress| {
        Dataset::generate(config, teacher, progress)
    })
}

/// Teaches the science questions of `config` and writes the dataset to `out` (same caching).
pub fn science_and_write(
    config: &ScienceConfig,
    seed: u64,
    out: &Path,
) -> anyhow::Result<(Dataset, ScienceCounts)> {
    let mut counts = ScienceCounts::default();
    let dataset = with_teacher(&config.teacher, out, |teacher, progress| {
        Dataset::from_science(config, seed, teacher, progress).map(|(d, c)| {
            counts = c;
            d
        })
    })?;
    Ok((dataset, counts))
}

/// Builds the teacher, runs `make` with a progress bar, prints a chat teacher's statistics and
/// writes the dataset to `out`.
fn with_teacher(
    teacher: &sleepcot_data::teacher::TeacherConfig,
    out: &Path,
    make: impl FnOnce(
        &dyn sleepcot_data::teacher::Teacher,
        &(dyn Fn(Progress) + Sync),
    ) -> Result<Dataset, sleepcot_data::pipeline::DataError>,
) -> anyhow::Result<Dataset> {
    let teacher = teacher
        .build(&out.join("teacher-cache"))
        .context("could not set up the teacher")?;
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg:>12} [{bar:30}] {pos}/{len} ({eta})")
            .expect("static template is valid")
            .progress_chars("=> "),
    );
    let on_progress = |p: Progress| {
        bar.set_message(p.stage);
        bar.set_length(p.total as u64);
        bar.set_position(p.done as u64);
    };
    let generated = make(teacher.as_teacher(), &on_progress);
    bar.finish_and_clear();
    if let Some(stats) = teacher.chat_stats() {
        println!(
            "teacher {}: {} replies fetched, {} from cache, {} retries, {} rejected ({} of them by the consistency audit), {} failed",
            teacher.as_teacher().name(),
            stats.fetched,
            stats.cache_hits,
            stats.retries,
            stats.rejected,
            stats.inconsistent,
            stats.failed
        );
    }
    let dataset = generated.context("could not generate the dataset")?;
    dataset
        .write(out)
        .with_context(|| format!("could not write the dataset to {}", out.display()))?;
    Ok(dataset)
}
