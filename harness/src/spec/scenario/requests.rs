//! A scenario's `[[requests]]`: the mix of request kinds, their weights and texts, and the
//! generic HTTP requests.

use super::stack::all_arm_kinds;
use super::{ARM_KINDS, ErrorAt, RequestKind, ScenarioError, ServiceKind, StackSpec};
use crate::spec::generic::HttpSpec;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One weighted kind of request in the mix.
#[derive(Debug, Clone, Deserialize)]
#[serde(from = "RawRequest")]
pub struct RequestSpec {
    pub kind: RequestKind,
    pub weight: u32,
    pub text: TextSpec,
    /// For `arm_execute`: the arm kinds to spread calls over, evenly.
    pub arms: Vec<String>,
    /// For `kind = "http"`: the request as the scenario describes it.
    pub http: HttpSpec,
    /// The same, compiled when the scenario is read.
    pub compiled: Option<std::sync::Arc<crate::workload::http::HttpKind>>,
}

/// A `[[requests]]` entry as written: the built-in kinds' fields and the generic kind's.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRequest {
    kind: RequestKind,
    #[serde(default = "one_u32")]
    weight: u32,
    #[serde(default)]
    text: TextSpec,
    #[serde(default = "all_arm_kinds")]
    arms: Vec<String>,
    name: Option<String>,
    service: Option<String>,
    url: Option<String>,
    method: Option<String>,
    path: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    body: Option<String>,
    expect: Option<crate::spec::generic::ExpectSpec>,
    #[serde(default)]
    feeds: Vec<String>,
    then: Option<crate::spec::generic::ThenSpec>,
}

impl From<RawRequest> for RequestSpec {
    fn from(raw: RawRequest) -> RequestSpec {
        RequestSpec {
            kind: raw.kind,
            weight: raw.weight,
            text: raw.text,
            arms: raw.arms,
            http: HttpSpec {
                name: raw.name,
                service: raw.service,
                url: raw.url,
                method: raw.method,
                path: raw.path,
                headers: raw.headers,
                body: raw.body,
                expect: raw.expect,
                feeds: raw.feeds,
                then: raw.then,
            },
            compiled: None,
        }
    }
}

impl RequestSpec {
    /// A built-in kind's entry.
    pub fn builtin(
        kind: RequestKind,
        weight: u32,
        text: TextSpec,
        arms: Vec<String>,
    ) -> RequestSpec {
        RequestSpec {
            kind,
            weight,
            text,
            arms,
            http: HttpSpec::default(),
            compiled: None,
        }
    }

    /// The label of its series: the kind's name, or a generic request's own.
    pub fn series_label(&self) -> &str {
        match &self.compiled {
            Some(http) => &http.name,
            None => self.kind.as_str(),
        }
    }
}

pub(super) fn one_u32() -> u32 {
    1
}

/// How generated texts (prompts for the Reflex Layer, goals for tasks) look.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextSpec {
    #[serde(default = "default_min_chars")]
    pub min_chars: usize,
    #[serde(default = "default_max_chars")]
    pub max_chars: usize,
    /// Share of texts that carry PII.
    #[serde(default)]
    pub pii_ratio: f64,
    /// Share of texts that carry a prompt injection.
    #[serde(default)]
    pub injection_ratio: f64,
    /// Share of requests that repeat one of `distinct_repeats` texts (cache hits).
    #[serde(default)]
    pub repeat_ratio: f64,
    #[serde(default = "default_distinct_repeats")]
    pub distinct_repeats: usize,
    /// Distinct user ids requests are spread over.
    #[serde(default = "default_users")]
    pub users: u32,
}

pub(super) fn default_min_chars() -> usize {
    200
}

pub(super) fn default_max_chars() -> usize {
    800
}

pub(super) fn default_distinct_repeats() -> usize {
    100
}

pub(super) fn default_users() -> u32 {
    1000
}

/// Request kinds with weights, sane texts, known arms, and the services they go to started or
/// given.
pub(super) fn check_requests(
    requests: &[RequestSpec],
    stack: &StackSpec,
    (requests_at, stack_at): (usize, usize),
    error_at: ErrorAt,
) -> Result<(), ScenarioError> {
    if requests.is_empty() || requests.iter().all(|request| request.weight == 0) {
        return Err(error_at(
            requests_at,
            "field `requests`: at least one request kind with weight > 0".into(),
        ));
    }
    for request in requests {
        let text = &request.text;
        if text.min_chars == 0 || text.min_chars > text.max_chars {
            return Err(error_at(
                requests_at,
                format!(
                    "field `requests.text` of {}: need 0 < min_chars <= max_chars",
                    request.kind.as_str()
                ),
            ));
        }
        let ratios = [text.pii_ratio, text.injection_ratio, text.repeat_ratio];
        if ratios.iter().any(|ratio| !(0.0..=1.0).contains(ratio))
            || text.pii_ratio + text.injection_ratio > 1.0
        {
            return Err(error_at(
                requests_at,
                format!(
                    "field `requests.text` of {}: ratios must be within 0..=1, pii_ratio + injection_ratio <= 1",
                    request.kind.as_str()
                ),
            ));
        }
        if text.distinct_repeats == 0 || text.users == 0 {
            return Err(error_at(
                requests_at,
                format!(
                    "field `requests.text` of {}: distinct_repeats and users must be >= 1",
                    request.kind.as_str()
                ),
            ));
        }
        if request.kind == RequestKind::Http {
            // Its own fields were checked when it was compiled (`generic::compile_all`).
            continue;
        }
        if let Err(message) = request.kind.def().check_spec(&request.arms) {
            return Err(error_at(requests_at, message));
        }
        if let Some(unknown) = request
            .arms
            .iter()
            .find(|arm| !ARM_KINDS.contains(&arm.as_str()))
        {
            return Err(error_at(
                requests_at,
                format!("field `requests.arms`: unknown arm kind {unknown:?}"),
            ));
        }
        let service = request.kind.service();
        let provided = match service {
            ServiceKind::Arms => {
                stack.start.contains(&ServiceKind::Arms)
                    || request
                        .arms
                        .iter()
                        .all(|arm| stack.base_url.contains_key(arm))
            }
            ServiceKind::Reflex => {
                stack.start.contains(&ServiceKind::Reflex) || stack.base_url.contains_key("reflex")
            }
            ServiceKind::Orchestrator => {
                stack.start.contains(&ServiceKind::Orchestrator)
                    || stack.base_url.contains_key("orchestrator")
            }
        };
        if !provided {
            return Err(error_at(
                stack_at,
                format!(
                    "field `stack`: requests of kind {} need the {}, which is neither started nor given a base_url",
                    request.kind.as_str(),
                    service.as_str()
                ),
            ));
        }
    }
    Ok(())
}

/// The Orchestrator needs the Reflex Layer and the arms, started or given.
pub(super) fn check_orchestrator_needs(
    stack: &StackSpec,
    stack_at: usize,
    error_at: ErrorAt,
) -> Result<(), ScenarioError> {
    if stack.start.contains(&ServiceKind::Orchestrator) {
        let has_reflex =
            stack.start.contains(&ServiceKind::Reflex) || stack.base_url.contains_key("reflex");
        let has_arms = stack.start.contains(&ServiceKind::Arms)
            || ARM_KINDS
                .iter()
                .any(|arm| stack.base_url.contains_key(*arm));
        if !has_reflex || !has_arms {
            return Err(error_at(stack_at, "field `stack.start`: the orchestrator needs the reflex layer and the arms, started or by base_url".into()));
        }
    }

    Ok(())
}

impl Default for TextSpec {
    fn default() -> TextSpec {
        TextSpec {
            min_chars: default_min_chars(),
            max_chars: default_max_chars(),
            pii_ratio: 0.0,
            injection_ratio: 0.0,
            repeat_ratio: 0.0,
            distinct_repeats: default_distinct_repeats(),
            users: default_users(),
        }
    }
}
