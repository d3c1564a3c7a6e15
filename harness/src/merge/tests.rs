//! Merging shards: two halves of a run merge into the whole, histograms and interval logs
//! added exactly.

use std::time::{Duration, SystemTime};

use reports::{GeneratorResult, Machine, Verdict};

use super::*;

fn histogram(values: impl Iterator<Item = u64>) -> Histogram<u64> {
    let mut histogram = loadgen::new_histogram();
    for value in values {
        histogram.record(value).unwrap();
    }
    histogram
}

/// A shard whose reflex_process latencies are `values`, with a two-interval log written
/// under `dir`.
fn shard(dir: &Path, values: &[u64]) -> Shard {
    let latency = histogram(values.iter().copied());
    let half = values.len() / 2;
    let intervals = vec![
        loadgen::intervals::Interval {
            start: Duration::ZERO,
            length: Duration::from_secs(1),
            histogram: histogram(values[..half].iter().copied()),
        },
        loadgen::intervals::Interval {
            start: Duration::from_secs(1),
            length: Duration::from_secs(1),
            histogram: histogram(values[half..].iter().copied()),
        },
    ];
    let log = "reflex/intervals/reflex_process.hlog";
    std::fs::create_dir_all(dir.join("reflex/intervals")).unwrap();
    let mut bytes = Vec::new();
    loadgen::intervals::write_log(
        &mut bytes,
        SystemTime::now(),
        Duration::from_secs(1),
        &intervals,
        "test",
    )
    .unwrap();
    std::fs::write(dir.join(log), bytes).unwrap();
    let request = RequestResult {
        kind: "reflex_process".into(),
        feeds: Vec::new(),
        offered_per_second: Some(values.len() as f64 / 2.0),
        sent: values.len() as u64,
        ok: values.len() as u64,
        errors: BTreeMap::new(),
        achieved_per_second: values.len() as f64 / 2.0,
        latency: percentiles(&latency),
        latency_ok: percentiles(&latency),
        service_time: percentiles(&latency),
        latency_histogram: encode(&latency),
        latency_ok_histogram: encode(&latency),
        service_time_histogram: encode(&latency),
    };
    let scenario = ScenarioResult {
        name: "reflex".into(),
        description: String::new(),
        file: "scenarios/reflex.toml".into(),
        measures: vec![
            "latency.reflex".parse().unwrap(),
            "throughput.reflex".parse().unwrap(),
        ],
        load: "open model, 10000/s".into(),
        llm: String::new(),
        target: String::new(),
        warmup_seconds: 0.0,
        duration_seconds: 2.0,
        valid: true,
        invalid_reasons: Vec::new(),
        notes: Vec::new(),
        error: None,
        requests: vec![request],
        processes: Vec::new(),
        generator: GeneratorResult {
            threads: 1,
            interval_logs: vec![log.into()],
            ..GeneratorResult::default()
        },
        hiccups: Default::default(),
        machine_load: None,
        faults: None,
        logs: Vec::new(),
        profiles: Vec::new(),
        heap: Vec::new(),
        timeline: Vec::new(),
        started_at: None,
        start_late_ms: None,
    };
    let report = RunReport {
        schema_version: reports::SCHEMA_VERSION,
        run_id: "shard".into(),
        started_at: "2026-11-26T12:00:00Z".into(),
        finished_at: "2026-11-26T12:00:10Z".into(),
        profile: "development".into(),
        git_commit: None,
        git_branch: None,
        machine: Machine {
            hostname: "box".into(),
            os: String::new(),
            kernel: String::new(),
            cpu_model: String::new(),
            cpus: 2,
            memory_bytes: 0,
        },
        quick: true,
        full_suite: false,
        interrupted: false,
        verdict: Verdict::Pass,
        verdict_reasons: Vec::new(),
        rows: Vec::new(),
        scenarios: vec![scenario],
        capacity: Vec::new(),
        segments: Vec::new(),
    };
    std::fs::write(
        dir.join("report.json"),
        serde_json::to_vec(&report).unwrap(),
    )
    .unwrap();
    read_shard(dir).unwrap()
}

#[test]
fn two_halves_merge_into_the_whole() {
    let whole: Vec<u64> = (0..20_000u64).map(|i| 50 + (i * 7919) % 3_000).collect();
    let (first, second) = whole.split_at(whole.len() / 2);
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let shards = [shard(dirs[0].path(), first), shard(dirs[1].path(), second)];
    let budgets = crate::spec::budget::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/budgets.toml"),
    )
    .unwrap();
    let report = merge(
        &shards,
        &budgets,
        Profile::Development,
        "merged".into(),
        &[],
    )
    .unwrap();
    let request = &report.scenarios[0].requests[0];
    let expected = histogram(whole.iter().copied());
    assert_eq!(decode(&request.latency_histogram).unwrap(), expected);
    assert_eq!(request.latency, percentiles(&expected));
    assert_eq!((request.sent, request.ok), (20_000, 20_000));
    assert_eq!(request.achieved_per_second, 10_000.0);
    assert_eq!(report.scenarios[0].generator.threads, 2);
    // Judged again on the merged data: 10,000/s is not above the 10,000/s target.
    let throughput = report
        .rows
        .iter()
        .find(|t| {
            t.table == reports::Table::Throughput && t.component == reports::Component::Reflex
        })
        .unwrap();
    assert_eq!(throughput.measured, Some(10_000.0));

    let out = tempfile::tempdir().unwrap();
    let logs = merge_interval_logs(&shards, out.path()).unwrap();
    assert_eq!(logs["reflex"], ["reflex/intervals/reflex_process.hlog"]);
    let text = std::fs::read(out.path().join(&logs["reflex"][0])).unwrap();
    let intervals = loadgen::intervals::read_log(&text).unwrap();
    assert_eq!(intervals.len(), 2);
    assert_eq!(loadgen::intervals::total(&intervals), expected);
}

/// Issue 28: a merged report is assembled as a run's is, so its rows link to the flamegraphs
/// of the processes they judge (only the run's assembly linked them before).
#[test]
fn a_merged_report_links_its_rows_to_their_flamegraphs() {
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let values: Vec<u64> = (0..2_000u64).map(|i| 100 + i % 500).collect();
    let mut shards = [
        shard(dirs[0].path(), &values),
        shard(dirs[1].path(), &values),
    ];
    shards[0].report.scenarios[0].profiles = vec![reports::ProfileResult {
        component: "reflex".into(),
        name: "reflex".into(),
        flamegraph: Some("reflex/profiles/reflex.svg".into()),
        ..Default::default()
    }];
    let budgets = crate::spec::budget::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/budgets.toml"),
    )
    .unwrap();
    let report = merge(&shards, &budgets, Profile::Development, "m".into(), &[]).unwrap();
    let latency = report
        .rows
        .iter()
        .find(|t| t.id().to_string() == "latency.reflex" && t.metric == reports::Metric::P99)
        .unwrap();
    assert!(latency.measured.is_some());
    assert_eq!(
        latency.artifacts,
        [reports::Artifact {
            kind: "flamegraph".into(),
            path: "reflex/profiles/reflex.svg".into(),
        }]
    );
}

/// `shard`, as segment `index` of `count` whose warm-up of `warmup_s` began `late_ms` late.
fn segment(dir: &Path, values: &[u64], (index, count): (u32, u32), late_ms: f64) -> Shard {
    let mut shard = shard(dir, values);
    shard.report.segments = vec![reports::Segment {
        index,
        count,
        run_group: Some("g".into()),
        run_id: format!("seg-{index}"),
        host: format!("load{index}"),
        start_at: Some("2026-12-06T23:00:00.000Z".into()),
        samples_stack: index == 1,
        clock: reports::ClockStatus::default(),
    }];
    shard.report.scenarios[0].warmup_seconds = 5.0;
    shard.report.scenarios[0].start_late_ms = Some(late_ms);
    shard
}

#[test]
fn a_segment_late_or_missing_makes_the_merge_invalid_and_is_named() {
    let values: Vec<u64> = (0..2_000u64).map(|i| 100 + i % 50).collect();
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let budgets = crate::spec::budget::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/budgets.toml"),
    )
    .unwrap();
    // Segments 1 and 3 of 3; segment 3 began 600 ms late, more than a tenth of 5 s.
    let shards = [
        segment(dirs[0].path(), &values, (1, 3), 12.0),
        segment(dirs[1].path(), &values, (3, 3), 600.0),
    ];
    let report = merge(&shards, &budgets, Profile::Development, "m".into(), &[]).unwrap();
    assert_eq!(report.verdict, Verdict::Invalid);
    assert!(
        report.verdict_reasons[0].contains("segment 2/3 is not among"),
        "{:?}",
        report.verdict_reasons
    );
    let scenario = &report.scenarios[0];
    assert!(!scenario.valid);
    let late: Vec<&String> = scenario
        .invalid_reasons
        .iter()
        .filter(|r| r.contains("late"))
        .collect();
    assert_eq!(late.len(), 1, "{:?}", scenario.invalid_reasons);
    assert!(late[0].contains("segment 3/3 on load3") && late[0].contains("600 ms"));
    assert_eq!(report.segments.len(), 2);
    // The rendezvous's own account replaces the folders' one.
    let died = ["segment 2/3 on load2 died: it joined and stopped beating".to_owned()];
    let report = merge(&shards, &budgets, Profile::Development, "m".into(), &died).unwrap();
    assert_eq!(report.verdict_reasons[0], died[0]);
    assert!(
        !report
            .verdict_reasons
            .iter()
            .any(|r| r.contains("not among"))
    );
    // All three on time: nothing to say about segments.
    let dir = tempfile::tempdir().unwrap();
    let all = [
        shards[0].clone(),
        segment(dir.path(), &values, (2, 3), 3.0),
        segment(dirs[1].path(), &values, (3, 3), 40.0),
    ];
    let mut noted = all.clone();
    for shard in &mut noted {
        shard.report.scenarios[0]
            .notes
            .push(format!("segment x: {SEGMENT_NOTE}; judged by the merge"));
    }
    let report = merge(&noted, &budgets, Profile::Development, "m".into(), &[]).unwrap();
    assert!(
        !report.scenarios[0]
            .notes
            .iter()
            .any(|n| n.contains(SEGMENT_NOTE)),
        "{:?}",
        report.scenarios[0].notes
    );
    assert!(
        report.scenarios[0].valid,
        "{:?}",
        report.scenarios[0].invalid_reasons
    );
    assert!(!report.verdict_reasons.iter().any(|r| r.contains("segment")));
}

#[test]
fn siblings_on_one_machine_are_not_other_load_and_noise_is_judged_on_the_merged_rows() {
    let values: Vec<u64> = (0..2_000u64).map(|i| 100 + i % 50).collect();
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let budgets = crate::spec::budget::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/budgets.toml"),
    )
    .unwrap();
    // Two segments on one machine: each counts the other's 0.6 cores (its generator, and
    // for segment 2 the services segment 1 sampled) as other processes, plus 0.1 of
    // something else.
    let load = |ours: f64, other: f64| reports::MachineLoad {
        cores: 2.0,
        busy_cores: ours + other,
        ours_cores: ours,
        other_cores: other,
        steal_share: 0.0,
    };
    let mut shards = [
        segment(dirs[0].path(), &values, (1, 2), 0.0),
        segment(dirs[1].path(), &values, (2, 2), 0.0),
    ];
    shards[0].report.scenarios[0].machine_load = Some(load(0.6, 0.7));
    shards[1].report.scenarios[0].machine_load = Some(load(0.6, 0.7));
    let report = merge(&shards, &budgets, Profile::Development, "m".into(), &[]).unwrap();
    let merged = report.scenarios[0].machine_load.unwrap();
    assert!((merged.other_cores - 0.1).abs() < 1e-9, "{merged:?}");
    // 2,000 answers in a 2 s window fail the throughput row; with 0.1 other cores, under a
    // shared machine's 0.3, that failure is the system's: the scenario stays valid.
    assert!(
        report.scenarios[0].valid,
        "{:?}",
        report.scenarios[0].invalid_reasons
    );
    // On two machines, each one's other load is its own: 0.7 of 2 cores is a shared
    // machine, and the failing row makes the merged scenario invalid.
    shards[1].report.machine.hostname = "elsewhere".into();
    let report = merge(&shards, &budgets, Profile::Development, "m".into(), &[]).unwrap();
    let scenario = &report.scenarios[0];
    assert!(!scenario.valid);
    assert!(
        scenario
            .invalid_reasons
            .iter()
            .any(|r| r.contains("the machine was shared")),
        "{:?}",
        scenario.invalid_reasons
    );
}

#[test]
fn a_folder_without_a_report_is_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let error = read_shard(dir.path()).unwrap_err();
    assert!(error.contains("report.json"), "{error}");
}
