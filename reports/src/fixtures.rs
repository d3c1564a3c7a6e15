//! A run report made up for tests (this crate's and those of the crates that read reports):
//! one quick Reflex scenario with one failing row. Built with the `fixtures` feature.

use std::collections::BTreeMap;

use crate::*;

/// A row as (table, component, name, metric), its limit and unit, and what was measured.
pub fn target(
    row: (Component, &str, Metric),
    limit: (f64, &str),
    measured: Option<f64>,
    verdict: RowVerdict,
) -> BudgetRow {
    BudgetRow {
        measured,
        scenario: measured.map(|_| "reflex".to_owned()),
        verdict,
        ..BudgetRow::unmeasured(row, limit)
    }
}

/// The made-up run: commit `0123abc`, 2026-11-26, scenario `reflex`, four rows.
pub fn sample() -> RunReport {
    let mut errors = BTreeMap::new();
    errors.insert("http_503".to_owned(), 3);
    RunReport {
        schema_version: SCHEMA_VERSION,
        run_id: "20261126T120000Z-abcd".into(),
        started_at: "2026-11-26T12:00:00Z".into(),
        finished_at: "2026-11-26T12:01:00Z".into(),
        profile: "development".into(),
        git_commit: Some("0123abc".into()),
        git_branch: None,
        machine: Machine {
            hostname: "box".into(),
            os: "Debian 12".into(),
            kernel: "6.1.0".into(),
            cpu_model: "Example CPU".into(),
            cpus: 2,
            memory_bytes: 24 << 30,
        },
        quick: true,
        full_suite: false,
        interrupted: false,
        verdict: Verdict::Fail,
        verdict_reasons: vec!["1 budget row failed".into()],
        rows: vec![
            target(
                (Component::Reflex, "Reflex Layer", Metric::P99),
                (20.0, "ms"),
                Some(1.234),
                RowVerdict::Pass,
            ),
            BudgetRow {
                note: Some("the offered rate was not sustained".into()),
                ..target(
                    (Component::Reflex, "Reflex Layer", Metric::Throughput),
                    (10_000.0, "req/s"),
                    Some(9_000.0),
                    RowVerdict::Fail,
                )
            },
            target(
                (Component::Reflex, "Reflex", Metric::Memory),
                (100.0, "MB"),
                Some(12.5),
                RowVerdict::Pass,
            ),
            BudgetRow {
                note: Some("no scenario in this run measures it".into()),
                ..target(
                    (Component::Arm, "Arm", Metric::Cpu),
                    (1.0, "cores"),
                    None,
                    RowVerdict::NotMeasured,
                )
            },
        ],
        scenarios: vec![ScenarioResult {
            name: "reflex".into(),
            description: "Reflex Layer at 10,000 req/s.".into(),
            file: "scenarios/reflex.toml".into(),
            measures: vec![
                "latency.reflex".parse().unwrap(),
                "throughput.reflex".parse().unwrap(),
            ],
            load: "open 10000/s".into(),
            llm: "none".into(),
            target: "started".into(),
            warmup_seconds: 2.0,
            duration_seconds: 8.0,
            valid: true,
            invalid_reasons: Vec::new(),
            notes: Vec::new(),
            error: None,
            requests: vec![RequestResult {
                kind: "reflex_process".into(),
                feeds: Vec::new(),
                offered_per_second: Some(10_000.0),
                sent: 80_000,
                ok: 79_997,
                errors,
                achieved_per_second: 9_999.6,
                latency: Percentiles {
                    count: 80_000,
                    mean_us: 600.0,
                    p50_us: 500,
                    p90_us: 800,
                    p95_us: 900,
                    p99_us: 1_234,
                    p999_us: 3_000,
                    max_us: 9_000,
                },
                service_time: Percentiles {
                    count: 80_000,
                    mean_us: 300.0,
                    p50_us: 250,
                    p90_us: 400,
                    p95_us: 450,
                    p99_us: 700,
                    p999_us: 1_500,
                    max_us: 5_000,
                },
                latency_ok: Percentiles {
                    count: 79_997,
                    mean_us: 610.0,
                    p50_us: 510,
                    p90_us: 810,
                    p95_us: 910,
                    p99_us: 1_300,
                    p999_us: 3_000,
                    max_us: 9_000,
                },
                latency_histogram: String::new(),
                latency_ok_histogram: String::new(),
                service_time_histogram: String::new(),
            }],
            processes: vec![ProcessResult {
                component: "reflex".into(),
                name: "reflex".into(),
                pid: Some(4242),
                rss_peak_bytes: Some(12_500_000),
                rss_lifetime_peak_bytes: Some(14_000_000),
                cpu_cores_mean: Some(0.2345),
                source: "proc".into(),
                profiler_rss_bytes: None,
                samples: Vec::new(),
            }],
            generator: GeneratorResult {
                cpu_seconds: 2.5,
                cpu_us_per_request: 31.2,
                schedule_lag_p99_us: 1_100,
                schedule_lag_max_us: 4_000,
                in_flight_cap_hits: 0,
                threads: 2,
                send_lag_p50_us: 40,
                send_lag_p99_us: 180,
                send_lag_max_us: 2_100,
                late_over_1ms_share: 0.0001,
                max_send_lag_us: 500,
                worker_busy: vec![0.05, 0.06],
                unsent: 0,
                abandoned: 0,
                interval_logs: vec!["reflex/intervals/reflex_process.hlog".into()],
                ..GeneratorResult::default()
            },
            hiccups: Default::default(),
            machine_load: None,
            faults: None,
            logs: vec!["logs/reflex.log".into()],
            profiles: Vec::new(),
            heap: Vec::new(),
            timeline: Vec::new(),
            started_at: None,
            start_late_ms: None,
        }],
        capacity: vec![Capacity {
            scenario: "reflex".into(),
            held_per_second: Some(15_000.0),
            broke_per_second: Some(16_000.0),
            budget_per_second: Some(10_000.0),
            trials: vec![
                CapacityTrial {
                    offered_per_second: 15_000.0,
                    verdict: Verdict::Pass,
                    reasons: Vec::new(),
                },
                CapacityTrial {
                    offered_per_second: 16_000.0,
                    verdict: Verdict::Fail,
                    reasons: vec!["1 budget rows failed: Reflex Layer cpu".into()],
                },
            ],
        }],
        segments: Vec::new(),
    }
}
