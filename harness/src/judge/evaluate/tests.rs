//! Budget evaluation: which measurement counts, and when a row passes, fails or is not measured.

use std::collections::BTreeMap;
use std::path::Path;

use reports::{
    BudgetRow, GeneratorResult, Percentiles, ProcessResult, RequestResult, RowVerdict,
    ScenarioResult,
};

use super::*;
use crate::spec::budget::*;

fn shipped() -> Budgets {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/budgets.toml");
    load(&path).unwrap()
}

fn request(
    kind: &str,
    p50_ms: f64,
    p99_ms: f64,
    sent: u64,
    errors: u64,
    offered: f64,
    achieved: f64,
) -> RequestResult {
    let us = |ms: f64| (ms * 1000.0) as u64;
    let mut error_counts = BTreeMap::new();
    if errors > 0 {
        error_counts.insert("http_503".to_owned(), errors);
    }
    RequestResult {
        kind: kind.into(),
        feeds: Vec::new(),
        offered_per_second: Some(offered),
        sent,
        ok: sent - errors,
        errors: error_counts,
        achieved_per_second: achieved,
        latency_ok: Percentiles::default(),
        latency_ok_histogram: String::new(),
        latency: Percentiles {
            count: sent,
            mean_us: 0.0,
            p50_us: us(p50_ms),
            p90_us: us(p99_ms),
            p95_us: us(p99_ms),
            p99_us: us(p99_ms),
            p999_us: us(p99_ms),
            max_us: us(p99_ms),
        },
        service_time: Percentiles::default(),
        latency_histogram: String::new(),
        service_time_histogram: String::new(),
    }
}

fn scenario(
    name: &str,
    measures: &[&str],
    requests: Vec<RequestResult>,
    processes: Vec<ProcessResult>,
) -> ScenarioResult {
    ScenarioResult {
        name: name.into(),
        description: String::new(),
        file: format!("{name}.toml"),
        measures: measures.iter().map(|m| m.parse().unwrap()).collect(),
        load: String::new(),
        llm: String::new(),
        target: String::new(),
        warmup_seconds: 1.0,
        duration_seconds: 10.0,
        valid: true,
        invalid_reasons: Vec::new(),
        notes: Vec::new(),
        error: None,
        requests,
        processes,
        generator: GeneratorResult::default(),
        hiccups: Default::default(),
        machine_load: None,
        faults: None,
        logs: Vec::new(),
        profiles: Vec::new(),
        heap: Vec::new(),
        timeline: Vec::new(),
        started_at: None,
        start_late_ms: None,
    }
}

fn process(component: &str, name: &str, rss_mb: f64, cores: f64) -> ProcessResult {
    ProcessResult {
        component: component.into(),
        name: name.into(),
        pid: Some(1),
        rss_peak_bytes: Some((rss_mb * 1e6) as u64),
        rss_lifetime_peak_bytes: None,
        cpu_cores_mean: Some(cores),
        source: "proc".into(),
        profiler_rss_bytes: None,
        samples: Vec::new(),
    }
}

fn find<'a>(targets: &'a [BudgetRow], component: &str, metric: &str) -> &'a BudgetRow {
    targets
        .iter()
        .find(|t| t.component.as_str() == component && t.metric.as_str() == metric)
        .unwrap_or_else(|| panic!("no row {component} {metric}"))
}

#[test]
fn the_shipped_budgets_have_the_27_rows_of_the_spec() {
    let budgets = shipped();
    let targets = evaluate(&budgets, Profile::Development, &[]);
    assert_eq!(targets.len(), 27);
    assert!(targets.iter().all(|t| t.verdict == RowVerdict::NotMeasured));
    assert_eq!(find(&targets, "reflex", "p99").limit, 20.0);
    assert_eq!(
        find(&targets, "orchestrator", "throughput").unit,
        "tasks/min"
    );
    assert_eq!(find(&targets, "reflex", "cpu").limit, 0.5);
    let production = evaluate(&budgets, Profile::Production, &[]);
    assert_eq!(find(&production, "reflex", "cpu").limit, 1.0);
    assert_eq!(find(&production, "orchestrator", "memory").limit, 4000.0);
}

#[test]
fn latency_rows_pass_under_the_limit_and_the_worst_scenario_counts() {
    let fast = scenario(
        "fast",
        &["latency.reflex"],
        vec![request("reflex_process", 1.0, 4.0, 1000, 0, 100.0, 100.0)],
        vec![],
    );
    let slow = scenario(
        "slow",
        &["latency.reflex"],
        vec![request("reflex_process", 2.0, 25.0, 1000, 0, 100.0, 100.0)],
        vec![],
    );
    let targets = evaluate(
        &shipped(),
        Profile::Development,
        std::slice::from_ref(&fast),
    );
    assert_eq!(find(&targets, "reflex", "p99").verdict, RowVerdict::Pass);
    assert_eq!(find(&targets, "reflex", "p99").measured, Some(4.0));
    let targets = evaluate(&shipped(), Profile::Development, &[fast, slow]);
    let p99 = find(&targets, "reflex", "p99");
    assert_eq!(
        (p99.verdict, p99.measured, p99.scenario.as_deref()),
        (RowVerdict::Fail, Some(25.0), Some("slow"))
    );
    assert_eq!(find(&targets, "reflex", "p50").verdict, RowVerdict::Pass);
}

#[test]
fn too_many_errors_fail_a_fast_row() {
    let flaky = scenario(
        "flaky",
        &["latency.reflex"],
        vec![request("reflex_process", 1.0, 2.0, 1000, 20, 100.0, 98.0)],
        vec![],
    );
    let targets = evaluate(&shipped(), Profile::Development, &[flaky]);
    let p50 = find(&targets, "reflex", "p50");
    assert_eq!(p50.verdict, RowVerdict::Fail);
    assert!(
        p50.note
            .as_deref()
            .unwrap()
            .contains("2.0% of reflex_process requests failed"),
        "{:?}",
        p50.note
    );
}

#[test]
fn throughput_needs_the_offered_rate_sustained_with_latency_held() {
    let rows = ["latency.reflex", "throughput.reflex"];
    let good = scenario(
        "good",
        &rows,
        vec![request(
            "reflex_process",
            1.0,
            2.0,
            105_000,
            0,
            10_500.0,
            10_500.0,
        )],
        vec![],
    );
    let targets = evaluate(&shipped(), Profile::Development, &[good]);
    assert_eq!(
        find(&targets, "reflex", "throughput").verdict,
        RowVerdict::Pass
    );

    let low_offer = scenario(
        "low",
        &rows,
        vec![request(
            "reflex_process",
            1.0,
            2.0,
            50_000,
            0,
            5_000.0,
            5_000.0,
        )],
        vec![],
    );
    let target = evaluate(&shipped(), Profile::Development, &[low_offer]).remove(18);
    assert_eq!(
        (target.metric.as_str(), target.verdict),
        ("throughput", RowVerdict::Fail)
    );
    assert!(target.note.unwrap().contains("offered only 5000 req/s"));

    // The budget says strictly above: exactly the limit, offered and achieved, fails.
    let at_limit = scenario(
        "at-limit",
        &rows,
        vec![request(
            "reflex_process",
            1.0,
            2.0,
            100_000,
            0,
            10_000.0,
            10_000.0,
        )],
        vec![],
    );
    let target = evaluate(&shipped(), Profile::Development, &[at_limit]).remove(18);
    assert_eq!(target.verdict, RowVerdict::Fail, "{target:?}");

    let behind = scenario(
        "behind",
        &rows,
        vec![request(
            "reflex_process",
            1.0,
            2.0,
            105_000,
            0,
            10_500.0,
            10_100.0,
        )],
        vec![],
    );
    let targets = evaluate(&shipped(), Profile::Development, &[behind]);
    let throughput = find(&targets, "reflex", "throughput");
    assert_eq!(throughput.verdict, RowVerdict::Fail);
    assert!(
        throughput
            .note
            .as_deref()
            .unwrap()
            .contains("not sustained")
    );

    let slow = scenario(
        "slow",
        &rows,
        vec![request(
            "reflex_process",
            1.0,
            30.0,
            105_000,
            0,
            10_500.0,
            10_500.0,
        )],
        vec![],
    );
    let targets = evaluate(&shipped(), Profile::Development, &[slow]);
    let throughput = find(&targets, "reflex", "throughput");
    assert_eq!(throughput.verdict, RowVerdict::Fail);
    assert!(
        throughput
            .note
            .as_deref()
            .unwrap()
            .contains("Reflex Layer P99"),
        "{:?}",
        throughput.note
    );
}

#[test]
fn tasks_per_minute_count_simple_and_complex_tasks() {
    let mixed = scenario(
        "mixed",
        &["throughput.orchestrator"],
        vec![
            request("task_simple", 5.0, 9.0, 100, 0, 2.0, 2.0),
            request("task_complex", 5.0, 9.0, 50, 0, 1.0, 1.0),
        ],
        vec![],
    );
    let targets = evaluate(&shipped(), Profile::Development, &[mixed]);
    let row = find(&targets, "orchestrator", "throughput");
    assert_eq!((row.measured, row.verdict), (Some(180.0), RowVerdict::Pass));
}

#[test]
fn invalid_or_failed_scenarios_leave_their_rows_unmeasured() {
    let mut invalid = scenario(
        "shaky",
        &["latency.reflex"],
        vec![request("reflex_process", 1.0, 2.0, 1000, 0, 100.0, 100.0)],
        vec![],
    );
    invalid.valid = false;
    invalid.invalid_reasons = vec!["the generator fell behind".into()];
    let mut broken = scenario("broken", &["memory.reflex"], vec![], vec![]);
    broken.error = Some("reflex exited before listening".into());
    let targets = evaluate(&shipped(), Profile::Development, &[invalid, broken]);
    let p99 = find(&targets, "reflex", "p99");
    assert_eq!(p99.verdict, RowVerdict::NotMeasured);
    assert_eq!(
        p99.note.as_deref(),
        Some("shaky was invalid: the generator fell behind")
    );
    let memory = find(&targets, "reflex", "memory");
    assert_eq!(memory.verdict, RowVerdict::NotMeasured);
    assert!(memory.note.as_deref().unwrap().contains("did not run"));
    assert_eq!(
        find(&targets, "arms", "p50").note.as_deref(),
        Some("no scenario in this run measures it")
    );
}

#[test]
fn resources_take_the_worst_process_against_the_profile_column() {
    let arms = scenario(
        "arms",
        &["memory.arm", "cpu.arm"],
        vec![],
        vec![
            process("arm", "arm-coder", 30.0, 0.2),
            process("arm", "arm-judge", 1200.0, 0.1),
            process("reflex", "reflex", 5000.0, 3.0),
        ],
    );
    let development = evaluate(
        &shipped(),
        Profile::Development,
        std::slice::from_ref(&arms),
    );
    let memory = find(&development, "arm", "memory");
    assert_eq!(
        (memory.measured, memory.verdict),
        (Some(1200.0), RowVerdict::Fail)
    );
    assert_eq!(find(&development, "arm", "cpu").measured, Some(0.2));
    // The reflex process is in the scenario, but the scenario does not claim reflex rows.
    assert_eq!(
        find(&development, "reflex", "memory").verdict,
        RowVerdict::NotMeasured
    );
    let production = evaluate(&shipped(), Profile::Production, &[arms]);
    assert_eq!(find(&production, "arm", "memory").verdict, RowVerdict::Pass);
}

#[test]
fn a_budget_file_with_an_unknown_component_is_refused() {
    let error = parse("budgets.toml", "[[latency]]\ncomponent = \"reflex\"\nname = \"R\"\np50_ms = 1\np95_ms = 2\np99_ms = 3\n[[throughput]]\n[[resources]]\n").unwrap_err();
    assert!(
        error.to_string().contains("missing field `component`"),
        "{error}"
    );
    // The component names its line (issue 28: it said line 0).
    let error = parse("budgets.toml", "throughput = []\nresources = []\n[[latency]]\ncomponent = \"gateway\"\nname = \"G\"\np50_ms = 1\np95_ms = 2\np99_ms = 3\n").unwrap_err();
    let text = error.to_string();
    assert!(
        text.starts_with("budgets.toml:4: unknown variant `gateway`"),
        "{text}"
    );
    assert!(text.contains("4 | component = \"gateway\""), "{text}");
}

#[test]
fn a_failure_in_any_scenario_fails_the_row_whatever_their_order() {
    // A is faster but fails on errors; B is slower and clean, both under the 20 ms limit.
    let failing = scenario(
        "a",
        &["latency.reflex"],
        vec![request("reflex_process", 1.0, 4.0, 1000, 20, 100.0, 98.0)],
        vec![],
    );
    let clean = scenario(
        "b",
        &["latency.reflex"],
        vec![request("reflex_process", 1.0, 6.0, 1000, 0, 100.0, 100.0)],
        vec![],
    );
    for order in [
        [failing.clone(), clean.clone()],
        [clean.clone(), failing.clone()],
    ] {
        let targets = evaluate(&shipped(), Profile::Development, &order);
        let p99 = find(&targets, "reflex", "p99");
        assert_eq!(p99.verdict, RowVerdict::Fail, "order {:?}", p99.scenario);
        assert_eq!(p99.scenario.as_deref(), Some("a"));
        assert!(
            p99.note
                .as_deref()
                .unwrap_or("")
                .contains("2.0% of reflex_process"),
            "{:?}",
            p99.note
        );
    }
}

#[test]
fn resource_rows_fail_when_their_scenario_failed_on_errors() {
    // Half the requests fail fast: the Reflex Layer used little CPU because it did little.
    let failing = scenario(
        "reflex",
        &["memory.reflex", "cpu.reflex"],
        vec![request("reflex_process", 1.0, 2.0, 1000, 500, 100.0, 50.0)],
        vec![process("reflex", "reflex", 20.0, 0.1)],
    );
    let targets = evaluate(&shipped(), Profile::Development, &[failing]);
    for metric in ["cpu", "memory"] {
        let row = find(&targets, "reflex", metric);
        assert_eq!(row.verdict, RowVerdict::Fail, "{metric}");
        assert!(
            row.note
                .as_deref()
                .unwrap_or("")
                .contains("50.0% of reflex_process"),
            "{metric}: {:?}",
            row.note
        );
    }
}

#[test]
fn a_process_that_could_not_be_read_leaves_its_row_unmeasured() {
    let mut unreadable = process("arm", "arm-judge", 0.0, 0.0);
    unreadable.rss_peak_bytes = None;
    unreadable.cpu_cores_mean = None;
    let arms = scenario(
        "arms",
        &["memory.arm", "cpu.arm"],
        vec![],
        vec![process("arm", "arm-coder", 30.0, 0.2), unreadable],
    );
    let targets = evaluate(&shipped(), Profile::Development, &[arms]);
    for metric in ["cpu", "memory"] {
        let row = find(&targets, "arm", metric);
        assert_eq!(row.verdict, RowVerdict::NotMeasured, "{metric}");
        assert!(
            row.note.as_deref().unwrap_or("").contains("arm-judge"),
            "{metric}: {:?}",
            row.note
        );
    }
}

#[test]
fn fast_failures_do_not_pull_a_latency_row_under_its_limit() {
    // 1% of answers are 503s in a millisecond: every answer's P99 reads 4 ms, while the
    // successes' P99 is 25 ms, over the 20 ms limit. (1% is within the error rule.)
    let mut masked = request("reflex_process", 1.0, 4.0, 1000, 10, 100.0, 99.0);
    masked.latency_ok = Percentiles {
        count: 990,
        p50_us: 1_000,
        p95_us: 20_000,
        p99_us: 25_000,
        ..Percentiles::default()
    };
    let targets = evaluate(
        &shipped(),
        Profile::Development,
        &[scenario(
            "masked",
            &["latency.reflex"],
            vec![masked],
            vec![],
        )],
    );
    let p99 = find(&targets, "reflex", "p99");
    assert_eq!((p99.verdict, p99.measured), (RowVerdict::Fail, Some(25.0)));
    assert_eq!(find(&targets, "reflex", "p50").verdict, RowVerdict::Pass);
}
