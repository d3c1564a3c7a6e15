//! Profiles of a real process with a known hot function, and a differential between two
//! builds of the same work, one with a deliberately slowed function.
//!
//! The profiled process is this test binary again (`fixture_profiles_a_known_workload`, run
//! alone in a child): a CPU profile covers a whole process, so it must not share it with other
//! tests running in parallel.

use std::path::Path;
use std::process::Command;

use super::*;

/// Set in the child: where it writes its profile, and whether `score_records` is slowed.
const FIXTURE_OUT: &str = "OCTOPERF_PROFILE_FIXTURE_OUT";
const FIXTURE_SLOW: &str = "OCTOPERF_PROFILE_FIXTURE_SLOW";

/// Work split between two functions: `parse_records` about a quarter, `score_records` three
/// quarters; slowed, `score_records` does three times its work. Plain operators only, so that
/// even unoptimised their time is their own (no helper frames inlined into them).
#[inline(never)]
fn parse_records(rounds: u64) -> u64 {
    let (mut acc, mut i) = (0u64, 0u64);
    while i < rounds {
        acc = (acc >> 3) ^ (acc << 5) ^ i;
        i += 1;
    }
    acc
}

#[inline(never)]
fn score_records(rounds: u64, slow: bool) -> u64 {
    let rounds = if slow { rounds * 3 } else { rounds };
    let (mut acc, mut i) = (1u64, 0u64);
    while i < rounds {
        acc = (acc >> 2) ^ (acc << 7) ^ i;
        i += 1;
    }
    acc
}

/// The workload: CPU time for about `millis` (unslowed), in rounds of both functions.
fn workload(millis: u64, slow: bool) -> u64 {
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(millis);
    let mut acc = 0;
    while std::time::Instant::now() < deadline {
        acc ^= std::hint::black_box(parse_records(100_000));
        acc ^= std::hint::black_box(score_records(300_000, slow));
    }
    acc
}

/// In a child started by the tests below: profiles the workload and writes the gzipped pprof.
/// Run directly by the test runner, it checks that the workload computes deterministically.
#[test]
fn fixture_profiles_a_known_workload() {
    let Ok(out) = std::env::var(FIXTURE_OUT) else {
        // Each round changes the result, and the slowed scorer does three times the rounds:
        // the differential flamegraph below must see exactly that function grow.
        assert_ne!(parse_records(1000), parse_records(1001));
        assert_eq!(score_records(1000, true), score_records(3000, false));
        assert_ne!(score_records(1000, false), score_records(1000, true));
        return;
    };
    let slow = std::env::var(FIXTURE_SLOW).is_ok();
    let session = profiling::start(profiling::DEFAULT_FREQUENCY).unwrap();
    std::hint::black_box(workload(1500, slow));
    let pprof = session.finish().unwrap();
    std::fs::write(out, pprof).unwrap();
}

/// Runs the fixture in a child process and returns its profile, folded.
fn profile_child(dir: &Path, slow: bool) -> (Vec<u8>, profiling::Folded) {
    let out = dir.join(if slow { "slow.pb.gz" } else { "base.pb.gz" });
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "--exact",
            "flame::tests::fixture_profiles_a_known_workload",
            "--test-threads=1",
        ])
        .env(FIXTURE_OUT, &out);
    if slow {
        command.env(FIXTURE_SLOW, "1");
    }
    let status = command.status().unwrap();
    assert!(status.success(), "the profiled child failed: {status}");
    let pprof = std::fs::read(&out).unwrap();
    let folded = profiling::fold(&pprof).unwrap();
    (pprof, folded)
}

#[test]
fn a_known_hot_function_is_the_widest_frame_of_its_profile() {
    let dir = tempfile::tempdir().unwrap();
    let (pprof, folded) = profile_child(dir.path(), false);
    assert!(pprof.starts_with(&[0x1f, 0x8b]), "not gzipped");
    assert!(
        folded.total_samples() >= 50,
        "too few samples to judge: {}",
        folded.total_samples()
    );
    // The widest frame off the trunk (the frames nearly every sample passes through: the
    // thread, main, the test runner, `workload`). In an unoptimised build, `score_records`'
    // self time is spread over the iterator and integer helpers inlined into it, each its own
    // frame, so the width that counts is inclusive.
    let total = folded.total_samples();
    let mut frames: Vec<(String, u64)> = folded
        .lines
        .iter()
        .flat_map(|(stack, _)| stack.split(';'))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|frame| (frame.to_owned(), folded.inclusive(frame)))
        .filter(|(_, width)| (*width as f64) < 0.9 * total as f64)
        .collect();
    frames.sort_by_key(|frame| std::cmp::Reverse(frame.1));
    assert!(
        frames[0].0.ends_with("score_records"),
        "widest frames off the trunk: {:?}",
        &frames[..frames.len().min(5)]
    );
    let parse = folded.inclusive(
        &frames
            .iter()
            .find(|f| f.0.ends_with("parse_records"))
            .unwrap()
            .0,
    );
    assert!(
        frames[0].1 > 2 * parse,
        "score_records {} samples against parse_records {parse}",
        frames[0].1
    );
    // And the flamegraph names it.
    let svg = flamegraph_svg(&folded.to_text(), "t", "s").unwrap();
    let svg = String::from_utf8(svg).unwrap();
    assert!(
        svg.contains("score_records"),
        "the flamegraph lacks the frame"
    );
}

/// The percentage a differential flamegraph's title gives a frame's change: `(…; +12.34%)`.
fn deltas_of(svg: &str, frame_suffix: &str) -> Vec<f64> {
    svg.split("<title>")
        .skip(1)
        .filter_map(|rest| rest.split("</title>").next())
        .filter(|title| {
            title
                .split(" (")
                .next()
                .is_some_and(|name| name.ends_with(frame_suffix))
        })
        .filter_map(|title| {
            let delta = title.rsplit("; ").next()?.trim_end_matches("%)");
            delta.parse::<f64>().ok()
        })
        .collect()
}

#[test]
fn a_differential_flamegraph_marks_the_slowed_function_as_grown() {
    // A profile is a sample: about 150 of them in 1.5 s, fewer when other tests share the
    // cores, so that one pair now and then reads the shares off by more than the change. Up to
    // three pairs; a differential that did not mark the change would fail all three.
    let dir = tempfile::tempdir().unwrap();
    let mut readings = Vec::new();
    for _ in 0..3 {
        let (_, before) = profile_child(dir.path(), false);
        let (_, after) = profile_child(dir.path(), true);
        let svg = differential_svg(&before.to_text(), &after.to_text(), "diff", "t").unwrap();
        let svg = String::from_utf8(svg).unwrap();
        let grown = deltas_of(&svg, "score_records");
        let shrunk = deltas_of(&svg, "parse_records");
        assert!(!grown.is_empty() && !shrunk.is_empty(), "frames missing");
        // score_records goes from about 3/4 of the samples to about 9/10: +15 points of
        // share, and parse_records loses as much.
        let (grown, shrunk) = (grown.iter().sum::<f64>(), shrunk.iter().sum::<f64>());
        if grown > 5.0 && shrunk < -5.0 {
            return;
        }
        readings.push((grown, shrunk));
    }
    panic!(
        "score_records should have grown by over 5 points and parse_records shrunk as much; \
         (grown, shrunk) in each pair: {readings:?}"
    );
}

#[test]
fn rows_link_the_profiles_of_the_component_they_judge() {
    let profile = |component: &str, name: &str| ProfileResult {
        component: component.into(),
        name: name.into(),
        flamegraph: Some(format!("s/profiles/{name}.svg")),
        pprof: Some(format!("s/profiles/{name}.pb.gz")),
        ..ProfileResult::default()
    };
    let scenario: reports::ScenarioResult = serde_json::from_value(serde_json::json!({
        "name": "s", "description": "", "file": "", "measures": [], "load": "", "llm": "",
        "target": "", "warmup_seconds": 0.0, "duration_seconds": 1.0, "valid": true,
        "invalid_reasons": [], "error": null, "requests": [], "processes": [],
        "generator": reports::GeneratorResult::default(), "logs": [],
    }))
    .unwrap();
    let scenario = reports::ScenarioResult {
        profiles: vec![
            profile("reflex", "reflex"),
            profile("orchestrator", "orchestrator"),
            profile("arm", "arm-coder"),
            profile("generator", "generator"),
        ],
        ..scenario
    };
    let mut row = reports::BudgetRow::unmeasured(
        (
            reports::Component::OrchestratorSimple,
            "Orchestrator (simple)",
            reports::Metric::P99,
        ),
        (100.0, "ms"),
    );
    row.scenario = Some("s".into());
    let mut e2e = reports::BudgetRow::unmeasured(
        (
            reports::Component::E2eSimple,
            "End-to-end (simple)",
            reports::Metric::P99,
        ),
        (100.0, "ms"),
    );
    e2e.scenario = Some("s".into());
    let mut rows = [row, e2e];
    crate::artifacts::link_rows(&mut rows, std::slice::from_ref(&scenario));
    let paths: Vec<&str> = rows[0].artifacts.iter().map(|a| a.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "s/profiles/orchestrator.svg",
            "s/profiles/orchestrator.pb.gz"
        ]
    );
    // An end-to-end row links every service the path crosses, not the generator.
    assert_eq!(rows[1].artifacts.len(), 6);
    assert!(
        rows[1]
            .artifacts
            .iter()
            .all(|a| !a.path.contains("generator"))
    );
}
