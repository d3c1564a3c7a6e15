//! Fencing (issue 23): each claim of a task raises its epoch, every write of its rows names the
//! epoch it holds, and a stale owner (paused past its lease, then continued) changes nothing
//! and stops. A resumed task keeps its recorded plan and runs only what is left.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use orchestrator::store::{Fence, Lease, NewStep, StepUpdate};
use orchestrator::{Status, Store, now_us};
use serde_json::{Value, json};

use super::insert_owned;
use super::leases::databases;

fn lease(owner: &str, now_us: i64) -> Lease<'_> {
    Lease {
        owner,
        now_us,
        until_us: now_us + 1_000_000,
    }
}

/// The store alone: a's claim is overtaken by b's once a's lease expired; every write a makes
/// after that (a step's result, the plan, the outcome) changes nothing, and b's record stands.
#[tokio::test]
async fn a_stale_owner_writes_nothing_once_another_claim_raised_the_epoch() {
    for (_dir, url) in databases().await {
        let store = Store::connect(&url, 2).await.unwrap();
        let contract = json!({"goal": "g", "user_id": "u", "priority": "low", "kind": "complex"});
        let now = now_us();
        insert_owned(&store, "t", &contract, ("a", now + 1_000_000)).await;
        let a_epoch = store
            .claim_running("t", &lease("a", now))
            .await
            .unwrap()
            .unwrap();
        let a = Fence {
            owner: "a",
            epoch: a_epoch,
        };
        let steps = [("s1", "[]"), ("s2", "[]"), ("s3", "[\"s1\",\"s2\"]")];
        let new_steps: Vec<NewStep<'_>> = steps
            .iter()
            .map(|(id, deps)| NewStep {
                step_id: id,
                arm: "coder",
                goal: "g",
                depends_on_json: deps,
            })
            .collect();
        assert!(store.insert_steps("t", &a, &new_steps).await.unwrap());
        let completed = |result: &'static str| StepUpdate {
            status: "completed",
            result_json: Some(result),
            finished_at_us: Some(now_us()),
            ..StepUpdate::default()
        };
        assert!(
            store
                .update_step("t", "s1", &a, &completed("\"by a\""))
                .await
                .unwrap()
        );

        // a stops renewing; b takes the task over once the lease has expired.
        let later = now + 5_000_000;
        let taken = store.claim_expired(&lease("b", later), 10).await.unwrap();
        assert_eq!(taken.len(), 1, "{url}");
        let b_epoch = store
            .claim_running("t", &lease("b", later))
            .await
            .unwrap()
            .unwrap();
        assert!(b_epoch > a_epoch, "{url}: {b_epoch} after {a_epoch}");
        let b = Fence {
            owner: "b",
            epoch: b_epoch,
        };
        // a, continued, writes: nothing changes.
        assert!(
            !store
                .update_step("t", "s2", &a, &completed("\"by a\""))
                .await
                .unwrap()
        );
        assert!(!store.insert_steps("t", &a, &new_steps).await.unwrap());
        let outcome = "{\"by\":\"a\"}";
        assert!(
            store
                .finish_task("t", &a, Status::Completed, Some(outcome), None, now_us())
                .await
                .unwrap()
                .is_none()
        );
        // b finds a's completed step and the rest pending, and finishes the task.
        let recorded = store.task_steps("t").await.unwrap();
        let states: Vec<(&str, &str)> = recorded
            .iter()
            .map(|step| (step.step_id.as_str(), step.status.as_str()))
            .collect();
        assert_eq!(
            states,
            [("s1", "completed"), ("s2", "pending"), ("s3", "pending")],
            "{url}"
        );
        assert_eq!(recorded[0].result, Some(json!("by a")), "{url}");
        assert!(
            store
                .update_step("t", "s2", &b, &completed("\"by b\""))
                .await
                .unwrap()
        );
        assert!(
            store
                .finish_task(
                    "t",
                    &b,
                    Status::Completed,
                    Some("{\"by\":\"b\"}"),
                    None,
                    now_us()
                )
                .await
                .unwrap()
                .is_some()
        );
        // Written once: neither a stale owner nor b again can write over the outcome.
        assert!(
            store
                .finish_task("t", &a, Status::Failed, None, Some("late"), now_us())
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .finish_task("t", &b, Status::Failed, None, Some("again"), now_us())
                .await
                .unwrap()
                .is_none()
        );
        let view = store.get_task("t").await.unwrap().unwrap();
        assert_eq!(view.status, Status::Completed, "{url}");
        assert_eq!(view.result, Some(json!({"by": "b"})), "{url}");
        assert_eq!(view.steps[1].result, Some(json!("by b")), "{url}");
        store.close().await;
    }
}

/// What the arms were asked, and what the database had recorded at that moment.
#[derive(Default)]
struct Audit {
    requests: usize,
    /// Requests for work the database had already recorded (a step completed, or a plan: the
    /// planner asked for a task whose steps were recorded) that an arm served.
    repeats: Vec<String>,
    /// Requests an arm refused as fenced (a stale owner's, sent after the new owner's).
    fenced: usize,
}

/// Arms that check every `/execute` against the database as it arrives.
async fn audited_arms(store: Store, audit: Arc<Mutex<Audit>>) -> HashMap<String, String> {
    let mut urls = HashMap::new();
    for kind in arms::ArmKind::ALL {
        let model = arms::LlmModel {
            ttft_ms: 150.0,
            ttft_sigma: 0.0,
            output_tokens: 1,
            tokens_per_second: 1e9,
            error_rate: 0.0,
            latency_scale: 1.0,
        };
        let config = arms::Config {
            kind,
            arm_id: kind.as_str().to_owned(),
            max_concurrent_llm: 64,
            body_limit_bytes: 1 << 20,
            idempotency_bytes: arms::IDEMPOTENCY_BYTES,
        };
        let state = arms::AppState::new(
            config,
            arms::Provider::Simulated(arms::llm::SimulatedLlm::new(model, 1)),
        );
        let (store, audit) = (store.clone(), audit.clone());
        let app = arms::app(state).layer(axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                let (store, audit) = (store.clone(), audit.clone());
                async move {
                    let (parts, body) = request.into_parts();
                    let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
                    if parts.uri.path() == "/execute" {
                        let call: Value = serde_json::from_slice(&bytes).unwrap();
                        let request_id = call["request_id"].as_str().unwrap().to_owned();
                        let repeat = match request_id.split_once(':') {
                            Some((task, step)) => store
                                .task_steps(task)
                                .await
                                .unwrap()
                                .iter()
                                .any(|s| s.step_id == step && s.status == "completed"),
                            None => !store.task_steps(&request_id).await.unwrap().is_empty(),
                        };
                        let request = axum::extract::Request::from_parts(parts, bytes.into());
                        let response = next.run(request).await;
                        let mut audit = audit.lock().unwrap();
                        audit.requests += 1;
                        match response.status().as_u16() {
                            200 if repeat => audit.repeats.push(request_id),
                            409 => audit.fenced += 1,
                            _ => {}
                        }
                        return response;
                    }
                    let request = axum::extract::Request::from_parts(parts, bytes.into());
                    next.run(request).await
                }
            },
        ));
        urls.insert(kind.as_str().to_owned(), super::spawn(app).await);
    }
    urls
}

/// An Orchestrator binary, its log kept in `log`.
fn spawn_instance(args: &[String], log: &std::path::Path) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_orchestrator"))
        .args(args)
        .args(["--port", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line.trim().strip_prefix(serving::LISTENING_PREFIX).unwrap();
    (child, format!("http://{addr}"))
}

fn signal(child: &std::process::Child, signal: libc::c_int) {
    // SAFETY: kill with the PID of a child of this test, not yet reaped.
    unsafe {
        libc::kill(child.id() as libc::pid_t, signal);
    }
}

/// Three Orchestrators on one PostgreSQL database under load: one is paused past its lease
/// and continued, another killed. Every task completes once, its outcome agrees with its
/// recorded steps, and no arm is asked for a step (or a plan) the database had recorded.
#[tokio::test]
async fn three_instances_one_paused_past_its_lease_one_killed_run_each_task_once() {
    let Some((_, url)) = databases().await.into_iter().find(|(dir, _)| dir.is_none()) else {
        return; // PostgreSQL only (skipped without DATABASE_URL, outside CI).
    };
    let store = Store::connect(&url, 8).await.unwrap();
    let audit = Arc::new(Mutex::new(Audit::default()));
    let arm_urls = audited_arms(store.clone(), audit.clone()).await;
    let logs = tempfile::tempdir().unwrap();
    let mut instances = Vec::new();
    for name in ["a", "b", "c"] {
        let mut args: Vec<String> = [
            "--database-url",
            &url,
            "--instance-id",
            name,
            "--lease-seconds",
            "1",
            "--workers",
            "1",
        ]
        .map(str::to_owned)
        .to_vec();
        for (kind, arm) in &arm_urls {
            args.extend(["--arm".to_owned(), format!("{kind}={arm}")]);
        }
        instances.push(spawn_instance(
            &args,
            &logs.path().join(format!("{name}.log")),
        ));
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let mut task_ids = Vec::new();
    for idx in 0..60 {
        let base = &instances[idx % 3].1;
        let body = json!({"goal": format!("Compile report {idx}"), "user_id": "u", "priority": "medium", "kind": "complex"});
        let accepted: Value = super::submit(&client, base, body)
            .await
            .json()
            .await
            .unwrap();
        task_ids.push(accepted["task_id"].as_str().unwrap().to_owned());
    }
    tokio::time::sleep(Duration::from_millis(250)).await;
    signal(&instances[0].0, libc::SIGSTOP);
    tokio::time::sleep(Duration::from_millis(150)).await;
    signal(&instances[2].0, libc::SIGKILL);
    // Past a's lease (1 s) and b's takeover (every third of it), then a goes on.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    signal(&instances[0].0, libc::SIGCONT);

    let base_b = instances[1].1.clone();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    for task_id in &task_ids {
        loop {
            let view = super::get_json(&client, &format!("{base_b}/tasks/{task_id}?wait=5s")).await;
            if view["status"] == "completed" {
                // Its outcome agrees with its recorded steps: no stale owner wrote over either.
                for step in view["steps"].as_array().unwrap() {
                    assert_eq!(step["status"], "completed", "{view}");
                    assert_eq!(
                        view["result"]["outputs"][step["step_id"].as_str().unwrap()],
                        step["result"],
                        "{view}"
                    );
                }
                break;
            }
            assert!(
                !["failed", "cancelled"].contains(&view["status"].as_str().unwrap()),
                "{view}"
            );
            assert!(
                tokio::time::Instant::now() < deadline,
                "not finished: {view}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    // Let a finish its stale runs (each stops at its first write), then read what it did.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let a_log = std::fs::read_to_string(logs.path().join("a.log")).unwrap();
    let fenced = a_log.matches("its run stops here").count();
    let (requests, repeats, refused) = {
        let audit = audit.lock().unwrap();
        (audit.requests, audit.repeats.clone(), audit.fenced)
    };
    eprintln!("{requests} arm calls, {refused} refused as fenced, {fenced} stale runs stopped");
    assert!(requests >= 60 * 4, "{requests} arm calls");
    assert_eq!(
        repeats,
        Vec::<String>::new(),
        "work recorded was asked for again"
    );
    assert!(
        fenced > 0,
        "the paused instance met no fence: the test did not test it\n{a_log}"
    );
    // The paused instance is alive and serves again.
    let ready = client
        .get(format!("{}/ready", instances[0].1))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    for (child, _) in instances {
        signal(&child, libc::SIGKILL);
    }
    store.close().await;
}
