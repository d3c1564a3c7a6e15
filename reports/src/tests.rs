//! Snapshot tests of the renderers and the JSON contract.

use super::*;
pub(crate) use crate::fixtures::sample;
use expect_test::expect;

#[test]
fn markdown_snapshot() {
    expect![[r#"
        # octoperf run 20261126T120000Z-abcd: FAIL

        2 rows pass, 1 fail, 1 not measured. Profile **development**, quick run.

        Started 2026-11-26T12:00:00Z, finished 2026-11-26T12:01:00Z. Commit `0123abc`. Machine `box`: 2 CPUs (Example CPU), 24.0 GiB, Debian 12 6.1.0.

        ## Why not pass

        - 1 budget row failed

        ## Latency

        | Component | Metric | Measured | Limit | Margin | Verdict | Scenario |
        |---|---|---:|---:|---:|---|---|
        | Reflex Layer | P99 | 1.23 ms | < 20 ms | +94% | pass | reflex |

        ## Throughput

        | Component | Metric | Measured | Limit | Margin | Verdict | Scenario |
        |---|---|---:|---:|---:|---|---|
        | Reflex Layer | Throughput | 9000 req/s | > 10000 req/s | -10% | FAIL | reflex |

        - Reflex Layer Throughput: the offered rate was not sustained

        ## Resources (development)

        | Component | Metric | Measured | Limit | Margin | Verdict | Scenario |
        |---|---|---:|---:|---:|---|---|
        | Reflex | Memory | 12.5 MB | < 100 MB | +88% | pass | reflex |
        | Arm | CPU | – | < 1 cores | – | not measured | – |

        - Arm CPU: no scenario in this run measures it

        ## Capacity

        - reflex: 15000/s held every row, 1.5× the budget (broke at 16000/s)

        | Trial | Offered/s | Verdict | What broke |
        |---:|---:|---|---|
        | 1 | 15000 | PASS |  |
        | 2 | 16000 | FAIL | 1 budget rows failed: Reflex Layer cpu |

        ## Scenarios

        ### reflex

        Reflex Layer at 10,000 req/s.

        - File `scenarios/reflex.toml`; measures latency.reflex, throughput.reflex.
        - Load: open 10000/s; warm-up 2s, measured 8s.
        - LLM: none.
        - Target: started.
        - Generator: 2 worker threads, busy 5%, 6%; 2.50 CPU-seconds (31.2 µs per request); send lag at the socket P50 0.04 ms, P99 0.18 ms (allowed 0.50 ms), max 2.10 ms, 0.010% of requests over 1 ms late; schedule lag P99 1.10 ms; in-flight cap reached 0 times; 0 due requests never sent; 0 never answered.

        - Interval logs (HdrHistogram, 1 s): reflex/intervals/reflex_process.hlog

        | Request | Sent | OK | Errors | Achieved/s | P50 ms | P95 ms | P99 ms | Max ms | P99 ms (successes) | Service P99 ms |
        |---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|
        | reflex_process | 80000 | 79997 | http_503: 3 | 9999.6 | 0.50 | 0.90 | 1.23 | 9.00 | 1.30 | 0.70 |

        | Process | PID | Peak RSS MB (window) | Peak RSS MB (lifetime) | CPU cores (mean) | Source |
        |---|---:|---:|---:|---:|---|
        | reflex | 4242 | 12.5 | 14.0 | 0.234 | proc |

    "#]].assert_eq(&render_markdown(&sample()));
}

#[test]
fn terminal_snapshot() {
    expect![[r#"
        octoperf 20261126T120000Z-abcd: FAIL (2 pass, 1 fail, 1 not measured; profile development, quick)
          ! 1 budget row failed
          capacity: reflex: 15000/s held every row, 1.5× the budget (broke at 16000/s)
          latency    Reflex Layer             P99               1.23 ms          < 20 ms   +94%  pass
          throughput Reflex Layer             Throughput     9000 req/s    > 10000 req/s   -10%  FAIL
          resources  Reflex                   Memory            12.5 MB         < 100 MB   +88%  pass
          resources  Arm                      CPU                     –        < 1 cores      –  not measured
    "#]].assert_eq(&render_terminal(&sample()));
}

#[test]
fn json_round_trips_with_the_contract_field_names() {
    let report = sample();
    let json = serde_json::to_value(&report).unwrap();
    for field in [
        "schema_version",
        "run_id",
        "profile",
        "git_commit",
        "machine",
        "verdict",
        "targets",
    ] {
        assert!(json.get(field).is_some(), "{field} missing");
    }
    let row = &json["targets"][0];
    for field in [
        "table",
        "component",
        "metric",
        "limit",
        "unit",
        "measured",
        "scenario",
        "verdict",
    ] {
        assert!(row.get(field).is_some(), "targets[].{field} missing");
    }
    assert_eq!(json["verdict"], "fail");
    assert_eq!(json["targets"][3]["verdict"], "not_measured");
    let back: RunReport = serde_json::from_value(json).unwrap();
    assert_eq!(back, report);
}

#[test]
fn margins_are_positive_on_the_passing_side() {
    let report = sample();
    assert_eq!(margin_percent(&report.rows[0]).map(f64::round), Some(94.0));
    assert_eq!(margin_percent(&report.rows[1]).map(f64::round), Some(-10.0));
    assert_eq!(margin_percent(&report.rows[3]), None);
}

#[test]
fn a_scenario_that_did_not_run_says_why_and_nothing_empty() {
    // Interrupted while its stack started (issue 6, finding 11): invalid, with the error as
    // its only reason, and no generator account of a load never offered.
    let mut report = sample();
    let scenario = &mut report.scenarios[0];
    scenario.valid = false;
    scenario.error = Some("interrupted while starting the stack".into());
    scenario.invalid_reasons.clear();
    scenario.requests.clear();
    scenario.processes.clear();
    scenario.generator = Default::default();
    let markdown = render_markdown(&report);
    let section = &markdown[markdown.find("### reflex").unwrap()..];
    assert!(
        section.contains("- **Did not run**: interrupted while starting the stack"),
        "{section}"
    );
    assert!(!section.contains("**Invalid**"), "{section}");
    assert!(!section.contains("Generator:"), "{section}");
}

#[test]
fn a_fault_scenario_shows_its_invariants_faults_and_tasks() {
    let mut report = sample();
    let scenario = &mut report.scenarios[0];
    scenario.measures.clear();
    scenario.faults = Some(FaultsResult {
        faults: vec![FaultResult {
            target: "arm:coder".into(),
            action: "kill".into(),
            began_seconds: 5.0,
            healed_seconds: Some(10.0),
            answers: 100,
            errors: 25,
            recovery_seconds: None,
            problem: None,
        }],
        tasks: TaskAccount {
            accepted: 40,
            completed: 39,
            failed: 1,
            examples: vec!["t-9: failed".into()],
            ..TaskAccount::default()
        },
        effects: Some(EffectsAccount {
            effects: 80,
            request_ids: 80,
            ..EffectsAccount::default()
        }),
        unexpected_exits: Vec::new(),
        invariants: vec![Invariant {
            name: "tasks failed".into(),
            expected: "at most 0".into(),
            observed: "1".into(),
            holds: false,
        }],
    });
    let markdown = render_markdown(&report);
    for expected in [
        "measures no budget row (judged by its invariants)",
        "#### Invariants: **broken**",
        "| tasks failed | at most 0 | 1 | **no** |",
        "| kill arm:coder | 5.0 | 10.0 | 100 | 25 (25.0%) | not recovered |",
        "Tasks accepted 40: 39 completed, 1 failed, 0 cancelled, 0 unfinished (for example t-9: failed).",
        "80 over 80 request ids, 0 run more than once",
    ] {
        assert!(
            markdown.contains(expected),
            "{expected:?} missing from:\n{markdown}"
        );
    }
    let html = render_html(&report);
    assert!(html.contains("tasks failed: <strong>broken</strong>, 1 (expected at most 0)"));
    let back: RunReport = serde_json::from_str(&serde_json::to_string(&report).unwrap()).unwrap();
    assert_eq!(back.scenarios[0].faults, report.scenarios[0].faults);
}

#[test]
fn a_merged_run_lists_its_segments_and_their_clocks() {
    let mut report = sample();
    assert!(!render_markdown(&report).contains("## Segments"));
    let segment = |index: u32, synchronised: bool| Segment {
        index,
        count: 2,
        run_group: Some("nightly".into()),
        run_id: format!("seg-{index}"),
        host: format!("load{index}"),
        start_at: Some("2026-12-06T23:00:00.000Z".into()),
        samples_stack: index == 1,
        clock: ClockStatus {
            synchronised,
            offset_us: 12.0,
            max_error_us: 1500.0,
            est_error_us: 40.0,
            source: "adjtimex".into(),
        },
    };
    report.segments = vec![segment(2, false), segment(1, true)];
    let markdown = render_markdown(&report);
    assert!(
        markdown.contains("| 1/2 | load1 | seg-1 | 2026-12-06T23:00:00.000Z | synchronised, offset 12 µs, error at most 1500 µs | yes |"),
        "{markdown}"
    );
    assert!(
        markdown
            .contains("| 2/2 | load2 | seg-2 | 2026-12-06T23:00:00.000Z | not synchronised | no |")
    );
    let html = render_html(&report);
    assert!(html.contains("<h2>Segments</h2>") && html.contains("<td>load2</td>"));
    // The JSON contract: an old report without segments reads, and segments round-trip.
    let json = serde_json::to_string(&report).unwrap();
    let back: RunReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back.segments, report.segments);
}

/// Issue 28: a report written before the typed vocabulary (by `ef2ce03`'s `octoperf run
/// --quick --scenario reflex`) still reads, keeps its JSON form when written again, and
/// renders exactly as it did then.
#[test]
fn a_report_from_before_the_typed_vocabulary_reads_and_renders_as_it_did() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let text = std::fs::read_to_string(dir.join("report-ef2ce03.json")).unwrap();
    let report: RunReport = serde_json::from_str(&text).unwrap();
    let original: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(serde_json::to_value(&report).unwrap(), original);
    let markdown = std::fs::read_to_string(dir.join("report-ef2ce03.md")).unwrap();
    assert_eq!(crate::render_markdown(&report), markdown);
    let junit = std::fs::read_to_string(dir.join("junit-ef2ce03.xml")).unwrap();
    assert_eq!(crate::render_junit(&report), junit);
}
