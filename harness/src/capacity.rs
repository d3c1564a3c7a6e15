//! `octoperf capacity`: the highest offered rate at which a scenario holds every budget row it
//! measures. Trials raise the rate by a factor until a row breaks or the run goes invalid,
//! then bisect between the last rate that held and the first that broke.

use reports::{Capacity, CapacityTrial, Measure, RowId, RowVerdict, ScenarioResult, Verdict};
use tokio::sync::watch;

use crate::judge::verdict::overall_verdict;
use crate::run::RunConfig;
use crate::spec::budget;
use crate::spec::scenario::{LoadModel, Rate, Scenario};

/// How the search proceeds.
#[derive(Debug, Clone, Copy)]
pub struct SearchOptions {
    /// Trials at most, ramp and bisection together.
    pub max_trials: usize,
    /// The first rate tried, per second.
    pub start_per_second: f64,
    /// Each ramp trial offers this many times the last.
    pub growth: f64,
    /// The bisection stops when the bracket is this narrow, relative to its lower end.
    pub precision: f64,
}

impl SearchOptions {
    pub fn new(start_per_second: f64) -> SearchOptions {
        SearchOptions {
            max_trials: 8,
            start_per_second,
            growth: 1.5,
            precision: 0.05,
        }
    }
}

/// The next rate to try, or `None` when the search is done.
pub fn next_rate(options: &SearchOptions, held: Option<f64>, broke: Option<f64>) -> Option<f64> {
    match (held, broke) {
        (None, None) => Some(options.start_per_second),
        (Some(low), None) => Some(low * options.growth),
        (None, Some(high)) => {
            let lower = high / options.growth;
            // Below one request a second there is nothing left to find.
            (lower >= 1.0).then_some(lower)
        }
        (Some(low), Some(high)) => {
            ((high - low) / low > options.precision).then_some((low + high) / 2.0)
        }
    }
}

/// The scenario's throughput target per second, if it measures a throughput row.
pub fn budget_per_second(budgets: &budget::Budgets, scenario: &Scenario) -> Option<f64> {
    budgets.throughput.iter().find_map(|row| {
        let claimed = scenario
            .measures
            .iter()
            .any(|measure| *measure == RowId::new(Measure::Throughput, row.component));
        if !claimed {
            return None;
        }
        row.min_per_second
            .or_else(|| row.min_per_minute.map(|per_minute| per_minute / 60.0))
    })
}

/// One trial's verdict: every row the scenario claims passed, in a valid run.
pub fn trial_verdict(config: &RunConfig, result: &ScenarioResult) -> (Verdict, Vec<String>) {
    let targets = crate::judge::evaluate::evaluate(
        &config.budgets,
        config.profile,
        std::slice::from_ref(result),
    );
    let (verdict, mut reasons) =
        overall_verdict(&targets, std::slice::from_ref(result), false, false);
    let unmeasured: Vec<String> = targets
        .iter()
        .filter(|target| {
            target.verdict == RowVerdict::NotMeasured && result.measures.contains(&target.id())
        })
        .map(|target| {
            format!(
                "{} {} was not measured",
                target.component_name, target.metric
            )
        })
        .collect();
    if verdict == Verdict::Pass && !unmeasured.is_empty() {
        reasons.extend(unmeasured);
        return (Verdict::Fail, reasons);
    }
    (verdict, reasons)
}

/// Searches `scenario`'s capacity. Returns the search and the result of the highest trial
/// that held (or the last trial, when none held).
pub async fn search(
    config: &RunConfig,
    scenario: &Scenario,
    options: &SearchOptions,
    cancel: watch::Receiver<bool>,
) -> Result<(Capacity, Option<ScenarioResult>), String> {
    if scenario.load.model != LoadModel::Open {
        return Err(format!(
            "scenario {}: a capacity search needs the open model, which offers a rate",
            scenario.name
        ));
    }
    let mut capacity = Capacity {
        scenario: scenario.name.clone(),
        held_per_second: None,
        broke_per_second: None,
        budget_per_second: budget_per_second(&config.budgets, scenario),
        trials: Vec::new(),
    };
    let mut best: Option<ScenarioResult> = None;
    let mut last: Option<ScenarioResult> = None;
    for trial in 1..=options.max_trials {
        let Some(rate) = next_rate(options, capacity.held_per_second, capacity.broke_per_second)
        else {
            break;
        };
        if *cancel.borrow() {
            break;
        }
        let mut trial_scenario = scenario.clone();
        trial_scenario.load.rate = Some(Rate { per_second: rate });
        trial_scenario.load.stages = None;
        eprintln!(
            "[trial {trial}/{}] {} at {rate:.0}/s",
            options.max_trials, scenario.name
        );
        let result = crate::run::run_scenario(config, &trial_scenario, cancel.clone()).await;
        let (verdict, reasons) = trial_verdict(config, &result);
        eprintln!(
            "  {}{}",
            match verdict {
                Verdict::Pass => "held",
                Verdict::Fail => "a row broke",
                Verdict::Invalid => "invalid",
            },
            if reasons.is_empty() {
                String::new()
            } else {
                format!(": {}", reasons.join("; "))
            }
        );
        if verdict == Verdict::Pass {
            capacity.held_per_second = Some(rate);
            best = Some(result);
        } else {
            capacity.broke_per_second = Some(
                capacity
                    .broke_per_second
                    .map_or(rate, |broke| broke.min(rate)),
            );
            last = Some(result);
        }
        capacity.trials.push(CapacityTrial {
            offered_per_second: rate,
            verdict,
            reasons,
        });
    }
    Ok((capacity, best.or(last)))
}

#[cfg(test)]
mod tests;
