//! Leases (issue 9): a task is claimed by one instance, which renews its claim while it runs
//! the task; another instance leaves a task with a live lease alone and takes it over once the
//! lease expires. On SQLite always, on PostgreSQL when `DATABASE_URL` is set.

use std::collections::HashSet;
use std::time::Duration;

use orchestrator::store::Lease;
use orchestrator::{Config, Store, now_us};
use serde_json::{Value, json};

use super::{insert_owned, service_url, spawn, spawn_dependencies, temp_sqlite};

/// The databases to run on: a fresh SQLite file, and PostgreSQL when configured (under a
/// schema of the test's own, so that its rows never meet another test's).
pub(super) async fn databases() -> Vec<(Option<tempfile::TempDir>, String)> {
    let (dir, sqlite) = temp_sqlite();
    let mut urls = vec![(Some(dir), sqlite)];
    if let Some(url) = service_url("DATABASE_URL") {
        let schema = format!("leases_{}", uuid::Uuid::new_v4().simple());
        let admin = Store::connect(&url, 1).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(admin.pool())
            .await
            .unwrap();
        admin.close().await;
        let separator = if url.contains('?') { '&' } else { '?' };
        urls.push((
            None,
            format!("{url}{separator}options=-csearch_path%3D{schema}"),
        ));
    }
    urls
}

fn contract() -> Value {
    json!({"goal": "Check the totals", "user_id": "u", "priority": "medium", "kind": "simple"})
}

async fn status(store: &Store, id: &str) -> String {
    store
        .get_task(id)
        .await
        .unwrap()
        .unwrap()
        .status
        .as_str()
        .to_owned()
}

/// The finding: two Orchestrators on one database resumed each other's running tasks at
/// start. Now a task whose lease is live is left to its owner; one whose lease expires (its
/// owner died) is taken over by the heartbeat of the instance still alive.
#[tokio::test]
async fn a_live_lease_is_left_alone_and_an_expired_one_taken_over() {
    for (_dir, url) in databases().await {
        let store = Store::connect(&url, 2).await.unwrap();
        let now = now_us();
        insert_owned(&store, "held", &contract(), ("a", now + 600_000_000)).await;
        insert_owned(&store, "expiring", &contract(), ("a", now + 1_000_000)).await;

        let (reflex_url, arm_urls) = spawn_dependencies().await;
        let config = Config {
            reflex_url: Some(reflex_url),
            arm_urls,
            instance_id: "b".into(),
            lease: Duration::from_millis(600),
            ..Config::new(&url)
        };
        let state = orchestrator::build_state(config).await.unwrap();
        assert_eq!(
            orchestrator::resume_unfinished(&state).await.unwrap(),
            0,
            "{url}: both tasks are a's, whose leases are live"
        );
        let heartbeat = orchestrator::keep_leases(&state);
        let _base = spawn(orchestrator::app(state.clone())).await;

        // "expiring" is taken over within a few heartbeats of its lease's end.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        while status(&store, "expiring").await != "completed" {
            assert!(
                tokio::time::Instant::now() < deadline,
                "{url}: the expired task was not taken over"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // "held" is still a's: not run by b.
        assert_eq!(status(&store, "held").await, "pending", "{url}");
        heartbeat.abort();
        store.close().await;
    }
}

/// Instances claiming expired tasks at once take disjoint sets (`FOR UPDATE SKIP LOCKED` on
/// PostgreSQL; one writer at a time on SQLite), and every task is taken by one of them.
#[tokio::test]
async fn concurrent_claims_take_disjoint_sets() {
    for (_dir, url) in databases().await {
        let store = Store::connect(&url, 8).await.unwrap();
        for idx in 0..60 {
            insert_owned(&store, &format!("t{idx:02}"), &contract(), ("dead", 1)).await;
        }
        let claim = |owner: &'static str| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut taken = Vec::new();
                loop {
                    let now = now_us();
                    let lease = Lease {
                        owner,
                        now_us: now,
                        until_us: now + 60_000_000,
                    };
                    let page = store.claim_expired(&lease, 7).await.unwrap();
                    if page.is_empty() {
                        return taken;
                    }
                    taken.extend(page.into_iter().map(|(id, _)| id));
                }
            })
        };
        let (x, y) = (claim("x"), claim("y"));
        let (x, y) = (x.await.unwrap(), y.await.unwrap());
        let x: HashSet<String> = x.into_iter().collect();
        let y: HashSet<String> = y.into_iter().collect();
        assert!(x.is_disjoint(&y), "{url}: a task claimed twice");
        assert_eq!(x.len() + y.len(), 60, "{url}");
        // And a claimed task's lease is live: nobody takes it again.
        let now = now_us();
        let again = store
            .claim_expired(
                &Lease {
                    owner: "z",
                    now_us: now,
                    until_us: now + 1,
                },
                100,
            )
            .await
            .unwrap();
        assert!(again.is_empty(), "{url}");
        store.close().await;
    }
}
