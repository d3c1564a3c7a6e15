//! A fault scenario's part of a run: its faults applied at their times while the load runs
//! (`drive`), the accepted tasks read back after the window (`settle_tasks`), the arms'
//! journals of effects counted (`count_effects`). The invariants are judged in
//! `judge::invariants`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reports::{EffectsAccount, FaultResult, TaskAccount};
use tokio::sync::watch;

use crate::spec::faults::{FaultAction, FaultSpec, FaultTarget};
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

#[cfg(test)]
mod tests;
