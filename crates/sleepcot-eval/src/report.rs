//! The run's figures and `report.md`: configuration, seeds, data sizes, hardware and backend,
//! one results table per task, the plots, paired differences and the reading
//! ([`crate::reading`]).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sleepcot_data::io::write_bytes_atomic;
use sleepcot_data::teacher::Task;

use crate::error::EvalError;
use crate::evaluate::{JudgeTally, Metrics, metric_specs};
use crate::hardware::Hardware;
use crate::plots::{
    Bar, Figure, LossRow, SizePoint, Speed, accuracy_vs_size, decode_speed, loss_curves,
    metric_bars,
};
use crate::reading::{fmt_interval, reading};
use crate::run_dir::RunDir;

/// Reads the `step`, `train_loss` and `val_loss` columns of a training `metrics.csv`.
pub fn read_loss_rows(path: &Path, variant: &str) -> Result<Vec<LossRow>, EvalError> {
    #[derive(serde::Deserialize)]
    struct Row {
        step: u64,
        train_loss: f64,
        val_loss: Option<f64>,
    }
    let fail = |message: String| EvalError::File {
        action: "read",
        path: path.to_path_buf(),
        message,
    };
    let mut reader = csv::Reader::from_path(path).map_err(|e| fail(e.to_string()))?;
    reader
        .deserialize::<Row>()
        .map(|row| {
            let row = row.map_err(|e| fail(e.to_string()))?;
            Ok(LossRow {
                variant: variant.to_string(),
                step: row.step,
                train_loss: row.train_loss,
                val_loss: row.val_loss,
            })
        })
        .collect()
}

/// Draws the figures of `metrics` into `DIR/eval/plots` (PNG and SVG) and returns the PNG
/// paths: accuracy bars, recommendation-metric bars, training loss curves (when `DIR/train`
/// has metrics files), accuracy against parameters and decode speed (when models report them).
pub fn draw_plots(run: &RunDir, metrics: &Metrics) -> Result<Vec<PathBuf>, EvalError> {
    let dir = run.plots();
    let mut written = Vec::new();
    // Every variant's value of every metric that `keep` selects.
    let bars_where = |keep: &dyn Fn(&crate::evaluate::MetricSpec) -> bool| -> Vec<Bar> {
        let mut bars = Vec::new();
        for spec in metric_specs().iter().filter(|s| keep(s)) {
            for v in &metrics.variants {
                if let Some(value) = v.get(spec.name) {
                    bars.push(Bar {
                        variant: v.name.clone(),
                        metric: spec.name.to_string(),
                        value: *value,
                    });
                }
            }
        }
        bars
    };
    let bars_of = |task: Task, skip_unparseable: bool| -> Vec<Bar> {
        bars_where(&|s| {
            s.task == task && !s.judged && !(skip_unparseable && s.name.ends_with("_unparseable"))
        })
    };
    let mut accuracy = bars_of(Task::Knowledge, true);
    accuracy.extend(bars_of(Task::FollowUp, true));
    if !accuracy.is_empty() {
        let fig = Figure::new(
            dir.join("accuracy"),
            "Accuracy with 95% bootstrap intervals",
        );
        written.push(metric_bars(&fig, &accuracy)?[0].clone());
    }
    let rec = bars_of(Task::Recommendation, false);
    if !rec.is_empty() {
        let fig = Figure::new(
            dir.join("recommendation"),
            "Recommendation metrics with 95% bootstrap intervals",
        );
        written.push(metric_bars(&fig, &rec)?[0].clone());
    }
    let judged = bars_where(&|s| s.judged);
    if !judged.is_empty() {
        let fig = Figure::new(
            dir.join("judge"),
            "LLM judge scores (1-10) with 95% bootstrap intervals",
        );
        written.push(metric_bars(&fig, &judged)?[0].clone());
    }
    let mut losses = Vec::new();
    for (variant, stage, csv) in run.training_logs() {
        let label = if stage == "main" {
            variant
        } else {
            format!("{variant}/{stage}")
        };
        losses.extend(read_loss_rows(&csv, &label)?);
    }
    if !losses.is_empty() {
        let fig = Figure::new(
            dir.join("loss"),
            "Training (solid) and validation (dashed) loss",
        );
        written.push(loss_curves(&fig, &losses)?[0].clone());
    }
    let curves = crate::curves::read_curves(run)?;
    if !curves.is_empty() {
        let mut fig = Figure::new(
            dir.join("learning_curves"),
            "Main metric on the validation subset at each checkpoint",
        );
        fig.width = 1500;
        fig.height = 560;
        written.push(crate::plots::learning_curves(&fig, &curves)?[0].clone());
    }
    let sizes: Vec<SizePoint> = metrics
        .variants
        .iter()
        .filter_map(|v| {
            let acc = v
                .get("knowledge_accuracy")
                .or_else(|| v.get("follow_up_accuracy"))?;
            Some(SizePoint {
                variant: v.name.clone(),
                parameters: v.efficiency.parameters.filter(|p| *p > 0)?,
                accuracy: *acc,
            })
        })
        .collect();
    if !sizes.is_empty() {
        let fig = Figure::new(dir.join("size"), "Accuracy against parameter count");
        written.push(accuracy_vs_size(&fig, &sizes)?[0].clone());
    }
    let speeds: Vec<Speed> = metrics
        .variants
        .iter()
        .filter_map(|v| {
            let tps = v.efficiency.decode_tokens_per_s?;
            let backend = v.efficiency.backend.as_deref().unwrap_or("?");
            Some(Speed {
                variant: format!("{} ({backend})", v.name),
                tokens_per_s: tps,
            })
        })
        .collect();
    if !speeds.is_empty() {
        let fig = Figure::new(dir.join("speed"), "Decode speed (generated tokens/s)");
        written.push(decode_speed(&fig, &speeds)?[0].clone());
    }
    Ok(written)
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or("–".to_string(), |v| v.to_string())
}

/// Writes a `## Figures` section embedding `plots`, linked relative to `base` (the folder of
/// the page that embeds them).
pub fn figures(w: &mut String, plots: &[PathBuf], base: &Path) {
    if plots.is_empty() {
        return;
    }
    let _ = writeln!(w, "## Figures\n");
    for p in plots {
        let rel = p.strip_prefix(base).unwrap_or(p);
        let name = p
            .file_stem()
            .map_or(String::new(), |s| s.to_string_lossy().into_owned());
        let _ = writeln!(w, "![{name}]({})\n", rel.display());
    }
}

/// The file name of the appendix beside `report.md` in `DIR/eval`.
pub const APPENDIX: &str = "appendix.md";

/// Renders `eval/report.md`: the headline ([`crate::headline`]), the figures (`plots`, paths
/// under `DIR/eval`) and a link to the appendix with every table.
pub fn render_summary(metrics: &Metrics, plots: &[PathBuf], eval_dir: &Path) -> String {
    let mut md = String::new();
    let w = &mut md;
    let _ = writeln!(w, "# Evaluation report\n");
    let refs = crate::headline::References {
        label_only: metrics
            .variants
            .iter()
            .find(|v| v.name == "label_only")
            .map(|v| v.name.as_str()),
    };
    crate::headline::render_headline(w, metrics, refs);
    figures(w, plots, eval_dir);
    let _ = writeln!(
        w,
        "Every metric, the reading of each comparison, the efficiency table and every paired difference: [{APPENDIX}]({APPENDIX})."
    );
    md
}

/// Renders the appendix (`eval/appendix.md`): the setup, the reading, every metric per task,
/// the extra sets, the judge, efficiency, and every paired difference.
pub fn render_report(
    metrics: &Metrics,
    data_config: Option<&serde_json::Value>,
    hardware: &Hardware,
) -> String {
    let mut md = String::new();
    let w = &mut md;
    let _ = writeln!(w, "# Evaluation appendix\n");
    let _ = writeln!(w, "## Setup\n");
    let seed = data_config
        .and_then(|c| c.get("seed"))
        .map(|s| s.to_string());
    let _ = writeln!(w, "- data seed: {}", opt(seed));
    let b = &metrics.config.bootstrap;
    let _ = writeln!(
        w,
        "- bootstrap: {} resamples, {:.0}% percentile intervals, seed {}",
        b.resamples,
        b.level * 100.0,
        b.seed
    );
    let _ = writeln!(
        w,
        "- numeric tolerance: {} display steps",
        metrics.config.tolerance_steps
    );
    let d = &metrics.data;
    let sizes: Vec<String> = Task::ALL
        .iter()
        .map(|t| {
            format!(
                "{} {}",
                t.name(),
                d.test_records.get(t.name()).unwrap_or(&0)
            )
        })
        .collect();
    let _ = writeln!(
        w,
        "- test items: {} ({} reports, {} knowledge questions)",
        sizes.join(", "),
        d.reports,
        d.questions
    );
    if let Some(c) = data_config {
        let keys = ["users", "nights", "questions", "follow_ups_per_report"];
        let parts: Vec<String> = keys
            .iter()
            .filter_map(|k| c.get(*k).map(|v| format!("{k} {v}")))
            .collect();
        let _ = writeln!(w, "- data configuration: {}", parts.join(", "));
    }
    let _ = writeln!(
        w,
        "- hardware: {} ({} logical cores), {}",
        hardware.cpu, hardware.cores, hardware.os
    );
    let mut backends: Vec<String> = metrics
        .variants
        .iter()
        .filter_map(|v| v.efficiency.backend.clone())
        .collect();
    backends.sort();
    backends.dedup();
    let _ = writeln!(
        w,
        "- backend: {}",
        if backends.is_empty() {
            "none (no model was run)".to_string()
        } else {
            backends.join(", ")
        }
    );
    let _ = writeln!(w, "\n## Reading\n");
    for s in reading(metrics) {
        let _ = writeln!(w, "- {s}");
    }
    let _ = writeln!(w, "\n## Results\n");
    let _ = writeln!(
        w,
        "Each cell is the mean over the items where the metric is defined, with its 95% bootstrap interval. `false_referral` and `*_unparseable`: lower is better.\n"
    );
    for task in Task::ALL {
        let specs: Vec<_> = metric_specs()
            .into_iter()
            .filter(|s| s.task == task && !s.judged)
            .collect();
        let rows: Vec<_> = metrics
            .variants
            .iter()
            .filter(|v| specs.iter().any(|s| v.get(s.name).is_some()))
            .collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(w, "### {}\n", task.name());
        let _ = write!(w, "| variant | n |");
        for s in &specs {
            let _ = write!(w, " {} |", s.name);
        }
        let _ = writeln!(w);
        let _ = writeln!(w, "|---|---:|{}", "---|".repeat(specs.len()));
        for v in rows {
            let n = v.answered.get(task.name()).copied().unwrap_or(0);
            let _ = write!(w, "| {} | {n} |", v.name);
            for s in &specs {
                let _ = write!(w, " {} |", v.get(s.name).map_or("–".into(), fmt_interval));
            }
            let _ = writeln!(w);
        }
        let _ = writeln!(w);
    }
    extra_section(w, metrics);
    judge_section(w, metrics);
    let _ = writeln!(w, "### Efficiency\n");
    let _ = writeln!(
        w,
        "| variant | parameters | backend | prefill tok/s | decode tok/s | mean latency s | p95 latency s | mean new tokens | peak RSS MiB |"
    );
    let _ = writeln!(w, "|---|---:|---|---:|---:|---:|---:|---:|---:|");
    for v in &metrics.variants {
        let e = &v.efficiency;
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} | {:.3} | {:.3} | {:.1} | {} |",
            v.name,
            opt(e.parameters),
            opt(e.backend.as_deref()),
            opt(e.prefill_tokens_per_s.map(|x| format!("{x:.1}"))),
            opt(e.decode_tokens_per_s.map(|x| format!("{x:.1}"))),
            e.mean_latency_s,
            e.p95_latency_s,
            e.mean_tokens,
            opt(e
                .peak_rss_bytes
                .map(|b| format!("{:.0}", b as f64 / 1048576.0)))
        );
    }
    let _ = writeln!(
        w,
        "\nLatency is the wall time of the batch an answer was generated in; peak RSS is the generating process's high-water mark when the variant finished, so it includes whatever ran before it in that process."
    );
    if !metrics.comparisons.is_empty() {
        let _ = writeln!(w, "## Paired differences\n");
        let _ = writeln!(
            w,
            "`a − b` over the items both answered, with the paired 95% bootstrap interval; ✱ marks an interval that excludes zero.\n"
        );
        let _ = writeln!(w, "| metric | a | b | n | a − b |");
        let _ = writeln!(w, "|---|---|---|---:|---|");
        for spec in metric_specs() {
            for c in metrics.comparisons.iter().filter(|c| c.metric == spec.name) {
                let _ = writeln!(
                    w,
                    "| {} | {} | {} | {} | {} |",
                    c.metric,
                    c.a,
                    c.b,
                    c.difference.n,
                    crate::headline::diff_cell(Some(c.difference))
                );
            }
        }
    }
    md
}

/// One table per extra test set ([`crate::extra`]): its metrics per variant, without the
/// `.<set>` suffix they carry in `metrics.json`.
fn extra_section(w: &mut String, metrics: &Metrics) {
    let mut sets: Vec<&str> = metrics
        .variants
        .iter()
        .flat_map(|v| &v.extra)
        .filter_map(|m| m.metric.rsplit_once('.').map(|(_, set)| set))
        .collect();
    sets.sort_unstable();
    sets.dedup();
    for set in sets {
        let names: Vec<&'static str> = metric_specs()
            .into_iter()
            .filter(|s| !s.judged)
            .map(|s| s.name)
            .filter(|name| {
                let full = crate::extra::metric_name(name, set);
                metrics.variants.iter().any(|v| v.get(&full).is_some())
            })
            .collect();
        let _ = writeln!(w, "### Extra test set `{set}`\n");
        let _ = write!(w, "| variant |");
        for name in &names {
            let _ = write!(w, " {name} |");
        }
        let _ = writeln!(w);
        let _ = writeln!(w, "|---|{}", "---|".repeat(names.len()));
        for v in metrics.variants.iter().filter(|v| {
            names
                .iter()
                .any(|n| v.get(&crate::extra::metric_name(n, set)).is_some())
        }) {
            let _ = write!(w, "| {} |", v.name);
            for name in &names {
                let cell = v
                    .get(&crate::extra::metric_name(name, set))
                    .map_or("–".into(), fmt_interval);
                let _ = write!(w, " {cell} |");
            }
            let _ = writeln!(w);
        }
        let _ = writeln!(w);
    }
}

/// The LLM judge's table: who judged under which rubric, and the three scores per variant.
fn judge_section(w: &mut String, metrics: &Metrics) {
    let judged: Vec<_> = metrics
        .variants
        .iter()
        .filter_map(|v| Some((v, v.judge.as_ref()?)))
        .collect();
    if judged.is_empty() {
        return;
    }
    // The distinct values of one tally field over every judged variant, joined for the text.
    let distinct = |field: fn(&JudgeTally) -> &Vec<String>| -> String {
        let set: std::collections::BTreeSet<&str> = judged
            .iter()
            .flat_map(|(_, t)| field(t).iter().map(String::as_str))
            .collect();
        set.into_iter().collect::<Vec<_>>().join("`, `")
    };
    let (models, rubrics) = (distinct(|t| &t.models), distinct(|t| &t.rubrics));
    let _ = writeln!(w, "### LLM judge (recommendations)\n");
    let _ = writeln!(
        w,
        "Scores from 1 to 10 given by `{}` under rubric `{}` (`sleepcot_eval::judge::RUBRIC`), with 95% bootstrap intervals. Unreadable replies are left out of the means.\n",
        models, rubrics
    );
    let specs: Vec<_> = metric_specs().into_iter().filter(|s| s.judged).collect();
    let _ = write!(w, "| variant | judged | unreadable |");
    for s in &specs {
        let _ = write!(w, " {} |", s.name);
    }
    let _ = writeln!(w);
    let _ = writeln!(w, "|---|---:|---:|{}", "---|".repeat(specs.len()));
    for (v, t) in judged {
        let _ = write!(w, "| {} | {} | {} |", v.name, t.judged, t.unreadable);
        for s in &specs {
            let _ = write!(w, " {} |", v.get(s.name).map_or("–".into(), fmt_interval));
        }
        let _ = writeln!(w);
    }
    let _ = writeln!(w);
    for a in &metrics.judge_agreement {
        let _ = writeln!(
            w,
            "- agreement of `{}` with `{}`: Pearson r = {} over {} answers",
            a.judge_metric,
            a.metric,
            a.pearson_r
                .map_or("undefined".into(), |r| format!("{r:+.3}")),
            a.n
        );
    }
    if !metrics.judge_agreement.is_empty() {
        let _ = writeln!(w);
    }
}

/// Writes `DIR/eval/report.md` (headline and the PNG `plots`) and `DIR/eval/appendix.md`
/// (every table) for `metrics`; returns the report's path.
pub fn write_report(
    run: &RunDir,
    metrics: &Metrics,
    plots: &[PathBuf],
) -> Result<PathBuf, EvalError> {
    let data_config = std::fs::read_to_string(run.data_config())
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok());
    let write = |path: PathBuf, text: String| {
        write_bytes_atomic(&path, text.as_bytes()).map_err(|e| EvalError::File {
            action: "write",
            path: path.clone(),
            message: e.to_string(),
        })
    };
    let appendix = render_report(metrics, data_config.as_ref(), &Hardware::detect());
    write(run.eval().join(APPENDIX), appendix)?;
    let path = run.eval().join("report.md");
    write(path.clone(), render_summary(metrics, plots, &run.eval()))?;
    Ok(path)
}
