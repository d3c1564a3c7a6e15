//! The files a run leaves beside its report: one HdrHistogram interval log per series, the
//! timeline summed from them, and the links from each budget row to the files that explain it.

use std::time::{Duration, SystemTime};

use reports::{IntervalPoint, SeriesTimeline};

use loadgen::{Plan, Shape};

use crate::workload::mix::Series;

/// Period of the interval histograms.
pub(crate) const INTERVAL: Duration = Duration::from_secs(1);

/// Writes one HdrHistogram interval log per series under `<scenario>/intervals/`; returns their
/// paths relative to the report, and each series' intervals summed up for plots over time. A
/// log that cannot be written is left out, with a warning.
pub(crate) fn write_interval_logs(
    run_dir: &std::path::Path,
    series: &[crate::workload::mix::Series],
    outcome: &loadgen::Outcome,
    window_start: SystemTime,
    out_dir: &std::path::Path,
) -> (Vec<String>, Vec<SeriesTimeline>) {
    let timeline = series
        .iter()
        .enumerate()
        .map(|(idx, series)| SeriesTimeline {
            kind: series.label.clone(),
            interval_seconds: INTERVAL.as_secs_f64(),
            points: loadgen::intervals::series_intervals(&outcome.intervals, idx, INTERVAL)
                .iter()
                .zip(loadgen::intervals::series_errors(&outcome.intervals, idx).into_values())
                .map(|(interval, errors)| IntervalPoint {
                    t: interval.start.as_secs_f64(),
                    offered_per_second: None,
                    answered_per_second: interval.histogram.len() as f64
                        / interval.length.as_secs_f64(),
                    p50_us: interval.histogram.value_at_quantile(0.5),
                    p99_us: interval.histogram.value_at_quantile(0.99),
                    max_us: interval.histogram.max(),
                    errors,
                })
                .collect(),
        })
        .collect();
    let dir = run_dir.join("intervals");
    if let Err(error) = std::fs::create_dir_all(&dir) {
        eprintln!("warning: cannot create {}: {error}", dir.display());
        return (Vec::new(), timeline);
    }
    let mut written = Vec::new();
    for (idx, series) in series.iter().enumerate() {
        let intervals = loadgen::intervals::series_intervals(&outcome.intervals, idx, INTERVAL);
        let path = dir.join(format!("{}.hlog", series.label.file_stem()));
        let mut bytes = Vec::new();
        let comment = format!(
            "octoperf latency from the intended send time: {}",
            series.label
        );
        let result =
            loadgen::intervals::write_log(&mut bytes, window_start, INTERVAL, &intervals, &comment)
                .and_then(|()| std::fs::write(&path, bytes));
        match result {
            Ok(()) => written.push(
                path.strip_prefix(out_dir)
                    .unwrap_or(&path)
                    .display()
                    .to_string(),
            ),
            Err(error) => eprintln!("warning: cannot write {}: {error}", path.display()),
        }
    }
    (written, timeline)
}

/// Keeps the intervals of the window and fills in each one's offered rate from the open
/// model's schedule (the closed model offers no rate): the intended times that fell in the
/// interval, times the series' share.
pub(crate) fn with_offered(
    mut timeline: Vec<SeriesTimeline>,
    plan: &Plan,
    series: &[Series],
) -> Vec<SeriesTimeline> {
    // The drain after the window (answers to the last requests) is no interval of it: its
    // few answers would read as the rate collapsing. The interval logs keep them.
    for line in &mut timeline {
        line.points
            .retain(|point| point.t < plan.duration.as_secs_f64());
    }
    let Shape::Open(schedule) = &plan.shape else {
        return timeline;
    };
    let n_intervals = plan.duration.as_secs_f64() / INTERVAL.as_secs_f64();
    let mut per_interval = vec![0u64; n_intervals.ceil() as usize];
    for at in schedule
        .times()
        .skip_while(|at| *at < plan.warmup)
        .take_while(|at| *at < plan.warmup + plan.duration)
    {
        let idx = ((at - plan.warmup).as_secs_f64() / INTERVAL.as_secs_f64()) as usize;
        if let Some(count) = per_interval.get_mut(idx) {
            *count += 1;
        }
    }
    for (line, series) in timeline.iter_mut().zip(series) {
        for point in &mut line.points {
            let idx = (point.t / INTERVAL.as_secs_f64()) as usize;
            point.offered_per_second = per_interval
                .get(idx)
                .map(|count| *count as f64 * series.share / INTERVAL.as_secs_f64());
        }
    }
    timeline
}

/// Links every row to the evidence of the scenario that decided it: the CPU profiles
/// (flamegraph, pprof, differential) and heap profiles of the processes of the component it
/// judges; for an end-to-end row, of every process the path crosses.
pub fn link_rows(rows: &mut [reports::BudgetRow], scenarios: &[reports::ScenarioResult]) {
    for row in rows {
        let Some(scenario) = row
            .scenario
            .as_ref()
            .and_then(|name| scenarios.iter().find(|s| &s.name == name))
        else {
            continue;
        };
        let judged = |component: &str| row.component.judges_process(component);
        for profile in scenario.profiles.iter().filter(|p| judged(&p.component)) {
            let files = [
                ("flamegraph", &profile.flamegraph),
                ("differential_flamegraph", &profile.differential),
                ("pprof", &profile.pprof),
            ];
            for (kind, path) in files {
                if let Some(path) = path {
                    row.artifacts.push(reports::Artifact {
                        kind: kind.into(),
                        path: path.clone(),
                    });
                }
            }
        }
        for heap in scenario.heap.iter().filter(|h| judged(&h.component)) {
            if let Some(path) = &heap.dhat {
                row.artifacts.push(reports::Artifact {
                    kind: "dhat".into(),
                    path: path.clone(),
                });
            }
        }
    }
}
