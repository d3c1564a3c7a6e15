//! The history on SQLite (a temporary file) and, under `DATABASE_URL`, on PostgreSQL (a
//! database of its own, dropped at the end).

use super::*;
use reports::fixtures::sample;

/// A made-up run: `sample()` with its id, start time, commit and branch, and the Reflex P99
/// row's value.
fn run(run_id: &str, started_at: &str, commit: &str, branch: &str, p99_ms: f64) -> RunReport {
    let mut report = sample();
    report.run_id = run_id.into();
    report.started_at = started_at.into();
    report.git_commit = Some(commit.into());
    report.git_branch = Some(branch.into());
    report.rows[0].measured = Some(p99_ms);
    // First, a row another scenario would have measured, stored without a value: PostgreSQL
    // must take a value after a NULL in the same prepared statement.
    let mut unmeasured = report.rows[0].clone();
    unmeasured.metric = reports::Metric::P50;
    unmeasured.measured = None;
    unmeasured.scenario = None;
    report.rows.insert(0, unmeasured);
    report
}

async fn exercise(history: &History) {
    let first = run("r1", "2026-09-01T10:00:00Z", "aaa111", "main", 1.0);
    let second = run("r2", "2026-10-01T10:00:00Z", "bbb222-dirty", "main", 2.0);
    let mut third = run("r3", "2026-11-01T10:00:00Z", "ccc333", "feature", 3.0);
    third.scenarios[0].name = "arms".into();
    for report in [&first, &second, &third] {
        history
            .append(report, Some(Path::new("target/loadtest/x")))
            .await
            .unwrap();
    }

    // A run is stored once.
    let again = history.append(&first, None).await.unwrap_err();
    assert!(
        matches!(again, HistoryError::Duplicate { ref run_id, .. } if run_id == "r1"),
        "{again}"
    );

    // Newest first, every field back as stored.
    let all = history.list(&Filter::default()).await.unwrap();
    let ids: Vec<&str> = all.iter().map(|r| r.run_id.as_str()).collect();
    assert_eq!(ids, ["r3", "r2", "r1"]);
    assert_eq!(all[1].git_commit.as_deref(), Some("bbb222"));
    assert!(all[1].git_dirty);
    assert!(!all[0].git_dirty);
    assert_eq!(all[0].scenarios, ["arms"]);
    assert_eq!(all[0].machine_fingerprint, first.machine.fingerprint());
    assert!(all[0].quick);
    assert_eq!(all[0].verdict, "fail");

    // Filters: scenario, branch, dates, limit.
    let by = |filter: Filter| async move {
        history
            .list(&filter)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.run_id)
            .collect::<Vec<_>>()
    };
    let reflex = by(Filter {
        scenario: Some("reflex".into()),
        ..Filter::default()
    });
    assert_eq!(reflex.await, ["r2", "r1"]);
    let feature = by(Filter {
        branch: Some("feature".into()),
        ..Filter::default()
    });
    assert_eq!(feature.await, ["r3"]);
    let since = by(Filter {
        since_s: epoch_seconds("2026-09-15T00:00:00Z"),
        until_s: epoch_seconds("2026-10-15T00:00:00Z"),
        ..Filter::default()
    });
    assert_eq!(since.await, ["r2"]);
    let newest = by(Filter {
        limit: Some(1),
        ..Filter::default()
    });
    assert_eq!(newest.await, ["r3"]);
    // A scenario name is matched whole, not as a part of another.
    let part = by(Filter {
        scenario: Some("ref".into()),
        ..Filter::default()
    });
    assert!(part.await.is_empty());

    // The whole report comes back, histograms of record and all.
    let loaded = history.load("r2").await.unwrap().unwrap();
    assert_eq!(loaded, second);
    assert!(history.load("nope").await.unwrap().is_none());
    let (_, folder) = history.load_with_folder("r1").await.unwrap().unwrap();
    assert_eq!(folder.as_deref(), Some("target/loadtest/x"));

    // Oldest first for trends.
    let reports = history.reports(&Filter::default()).await.unwrap();
    let p99: Vec<Option<f64>> = reports.iter().map(|(_, r)| r.rows[1].measured).collect();
    assert_eq!(p99, [Some(1.0), Some(2.0), Some(3.0)]);
    rendezvous(history).await;
}

/// Two segments of a run group join, one beats and finishes with its interval log, the
/// other is still running; a third joining with another N, or a finished one joining again,
/// is refused.
async fn rendezvous(history: &History) {
    history.join_segment("g1", (1, 2), "load-a").await.unwrap();
    history.join_segment("g1", (2, 2), "load-b").await.unwrap();
    let error = history
        .join_segment("g1", (1, 3), "load-c")
        .await
        .unwrap_err();
    assert!(error.to_string().contains("same N"), "{error}");
    history.beat_segment("g1", 1).await.unwrap();
    let mut segment = run("seg-1", "2026-12-01T10:00:00Z", "ddd444", "main", 1.5);
    segment.segments = vec![reports::Segment {
        index: 1,
        count: 2,
        run_group: Some("g1".into()),
        run_id: "seg-1".into(),
        host: "load-a".into(),
        start_at: None,
        samples_stack: true,
        clock: reports::ClockStatus::default(),
    }];
    let log = (
        "reflex/intervals/reflex.hlog".to_owned(),
        "#[StartTime: 1]\n".to_owned(),
    );
    history
        .append_with_files(&segment, None, std::slice::from_ref(&log))
        .await
        .unwrap();
    let states = history.segments("g1").await.unwrap();
    let seen: Vec<(u32, SegmentState, Option<&str>)> = states
        .iter()
        .map(|s| (s.index, s.state, s.run_id.as_deref()))
        .collect();
    assert_eq!(
        seen,
        [
            (1, SegmentState::Finished, Some("seg-1")),
            (2, SegmentState::Joined, None)
        ]
    );
    assert_eq!(states[1].host, "load-b");
    assert_eq!(history.files("seg-1").await.unwrap(), [log]);
    let error = history
        .join_segment("g1", (1, 2), "load-a")
        .await
        .unwrap_err();
    assert!(error.to_string().contains("already ran"), "{error}");
    assert!(history.segments("other").await.unwrap().is_empty());
}

#[tokio::test]
async fn sqlite_history_stores_lists_filters_and_loads_runs() {
    let dir = tempfile::tempdir().unwrap();
    // The folder does not exist yet: opening creates it and the file.
    let path = dir.path().join("nested/history.db");
    let history = open_path(&path).await.unwrap();
    exercise(&history).await;
    history.close().await;
    // Opening again migrates nothing twice and keeps every run (three, and a segment's).
    let history = open_path(&path).await.unwrap();
    assert_eq!(history.list(&Filter::default()).await.unwrap().len(), 4);
}

#[tokio::test]
async fn postgres_history_stores_lists_filters_and_loads_runs() {
    let Ok(base) = std::env::var("DATABASE_URL") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "DATABASE_URL is not set and CI=true: PostgreSQL is required"
        );
        eprintln!("skipped: DATABASE_URL is not set");
        return;
    };
    assert!(base.starts_with("postgres"), "DATABASE_URL {base}");
    let name = format!("octoperf_history_{}", uuid::Uuid::new_v4().simple());
    sqlx::any::install_default_drivers();
    let admin = AnyPool::connect(&base).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .unwrap();
    let (prefix, _) = base.rsplit_once('/').unwrap();
    let url = format!("{prefix}/{name}");
    let history = open(&url).await.unwrap();
    exercise(&history).await;
    history.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {name}")))
        .execute(&admin)
        .await
        .unwrap();
    // The server's own account of its database's busy time, as the harness samples a remote
    // stack's PostgreSQL: a number that does not go back.
    let first = database_active_seconds(&base).await.unwrap();
    let second = database_active_seconds(&base).await.unwrap();
    assert!(first >= 0.0 && second >= first, "{first} then {second}");
    assert!(
        database_active_seconds("postgres://127.0.0.1:1/none")
            .await
            .is_err()
    );
}

#[test]
fn times_and_urls() {
    assert_eq!(epoch_seconds("1970-01-01T00:00:00Z"), Some(0));
    assert_eq!(epoch_seconds("2026-11-27T08:10:00Z"), Some(1_795_767_000));
    assert_eq!(epoch_seconds("yesterday"), None);
    assert_eq!(
        redact("postgres://user:secret@db:5432/x?sslmode=require"),
        "postgres://user:***@db:5432/x?sslmode=require"
    );
    assert_eq!(redact("sqlite://target/h.db"), "sqlite://target/h.db");
}
