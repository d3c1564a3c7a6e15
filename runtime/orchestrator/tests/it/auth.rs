//! API keys end to end (issue 9, deliverable 3): a user submits and sees only their own
//! tasks; a service acts for the users it names; the Orchestrator presents its own key to a
//! Reflex Layer and arms that require one.

use std::sync::Arc;

use serde_json::{Value, json};

use super::{spawn, spawn_dependencies_behind, submit, temp_sqlite, wait_for_task};

const ALICE: &str = "alice-token-0123456789";
const BOB: &str = "bob-token-0123456789";
const GATEWAY: &str = "gateway-token-0123456789";
const ORCHESTRATOR: &str = "orchestrator-token-0123456789";

fn keys() -> Arc<serving::auth::ApiKeys> {
    let text = format!(
        "{ALICE} user alice\n{BOB} user bob\n{GATEWAY} service gateway\n{ORCHESTRATOR} service orchestrator\n"
    );
    Arc::new(serving::auth::ApiKeys::parse(&text, "keys").unwrap())
}

/// A Reflex Layer and arms that take only a service's key, and an Orchestrator behind the
/// same keys that presents `service_key` to them.
async fn start_behind_keys(database_url: &str, service_key: Option<&str>) -> String {
    let (reflex_url, arm_urls) = spawn_dependencies_behind(Some(keys())).await;
    let config = orchestrator::Config {
        reflex_url: Some(reflex_url),
        arm_urls,
        api_keys: Some(keys()),
        service_key: service_key
            .map(|key| axum::http::HeaderValue::from_str(&format!("Bearer {key}")).unwrap()),
        ..orchestrator::Config::new(database_url)
    };
    let state = orchestrator::build_state(config).await.unwrap();
    spawn(orchestrator::app(state)).await
}

/// A client that presents `token` on every request.
fn client_of(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().unwrap(),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

async fn submit_as(client: &reqwest::Client, base: &str, user_id: &str) -> reqwest::Response {
    let contract = json!({"goal": "write a haiku", "user_id": user_id, "priority": "high"});
    submit(client, base, contract).await
}

async fn task_id(response: reqwest::Response) -> String {
    assert_eq!(response.status(), 202);
    let accepted: Value = response.json().await.unwrap();
    accepted["task_id"].as_str().unwrap().to_owned()
}

/// Issue 9, finding 7: no endpoint checked identity, and any caller read any task.
#[tokio::test]
async fn a_user_submits_and_sees_only_their_own_tasks() {
    let (_dir, url) = temp_sqlite();
    let base = start_behind_keys(&url, Some(ORCHESTRATOR)).await;
    let (alice, bob, gateway) = (client_of(ALICE), client_of(BOB), client_of(GATEWAY));
    // No key: 401.
    let anonymous = submit_as(&reqwest::Client::new(), &base, "alice").await;
    assert_eq!(anonymous.status(), 401);
    // Alice cannot submit as bob...
    let forged = submit_as(&alice, &base, "bob").await;
    assert_eq!(forged.status(), 403);
    let body: Value = forged.json().await.unwrap();
    assert_eq!(body["error"]["code"], "forbidden", "{body}");
    // ...but as herself, and the task runs through the Reflex Layer and an arm, which take
    // the Orchestrator's key.
    let hers = task_id(submit_as(&alice, &base, "alice").await).await;
    let done = wait_for_task(&alice, &base, &hers).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["user_id"], "alice");
    // Bob sees no such task, exactly as for one that does not exist.
    let peek = bob
        .get(format!("{base}/tasks/{hers}"))
        .send()
        .await
        .unwrap();
    assert_eq!(peek.status(), 404);
    let missing = bob
        .get(format!("{base}/tasks/no-such-task"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    // A service acts for any user it names, and sees their tasks.
    let for_bob = task_id(submit_as(&gateway, &base, "bob").await).await;
    for (client, task) in [(&gateway, &hers), (&bob, &for_bob)] {
        let seen = client
            .get(format!("{base}/tasks/{task}"))
            .send()
            .await
            .unwrap();
        assert_eq!(seen.status(), 200);
    }
    // /metrics is an admin's: a user's key is refused.
    let metrics = alice.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(metrics.status(), 403);
}

#[tokio::test]
async fn without_its_service_key_the_orchestrator_is_refused_downstream() {
    let (_dir, url) = temp_sqlite();
    let base = start_behind_keys(&url, None).await;
    // The Reflex Layer refuses the Orchestrator's unauthenticated call: no task is accepted
    // through a gate that could not check it.
    let response = submit_as(&client_of(ALICE), &base, "alice").await;
    assert!(response.status().is_server_error(), "{}", response.status());
}
