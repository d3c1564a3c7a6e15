//! A scenario's `[stack]`: what to start (or point at), how many Orchestrators, which arms.

use super::{ErrorAt, ScenarioError, ServiceKind};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StackSpec {
    /// Components the harness starts, each its own process on loopback.
    #[serde(default)]
    pub start: Vec<ServiceKind>,
    /// Services already running: `reflex`, `orchestrator` or an arm kind, to a base URL.
    #[serde(default)]
    pub base_url: BTreeMap<String, String>,
    /// Arm kinds to start with `arms`.
    #[serde(default = "all_arm_kinds")]
    pub arms: Vec<String>,
    #[serde(default)]
    pub reflex_args: Vec<String>,
    #[serde(default)]
    pub orchestrator_args: Vec<String>,
    #[serde(default)]
    pub arm_args: Vec<String>,
    /// Orchestrator instances to start (replicas on one database, each with its own lease
    /// name), 1 to 4; with more than one, and no `--database-url`, the harness starts a
    /// PostgreSQL cluster of its own for them. The load goes to each in turn.
    #[serde(default = "one_instance")]
    pub orchestrators: usize,
}

pub(super) fn one_instance() -> usize {
    1
}

/// The most Orchestrator replicas a scenario may start.
pub const MAX_ORCHESTRATORS: usize = 4;

pub const ARM_KINDS: [&str; 6] = [
    "planner",
    "coder",
    "executor",
    "retriever",
    "judge",
    "guardian",
];

pub(super) fn all_arm_kinds() -> Vec<String> {
    ARM_KINDS.iter().map(|kind| (*kind).to_owned()).collect()
}

/// Known arm kinds and services only.
pub(super) fn check_stack(
    stack: &StackSpec,
    stack_at: usize,
    error_at: ErrorAt,
) -> Result<(), ScenarioError> {
    if !(1..=MAX_ORCHESTRATORS).contains(&stack.orchestrators) {
        return Err(error_at(
            stack_at,
            format!(
                "field `stack.orchestrators` is {}; it must be 1 to {MAX_ORCHESTRATORS}",
                stack.orchestrators
            ),
        ));
    }
    if stack.orchestrators > 1 && !stack.start.contains(&ServiceKind::Orchestrator) {
        return Err(error_at(
            stack_at,
            "field `stack.orchestrators`: replicas are started by the harness; add \"orchestrator\" to `stack.start`".into(),
        ));
    }
    for kind in &stack.arms {
        if !ARM_KINDS.contains(&kind.as_str()) {
            return Err(error_at(
                stack_at,
                format!("field `stack.arms`: unknown arm kind {kind:?}"),
            ));
        }
    }
    for key in stack.base_url.keys() {
        if key != "reflex" && key != "orchestrator" && !ARM_KINDS.contains(&key.as_str()) {
            return Err(error_at(
                stack_at,
                format!(
                    "field `stack.base_url`: unknown service {key:?} (expected reflex, orchestrator or an arm kind)"
                ),
            ));
        }
    }
    Ok(())
}
