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
                Err(http_error(status))
            }),
            TAG_ARM => {
                if status != 200 {
                    return done(Err(http_error(status)));
                }
                let Ok(answer) = serde_json::from_slice::<serde_json::Value>(body) else {
                    return done(Err("bad_body".into()));
                };
                if answer["success"].as_bool() == Some(true) {
                    return done(Ok(()));
                }
                let code = answer["error"]["code"].as_str().unwrap_or("failed");
                done(Err(format!("arm_{code}").into()))
            }
            TAG_TASK_SUBMIT => {
                if status != 202 {
                    return done(Err(http_error(status)));
                }
                let accepted: Option<String> = serde_json::from_slice::<serde_json::Value>(body)
                    .ok()
                    .and_then(|value| value["task_id"].as_str().map(str::to_owned));
                match accepted {
                    Some(task_id) => Answer::Then(self.poll(request, &task_id)),
                    None => done(Err("bad_body".into())),
                }
            }
            TAG_TASK_POLL => {
                if status != 200 {
                    return done(Err(format!("poll_http_{status}").into()));
                }
                let Ok(view) = serde_json::from_slice::<serde_json::Value>(body) else {
                    return done(Err("bad_body".into()));
                };
                match view["status"].as_str() {
                    Some("completed") => done(Ok(())),
                    Some("failed") => done(Err("task_failed".into())),
                    Some("cancelled") => done(Err("task_cancelled".into())),
                    // Still pending or running when the long-poll ended: poll again, until the
                    // request's own timeout.
                    Some("pending" | "running") => {
                        let task_id = view["task_id"].as_str().map(str::to_owned);
                        match task_id {
                            Some(task_id) => Answer::Then(self.poll(request, &task_id)),
                            None => Answer::Then(request.clone()),
                        }
                    }
                    _ => done(Err("bad_body".into())),
                }
            }
            _ => done(Err("unknown_tag".into())),
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

fn done(outcome: Result<(), Cow<'static, str>>) -> Answer {
    Answer::Done(outcome)
}

fn http_error(status: u16) -> Cow<'static, str> {
    match status {
        429 => "http_429".into(),
        500 => "http_500".into(),
        503 => "http_503".into(),
        _ => format!("http_{status}").into(),
    }
}

#[cfg(test)]
mod tests;
