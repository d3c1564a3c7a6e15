//! The report's plots as SVG strings (plotters): latency over time with the offered and
//! answered rates, the percentile spectrum of latency and service time, CPU and memory of each
//! process over time, and every budget row's margin. 800 px wide, told apart by line style and
//! weight as well as shade, so they read in grayscale.

use hdrhistogram::Histogram;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::Table;
use crate::{BudgetRow, ProcessResult, RequestResult, RowVerdict, SeriesTimeline};

/// Width of every plot, px.
pub const WIDTH: u32 = 800;

const FONT: &str = "sans-serif";
const DARK: RGBColor = RGBColor(0x22, 0x22, 0x22);
const MID: RGBColor = RGBColor(0x66, 0x66, 0x66);
const LIGHT: RGBColor = RGBColor(0xaa, 0xaa, 0xaa);

type Drawn = Result<(), Box<dyn std::error::Error>>;

/// One value of an interval, to draw as a line.
type PointValue = Box<dyn Fn(&crate::IntervalPoint) -> f64>;

/// One value of a process reading, to draw in a panel.
type SampleValue = fn(&crate::ProcessSample) -> f64;

/// Draws into an SVG string of `height` px; a plot that cannot be drawn becomes a one-line SVG
/// saying why, so that the report never loses its other plots.
fn svg(height: u32, draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Drawn) -> String {
    let mut out = String::new();
    let drawn = {
        let root = SVGBackend::with_string(&mut out, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|error| error.to_string().into())
            .and_then(|()| draw(&root))
            .and_then(|()| root.present().map_err(|error| error.to_string().into()))
    };
    match drawn {
        Ok(()) => out,
        Err(error) => format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"24\"><text x=\"4\" y=\"16\">plot not drawn: {}</text></svg>",
            crate::junit::escape(&error.to_string())
        ),
    }
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

/// P50, P99 and max latency per interval (left axis, ms), with the offered and answered rates
/// (right axis, per second).
pub fn latency_over_time(series: &SeriesTimeline) -> String {
    svg(340, |root| {
        let points = &series.points;
        let t_end = points
            .iter()
            .map(|p| p.t + series.interval_seconds)
            .fold(1.0, f64::max);
        let max_ms = points.iter().map(|p| ms(p.max_us)).fold(0.01, f64::max) * 1.1;
        let max_rate = points
            .iter()
            .flat_map(|p| [p.answered_per_second, p.offered_per_second.unwrap_or(0.0)])
            .fold(1.0, f64::max)
            * 1.15;
        let mut chart = ChartBuilder::on(root)
            .caption(format!("{}: latency over time", series.kind), (FONT, 16))
            .margin(8)
            .x_label_area_size(32)
            .y_label_area_size(56)
            .right_y_label_area_size(64)
            .build_cartesian_2d(0.0..t_end, 0.0..max_ms)?
            .set_secondary_coord(0.0..t_end, 0.0..max_rate);
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_desc("seconds into the measured window")
            .y_desc("latency, ms")
            .draw()?;
        chart
            .configure_secondary_axes()
            .y_desc("per second")
            .draw()?;
        // Each point at its interval's end: the interval it summarises is behind it.
        let at = |p: &crate::IntervalPoint| p.t + series.interval_seconds;
        let lines: [(&str, PointValue, ShapeStyle); 3] = [
            ("max", Box::new(|p| ms(p.max_us)), LIGHT.stroke_width(1)),
            ("P99", Box::new(|p| ms(p.p99_us)), DARK.stroke_width(3)),
            ("P50", Box::new(|p| ms(p.p50_us)), MID.stroke_width(2)),
        ];
        for (label, value, style) in lines {
            chart
                .draw_series(LineSeries::new(
                    points.iter().map(|p| (at(p), value(p))),
                    style,
                ))?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
        }
        let answered = MID.stroke_width(1);
        chart
            .draw_secondary_series(DashedLineSeries::new(
                points.iter().map(|p| (at(p), p.answered_per_second)),
                6,
                3,
                answered,
            ))?
            .label("answered/s (right)")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], answered));
        if points.iter().any(|p| p.offered_per_second.is_some()) {
            let offered = DARK.stroke_width(1);
            chart
                .draw_secondary_series(DashedLineSeries::new(
                    points
                        .iter()
                        .filter_map(|p| Some((at(p), p.offered_per_second?))),
                    2,
                    3,
                    offered,
                ))?
                .label("offered/s (right)")
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], offered));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.85))
            .border_style(MID)
            .label_font((FONT, 12))
            .draw()?;
        Ok(())
    })
}

/// The percentile spectrum: latency and service time against percentile, on a log axis of
/// "nines" up to 99.999%, as HdrHistogram plots it.
pub fn percentile_spectrum(request: &RequestResult) -> String {
    svg(320, |root| {
        let curves: Vec<(&str, Histogram<u64>, ShapeStyle)> = [
            (
                "latency (from intended time)",
                &request.latency_histogram,
                DARK.stroke_width(3),
            ),
            (
                "service time (from send)",
                &request.service_time_histogram,
                MID.stroke_width(1),
            ),
        ]
        .into_iter()
        .filter_map(|(label, encoded, style)| {
            Some((label, crate::histogram::decode_nonempty(encoded)?, style))
        })
        .collect();
        if curves.is_empty() {
            return Err("no histogram recorded".into());
        }
        // x is the number of nines: 0 for P0, 2 for P99, 5 for P99.999.
        let nines_max = 5.0;
        let spectrum = |histogram: &Histogram<u64>| -> Vec<(f64, f64)> {
            (0..=100)
                .map(|step| {
                    let nines = f64::from(step) * nines_max / 100.0;
                    let quantile = 1.0 - 10f64.powf(-nines);
                    (nines, ms(histogram.value_at_quantile(quantile)).max(0.001))
                })
                .collect()
        };
        let top = curves
            .iter()
            .map(|(_, h, _)| ms(h.max()))
            .fold(0.01, f64::max)
            * 1.5;
        let bottom = curves
            .iter()
            .map(|(_, h, _)| ms(h.min()))
            .fold(f64::MAX, f64::min)
            .max(0.001)
            / 1.5;
        let mut chart = ChartBuilder::on(root)
            .caption(format!("{}: percentile spectrum", request.kind), (FONT, 16))
            .margin(8)
            .margin_right(36)
            .x_label_area_size(32)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..nines_max, (bottom..top).log_scale())?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_labels(6)
            .x_label_formatter(&|nines| {
                let percent = 100.0 * (1.0 - 10f64.powf(-nines));
                match nines.round() as i32 {
                    0 => "0%".to_owned(),
                    n => format!("{percent:.*}%", (n - 2).max(0) as usize),
                }
            })
            .x_desc("percentile")
            .y_desc("ms (log)")
            .draw()?;
        for (label, histogram, style) in &curves {
            let style = *style;
            chart
                .draw_series(LineSeries::new(spectrum(histogram), style))?
                .label(*label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(MID)
            .label_font((FONT, 12))
            .draw()?;
        Ok(())
    })
}

/// Line styles that stay apart in grayscale, by process.
fn process_style(idx: usize) -> ShapeStyle {
    let shades = [DARK, MID, LIGHT];
    shades[idx % shades.len()].stroke_width(if idx.is_multiple_of(2) { 2 } else { 1 })
}

/// CPU (cores) and resident memory (MB) of each process over the window, one panel each.
pub fn resources_over_time(processes: &[ProcessResult]) -> String {
    svg(460, |root| {
        let sampled: Vec<&ProcessResult> =
            processes.iter().filter(|p| !p.samples.is_empty()).collect();
        if sampled.is_empty() {
            return Err("no process was sampled over time".into());
        }
        let t_end = sampled
            .iter()
            .flat_map(|p| p.samples.iter().map(|s| s.t))
            .fold(1.0, f64::max)
            * 1.04;
        let (upper, lower) = root.split_vertically(230);
        let panels: [(&DrawingArea<SVGBackend<'_>, Shift>, &str, &str, SampleValue); 2] = [
            (&upper, "CPU over time", "cores", |s| s.cpu_cores),
            (&lower, "Resident memory over time", "MB", |s| {
                s.rss_bytes as f64 / 1e6
            }),
        ];
        for (area, caption, unit, value) in panels {
            let top = sampled
                .iter()
                .flat_map(|p| p.samples.iter().map(value))
                .fold(0.01, f64::max)
                * 1.15;
            let mut chart = ChartBuilder::on(area)
                .caption(caption, (FONT, 15))
                .margin(6)
                .x_label_area_size(26)
                .y_label_area_size(56)
                .build_cartesian_2d(0.0..t_end, 0.0..top)?;
            chart
                .configure_mesh()
                .light_line_style(WHITE)
                .y_desc(unit)
                .draw()?;
            for (idx, process) in sampled.iter().enumerate() {
                let style = process_style(idx);
                let points: Vec<(f64, f64)> =
                    process.samples.iter().map(|s| (s.t, value(s))).collect();
                chart
                    .draw_series(LineSeries::new(points.iter().copied(), style))?
                    .label(process.name.clone())
                    .legend(move |(x, y)| {
                        // The line with the process's marker on it, as in the plot.
                        EmptyElement::at((x, y))
                            + PathElement::new(vec![(0, 0), (20, 0)], style)
                            + marker(idx, (10, 0), style)
                    });
                // Markers by process, so that lines of equal shade stay apart.
                chart.draw_series(points.iter().map(|&(x, y)| marker(idx, (x, y), style)))?;
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.85))
                .border_style(MID)
                .label_font((FONT, 11))
                .draw()?;
        }
        Ok(())
    })
}

/// A marker shape per process: circle, triangle or cross.
fn marker<DB: DrawingBackend, C: Clone + 'static>(
    idx: usize,
    at: C,
    style: ShapeStyle,
) -> DynElement<'static, DB, C> {
    // Shades repeat every three processes, shapes every nine: nine processes stay apart.
    match (idx / 3) % 3 {
        0 => Circle::new(at, 3, style).into_dyn(),
        1 => TriangleMarker::new(at, 4, style).into_dyn(),
        _ => Cross::new(at, 3, style).into_dyn(),
    }
}

/// Every measured row's margin: how far inside (right, pale bar) or outside (left, black bar)
/// its limit it was, in percent of the limit; bars past ±100% are cut and say so.
pub fn margins(rows: &[BudgetRow]) -> String {
    let measured: Vec<(&BudgetRow, f64)> = rows
        .iter()
        .filter_map(|row| Some((row, crate::margin_percent(row)?)))
        .collect();
    let height = 60 + 20 * measured.len().max(1) as u32;
    svg(height, |root| {
        if measured.is_empty() {
            return Err("no row was measured".into());
        }
        let n = measured.len() as u32;
        let mut chart = ChartBuilder::on(root)
            .caption(
                "Margin to each limit (% of the limit; right of 0 passes)",
                (FONT, 15),
            )
            .margin(8)
            .margin_right(28)
            .x_label_area_size(28)
            .y_label_area_size(230)
            .build_cartesian_2d(-100.0..100.0, (0..n).into_segmented())?;
        let labels: Vec<String> = measured
            .iter()
            .map(|(row, _)| {
                format!(
                    "{} {}",
                    row.component_name,
                    if row.table == Table::Throughput {
                        "throughput"
                    } else {
                        row.metric.label()
                    }
                )
            })
            .collect();
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .y_labels(n as usize)
            .y_label_formatter(&|value| match value {
                SegmentValue::CenterOf(idx) => {
                    labels.get(*idx as usize).cloned().unwrap_or_default()
                }
                _ => String::new(),
            })
            .x_label_formatter(&|x| format!("{x:+.0}%"))
            .draw()?;
        chart.draw_series(measured.iter().enumerate().map(|(idx, (row, margin))| {
            let idx = idx as u32;
            let clamped = margin.clamp(-100.0, 100.0);
            let style = if row.verdict == RowVerdict::Fail {
                DARK.filled()
            } else {
                LIGHT.filled()
            };
            let mut bar = Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(idx)),
                    (clamped, SegmentValue::Exact(idx + 1)),
                ],
                style,
            );
            bar.set_margin(3, 3, 0, 0);
            bar
        }))?;
        chart.draw_series(measured.iter().enumerate().map(|(idx, (row, margin))| {
            let cut = if margin.abs() > 100.0 { " (cut)" } else { "" };
            let word = if row.verdict == RowVerdict::Fail {
                " FAIL"
            } else {
                ""
            };
            let x = if *margin >= 0.0 { -98.0 } else { 2.0 };
            Text::new(
                format!("{margin:+.0}%{cut}{word}"),
                (x, SegmentValue::CenterOf(idx as u32)),
                (FONT, 11).into_font().color(&DARK),
            )
        }))?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, SegmentValue::Exact(0)), (0.0, SegmentValue::Exact(n))],
            DARK.stroke_width(1),
        )))?;
        Ok(())
    })
}

/// A budget row's value run after run (x: days since the first run), with its limit as a
/// dashed line and each step found in it as a vertical mark: the quarterly review's trend.
pub fn trend(title: &str, points: &[(f64, f64)], limit: f64, unit: &str, steps: &[f64]) -> String {
    svg(220, |root| {
        if points.is_empty() {
            return Err("no run measured it".into());
        }
        let x_end = points.iter().map(|p| p.0).fold(0.0_f64, f64::max).max(1.0);
        let y_top = points
            .iter()
            .map(|p| p.1)
            .fold(limit, f64::max)
            .max(f64::MIN_POSITIVE)
            * 1.1;
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT, 14))
            .margin(8)
            .margin_right(20)
            .x_label_area_size(28)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..x_end, 0.0..y_top)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_desc("days")
            .y_desc(unit)
            .draw()?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, limit), (x_end, limit)],
            ShapeStyle::from(&MID).stroke_width(1),
        )))?;
        // Dashes by hand: plotters' SVG backend draws a path solid.
        chart.draw_series((0..40).filter(|i| i % 2 == 0).map(|i| {
            let (a, b) = (x_end * i as f64 / 40.0, x_end * (i + 1) as f64 / 40.0);
            PathElement::new(vec![(a, limit), (b, limit)], WHITE.stroke_width(2))
        }))?;
        for step in steps {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(*step, 0.0), (*step, y_top)],
                LIGHT.stroke_width(3),
            )))?;
        }
        chart.draw_series(LineSeries::new(
            points.iter().copied(),
            DARK.stroke_width(2),
        ))?;
        chart.draw_series(points.iter().map(|p| Circle::new(*p, 3, DARK.filled())))?;
        Ok(())
    })
}
