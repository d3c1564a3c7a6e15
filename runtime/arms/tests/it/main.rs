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
