//! The verdicts of a run: the generator's account of itself and the reasons it limited a
//! scenario (which make the scenario invalid, never failed), and the run's verdict from its
//! rows and scenarios: invalid beats fail beats pass.

use std::time::Duration;

use reports::{
    BudgetRow, GeneratorResult, Measure, RowId, RowVerdict, ScenarioResult, Table, Verdict,
};

use crate::judge::evaluate::evaluate;
use crate::spec::budget::{Budgets, Profile};
use crate::spec::scenario::Scenario;

/// The run's verdict: invalid beats fail beats pass; a full suite must measure every row.
pub fn overall_verdict(
    targets: &[reports::BudgetRow],
    scenarios: &[ScenarioResult],
    interrupted: bool,
    full_suite: bool,
) -> (Verdict, Vec<String>) {
    let mut invalid = Vec::new();
    if interrupted {
        invalid.push("the run was interrupted before the suite finished".to_owned());
    }
    for scenario in scenarios {
        if let Some(error) = &scenario.error {
            invalid.push(format!("scenario {} did not run: {error}", scenario.name));
        } else if !scenario.valid {
            invalid.push(format!(
                "scenario {} is invalid: {}",
                scenario.name,
                scenario.invalid_reasons.join("; ")
            ));
        }
    }
    if !invalid.is_empty() {
        return (Verdict::Invalid, invalid);
    }
    let mut reasons = Vec::new();
    let failed: Vec<String> = targets
        .iter()
        .filter(|t| t.verdict == RowVerdict::Fail)
        .map(|t| format!("{} {}", t.component_name, t.metric))
        .collect();
    if !failed.is_empty() {
        reasons.push(format!(
            "{} budget rows failed: {}",
            failed.len(),
            failed.join(", ")
        ));
    }
    for scenario in scenarios {
        let Some(faults) = &scenario.faults else {
            continue;
        };
        for invariant in faults.invariants.iter().filter(|i| !i.holds) {
            reasons.push(format!(
                "scenario {}: {} broken (expected {}, observed {})",
                scenario.name, invariant.name, invariant.expected, invariant.observed
            ));
        }
    }
    let unmeasured = targets
        .iter()
        .filter(|t| t.verdict == RowVerdict::NotMeasured)
        .count();
    if full_suite && unmeasured > 0 {
        reasons.push(format!(
            "{unmeasured} budget rows were not measured by the full suite"
        ));
    }
    if reasons.is_empty() {
        (Verdict::Pass, reasons)
    } else {
        (Verdict::Fail, reasons)
    }
}

/// The generator's account of itself from what the engine recorded; its CPU and interval
/// logs are filled in by the caller.
pub fn generator_account(outcome: &loadgen::Outcome, max_send_lag: Duration) -> GeneratorResult {
    let send_lag = &outcome.send_lag;
    GeneratorResult {
        cpu_seconds: 0.0,
        cpu_us_per_request: 0.0,
        schedule_lag_p99_us: outcome.schedule_lag.value_at_quantile(0.99),
        schedule_lag_max_us: outcome.schedule_lag.max(),
        in_flight_cap_hits: outcome.in_flight_cap_hits,
        threads: outcome.workers.len() as u32,
        send_lag_p50_us: send_lag.value_at_quantile(0.50),
        send_lag_p99_us: send_lag.value_at_quantile(0.99),
        send_lag_max_us: send_lag.max(),
        late_over_1ms_share: if send_lag.is_empty() {
            0.0
        } else {
            1.0 - send_lag.quantile_below(1_000)
        },
        max_send_lag_us: max_send_lag.as_micros() as u64,
        worker_busy: outcome.workers.iter().map(|w| w.busy_fraction).collect(),
        unsent: outcome.unsent,
        abandoned: outcome.abandoned,
        interval_logs: Vec::new(),
        connect: reports::histogram::percentiles(&outcome.connect),
        tls_handshake: reports::histogram::percentiles(&outcome.tls_handshake),
        tls_resumed: outcome.tls_resumed,
    }
}

/// Why the generator, not the system, limited this run: each reason makes the run invalid.
/// Lateness too ([`late_sends`]); a scenario judged against budgets weighs its lateness with
/// [`judge_lateness`] instead.
pub fn generator_limits(
    generator: &GeneratorResult,
    max_schedule_lag: Duration,
    open_model: bool,
) -> Vec<String> {
    let mut reasons: Vec<String> = late_sends(generator).into_iter().collect();
    reasons.extend(load_not_held(generator, max_schedule_lag, open_model));
    reasons
}

/// The generator's lateness at the socket, when its P99 is over `max_send_lag`.
pub fn late_sends(generator: &GeneratorResult) -> Option<String> {
    let ms = |us: u64| us as f64 / 1000.0;
    (generator.send_lag_p99_us > generator.max_send_lag_us).then(|| {
        format!(
            "the generator sent late: P99 lateness at the socket {:.2} ms, over the allowed {:.2} ms (max_send_lag)",
            ms(generator.send_lag_p99_us),
            ms(generator.max_send_lag_us)
        )
    })
}

/// Why the offered load was not the load planned: the generator fell behind its schedule, a
/// worker was saturated, the in-flight cap held requests back, requests were never sent or
/// never answered. Each makes the scenario invalid, whatever its rows say.
pub fn load_not_held(
    generator: &GeneratorResult,
    max_schedule_lag: Duration,
    open_model: bool,
) -> Vec<String> {
    let mut reasons = Vec::new();
    let ms = |us: u64| us as f64 / 1000.0;
    let max_lag = max_schedule_lag;
    if u128::from(generator.schedule_lag_p99_us) > max_lag.as_micros() {
        reasons.push(format!(
            "the generator fell behind its schedule: P99 wake-up lateness {:.1} ms, over the allowed {:.1} ms, so the offered rate was not held",
            ms(generator.schedule_lag_p99_us),
            max_lag.as_secs_f64() * 1000.0
        ));
    }
    if open_model {
        for (worker_idx, busy) in generator.worker_busy.iter().enumerate() {
            if *busy >= MAX_WORKER_BUSY {
                reasons.push(format!(
                    "generator worker {worker_idx} was saturated ({:.0}% busy, the limit is {:.0}%): give the generator more threads or cores",
                    busy * 100.0,
                    MAX_WORKER_BUSY * 100.0
                ));
            }
        }
        if generator.in_flight_cap_hits > 0 {
            reasons.push(format!(
                "{} requests found the in-flight cap (max_in_flight) reached and were sent late: the open model's load was not offered as scheduled",
                generator.in_flight_cap_hits
            ));
        }
    }
    if generator.unsent > 0 {
        reasons.push(format!(
            "{} requests due in the measured window were never sent",
            generator.unsent
        ));
    }
    if generator.abandoned > 0 {
        reasons.push(format!(
            "{} requests were still unanswered when the run ended",
            generator.abandoned
        ));
    }
    reasons
}

/// A worker busy this share of the measured window or more is saturated: requests wait in it.
pub const MAX_WORKER_BUSY: f64 = 0.9;

/// A tenth of the tightest latency limit the scenario judges (its P50), or 2 ms when it judges
/// no latency row: lateness that small moves no verdict.
pub fn default_max_send_lag(budgets: &Budgets, scenario: &Scenario) -> Duration {
    budgets
        .latency
        .iter()
        .filter(|row| {
            scenario
                .measures
                .contains(&RowId::new(Measure::Latency, row.component))
        })
        .map(|row| row.p50_ms.min(row.p95_ms).min(row.p99_ms))
        .reduce(f64::min)
        .map_or(Duration::from_millis(2), |tightest_ms| {
            Duration::from_secs_f64(tightest_ms / 1000.0 / 10.0)
        })
}

/// What noise in a measurement (the generator's lateness, the machine's pauses) means for a
/// scenario's verdicts.
#[derive(Debug, Clone, PartialEq)]
pub enum Noise {
    /// None worth a word.
    Quiet,
    /// Some, but no verdict depends on it (a note for the report).
    Harmless(String),
    /// Enough to decide these rows (the reason the scenario is invalid).
    Decides(String),
}

/// Whether the generator's lateness decides a verdict of this scenario. Latency from the
/// intended send time includes the lateness; service time, from the actual send, does not
/// (it is a lower bound of what the system did). So lateness only ever adds: a latency row
/// that passes with it would pass without it, and a row that fails on service time alone
/// fails whatever the generator did. Only a row that fails from the intended time and passes
/// on service time is decided by the generator, and only such a row makes late sending
/// invalidate the scenario. The other rows do not time requests from their send.
pub fn judge_lateness(budgets: &Budgets, profile: Profile, result: &ScenarioResult) -> Noise {
    let Some(late) = late_sends(&result.generator) else {
        return Noise::Quiet;
    };
    let names = |rows: Vec<BudgetRow>| -> Vec<String> {
        rows.into_iter()
            .map(|row| format!("{} {}", row.component_name, row.metric))
            .collect()
    };
    let from_intended = names(failing_latency_rows(budgets, profile, result));
    let mut on_service_time = result.clone();
    for request in &mut on_service_time.requests {
        request.latency = request.service_time.clone();
        request.latency_ok = request.service_time.clone();
    }
    let on_service_time = names(failing_latency_rows(budgets, profile, &on_service_time));
    let decided: Vec<String> = from_intended
        .into_iter()
        .filter(|row| !on_service_time.contains(row))
        .collect();
    if decided.is_empty() {
        Noise::Harmless(format!(
            "{late}, but no verdict depends on it: lateness only adds to latency, and every latency row this scenario judges passes with it or fails on service time alone"
        ))
    } else {
        Noise::Decides(format!(
            "{late}, and it decides {}: they fail from the intended send time and pass on service time, so the generator's delay may be what failed them",
            decided.join(", ")
        ))
    }
}

/// The latency rows this scenario's result fails, judged as if it were valid.
fn failing_latency_rows(
    budgets: &Budgets,
    profile: Profile,
    result: &ScenarioResult,
) -> Vec<BudgetRow> {
    failing_rows(budgets, profile, result)
        .into_iter()
        .filter(|row| row.table == Table::Latency)
        .collect()
}

/// Every row this scenario's result fails, judged as if it were valid.
fn failing_rows(budgets: &Budgets, profile: Profile, result: &ScenarioResult) -> Vec<BudgetRow> {
    let mut judged = result.clone();
    judged.valid = true;
    judged.invalid_reasons.clear();
    judged.error = None;
    evaluate(budgets, profile, &[judged])
        .into_iter()
        .filter(|row| row.verdict == RowVerdict::Fail)
        .collect()
}

/// Other processes busy on this share of the machine's cores or more, on average over the
/// window, make it a shared machine: they take CPU time, caches and memory bandwidth from the
/// system under test. The machine's own background (databases, brokers idling) stays far
/// below; a build or a second load test beside the run does not.
pub const SHARED_MACHINE: f64 = 0.15;

/// The hypervisor taking this share of the machine's CPU time or more is a shared host.
pub const SHARED_HOST_STEAL: f64 = 0.05;

/// What else ran on the machine over the window means for the verdicts: a reason the scenario
/// is invalid when one of its rows fails while other processes used a notable share of the
/// machine (or the hypervisor took one), since that failure cannot be told from theirs; a note
/// when the machine was shared but every row passed (sharing only ever slows the system under
/// test, so a pass stands).
pub fn judge_machine_load(budgets: &Budgets, profile: Profile, result: &ScenarioResult) -> Noise {
    let Some(load) = result.machine_load else {
        return Noise::Quiet;
    };
    let mut shared = Vec::new();
    if load.other_cores >= SHARED_MACHINE * load.cores {
        shared.push(format!(
            "other processes used {:.2} of the machine's {:.0} cores in the measured window (the generator and the stack under test, its database and Redis included, {:.2})",
            load.other_cores, load.cores, load.ours_cores
        ));
    }
    if load.steal_share >= SHARED_HOST_STEAL {
        shared.push(format!(
            "the hypervisor took {:.1}% of the machine's CPU time (steal)",
            load.steal_share * 100.0
        ));
    }
    if shared.is_empty() {
        return Noise::Quiet;
    }
    let shared = shared.join(", and ");
    let failed: Vec<String> = failing_rows(budgets, profile, result)
        .into_iter()
        .map(|row| format!("{} {}", row.component_name, row.metric))
        .collect();
    if failed.is_empty() {
        Noise::Harmless(format!(
            "the machine was shared: {shared}; every row passed regardless"
        ))
    } else {
        Noise::Decides(format!(
            "the machine was shared: {shared}, while {} failed: that failure cannot be told from the other load's; run again on a quiet machine",
            failed.join(", ")
        ))
    }
}

/// A pause of the machine this long or longer is worth a note, whatever the verdicts.
pub const NOTABLE_HICCUP: Duration = Duration::from_millis(5);

/// What the machine's own pauses (the hiccup meter's record) mean for the verdicts: a reason
/// the scenario is invalid when a latency row fails while the machine itself paused for at
/// least that row's limit (the failure cannot be told from the machine's: a pause that long
/// delays every request in it by as much, whatever the system does), or a note when it paused
/// notably but decided nothing. A pause only adds latency: passing rows keep their verdict.
pub fn judge_hiccups(budgets: &Budgets, profile: Profile, result: &ScenarioResult) -> Noise {
    let hiccup_ms = result.hiccups.max_us as f64 / 1000.0;
    if result.hiccups.count == 0 || hiccup_ms < NOTABLE_HICCUP.as_secs_f64() * 1000.0 {
        return Noise::Quiet;
    }
    let paused = format!(
        "the machine itself paused for up to {hiccup_ms:.1} ms in the measured window (hiccup meter; P99 {:.2} ms)",
        result.hiccups.p99_us as f64 / 1000.0
    );
    let decided: Vec<String> = failing_latency_rows(budgets, profile, result)
        .into_iter()
        .filter(|row| row.limit <= hiccup_ms)
        .map(|row| {
            format!(
                "{} {} (limit {} ms)",
                row.component_name, row.metric, row.limit
            )
        })
        .collect();
    if decided.is_empty() {
        Noise::Harmless(format!(
            "{paused}; no latency row failed with a limit that short"
        ))
    } else {
        Noise::Decides(format!(
            "{paused}, as long as the limit of the failing rows {}: their failure cannot be told from the machine's",
            decided.join(", ")
        ))
    }
}
