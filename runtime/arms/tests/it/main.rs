//! The `arm` binary as its own process: flags pick the kind and the simulated model, it
//! announces its port, serves, and exits cleanly on SIGTERM.

use serving::testing::{spawn_binary, terminate};

#[tokio::test]
async fn the_binary_serves_its_kind_and_shuts_down_gracefully() {
    let (child, base) = spawn_binary(
        env!("CARGO_BIN_EXE_arm"),
        &["--kind", "judge", "--llm-latency-scale", "0"],
    );
    let client = reqwest::Client::new();
    let capabilities: serde_json::Value = client
        .get(format!("{base}/capabilities"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(capabilities["kind"], "judge");
    assert_eq!(capabilities["capabilities"][0], "validation");
    let answer: serde_json::Value = client
        .post(format!("{base}/execute"))
        .json(&serde_json::json!({"task": {"goal": "check"}, "request_id": "r1"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["success"], true, "{answer}");
    assert!(terminate(child), "arm did not exit cleanly on SIGTERM");
}

#[test]
fn a_bad_flag_is_refused_with_a_message() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_arm"))
        .args(["--kind", "wizard"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown arm kind \"wizard\""));
}

/// Issue 9, finding 7: anyone who reached an arm could spend its LLM key, skipping the Reflex
/// Layer. Behind keys, only a service (the Orchestrator) may call it, and only an admin may
/// read its metrics or switch its faults.
#[tokio::test]
async fn behind_keys_only_a_service_may_spend_the_arms_llm() {
    let keys = std::env::temp_dir().join(format!("arm-keys-{}.txt", std::process::id()));
    std::fs::write(
        &keys,
        "alice-token-0123456789 user alice\n\
         orchestrator-token-0123456789 service orchestrator\n\
         ops-token-0123456789 admin ops\n",
    )
    .unwrap();
    let (child, base) = spawn_binary(
        env!("CARGO_BIN_EXE_arm"),
        &[
            "--kind",
            "coder",
            "--llm-latency-scale",
            "0",
            "--fault-injection",
            "--api-keys-file",
            keys.to_str().unwrap(),
        ],
    );
    let client = reqwest::Client::new();
    let execute = |token: Option<&'static str>| {
        let mut request = client
            .post(format!("{base}/execute"))
            .json(&serde_json::json!({"task": "write code", "request_id": "r1"}));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    assert_eq!(execute(None).await.unwrap().status(), 401);
    assert_eq!(
        execute(Some("alice-token-0123456789"))
            .await
            .unwrap()
            .status(),
        403
    );
    let answer = execute(Some("orchestrator-token-0123456789"))
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let fault = |token: &'static str| {
        client
            .post(format!("{base}/debug/llm-fault"))
            .bearer_auth(token)
            .json(&serde_json::json!({"mode": "none"}))
            .send()
    };
    assert_eq!(
        fault("orchestrator-token-0123456789")
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(fault("ops-token-0123456789").await.unwrap().status(), 200);
    // Probes need no key.
    let health = client.get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert!(terminate(child), "arm did not exit cleanly on SIGTERM");
    let _ = std::fs::remove_file(&keys);
}

#[test]
fn a_keys_file_with_an_error_stops_the_arm_naming_the_line() {
    let keys = std::env::temp_dir().join(format!("arm-bad-keys-{}.txt", std::process::id()));
    std::fs::write(&keys, "short user alice\n").unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_arm"))
        .args(["--kind", "coder", "--port", "0", "--api-keys-file"])
        .arg(&keys)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&keys);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("line 1") && stderr.contains("shorter than 16"),
        "{stderr}"
    );
}
