//! Tests of the simulated LLM and of `/execute` over a real socket.

use super::*;
use llm::SimulatedLlm;

#[test]
fn the_simulated_model_is_seeded() {
    let model = LlmModel::for_kind(ArmKind::Coder);
    let a: Vec<_> = {
        let llm = SimulatedLlm::new(model, 7);
        (0..20).map(|_| llm.draw()).collect()
    };
    let b: Vec<_> = {
        let llm = SimulatedLlm::new(model, 7);
        (0..20).map(|_| llm.draw()).collect()
    };
    let c: Vec<_> = {
        let llm = SimulatedLlm::new(model, 8);
        (0..20).map(|_| llm.draw()).collect()
    };
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn the_simulated_model_follows_its_parameters() {
    let model = LlmModel {
        error_rate: 0.25,
        ..LlmModel::for_kind(ArmKind::Judge)
    };
    let llm = SimulatedLlm::new(model, 1);
    let draws: Vec<_> = (0..4000).map(|_| llm.draw()).collect();
    let mut ttfts: Vec<f64> = draws.iter().map(|d| d.0.as_secs_f64() * 1000.0).collect();
    ttfts.sort_by(f64::total_cmp);
    let median = ttfts[ttfts.len() / 2];
    assert!((90.0..110.0).contains(&median), "median ttft {median}");
    assert!(draws.iter().all(|d| (25..=75).contains(&d.1)));
    let failures = draws.iter().filter(|d| d.2).count() as f64 / draws.len() as f64;
    assert!((0.22..0.28).contains(&failures), "error rate {failures}");
    let zero = SimulatedLlm::new(
        LlmModel {
            latency_scale: 0.0,
            ..model
        },
        1,
    );
    assert_eq!(zero.draw().0, Duration::ZERO);
}

#[test]
fn heuristic_plans_have_a_concurrent_wave_and_valid_dependencies() {
    for goal in ["a", "b", "c", "refactor the parser", "summarise"] {
        let plan = heuristic_plan(goal);
        assert!(plan.len() >= 3);
        let independent = plan.iter().filter(|s| s.depends_on.is_empty()).count();
        assert!(independent >= 2);
        for (idx, step) in plan.iter().enumerate() {
            for dep in &step.depends_on {
                assert!(plan[..idx].iter().any(|earlier| &earlier.id == dep));
            }
        }
    }
}

async fn start(kind: ArmKind, model: LlmModel, max_concurrent_llm: usize) -> String {
    start_with(kind, model, max_concurrent_llm, FaultSuite::default()).await
}

async fn start_with(
    kind: ArmKind,
    model: LlmModel,
    max_concurrent_llm: usize,
    suite: FaultSuite,
) -> String {
    let config = Config {
        kind,
        arm_id: format!("{}-test", kind.as_str()),
        max_concurrent_llm,
        body_limit_bytes: 1 << 20,
        idempotency_bytes: IDEMPOTENCY_BYTES,
    };
    let state = AppState::with_fault_suite(
        config,
        Provider::Simulated(SimulatedLlm::new(model, 3)),
        suite,
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serving::serve(listener, app(state), std::future::pending()));
    format!("http://{addr}")
}

#[tokio::test]
async fn planner_answers_a_plan_with_provenance() {
    let base = start(
        ArmKind::Planner,
        LlmModel {
            latency_scale: 0.0,
            ..LlmModel::for_kind(ArmKind::Planner)
        },
        4,
    )
    .await;
    let answer: ExecuteResponse = reqwest::Client::new()
        .post(format!("{base}/execute"))
        .json(&serde_json::json!({"task": {"goal": "build a thing", "task_id": "t-1"}, "request_id": "r-1", "timeout_seconds": 5}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(answer.success);
    assert_eq!(answer.task_id, "t-1");
    assert_eq!(answer.provenance.arm_id, "planner-test");
    let steps: Vec<PlanStep> =
        serde_json::from_value(answer.result["plan"]["steps"].clone()).unwrap();
    assert_eq!(steps, heuristic_plan("build a thing"));
}

#[tokio::test]
async fn the_semaphore_bounds_concurrent_llm_calls_and_timeouts_are_errors() {
    // Each call takes about 200 ms; with one permit, the third of three concurrent calls
    // cannot finish within 450 ms.
    let model = LlmModel {
        ttft_ms: 200.0,
        ttft_sigma: 0.0,
        output_tokens: 1,
        tokens_per_second: 1e9,
        error_rate: 0.0,
        latency_scale: 1.0,
    };
    let base = start(ArmKind::Coder, model, 1).await;
    let client = reqwest::Client::new();
    let call = |id: u32| {
        let client = client.clone();
        let base = base.clone();
        async move {
            client
                .post(format!("{base}/execute"))
                .json(&serde_json::json!({"task": "write code", "request_id": format!("r{id}"), "timeout_seconds": 0.45}))
                .send()
                .await
                .unwrap()
                .json::<ExecuteResponse>()
                .await
                .unwrap()
        }
    };
    let (a, b, c) = tokio::join!(call(1), call(2), call(3));
    let answers = [a, b, c];
    let failed: Vec<_> = answers.iter().filter(|a| !a.success).collect();
    assert_eq!(failed.len(), 1, "{answers:?}");
    let error = failed[0].error.as_ref().unwrap();
    assert_eq!(error.code, "llm_timeout");
    assert!(error.retryable);
}

#[tokio::test]
async fn bad_requests_name_the_field() {
    let base = start(ArmKind::Judge, LlmModel::for_kind(ArmKind::Judge), 1).await;
    let response = reqwest::Client::new()
        .post(format!("{base}/execute"))
        .json(&serde_json::json!({"task": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("request_id"),
        "{body}"
    );
}

#[tokio::test]
async fn a_timeout_out_of_range_is_a_400_naming_the_field() {
    let base = start(ArmKind::Judge, LlmModel::for_kind(ArmKind::Judge), 1).await;
    for timeout in [
        serde_json::json!(1e20),
        serde_json::json!(-1),
        serde_json::json!(0),
    ] {
        let response = reqwest::Client::new()
            .post(format!("{base}/execute"))
            .json(&serde_json::json!({"task": "x", "request_id": "r", "timeout_seconds": timeout}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "timeout_seconds {timeout}");
        let body: serde_json::Value = response.json().await.unwrap();
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("`timeout_seconds`"), "{message}");
    }
}

#[test]
fn a_wild_sigma_is_refused_and_never_panics_a_draw() {
    let wild = LlmModel {
        ttft_sigma: 83.0,
        ..LlmModel::for_kind(ArmKind::Coder)
    };
    let error = wild.validate().unwrap_err();
    assert!(error.contains("ttft_sigma"), "{error}");
    assert!(LlmModel::for_kind(ArmKind::Coder).validate().is_ok());
    // Built past the check: every draw is bounded, and a later draw still works.
    let llm = SimulatedLlm::new(wild, 5);
    for _ in 0..2_000 {
        let (ttft, _, _) = llm.draw();
        assert!(ttft <= llm::MAX_SIMULATED_CALL);
    }
}

#[tokio::test]
async fn callers_past_the_waiting_bound_get_503_with_retry_after() {
    // One permit, so four may wait; calls take 300 ms and give up after 500 ms.
    let model = LlmModel {
        ttft_ms: 300.0,
        ttft_sigma: 0.0,
        output_tokens: 1,
        tokens_per_second: 1e9,
        error_rate: 0.0,
        latency_scale: 1.0,
    };
    let base = start(ArmKind::Coder, model, 1).await;
    let client = reqwest::Client::new();
    let mut calls = tokio::task::JoinSet::new();
    for id in 0..6 {
        let client = client.clone();
        let base = base.clone();
        calls.spawn(async move {
            let answer = client
                .post(format!("{base}/execute"))
                .json(&serde_json::json!({"task": "write code", "request_id": format!("r{id}"), "timeout_seconds": 0.5}))
                .send()
                .await
                .unwrap();
            let retry_after = answer
                .headers()
                .get("retry-after")
                .map(|value| value.to_str().unwrap().to_owned());
            (answer.status().as_u16(), retry_after)
        });
    }
    let answers = calls.join_all().await;
    let refused: Vec<_> = answers
        .iter()
        .filter(|(status, _)| *status == 503)
        .collect();
    assert_eq!(refused.len(), 1, "{answers:?}");
    assert_eq!(refused[0].1.as_deref(), Some("1"));
}

#[tokio::test]
async fn a_repeated_request_id_is_answered_once_and_replayed() {
    let model = LlmModel {
        latency_scale: 0.0,
        ..LlmModel::for_kind(ArmKind::Coder)
    };
    let base = start(ArmKind::Coder, model, 4).await;
    let client = reqwest::Client::new();
    let call = |request_id: &'static str| {
        client
            .post(format!("{base}/execute"))
            .json(&serde_json::json!({"task": {"goal": "write code", "task_id": "t"}, "request_id": request_id, "timeout_seconds": 5}))
            .send()
    };
    let first = call("t:s1").await.unwrap();
    assert!(first.headers().get("x-idempotent-replay").is_none());
    let first: serde_json::Value = first.json().await.unwrap();
    let again = call("t:s1").await.unwrap();
    assert_eq!(again.headers()["x-idempotent-replay"], "true");
    let again: serde_json::Value = again.json().await.unwrap();
    assert_eq!(again, first, "a replay is the first answer, word for word");
    // Concurrent repeats share one call.
    let (a, b) = tokio::join!(call("t:s2"), call("t:s2"));
    assert!(a.unwrap().status().is_success() && b.unwrap().status().is_success());
    let stats: serde_json::Value = client
        .get(format!("{base}/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["llm_calls"], 2, "{stats}");
    assert_eq!(stats["replays"], 2, "{stats}");
}

#[tokio::test]
async fn a_failed_answer_is_not_remembered() {
    let model = LlmModel {
        latency_scale: 0.0,
        error_rate: 1.0,
        ..LlmModel::for_kind(ArmKind::Coder)
    };
    let base = start(ArmKind::Coder, model, 4).await;
    let client = reqwest::Client::new();
    for _ in 0..2 {
        let answer: ExecuteResponse = client
            .post(format!("{base}/execute"))
            .json(&serde_json::json!({"task": "x", "request_id": "r", "timeout_seconds": 5}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(!answer.success);
    }
    let stats: serde_json::Value = client
        .get(format!("{base}/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        stats["llm_calls"], 2,
        "a retry after a failure calls the LLM again: {stats}"
    );
}

#[tokio::test]
async fn an_ordered_llm_fault_fails_or_hangs_calls_and_the_journal_counts_effects() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("effects.log");
    let open = || {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&journal)
            .unwrap()
    };
    let instant = LlmModel {
        latency_scale: 0.0,
        ..LlmModel::for_kind(ArmKind::Coder)
    };
    let suite = FaultSuite {
        fault_injection: true,
        effects_log: Some(open()),
    };
    let base = start_with(ArmKind::Coder, instant, 4, suite).await;
    let client = reqwest::Client::new();
    let execute = |id: &str, timeout: f64| {
        client
            .post(format!("{base}/execute"))
            .json(&serde_json::json!({"task": {"goal": "g"}, "request_id": id, "timeout_seconds": timeout}))
            .send()
    };
    let order = |body: serde_json::Value| {
        client
            .post(format!("{base}/debug/llm-fault"))
            .json(&body)
            .send()
    };
    let answer = |response: reqwest::Response| async move {
        response.json::<ExecuteResponse>().await.unwrap()
    };
    assert!(answer(execute("a", 5.0).await.unwrap()).await.success);

    let ordered = order(serde_json::json!({"mode": "error", "status": 429, "seconds": 30}))
        .await
        .unwrap();
    assert_eq!(ordered.status(), 200);
    let failed = answer(execute("b", 5.0).await.unwrap()).await;
    assert!(!failed.success);
    let error = failed.error.unwrap();
    assert!(error.retryable, "a 429 is worth retrying");
    assert!(error.message.contains("429"), "{}", error.message);
    // A remembered answer is still served: the fault is the LLM's, not the arm's.
    assert!(answer(execute("a", 5.0).await.unwrap()).await.success);

    order(serde_json::json!({"mode": "hang", "seconds": 30}))
        .await
        .unwrap();
    let hung = answer(execute("c", 0.2).await.unwrap()).await;
    assert_eq!(hung.error.unwrap().code, "llm_timeout");

    order(serde_json::json!({"mode": "none"})).await.unwrap();
    assert!(answer(execute("b", 5.0).await.unwrap()).await.success);
    let bad = order(serde_json::json!({"mode": "error", "status": 200, "seconds": 1}))
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);

    // One line per LLM call that succeeded: "a" once (its repeat was a replay), "b" once.
    let lines = std::fs::read_to_string(&journal).unwrap();
    assert_eq!(lines, "a\nb\n");

    // Without the flag, nobody can order a fault.
    let plain = start(ArmKind::Coder, instant, 4).await;
    let refused = client
        .post(format!("{plain}/debug/llm-fault"))
        .json(&serde_json::json!({"mode": "hang", "seconds": 30}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 404);
}

/// The OpenAI-compatible client speaks TLS (rustls): an `https://` endpoint gets a TLS
/// ClientHello. Before, the client was built without TLS and refused every hosted endpoint
/// ("scheme is not http") without connecting.
#[tokio::test]
async fn the_llm_client_speaks_tls_to_an_https_endpoint() {
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let first_bytes = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut head = [0u8; 3];
        socket.read_exact(&mut head).await.unwrap();
        head
    });
    let client = llm::OpenAiClient::new(
        &format!("https://127.0.0.1:{port}"),
        "m",
        Some("key".into()),
        Duration::from_secs(5),
    )
    .unwrap();
    let provider = Provider::OpenAi(client);
    // The handshake fails (nobody answers it); what matters is that one began.
    let outcome = provider.complete(ArmKind::Coder, "hello").await;
    assert!(outcome.is_err());
    let head = tokio::time::timeout(Duration::from_secs(5), first_bytes)
        .await
        .expect("the client connected")
        .unwrap();
    // A TLS handshake record (22), protocol 3.x.
    assert_eq!((head[0], head[1]), (22, 3), "{head:?}");
}

/// The soak's finding: the memory of answers was bounded by count (100,000), so an arm's
/// resident memory grew for an hour. It is bounded in bytes now.
#[tokio::test]
async fn the_memory_of_answers_is_bounded_in_bytes() {
    let config = Config {
        kind: ArmKind::Planner,
        arm_id: "planner-test".into(),
        max_concurrent_llm: 8,
        body_limit_bytes: 1 << 20,
        idempotency_bytes: 64 << 10,
    };
    let model = LlmModel {
        latency_scale: 0.0,
        ..LlmModel::for_kind(ArmKind::Planner)
    };
    let state = AppState::new(config, Provider::Simulated(SimulatedLlm::new(model, 3)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(serving::serve(listener, app(state), std::future::pending()));
    let client = reqwest::Client::new();
    let goal = "plan ".repeat(200);
    for idx in 0..400 {
        let answer = client
            .post(format!("{base}/execute"))
            .json(&serde_json::json!({"task": {"goal": goal}, "request_id": format!("r{idx}"), "timeout_seconds": 5}))
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_success());
    }
    let stats: serde_json::Value = client
        .get(format!("{base}/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bytes = stats["remembered_bytes"].as_u64().unwrap();
    let answers = stats["remembered_answers"].as_u64().unwrap();
    assert!(bytes <= 64 << 10, "{stats}");
    assert!(answers > 0 && answers < 400, "{stats}");
}

/// Issue 23: a duplicate call (same `request_id`) that found no permit raised the count of
/// waiting callers, then merged into the running call and never lowered it; four such pairs
/// left an idle arm refusing every caller that had to wait ("1 LLM calls are running and 4
/// waiting") for good.
#[tokio::test]
async fn merged_duplicates_leave_no_phantom_waiters() {
    let model = LlmModel {
        ttft_ms: 150.0,
        ttft_sigma: 0.0,
        output_tokens: 1,
        tokens_per_second: 1e9,
        error_rate: 0.0,
        latency_scale: 1.0,
    };
    let base = start(ArmKind::Coder, model, 1).await;
    let client = reqwest::Client::new();
    let call = |request_id: String| {
        let client = client.clone();
        let url = format!("{base}/execute");
        async move {
            client
                .post(url)
                .json(&serde_json::json!({"task": "write code", "request_id": request_id, "timeout_seconds": 5}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    for pair in 0..4 {
        let id = format!("dup-{pair}");
        let first = tokio::spawn(call(id.clone()));
        tokio::time::sleep(Duration::from_millis(40)).await;
        let second = call(id).await;
        assert_eq!((first.await.unwrap(), second), (200, 200), "pair {pair}");
    }
    let stats: serde_json::Value = client
        .get(format!("{base}/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["llm_waiting"], 0, "{stats}");
    assert_eq!(stats["llm_running"], 0, "{stats}");
    // One call running, and one that has to wait: it waits, it is not refused.
    let running = tokio::spawn(call("fresh-1".into()));
    tokio::time::sleep(Duration::from_millis(40)).await;
    assert_eq!(call("fresh-2".into()).await, 200);
    assert_eq!(running.await.unwrap(), 200);
}

#[tokio::test]
async fn a_blank_or_overlong_request_id_is_a_400_naming_the_field() {
    let model = LlmModel {
        latency_scale: 0.0,
        ..LlmModel::for_kind(ArmKind::Coder)
    };
    let base = start(ArmKind::Coder, model, 1).await;
    let client = reqwest::Client::new();
    for request_id in [
        String::new(),
        "  ".into(),
        "x".repeat(MAX_REQUEST_ID_BYTES + 1),
    ] {
        let answer = client
            .post(format!("{base}/execute"))
            .json(&serde_json::json!({"task": "write code", "request_id": request_id, "timeout_seconds": 5}))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 400);
        let body: serde_json::Value = answer.json().await.unwrap();
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("`request_id`"),
            "{body}"
        );
    }
}

/// Issue 23: the user info of `--llm-url` was logged and shown on `/capabilities`.
#[tokio::test]
async fn the_llm_url_is_shown_without_its_secrets() {
    let config = Config {
        kind: ArmKind::Coder,
        arm_id: "coder".into(),
        max_concurrent_llm: 1,
        body_limit_bytes: 1 << 20,
        idempotency_bytes: IDEMPOTENCY_BYTES,
    };
    let client = llm::OpenAiClient::new(
        "https://sk-live-secret123@127.0.0.1:1/?api_key=hunter2",
        "m",
        None,
        Duration::from_secs(1),
    )
    .unwrap();
    let state = AppState::new(config, Provider::OpenAi(client));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serving::serve(listener, app(state), std::future::pending()));
    let http = reqwest::Client::new();
    let capabilities = http
        .get(format!("http://{addr}/capabilities"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let ready = http
        .get(format!("http://{addr}/ready"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let failed = http
        .post(format!("http://{addr}/execute"))
        .json(&serde_json::json!({"task": "x", "request_id": "r", "timeout_seconds": 2}))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for shown in [&capabilities, &ready, &failed] {
        assert!(
            !shown.contains("secret123") && !shown.contains("hunter2"),
            "{shown}"
        );
    }
    assert!(
        capabilities.contains("https://***@127.0.0.1:1"),
        "{capabilities}"
    );
}

/// Issue 23: an Orchestrator paused past its lease may send a call after the instance that
/// took its task over has sent its own; the arm refuses the older fencing token, before any
/// LLM call or remembered answer.
#[tokio::test]
async fn a_call_with_an_older_fencing_token_is_refused() {
    let model = LlmModel {
        latency_scale: 0.0,
        ..LlmModel::for_kind(ArmKind::Coder)
    };
    let base = start(ArmKind::Coder, model, 4).await;
    let client = reqwest::Client::new();
    let call = |request_id: &'static str, token: u64| {
        client
            .post(format!("{base}/execute"))
            .json(&serde_json::json!({"task": "write code", "request_id": request_id, "timeout_seconds": 5,
                                      "fence": {"key": "t", "token": token}}))
            .send()
    };
    assert_eq!(call("t:s1", 1).await.unwrap().status(), 200);
    assert_eq!(call("t:s2", 3).await.unwrap().status(), 200);
    // The old owner's call, even for a step already answered: refused, not replayed.
    let stale = call("t:s1", 1).await.unwrap();
    assert_eq!(stale.status(), 409);
    let body: serde_json::Value = stale.json().await.unwrap();
    assert_eq!(body["error"]["code"], "fenced", "{body}");
    // The new owner's repeat is answered from memory as before.
    let again = call("t:s1", 3).await.unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers()["x-idempotent-replay"], "true");
    let stats: serde_json::Value = client
        .get(format!("{base}/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["llm_calls"], 2, "{stats}");
    let metrics = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(&format!(
            "octo_bound_limit{{name=\"arm_fences\",unit=\"bytes\"}} {FENCES_BYTES}"
        )),
        "{metrics}"
    );
    assert!(
        !metrics.contains("octo_bound_fill{name=\"arm_fences\",unit=\"bytes\"} 0\n"),
        "{metrics}"
    );
    // First claims keep nothing: the memory grows with takeovers, not with tasks.
    let before = metrics_fill(&client, &base).await;
    for idx in 0..50 {
        let response = client
            .post(format!("{base}/execute"))
            .json(&serde_json::json!({"task": "write code", "request_id": format!("u{idx}:s1"),
                                      "timeout_seconds": 5, "fence": {"key": format!("u{idx}"), "token": 1}}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    assert_eq!(metrics_fill(&client, &base).await, before);
}

/// The arm's `arm_fences` fill on `/metrics`, in bytes.
async fn metrics_fill(client: &reqwest::Client, base: &str) -> u64 {
    let metrics = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    metrics
        .lines()
        .find(|line| line.starts_with("octo_bound_fill{name=\"arm_fences\""))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
        .unwrap()
}
