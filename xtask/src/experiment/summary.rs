//! The experiment's `report.md` and the table printed when a run ends.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use sleepcot_data::io::write_bytes_atomic;
use sleepcot_eval::RunDir;
use sleepcot_eval::evaluate::Metrics;
use sleepcot_eval::headline;
use sleepcot_eval::report::{APPENDIX, figures};
use sleepcot_train::Objective;
use sleepcot_train::TrainOutcome;

use super::StageRun;
use super::plan::Plan;
use super::spec::Experiment;
use super::stage::Stages;

/// The metrics shown in the terminal table, in order, with their column titles.
const TABLE: [(&str, &str); 6] = [
    ("knowledge_accuracy", "knowledge acc"),
    ("follow_up_accuracy", "follow-up acc"),
    ("finding_recall", "finding recall"),
    ("finding_precision", "finding prec"),
    ("referral_recall", "referral recall"),
    ("rouge_l", "ROUGE-L"),
];

fn read_metrics(run: &Path) -> anyhow::Result<Metrics> {
    let path = RunDir::new(run).eval().join("metrics.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("could not read {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid metrics JSON", path.display()))
}

fn read_outcome(run: &Path, variant: &str) -> Option<TrainOutcome> {
    let path = RunDir::new(run).train().join(variant).join("outcome.json");
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

/// Writes `run/report.md`, the page a person reads first: the experiment, the headline table,
/// the key comparisons and what they show, the plots, then the time of each stage and the
/// students' training. Every other table is in the appendix (`eval/appendix.md`), linked from
/// it.
pub fn write_report(experiment: &Experiment, run: &Path) -> anyhow::Result<PathBuf> {
    let spec = &experiment.spec;
    let metrics = read_metrics(run)?;
    let mut md = String::new();
    let w = &mut md;
    let _ = writeln!(w, "# Experiment `{}`\n", experiment.name);
    if !spec.description.is_empty() {
        let _ = writeln!(w, "{}\n", spec.description);
    }
    let _ = writeln!(
        w,
        "From `{}`, seed {}, backend `{}`. Rerun with `cargo xtask experiment {}`.\n",
        experiment.path.display(),
        spec.seed,
        spec.backend,
        experiment.path.display()
    );
    let label_only = spec
        .variants
        .iter()
        .find(|v| matches!(v.objective, Objective::LabelOnly))
        .map(|v| v.name.as_str());
    headline::render_headline(w, &metrics, headline::References { label_only });
    let eval_dir = RunDir::new(run).eval();
    let mut plots: Vec<PathBuf> = std::fs::read_dir(eval_dir.join("plots"))
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "png"))
                .collect()
        })
        .unwrap_or_default();
    plots.sort();
    // Relative to the run directory, the plot links are `eval/plots/…`.
    figures(w, &plots, run);
    let _ = writeln!(w, "## Stages\n\n| stage | wall time |\n|---|---:|");
    let stages = Stages::new(run);
    let plan = Plan::new(experiment, run);
    let mut total = 0.0;
    for s in plan.stages.iter().filter(|s| s.name != "report") {
        if let Some(r) = stages.read(&s.name) {
            total += r.wall_s;
            let _ = writeln!(w, "| {} | {:.1} s |", s.name, r.wall_s);
        }
    }
    let _ = writeln!(
        w,
        "| **sum** | **{total:.1} s** |\n\nThe training runs of the variants, and then their predictions, run side by side (`--jobs`), so the wall time is shorter than the sum.\n"
    );
    let _ = writeln!(
        w,
        "## Students\n\n| variant | objective | student | steps | train loss | val loss | params | tokens/s |\n|---|---|---|---:|---:|---:|---:|---:|"
    );
    for v in &spec.variants {
        let Some(outcome) = read_outcome(run, &v.name) else {
            continue;
        };
        for s in &outcome.stages {
            let _ = writeln!(
                w,
                "| {} | {} | {} | {} | {:.3} | {} | {} | {:.0} |",
                v.name,
                outcome.objective.name(),
                s.stage.dir_name(),
                s.steps,
                s.final_train_loss,
                s.final_val_loss.map_or("–".into(), |x| format!("{x:.3}")),
                super::plan::human(s.trainable_params as u64),
                s.tokens_per_s
            );
        }
    }
    let _ = writeln!(
        w,
        "\n## Appendix\n\nThe setup, the reading of every comparison, every metric per task and test set, efficiency, and every paired difference: [eval/{APPENDIX}](eval/{APPENDIX}).\n"
    );
    let path = run.join("report.md");
    write_bytes_atomic(&path, md.as_bytes())
        .with_context(|| format!("could not write {}", path.display()))?;
    Ok(path)
}

/// Prints the stage table and the main metrics of every variant.
pub fn print(
    experiment: &Experiment,
    run: &Path,
    runs: &[StageRun],
    total_s: f64,
) -> anyhow::Result<()> {
    println!();
    println!("{:<26} {:<8} {:>9}", "stage", "status", "seconds");
    for r in runs {
        println!("{:<26} {:<8} {:>9.1}", r.name, r.status, r.wall_s);
    }
    println!("{:<26} {:<8} {:>9.1}", "this invocation", "", total_s);
    let Ok(metrics) = read_metrics(run) else {
        return Ok(());
    };
    println!();
    let mut header = format!("{:<32}", "variant");
    for (_, title) in TABLE {
        let _ = write!(header, " {title:>15}");
    }
    println!("{header}");
    for v in &metrics.variants {
        let mut line = format!("{:<32}", v.name);
        for (metric, _) in TABLE {
            let cell = v
                .get(metric)
                .map_or("–".to_string(), |i| format!("{:.3}", i.estimate));
            let _ = write!(line, " {cell:>15}");
        }
        println!("{line}");
    }
    println!();
    println!(
        "report: {}   (experiment {})",
        run.join("report.md").display(),
        experiment.name
    );
    Ok(())
}
