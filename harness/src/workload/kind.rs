//! The request kinds a scenario can send, and their registration. Each kind is one module
//! under this one (`reflex_process`, `arm_execute`, `task`) that owns all there is to it: the
//! service it goes to, its URL and body, what its answer means, and the budget rows it can
//! feed. Adding a kind is one module plus its registration here: its `mod` line, its variant in
//! [`RequestKind`] and [`RequestKind::ALL`], and its arm in [`RequestKind::def`].

use bytes::Bytes;
use loadgen::{Answer, Method, Request};
use rand::rngs::SmallRng;
use serde::Deserialize;

use crate::spec::rows::Component;

mod arm_execute;
mod reflex_process;
mod task;

/// The registry: every kind, by the name scenario files and reports use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    ReflexProcess,
    ArmExecute,
    TaskSimple,
    TaskComplex,
    /// The generic kind: a request a scenario describes itself (`super::http`). Not in
    /// [`RequestKind::ALL`], the built-in kinds, since what it is lives in its entry.
    Http,
}

impl RequestKind {
    pub const ALL: [RequestKind; 4] = [
        RequestKind::ReflexProcess,
        RequestKind::ArmExecute,
        RequestKind::TaskSimple,
        RequestKind::TaskComplex,
    ];

    /// The module that defines the kind.
    pub fn def(self) -> &'static dyn KindDef {
        match self {
            RequestKind::ReflexProcess => &reflex_process::ReflexProcess,
            RequestKind::ArmExecute => &arm_execute::ArmExecute,
            RequestKind::TaskSimple => &task::TASK_SIMPLE,
            RequestKind::TaskComplex => &task::TASK_COMPLEX,
            RequestKind::Http => &GenericDef,
        }
    }

    pub fn as_str(self) -> &'static str {
        self.def().name()
    }

    /// The service the request goes to.
    pub fn service(self) -> ServiceKind {
        self.def().service()
    }

    /// The tag of this kind's request at `step` (0: the first; later steps are the kind's own
    /// follow-ups, such as a task's polls), handed back with its answer.
    pub fn tag(self, step: u8) -> u32 {
        (self as u32) << 8 | u32::from(step)
    }

    /// The kind and step a tag stands for (a generic kind's entry is in the bits above).
    pub fn from_tag(tag: u32) -> Option<(RequestKind, u8)> {
        let idx = ((tag >> 8) & 0xff) as usize;
        let kind = if idx == RequestKind::Http as usize {
            RequestKind::Http
        } else {
            *RequestKind::ALL.get(idx)?
        };
        Some((kind, (tag & 0xff) as u8))
    }

    /// The tag of a generic kind's request from the mix's entry `entry`, at `step`.
    pub fn http_tag(entry: usize, step: u8) -> u32 {
        (entry as u32) << 16 | RequestKind::Http.tag(step)
    }

    /// The mix entry a generic kind's tag came from.
    pub fn http_entry(tag: u32) -> usize {
        (tag >> 16) as usize
    }
}

/// The generic kind's stand-in in the registry: what it sends and how its answers are
/// judged are its scenario entry's (`super::http::HttpKind`), which the mix and the workload
/// ask instead; it feeds no row of its own (its entry's `feeds` say which).
struct GenericDef;

impl KindDef for GenericDef {
    fn name(&self) -> &'static str {
        "http"
    }

    fn service(&self) -> ServiceKind {
        ServiceKind::Orchestrator
    }

    fn goal_texts(&self) -> bool {
        false
    }

    fn first_request(&self, _draw: Draw<'_>) -> FirstRequest {
        unreachable!("a generic request is rendered from its entry's templates")
    }

    fn check(
        &self,
        _step: u8,
        _request: &Request,
        _status: u16,
        _body: &[u8],
        _context: &CheckContext,
    ) -> Result<Answer, ErrorKind> {
        Err(ErrorKind::UnknownTag)
    }

    fn latency_rows(&self) -> &'static [Component] {
        &[]
    }

    fn throughput_rows(&self) -> &'static [Component] {
        &[]
    }
}

/// The services of the stack: what a request goes to, and what the harness can start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceKind {
    Reflex,
    Arms,
    Orchestrator,
}

impl ServiceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceKind::Reflex => "reflex",
            ServiceKind::Arms => "arms",
            ServiceKind::Orchestrator => "orchestrator",
        }
    }
}

/// Where a prepared request goes: a service, one arm of the arms, or a generic kind's own
/// URL (by its index among the scenario's URLs).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Destination {
    Reflex,
    Arm(String),
    Orchestrator,
    Url(usize),
}

/// What the mix draws for a request, for its kind to make a body of.
pub struct Draw<'a> {
    /// A generated text (a prompt, or a goal when the kind asks for goals).
    pub text: String,
    /// A user id from the scenario's set.
    pub user_id: String,
    /// A number no other request of the run uses.
    pub counter: u64,
    /// The finer series the request counts in, if the kind has them: an arm kind.
    pub detail: Option<&'a str>,
    pub rng: &'a mut SmallRng,
}

/// The first request of a kind: where, what, and the body.
pub struct FirstRequest {
    pub destination: Destination,
    pub method: Method,
    pub path: &'static str,
    pub body: serde_json::Value,
}

/// What the workload knows that a kind's answer check may need.
pub struct CheckContext {
    /// The long-poll wait to ask of the Orchestrator, in whole seconds.
    pub poll_wait_seconds: u64,
    /// A fault scenario's record of every task the Orchestrator accepted (202), whose fate the
    /// harness reads back after the window. `None` otherwise: the generator stores nothing
    /// per request unless a fault scenario asks it to.
    pub accepted: Option<AcceptedTasks>,
}

/// Task ids answered 202, shared by the workers of one run.
pub type AcceptedTasks = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

/// Everything about one kind of request.
pub trait KindDef: Sync {
    /// The name scenario files and reports use: `reflex_process`.
    fn name(&self) -> &'static str;

    /// The service the requests go to.
    fn service(&self) -> ServiceKind;

    /// Whether its texts read as goals ("Find the documents that…") rather than prompts.
    fn goal_texts(&self) -> bool {
        true
    }

    /// Checks the kind's part of a scenario's `[[requests]]` entry: the arm kinds it names.
    fn check_spec(&self, _arms: &[String]) -> Result<(), String> {
        Ok(())
    }

    /// The finer series each request also counts in (one per arm kind), from the entry.
    fn details(&self, _arms: &[String]) -> Vec<String> {
        Vec::new()
    }

    /// The request, from what the mix drew.
    fn first_request(&self, draw: Draw<'_>) -> FirstRequest;

    /// What the answer to `request`, the kind's request at `step`, means: done (success or an
    /// error kind), or a follow-up request.
    fn check(
        &self,
        step: u8,
        request: &Request,
        status: u16,
        body: &[u8],
        context: &CheckContext,
    ) -> Result<Answer, ErrorKind>;

    /// The subjects whose latency rows judge this kind's latency.
    fn latency_rows(&self) -> &'static [Component];

    /// The subjects whose throughput rows count this kind's successful completions.
    fn throughput_rows(&self) -> &'static [Component];
}

/// A follow-up of `request` at `step` of the same kind: same endpoint and series.
pub fn follow_up(request: &Request, step: u8, method: Method, path: String) -> Request {
    Request {
        endpoint: request.endpoint,
        method,
        path,
        body: Bytes::new(),
        headers: Vec::new(),
        delay: std::time::Duration::ZERO,
        tag: (request.tag & !0xff) | u32::from(step),
        series: request.series,
        detail: request.detail,
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
    /// A generic session ended in a terminal value that is not a success: `ended_failed`.
    Ended(String),
    /// A generic session was still not over after its most polls.
    PollLimit,
}

impl ErrorKind {
    pub fn name(&self) -> std::borrow::Cow<'static, str> {
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
            ErrorKind::Ended(value) => {
                let value: String = value
                    .chars()
                    .take(32)
                    .map(|c| {
                        if c.is_ascii_alphanumeric() {
                            c.to_ascii_lowercase()
                        } else {
                            '_'
                        }
                    })
                    .collect();
                format!("ended_{value}").into()
            }
            ErrorKind::PollLimit => "poll_limit".into(),
        }
    }
}

/// The request kind whose latency a latency row judges.
pub fn latency_source(subject: Component) -> Option<RequestKind> {
    RequestKind::ALL
        .into_iter()
        .find(|kind| kind.def().latency_rows().contains(&subject))
}

/// The request kinds whose successful completions count toward a throughput row.
pub fn throughput_sources(subject: Component) -> Vec<RequestKind> {
    RequestKind::ALL
        .into_iter()
        .filter(|kind| kind.def().throughput_rows().contains(&subject))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_tags_and_serde_agree() {
        for (idx, kind) in RequestKind::ALL.into_iter().enumerate() {
            // A tag's kind is its place in ALL: every variant is there, in order.
            assert_eq!(kind as usize, idx);
            let parsed: RequestKind =
                serde_json::from_value(serde_json::json!(kind.as_str())).unwrap();
            assert_eq!(parsed, kind);
            for step in [0, 1, 255] {
                assert_eq!(RequestKind::from_tag(kind.tag(step)), Some((kind, step)));
            }
        }
        assert_eq!(RequestKind::from_tag(99 << 8), None);
    }

    #[test]
    fn every_latency_and_throughput_row_has_its_source() {
        use crate::spec::rows::Measure;
        for subject in Measure::Latency.components() {
            assert!(latency_source(*subject).is_some(), "{subject:?}");
        }
        for subject in Measure::Throughput.components() {
            assert!(!throughput_sources(*subject).is_empty(), "{subject:?}");
        }
        assert_eq!(
            latency_source(Component::E2eComplex),
            Some(RequestKind::TaskComplex)
        );
        assert_eq!(
            throughput_sources(Component::Orchestrator),
            [RequestKind::TaskSimple, RequestKind::TaskComplex]
        );
    }
}
