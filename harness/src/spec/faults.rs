//! A scenario's `[[faults]]` (what to break, when, and for how long) and its `[expect]` (the
//! bounds its invariants are judged against: a fault scenario's, or a soak's), read and
//! checked with the rest of the file.

use std::str::FromStr;
use std::time::Duration;

use serde::Deserialize;

use crate::spec::scenario::{ARM_KINDS, Dur, ServiceKind, StackSpec};

/// One fault: at `at` into the measured window (or before the stack starts, `from_start`),
/// `action` on `target`, healed `duration` later.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    pub target: FaultTarget,
    pub action: FaultAction,
    pub at: Option<Dur>,
    /// Redis only: down as the stack starts, up `duration` into the measured window.
    #[serde(default)]
    pub from_start: bool,
    pub duration: Dur,
    /// The HTTP status an `error` fault of the LLM stands for [default: 503].
    pub status: Option<u16>,
}

impl FaultSpec {
    /// When it begins, into the measured window; `None` before the stack starts.
    pub fn begins(&self) -> Option<Duration> {
        if self.from_start {
            None
        } else {
            Some(self.at.map_or(Duration::ZERO, |at| at.0))
        }
    }

    /// When it is healed, into the measured window.
    pub fn heals(&self) -> Duration {
        self.begins().unwrap_or(Duration::ZERO) + self.duration.0
    }
}

/// What a fault breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultTarget {
    Reflex,
    /// The first Orchestrator instance (`orchestrator`), or replica N of a scenario that
    /// starts several (`orchestrator:N`, N from 1).
    Orchestrator(usize),
    /// One arm's process, by kind.
    Arm(String),
    /// The LLM of one arm, or of every arm (`llm`).
    Llm(Option<String>),
    /// The harness's own Redis, which the Orchestrator then uses.
    Redis,
    /// The harness's own PostgreSQL cluster, which the Orchestrator then uses.
    Postgres,
}

impl FromStr for FaultTarget {
    type Err = String;

    fn from_str(text: &str) -> Result<FaultTarget, String> {
        let arm = |kind: &str| {
            if ARM_KINDS.contains(&kind) {
                Ok(kind.to_owned())
            } else {
                Err(format!("unknown arm kind {kind:?}"))
            }
        };
        match text {
            "reflex" => Ok(FaultTarget::Reflex),
            "orchestrator" => Ok(FaultTarget::Orchestrator(1)),
            "redis" => Ok(FaultTarget::Redis),
            "postgres" => Ok(FaultTarget::Postgres),
            "llm" => Ok(FaultTarget::Llm(None)),
            _ => match text.split_once(':') {
                Some(("arm", kind)) => arm(kind).map(FaultTarget::Arm),
                Some(("llm", kind)) => arm(kind).map(|kind| FaultTarget::Llm(Some(kind))),
                Some(("orchestrator", replica)) => match replica.parse::<usize>() {
                    Ok(replica) if (1..=super::scenario::MAX_ORCHESTRATORS).contains(&replica) => {
                        Ok(FaultTarget::Orchestrator(replica))
                    }
                    _ => Err(format!(
                        "fault target {text:?}: the replica must be a number from 1 to {}",
                        super::scenario::MAX_ORCHESTRATORS
                    )),
                },
                _ => Err(format!(
                    "unknown fault target {text:?} (expected reflex, orchestrator, orchestrator:N, arm:KIND, llm, llm:KIND, redis or postgres)"
                )),
            },
        }
    }
}

impl std::fmt::Display for FaultTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FaultTarget::Reflex => f.write_str("reflex"),
            FaultTarget::Orchestrator(1) => f.write_str("orchestrator"),
            FaultTarget::Orchestrator(replica) => write!(f, "orchestrator:{replica}"),
            FaultTarget::Arm(kind) => write!(f, "arm:{kind}"),
            FaultTarget::Llm(None) => f.write_str("llm"),
            FaultTarget::Llm(Some(kind)) => write!(f, "llm:{kind}"),
            FaultTarget::Redis => f.write_str("redis"),
            FaultTarget::Postgres => f.write_str("postgres"),
        }
    }
}

impl<'de> Deserialize<'de> for FaultTarget {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<FaultTarget, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// What is done to the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FaultAction {
    /// SIGKILL (PostgreSQL: an immediate shutdown, as a crash); restarted when healed.
    Kill,
    /// A graceful stop (SIGTERM; PostgreSQL: a fast shutdown); restarted when healed.
    Stop,
    /// SIGSTOP: the process hangs with its sockets open; SIGCONT when healed.
    Pause,
    /// The LLM fails every call at once, as an endpoint answering `status`.
    Error,
    /// The LLM hangs every call until healed (or the call's timeout).
    Hang,
}

impl FaultAction {
    pub fn as_str(self) -> &'static str {
        match self {
            FaultAction::Kill => "kill",
            FaultAction::Stop => "stop",
            FaultAction::Pause => "pause",
            FaultAction::Error => "error",
            FaultAction::Hang => "hang",
        }
    }
}

/// The bounds a fault scenario's invariants are judged against. Two hold whatever is written
/// here: every accepted task reaches a terminal state, and no effect runs twice.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectSpec {
    /// Accepted tasks that may end `failed` [default: 0].
    #[serde(default)]
    pub max_failed_tasks: u64,
    /// Share of answers that may fail while a fault lasts [default: not judged].
    pub max_error_rate: Option<f64>,
    /// Time after a fault is healed within which answers must be well again [default: 15s].
    #[serde(default = "default_max_recovery")]
    pub max_recovery: Dur,
    /// How long after the window the harness waits for accepted tasks to end [default: 120s].
    #[serde(default = "default_settle")]
    pub settle: Dur,
    /// A soak: how much each process's resident memory may grow over the window, as a share
    /// of it after the warm-up (the median of the window's first fifth against its last
    /// fifth) [default: not judged].
    pub max_rss_growth: Option<f64>,
}

impl Default for ExpectSpec {
    fn default() -> ExpectSpec {
        ExpectSpec {
            max_failed_tasks: 0,
            max_error_rate: None,
            max_recovery: default_max_recovery(),
            settle: default_settle(),
            max_rss_growth: None,
        }
    }
}

fn default_max_recovery() -> Dur {
    Dur(Duration::from_secs(15))
}

fn default_settle() -> Dur {
    Dur(Duration::from_secs(120))
}

/// Each fault's target started by the harness, its action one that fits the target, and its
/// time inside every window the scenario may run (`windows`: the full and the quick one).
pub fn check(faults: &[FaultSpec], stack: &StackSpec, windows: &[Duration]) -> Result<(), String> {
    let started = |component: ServiceKind, given: &str| {
        stack.start.contains(&component) && !stack.base_url.contains_key(given)
    };
    let arm_started = |kind: &str| {
        stack.start.contains(&ServiceKind::Arms)
            && stack.arms.iter().any(|arm| arm == kind)
            && !ARM_KINDS
                .iter()
                .any(|arm| stack.base_url.contains_key(*arm))
    };
    for (idx, fault) in faults.iter().enumerate() {
        let at = |message: String| format!("field `faults` ({}): {message}", idx + 1);
        let ours = match &fault.target {
            FaultTarget::Reflex => started(ServiceKind::Reflex, "reflex"),
            FaultTarget::Orchestrator(replica) => {
                started(ServiceKind::Orchestrator, "orchestrator")
                    && *replica <= stack.orchestrators
            }
            FaultTarget::Redis | FaultTarget::Postgres => {
                started(ServiceKind::Orchestrator, "orchestrator")
            }
            FaultTarget::Arm(kind) | FaultTarget::Llm(Some(kind)) => arm_started(kind),
            FaultTarget::Llm(None) => stack.arms.iter().any(|kind| arm_started(kind)),
        };
        if !ours {
            return Err(at(format!(
                "target {} must be started by the harness (in `stack.start`, with no base_url): a fault is applied only to what the harness runs",
                fault.target
            )));
        }
        let fits = match &fault.target {
            FaultTarget::Llm(_) => matches!(fault.action, FaultAction::Error | FaultAction::Hang),
            _ => matches!(
                fault.action,
                FaultAction::Kill | FaultAction::Stop | FaultAction::Pause
            ),
        };
        if !fits {
            return Err(at(format!(
                "action {:?} does not apply to {} (processes: kill, stop, pause; the LLM: error, hang)",
                fault.action.as_str(),
                fault.target
            )));
        }
        if fault.status.is_some()
            && (fault.action != FaultAction::Error
                || !fault
                    .status
                    .is_some_and(|status| (400..=599).contains(&status)))
        {
            return Err(at(
                "`status` goes with action \"error\" and must be 400 to 599".into(),
            ));
        }
        if fault.duration.0.is_zero() {
            return Err(at("`duration` must be positive".into()));
        }
        match (fault.from_start, &fault.at) {
            (true, Some(_)) => return Err(at("give `at` or `from_start`, not both".into())),
            (true, None) if fault.target != FaultTarget::Redis => {
                return Err(at(
                    "`from_start` applies to redis only (the Orchestrator needs its database to start)"
                        .into(),
                ));
            }
            (false, None) => return Err(at("`at` is missing (as \"5s\" into the window)".into())),
            _ => {}
        }
        for window in windows {
            if fault.heals() >= *window {
                return Err(at(format!(
                    "it is healed {} into a window of {}: it must end inside the window, so that recovery is seen",
                    humantime::format_duration(fault.heals()),
                    humantime::format_duration(*window)
                )));
            }
        }
    }
    Ok(())
}

/// Bounds that make sense.
pub fn check_expect(expect: &ExpectSpec) -> Result<(), String> {
    if expect
        .max_error_rate
        .is_some_and(|rate| !(0.0..=1.0).contains(&rate))
    {
        return Err("field `expect.max_error_rate` must be within 0..=1".into());
    }
    if expect
        .max_rss_growth
        .is_some_and(|growth| !(0.0..=10.0).contains(&growth))
    {
        return Err(
            "field `expect.max_rss_growth` must be within 0..=10 (a share: 0.1 is 10%)".into(),
        );
    }
    if expect.settle.0.is_zero() {
        return Err("field `expect.settle` must be positive".into());
    }
    Ok(())
}
