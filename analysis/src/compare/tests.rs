//! Verdicts from intervals, trials compared, one run compared through its interval logs, and
//! the warnings a reader needs.

use std::collections::BTreeMap;

use rand::Rng;
use reports::fixtures::sample;

use super::*;

/// A run whose Reflex P99 row reads `p99_ms`, its process CPU `cores`.
fn run_with(id: &str, p99_ms: f64, cores: f64) -> Run {
    let mut report = sample();
    report.run_id = id.into();
    report.rows[0].measured = Some(p99_ms);
    report.scenarios[0].processes[0].cpu_cores_mean = Some(cores);
    Run {
        report,
        intervals: BTreeMap::new(),
    }
}

/// Runs with values spread ±`spread` around a level, seeded.
fn trials(prefix: &str, level: f64, spread: f64, n: usize, seed: u64) -> Side {
    use rand::SeedableRng;
    let mut rng = rand::rngs::SmallRng::seed_from_u64(seed);
    Side {
        label: prefix.into(),
        runs: (0..n)
            .map(|i| {
                let jitter = 1.0 + spread * (rng.random::<f64>() * 2.0 - 1.0);
                run_with(&format!("{prefix}{i}"), level * jitter, 0.2 * jitter)
            })
            .collect(),
    }
}

fn change<'a>(comparison: &'a Comparison, key: &str) -> &'a Change {
    comparison
        .changes
        .iter()
        .find(|c| c.key == key)
        .unwrap_or_else(|| panic!("no change {key} in {:?}", comparison.changes))
}

#[test]
fn the_verdict_follows_where_the_interval_lies() {
    use ChangeVerdict::*;
    let t = 0.10;
    let lower = Better::Lower;
    assert_eq!(judge(0.3, Some((0.2, 0.4)), t, lower), (Regressed, true));
    assert_eq!(judge(-0.3, Some((-0.4, -0.2)), t, lower), (Improved, false));
    assert_eq!(judge(0.0, Some((-0.05, 0.05)), t, lower), (NoChange, false));
    // Across +t: may be a regression, run more.
    assert_eq!(judge(0.1, Some((0.02, 0.18)), t, lower), (Unknown, true));
    // Across −t: may be an improvement, never a regression.
    assert_eq!(
        judge(-0.1, Some((-0.18, -0.02)), t, lower),
        (Unknown, false)
    );
    // Higher is better (throughput): a drop is the worse direction.
    assert_eq!(
        judge(-0.3, Some((-0.4, -0.2)), t, Better::Higher),
        (Regressed, true)
    );
    // No spread: within the threshold is no change, beyond it cannot be told from noise.
    assert_eq!(judge(0.05, None, t, lower), (NoChange, false));
    assert_eq!(judge(0.5, None, t, lower), (Unknown, true));
}

#[test]
fn identical_trials_are_no_change_and_a_slowdown_is_regressed() {
    let gate = Gate::default();
    let base = trials("a", 1.0, 0.03, 5, 1);
    let same = trials("b", 1.0, 0.03, 5, 2);
    let comparison = compare(&base, &same, &gate);
    assert_eq!(comparison.method, "trials");
    let p99 = change(&comparison, "latency.reflex.p99");
    assert_eq!(p99.verdict, ChangeVerdict::NoChange, "{p99:?}");
    let (low, high) = p99.ci.unwrap();
    assert!(low < p99.change && p99.change < high, "{p99:?}");
    assert_eq!(comparison.verdict, ChangeVerdict::NoChange);

    let slower = trials("c", 1.3, 0.03, 5, 3);
    let comparison = compare(&base, &slower, &gate);
    let p99 = change(&comparison, "latency.reflex.p99");
    assert_eq!(p99.verdict, ChangeVerdict::Regressed, "{p99:?}");
    assert!((p99.change - 0.3).abs() < 0.08, "{p99:?}");
    assert_eq!(comparison.verdict, ChangeVerdict::Regressed);

    // Noisy trials around a change near the threshold: the data cannot tell.
    let noisy_base = trials("d", 1.0, 0.25, 5, 4);
    let noisy_new = trials("e", 1.1, 0.25, 5, 5);
    let comparison = compare(&noisy_base, &noisy_new, &gate);
    let p99 = change(&comparison, "latency.reflex.p99");
    assert_eq!(p99.verdict, ChangeVerdict::Unknown, "{p99:?}");
}

#[test]
fn the_gate_file_sets_thresholds_by_class_and_by_key() {
    let gate = Gate::parse(
        "[thresholds]\np99 = 50\n[rows]\n\"latency.reflex.p99\" = 40\n",
        "gate.toml",
    )
    .unwrap();
    assert_eq!(gate.threshold("latency.reflex.p99", Class::P99), 0.40);
    assert_eq!(gate.threshold("latency.arms.p99", Class::P99), 0.50);
    assert_eq!(gate.threshold("x", Class::Cpu), 0.15);
    let base = trials("a", 1.0, 0.03, 5, 1);
    let slower = trials("c", 1.3, 0.03, 5, 3);
    let comparison = compare(&base, &slower, &gate);
    assert_eq!(
        change(&comparison, "latency.reflex.p99").verdict,
        ChangeVerdict::NoChange
    );

    let error = Gate::parse("[thresholds]\np99 = -3\n", "ci/gate.toml").unwrap_err();
    assert!(
        error.contains("ci/gate.toml") && error.contains("p99"),
        "{error}"
    );
    let error = Gate::parse("[thresholds]\np98 = 3\n", "ci/gate.toml").unwrap_err();
    assert!(
        error.contains("ci/gate.toml") && error.contains("p98"),
        "{error}"
    );
    // An informational metric is reported with its verdict and decides nothing.
    let gate = Gate::parse("informational = [\"p99\"]\n", "gate.toml").unwrap();
    let comparison = compare(&base, &slower, &gate);
    let p99 = change(&comparison, "latency.reflex.p99");
    assert_eq!(p99.verdict, ChangeVerdict::Regressed);
    assert!(p99.informational);
    assert_eq!(comparison.verdict, ChangeVerdict::NoChange);
    let error = Gate::parse("informational = [\"p98\"]\n", "g.toml").unwrap_err();
    assert!(error.contains("p98"), "{error}");
    let error = Gate::parse("confidence = 95\n", "g.toml").unwrap_err();
    assert!(error.contains("confidence"), "{error}");
}

/// `seconds` interval histograms of latencies drawn around `median_us`.
fn intervals(median_us: f64, seconds: usize, seed: u64) -> Vec<Histogram<u64>> {
    use rand::SeedableRng;
    let mut rng = rand::rngs::SmallRng::seed_from_u64(seed);
    (0..seconds)
        .map(|_| {
            let mut histogram = loadgen::new_histogram();
            for _ in 0..2000 {
                // A long tail: most near the median, a few up to 10×.
                let u: f64 = rng.random();
                let value = median_us * (0.5 + u) * if u > 0.98 { 10.0 } else { 1.0 };
                histogram.record(value as u64).unwrap();
            }
            histogram
        })
        .collect()
}

#[test]
fn one_run_a_side_resamples_its_seconds() {
    let gate = Gate::default();
    let one = |id: &str, median_us: f64, seed: u64| {
        let mut run = run_with(id, median_us * 1.5 / 1000.0, 0.2);
        let logs = intervals(median_us, 10, seed);
        let all = loadgen::intervals::total(
            &logs
                .iter()
                .map(|h| loadgen::intervals::Interval {
                    start: std::time::Duration::ZERO,
                    length: std::time::Duration::from_secs(1),
                    histogram: h.clone(),
                })
                .collect::<Vec<_>>(),
        );
        let request = &mut run.report.scenarios[0].requests[0];
        request.latency.p50_us = all.value_at_quantile(0.5);
        request.latency.p99_us = all.value_at_quantile(0.99);
        run.report.rows[0].source = Some("reflex_process".into());
        run.intervals.insert("reflex/reflex_process".into(), logs);
        Side {
            label: id.into(),
            runs: vec![run],
        }
    };
    let base = one("base", 1000.0, 1);
    let same = one("same", 1000.0, 2);
    let comparison = compare(&base, &same, &gate);
    assert_eq!(comparison.method, "intervals");
    let p50 = change(&comparison, "reflex/reflex_process p50");
    assert_eq!(p50.verdict, ChangeVerdict::NoChange, "{p50:?}");
    assert!(p50.ci.is_some());

    let slower = one("slower", 1500.0, 3);
    let comparison = compare(&base, &slower, &gate);
    for key in ["reflex/reflex_process p50", "latency.reflex.p99"] {
        let changed = change(&comparison, key);
        assert_eq!(changed.verdict, ChangeVerdict::Regressed, "{changed:?}");
        let (low, high) = changed.ci.unwrap();
        assert!(low > 0.3 && high < 0.7, "{changed:?}");
    }
    // Peak memory has no per-second data: no interval.
    let memory = change(&comparison, "reflex/reflex memory");
    assert!(memory.ci.is_none());
}

#[test]
fn different_machines_and_invalid_runs_are_warned_about() {
    let base = trials("a", 1.0, 0.03, 3, 1);
    let mut new = trials("b", 1.0, 0.03, 3, 2);
    new.runs[0].report.machine.cpu_model = "Another CPU".into();
    new.runs[1].report.scenarios[0].valid = false;
    let comparison = compare(&base, &new, &Gate::default());
    let warnings = comparison.warnings.join("\n");
    assert!(
        warnings.contains("different kinds of machine"),
        "{warnings}"
    );
    assert!(warnings.contains("Another CPU"), "{warnings}");
    assert!(
        warnings.contains("b1: scenario reflex was invalid"),
        "{warnings}"
    );
    // The same machine and valid runs: nothing to warn about.
    let comparison = compare(&base, &trials("c", 1.0, 0.03, 3, 3), &Gate::default());
    assert!(comparison.warnings.is_empty(), "{:?}", comparison.warnings);
}

/// A trial whose Reflex P99 row and series are read from 10,000 requests at 1 ms, a
/// `stalled` share of them at 40 ms (a pause of the machine).
fn trial_with_stall(id: &str, stalled: f64) -> Run {
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
    let slow = (10_000.0 * stalled) as u64;
    histogram.record_n(1_000, 10_000 - slow).unwrap();
    if slow > 0 {
        histogram.record_n(40_000, slow).unwrap();
    }
    let p99_ms = histogram.value_at_quantile(0.99) as f64 / 1000.0;
    let mut run = run_with(id, p99_ms, 0.2);
    run.report.rows[0].source = Some("reflex_process".into());
    let request = &mut run.report.scenarios[0].requests[0];
    request.latency_histogram = reports::histogram::encode(&histogram);
    request.latency.p99_us = histogram.value_at_quantile(0.99);
    request.latency.p50_us = histogram.value_at_quantile(0.5);
    run
}

#[test]
fn one_stalled_trial_moves_the_pooled_tail_but_not_the_median_of_trials_or_of_pairs() {
    let base = Side {
        label: "base".into(),
        runs: (0..9)
            .map(|i| trial_with_stall(&format!("a{i}"), 0.0))
            .collect(),
    };
    // One trial of nine had a tenth of its requests caught in a pause of the machine: pooled,
    // that is 1.1% of every request, over the P99.
    let new = Side {
        label: "new".into(),
        runs: (0..9)
            .map(|i| trial_with_stall(&format!("b{i}"), if i == 2 { 0.1 } else { 0.0 }))
            .collect(),
    };
    let pooled = compare(&base, &new, &Gate::default());
    let p99 = change(&pooled, "latency.reflex.p99");
    assert_ne!(p99.verdict, ChangeVerdict::NoChange, "{p99:?}");
    assert_eq!(pooled.trials_latency, TrialsLatency::Pooled);

    let gate = Gate {
        trials_latency: TrialsLatency::Median,
        ..Gate::default()
    };
    let median = compare(&base, &new, &gate);
    for key in ["latency.reflex.p99", "reflex/reflex_process p99"] {
        let p99 = change(&median, key);
        assert_eq!(p99.verdict, ChangeVerdict::NoChange, "{p99:?}");
    }
    assert!(render_markdown(&median).contains("medians of the trials"));
    // Paired (trial i against trial i), the slow pair is one ratio of nine: the sign test's
    // 95% interval of the median ratio leaves it out.
    let gate = Gate {
        paired: true,
        ..Gate::default()
    };
    let paired = compare(&base, &new, &gate);
    assert!(paired.paired);
    let p99 = change(&paired, "latency.reflex.p99");
    assert_eq!(p99.verdict, ChangeVerdict::NoChange, "{p99:?}");
    assert_eq!(p99.ci, Some((0.0, 0.0)), "{p99:?}");
}

#[test]
fn cpu_is_judged_per_request_answered_and_the_generator_s_never_gates() {
    // Cores moved 10% with the rate answered: the same CPU per request.
    let side = |prefix: &str, cores: f64, rate: f64| Side {
        label: prefix.into(),
        runs: (0..4)
            .map(|i| {
                let mut run = run_with(&format!("{prefix}{i}"), 1.0, cores);
                run.report.scenarios[0].requests[0].achieved_per_second = rate;
                let mut generator = run.report.scenarios[0].processes[0].clone();
                generator.component = "generator".into();
                generator.name = "generator".into();
                generator.cpu_cores_mean = Some(cores * rate / 5_000.0);
                run.report.scenarios[0].processes.push(generator);
                run
            })
            .collect(),
    };
    let comparison = compare(
        &side("a", 0.2, 10_000.0),
        &side("b", 0.22, 11_000.0),
        &Gate::default(),
    );
    let cpu = change(&comparison, "reflex/reflex cpu");
    assert_eq!(cpu.unit, CPU_PER_REQUEST);
    assert!((cpu.base - 20.0).abs() < 1e-9, "{cpu:?}");
    assert!(cpu.change.abs() < 1e-9, "{cpu:?}");
    assert_eq!(cpu.verdict, ChangeVerdict::NoChange);
    // The generator's CPU per request rose 10%: reported, not gating.
    let generator = change(&comparison, "reflex/generator cpu");
    assert!(
        generator.informational && generator.change > 0.09,
        "{generator:?}"
    );
    let memory = change(&comparison, "reflex/generator memory");
    assert!(memory.informational);
}

#[test]
fn a_sequential_look_judges_at_its_share_of_the_error_rate() {
    let base = trials("a", 1.0, 0.03, 5, 1);
    let new = trials("b", 1.0, 0.03, 5, 2);
    let plan = Plan {
        min: 3,
        max: 15,
        every: 1,
    };
    let comparison = compare_at_look(&base, &new, &Gate::default(), plan).unwrap();
    let look = comparison.look.unwrap();
    assert_eq!(look.trials, 5);
    assert_eq!(comparison.confidence, look.confidence);
    assert!(comparison.confidence > 0.99, "{look:?}");
    assert!(comparison.resamples >= 10_000, "{}", comparison.resamples);
    // Its interval is wider than the one-look 95% interval of the same trials.
    let one_look = compare(&base, &new, &Gate::default());
    let width = |c: &Comparison| {
        let (low, high) = change(c, "latency.reflex.p99").ci.unwrap();
        high - low
    };
    assert!(width(&comparison) > width(&one_look));
    assert!(render_markdown(&comparison).contains("sequential look at 5 trials a side"));
    // Outside the plan: an error naming it.
    let two = trials("c", 1.0, 0.03, 2, 3);
    let error = compare_at_look(&two, &new, &Gate::default(), plan).unwrap_err();
    assert!(error.contains("3..15/1"), "{error}");
}

#[test]
fn too_few_pairs_for_the_confidence_asked_are_unknown() {
    // Four pairs: their range covers 1 − 2/16 = 87.5%, short of 95%, however alike they are.
    let gate = Gate {
        paired: true,
        ..Gate::default()
    };
    let comparison = compare(
        &trials("a", 1.0, 0.01, 4, 1),
        &trials("b", 1.0, 0.01, 4, 2),
        &gate,
    );
    let p99 = change(&comparison, "latency.reflex.p99");
    assert_eq!(p99.verdict, ChangeVerdict::Unknown, "{p99:?}");
    assert!(render_markdown(&comparison).contains("too few pairs"));
    // Seven pairs 30% slower: the range of seven covers 98.4%, wholly above the threshold.
    let gate = Gate {
        confidence: 0.98,
        ..gate
    };
    let comparison = compare(
        &trials("a", 1.0, 0.03, 7, 1),
        &trials("c", 1.3, 0.03, 7, 3),
        &gate,
    );
    let p99 = change(&comparison, "latency.reflex.p99");
    assert_eq!(p99.verdict, ChangeVerdict::Regressed, "{p99:?}");
}
