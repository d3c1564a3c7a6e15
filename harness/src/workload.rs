//! The harness's workload for the engine (`loadgen`): where each request kind goes, and what
//! its answer means (a Reflex 200, an arm's `success`, a task's 202 followed by long-polls
//! until the task ends).

use std::borrow::Cow;
use std::collections::BTreeMap;

use bytes::Bytes;
use loadgen::{Answer, Endpoint, Method, Request, Workload};

use crate::kind::RequestKind;
use crate::mix::{Destination, Mix};

/// Base URLs of the services under test.
#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    pub reflex: Option<String>,
    pub orchestrator: Option<String>,
    pub arms: BTreeMap<String, String>,
}

/// The endpoints resolved for the engine, and which one each destination uses.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub endpoints: Vec<Endpoint>,
    reflex: Option<usize>,
    orchestrator: Option<usize>,
    arms: BTreeMap<String, usize>,
}

impl Endpoints {
    /// Parses and resolves every base URL once, before any load.
    pub fn resolve(&self) -> Result<Resolved, loadgen::EndpointError> {
        let mut endpoints = Vec::new();
        let mut add = |url: &str| -> Result<usize, loadgen::EndpointError> {
            endpoints.push(Endpoint::parse(url)?);
            Ok(endpoints.len() - 1)
        };
        let reflex = self.reflex.as_deref().map(&mut add).transpose()?;
        let orchestrator = self.orchestrator.as_deref().map(&mut add).transpose()?;
        let mut arms = BTreeMap::new();
        for (arm, url) in &self.arms {
            arms.insert(arm.clone(), add(url)?);
        }
        Ok(Resolved {
            endpoints,
            reflex,
            orchestrator,
            arms,
        })
    }
}

/// Tags of the requests, handed back with each answer.
const TAG_REFLEX: u32 = 0;
const TAG_ARM: u32 = 1;
const TAG_TASK_SUBMIT: u32 = 2;
const TAG_TASK_POLL: u32 = 3;

/// One worker's share of a scenario's requests.
pub struct ScenarioWorkload {
    mix: Mix,
    resolved: Resolved,
    /// The long-poll wait asked of the Orchestrator, in whole seconds.
    poll_wait_seconds: u64,
}

impl ScenarioWorkload {
    pub fn new(mix: Mix, resolved: Resolved, poll_wait_seconds: u64) -> ScenarioWorkload {
        ScenarioWorkload {
            mix,
            resolved,
            poll_wait_seconds: poll_wait_seconds.max(1),
        }
    }

    fn endpoint(&self, destination: &Destination) -> usize {
        let found = match destination {
            Destination::Reflex => self.resolved.reflex,
            Destination::Orchestrator => self.resolved.orchestrator,
            Destination::Arm(arm) => self.resolved.arms.get(arm).copied(),
        };
        // An index past the end is answered by the engine as `no_endpoint`.
        found.unwrap_or(usize::MAX)
    }
}

impl Workload for ScenarioWorkload {
    fn next_request(&mut self) -> Request {
        let prepared = self.mix.next_request();
        let (path, tag) = match prepared.kind {
            RequestKind::ReflexProcess => ("/process", TAG_REFLEX),
            RequestKind::ArmExecute => ("/execute", TAG_ARM),
            RequestKind::TaskSimple | RequestKind::TaskComplex => ("/tasks", TAG_TASK_SUBMIT),
        };
        Request {
            endpoint: self.endpoint(&prepared.destination),
            method: Method::POST,
            path: path.to_owned(),
            body: Bytes::from(prepared.body),
            tag,
            series: prepared.series,
            detail: prepared.detail,
        }
    }

    fn check(&mut self, request: &Request, status: u16, body: &[u8]) -> Answer {
        match request.tag {
            TAG_REFLEX => done(if status == 200 {
                Ok(())
            } else {
                Err(ErrorKind::Http(status))
            }),
            TAG_ARM => {
                if status != 200 {
                    return done(Err(ErrorKind::Http(status)));
                }
                let Ok(answer) = serde_json::from_slice::<serde_json::Value>(body) else {
                    return done(Err(ErrorKind::BadBody));
                };
                if answer["success"].as_bool() == Some(true) {
                    return done(Ok(()));
                }
                let code = answer["error"]["code"].as_str().unwrap_or("failed");
                done(Err(ErrorKind::Arm(code.to_owned())))
            }
            TAG_TASK_SUBMIT => {
                if status != 202 {
                    return done(Err(ErrorKind::Http(status)));
                }
                let accepted: Option<String> = serde_json::from_slice::<serde_json::Value>(body)
                    .ok()
                    .and_then(|value| value["task_id"].as_str().map(str::to_owned));
                match accepted {
                    Some(task_id) => Answer::Then(self.poll(request, &task_id)),
                    None => done(Err(ErrorKind::BadBody)),
                }
            }
            TAG_TASK_POLL => {
                if status != 200 {
                    return done(Err(ErrorKind::PollHttp(status)));
                }
                let Ok(view) = serde_json::from_slice::<serde_json::Value>(body) else {
                    return done(Err(ErrorKind::BadBody));
                };
                match view["status"].as_str() {
                    Some("completed") => done(Ok(())),
                    Some("failed") => done(Err(ErrorKind::TaskFailed)),
                    Some("cancelled") => done(Err(ErrorKind::TaskCancelled)),
                    // Still pending or running when the long-poll ended: poll again, until the
                    // request's own timeout.
                    Some("pending" | "running") => {
                        let task_id = view["task_id"].as_str().map(str::to_owned);
                        match task_id {
                            Some(task_id) => Answer::Then(self.poll(request, &task_id)),
                            None => Answer::Then(request.clone()),
                        }
                    }
                    _ => done(Err(ErrorKind::BadBody)),
                }
            }
            _ => done(Err(ErrorKind::UnknownTag)),
        }
    }
}

impl ScenarioWorkload {
    /// The long-poll for a task's end: answered the moment the task ends, so completion is
    /// timed exactly, not to a polling interval.
    fn poll(&self, submit: &Request, task_id: &str) -> Request {
        Request {
            endpoint: submit.endpoint,
            method: Method::GET,
            path: format!("/tasks/{task_id}?wait={}s", self.poll_wait_seconds),
            body: Bytes::new(),
            tag: TAG_TASK_POLL,
            series: submit.series,
            detail: submit.detail,
        }
    }
}

/// Why an answer counts as a failure: the error kinds a report counts, beside the engine's
/// own (`timeout`, `connect`, `io`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The answer's status was not the one the request expects: `http_503`.
    Http(u16),
    /// A task's completion poll was answered with this status: `poll_http_404`.
    PollHttp(u16),
    /// The answer's body was not what the request expects.
    BadBody,
    /// The task ended `failed`, or `cancelled`.
    TaskFailed,
    TaskCancelled,
    /// The arm answered `success: false` with this error code: `arm_llm_timeout`.
    Arm(String),
    /// An answer to a request this workload did not send.
    UnknownTag,
}

impl ErrorKind {
    pub fn name(&self) -> Cow<'static, str> {
        match self {
            ErrorKind::Http(429) => "http_429".into(),
            ErrorKind::Http(500) => "http_500".into(),
            ErrorKind::Http(503) => "http_503".into(),
            ErrorKind::Http(status) => format!("http_{status}").into(),
            ErrorKind::PollHttp(status) => format!("poll_http_{status}").into(),
            ErrorKind::BadBody => "bad_body".into(),
            ErrorKind::TaskFailed => "task_failed".into(),
            ErrorKind::TaskCancelled => "task_cancelled".into(),
            ErrorKind::Arm(code) => format!("arm_{code}").into(),
            ErrorKind::UnknownTag => "unknown_tag".into(),
        }
    }
}

fn done(outcome: Result<(), ErrorKind>) -> Answer {
    Answer::Done(outcome.map_err(|kind| kind.name()))
}

#[cfg(test)]
mod tests;
