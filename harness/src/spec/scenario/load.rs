//! A scenario's `[load]`: the load model (open or closed), its rate or stages, the window and
//! the generator's limits.

use super::{Dur, ErrorAt, Rate, ScenarioError, StageSpec};
use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LoadModel {
    /// Requests arrive at a constant rate whatever the system does.
    Open,
    /// A fixed number of users, each sending its next request when the last one answered.
    Closed,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadSpec {
    pub model: LoadModel,
    /// Arrival rate of the open model: `10000/s`, `600/min`.
    pub rate: Option<Rate>,
    /// Arrival-rate stages of the open model, instead of `rate`: `["ramp 1000/s -> 20000/s
    /// over 30s", "hold 20000/s for 60s"]`. After the last stage its final rate holds.
    pub stages: Option<Vec<StageSpec>>,
    /// Users of the closed model.
    pub users: Option<u32>,
    /// Time at the start whose requests are sent but not measured.
    pub warmup: Dur,
    pub duration: Dur,
    /// Shorter warm-up and duration for `--quick`.
    pub quick: Option<QuickSpec>,
    /// Requests in flight at most; past it the generator waits (and says so).
    #[serde(default = "default_max_in_flight")]
    pub max_in_flight: usize,
    /// The run is invalid when the generator's P99 wake-up lateness against the schedule
    /// exceeds this.
    #[serde(default = "default_max_schedule_lag")]
    pub max_schedule_lag: Dur,
    /// The run is invalid when the P99 lateness of requests at the socket write exceeds this
    /// [default: a tenth of the tightest latency limit the scenario judges].
    pub max_send_lag: Option<Dur>,
    /// Open model: send in windows of this length, one wake-up per window rather than one
    /// per request (see `loadgen::Plan::send_window`) [default: none, each request at its
    /// own time]. Cheaper at high rates; a request then goes up to a window late, so keep it
    /// well under `max_send_lag`.
    pub send_window: Option<Dur>,
    /// A request still unanswered after this counts as a `timeout` error.
    #[serde(default = "default_request_timeout")]
    pub request_timeout: Dur,
}

impl LoadSpec {
    /// Warm-up and duration, shortened under `--quick` when the scenario says how.
    pub fn window(&self, quick: bool) -> (Duration, Duration) {
        match (&self.quick, quick) {
            (Some(short), true) => (short.warmup.0, short.duration.0),
            _ => (self.warmup.0, self.duration.0),
        }
    }

    /// The open model's arrival schedule: its stages, or its constant rate.
    pub fn schedule(&self) -> loadgen::Schedule {
        match &self.stages {
            Some(stages) => loadgen::Schedule::stages(stages.iter().map(|s| s.0).collect()),
            None => loadgen::Schedule::constant(loadgen::Rate {
                per_second: self.rate.map_or(1.0, |rate| rate.per_second),
            }),
        }
    }

    pub fn describe(&self) -> String {
        match self.model {
            LoadModel::Open => match &self.stages {
                Some(stages) => format!(
                    "open model, {}",
                    stages
                        .iter()
                        .map(|stage| stage.0.to_string())
                        .collect::<Vec<_>>()
                        .join(", then ")
                ),
                None => format!(
                    "open model, {}",
                    self.rate.map_or_else(String::new, |r| r.to_string())
                ),
            },
            LoadModel::Closed => format!("closed model, {} users", self.users.unwrap_or(0)),
        }
    }
}

pub(super) fn default_max_in_flight() -> usize {
    10_000
}

pub(super) fn default_max_schedule_lag() -> Dur {
    Dur(Duration::from_millis(20))
}

pub(super) fn default_request_timeout() -> Dur {
    Dur(Duration::from_secs(60))
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuickSpec {
    pub warmup: Dur,
    pub duration: Dur,
}

/// A load that offers something: a rate or stages (open), users (closed), a window and limits
/// that make sense together.
pub(super) fn check_load(
    load: &LoadSpec,
    load_at: usize,
    error_at: ErrorAt,
) -> Result<(), ScenarioError> {
    match load.model {
        LoadModel::Open if load.rate.is_none() && load.stages.is_none() => {
            return Err(error_at(
                load_at,
                "field `load.rate`: the open model needs a rate, as \"100/s\"".into(),
            ));
        }
        LoadModel::Open if load.rate.is_some() && load.stages.is_some() => {
            return Err(error_at(
                load_at,
                "field `load.stages`: give a rate or stages, not both".into(),
            ));
        }
        LoadModel::Open
            if load
                .stages
                .as_ref()
                .is_some_and(|stages| stages.is_empty() || load.schedule().peak_rate() <= 0.0) =>
        {
            return Err(error_at(
                load_at,
                "field `load.stages`: the stages must offer some load".into(),
            ));
        }
        LoadModel::Closed if load.users.unwrap_or(0) == 0 => {
            return Err(error_at(
                load_at,
                "field `load.users`: the closed model needs users >= 1".into(),
            ));
        }
        _ => {}
    }
    if let (Some(window), Some(lag)) = (&load.send_window, &load.max_send_lag)
        && window.0 >= lag.0
    {
        return Err(error_at(
            load_at,
            format!(
                "field `load.send_window`: {} is not under max_send_lag ({}): requests would be sent up to a window late and every run would be invalid",
                humantime::format_duration(window.0),
                humantime::format_duration(lag.0)
            ),
        ));
    }
    if load.duration.0.is_zero() || load.max_in_flight == 0 {
        return Err(error_at(
            load_at,
            "field `load`: duration and max_in_flight must be positive".into(),
        ));
    }
    Ok(())
}
