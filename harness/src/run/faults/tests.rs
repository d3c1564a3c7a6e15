//! The fault suite's accounting: error rate and recovery from the timeline, effects counted
//! from journals, and the invariants judged.

use reports::{FaultResult, FaultsResult, IntervalPoint, SeriesTimeline, TaskAccount};

use super::*;
use crate::judge::invariants::{error_rate_and_recovery, judge, rss_flat};
use crate::spec::faults::ExpectSpec;

/// A series with one point per second: (errors, P99 ms); `None` for a second with no answer.
fn line(kind: &str, points: &[Option<(u64, u64)>]) -> SeriesTimeline {
    SeriesTimeline {
        kind: kind.into(),
        interval_seconds: 1.0,
        points: points
            .iter()
            .enumerate()
            .filter_map(|(t, point)| {
                point.map(|(errors, p99_ms)| IntervalPoint {
                    t: t as f64,
                    offered_per_second: Some(10.0),
                    answered_per_second: 10.0,
                    p50_us: p99_ms * 500,
                    p99_us: p99_ms * 1000,
                    max_us: p99_ms * 1000,
                    errors,
                })
            })
            .collect(),
    }
}

fn fault(began: f64, healed: f64) -> FaultResult {
    FaultResult {
        target: "arm:coder".into(),
        action: "kill".into(),
        began_seconds: began,
        healed_seconds: Some(healed),
        ..FaultResult::default()
    }
}

#[test]
fn recovery_is_the_time_from_the_heal_until_every_later_second_is_well() {
    let well = Some((0, 100));
    // Down from 3 to 5; errors until 5, then slow (backlog) at 5 and 6, well from 7.
    let timeline = vec![
        line(
            "task_simple",
            &[
                well,
                well,
                well,
                Some((4, 1)),
                Some((6, 1)),
                Some((0, 900)),
                Some((0, 400)),
                well,
                well,
                well,
            ],
        ),
        // A breakdown series is not a kind of its own: left out.
        line("arm_execute[coder]", &[Some((9, 1)); 10]),
    ];
    let mut account = fault(3.0, 5.2);
    error_rate_and_recovery(&mut account, None, &timeline, 10.0);
    assert_eq!((account.errors, account.answers), (10, 30));
    let recovery = account.recovery_seconds.unwrap();
    assert!((recovery - 1.8).abs() < 1e-9, "{recovery}");

    // Never well again: not recovered.
    let sick = vec![line(
        "task_simple",
        &[well, well, Some((1, 100)), Some((1, 100))],
    )];
    let mut account = fault(1.0, 2.0);
    error_rate_and_recovery(&mut account, None, &sick, 4.0);
    assert_eq!(account.recovery_seconds, None);

    // A second with no answer at all, load being offered, is not well.
    let silent = vec![line("task_simple", &[well, well, well, None, well, well])];
    let mut account = fault(1.0, 2.0);
    error_rate_and_recovery(&mut account, None, &silent, 6.0);
    assert_eq!(account.recovery_seconds, Some(2.0));
}

#[test]
fn a_later_fault_is_not_held_against_the_recovery_of_an_earlier_one() {
    let well = Some((0, 100));
    // Fault one healed at 3; fault two begins at 6.2 and breaks second 6 onwards.
    let timeline = vec![line(
        "task_simple",
        &[
            None,
            None,
            None,
            well,
            well,
            well,
            None,
            Some((3, 1)),
            None,
            None,
        ],
    )];
    let mut first = fault(-2.0, 3.0);
    error_rate_and_recovery(&mut first, Some(6.2), &timeline, 10.0);
    assert_eq!(first.recovery_seconds, Some(0.0));
}

/// A task is recorded at its intended time, so the tasks a replica killed at 7 s fails show
/// in second 6 (orchestrator-replicas): that second is the next fault's, not a relapse of the
/// first.
#[test]
fn the_next_fault_s_failures_recorded_just_before_it_are_its_own() {
    let well = Some((0, 100));
    let timeline = vec![line(
        "task_complex",
        &[
            well,
            well,
            well,
            well,
            well,
            well,
            Some((4, 1)),
            Some((5, 1)),
            well,
            well,
        ],
    )];
    let mut first = fault(1.0, 3.0);
    error_rate_and_recovery(&mut first, Some(7.0), &timeline, 10.0);
    assert_eq!(first.recovery_seconds, Some(0.0));
}

#[test]
fn effects_are_counted_per_request_id_over_every_journal() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(count_effects(&dir.path().join("none")), None);
    std::fs::write(dir.path().join("arm-coder.log"), "t1-s1\nt2-s1\nt1-s1\n").unwrap();
    std::fs::write(dir.path().join("arm-judge.log"), "t1-s2\n").unwrap();
    let effects = count_effects(dir.path()).unwrap();
    assert_eq!(
        (effects.effects, effects.request_ids, effects.duplicated),
        (4, 3, 1)
    );
    assert_eq!(effects.examples, vec!["t1-s1 ran 2 times".to_owned()]);
}

#[test]
fn every_invariant_can_break() {
    let expect = ExpectSpec {
        max_error_rate: Some(0.1),
        ..ExpectSpec::default()
    };
    let mut healthy = FaultsResult {
        faults: vec![FaultResult {
            answers: 100,
            errors: 5,
            recovery_seconds: Some(2.0),
            ..fault(1.0, 2.0)
        }],
        tasks: TaskAccount {
            accepted: 10,
            completed: 10,
            ..TaskAccount::default()
        },
        effects: Some(reports::EffectsAccount {
            effects: 20,
            request_ids: 20,
            ..reports::EffectsAccount::default()
        }),
        ..FaultsResult::default()
    };
    judge(&mut healthy, &expect, true);
    assert!(healthy.holds(), "{:?}", healthy.invariants);

    let broken = |change: &dyn Fn(&mut FaultsResult), name: &str| {
        let mut account = healthy.clone();
        change(&mut account);
        judge(&mut account, &expect, true);
        let failing: Vec<&str> = account
            .invariants
            .iter()
            .filter(|i| !i.holds)
            .map(|i| i.name.as_str())
            .collect();
        assert_eq!(failing.len(), 1, "{failing:?}");
        assert!(failing[0].contains(name), "{failing:?} for {name}");
    };
    broken(&|a| a.tasks.accepted = 0, "accepted");
    broken(&|a| a.tasks.unfinished = 1, "ends");
    broken(&|a| a.tasks.failed = 1, "failed");
    broken(&|a| a.effects.as_mut().unwrap().duplicated = 1, "twice");
    broken(
        &|a| a.unexpected_exits.push("arm-coder had exited".into()),
        "exits",
    );
    broken(&|a| a.faults[0].errors = 50, "error rate");
    broken(&|a| a.faults[0].recovery_seconds = None, "recovery");
    broken(&|a| a.faults[0].recovery_seconds = Some(20.0), "recovery");
    broken(
        &|a| a.faults[0].problem = Some("restart failed".into()),
        "applied",
    );
}

#[test]
fn resident_memory_that_grows_over_the_window_breaks_the_soak() {
    let process = |name: &str, rss: &dyn Fn(usize) -> u64| reports::ProcessResult {
        name: name.into(),
        samples: (0..50)
            .map(|t| reports::ProcessSample {
                t: t as f64,
                cpu_cores: 0.1,
                rss_bytes: rss(t),
            })
            .collect(),
        ..reports::ProcessResult::default()
    };
    let flat = process("reflex", &|t| 30_000_000 + (t as u64 % 3) * 100_000);
    let leaking = process("arm-coder", &|t| 20_000_000 + t as u64 * 1_000_000);
    let too_short = reports::ProcessResult {
        samples: flat.samples[..5].to_vec(),
        ..flat.clone()
    };
    let invariants = rss_flat(&[flat, leaking, too_short], 0.1);
    assert_eq!(invariants.len(), 2, "{invariants:?}");
    assert!(invariants[0].holds, "{:?}", invariants[0]);
    assert!(!invariants[1].holds, "{:?}", invariants[1]);
    assert!(invariants[1].observed.contains("→"), "{:?}", invariants[1]);
}
