//! `task_simple` and `task_complex`: a task submitted to the Orchestrator (`POST /tasks`, 202
//! with its id), then long-polled (`GET /tasks/{id}?wait=…`) until it ends, so that completion
//! is timed exactly, not to a polling interval. A poll that ends while the task still runs is
//! followed by another, until the request's own timeout. Each failing status counts as its own
//! error kind. The two kinds differ in the contract's `kind` and in the rows they feed.

use loadgen::{Answer, Method, Request};
use rand::Rng;

use super::{
    CheckContext, Destination, Draw, ErrorKind, FirstRequest, KindDef, ServiceKind, follow_up,
};
use crate::spec::rows::Component;

pub struct Task {
    name: &'static str,
    /// The contract's `kind`: `simple` or `complex`.
    contract_kind: &'static str,
    latency_rows: &'static [Component],
}

pub static TASK_SIMPLE: Task = Task {
    name: "task_simple",
    contract_kind: "simple",
    latency_rows: &[Component::OrchestratorSimple, Component::E2eSimple],
};

pub static TASK_COMPLEX: Task = Task {
    name: "task_complex",
    contract_kind: "complex",
    latency_rows: &[Component::OrchestratorComplex, Component::E2eComplex],
};

/// Steps of a task request.
const SUBMIT: u8 = 0;
const POLL: u8 = 1;

impl KindDef for Task {
    fn name(&self) -> &'static str {
        self.name
    }

    fn service(&self) -> ServiceKind {
        ServiceKind::Orchestrator
    }

    fn first_request(&self, draw: Draw<'_>) -> FirstRequest {
        const PRIORITIES: [&str; 4] = ["low", "medium", "high", "critical"];
        let priority = PRIORITIES[draw.rng.random_range(0..PRIORITIES.len())];
        FirstRequest {
            destination: Destination::Orchestrator,
            method: Method::POST,
            path: "/tasks",
            body: serde_json::json!({
                "goal": draw.text,
                "user_id": draw.user_id,
                "priority": priority,
                "kind": self.contract_kind,
                "acceptance_criteria": ["answers the goal"],
                "budget": {"max_time_seconds": 120},
            }),
        }
    }

    fn check(
        &self,
        step: u8,
        request: &Request,
        status: u16,
        body: &[u8],
        context: &CheckContext,
    ) -> Result<Answer, ErrorKind> {
        let poll = |task_id: &str| {
            Answer::Then(follow_up(
                request,
                POLL,
                Method::GET,
                format!("/tasks/{task_id}?wait={}s", context.poll_wait_seconds),
            ))
        };
        match step {
            SUBMIT => {
                if status != 202 {
                    return Err(ErrorKind::Http(status));
                }
                let value = serde_json::from_slice::<serde_json::Value>(body)
                    .map_err(|_| ErrorKind::BadBody)?;
                let task_id = value["task_id"].as_str().ok_or(ErrorKind::BadBody)?;
                if let Some(accepted) = &context.accepted {
                    accepted
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push(task_id.to_owned());
                }
                Ok(poll(task_id))
            }
            POLL => {
                if status != 200 {
                    return Err(ErrorKind::PollHttp(status));
                }
                let view = serde_json::from_slice::<serde_json::Value>(body)
                    .map_err(|_| ErrorKind::BadBody)?;
                match view["status"].as_str() {
                    Some("completed") => Ok(Answer::Done(Ok(()))),
                    Some("failed") => Err(ErrorKind::TaskFailed),
                    Some("cancelled") => Err(ErrorKind::TaskCancelled),
                    // Still pending or running when the long-poll ended: poll again, until
                    // the request's own timeout.
                    Some("pending" | "running") => Ok(match view["task_id"].as_str() {
                        Some(task_id) => poll(task_id),
                        None => Answer::Then(request.clone()),
                    }),
                    _ => Err(ErrorKind::BadBody),
                }
            }
            _ => Err(ErrorKind::UnknownTag),
        }
    }

    fn latency_rows(&self) -> &'static [Component] {
        self.latency_rows
    }

    fn throughput_rows(&self) -> &'static [Component] {
        &[Component::Orchestrator]
    }
}
