//! Running a task: a simple task goes to one arm chosen by capability; a complex task goes to
//! the planner first, then each step runs on the arm the plan names as soon as the steps it
//! depends on are done, independent steps concurrently. Every status change is persisted.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use tokio::sync::OwnedSemaphorePermit;
use tokio::task::JoinSet;

use crate::store::{Fence, NewStep, Status, StepUpdate};
use crate::{AppState, TaskContract, TaskKind, now_us};

/// Why a run stopped before its task ended well.
#[derive(Debug)]
pub enum Stop {
    /// The task failed, for this reason (its outcome).
    Failed(String),
    /// Another instance claimed the task since this one did (its epoch moved on): this run
    /// stops and writes nothing more.
    Fenced,
}

impl From<String> for Stop {
    fn from(message: String) -> Stop {
        Stop::Failed(message)
    }
}

impl Stop {
    /// An arm call's failure: fenced when the arm has seen a newer claim on the task, else
    /// the task's failure, described by `what`.
    fn of_call(error: crate::clients::CallError, what: impl FnOnce(String) -> String) -> Stop {
        match error {
            crate::clients::CallError::Fenced { .. } => Stop::Fenced,
            other => Stop::Failed(what(other.to_string())),
        }
    }
}

/// Runs one accepted task to a terminal state, then publishes its final view. `started` is
/// the slot and the claim's epoch of a task recorded as running at intake
/// ([`crate::store::Store::insert_running`]); without it the task waits for a slot, then is
/// claimed.
pub async fn run_task(
    state: Arc<AppState>,
    task_id: String,
    contract: TaskContract,
    started: Option<(OwnedSemaphorePermit, i64)>,
) {
    let (_permit, epoch) = match started {
        Some(started) => started,
        None => {
            let permit = state
                .task_permits
                .clone()
                .acquire_owned()
                .await
                .expect("task semaphore never closed");
            let Some(epoch) = claim(&state, &task_id).await else {
                // Another instance holds its lease (it took it over, or resumed it first), or
                // it has ended: this instance lets go of it.
                tracing::info!(task_id, "the task is another instance's; not run here");
                crate::let_go(&state, &task_id);
                return;
            };
            (permit, epoch)
        }
    };
    let fence = Fence {
        owner: &state.config.instance_id,
        epoch,
    };
    let limit = time_limit(&contract, state.config.default_task_timeout);
    let deadline = tokio::time::Instant::now() + limit;
    let outcome = match tokio::time::timeout(
        limit,
        execute(&state, &task_id, &contract, &fence, deadline),
    )
    .await
    {
        Ok(outcome) => outcome,
        Err(_) => Err(Stop::Failed(format!(
            "time budget of {:.1}s exceeded",
            limit.as_secs_f64()
        ))),
    };
    let (status, result, error) = match outcome {
        Ok(result) => (Status::Completed, Some(result.to_string()), None),
        Err(Stop::Failed(message)) => (Status::Failed, None, Some(message)),
        Err(Stop::Fenced) => {
            fenced(&state, &task_id);
            return;
        }
    };
    let stored = store_outcome(
        &state,
        &task_id,
        &fence,
        status,
        result.as_deref(),
        error.as_deref(),
    )
    .await;
    match stored {
        // A simple task has no steps: the row as written is its whole view.
        Stored::Written(view) => {
            let view = (contract.kind == TaskKind::Simple).then_some(*view);
            crate::publish_final(&state, &task_id, view).await
        }
        Stored::Fenced => fenced(&state, &task_id),
        // Logged in `store_outcome`; the next start resumes it.
        Stored::GaveUp => crate::let_go(&state, &task_id),
    }
}

/// What became of a finished task's outcome.
enum Stored {
    /// Written: the task's row as it now is.
    Written(Box<crate::store::TaskView>),
    /// Another instance holds the task now: its outcome is that instance's to write.
    Fenced,
    /// The database refused it for [`STORE_OUTCOME_FOR`].
    GaveUp,
}

/// A run that found its task claimed by another instance lets go of it.
fn fenced(state: &AppState, task_id: &str) {
    tracing::warn!(
        task_id,
        "another instance claimed the task since this one did (this instance was paused past its lease?): its run stops here"
    );
    crate::let_go(state, task_id);
}

/// Claims the task for this instance: the epoch of its claim, or `None` when another holds
/// it or it has ended. While the database refuses the claim (it restarts, say), the claim is
/// retried like an outcome, for up to [`STORE_OUTCOME_FOR`]; a run never starts without its
/// fence.
async fn claim(state: &AppState, task_id: &str) -> Option<i64> {
    let deadline = tokio::time::Instant::now() + STORE_OUTCOME_FOR;
    let mut delay = Duration::from_millis(100);
    let mut logged = false;
    loop {
        match state.store.claim_running(task_id, &state.lease()).await {
            Ok(epoch) => return epoch,
            Err(error) => {
                if !logged {
                    tracing::warn!(
                        error = format!("{error:#}"),
                        task_id,
                        "could not claim the task; retrying"
                    );
                    logged = true;
                }
                if tokio::time::Instant::now() + delay > deadline {
                    tracing::error!(
                        task_id,
                        "gave up claiming the task; it is resumed at the next start"
                    );
                    return None;
                }
                tokio::time::sleep(jitter(delay)).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}

/// How long a finished task's outcome is retried while the database cannot take it.
pub const STORE_OUTCOME_FOR: Duration = Duration::from_secs(600);

/// Writes a finished task's outcome under its fence, retrying while the database refuses it
/// (see [`persist`]). Only after [`STORE_OUTCOME_FOR`] does it give up, and the task stays
/// `running` in the database until the next start resumes it.
async fn store_outcome(
    state: &AppState,
    task_id: &str,
    fence: &Fence<'_>,
    status: crate::Status,
    result: Option<&str>,
    error: Option<&str>,
) -> Stored {
    let deadline = tokio::time::Instant::now() + STORE_OUTCOME_FOR;
    let stored = persist(task_id, "the task's outcome", deadline, || {
        state
            .store
            .finish_task(task_id, fence, status, result, error, now_us())
    })
    .await;
    match stored {
        Ok(Some(view)) => Stored::Written(Box::new(view)),
        Ok(None) => Stored::Fenced,
        Err(_) => {
            tracing::error!(
                task_id,
                "gave up storing the task's outcome; it is resumed at the next start"
            );
            Stored::GaveUp
        }
    }
}

/// Runs one fenced write of a task's record, retrying with backoff (100 ms doubling to 5 s,
/// with jitter) while the database refuses it, say while PostgreSQL restarts, until
/// `deadline`. `Ok(None)` at once when the fence no longer holds: that is final, not a
/// refusal to retry; `Ok(Some(_))` carries what the write answered. Every write retried this
/// way is idempotent (an update, or an insert that keeps rows already there). The first
/// failure and the recovery are logged once each, not per try.
async fn persist<T, F, Fut>(
    task_id: &str,
    what: &str,
    deadline: tokio::time::Instant,
    mut write: F,
) -> anyhow::Result<Option<T>>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Option<T>>>,
{
    let mut delay = Duration::from_millis(100);
    let mut attempts = 0u32;
    loop {
        match write().await {
            Ok(written) => {
                if attempts > 0 {
                    tracing::info!(task_id, attempts, "stored {what} after retries");
                }
                return Ok(written);
            }
            Err(failure) => {
                attempts += 1;
                if attempts == 1 {
                    tracing::warn!(
                        error = format!("{failure:#}"),
                        task_id,
                        "could not store {what}; retrying"
                    );
                }
                if tokio::time::Instant::now() + delay > deadline {
                    return Err(failure.context(format!("storing {what}: {attempts} tries")));
                }
                tokio::time::sleep(jitter(delay)).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}

/// [`persist`] for a write inside a run: a write the fence refused stops the run
/// ([`Stop::Fenced`]), and one the database never took fails the task.
async fn persist_fenced<F, Fut>(
    task_id: &str,
    what: &str,
    deadline: tokio::time::Instant,
    mut write: F,
) -> Result<(), Stop>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<bool>>,
{
    let held = || {
        let written = write();
        async move { written.await.map(|held| held.then_some(())) }
    };
    match persist(task_id, what, deadline, held).await {
        Ok(Some(())) => Ok(()),
        Ok(None) => Err(Stop::Fenced),
        Err(error) => Err(Stop::Failed(format!("{error:#}"))),
    }
}

/// `delay` scaled by a random factor in [0.5, 1.0), so that retries of many tasks spread.
pub fn jitter(delay: Duration) -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.subsec_nanos());
    delay.mul_f64(0.5 + f64::from(nanos % 1000) / 2000.0)
}

/// The task's time budget: its contract's, within (0, a day], or `default`. A stored
/// contract is checked again here: one written before the bound existed must not panic.
pub fn time_limit(contract: &TaskContract, default: Duration) -> Duration {
    contract
        .budget
        .as_ref()
        .and_then(|budget| budget.max_time_seconds)
        .filter(|seconds| *seconds > 0.0)
        .map_or(default, |seconds| {
            Duration::from_secs_f64(seconds.min(crate::MAX_TASK_SECONDS))
        })
}

async fn execute(
    state: &Arc<AppState>,
    task_id: &str,
    contract: &TaskContract,
    fence: &Fence<'_>,
    deadline: tokio::time::Instant,
) -> Result<serde_json::Value, Stop> {
    let mut result = match contract.kind {
        TaskKind::Simple => run_simple(state, task_id, contract, fence, deadline).await?,
        TaskKind::Complex => run_complex(state, task_id, contract, fence, deadline).await?,
    };
    let used = result["tokens"].as_u64().unwrap_or(0);
    let cost_usd = used as f64 / 1000.0 * state.config.usd_per_1k_tokens;
    result["cost_usd"] = serde_json::json!(cost_usd);
    let Some(budget) = &contract.budget else {
        return Ok(result);
    };
    if let Some(max_tokens) = budget.max_tokens
        && used > max_tokens
    {
        return Err(Stop::Failed(format!(
            "token budget exceeded: used {used} of {max_tokens}"
        )));
    }
    if let Some(max_cost) = budget.max_cost_usd
        && cost_usd > max_cost
    {
        return Err(Stop::Failed(format!(
            "cost budget exceeded: ${cost_usd:.6} of ${max_cost:.6}"
        )));
    }
    Ok(result)
}

async fn run_simple(
    state: &AppState,
    task_id: &str,
    contract: &TaskContract,
    fence: &Fence<'_>,
    deadline: tokio::time::Instant,
) -> Result<serde_json::Value, Stop> {
    let arm = route(&contract.goal, &state.capabilities)
        .ok_or_else(|| "no arm is configured that can take this task".to_owned())?;
    let task = serde_json::json!({
        "task_id": task_id,
        "goal": contract.goal,
        "constraints": contract.constraints,
        "context": contract.context,
        "acceptance_criteria": contract.acceptance_criteria,
    });
    let answer = state
        .clients
        .execute(&arm, &task, task_id, (task_id, fence.epoch), deadline)
        .await
        .map_err(|error| Stop::of_call(error, |message| message))?;
    Ok(serde_json::json!({
        "arm": arm,
        "output": answer.result,
        "provenance": answer.provenance,
        "tokens": tokens_of(&answer.provenance),
    }))
}

#[derive(Debug, Clone, Deserialize)]
struct Step {
    id: String,
    arm: String,
    goal: String,
    #[serde(default)]
    depends_on: Vec<String>,
}

/// The most steps a plan may have: a plan is recorded in one multi-row insert, and SQLite
/// binds at most 32,766 values (6 a step), so a plan of thousands of steps failed for good
/// and was retried until its deadline (issue 23).
pub const MAX_PLAN_STEPS: usize = 256;

/// The task's plan: the one recorded, when a run of it before this one recorded it (the
/// planner is not asked again, and completed steps keep their results), else the planner's,
/// checked and recorded under the fence. With the completed steps' outputs, and the tokens
/// the planner spent.
async fn plan(
    state: &Arc<AppState>,
    task_id: &str,
    contract: &TaskContract,
    fence: &Fence<'_>,
    deadline: tokio::time::Instant,
) -> Result<(Vec<Step>, HashMap<String, serde_json::Value>, u64), Stop> {
    let mut delay = Duration::from_millis(100);
    let recorded = loop {
        match state.store.task_steps(task_id).await {
            Ok(recorded) => break recorded,
            Err(error) => {
                if tokio::time::Instant::now() + delay > deadline {
                    return Err(Stop::Failed(format!("{error:#}")));
                }
                tokio::time::sleep(jitter(delay)).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    };
    if !recorded.is_empty() {
        let mut outputs = HashMap::new();
        let steps = recorded
            .into_iter()
            .map(|stored| {
                if stored.status == "completed" {
                    outputs.insert(
                        stored.step_id.clone(),
                        stored.result.unwrap_or(serde_json::Value::Null),
                    );
                }
                Step {
                    id: stored.step_id,
                    arm: stored.arm,
                    goal: stored.goal,
                    depends_on: stored.depends_on,
                }
            })
            .collect();
        tracing::info!(
            task_id,
            completed = outputs.len(),
            "resuming the recorded plan; completed steps are not run again"
        );
        return Ok((steps, outputs, 0));
    }
    let planning = serde_json::json!({
        "task_id": task_id,
        "goal": contract.goal,
        "constraints": contract.constraints,
        "context": contract.context,
    });
    let plan = state
        .clients
        .execute(
            "planner",
            &planning,
            task_id,
            (task_id, fence.epoch),
            deadline,
        )
        .await
        .map_err(|error| Stop::of_call(error, |message| format!("planning failed: {message}")))?;
    let steps: Vec<Step> = serde_json::from_value(plan.result["plan"]["steps"].clone())
        .map_err(|error| format!("the planner's plan is unreadable: {error}"))?;
    validate_plan(&steps, |arm| state.clients.has_arm(arm))?;
    let depends_on_json: Vec<String> = steps
        .iter()
        .map(|step| serde_json::to_string(&step.depends_on).expect("strings serialise"))
        .collect();
    let new_steps: Vec<NewStep<'_>> = steps
        .iter()
        .zip(&depends_on_json)
        .map(|(step, deps)| NewStep {
            step_id: &step.id,
            arm: &step.arm,
            goal: &step.goal,
            depends_on_json: deps,
        })
        .collect();
    persist_fenced(task_id, "the task's plan", deadline, || {
        state.store.insert_steps(task_id, fence, &new_steps)
    })
    .await?;
    Ok((steps, HashMap::new(), tokens_of(&plan.provenance)))
}

async fn run_complex(
    state: &Arc<AppState>,
    task_id: &str,
    contract: &TaskContract,
    fence: &Fence<'_>,
    deadline: tokio::time::Instant,
) -> Result<serde_json::Value, Stop> {
    let (steps, mut outputs, mut tokens) = plan(state, task_id, contract, fence, deadline).await?;
    let fence_epoch = fence.epoch;
    // Completed steps (of a run before this one) are not started again.
    let mut started: HashSet<&str> = steps
        .iter()
        .map(|step| step.id.as_str())
        .filter(|id| outputs.contains_key(*id))
        .collect();
    let mut running = JoinSet::new();
    let mut failure: Option<Stop> = None;
    loop {
        // Start every step whose dependencies are all done.
        if failure.is_none() {
            for step in &steps {
                if started.contains(step.id.as_str())
                    || !step.depends_on.iter().all(|dep| outputs.contains_key(dep))
                {
                    continue;
                }
                started.insert(&step.id);
                let context: serde_json::Map<String, serde_json::Value> = step
                    .depends_on
                    .iter()
                    .map(|dep| (dep.clone(), outputs[dep].clone()))
                    .collect();
                // An output another step reads goes to that step's LLM: gated as tool output.
                let read_later = steps
                    .iter()
                    .any(|other| other.depends_on.contains(&step.id));
                running.spawn(run_step(
                    state.clone(),
                    task_id.to_owned(),
                    fence_epoch,
                    step.clone(),
                    context,
                    read_later.then(|| contract.user_id.clone()),
                    deadline,
                ));
            }
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        match joined {
            Ok(Ok((step_id, output, step_tokens))) => {
                tokens += step_tokens;
                outputs.insert(step_id, output);
            }
            // A fenced step outranks a failed one: this run writes nothing more.
            Ok(Err(Stop::Fenced)) => failure = Some(Stop::Fenced),
            Ok(Err(stop)) => failure = failure.or(Some(stop)),
            Err(join_error) => {
                failure = failure.or(Some(Stop::Failed(format!("a step panicked: {join_error}"))))
            }
        }
    }
    if let Some(stop) = failure {
        if matches!(stop, Stop::Fenced) {
            return Err(stop);
        }
        for step in steps
            .iter()
            .filter(|step| !started.contains(step.id.as_str()))
        {
            let cancelled = StepUpdate {
                status: "cancelled",
                finished_at_us: Some(now_us()),
                ..StepUpdate::default()
            };
            if let Ok(false) = state
                .store
                .update_step(task_id, &step.id, fence, &cancelled)
                .await
            {
                return Err(Stop::Fenced);
            }
        }
        return Err(stop);
    }
    let plan_steps: Vec<serde_json::Value> = steps
        .iter()
        .map(|step| {
            serde_json::json!({
                "id": step.id, "arm": step.arm, "goal": step.goal, "depends_on": step.depends_on,
            })
        })
        .collect();
    Ok(serde_json::json!({
        "plan": {"steps": plan_steps},
        "outputs": outputs,
        "tokens": tokens,
    }))
}

/// Why a step did not complete: its arm's call failed, or its output was blocked.
enum StepFailure {
    Call(crate::clients::CallError),
    Blocked(String),
}

/// Runs one step on its arm and records its outcome. `gated_for` is the task's user when a
/// later step reads this step's output: the output then passes the Reflex gate as tool output
/// first ([`crate::gate::gate_output`]), and a blocked output fails the step.
async fn run_step(
    state: Arc<AppState>,
    task_id: String,
    epoch: i64,
    step: Step,
    context: serde_json::Map<String, serde_json::Value>,
    gated_for: Option<String>,
    deadline: tokio::time::Instant,
) -> Result<(String, serde_json::Value, u64), Stop> {
    let store = &state.store;
    let fence = Fence {
        owner: &state.config.instance_id,
        epoch,
    };
    let running = StepUpdate {
        status: "running",
        started_at_us: Some(now_us()),
        ..StepUpdate::default()
    };
    persist_fenced(&task_id, "a step's start", deadline, || {
        store.update_step(&task_id, &step.id, &fence, &running)
    })
    .await?;
    let task = serde_json::json!({
        "task_id": task_id,
        "step_id": step.id,
        "goal": step.goal,
        "context": context,
    });
    let request_id = format!("{task_id}:{}", step.id);
    let outcome = match state
        .clients
        .execute(&step.arm, &task, &request_id, (&task_id, epoch), deadline)
        .await
    {
        Ok(answer) => match &gated_for {
            Some(user_id) => crate::gate::gate_output(&state, user_id, &answer.result)
                .await
                .map(|()| answer)
                .map_err(StepFailure::Blocked),
            None => Ok(answer),
        },
        Err(error) => Err(StepFailure::Call(error)),
    };
    match outcome {
        Ok(answer) => {
            let output = answer.result;
            let output_json = output.to_string();
            let completed = StepUpdate {
                status: "completed",
                result_json: Some(&output_json),
                finished_at_us: Some(now_us()),
                ..StepUpdate::default()
            };
            persist_fenced(&task_id, "a step's result", deadline, || {
                store.update_step(&task_id, &step.id, &fence, &completed)
            })
            .await?;
            Ok((step.id, output, tokens_of(&answer.provenance)))
        }
        Err(StepFailure::Call(crate::clients::CallError::Fenced { .. })) => Err(Stop::Fenced),
        Err(failure) => {
            let message = match failure {
                StepFailure::Call(error) => format!("step {} failed: {error}", step.id),
                StepFailure::Blocked(why) => format!("step {} failed: {why}", step.id),
            };
            let failed = StepUpdate {
                status: "failed",
                error: Some(&message),
                finished_at_us: Some(now_us()),
                ..StepUpdate::default()
            };
            if let Ok(false) = store.update_step(&task_id, &step.id, &fence, &failed).await {
                return Err(Stop::Fenced);
            }
            Err(Stop::Failed(message))
        }
    }
}

/// A plan is runnable when step ids are unique, every dependency names an earlier-declared or
/// later step of the plan, every arm is configured, and there is no cycle.
fn validate_plan(steps: &[Step], has_arm: impl Fn(&str) -> bool) -> Result<(), String> {
    if steps.is_empty() {
        return Err("the planner returned an empty plan".into());
    }
    if steps.len() > MAX_PLAN_STEPS {
        return Err(format!(
            "the planner's plan has {} steps; at most {MAX_PLAN_STEPS} are run",
            steps.len()
        ));
    }
    let ids: HashSet<&str> = steps.iter().map(|step| step.id.as_str()).collect();
    if ids.len() != steps.len() {
        return Err("the plan repeats a step id".into());
    }
    for step in steps {
        if !has_arm(&step.arm) {
            return Err(format!(
                "step {} names arm {:?}, which is not configured",
                step.id, step.arm
            ));
        }
        if let Some(missing) = step
            .depends_on
            .iter()
            .find(|dep| !ids.contains(dep.as_str()))
        {
            return Err(format!(
                "step {} depends on unknown step {missing}",
                step.id
            ));
        }
    }
    // Kahn's algorithm: every step must become ready at some point.
    let mut done: HashSet<&str> = HashSet::new();
    while done.len() < steps.len() {
        let before = done.len();
        for step in steps {
            if step
                .depends_on
                .iter()
                .all(|dep| done.contains(dep.as_str()))
            {
                done.insert(&step.id);
            }
        }
        if done.len() == before {
            return Err("the plan has a dependency cycle".into());
        }
    }
    Ok(())
}

/// Which capability a goal asks for, by its words; the arm that offers it takes the task.
pub fn route(goal: &str, capabilities: &HashMap<String, Vec<String>>) -> Option<String> {
    const WANTS: [(&[&str], &str); 5] = [
        (
            &["search", "find", "look up", "retrieve", "research"],
            "search",
        ),
        (
            &["run ", "execute", "command", "deploy", "shell"],
            "command_execution",
        ),
        (
            &["verify", "check", "validate", "review", "evaluate"],
            "validation",
        ),
        (&["redact", "safety", "policy", "sanitize"], "safety"),
        (
            &[
                "code",
                "implement",
                "function",
                "refactor",
                "bug",
                "program",
            ],
            "code_generation",
        ),
    ];
    let lower = goal.to_ascii_lowercase();
    let wanted = WANTS
        .iter()
        .find(|(words, _)| words.iter().any(|word| lower.contains(word)))
        .map_or("code_generation", |(_, capability)| *capability);
    let mut offering: Vec<&String> = capabilities
        .iter()
        .filter(|(_, names)| names.iter().any(|name| name == wanted))
        .map(|(arm, _)| arm)
        .collect();
    offering.sort();
    if let Some(arm) = offering.first() {
        return Some((*arm).clone());
    }
    // No arm offers it: any worker arm will do rather than refusing the task.
    let mut workers: Vec<&String> = capabilities
        .keys()
        .filter(|arm| *arm != "planner")
        .collect();
    workers.sort();
    workers.first().map(|arm| (*arm).clone())
}

fn tokens_of(provenance: &serde_json::Value) -> u64 {
    provenance["tokens"].as_u64().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(id: &str, arm: &str, deps: &[&str]) -> Step {
        Step {
            id: id.into(),
            arm: arm.into(),
            goal: "g".into(),
            depends_on: deps.iter().map(|d| (*d).to_owned()).collect(),
        }
    }

    #[test]
    fn plans_with_cycles_unknown_steps_or_arms_are_rejected() {
        let any = |_: &str| true;
        assert!(validate_plan(&[step("a", "coder", &[]), step("b", "judge", &["a"])], any).is_ok());
        let cycle = validate_plan(
            &[step("a", "coder", &["b"]), step("b", "judge", &["a"])],
            any,
        );
        assert_eq!(cycle.unwrap_err(), "the plan has a dependency cycle");
        let unknown = validate_plan(&[step("a", "coder", &["z"])], any);
        assert!(unknown.unwrap_err().contains("unknown step z"));
        let no_arm = validate_plan(&[step("a", "wizard", &[])], |arm| arm != "wizard");
        assert!(no_arm.unwrap_err().contains("\"wizard\""));
    }

    #[test]
    fn routing_follows_capabilities() {
        let capabilities: HashMap<String, Vec<String>> = [
            ("coder", vec!["code_generation"]),
            ("retriever", vec!["search"]),
            ("judge", vec!["validation"]),
            ("planner", vec!["planning"]),
        ]
        .into_iter()
        .map(|(arm, caps)| {
            (
                arm.to_owned(),
                caps.into_iter().map(str::to_owned).collect(),
            )
        })
        .collect();
        assert_eq!(
            route("Find papers on caching", &capabilities).as_deref(),
            Some("retriever")
        );
        assert_eq!(
            route("Implement a parser", &capabilities).as_deref(),
            Some("coder")
        );
        assert_eq!(
            route("Validate the report", &capabilities).as_deref(),
            Some("judge")
        );
        // Nobody offers command execution: a worker arm, never the planner.
        assert_eq!(
            route("execute the script", &capabilities).as_deref(),
            Some("coder")
        );
        assert_eq!(route("anything", &HashMap::new()), None);
    }
}
