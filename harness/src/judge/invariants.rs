//! A fault scenario's invariants judged: each fault's error rate and recovery read from the
//! timeline, the resident sets kept flat, and the promises about accepted tasks and effects.

use reports::{FaultResult, FaultsResult, Invariant, SeriesTimeline};

use crate::spec::faults::ExpectSpec;

use crate::spec::scenario::{Scenario, ServiceKind};
/// How long a stopped process may drain before it is killed (the services drain for 15 s).
use loadgen::Plan;

/// The fault scenario's account completed: each fault's error rate and recovery read from the
/// timeline (up to the next fault), then every invariant judged.
pub(crate) fn account(
    mut account: FaultsResult,
    scenario: &Scenario,
    timeline: &[SeriesTimeline],
    plan: &Plan,
) -> FaultsResult {
    let began: Vec<f64> = account.faults.iter().map(|f| f.began_seconds).collect();
    for fault in &mut account.faults {
        let next = began
            .iter()
            .copied()
            .filter(|at| *at > fault.began_seconds)
            .reduce(f64::min);
        error_rate_and_recovery(fault, next, timeline, plan.duration.as_secs_f64());
    }
    let has_tasks = scenario.requests.iter().any(|request| {
        request.weight > 0
            && request.kind != crate::workload::RequestKind::Http
            && request.kind.service() == ServiceKind::Orchestrator
    });
    judge(&mut account, &scenario.expect, has_tasks);
    account
}

/// How many of a fault's answers failed, and how long after its heal the answers were well
/// again: no failure, and each kind's P99 within 1.5× its P99 before the fault, in every
/// interval until the next fault begins (or the window ends). Kinds are the top-level series.
pub(crate) fn error_rate_and_recovery(
    fault: &mut FaultResult,
    next_began: Option<f64>,
    timeline: &[SeriesTimeline],
    window_seconds: f64,
) {
    let series: Vec<&SeriesTimeline> = timeline
        .iter()
        .filter(|line| !line.kind.is_breakdown())
        .collect();
    let Some(healed) = fault.healed_seconds else {
        return;
    };
    let began = fault.began_seconds;
    let (mut answers, mut errors) = (0u64, 0u64);
    for line in &series {
        for point in &line.points {
            let end = point.t + line.interval_seconds;
            if end > began && point.t < healed {
                answers += (point.answered_per_second * line.interval_seconds).round() as u64;
                errors += point.errors;
            }
        }
    }
    fault.answers = answers;
    fault.errors = errors;
    let interval = series.first().map_or(1.0, |line| line.interval_seconds);
    // A request is recorded at its intended time, and a task's polls fail up to its run's
    // length after it was submitted: the next fault's failures show in the interval before
    // it began (a replica killed at 20 s failed tasks recorded at 19 s). That interval is the
    // next fault's, not this one's recovery.
    let until = next_began
        .map_or(window_seconds, |next| (next - interval).max(healed))
        .min(window_seconds);
    let well = |idx: u64| {
        series.iter().all(|line| {
            let baseline = line
                .points
                .iter()
                .filter(|point| point.t + line.interval_seconds <= began)
                .map(|point| point.p99_us)
                .max();
            let t = idx as f64 * line.interval_seconds;
            match line.points.iter().find(|point| (point.t - t).abs() < 1e-6) {
                Some(point) => {
                    point.errors == 0
                        && baseline.is_none_or(|base| point.p99_us as f64 <= 1.5 * base as f64)
                }
                // Load was offered and nothing came back.
                None => false,
            }
        })
    };
    let first = (healed / interval).floor() as u64;
    // Intervals that end by `until` (one that straddles the next fault is that fault's).
    let last = ((until / interval).floor() as u64).max(first + 1);
    // The first interval from which every later one is well.
    let mut recovered_from = None;
    for idx in (first..last).rev() {
        if well(idx) {
            recovered_from = Some(idx);
        } else {
            break;
        }
    }
    fault.recovery_seconds = recovered_from.map(|idx| (idx as f64 * interval - healed).max(0.0));
}

/// A soak's invariant per process: its resident memory flat over the window, the median of
/// the window's last fifth against its first fifth (after the warm-up) within `max_growth`
/// (a share). A process with fewer than ten samples is not judged.
pub(crate) fn rss_flat(processes: &[reports::ProcessResult], max_growth: f64) -> Vec<Invariant> {
    let median = |values: &mut Vec<u64>| {
        values.sort_unstable();
        values[values.len() / 2]
    };
    processes
        .iter()
        .filter(|process| process.samples.len() >= 10)
        .map(|process| {
            let fifth = process.samples.len() / 5;
            let mut early: Vec<u64> = process.samples[..fifth]
                .iter()
                .map(|sample| sample.rss_bytes)
                .collect();
            let mut late: Vec<u64> = process.samples[process.samples.len() - fifth..]
                .iter()
                .map(|sample| sample.rss_bytes)
                .collect();
            let (early, late) = (median(&mut early), median(&mut late));
            let growth = (late as f64 - early as f64) / (early.max(1) as f64);
            Invariant {
                name: format!("resident memory flat: {}", process.name),
                expected: format!("growth at most {:.0}%", max_growth * 100.0),
                observed: format!(
                    "{:.1} MB → {:.1} MB ({:+.1}%)",
                    early as f64 / 1e6,
                    late as f64 / 1e6,
                    growth * 100.0
                ),
                holds: growth <= max_growth,
            }
        })
        .collect()
}

/// The invariants of a fault scenario, judged.
pub(crate) fn judge(faults: &mut FaultsResult, expect: &ExpectSpec, has_tasks: bool) {
    let mut invariants = Vec::new();
    let tasks = &faults.tasks;
    if has_tasks {
        invariants.push(Invariant {
            name: "tasks were accepted".into(),
            expected: "at least one 202".into(),
            observed: format!("{} accepted", tasks.accepted),
            holds: tasks.accepted > 0,
        });
        invariants.push(Invariant {
            name: "every accepted task ends".into(),
            expected: "0 unfinished".into(),
            observed: format!(
                "{} unfinished of {} accepted ({} completed, {} failed, {} cancelled)",
                tasks.unfinished, tasks.accepted, tasks.completed, tasks.failed, tasks.cancelled
            ),
            holds: tasks.unfinished == 0,
        });
        invariants.push(Invariant {
            name: "every outcome agrees with its recorded steps".into(),
            expected: "0 completed tasks whose result and steps disagree".into(),
            observed: format!("{} of {} completed", tasks.inconsistent, tasks.completed),
            holds: tasks.inconsistent == 0,
        });
        let failed = tasks.failed + tasks.cancelled;
        invariants.push(Invariant {
            name: "tasks failed".into(),
            expected: format!("at most {}", expect.max_failed_tasks),
            observed: failed.to_string(),
            holds: failed <= expect.max_failed_tasks,
        });
    }
    if let Some(effects) = &faults.effects {
        invariants.push(Invariant {
            name: "no effect runs twice".into(),
            expected: "0 request ids with two LLM calls".into(),
            observed: format!(
                "{} of {} request ids ({} effects)",
                effects.duplicated, effects.request_ids, effects.effects
            ),
            holds: effects.duplicated == 0,
        });
    }
    invariants.push(Invariant {
        name: "no service exits unless killed".into(),
        expected: "none".into(),
        observed: if faults.unexpected_exits.is_empty() {
            "none".into()
        } else {
            faults.unexpected_exits.join("; ")
        },
        holds: faults.unexpected_exits.is_empty(),
    });
    for fault in &faults.faults {
        let name = format!("{} {}", fault.action, fault.target);
        if let Some(problem) = &fault.problem {
            invariants.push(Invariant {
                name: format!("{name}: applied and healed"),
                expected: "as written".into(),
                observed: problem.clone(),
                holds: false,
            });
        }
        if let Some(max) = expect.max_error_rate {
            invariants.push(Invariant {
                name: format!("{name}: error rate while it lasted"),
                expected: format!("at most {:.1}%", max * 100.0),
                observed: format!(
                    "{:.1}% ({} of {} answers)",
                    fault.error_rate() * 100.0,
                    fault.errors,
                    fault.answers
                ),
                holds: fault.error_rate() <= max,
            });
        }
        invariants.push(Invariant {
            name: format!("{name}: recovery after the heal"),
            expected: format!(
                "within {}",
                humantime::format_duration(expect.max_recovery.0)
            ),
            observed: match fault.recovery_seconds {
                Some(seconds) => format!("{seconds:.1} s"),
                None => "not recovered by the end of the window".into(),
            },
            holds: fault
                .recovery_seconds
                .is_some_and(|seconds| seconds <= expect.max_recovery.0.as_secs_f64()),
        });
    }
    faults.invariants = invariants;
}
