//! The verdict of every budget row over a run's scenario results: each row's value from the
//! scenarios that measure it, against its limit, under the error rule; any failing scenario
//! fails the row, whatever their order.

use reports::{BudgetRow, Direction, Measure, Metric, RowId, RowVerdict, ScenarioResult, Table};

use crate::spec::budget::{Budgets, Profile};
use crate::workload::kind::{latency_source, throughput_sources};

/// A row measured with more errors than this share of its requests fails, whatever its latency.
pub const MAX_ERROR_RATE: f64 = 0.01;
/// A throughput row passes only when this share of the offered rate completed successfully.
pub const MIN_SUSTAINED_SHARE: f64 = 0.99;

/// One measurement of a row by one scenario.
struct Measurement<'a> {
    value: f64,
    scenario: &'a ScenarioResult,
    failure: Option<String>,
}

/// The verdict of every budget row over the scenario results. Where several scenarios measure
/// a row, any failing one fails it (see [`judge`]).
pub fn evaluate(
    budgets: &Budgets,
    profile: Profile,
    scenarios: &[ScenarioResult],
) -> Vec<BudgetRow> {
    let mut targets = latency_targets(budgets, scenarios);
    targets.extend(throughput_targets(budgets, scenarios));
    targets.extend(resource_targets(budgets, profile, scenarios));
    hold_throughput_to_latency(&mut targets);
    targets
}

/// The latency rows: P50, P95 and P99 of each component's request kind.
fn latency_targets(budgets: &Budgets, scenarios: &[ScenarioResult]) -> Vec<BudgetRow> {
    let mut targets = Vec::new();
    for row in &budgets.latency {
        let row_id = RowId::new(Measure::Latency, row.component);
        let kind = latency_source(row.component)
            .expect("every latency row has a request kind as its source")
            .as_str();
        for (metric, limit) in [
            (Metric::P50, row.p50_ms),
            (Metric::P95, row.p95_ms),
            (Metric::P99, row.p99_ms),
        ] {
            let measure = |scenario: &ScenarioResult| {
                let request = scenario
                    .requests
                    .iter()
                    .find(|r| (r.kind == kind || r.feeds.contains(&row_id)) && r.latency.count > 0)
                    .ok_or_else(|| RECORDED_NOTHING.to_owned())?;
                let pick = |latency: &reports::Percentiles| match metric {
                    Metric::P50 => latency.p50_us,
                    Metric::P95 => latency.p95_us,
                    _ => latency.p99_us,
                };
                // The worse of every answer's and the successes' percentile: every answer
                // keeps slow failures (a timeout is a slow answer); the successes alone keep
                // fast failures (a 503 in a millisecond, up to the 1% the error rule lets
                // through) from pulling the percentile down below what users waited.
                let mut us = pick(&request.latency);
                if request.latency_ok.count > 0 {
                    us = us.max(pick(&request.latency_ok));
                }
                Ok((us as f64 / 1000.0, error_failure(request)))
            };
            let base = BudgetRow {
                source: Some(kind.to_owned()),
                ..BudgetRow::unmeasured((row.component, &row.name, metric), (limit, "ms"))
            };
            targets.push(judge(base, row_id, scenarios, measure));
        }
    }
    targets
}

/// The throughput rows: successful answers that arrived in the window, above the target.
fn throughput_targets(budgets: &Budgets, scenarios: &[ScenarioResult]) -> Vec<BudgetRow> {
    let mut targets = Vec::new();
    for row in &budgets.throughput {
        let row_id = RowId::new(Measure::Throughput, row.component);
        let (limit, unit, scale) = match (row.min_per_second, row.min_per_minute) {
            (Some(per_second), _) => (per_second, "req/s", 1.0),
            (_, Some(per_minute)) => (per_minute, "tasks/min", 60.0),
            _ => unreachable!("checked when the budget file was parsed"),
        };
        let sources = throughput_sources(row.component);
        let measure = |scenario: &ScenarioResult| {
            let requests: Vec<_> = scenario
                .requests
                .iter()
                .filter(|r| {
                    sources.iter().any(|kind| r.kind == kind.as_str()) || r.feeds.contains(&row_id)
                })
                .collect();
            if requests.is_empty() {
                return Err(RECORDED_NOTHING.to_owned());
            }
            let achieved: f64 = requests.iter().map(|r| r.achieved_per_second).sum::<f64>() * scale;
            let offered: f64 = requests
                .iter()
                .filter_map(|r| r.offered_per_second)
                .sum::<f64>()
                * scale;
            let mut failure = requests.iter().find_map(|r| error_failure(r));
            if failure.is_none() && offered <= limit {
                failure = Some(format!(
                    "the scenario offered only {offered:.0} {unit}, not above the target"
                ));
            }
            if failure.is_none() && achieved < offered * MIN_SUSTAINED_SHARE {
                failure = Some(format!("the offered {offered:.0} {unit} was not sustained"));
            }
            Ok((achieved, failure))
        };
        let base = BudgetRow::unmeasured(
            (row.component, &row.name, Metric::Throughput),
            (limit, unit),
        );
        targets.push(judge(base, row_id, scenarios, measure));
    }
    targets
}

/// The memory and CPU rows, against the profile's column: the largest process of the
/// component.
fn resource_targets(
    budgets: &Budgets,
    profile: Profile,
    scenarios: &[ScenarioResult],
) -> Vec<BudgetRow> {
    let mut targets = Vec::new();
    for row in &budgets.resources {
        for (metric, limit, unit) in [
            (Metric::Memory, row.memory_mb.get(profile), "MB"),
            (Metric::Cpu, row.cpu_cores.get(profile), "cores"),
        ] {
            let row_id = RowId::new(metric.measure(), row.component);
            let measure = |scenario: &ScenarioResult| {
                let mut worst: Option<f64> = None;
                for process in scenario
                    .processes
                    .iter()
                    .filter(|p| row.component.judges_process(&p.component))
                {
                    let value = match metric {
                        Metric::Memory => process.rss_peak_bytes.map(|bytes| bytes as f64 / 1e6),
                        _ => process.cpu_cores_mean,
                    };
                    // The largest of several is unknown while one of them is.
                    let value = value
                        .ok_or_else(|| format!("process {} could not be read", process.name))?;
                    worst = Some(worst.map_or(value, |w| w.max(value)));
                }
                let worst = worst.ok_or_else(|| RECORDED_NOTHING.to_owned())?;
                // What a process used under a load that mostly failed is not what the budget
                // is about: fast failures cost little.
                let failure = scenario.requests.iter().find_map(error_failure);
                Ok((worst, failure))
            };
            let base = BudgetRow::unmeasured((row.component, &row.name, metric), (limit, unit));
            targets.push(judge(base, row_id, scenarios, measure));
        }
    }
    targets
}

/// A throughput row holds only if the latency budgets measured in its scenario held too.
fn hold_throughput_to_latency(targets: &mut [BudgetRow]) {
    let failed_latency: Vec<(String, String)> = targets
        .iter()
        .filter(|t| t.table == Table::Latency && t.verdict == RowVerdict::Fail)
        .filter_map(|t| {
            Some((
                t.scenario.clone()?,
                format!("{} {}", t.component_name, t.metric.label()),
            ))
        })
        .collect();
    for target in targets
        .iter_mut()
        .filter(|t| t.table == Table::Throughput && t.verdict == RowVerdict::Pass)
    {
        let broken: Vec<&str> = failed_latency
            .iter()
            .filter(|(scenario, _)| Some(scenario) == target.scenario.as_ref())
            .map(|(_, row)| row.as_str())
            .collect();
        if !broken.is_empty() {
            target.verdict = RowVerdict::Fail;
            target.note = Some(format!(
                "the latency budget was not held at this rate: {}",
                broken.join(", ")
            ));
        }
    }
}

/// Why a scenario gave a row no value, when it ran but recorded nothing for it.
const RECORDED_NOTHING: &str = "recorded nothing for it";

fn error_failure(request: &reports::RequestResult) -> Option<String> {
    let rate = request.error_rate();
    (rate > MAX_ERROR_RATE).then(|| {
        format!(
            "{:.1}% of {} requests failed (over {:.0}%)",
            rate * 100.0,
            request.kind,
            MAX_ERROR_RATE * 100.0
        )
    })
}

/// Fills a target from the scenarios that measure `row_id`. The row fails when any of them
/// fails it (outside the limit, or a failure such as too many errors), whatever their order,
/// and shows the worst failing measurement; otherwise it passes and shows the worst.
/// `measure` gives a scenario's value and its failure, if any, or why it has no value.
fn judge<'a>(
    mut target: BudgetRow,
    row_id: RowId,
    scenarios: &'a [ScenarioResult],
    measure: impl Fn(&'a ScenarioResult) -> Result<(f64, Option<String>), String>,
) -> BudgetRow {
    let claiming: Vec<&ScenarioResult> = scenarios
        .iter()
        .filter(|s| s.measures.contains(&row_id))
        .collect();
    if claiming.is_empty() {
        target.note = Some("no scenario in this run measures it".into());
        return target;
    }
    let mut measurements: Vec<Measurement<'a>> = Vec::new();
    let mut unusable = Vec::new();
    for scenario in claiming {
        if let Some(error) = &scenario.error {
            unusable.push(format!("{} did not run: {error}", scenario.name));
        } else if !scenario.valid {
            unusable.push(format!(
                "{} was invalid: {}",
                scenario.name,
                scenario.invalid_reasons.join("; ")
            ));
        } else {
            match measure(scenario) {
                Ok((value, failure)) => measurements.push(Measurement {
                    value,
                    scenario,
                    failure,
                }),
                Err(why) => unusable.push(format!("{}: {why}", scenario.name)),
            }
        }
    }
    // Any unusable scenario leaves the row unproven, even if another measured it.
    if !unusable.is_empty() {
        target.note = Some(unusable.join("; "));
        if let Some(worst) = measurements.first() {
            target.measured = Some(worst.value);
            target.scenario = Some(worst.scenario.name.clone());
        }
        return target;
    }
    let worse = |a: f64, b: f64| match target.direction {
        Direction::Below => a > b,
        Direction::Above => a < b,
    };
    let within = |value: f64| match target.direction {
        Direction::Below => value < target.limit,
        Direction::Above => value > target.limit,
    };
    let failing: Vec<&Measurement> = measurements
        .iter()
        .filter(|m| !within(m.value) || m.failure.is_some())
        .collect();
    let shown = if failing.is_empty() {
        measurements.iter().collect()
    } else {
        failing.clone()
    };
    let worst = shown
        .into_iter()
        .reduce(|acc, m| if worse(m.value, acc.value) { m } else { acc })
        .expect("at least one measurement");
    target.measured = Some(worst.value);
    target.scenario = Some(worst.scenario.name.clone());
    target.verdict = if failing.is_empty() {
        RowVerdict::Pass
    } else {
        RowVerdict::Fail
    };
    let notes: Vec<String> = failing
        .iter()
        .filter_map(|m| {
            let failure = m.failure.as_ref()?;
            Some(if measurements.len() > 1 {
                format!("{}: {failure}", m.scenario.name)
            } else {
                failure.clone()
            })
        })
        .collect();
    target.note = (!notes.is_empty()).then(|| notes.join("; "));
    target
}

#[cfg(test)]
mod tests;
