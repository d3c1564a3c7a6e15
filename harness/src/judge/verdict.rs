//! The verdicts of a run: the generator's account of itself and the reasons it limited a
//! scenario (which make the scenario invalid, never failed), and the run's verdict from its
//! rows and scenarios: invalid beats fail beats pass.

use std::time::Duration;

use reports::{GeneratorResult, RowVerdict, ScenarioResult, Verdict};

use crate::spec::budget::Budgets;
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
    }
}

/// Why the generator, not the system, limited this run: each reason makes the run invalid.
pub fn generator_limits(
    generator: &GeneratorResult,
    max_schedule_lag: Duration,
    open_model: bool,
) -> Vec<String> {
    let mut reasons = Vec::new();
    let ms = |us: u64| us as f64 / 1000.0;
    if generator.send_lag_p99_us > generator.max_send_lag_us {
        reasons.push(format!(
            "the generator sent late: P99 lateness at the socket {:.2} ms, over the allowed {:.2} ms (max_send_lag), so latencies include the generator's own delay",
            ms(generator.send_lag_p99_us),
            ms(generator.max_send_lag_us)
        ));
    }
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
                .iter()
                .any(|measure| *measure == format!("latency.{}", row.component))
        })
        .map(|row| row.p50_ms.min(row.p95_ms).min(row.p99_ms))
        .reduce(f64::min)
        .map_or(Duration::from_millis(2), |tightest_ms| {
            Duration::from_secs_f64(tightest_ms / 1000.0 / 10.0)
        })
}
