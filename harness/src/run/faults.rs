//! A fault scenario's part of a run: its faults applied at their times while the load runs
//! (`drive`), the accepted tasks read back after the window (`settle_tasks`), the arms'
//! journals of effects counted (`count_effects`), and the invariants judged (`judge`).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reports::{EffectsAccount, FaultResult, FaultsResult, Invariant, SeriesTimeline, TaskAccount};
use tokio::sync::watch;

use crate::spec::faults::{ExpectSpec, FaultAction, FaultSpec, FaultTarget};
use crate::stack::{Service, Stack};

/// How long a stopped process may drain before it is killed (the services drain for 15 s).
const STOP_GRACE: Duration = Duration::from_secs(20);
/// How long a killed process may take to be reaped.
const KILL_GRACE: Duration = Duration::from_secs(5);

/// Applies each fault at its time and heals it at its end, while the load runs; returns each
/// fault as applied. `window_start` is the measured window's start; `stack_started` when the
/// stack began to start (the time a `from_start` fault began).
pub(crate) async fn drive(
    stack: &mut Stack,
    faults: &[FaultSpec],
    (stack_started, window_start): (Instant, Instant),
    mut cancel: watch::Receiver<bool>,
) -> Vec<FaultResult> {
    let seconds = |at: Instant| {
        if at >= window_start {
            (at - window_start).as_secs_f64()
        } else {
            -(window_start - at).as_secs_f64()
        }
    };
    let mut results: Vec<FaultResult> = faults
        .iter()
        .map(|fault| FaultResult {
            target: fault.target.to_string(),
            action: fault.action.as_str().to_owned(),
            began_seconds: match fault.begins() {
                Some(at) => at.as_secs_f64(),
                None => seconds(stack_started),
            },
            ..FaultResult::default()
        })
        .collect();
    // (when, fault, true to begin / false to heal), in time order.
    let mut events: Vec<(Instant, usize, bool)> = Vec::new();
    for (idx, fault) in faults.iter().enumerate() {
        if let Some(at) = fault.begins() {
            events.push((window_start + at, idx, true));
        }
        events.push((window_start + fault.heals(), idx, false));
    }
    events.sort_by_key(|(at, idx, begin)| (*at, !*begin, *idx));
    let http = stack.keys.client();
    for (at, idx, begin) in events {
        tokio::select! {
            () = tokio::time::sleep_until(at.into()) => {}
            _ = cancel.wait_for(|stop| *stop) => break,
        }
        let fault = &faults[idx];
        let outcome = if begin {
            eprintln!(
                "  fault: {} {} for {}",
                fault.action.as_str(),
                fault.target,
                humantime::format_duration(fault.duration.0)
            );
            apply(stack, fault, &http).await
        } else {
            heal(stack, fault, &http).await
        };
        let now = seconds(Instant::now());
        let result = &mut results[idx];
        if begin {
            result.began_seconds = now;
        } else {
            result.healed_seconds = Some(now);
            eprintln!("  healed: {} {}", fault.action.as_str(), fault.target);
        }
        if let Err(problem) = outcome {
            eprintln!("  fault problem: {problem}");
            result.problem = Some(match result.problem.take() {
                Some(earlier) => format!("{earlier}; {problem}"),
                None => problem,
            });
        }
    }
    results
}

/// The process a fault acts on.
fn process<'a>(stack: &'a mut Stack, target: &FaultTarget) -> Result<&'a mut Service, String> {
    let (list, name) = match target {
        FaultTarget::Reflex => (&mut stack.services, "reflex".to_owned()),
        FaultTarget::Orchestrator(replica) => (
            &mut stack.services,
            crate::stack::orchestrator_name(*replica),
        ),
        FaultTarget::Arm(kind) => (&mut stack.services, format!("arm-{kind}")),
        FaultTarget::Redis => (&mut stack.deps, "redis".to_owned()),
        FaultTarget::Postgres => (&mut stack.deps, "postgres".to_owned()),
        FaultTarget::Llm(_) => return Err("the LLM is no process".into()),
    };
    list.iter_mut()
        .find(|service| service.name == name)
        .ok_or_else(|| format!("{name} was not started by the harness, so it cannot be broken"))
}

async fn apply(stack: &mut Stack, fault: &FaultSpec, http: &reqwest::Client) -> Result<(), String> {
    if let FaultTarget::Llm(_) = fault.target {
        let status = fault.status.unwrap_or(503);
        let body = serde_json::json!({
            "mode": fault.action.as_str(),
            "status": status,
            // Healed by the harness at its time; the arm's own end is a backstop.
            "seconds": fault.duration.0.as_secs_f64() + 5.0,
        });
        return order_llm(stack, &fault.target, http, &body).await;
    }
    let postgres = fault.target == FaultTarget::Postgres;
    let service = process(stack, &fault.target)?;
    match fault.action {
        FaultAction::Kill => {
            // PostgreSQL's crash is an immediate shutdown: SIGKILL on its postmaster would
            // leave its backends holding the cluster.
            service.signal(if postgres {
                libc::SIGQUIT
            } else {
                libc::SIGKILL
            });
            service.wait_down(KILL_GRACE).await;
        }
        FaultAction::Stop => {
            service.signal(if postgres {
                libc::SIGINT
            } else {
                libc::SIGTERM
            });
            service.wait_down(STOP_GRACE).await;
        }
        FaultAction::Pause => {
            service.signal(libc::SIGSTOP);
        }
        FaultAction::Error | FaultAction::Hang => unreachable!("checked with the scenario"),
    }
    Ok(())
}

async fn heal(stack: &mut Stack, fault: &FaultSpec, http: &reqwest::Client) -> Result<(), String> {
    if let FaultTarget::Llm(_) = fault.target {
        return order_llm(
            stack,
            &fault.target,
            http,
            &serde_json::json!({"mode": "none"}),
        )
        .await;
    }
    let service = process(stack, &fault.target)?;
    match fault.action {
        FaultAction::Pause => {
            service.signal(libc::SIGCONT);
            Ok(())
        }
        _ => service
            .restart()
            .await
            .map_err(|error| format!("restarting {}: {error:#}", service.name)),
    }
}

/// Orders an LLM fault (or its end) of every arm the target names.
async fn order_llm(
    stack: &Stack,
    target: &FaultTarget,
    http: &reqwest::Client,
    body: &serde_json::Value,
) -> Result<(), String> {
    let arms: Vec<(&String, &String)> = stack
        .endpoints
        .arms
        .iter()
        .filter(|(kind, _)| match target {
            FaultTarget::Llm(Some(only)) => *kind == only,
            _ => true,
        })
        .collect();
    let mut problems = Vec::new();
    for (kind, url) in arms {
        let answer = http
            .post(format!("{url}/debug/llm-fault"))
            .json(body)
            .timeout(Duration::from_secs(5))
            .send()
            .await;
        match answer {
            Ok(response) if response.status().is_success() => {}
            Ok(response) => problems.push(format!(
                "arm {kind} refused the LLM fault: HTTP {}",
                response.status()
            )),
            Err(error) => problems.push(format!("arm {kind}: {error}")),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// Reads back every accepted task until it ends or `settle` runs out: how many completed,
/// failed, were cancelled, or never ended.
pub(crate) async fn settle_tasks(
    keys: &crate::stack::Keys,
    orchestrator: &str,
    ids: Vec<String>,
    settle: Duration,
) -> TaskAccount {
    let deadline = Instant::now() + settle;
    let http = keys.client();
    let permits = Arc::new(tokio::sync::Semaphore::new(16));
    let mut reads = tokio::task::JoinSet::new();
    let accepted = ids.len() as u64;
    for id in ids {
        let http = http.clone();
        let permits = permits.clone();
        let url = format!("{orchestrator}/tasks/{id}");
        reads.spawn(async move {
            let _permit = permits.acquire_owned().await;
            (id, read_until_ended(&http, &url, deadline).await)
        });
    }
    let mut account = TaskAccount {
        accepted,
        ..TaskAccount::default()
    };
    while let Some(Ok((id, (ended, consistent)))) = reads.join_next().await {
        if !consistent {
            account.inconsistent += 1;
            if account.examples.len() < 5 {
                account.examples.push(format!(
                    "{id}: its outcome disagrees with its recorded steps"
                ));
            }
        }
        match ended.as_str() {
            "completed" => account.completed += 1,
            "failed" => account.failed += 1,
            "cancelled" => account.cancelled += 1,
            _ => account.unfinished += 1,
        }
        if ended != "completed" && account.examples.len() < 5 {
            account.examples.push(format!("{id}: {ended}"));
        }
    }
    account
}

/// Whether a completed task's outcome agrees with its recorded steps: every step completed,
/// and each step's output in the result is the step's recorded result.
fn outcome_agrees(view: &serde_json::Value) -> bool {
    let Some(steps) = view["steps"].as_array() else {
        return true;
    };
    steps.iter().all(|step| {
        let id = step["step_id"].as_str().unwrap_or_default();
        step["status"] == "completed" && view["result"]["outputs"][id] == step["result"]
    })
}

/// The status a task ended in (`completed`, `failed`, `cancelled`), or what was last read of
/// it when the deadline came; and whether a completed one's outcome agrees with its steps.
async fn read_until_ended(http: &reqwest::Client, url: &str, deadline: Instant) -> (String, bool) {
    let mut last = "never read".to_owned();
    while Instant::now() < deadline {
        let wait = deadline
            .saturating_duration_since(Instant::now())
            .as_secs()
            .clamp(1, 20);
        let answer = http
            .get(format!("{url}?wait={wait}s"))
            .timeout(Duration::from_secs(wait + 5))
            .send()
            .await;
        match answer {
            Ok(response) if response.status().is_success() => {
                let view: serde_json::Value = response.json().await.unwrap_or_default();
                match view["status"].as_str() {
                    Some("completed") => return ("completed".to_owned(), outcome_agrees(&view)),
                    Some(status @ ("failed" | "cancelled")) => {
                        return (status.to_owned(), true);
                    }
                    Some(status) => last = format!("still {status}"),
                    None => last = "an answer without a status".into(),
                }
            }
            Ok(response) => {
                last = format!("HTTP {}", response.status());
                if response.status() == reqwest::StatusCode::NOT_FOUND {
                    return ("lost (404: the Orchestrator does not know it)".into(), true);
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(error) => {
                last = format!("unreachable: {error}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
    (last, true)
}

/// Counts the effects in the arms' journals under `dir`: how many, over how many request ids,
/// and the ids that ran more than once. `None` when there is no journal.
pub(crate) fn count_effects(dir: &Path) -> Option<EffectsAccount> {
    let entries = std::fs::read_dir(dir).ok()?;
    let mut per_id: BTreeMap<String, u64> = BTreeMap::new();
    let mut journals = 0;
    for entry in entries.flatten() {
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        journals += 1;
        for line in text.lines().filter(|line| !line.is_empty()) {
            *per_id.entry(line.to_owned()).or_default() += 1;
        }
    }
    if journals == 0 {
        return None;
    }
    let repeated: Vec<(&String, &u64)> = per_id.iter().filter(|(_, n)| **n > 1).collect();
    Some(EffectsAccount {
        effects: per_id.values().sum(),
        request_ids: per_id.len() as u64,
        duplicated: repeated.len() as u64,
        examples: repeated
            .iter()
            .take(5)
            .map(|(id, n)| format!("{id} ran {n} times"))
            .collect(),
    })
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
        .filter(|line| !line.kind.contains('['))
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

#[cfg(test)]
mod tests;
