//! Findings of the fault and hostile-input review (issue 9), each reproduced: numbers out of
//! range, NUL characters, a stored contract that used to panic its worker, unbounded intake,
//! an outcome lost to a database hiccup, a new SQLite file, Redis down at start.

use std::time::Duration;

use orchestrator::{Config, Store};
use serde_json::{Value, json};

use super::{
    closed_port, get_task, insert_left_over, spawn, spawn_dependencies, start_orchestrator, submit,
    temp_sqlite, wait_for_task,
};

#[tokio::test]
async fn numbers_out_of_range_and_nul_characters_are_refused_naming_the_field() {
    let (_dir, url) = temp_sqlite();
    let base = start_orchestrator(&url, None).await;
    let client = reqwest::Client::new();
    let cases = [
        (
            json!({"goal": "Sum the column", "user_id": "u", "priority": "low", "budget": {"max_time_seconds": 1e20}}),
            "budget.max_time_seconds",
        ),
        (
            json!({"goal": "Sum the column", "user_id": "u", "priority": "low", "budget": {"max_time_seconds": -1}}),
            "budget.max_time_seconds",
        ),
        (
            json!({"goal": "Sum the column", "user_id": "u", "priority": "low", "budget": {"max_cost_usd": -0.5}}),
            "budget.max_cost_usd",
        ),
        (
            json!({"goal": "Sum\u{0}the column", "user_id": "u", "priority": "low"}),
            "goal",
        ),
        (
            json!({"goal": "Sum the column", "user_id": "u\u{0}", "priority": "low"}),
            "user_id",
        ),
        (
            json!({"goal": "Sum the column", "user_id": "u".repeat(300), "priority": "low"}),
            "user_id",
        ),
    ];
    for (body, field) in cases {
        let response = submit(&client, &base, body.clone()).await;
        assert_eq!(response.status(), 400, "{body}");
        let answer: Value = response.json().await.unwrap();
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(&format!("`{field}`")), "{body}: {message}");
    }
}

#[tokio::test]
async fn a_stored_contract_out_of_range_runs_instead_of_panicking_its_worker() {
    let (_dir, url) = temp_sqlite();
    let store = Store::connect(&url, 2).await.unwrap();
    // Written before the bound existed: 1e20 s overflows a Duration.
    let contract = json!({"goal": "Check the totals", "user_id": "u", "priority": "medium",
        "kind": "simple", "budget": {"max_time_seconds": 1e20}});
    insert_left_over(&store, "huge-budget", &contract).await;
    store.close().await;
    let (reflex_url, arm_urls) = spawn_dependencies().await;
    let state = orchestrator::build_state(Config {
        reflex_url: Some(reflex_url),
        arm_urls,
        ..Config::new(&url)
    })
    .await
    .unwrap();
    assert_eq!(orchestrator::resume_unfinished(&state).await.unwrap(), 1);
    let base = spawn(orchestrator::app(state.clone())).await;
    let view = wait_for_task(&reqwest::Client::new(), &base, "huge-budget").await;
    assert_eq!(view["status"], "completed", "{view}");
    assert_eq!(
        state.tasks_in_process(),
        0,
        "the finished task left its slot taken"
    );
}

/// Config with every arm's LLM taking 30 s: tasks stay running while the test looks.
async fn slow_arms_config(url: &str) -> Config {
    let (reflex_url, mut arm_urls) = spawn_dependencies().await;
    for kind in arms::ArmKind::ALL {
        let slow = arms::LlmModel {
            ttft_ms: 30_000.0,
            ttft_sigma: 0.0,
            ..arms::LlmModel::for_kind(kind)
        };
        let config = arms::Config {
            kind,
            arm_id: format!("slow-{}", kind.as_str()),
            max_concurrent_llm: 64,
            body_limit_bytes: 1 << 20,
            idempotency_bytes: arms::IDEMPOTENCY_BYTES,
        };
        let provider = arms::Provider::Simulated(arms::llm::SimulatedLlm::new(slow, 1));
        arm_urls.insert(
            kind.as_str().to_owned(),
            spawn(arms::app(arms::AppState::new(config, provider))).await,
        );
    }
    Config {
        reflex_url: Some(reflex_url),
        arm_urls,
        ..Config::new(url)
    }
}

#[tokio::test]
async fn a_full_intake_answers_503_with_retry_after_instead_of_queueing_without_limit() {
    let (_dir, url) = temp_sqlite();
    let config = Config {
        max_concurrent_tasks: 1,
        max_queued_tasks: 2,
        ..slow_arms_config(&url).await
    };
    let state = orchestrator::build_state(config).await.unwrap();
    let base = spawn(orchestrator::app(state.clone())).await;
    let client = reqwest::Client::new();
    let body = json!({"goal": "Search the archive", "user_id": "u", "priority": "low"});
    // The first takes the one run slot and is recorded running; the others wait, pending,
    // to be claimed when it frees.
    for expected in ["running", "pending", "pending"] {
        let accepted = submit(&client, &base, body.clone()).await;
        assert_eq!(accepted.status(), 202);
        let accepted: Value = accepted.json().await.unwrap();
        assert_eq!(accepted["status"], expected, "{accepted}");
    }
    let refused = submit(&client, &base, body).await;
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.headers()["retry-after"], "1");
    let answer: Value = refused.json().await.unwrap();
    assert_eq!(answer["error"]["code"], "overloaded", "{answer}");
    assert_eq!(state.tasks_in_process(), 3);
}

#[tokio::test]
async fn an_outcome_the_database_refuses_for_a_while_is_stored_when_it_recovers() {
    let (_dir, url) = temp_sqlite();
    let store = Store::connect(&url, 1).await.unwrap();
    // A fault injected in the database itself: while `refuse_outcomes` holds a row, writing a
    // task's final state fails, as it would while PostgreSQL restarts.
    for statement in [
        "CREATE TABLE refuse_outcomes (x INTEGER)",
        "INSERT INTO refuse_outcomes VALUES (1)",
        "CREATE TRIGGER refuse_outcome BEFORE UPDATE OF status ON tasks \
         WHEN NEW.status IN ('completed', 'failed') AND EXISTS (SELECT 1 FROM refuse_outcomes) \
         BEGIN SELECT RAISE(ABORT, 'injected: the database is restarting'); END",
    ] {
        sqlx::query(statement).execute(store.pool()).await.unwrap();
    }
    let base = start_orchestrator(&url, None).await;
    let client = reqwest::Client::new();
    let accepted: Value = submit(
        &client,
        &base,
        json!({"goal": "Find the latest release notes", "user_id": "u", "priority": "low"}),
    )
    .await
    .json()
    .await
    .unwrap();
    let task_id = accepted["task_id"].as_str().unwrap();
    // The arm answers at once; the outcome is refused for about a second.
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let view = get_task(&client, &base, task_id).await;
    assert_eq!(view["status"], "running", "{view}");
    sqlx::query("DELETE FROM refuse_outcomes")
        .execute(store.pool())
        .await
        .unwrap();
    let view = wait_for_task(&client, &base, task_id).await;
    assert_eq!(view["status"], "completed", "{view}");
}

/// A complex task records its plan and each step as it goes. A write of that record refused
/// for a while (PostgreSQL restarting, as in the `postgres-restarted` fault scenario) is
/// retried within the task's budget; it used to fail the task.
#[tokio::test]
async fn step_records_the_database_refuses_for_a_while_fail_no_task() {
    let (_dir, url) = temp_sqlite();
    let store = Store::connect(&url, 1).await.unwrap();
    for statement in [
        "CREATE TABLE refuse_steps (x INTEGER)",
        "INSERT INTO refuse_steps VALUES (1)",
        "CREATE TRIGGER refuse_step_insert BEFORE INSERT ON task_steps \
         WHEN EXISTS (SELECT 1 FROM refuse_steps) \
         BEGIN SELECT RAISE(ABORT, 'injected: the database is restarting'); END",
        "CREATE TRIGGER refuse_step_update BEFORE UPDATE ON task_steps \
         WHEN EXISTS (SELECT 1 FROM refuse_steps) \
         BEGIN SELECT RAISE(ABORT, 'injected: the database is restarting'); END",
    ] {
        sqlx::query(statement).execute(store.pool()).await.unwrap();
    }
    let base = start_orchestrator(&url, None).await;
    let client = reqwest::Client::new();
    let accepted: Value = submit(
        &client,
        &base,
        json!({"goal": "Refactor the billing module", "user_id": "u", "priority": "low", "kind": "complex"}),
    )
    .await
    .json()
    .await
    .unwrap();
    let task_id = accepted["task_id"].as_str().unwrap();
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let view = get_task(&client, &base, task_id).await;
    assert_eq!(view["status"], "running", "{view}");
    sqlx::query("DELETE FROM refuse_steps")
        .execute(store.pool())
        .await
        .unwrap();
    let view = wait_for_task(&client, &base, task_id).await;
    assert_eq!(view["status"], "completed", "{view}");
    let steps = view["steps"].as_array().unwrap();
    assert!(
        !steps.is_empty() && steps.iter().all(|step| step["status"] == "completed"),
        "{view}"
    );
}

#[tokio::test]
async fn a_new_sqlite_file_is_created_without_mode_rwc() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("new.db").display());
    let store = Store::connect(&url, 1).await.unwrap();
    store.ping().await.unwrap();
    assert!(dir.path().join("new.db").is_file());
}

#[tokio::test]
async fn redis_down_at_start_degrades_the_cache_and_hides_its_password() {
    let (_dir, url) = temp_sqlite();
    let redis_url = format!("redis://:hunter2@127.0.0.1:{}", closed_port());
    let base = start_orchestrator(&url, Some(redis_url)).await;
    let client = reqwest::Client::new();
    let ready = client.get(format!("{base}/ready")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let body: Value = ready.json().await.unwrap();
    assert!(
        body["degraded"][0].as_str().unwrap().contains("redis"),
        "{body}"
    );
    assert!(!body.to_string().contains("hunter2"), "{body}");
    // Tasks still run, served from the in-process cache alone.
    let done = super::run_to_completion(&client, &base, "simple", "Implement a cache").await;
    assert_eq!(done["status"], "completed", "{done}");
}

#[tokio::test]
async fn an_arm_down_for_a_while_fails_no_task_with_budget_left() {
    let (_dir, url) = temp_sqlite();
    let (reflex_url, mut arm_urls) = spawn_dependencies().await;
    // The retriever (which simple search tasks go to) is down: nothing listens on its port
    // until the arm starts there 1.5 s later.
    let port = closed_port();
    arm_urls.insert("retriever".into(), format!("http://127.0.0.1:{port}"));
    let state = orchestrator::build_state(Config {
        reflex_url: Some(reflex_url),
        arm_urls,
        ..Config::new(&url)
    })
    .await
    .unwrap();
    let base = spawn(orchestrator::app(state.clone())).await;
    let client = reqwest::Client::new();
    let mut accepted = Vec::new();
    for idx in 0..5 {
        let answer: Value = submit(
            &client,
            &base,
            json!({"goal": format!("Search the archive {idx}"), "user_id": "u", "priority": "low",
                   "budget": {"max_time_seconds": 30}}),
        )
        .await
        .json()
        .await
        .unwrap();
        accepted.push(answer["task_id"].as_str().unwrap().to_owned());
    }
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let breaker = state.clients.breaker("retriever").unwrap();
    assert_eq!(
        breaker.times_opened(),
        1,
        "five tasks failing against a dead arm open its breaker, once"
    );
    let model = arms::LlmModel {
        latency_scale: 0.0,
        ..arms::LlmModel::for_kind(arms::ArmKind::Retriever)
    };
    let config = arms::Config {
        kind: arms::ArmKind::Retriever,
        arm_id: "late".into(),
        max_concurrent_llm: 8,
        body_limit_bytes: 1 << 20,
        idempotency_bytes: arms::IDEMPOTENCY_BYTES,
    };
    let provider = arms::Provider::Simulated(arms::llm::SimulatedLlm::new(model, 1));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    tokio::spawn(serving::serve(
        listener,
        arms::app(arms::AppState::new(config, provider)),
        std::future::pending(),
    ));
    for task_id in accepted {
        let view = wait_for_task(&client, &base, &task_id).await;
        assert_eq!(view["status"], "completed", "{view}");
        assert_eq!(view["result"]["arm"], "retriever", "{view}");
    }
    assert!(!breaker.is_open(), "the arm answers: its breaker is closed");
}

#[tokio::test]
async fn an_arm_that_never_returns_fails_its_task_at_the_deadline_with_the_arm_s_error() {
    let (_dir, url) = temp_sqlite();
    let (reflex_url, mut arm_urls) = spawn_dependencies().await;
    let port = closed_port();
    arm_urls.insert("retriever".into(), format!("http://127.0.0.1:{port}"));
    let base = spawn(orchestrator::app(
        orchestrator::build_state(Config {
            reflex_url: Some(reflex_url),
            arm_urls,
            ..Config::new(&url)
        })
        .await
        .unwrap(),
    ))
    .await;
    let client = reqwest::Client::new();
    let answer: Value = submit(
        &client,
        &base,
        json!({"goal": "Search the archive", "user_id": "u", "priority": "low",
               "budget": {"max_time_seconds": 2}}),
    )
    .await
    .json()
    .await
    .unwrap();
    let view = wait_for_task(&client, &base, answer["task_id"].as_str().unwrap()).await;
    assert_eq!(view["status"], "failed", "{view}");
    let error = view["error"].as_str().unwrap();
    assert!(error.contains("unreachable"), "{error}");
}

#[tokio::test]
async fn the_database_url_comes_from_a_file_not_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("secret.db");
    let file = dir.path().join("database-url");
    std::fs::write(&file, format!("sqlite://{}\n", db.display())).unwrap();
    let (child, base) = serving::testing::spawn_binary(
        env!("CARGO_BIN_EXE_orchestrator"),
        &["--database-url-file", file.to_str().unwrap()],
    );
    let ready = reqwest::get(format!("{base}/ready")).await.unwrap();
    assert_eq!(ready.status(), 200);
    assert!(db.exists(), "the database named in the file was created");
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", child.id())).unwrap();
    assert!(
        !String::from_utf8_lossy(&cmdline).contains("sqlite://"),
        "the URL is on the command line"
    );
    assert!(serving::testing::terminate(child));
}

/// Issue 23: `--arm-timeout-seconds inf` panicked at start (a backtrace, not a message).
#[test]
fn durations_out_of_range_on_the_command_line_are_refused_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("flags.db").display());
    for (flag, value) in [
        ("--arm-timeout-seconds", "inf"),
        ("--arm-timeout-seconds", "NaN"),
        ("--task-timeout-seconds", "1e300"),
        ("--usd-per-1k-tokens", "inf"),
    ] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_orchestrator"))
            .args(["--port", "0", "--database-url", &url, flag, value])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{flag} {value} was taken");
        assert!(!stderr.contains("panicked"), "{flag} {value}: {stderr}");
        assert!(stderr.contains(flag), "{flag} {value}: {stderr}");
    }
}

#[tokio::test]
async fn a_backlog_is_resumed_within_the_intake_bound_not_all_at_once() {
    let (_dir, url) = temp_sqlite();
    let store = Store::connect(&url, 2).await.unwrap();
    let contract =
        json!({"goal": "Check the totals", "user_id": "u", "priority": "medium", "kind": "simple"});
    let ids: Vec<String> = (0..40).map(|idx| format!("backlog-{idx:02}")).collect();
    for id in &ids {
        insert_left_over(&store, id, &contract).await;
    }
    store.close().await;
    // Arms that take 30 s: resumed tasks stay in process, so the bound is what stops more.
    let config = Config {
        max_concurrent_tasks: 2,
        max_queued_tasks: 3,
        ..slow_arms_config(&url).await
    };
    let state = orchestrator::build_state(config).await.unwrap();
    assert_eq!(orchestrator::resume_unfinished(&state).await.unwrap(), 40);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        state.tasks_in_process(),
        5,
        "resume fills the bound (2 running, 3 queued) and waits"
    );
    assert!(!*state.resumed_all.borrow());
}

#[tokio::test]
async fn pii_is_redacted_before_it_is_stored_shown_or_sent_by_default() {
    let (_dir, url) = temp_sqlite();
    let client = reqwest::Client::new();
    let goal = "Email jane.doe@example.com the invoice for card 4111 1111 1111 1111";
    let body = json!({"goal": goal, "user_id": "u", "priority": "low"});

    let base = start_orchestrator(&url, None).await;
    let accepted: Value = submit(&client, &base, body.clone())
        .await
        .json()
        .await
        .unwrap();
    let view = wait_for_task(&client, &base, accepted["task_id"].as_str().unwrap()).await;
    assert_eq!(view["status"], "completed", "{view}");
    assert_eq!(
        view["goal"], "Email [EMAIL] the invoice for card [CREDIT_CARD]",
        "{view}"
    );
    let store = Store::connect(&url, 1).await.unwrap();
    let stored: (String, String) = sqlx::query_as("SELECT goal, contract FROM tasks WHERE id = $1")
        .bind(accepted["task_id"].as_str().unwrap())
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert!(
        !stored.0.contains("jane.doe") && !stored.1.contains("jane.doe"),
        "{stored:?}"
    );
    // Nowhere in what GET shows (goal, steps, result).
    assert!(!view.to_string().contains("4111"), "{view}");

    for (policy, status) in [
        (orchestrator::PiiPolicy::Block, 400),
        (orchestrator::PiiPolicy::Allow, 202),
    ] {
        let (reflex_url, arm_urls) = spawn_dependencies().await;
        let state = orchestrator::build_state(Config {
            reflex_url: Some(reflex_url),
            arm_urls,
            pii_policy: policy,
            ..Config::new(&url)
        })
        .await
        .unwrap();
        let base = spawn(orchestrator::app(state)).await;
        let response = submit(&client, &base, body.clone()).await;
        assert_eq!(response.status(), status, "{policy:?}");
    }
}

#[test]
fn redaction_replaces_each_span_and_merges_overlaps() {
    let found =
        |kind: &str, start: u64, end: u64| json!({"pii_type": kind, "start": start, "end": end});
    let text = "call 555-0172 or mail a@b.co";
    let redacted =
        orchestrator::redact(text, &[found("email", 22, 28), found("phone", 5, 13)]).unwrap();
    assert_eq!(redacted, "call [PHONE] or mail [EMAIL]");
    // Overlapping findings become one placeholder, the first one's.
    let overlapping = orchestrator::redact(text, &[found("phone", 5, 13), found("ssn", 8, 13)]);
    assert_eq!(overlapping.unwrap(), "call [PHONE] or mail a@b.co");
    // An offset inside a character, or past the end, is refused.
    assert!(orchestrator::redact("é", &[found("x", 1, 2)]).is_none());
    assert!(orchestrator::redact("abc", &[found("x", 1, 9)]).is_none());
}

/// A `redis-server` of the test's own on a free port (the shared one is never paused), or
/// `None` to skip when there is none; under CI a missing one panics.
fn own_redis() -> Option<(std::process::Child, String)> {
    let port = closed_port();
    let spawned = std::process::Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(std::process::Stdio::null())
        .spawn();
    match spawned {
        Ok(child) => Some((child, format!("redis://127.0.0.1:{port}"))),
        Err(_) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("redis-server is not installed, and CI=true requires this test to run")
        }
        Err(error) => {
            eprintln!("skipping: cannot start redis-server: {error}");
            None
        }
    }
}

/// Found by the fault suite: with Redis killed or hung mid-run, every cache command waited on
/// it, so every task's completion (which writes its view to the cache) stalled for seconds.
/// A Redis that does not answer is now a miss within a bound, then skipped for a while.
#[tokio::test]
async fn a_hung_redis_is_a_quick_miss_and_then_skipped() {
    let Some((mut redis, url)) = own_redis() else {
        return;
    };
    let mut cache = None;
    for _ in 0..100 {
        let made = orchestrator::cache::TaskCache::new(Some(&url), 100, Duration::from_secs(60))
            .await
            .unwrap();
        if made.check().await.is_ok() {
            cache = Some(made);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let cache = cache.expect("our redis-server answers");
    cache.put("before", "{\"a\":1}".into()).await;
    // Hung: its socket stays open and nothing answers, as a Redis paused or partitioned away.
    // SAFETY: the PID is our own child's, not reaped.
    unsafe {
        libc::kill(redis.id() as libc::pid_t, libc::SIGSTOP);
    }
    let bounded = tokio::time::timeout(Duration::from_secs(5), async {
        for idx in 0..20 {
            cache
                .put(&format!("during-{idx}"), "{\"b\":2}".into())
                .await;
            assert!(cache.get(&format!("unknown-{idx}")).await.is_none());
        }
    })
    .await;
    // SAFETY: as above.
    unsafe {
        libc::kill(redis.id() as libc::pid_t, libc::SIGCONT);
    }
    let _ = redis.kill();
    let _ = redis.wait();
    assert!(
        bounded.is_ok(),
        "forty cache commands against a hung Redis did not finish in 5 s"
    );
    // What was cached in process is still served.
    assert!(cache.get("before").await.is_some());
}

/// Issue 23: the intake bound was read before the gate was awaited and its count raised only
/// after, so concurrent submissions all passed it.
#[tokio::test]
async fn concurrent_submissions_cannot_overshoot_the_intake_bound() {
    let (_dir, url) = temp_sqlite();
    let config = Config {
        max_concurrent_tasks: 1,
        max_queued_tasks: 2,
        ..slow_arms_config(&url).await
    };
    let state = orchestrator::build_state(config).await.unwrap();
    let base = spawn(orchestrator::app(state.clone())).await;
    let client = reqwest::Client::new();
    let mut calls = tokio::task::JoinSet::new();
    for idx in 0..24 {
        let (client, base) = (client.clone(), base.clone());
        let body =
            json!({"goal": format!("Search the archive {idx}"), "user_id": "u", "priority": "low"});
        calls.spawn(async move { submit(&client, &base, body).await.status().as_u16() });
    }
    let statuses = calls.join_all().await;
    let accepted = statuses.iter().filter(|status| **status == 202).count();
    assert_eq!(accepted, 3, "{statuses:?}");
    assert!(
        statuses.iter().all(|status| [202, 503].contains(status)),
        "{statuses:?}"
    );
    assert_eq!(state.tasks_in_process(), 3);
}

/// Memory held for unfinished tasks is bounded in bytes too: past the bound a new task is
/// refused with 503, however few tasks are in process.
#[tokio::test]
async fn contracts_in_process_are_bounded_in_bytes() {
    let (_dir, url) = temp_sqlite();
    let config = Config {
        max_in_process_bytes: 64 * 1024,
        ..slow_arms_config(&url).await
    };
    let state = orchestrator::build_state(config).await.unwrap();
    let base = spawn(orchestrator::app(state.clone())).await;
    let client = reqwest::Client::new();
    let big = json!({
        "goal": "Search the archive",
        "user_id": "u",
        "priority": "low",
        "context": {"notes": "a quiet afternoon in the archive. ".repeat(600)},
    });
    assert_eq!(submit(&client, &base, big.clone()).await.status(), 202);
    let refused = submit(&client, &base, big).await;
    assert_eq!(refused.status(), 503);
    assert!(state.bytes_in_process() <= 64 * 1024 + 64 * 1024);
    let metrics = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for bound in [
        "octo_bound_limit{name=\"orchestrator_contracts_in_process\",unit=\"bytes\"} 65536",
        "octo_bound_limit{name=\"orchestrator_view_cache\",unit=\"bytes\"} 33554432",
        "octo_bound_fill{name=\"orchestrator_tasks_in_process\",unit=\"entries\"} 1",
    ] {
        assert!(metrics.contains(bound), "no {bound} in\n{metrics}");
    }
}

/// Issue 23: a plan of over 5,461 steps exceeded SQLite's bind limit, and `persist` retried
/// that permanent error until the task's deadline. A plan is bounded, and refused at once.
#[tokio::test]
async fn a_plan_too_large_fails_its_task_at_once() {
    let (_dir, url) = temp_sqlite();
    let steps: Vec<Value> = (0..6_000)
        .map(|idx| json!({"id": format!("s{idx}"), "arm": "coder", "goal": "g", "depends_on": []}))
        .collect();
    let plan = json!({"steps": steps}).to_string();
    let (llm_url, _seen) = super::gate::stub_llm_answering(plan).await;
    let base = super::gate::start(orchestrator::PiiPolicy::Redact, &llm_url, &url).await;
    let client = reqwest::Client::new();
    let started = std::time::Instant::now();
    let body = json!({"goal": "Plan the migration", "user_id": "u", "priority": "low",
                      "kind": "complex", "budget": {"max_time_seconds": 60}});
    let accepted: Value = submit(&client, &base, body).await.json().await.unwrap();
    let view = wait_for_task(&client, &base, accepted["task_id"].as_str().unwrap()).await;
    assert_eq!(view["status"], "failed", "{view}");
    let error = view["error"].as_str().unwrap();
    assert!(error.contains("6000 steps"), "{error}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

/// Issue 23: the open `/ready` returned internal URLs and error texts to anyone.
#[tokio::test]
async fn ready_tells_why_not_only_to_an_admin() {
    let (_dir, url) = temp_sqlite();
    const ADMIN: &str = "admin-token-0123456789";
    const USER: &str = "alice-token-0123456789";
    let keys =
        serving::auth::ApiKeys::parse(&format!("{ADMIN} admin ops\n{USER} user alice\n"), "keys")
            .unwrap();
    let (reflex_url, mut arm_urls) = spawn_dependencies().await;
    arm_urls.insert(
        "coder".into(),
        format!("http://127.0.0.1:{}", closed_port()),
    );
    let state = orchestrator::build_state(Config {
        reflex_url: Some(reflex_url),
        arm_urls,
        api_keys: Some(std::sync::Arc::new(keys)),
        ..Config::new(&url)
    })
    .await
    .unwrap();
    let base = spawn(orchestrator::app(state)).await;
    let client = reqwest::Client::new();
    for (token, shown) in [(None, false), (Some(USER), false), (Some(ADMIN), true)] {
        let mut request = client.get(format!("{base}/ready"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 503);
        let body = response.text().await.unwrap();
        assert_eq!(body.contains("127.0.0.1"), shown, "{token:?}: {body}");
        assert_eq!(body.contains("reason"), shown, "{token:?}: {body}");
    }
}
