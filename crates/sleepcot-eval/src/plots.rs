//! The report's figures, each written as PNG and SVG: metric bars with confidence intervals
//! per variant, training and validation loss curves, learning curves on the validation subset,
//! accuracy against parameter count, and decode speed.
//!
//! Text is drawn with a subset of DejaVu Sans embedded in the binary (`assets/`), through
//! plotters' `ab_glyph` feature, so no system font or fontconfig is needed. A [`Figure`] names
//! the output stem (`dir/metrics` gives `dir/metrics.png` and `dir/metrics.svg`), the size in
//! pixels and the title. Variants and metrics are shown in order of first appearance.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::coord::combinators::WithKeyPoints;
use plotters::coord::types::RangedCoordi32;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::{Deserialize, Serialize};

use crate::bootstrap::Interval;
use crate::error::EvalError;

/// The embedded font (DejaVu Sans, Latin-1 subset; licence beside it).
static FONT: &[u8] = include_bytes!("../assets/DejaVuSans-subset.ttf");

/// Colours of the variants, in order (the Tableau 10 palette).
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Where and how large a figure is drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    /// Output path without extension.
    pub stem: PathBuf,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Title drawn above the chart.
    pub title: String,
}

impl Figure {
    /// A 1200 × 700 figure at `stem`.
    pub fn new(stem: impl Into<PathBuf>, title: impl Into<String>) -> Self {
        Figure {
            stem: stem.into(),
            width: 1200,
            height: 700,
            title: title.into(),
        }
    }

    /// The PNG file: the stem with `.png`.
    pub fn png_path(&self) -> PathBuf {
        self.stem.with_extension("png")
    }

    /// The SVG file: the stem with `.svg`.
    pub fn svg_path(&self) -> PathBuf {
        self.stem.with_extension("svg")
    }
}

/// One bar of a grouped bar chart: a variant's value of a metric, with its interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bar {
    /// The model or baseline.
    pub variant: String,
    /// The metric (one group of bars).
    pub metric: String,
    /// The value (`estimate`) and its interval (`lower`, `upper`).
    pub value: Interval,
}

/// One row of a training metrics file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LossRow {
    /// The variant being trained.
    pub variant: String,
    /// Optimiser step.
    pub step: u64,
    /// Training loss at this step.
    pub train_loss: f64,
    /// Validation loss, on the steps where it was measured.
    pub val_loss: Option<f64>,
}

/// A model's accuracy and size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SizePoint {
    /// The variant.
    pub variant: String,
    /// Its parameter count (positive: the axis is logarithmic).
    pub parameters: u64,
    /// Its accuracy with interval.
    pub accuracy: Interval,
}

/// A variant's decoding speed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Speed {
    /// The variant, and backend where it matters (`cot-lora (cuda)`).
    pub variant: String,
    /// Generated tokens per second.
    pub tokens_per_s: f64,
}

/// `names` in order of first appearance.
fn distinct<'a>(names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for n in names {
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

/// `(min, max)` of finite values, widened to include `floor` and padded by 8 % of the span.
fn padded_range(values: impl Iterator<Item = f64>, floor: f64) -> (f64, f64) {
    let (lo, hi) = values.fold((floor, floor), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let pad = ((hi - lo) * 0.08).max(1e-6);
    (if lo < floor { lo - pad } else { lo }, hi + pad)
}

/// Human-readable parameter count: `494M`, `1.5B`.
fn human_count(x: f64) -> String {
    match x {
        x if x >= 1e9 => format!("{:.1}B", x / 1e9),
        x if x >= 1e6 => format!("{:.0}M", x / 1e6),
        x if x >= 1e3 => format!("{:.0}K", x / 1e3),
        x => format!("{x:.0}"),
    }
}

/// Categorical axes are integer slots of this many units, one per category, so that bars can
/// sit at fractions of a slot while the axis labels stay at the slot centres.
const SLOT: i32 = 1000;

/// An axis of `n` slots centred on `0, SLOT, 2 * SLOT, ...`, ticked at the centres.
fn slots(n: usize) -> WithKeyPoints<RangedCoordi32> {
    let n = n as i32;
    (-SLOT / 2..n * SLOT - SLOT / 2).with_key_points((0..n).map(|i| i * SLOT).collect())
}

/// The name of the category whose slot holds `x`.
fn slot_label(x: i32, names: &[&str]) -> String {
    let i = (x + SLOT / 2).div_euclid(SLOT);
    usize::try_from(i)
        .ok()
        .and_then(|i| names.get(i))
        .map_or_else(String::new, |s| s.to_string())
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A chart that can be drawn on any plotters backend.
trait Chart {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        title: &str,
    ) -> DrawResult<DB>;
}

/// Registers the embedded font as `sans-serif` once; `false` if it cannot be read.
fn register_font() -> bool {
    static OK: OnceLock<bool> = OnceLock::new();
    *OK.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, FONT).is_ok()
    })
}

fn backend_error(path: &Path, e: impl std::fmt::Display) -> EvalError {
    EvalError::PlotBackend {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Draws `chart` to the figure's PNG and SVG files, creating the directory if needed.
fn render(fig: &Figure, chart: &impl Chart) -> Result<[PathBuf; 2], EvalError> {
    let (png, svg) = (fig.png_path(), fig.svg_path());
    if !register_font() {
        return Err(backend_error(&png, "the embedded font could not be loaded"));
    }
    if let Some(dir) = fig.stem.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| backend_error(&png, e))?;
    }
    let size = (fig.width, fig.height);
    {
        let root = BitMapBackend::new(&png, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| backend_error(&png, e))?;
        chart
            .draw(&root, &fig.title)
            .map_err(|e| backend_error(&png, e))?;
        root.present().map_err(|e| backend_error(&png, e))?;
    }
    {
        let root = SVGBackend::new(&svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| backend_error(&svg, e))?;
        chart
            .draw(&root, &fig.title)
            .map_err(|e| backend_error(&svg, e))?;
        root.present().map_err(|e| backend_error(&svg, e))?;
    }
    Ok([png, svg])
}

fn data_error(fig: &Figure, problem: impl Into<String>) -> EvalError {
    EvalError::PlotData {
        path: fig.stem.clone(),
        problem: problem.into(),
    }
}

fn check_interval(fig: &Figure, what: &str, i: &Interval) -> Result<(), EvalError> {
    let finite = [i.estimate, i.lower, i.upper].iter().all(|v| v.is_finite());
    if finite && i.lower <= i.estimate && i.estimate <= i.upper {
        Ok(())
    } else {
        Err(data_error(
            fig,
            format!(
                "{what} has estimate {} outside or a non-finite interval [{}, {}]",
                i.estimate, i.lower, i.upper
            ),
        ))
    }
}

struct Bars<'a> {
    bars: &'a [Bar],
    metrics: Vec<&'a str>,
    variants: Vec<&'a str>,
}

impl Chart for Bars<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        title: &str,
    ) -> DrawResult<DB> {
        let (y0, y1) = padded_range(
            self.bars
                .iter()
                .flat_map(|b| [b.value.lower, b.value.upper]),
            0.0,
        );
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 26))
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(slots(self.metrics.len()), y0..y1)?;
        let label = |x: &i32| slot_label(*x, &self.metrics).replace('_', " ");
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_label_formatter(&label)
            .x_label_style(("sans-serif", 15))
            .y_desc("score")
            .draw()?;
        // Each group is 80 % of a slot wide, split evenly between the variants.
        let width = SLOT * 4 / 5 / self.variants.len() as i32;
        let base = 0.0f64.clamp(y0, y1);
        for (j, variant) in self.variants.iter().enumerate() {
            let c = colour(j);
            let mine: Vec<(i32, &Interval)> = self
                .bars
                .iter()
                .filter(|b| b.variant == *variant)
                .filter_map(|b| {
                    let i = self.metrics.iter().position(|m| *m == b.metric)? as i32;
                    Some((
                        i * SLOT - SLOT * 2 / 5 + width * j as i32 + width / 2,
                        &b.value,
                    ))
                })
                .collect();
            chart
                .draw_series(mine.iter().map(|&(x, v)| {
                    let half = width * 9 / 20;
                    Rectangle::new([(x - half, base), (x + half, v.estimate)], c.filled())
                }))?
                .label(*variant)
                .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], c.filled()));
            chart.draw_series(mine.iter().map(|&(x, v)| {
                ErrorBar::new_vertical(x, v.lower, v.estimate, v.upper, BLACK.stroke_width(2), 8)
            }))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 15))
            .draw()
    }
}

/// Grouped bars: one group per metric, one bar per variant, with interval whiskers.
pub fn metric_bars(fig: &Figure, bars: &[Bar]) -> Result<[PathBuf; 2], EvalError> {
    if bars.is_empty() {
        return Err(data_error(fig, "there are no bars to draw"));
    }
    for b in bars {
        check_interval(fig, &format!("{} / {}", b.variant, b.metric), &b.value)?;
    }
    let chart = Bars {
        bars,
        metrics: distinct(bars.iter().map(|b| b.metric.as_str())),
        variants: distinct(bars.iter().map(|b| b.variant.as_str())),
    };
    render(fig, &chart)
}

struct Curves<'a> {
    rows: &'a [LossRow],
    variants: Vec<&'a str>,
}

impl Chart for Curves<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        title: &str,
    ) -> DrawResult<DB> {
        let max_step = self.rows.iter().map(|r| r.step).max().unwrap_or(0).max(1) as f64;
        let losses = self
            .rows
            .iter()
            .flat_map(|r| std::iter::once(r.train_loss).chain(r.val_loss));
        let (y0, y1) = padded_range(losses, 0.0);
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 26))
            .margin(16)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(0f64..max_step, y0..y1)?;
        chart
            .configure_mesh()
            .x_desc("step")
            .y_desc("loss")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .label_style(("sans-serif", 15))
            .draw()?;
        for (j, variant) in self.variants.iter().enumerate() {
            let c = colour(j);
            let mut rows: Vec<&LossRow> =
                self.rows.iter().filter(|r| r.variant == *variant).collect();
            rows.sort_by_key(|r| r.step);
            // Batches hold one task each, so the per-step loss jumps between tasks: draw it
            // faintly and its trailing mean boldly.
            let raw: Vec<f64> = rows.iter().map(|r| r.train_loss).collect();
            let steps = rows.iter().map(|r| r.step as f64);
            chart.draw_series(LineSeries::new(
                steps.clone().zip(raw.iter().copied()),
                c.mix(0.25).stroke_width(1),
            ))?;
            let window = smoothing_window(raw.len());
            chart
                .draw_series(LineSeries::new(
                    steps.zip(trailing_mean(&raw, window)),
                    c.stroke_width(2),
                ))?
                .label(format!("{variant} train (mean of {window} steps)"))
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], c.stroke_width(2)));
            let val: Vec<(f64, f64)> = rows
                .iter()
                .filter_map(|r| Some((r.step as f64, r.val_loss?)))
                .collect();
            if !val.is_empty() {
                chart
                    .draw_series(DashedLineSeries::new(val.clone(), 8, 5, c.stroke_width(2)))?
                    .label(format!("{variant} val"))
                    .legend(move |(x, y)| {
                        PathElement::new([(x, y), (x + 6, y)], c.stroke_width(2))
                    });
                chart.draw_series(val.iter().map(|&p| Circle::new(p, 3, c.filled())))?;
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 15))
            .draw()
    }
}

/// The window of the smoothed training loss: a twentieth of the steps, at least 5.
fn smoothing_window(steps: usize) -> usize {
    (steps / 20).max(5)
}

/// The mean of each value and the up to `window - 1` values before it.
fn trailing_mean(values: &[f64], window: usize) -> Vec<f64> {
    let mut sum = 0.0;
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            sum += v;
            if i >= window {
                sum -= values[i - window];
            }
            sum / (i + 1).min(window) as f64
        })
        .collect()
}

/// Training loss (faint per step, bold as a trailing mean) and validation loss (dashed, with
/// markers) against step, one colour per variant.
pub fn loss_curves(fig: &Figure, rows: &[LossRow]) -> Result<[PathBuf; 2], EvalError> {
    if rows.is_empty() {
        return Err(data_error(fig, "there are no loss rows to draw"));
    }
    if let Some(r) = rows
        .iter()
        .find(|r| !r.train_loss.is_finite() || r.val_loss.is_some_and(|v| !v.is_finite()))
    {
        return Err(data_error(
            fig,
            format!(
                "variant {} has a non-finite loss at step {}",
                r.variant, r.step
            ),
        ));
    }
    let chart = Curves {
        rows,
        variants: distinct(rows.iter().map(|r| r.variant.as_str())),
    };
    render(fig, &chart)
}

struct LearningCurves<'a> {
    points: &'a [crate::curves::CurvePoint],
    variants: Vec<&'a str>,
    metrics: Vec<&'a str>,
}

impl Chart for LearningCurves<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        title: &str,
    ) -> DrawResult<DB> {
        let root = root.titled(title, ("sans-serif", 26))?;
        let max_tokens = self
            .points
            .iter()
            .map(|p| p.tokens)
            .max()
            .unwrap_or(0)
            .max(1) as f64;
        let panels = root.split_evenly((1, self.metrics.len().max(1)));
        for (panel, metric) in panels.iter().zip(&self.metrics) {
            let n = self
                .points
                .iter()
                .filter(|p| p.metric == *metric)
                .map(|p| p.n)
                .max()
                .unwrap_or(0);
            let mut chart = ChartBuilder::on(panel)
                .caption(format!("{metric} (n = {n})"), ("sans-serif", 18))
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(45)
                .build_cartesian_2d(0f64..max_tokens * 1.02, 0f64..1.0)?;
            chart
                .configure_mesh()
                .x_desc("training tokens")
                .x_labels(4)
                .x_label_formatter(&|x| human_count(*x))
                .label_style(("sans-serif", 13))
                .draw()?;
            for (j, variant) in self.variants.iter().enumerate() {
                let c = colour(j);
                let mut line: Vec<(f64, f64)> = self
                    .points
                    .iter()
                    .filter(|p| p.variant == *variant && p.metric == *metric)
                    .map(|p| (p.tokens as f64, p.value))
                    .collect();
                if line.is_empty() {
                    continue;
                }
                line.sort_by(|a, b| a.0.total_cmp(&b.0));
                chart
                    .draw_series(LineSeries::new(line.clone(), c.stroke_width(2)))?
                    .label(variant.to_string())
                    .legend(move |(x, y)| {
                        PathElement::new([(x, y), (x + 18, y)], c.stroke_width(2))
                    });
                chart.draw_series(line.iter().map(|&p| Circle::new(p, 4, c.filled())))?;
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .label_font(("sans-serif", 13))
                .draw()?;
        }
        Ok(())
    }
}

/// Each task's main metric on the validation subset against training tokens, one panel per
/// metric and one colour per variant ([`crate::curves`]).
pub fn learning_curves(
    fig: &Figure,
    points: &[crate::curves::CurvePoint],
) -> Result<[PathBuf; 2], EvalError> {
    if points.is_empty() {
        return Err(data_error(fig, "there are no curve points to draw"));
    }
    if let Some(p) = points.iter().find(|p| !p.value.is_finite()) {
        return Err(data_error(
            fig,
            format!(
                "variant {} has a non-finite {} at step {}",
                p.variant, p.metric, p.step
            ),
        ));
    }
    let chart = LearningCurves {
        points,
        variants: distinct(points.iter().map(|p| p.variant.as_str())),
        metrics: distinct(points.iter().map(|p| p.metric.as_str())),
    };
    render(fig, &chart)
}

struct Sizes<'a> {
    points: &'a [SizePoint],
}

impl Chart for Sizes<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        title: &str,
    ) -> DrawResult<DB> {
        let params = || self.points.iter().map(|p| p.parameters as f64);
        let lo = params().fold(f64::INFINITY, f64::min) / 2.0;
        let hi = params().fold(0.0, f64::max) * 2.0;
        let (y0, y1) = padded_range(
            self.points
                .iter()
                .flat_map(|p| [p.accuracy.lower, p.accuracy.upper]),
            0.0,
        );
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 26))
            .margin(16)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d((lo..hi).log_scale(), y0..y1.max(1.0))?;
        chart
            .configure_mesh()
            .x_desc("parameters (log scale)")
            .y_desc("accuracy")
            .x_label_formatter(&|x| human_count(*x))
            .label_style(("sans-serif", 15))
            .draw()?;
        for (j, p) in self.points.iter().enumerate() {
            let (x, a, c) = (p.parameters as f64, &p.accuracy, colour(j));
            chart.draw_series([ErrorBar::new_vertical(
                x,
                a.lower,
                a.estimate,
                a.upper,
                c.stroke_width(2),
                10,
            )])?;
            chart.draw_series([Circle::new((x, a.estimate), 6, c.filled())])?;
            // Labels go right of points in the left half of the axis, left of the others.
            let right_half = x.ln() > (lo.ln() + hi.ln()) / 2.0;
            let (dx, h) = if right_half {
                (-12, HPos::Right)
            } else {
                (12, HPos::Left)
            };
            let style = ("sans-serif", 15)
                .into_font()
                .color(&c)
                .pos(Pos::new(h, VPos::Center));
            let text = format!("{} ({})", p.variant, human_count(x));
            chart.draw_series([
                EmptyElement::at((x, a.estimate)) + Text::new(text, (dx, 0), style)
            ])?;
        }
        Ok(())
    }
}

/// Accuracy (with interval) against parameter count on a logarithmic axis, each point labelled
/// with its variant.
pub fn accuracy_vs_size(fig: &Figure, points: &[SizePoint]) -> Result<[PathBuf; 2], EvalError> {
    if points.is_empty() {
        return Err(data_error(fig, "there are no points to draw"));
    }
    for p in points {
        if p.parameters == 0 {
            return Err(data_error(
                fig,
                format!(
                    "variant {} has 0 parameters on a logarithmic axis",
                    p.variant
                ),
            ));
        }
        check_interval(fig, &p.variant, &p.accuracy)?;
    }
    render(fig, &Sizes { points })
}

struct Speeds<'a> {
    speeds: &'a [Speed],
}

impl Chart for Speeds<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        title: &str,
    ) -> DrawResult<DB> {
        let (_, y1) = padded_range(self.speeds.iter().map(|s| s.tokens_per_s), 0.0);
        let names: Vec<&str> = self.speeds.iter().map(|s| s.variant.as_str()).collect();
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 26))
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(slots(names.len()), 0.0..y1 * 1.08)?;
        let label = |x: &i32| slot_label(*x, &names);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_label_formatter(&label)
            .y_desc("decode tokens / s")
            .label_style(("sans-serif", 15))
            .draw()?;
        chart.draw_series(self.speeds.iter().enumerate().map(|(i, s)| {
            let x = i as i32 * SLOT;
            let half = SLOT * 3 / 10;
            Rectangle::new(
                [(x - half, 0.0), (x + half, s.tokens_per_s)],
                colour(i).filled(),
            )
        }))?;
        chart.draw_series(self.speeds.iter().enumerate().map(|(i, s)| {
            let style = ("sans-serif", 15)
                .into_text_style(root)
                .pos(Pos::new(HPos::Center, VPos::Bottom));
            let value = format!("{:.1}", s.tokens_per_s);
            EmptyElement::at((i as i32 * SLOT, s.tokens_per_s)) + Text::new(value, (0, -4), style)
        }))?;
        Ok(())
    }
}

/// Decode throughput per variant (or variant and backend), one bar each, labelled with its
/// value.
pub fn decode_speed(fig: &Figure, speeds: &[Speed]) -> Result<[PathBuf; 2], EvalError> {
    if speeds.is_empty() {
        return Err(data_error(fig, "there are no speeds to draw"));
    }
    if let Some(s) = speeds
        .iter()
        .find(|s| !s.tokens_per_s.is_finite() || s.tokens_per_s < 0.0)
    {
        return Err(data_error(
            fig,
            format!(
                "variant {} has speed {} tokens/s",
                s.variant, s.tokens_per_s
            ),
        ));
    }
    render(fig, &Speeds { speeds })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interval(estimate: f64, half: f64) -> Interval {
        Interval {
            estimate,
            lower: estimate - half,
            upper: estimate + half,
            level: 0.95,
            n: 100,
        }
    }

    /// Width and height from a PNG's IHDR chunk, after checking the signature and that the
    /// chunks run from IHDR through at least one IDAT to IEND.
    #[test]
    fn trailing_mean_averages_the_window_before_each_step() {
        let m = trailing_mean(&[4.0, 2.0, 6.0, 0.0], 2);
        assert_eq!(m, vec![4.0, 3.0, 4.0, 3.0]);
        assert_eq!(smoothing_window(30), 5);
        assert_eq!(smoothing_window(400), 20);
    }

    fn png_size(bytes: &[u8]) -> (u32, u32) {
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
        let mut at = 8;
        let mut kinds = Vec::new();
        while at + 8 <= bytes.len() {
            kinds.push(bytes[at + 4..at + 8].to_vec());
            at += 12 + be(at) as usize;
        }
        assert_eq!(
            at,
            bytes.len(),
            "chunks must end exactly at the end of the file"
        );
        assert_eq!(kinds.first().map(Vec::as_slice), Some(&b"IHDR"[..]));
        assert_eq!(kinds.last().map(Vec::as_slice), Some(&b"IEND"[..]));
        assert!(kinds.iter().any(|k| k == b"IDAT"));
        (be(16), be(20))
    }

    fn svg_has_size(text: &str, (w, h): (u32, u32)) -> bool {
        let head = &text[text.find("<svg").expect("an <svg> element")..];
        let head = &head[..head.find('>').unwrap()];
        head.contains(&format!("width=\"{w}\"")) && head.contains(&format!("height=\"{h}\""))
    }

    #[test]
    fn every_plot_writes_a_png_and_an_svg_of_the_requested_size() {
        let dir = tempfile::tempdir().unwrap();
        let fig = |name: &str, w, h| Figure {
            stem: dir.path().join("plots").join(name),
            width: w,
            height: h,
            title: format!("Test {name}"),
        };
        let mut bars = Vec::new();
        for (v, base) in [("expert", 0.95), ("cot-lora", 0.7), ("generic", 0.2)] {
            for (k, m) in ["finding_recall", "finding_precision", "linkage"]
                .iter()
                .enumerate()
            {
                bars.push(Bar {
                    variant: v.into(),
                    metric: m.to_string(),
                    value: interval(base - 0.1 * k as f64, 0.04),
                });
            }
        }
        let rows: Vec<LossRow> = ["label-only", "cot"]
            .iter()
            .flat_map(|v| {
                (0..=50u64).map(move |s| LossRow {
                    variant: v.to_string(),
                    step: s * 10,
                    train_loss: 3.0 / (1.0 + s as f64 * if *v == "cot" { 0.1 } else { 0.05 }),
                    val_loss: (s % 10 == 0).then(|| 3.2 / (1.0 + s as f64 * 0.04)),
                })
            })
            .collect();
        let sizes = vec![
            SizePoint {
                variant: "scratch-tiny".into(),
                parameters: 12_000_000,
                accuracy: interval(0.35, 0.05),
            },
            SizePoint {
                variant: "qwen2.5-1.5b".into(),
                parameters: 1_540_000_000,
                accuracy: interval(0.8, 0.03),
            },
        ];
        let speeds = vec![
            Speed {
                variant: "tiny (flex)".into(),
                tokens_per_s: 310.5,
            },
            Speed {
                variant: "1.5b (cuda)".into(),
                tokens_per_s: 85.2,
            },
        ];
        let written = [
            (metric_bars(&fig("bars", 900, 500), &bars), (900, 500)),
            (loss_curves(&fig("loss", 800, 600), &rows), (800, 600)),
            (accuracy_vs_size(&fig("size", 640, 480), &sizes), (640, 480)),
            (decode_speed(&fig("speed", 700, 400), &speeds), (700, 400)),
        ];
        for (result, size) in written {
            let [png, svg] = result.unwrap();
            let bytes = std::fs::read(&png).unwrap();
            assert_eq!(png_size(&bytes), size, "{}", png.display());
            assert!(bytes.len() > 5_000, "{} is nearly blank", png.display());
            let text = std::fs::read_to_string(&svg).unwrap();
            assert!(svg_has_size(&text, size), "{}", svg.display());
            assert!(
                text.contains("<text") && text.contains("Test "),
                "{}",
                svg.display()
            );
        }
    }

    #[test]
    fn bad_plot_data_is_a_one_sentence_error_naming_the_plot() {
        let dir = tempfile::tempdir().unwrap();
        let fig = Figure::new(dir.path().join("bad"), "bad");
        let err = metric_bars(&fig, &[]).unwrap_err();
        assert!(err.to_string().contains("bad") && err.to_string().contains("no bars"));
        let mut broken = interval(0.5, 0.1);
        broken.upper = f64::NAN;
        let bar = Bar {
            variant: "v".into(),
            metric: "m".into(),
            value: broken,
        };
        assert!(matches!(
            metric_bars(&fig, &[bar]),
            Err(EvalError::PlotData { .. })
        ));
        let zero = SizePoint {
            variant: "v".into(),
            parameters: 0,
            accuracy: interval(0.5, 0.1),
        };
        let err = accuracy_vs_size(&fig, &[zero]).unwrap_err();
        assert!(err.to_string().contains("0 parameters"), "{err}");
        assert!(!fig.png_path().exists());
    }
}
