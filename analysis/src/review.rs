//! The quarterly performance review, built from the history's runs over a period: every
//! budget row's trend with its headroom at the period's start and end, the steps found in it
//! (and the commit each appeared at), each component's capacity trend, the rows closest to
//! their limits, and the widest frames of the slowest component's latest profile.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use reports::{BudgetRow, Direction, Metric, RunReport, Table};

use crate::changepoint::{self, Step};

/// A review, ready to render.
#[derive(Debug, Clone)]
pub struct Review {
    pub title: String,
    pub period: String,
    pub runs: usize,
    pub warnings: Vec<String>,
    pub rows: Vec<RowTrend>,
    pub capacity: Vec<CapacityTrend>,
    /// Row keys, closest to their limit first, by the latest run's headroom.
    pub closest: Vec<(String, f64)>,
    pub slowest: Option<Slowest>,
}

/// One budget row over the period.
#[derive(Debug, Clone)]
pub struct RowTrend {
    pub key: String,
    pub name: String,
    pub unit: String,
    pub limit: f64,
    pub direction: Direction,
    /// (days since the period's first run, value, run id, commit), oldest first.
    pub points: Vec<(f64, f64, String, String)>,
    /// Headroom (fraction of the limit left) over the first and the last three runs.
    pub headroom_start: Option<f64>,
    pub headroom_end: Option<f64>,
    pub steps: Vec<StepAt>,
}

/// A step found in a row, placed at the run (and commit) it appeared in.
#[derive(Debug, Clone)]
pub struct StepAt {
    pub step: Step,
    pub run_id: String,
    pub commit: String,
    pub started_at: String,
}

/// A component's capacity over the period: searched (`octoperf capacity`) where the history
/// has searches, else estimated as the rate served per core used.
#[derive(Debug, Clone)]
pub struct CapacityTrend {
    pub component: String,
    pub how: String,
    pub unit: String,
    pub first: f64,
    pub last: f64,
    pub points: usize,
}

#[derive(Debug, Clone)]
pub struct Slowest {
    pub component: String,
    /// Latency used, as a share of the limit (the worst of its latency rows).
    pub used: f64,
    pub run_id: String,
    /// (frame, share of samples), when the latest run that measured it captured a profile.
    pub frames: Vec<(String, f64)>,
}

/// Builds the review of `runs` (oldest first). `period` describes the window (`90 days to
/// 2026-11-27`).
pub fn review(runs: &[RunReport], period: &str, options: &changepoint::Options) -> Review {
    let mut warnings = Vec::new();
    let mut prints: Vec<String> = runs.iter().map(|r| r.machine.fingerprint()).collect();
    prints.sort();
    prints.dedup();
    if prints.len() > 1 {
        warnings.push(format!(
            "the runs come from {} kinds of machine ({}): a trend may be the machines'; filter with --machine",
            prints.len(),
            prints.join(" / ")
        ));
    }
    let quick: Vec<bool> = runs.iter().map(|r| r.quick).collect();
    if quick.contains(&true) && quick.contains(&false) {
        warnings.push("quick and full-length runs are mixed: filter with --quick or --full".into());
    }
    let start_s = runs
        .first()
        .and_then(|r| epoch(&r.started_at))
        .unwrap_or(0.0);

    let mut by_key: BTreeMap<String, RowTrend> = BTreeMap::new();
    for run in runs {
        let days = (epoch(&run.started_at).unwrap_or(start_s) - start_s) / 86_400.0;
        let commit = run.git_commit.clone().unwrap_or_else(|| "unknown".into());
        for row in &run.rows {
            let Some(value) = row.measured else { continue };
            let key = format!("{}.{}.{}", row.table, row.component, row.metric);
            let trend = by_key.entry(key.clone()).or_insert_with(|| RowTrend {
                key,
                name: row_name(row),
                unit: row.unit.clone(),
                limit: row.limit,
                direction: row.direction,
                points: Vec::new(),
                headroom_start: None,
                headroom_end: None,
                steps: Vec::new(),
            });
            trend
                .points
                .push((days, value, run.run_id.clone(), commit.clone()));
        }
    }
    let by_id: BTreeMap<&str, &RunReport> = runs.iter().map(|r| (r.run_id.as_str(), r)).collect();
    for trend in by_key.values_mut() {
        let values: Vec<f64> = trend.points.iter().map(|p| p.1).collect();
        let head = |slice: &[f64]| {
            (!slice.is_empty())
                .then(|| headroom(crate::stats::median(slice), trend.limit, trend.direction))
        };
        trend.headroom_start = head(&values[..values.len().min(3)]);
        trend.headroom_end = head(&values[values.len().saturating_sub(3)..]);
        trend.steps = changepoint::detect(&values, options)
            .into_iter()
            .map(|step| {
                let (_, _, run_id, commit) = &trend.points[step.index];
                StepAt {
                    run_id: run_id.clone(),
                    commit: commit.clone(),
                    started_at: by_id
                        .get(run_id.as_str())
                        .map(|r| r.started_at.clone())
                        .unwrap_or_default(),
                    step,
                }
            })
            .collect();
    }
    let rows: Vec<RowTrend> = by_key.into_values().collect();

    let mut closest: Vec<(String, f64)> = rows
        .iter()
        .filter_map(|t| {
            let last = t.points.last()?;
            Some((t.key.clone(), headroom(last.1, t.limit, t.direction)))
        })
        .collect();
    closest.sort_by(|a, b| a.1.total_cmp(&b.1));
    closest.truncate(5);

    Review {
        title: "octoperf quarterly performance review".into(),
        period: period.into(),
        runs: runs.len(),
        warnings,
        capacity: capacity_trends(runs),
        slowest: slowest(runs, &rows),
        rows,
        closest,
    }
}

/// The share of the limit left: `(limit − value) / limit` below, `(value − limit) / limit`
/// above; negative when over.
pub fn headroom(value: f64, limit: f64, direction: Direction) -> f64 {
    match direction {
        Direction::Below => (limit - value) / limit,
        Direction::Above => (value - limit) / limit,
    }
}

fn row_name(row: &BudgetRow) -> String {
    if row.table == Table::Throughput {
        format!("{} throughput", row.component_name)
    } else {
        format!("{} {}", row.component_name, row.metric.label())
    }
}

/// Seconds since the epoch of an RFC 3339 time, as `2026-11-27T08:10:00Z`.
fn epoch(rfc3339: &str) -> Option<f64> {
    let time = humantime::parse_rfc3339_weak(rfc3339.trim_end_matches('Z')).ok()?;
    Some(
        time.duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_secs_f64(),
    )
}

/// Each component's capacity, first and last of the period.
fn capacity_trends(runs: &[RunReport]) -> Vec<CapacityTrend> {
    let mut searched: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for run in runs {
        for found in &run.capacity {
            if let Some(held) = found.held_per_second {
                searched
                    .entry(found.scenario.clone())
                    .or_default()
                    .push(held);
            }
        }
    }
    let mut out: Vec<CapacityTrend> = searched
        .into_iter()
        .map(|(scenario, values)| CapacityTrend {
            component: scenario,
            how: "searched: the highest rate that held every row (octoperf capacity)".into(),
            unit: "req/s".into(),
            first: values[0],
            last: values[values.len() - 1],
            points: values.len(),
        })
        .collect();
    // Estimated: the throughput row's rate over the component's CPU row, run by run.
    let mut estimated: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for run in runs {
        for row in run.rows.iter().filter(|r| r.table == Table::Throughput) {
            // The arms' throughput is over one arm's CPU.
            let cpu = run
                .rows
                .iter()
                .find(|r| {
                    r.metric == Metric::Cpu && r.component.process() == row.component.process()
                })
                .and_then(|r| r.measured);
            if let (Some(rate), Some(cores)) = (row.measured, cpu)
                && cores > 0.0
            {
                estimated
                    .entry(format!("{}|{}", row.component, row.unit))
                    .or_default()
                    .push(rate / cores);
            }
        }
    }
    for (key, values) in estimated {
        let (component, unit) = key.split_once('|').unwrap_or((&key, ""));
        if out.iter().any(|c| c.component == component) {
            continue;
        }
        out.push(CapacityTrend {
            component: component.to_owned(),
            how: "estimated: the rate served per core it used".into(),
            unit: format!("{unit} per core"),
            first: values[0],
            last: values[values.len() - 1],
            points: values.len(),
        });
    }
    out
}

/// The component whose latency uses the largest share of its limit in the latest run that
/// measured it, and the widest frames of that run's profile of it.
fn slowest(runs: &[RunReport], rows: &[RowTrend]) -> Option<Slowest> {
    let (trend, used) = rows
        .iter()
        .filter(|t| t.key.starts_with("latency."))
        .filter_map(|t| Some((t, t.points.last()?.1 / t.limit)))
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    let component = trend.key.split('.').nth(1)?.to_owned();
    let run_id = trend.points.last()?.2.clone();
    // The newest run with a profile of a process of this component.
    let process = match component.as_str() {
        c if c.starts_with("orchestrator") || c.starts_with("e2e") => "orchestrator",
        "arms" => "arm",
        c => c,
    };
    let frames = runs
        .iter()
        .rev()
        .flat_map(|r| r.scenarios.iter())
        .flat_map(|s| s.profiles.iter())
        .find(|p| p.component == process && !p.top.is_empty())
        .map(|p| {
            p.top
                .iter()
                .take(10)
                .map(|f| (f.name.clone(), f.self_share))
                .collect()
        })
        .unwrap_or_default();
    Some(Slowest {
        component,
        used,
        run_id,
        frames,
    })
}

/// The review as Markdown.
pub fn render_markdown(review: &Review) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", review.title);
    let _ = writeln!(out, "{}; {} runs.\n", review.period, review.runs);
    for warning in &review.warnings {
        let _ = writeln!(out, "> **Warning:** {warning}\n");
    }
    let _ = writeln!(out, "## Significant changes\n");
    let steps: Vec<(&RowTrend, &StepAt)> = review
        .rows
        .iter()
        .flat_map(|t| t.steps.iter().map(move |s| (t, s)))
        .collect();
    if steps.is_empty() {
        let _ = writeln!(
            out,
            "None found: no row stepped beyond its run-to-run noise.\n"
        );
    } else {
        let _ = writeln!(
            out,
            "| row | before | after | change | appeared at | run | p |"
        );
        let _ = writeln!(out, "|---|---:|---:|---:|---|---|---:|");
        for (trend, at) in steps {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:+.1}% | `{}` ({}) | {} | {:.3} |",
                trend.name,
                value(at.step.before, &trend.unit),
                value(at.step.after, &trend.unit),
                at.step.change * 100.0,
                at.commit,
                at.started_at,
                at.run_id,
                at.step.p_value
            );
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "## Closest to their limits\n");
    for (key, room) in &review.closest {
        let _ = writeln!(out, "- `{key}`: {:.0}% of the limit left", room * 100.0);
    }
    let _ = writeln!(out, "\n## Capacity\n");
    if review.capacity.is_empty() {
        let _ = writeln!(
            out,
            "No run measured a capacity or a throughput with its CPU."
        );
    }
    for capacity in &review.capacity {
        let _ = writeln!(
            out,
            "- **{}**: {:.0} → {:.0} {} ({:+.1}%, {} runs; {})",
            capacity.component,
            capacity.first,
            capacity.last,
            capacity.unit,
            (capacity.last / capacity.first - 1.0) * 100.0,
            capacity.points,
            capacity.how
        );
    }
    if let Some(slowest) = &review.slowest {
        let _ = writeln!(
            out,
            "\n## Slowest component: {}\n\nIts latency uses {:.0}% of its limit (run {}).",
            slowest.component,
            slowest.used * 100.0,
            slowest.run_id
        );
        if slowest.frames.is_empty() {
            let _ = writeln!(
                out,
                "No profile of it was captured in the period (run with --profile-cpu)."
            );
        } else {
            let _ = writeln!(out, "\nWidest frames of its latest profile (self time):\n");
            for (frame, share) in &slowest.frames {
                let _ = writeln!(out, "- {:.1}% `{frame}`", share * 100.0);
            }
        }
    }
    let _ = writeln!(out, "\n## Every row\n");
    let _ = writeln!(
        out,
        "| row | limit | first | last | headroom start | headroom end | runs | steps |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|");
    for trend in &review.rows {
        let first = trend.points.first().map(|p| p.1).unwrap_or(f64::NAN);
        let last = trend.points.last().map(|p| p.1).unwrap_or(f64::NAN);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            trend.name,
            value(trend.limit, &trend.unit),
            value(first, &trend.unit),
            value(last, &trend.unit),
            percent(trend.headroom_start),
            percent(trend.headroom_end),
            trend.points.len(),
            trend.steps.len()
        );
    }
    out
}

/// The review as one self-contained HTML page (inline CSS and SVG, no script).
pub fn render_html(review: &Review) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <style>body{{font-family:sans-serif;max-width:860px;margin:2em auto;color:#222}}\
         table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px 6px;text-align:right}}\
         td:first-child,th:first-child{{text-align:left}}.warn{{background:#eee;padding:4px 8px}}\
         figure{{margin:1em 0}}</style></head><body>",
        escape(&review.title)
    );
    // The Markdown's sections, as HTML, then the trends.
    let markdown = render_markdown(review);
    let _ = write!(out, "{}", markdown_to_html(&markdown));
    let _ = write!(out, "<h2>Trends</h2>");
    for trend in &review.rows {
        let points: Vec<(f64, f64)> = trend.points.iter().map(|p| (p.0, p.1)).collect();
        let steps: Vec<f64> = trend
            .steps
            .iter()
            .map(|s| trend.points[s.step.index].0)
            .collect();
        let _ = write!(
            out,
            "<figure id=\"{}\">{}<figcaption>{}: headroom {} at the start, {} at the end{}</figcaption></figure>",
            escape(&trend.key),
            reports::plots::trend(&trend.name, &points, trend.limit, &trend.unit, &steps),
            escape(&trend.name),
            percent(trend.headroom_start),
            percent(trend.headroom_end),
            trend
                .steps
                .iter()
                .map(|s| format!(
                    "; step {:+.1}% at {}",
                    s.step.change * 100.0,
                    escape(&s.commit)
                ))
                .collect::<String>()
        );
    }
    let _ = writeln!(out, "</body></html>");
    out
}

fn value(value: f64, unit: &str) -> String {
    reports::format_value(value, unit)
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".into(), |v| format!("{:.0}%", v * 100.0))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Just enough Markdown for the review's own output: headings, quotes, lists, tables and
/// code spans.
fn markdown_to_html(markdown: &str) -> String {
    let inline = |text: &str| {
        let escaped = escape(text);
        let mut out = String::new();
        for (i, part) in escaped.split('`').enumerate() {
            if i % 2 == 1 {
                let _ = write!(out, "<code>{part}</code>");
            } else {
                out.push_str(&bold(part));
            }
        }
        out
    };
    let mut out = String::new();
    let mut in_list = false;
    let mut in_table = false;
    for line in markdown.lines() {
        if in_list && !line.starts_with("- ") {
            out.push_str("</ul>");
            in_list = false;
        }
        if in_table && !line.starts_with('|') {
            out.push_str("</table>");
            in_table = false;
        }
        if let Some(heading) = line.strip_prefix("## ") {
            let _ = write!(out, "<h2>{}</h2>", inline(heading));
        } else if let Some(heading) = line.strip_prefix("# ") {
            let _ = write!(out, "<h1>{}</h1>", inline(heading));
        } else if let Some(quote) = line.strip_prefix("> ") {
            let _ = write!(out, "<p class=\"warn\">{}</p>", inline(quote));
        } else if let Some(item) = line.strip_prefix("- ") {
            if !in_list {
                out.push_str("<ul>");
                in_list = true;
            }
            let _ = write!(out, "<li>{}</li>", inline(item));
        } else if line.starts_with('|') {
            if line.starts_with("|---") {
                continue;
            }
            let tag = if in_table { "td" } else { "th" };
            if !in_table {
                out.push_str("<table>");
                in_table = true;
            }
            out.push_str("<tr>");
            for cell in line.trim_matches('|').split(" | ") {
                let _ = write!(out, "<{tag}>{}</{tag}>", inline(cell.trim()));
            }
            out.push_str("</tr>");
        } else if !line.trim().is_empty() {
            let _ = write!(out, "<p>{}</p>", inline(line));
        }
    }
    if in_list {
        out.push_str("</ul>");
    }
    if in_table {
        out.push_str("</table>");
    }
    out
}

fn bold(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split("**").enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<strong>{part}</strong>");
        } else {
            out.push_str(part);
        }
    }
    out
}

#[cfg(test)]
mod tests;
