//! The harness's workload for the engine (`loadgen`): the request mix drawn (`mix`), each
//! request made and its answer judged by its kind's own module (`kind` is the registry), sent
//! to the endpoints of the stack.

use std::collections::BTreeMap;

use bytes::Bytes;
use loadgen::{Answer, Endpoint, Request, Workload};

pub mod http;
pub mod kind;
pub mod mix;

use kind::CheckContext;
pub use kind::{Destination, ErrorKind, RequestKind};
use mix::Mix;

/// Base URLs of the services under test.
#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    pub reflex: Option<String>,
    pub orchestrator: Option<String>,
    /// Further Orchestrator instances on the same database (replicas); tasks are submitted
    /// to each in turn, and a task's polls go where it was submitted.
    pub orchestrator_replicas: Vec<String>,
    pub arms: BTreeMap<String, String>,
    /// The generic requests' own URLs (`url = …`), in `mix::urls` order: services the
    /// harness did not start, which get no API key of the stack's.
    pub urls: Vec<String>,
}

/// The endpoints resolved for the engine, and which one each destination uses.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub endpoints: Vec<Endpoint>,
    reflex: Option<usize>,
    /// The Orchestrator and its replicas, in turn.
    orchestrators: Vec<usize>,
    arms: BTreeMap<String, usize>,
    urls: Vec<usize>,
}

impl Endpoints {
    /// Parses and resolves every base URL once, before any load; every request to the
    /// stack's services then carries `bearer` as its API key, when given. `https://` URLs
    /// are trusted as `tls` says.
    pub fn resolve(
        &self,
        bearer: Option<&str>,
        tls: &loadgen::TlsOptions,
    ) -> Result<Resolved, loadgen::EndpointError> {
        let all = self
            .reflex
            .iter()
            .chain(&self.orchestrator)
            .chain(&self.orchestrator_replicas)
            .chain(self.arms.values())
            .chain(&self.urls);
        // One TLS client for the run, so that its connections share one session cache.
        let client = if all.clone().any(|url| url.starts_with("https://")) {
            Some(loadgen::TlsClient::new(tls)?)
        } else {
            None
        };
        let mut endpoints = Vec::new();
        let mut add_with =
            |url: &str, bearer: Option<&str>| -> Result<usize, loadgen::EndpointError> {
                let endpoint = Endpoint::parse_with(url, client.as_ref())?;
                endpoints.push(match bearer {
                    Some(token) => endpoint.with_bearer(token)?,
                    None => endpoint,
                });
                Ok(endpoints.len() - 1)
            };
        let mut urls = Vec::new();
        for url in &self.urls {
            urls.push(add_with(url, None)?);
        }
        let mut add = |url: &str| add_with(url, bearer);
        let reflex = self.reflex.as_deref().map(&mut add).transpose()?;
        let mut orchestrators = Vec::new();
        if let Some(url) = &self.orchestrator {
            orchestrators.push(add(url)?);
            for url in &self.orchestrator_replicas {
                orchestrators.push(add(url)?);
            }
        }
        let mut arms = BTreeMap::new();
        for (arm, url) in &self.arms {
            arms.insert(arm.clone(), add(url)?);
        }
        Ok(Resolved {
            endpoints,
            reflex,
            orchestrators,
            arms,
            urls,
        })
    }
}

/// One worker's share of a scenario's requests.
pub struct ScenarioWorkload {
    mix: Mix,
    resolved: Resolved,
    context: CheckContext,
    /// Requests sent to an Orchestrator so far: the next goes to the next replica.
    orchestrator_turn: usize,
}

impl ScenarioWorkload {
    pub fn new(mix: Mix, resolved: Resolved, poll_wait_seconds: u64) -> ScenarioWorkload {
        ScenarioWorkload {
            mix,
            resolved,
            context: CheckContext {
                poll_wait_seconds: poll_wait_seconds.max(1),
                accepted: None,
            },
            orchestrator_turn: 0,
        }
    }

    /// Records the id of every task accepted into `accepted` (a fault scenario).
    pub fn recording_accepted(mut self, accepted: kind::AcceptedTasks) -> ScenarioWorkload {
        self.context.accepted = Some(accepted);
        self
    }

    fn endpoint(&mut self, destination: &Destination) -> usize {
        let found = match destination {
            Destination::Reflex => self.resolved.reflex,
            Destination::Orchestrator => {
                let all = &self.resolved.orchestrators;
                self.orchestrator_turn += 1;
                (!all.is_empty()).then(|| all[(self.orchestrator_turn - 1) % all.len()])
            }
            Destination::Arm(arm) => self.resolved.arms.get(arm).copied(),
            Destination::Url(idx) => self.resolved.urls.get(*idx).copied(),
        };
        // An index past the end is answered by the engine as `no_endpoint`.
        found.unwrap_or(usize::MAX)
    }
}

impl Workload for ScenarioWorkload {
    fn next_request(&mut self) -> Request {
        let prepared = self.mix.next_request();
        Request {
            endpoint: self.endpoint(&prepared.destination),
            method: prepared.method,
            path: prepared.path.into_owned(),
            body: Bytes::from(prepared.body),
            headers: prepared.headers,
            delay: std::time::Duration::ZERO,
            tag: prepared.tag,
            series: prepared.series,
            detail: prepared.detail,
        }
    }

    fn check(&mut self, request: &Request, status: u16, body: &[u8]) -> Answer {
        let answer = match RequestKind::from_tag(request.tag) {
            Some((RequestKind::Http, step)) => {
                match self.mix.http_kind(RequestKind::http_entry(request.tag)) {
                    Some(http) => http.check(step, request, status, body),
                    None => Err(ErrorKind::UnknownTag),
                }
            }
            Some((kind, step)) => kind.def().check(step, request, status, body, &self.context),
            None => Err(ErrorKind::UnknownTag),
        };
        answer.unwrap_or_else(|kind| Answer::Done(Err(kind.name())))
    }
}

#[cfg(test)]
mod tests;
