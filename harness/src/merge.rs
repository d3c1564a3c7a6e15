//! `octoperf merge`: several runs of the same scenarios (shards offering load side by side, on
//! one machine or several) judged as one. Histograms of record are added exactly (they share
//! their bounds), counts and rates are summed, interval logs are merged interval by interval,
//! and the budget rows are judged again on the merged data.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hdrhistogram::Histogram;
use reports::{RequestResult, RunReport, ScenarioResult};

use crate::report::{self, Results, RunFacts};
use crate::spec::budget::{Budgets, Profile};
use reports::histogram::{encode, percentiles};

/// A report and the folder its relative paths start from.
#[derive(Debug, Clone)]
pub struct Shard {
    pub dir: PathBuf,
    pub report: RunReport,
    /// Its interval logs by relative path, when they came with it from the history (a
    /// segment recorded on another host); otherwise they are read under `dir`.
    pub logs: Option<BTreeMap<String, String>>,
}

/// Reads `path`: a run's folder (holding report.json) or a report.json itself.
pub fn read_shard(path: &Path) -> Result<Shard, String> {
    let (dir, file) = if path.is_dir() {
        (path.to_path_buf(), path.join("report.json"))
    } else {
        (
            path.parent().unwrap_or(Path::new(".")).to_path_buf(),
            path.to_path_buf(),
        )
    };
    let text = std::fs::read_to_string(&file)
        .map_err(|error| format!("cannot read {}: {error}", file.display()))?;
    let report: RunReport = serde_json::from_str(&text)
        .map_err(|error| format!("{} is not a report: {error}", file.display()))?;
    Ok(Shard {
        dir,
        report,
        logs: None,
    })
}

/// Decodes a histogram of record into the generator's bounds, so that shards add up.
pub fn decode(text: &str) -> Result<Histogram<u64>, String> {
    let decoded = reports::histogram::decode(text)?;
    let mut histogram = loadgen::new_histogram();
    histogram
        .add(&decoded)
        .map_err(|error| format!("a histogram is out of bounds: {error:?}"))?;
    Ok(histogram)
}

/// The shards' scenarios merged by name, in the order they first appear.
pub fn merge_scenarios(shards: &[Shard]) -> Result<Vec<ScenarioResult>, String> {
    let mut merged: Vec<ScenarioResult> = Vec::new();
    for (shard_idx, shard) in shards.iter().enumerate() {
        for scenario in &shard.report.scenarios {
            match merged.iter_mut().find(|m| m.name == scenario.name) {
                Some(total) => add_scenario(total, scenario, shard_idx)?,
                None => {
                    let mut first = scenario.clone();
                    label_processes(&mut first, shard_idx);
                    first.invalid_reasons = first
                        .invalid_reasons
                        .iter()
                        .map(|reason| format!("shard {}: {reason}", shard_idx + 1))
                        .collect();
                    first.generator.interval_logs.clear();
                    merged.push(first);
                }
            }
        }
    }
    Ok(merged)
}

fn label_processes(scenario: &mut ScenarioResult, shard_idx: usize) {
    for process in &mut scenario.processes {
        process.name = format!("{} (shard {})", process.name, shard_idx + 1);
    }
}

fn add_scenario(
    total: &mut ScenarioResult,
    part: &ScenarioResult,
    shard_idx: usize,
) -> Result<(), String> {
    total.valid &= part.valid;
    total.invalid_reasons.extend(
        part.invalid_reasons
            .iter()
            .map(|reason| format!("shard {}: {reason}", shard_idx + 1)),
    );
    total.notes.extend(
        part.notes
            .iter()
            .map(|note| format!("shard {}: {note}", shard_idx + 1)),
    );
    if total.error.is_none() {
        total.error = part.error.clone();
    }
    for request in &part.requests {
        match total.requests.iter_mut().find(|r| r.kind == request.kind) {
            Some(sum) => add_request(sum, request)?,
            None => total.requests.push(request.clone()),
        }
    }
    let mut processes = part.clone();
    label_processes(&mut processes, shard_idx);
    total.processes.extend(processes.processes);
    let (generator, more) = (&mut total.generator, &part.generator);
    generator.cpu_seconds += more.cpu_seconds;
    generator.threads += more.threads;
    // Lateness percentiles cannot be added; the worse shard's stands for the run.
    generator.send_lag_p50_us = generator.send_lag_p50_us.max(more.send_lag_p50_us);
    generator.send_lag_p99_us = generator.send_lag_p99_us.max(more.send_lag_p99_us);
    generator.send_lag_max_us = generator.send_lag_max_us.max(more.send_lag_max_us);
    generator.schedule_lag_p99_us = generator.schedule_lag_p99_us.max(more.schedule_lag_p99_us);
    generator.schedule_lag_max_us = generator.schedule_lag_max_us.max(more.schedule_lag_max_us);
    generator.late_over_1ms_share = generator.late_over_1ms_share.max(more.late_over_1ms_share);
    generator.in_flight_cap_hits += more.in_flight_cap_hits;
    generator.unsent += more.unsent;
    generator.abandoned += more.abandoned;
    generator.worker_busy.extend(&more.worker_busy);
    // The machine's pauses cannot be added either; the worse shard's stand for the run.
    if part.hiccups.max_us > total.hiccups.max_us {
        total.hiccups = part.hiccups.clone();
    }
    // Nor what else ran beside each shard (on one machine, each shard counts the others'
    // generators as other processes): the busier shard's machine stands for the run.
    if let Some(load) = part.machine_load
        && total
            .machine_load
            .is_none_or(|seen| load.other_cores > seen.other_cores)
    {
        total.machine_load = Some(load);
    }
    Ok(())
}

fn add_request(sum: &mut RequestResult, part: &RequestResult) -> Result<(), String> {
    sum.sent += part.sent;
    sum.ok += part.ok;
    for (kind, count) in &part.errors {
        *sum.errors.entry(kind.clone()).or_insert(0) += count;
    }
    sum.achieved_per_second += part.achieved_per_second;
    sum.offered_per_second = match (sum.offered_per_second, part.offered_per_second) {
        (Some(a), Some(b)) => Some(a + b),
        (a, b) => a.or(b),
    };
    for (total, more) in [
        (&mut sum.latency_histogram, &part.latency_histogram),
        (&mut sum.latency_ok_histogram, &part.latency_ok_histogram),
        (
            &mut sum.service_time_histogram,
            &part.service_time_histogram,
        ),
    ] {
        // A report written before a histogram existed has it empty: the sum is then unknown.
        if total.is_empty() || more.is_empty() {
            total.clear();
            continue;
        }
        let mut histogram = decode(total)?;
        histogram
            .add(decode(more)?)
            .map_err(|error| format!("histograms do not add: {error:?}"))?;
        *total = encode(&histogram);
    }
    sum.latency = percentiles(&decode(&sum.latency_histogram)?);
    sum.latency_ok = if sum.latency_ok_histogram.is_empty() {
        reports::Percentiles::default()
    } else {
        percentiles(&decode(&sum.latency_ok_histogram)?)
    };
    sum.service_time = percentiles(&decode(&sum.service_time_histogram)?);
    Ok(())
}

/// Merges every shard's interval logs (by their path relative to the shard) into `out`;
/// returns the merged logs' paths relative to `out`, per scenario.
/// Logs are aligned by absolute time (each log's base time), not by index: shards whose
/// windows began together add second by second, and one that began a second later adds into
/// the second it ran in.
pub fn merge_interval_logs(
    shards: &[Shard],
    out: &Path,
) -> Result<BTreeMap<String, Vec<String>>, String> {
    let mut by_path: BTreeMap<(String, String), Vec<loadgen::intervals::TimedLog>> =
        BTreeMap::new();
    for shard in shards {
        for scenario in &shard.report.scenarios {
            for relative in &scenario.generator.interval_logs {
                let path = shard.dir.join(relative);
                let text = match &shard.logs {
                    Some(logs) => logs
                        .get(relative)
                        .cloned()
                        .map(String::into_bytes)
                        .ok_or_else(|| {
                            format!(
                                "run {}: its interval log {relative} is not in the history",
                                shard.report.run_id
                            )
                        })?,
                    None => std::fs::read(&path)
                        .map_err(|error| format!("cannot read {}: {error}", path.display()))?,
                };
                let log = loadgen::intervals::read_timed_log(&text)
                    .map_err(|error| format!("{}: {error}", path.display()))?;
                by_path
                    .entry((scenario.name.clone(), relative.clone()))
                    .or_default()
                    .push(log);
            }
        }
    }
    let mut written: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let period = std::time::Duration::from_secs(1);
    for ((scenario, relative), logs) in by_path {
        let (origin, merged) = loadgen::intervals::merge_logs_by_time(&logs, period);
        let path = out.join(&relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|error| format!("cannot create {}: {error}", parent.display()))?;
        }
        let mut bytes = Vec::new();
        loadgen::intervals::write_log(
            &mut bytes,
            std::time::UNIX_EPOCH + origin,
            period,
            &merged,
            &format!("octoperf merge of {} logs: {relative}", logs.len()),
        )
        .and_then(|()| std::fs::write(&path, bytes))
        .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
        written.entry(scenario).or_default().push(relative);
    }
    Ok(written)
}

/// The words by which a segment's report says its noise is judged by the merge.
pub const SEGMENT_NOTE: &str = "this report's rows judge a share of the load";

/// The shards with what sibling segments on the same machine (the same host name: network
/// namespaces of one machine, or segments started side by side) measured as their own (their
/// generators, and the services the sampling segment read) taken out of each one's "other
/// processes": that is the load being judged, not noise beside it.
fn without_sibling_generators(shards: &[Shard]) -> Vec<Shard> {
    let ours = |shard: &Shard, name: &str| -> f64 {
        shard
            .report
            .scenarios
            .iter()
            .find(|s| s.name == name)
            .and_then(|s| s.machine_load)
            .map_or(0.0, |load| load.ours_cores)
    };
    let mut adjusted = shards.to_vec();
    for (idx, shard) in adjusted.iter_mut().enumerate() {
        if shard.report.segments.is_empty() {
            continue;
        }
        let host = shard.report.machine.hostname.clone();
        for scenario in &mut shard.report.scenarios {
            let siblings: f64 = shards
                .iter()
                .enumerate()
                .filter(|(other, s)| {
                    *other != idx
                        && !s.report.segments.is_empty()
                        && s.report.machine.hostname == host
                })
                .map(|(_, s)| ours(s, &scenario.name))
                .sum();
            if let Some(load) = &mut scenario.machine_load
                && siblings > 0.0
            {
                let taken = siblings.min(load.other_cores);
                load.other_cores -= taken;
                load.ours_cores += taken;
            }
        }
    }
    adjusted
}

/// Why the shards, as segments of one load, cannot be judged as it: a scenario a segment
/// began more than a tenth of its warm-up late (its window was not the others'), as
/// `(scenario, reason)`; and each segment of `1..=N` that is not among them.
fn segment_problems(shards: &[Shard]) -> (Vec<(String, String)>, Vec<String>) {
    let mut late = Vec::new();
    let mut present = Vec::new();
    let mut count = None;
    for shard in shards {
        for segment in &shard.report.segments {
            present.push(segment.index);
            count = count.max(Some(segment.count));
            for scenario in &shard.report.scenarios {
                let Some(late_ms) = scenario.start_late_ms else {
                    continue;
                };
                let allowed_ms = scenario.warmup_seconds * 100.0;
                if late_ms > allowed_ms {
                    late.push((
                        scenario.name.clone(),
                        format!(
                            "segment {}/{} on {} began its warm-up {late_ms:.0} ms late, more than a tenth of the {} s warm-up ({allowed_ms:.0} ms): its window was not the others'",
                            segment.index, segment.count, segment.host, scenario.warmup_seconds
                        ),
                    ));
                }
            }
        }
    }
    let missing = match count {
        Some(count) => (1..=count)
            .filter(|index| !present.contains(index))
            .map(|index| format!("segment {index}/{count} is not among the runs merged"))
            .collect(),
        None => Vec::new(),
    };
    (late, missing)
}

/// The merged report, judged again on the merged data. `missing` names segments of the load
/// that never recorded a report (the rendezvous's account): any makes the run invalid, since
/// the load they were to offer was not offered.
pub fn merge(
    shards: &[Shard],
    budgets: &Budgets,
    profile: Profile,
    run_id: String,
    missing: &[String],
) -> Result<RunReport, String> {
    let first = shards.first().ok_or("nothing to merge")?;
    let shards = &without_sibling_generators(shards);
    let mut scenarios = merge_scenarios(shards)?;
    // Segments left their noise to be judged here, on the merged rows.
    for scenario in &mut scenarios {
        let segmented = shards.iter().any(|shard| {
            !shard.report.segments.is_empty()
                && shard
                    .report
                    .scenarios
                    .iter()
                    .any(|s| s.name == scenario.name)
        });
        if segmented {
            // Each segment's word that the merge judges its noise has been heard.
            scenario.notes.retain(|note| !note.contains(SEGMENT_NOTE));
            crate::judge::noise::judge_noise(budgets, profile, scenario);
            scenario.valid = scenario.invalid_reasons.is_empty();
        }
    }
    let (late, missing_here) = segment_problems(shards);
    for (name, reason) in late {
        if let Some(scenario) = scenarios.iter_mut().find(|s| s.name == name) {
            scenario.valid = false;
            scenario.invalid_reasons.push(reason);
        }
    }
    // The rendezvous's account, when there is one, already names every missing segment.
    let missing = if missing.is_empty() {
        missing_here
    } else {
        missing.to_vec()
    };
    let facts = RunFacts {
        run_id,
        started_at: shards
            .iter()
            .map(|s| s.report.started_at.clone())
            .min()
            .unwrap_or_default(),
        finished_at: shards
            .iter()
            .map(|s| s.report.finished_at.clone())
            .max()
            .unwrap_or_default(),
        profile,
        git_commit: first.report.git_commit.clone(),
        git_branch: first.report.git_branch.clone(),
        machine: first.report.machine.clone(),
        quick: shards.iter().any(|s| s.report.quick),
        full_suite: shards.iter().all(|shard| shard.report.full_suite),
        interrupted: shards.iter().any(|shard| shard.report.interrupted),
    };
    let segments = shards
        .iter()
        .flat_map(|shard| shard.report.segments.iter().cloned())
        .collect();
    Ok(report::assemble(
        budgets,
        facts,
        Results {
            scenarios,
            capacity: Vec::new(),
            segments,
            missing,
        },
    ))
}

#[cfg(test)]
mod tests;
