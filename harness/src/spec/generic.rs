//! A generic request's part of a scenario's `[[requests]]` entry (`kind = "http"`), and its
//! compilation into a [`HttpKind`]: where it goes, its templates, what its answer must be,
//! the budget rows it feeds, and its session's follow-up. Every error names the entry and the
//! field at fault.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use crate::spec::rows::{Measure, RowId};
use crate::spec::scenario::{ARM_KINDS, Dur, RequestSpec, StackSpec};
use crate::workload::http::{HttpKind, Place, Template, Then};
use crate::workload::kind::ServiceKind;

/// A generic entry's fields (all absent on a built-in kind's entry).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSpec {
    /// Its series in the report.
    pub name: Option<String>,
    /// A service of the stack (`reflex`, `orchestrator`, an arm kind), started or given by
    /// `stack.base_url`…
    pub service: Option<String>,
    /// …or a URL of its own (`https://staging.example/api`), which the harness does not start.
    pub url: Option<String>,
    pub method: Option<String>,
    pub path: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    pub body: Option<String>,
    pub expect: Option<ExpectSpec>,
    #[serde(default)]
    pub feeds: Vec<String>,
    pub then: Option<ThenSpec>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectSpec {
    #[serde(default)]
    pub status: Vec<u16>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThenSpec {
    pub method: Option<String>,
    pub path: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    pub body: Option<String>,
    pub expect: Option<ExpectSpec>,
    pub until: UntilSpec,
    pub every: Option<Dur>,
    pub max_polls: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UntilSpec {
    /// The answer field to watch, by dotted path (`status`, `task.state`).
    pub field: String,
    /// Its terminal values.
    #[serde(rename = "in")]
    pub terminal: Vec<String>,
    /// The terminal values that are a success; all of them when absent.
    pub ok: Option<Vec<String>>,
}

/// A poll's interval when the entry does not say.
const DEFAULT_EVERY: Duration = Duration::from_millis(50);
/// Polls a session makes at most when the entry does not say (and at most this ever).
const MAX_POLLS: u32 = 255;

/// Where a generic entry's requests go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Service(String),
    Url(String),
}

impl HttpSpec {
    fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.service.is_none()
            && self.url.is_none()
            && self.method.is_none()
            && self.path.is_none()
            && self.headers.is_empty()
            && self.body.is_none()
            && self.expect.is_none()
            && self.feeds.is_empty()
            && self.then.is_none()
    }

    pub fn target(&self) -> Option<Target> {
        match (&self.service, &self.url) {
            (Some(service), _) => Some(Target::Service(service.clone())),
            (None, Some(url)) => Some(Target::Url(url.clone())),
            (None, None) => None,
        }
    }
}

/// Compiles every generic entry of `requests` (numbered from 1 in errors), and refuses the
/// generic fields on a built-in kind's entry.
pub fn compile_all(requests: &mut [RequestSpec], stack: &StackSpec) -> Result<(), String> {
    let mut names = Vec::new();
    for (idx, request) in requests.iter_mut().enumerate() {
        let at = format!("requests[{}]", idx + 1);
        if request.kind != crate::workload::kind::RequestKind::Http {
            if !request.http.is_empty() {
                return Err(format!(
                    "{at} ({}): name, service, url, method, path, headers, body, expect, feeds and then belong to kind = \"http\"",
                    request.kind.as_str()
                ));
            }
            continue;
        }
        let kind = compile(&request.http, stack).map_err(|message| {
            let name = request.http.name.as_deref().unwrap_or("?");
            format!("{at} (http {name:?}): {message}")
        })?;
        if names.contains(&kind.name) {
            return Err(format!("{at}: the name {:?} is used twice", kind.name));
        }
        names.push(kind.name.clone());
        request.compiled = Some(Arc::new(kind));
    }
    Ok(())
}

fn parse_method(text: Option<&str>, default: &str, field: &str) -> Result<loadgen::Method, String> {
    let text = text.unwrap_or(default);
    loadgen::Method::from_str(&text.to_ascii_uppercase())
        .map_err(|_| format!("field `{field}`: {text:?} is not an HTTP method"))
}

fn headers(
    headers: &BTreeMap<String, String>,
    field: &str,
    answers: bool,
) -> Result<Vec<(String, Template)>, String> {
    headers
        .iter()
        .map(|(name, value)| {
            if !loadgen::header_name_valid(name) {
                return Err(format!("field `{field}`: {name:?} is not a header name"));
            }
            if ["host", "content-length", "transfer-encoding", "connection"]
                .contains(&name.to_ascii_lowercase().as_str())
            {
                return Err(format!(
                    "field `{field}`: {name} is the load client's to write"
                ));
            }
            if !loadgen::header_safe(value) {
                return Err(format!(
                    "field `{field}.{name}`: a header value cannot hold a line break"
                ));
            }
            let template = Template::compile(value, Place::Header, answers)
                .map_err(|message| format!("field `{field}.{name}`: {message}"))?;
            Ok((name.clone(), template))
        })
        .collect()
}

fn path(text: Option<&str>, field: &str, answers: bool) -> Result<Template, String> {
    let text = text.ok_or_else(|| format!("field `{field}` is required"))?;
    if !text.starts_with('/') {
        return Err(format!("field `{field}`: {text:?} must start with /"));
    }
    if text.contains(|c: char| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "field `{field}`: {text:?} holds a space or a control character; write it percent-encoded"
        ));
    }
    Template::compile(text, Place::Path, answers)
        .map_err(|message| format!("field `{field}`: {message}"))
}

fn body(text: Option<&str>, field: &str, answers: bool) -> Result<Option<Template>, String> {
    text.map(|text| {
        Template::compile(text, Place::Body, answers)
            .map_err(|message| format!("field `{field}`: {message}"))
    })
    .transpose()
}

fn statuses(expect: Option<&ExpectSpec>, field: &str) -> Result<Vec<u16>, String> {
    let statuses = expect
        .map(|expect| expect.status.clone())
        .unwrap_or_default();
    if let Some(bad) = statuses.iter().find(|status| !(100..600).contains(*status)) {
        return Err(format!("field `{field}`: {bad} is not an HTTP status"));
    }
    Ok(statuses)
}

fn compile(spec: &HttpSpec, stack: &StackSpec) -> Result<HttpKind, String> {
    let name = spec
        .name
        .clone()
        .ok_or("field `name` is required: it names the request's series in the report")?;
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        return Err(format!(
            "field `name`: {name:?} must be letters, digits, `_`, `-` or `.`"
        ));
    }
    check_target(spec, stack)?;
    let method = parse_method(
        spec.method.as_deref(),
        if spec.body.is_some() { "POST" } else { "GET" },
        "method",
    )?;
    let then = spec.then.as_ref().map(compile_then).transpose()?;
    let first_path = path(spec.path.as_deref(), "path", false)?;
    let body = body(spec.body.as_deref(), "body", false)?;
    Ok(HttpKind {
        name,
        method,
        path: first_path,
        headers: headers(&spec.headers, "headers", false)?,
        body,
        expect: statuses(spec.expect.as_ref(), "expect.status")?,
        feeds: feeds(&spec.feeds)?,
        then,
    })
}

/// Where the requests go: a service of the stack, started or given, or a URL of its own.
fn check_target(spec: &HttpSpec, stack: &StackSpec) -> Result<(), String> {
    match (&spec.service, &spec.url) {
        (Some(_), Some(_)) => return Err("give `service` or `url`, not both".into()),
        (None, None) => {
            return Err("field `service` or `url` is required: where the requests go".into());
        }
        (Some(service), None) => {
            let known = service == "reflex"
                || service == "orchestrator"
                || ARM_KINDS.contains(&service.as_str());
            if !known {
                return Err(format!(
                    "field `service`: unknown service {service:?} (reflex, orchestrator or an arm kind)"
                ));
            }
            let started = match service.as_str() {
                "reflex" => stack.start.contains(&ServiceKind::Reflex),
                "orchestrator" => stack.start.contains(&ServiceKind::Orchestrator),
                _ => stack.start.contains(&ServiceKind::Arms),
            };
            if !started && !stack.base_url.contains_key(service) {
                return Err(format!(
                    "field `service`: the {service} is neither started nor given in stack.base_url"
                ));
            }
        }
        (None, Some(url)) => {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(format!("field `url`: {url:?} must be http:// or https://"));
            }
        }
    }
    Ok(())
}

/// The rows a request feeds: latency and throughput rows only.
fn feeds(rows: &[String]) -> Result<Vec<RowId>, String> {
    let mut feeds = Vec::new();
    for row in rows {
        let id: RowId = row
            .parse()
            .map_err(|message| format!("field `feeds`: {message}"))?;
        if !matches!(id.measure, Measure::Latency | Measure::Throughput) {
            return Err(format!(
                "field `feeds`: {row}: a request feeds latency and throughput rows; memory and CPU rows are read from processes"
            ));
        }
        feeds.push(id);
    }
    Ok(feeds)
}

/// A session's follow-up: what it polls, and until which value.
fn compile_then(then: &ThenSpec) -> Result<Then, String> {
    if then.until.terminal.is_empty() {
        return Err("field `then.until.in`: at least one terminal value".into());
    }
    let ok = then
        .until
        .ok
        .clone()
        .unwrap_or_else(|| then.until.terminal.clone());
    if let Some(stray) = ok.iter().find(|value| !then.until.terminal.contains(value)) {
        return Err(format!(
            "field `then.until.ok`: {stray:?} is not among the terminal values (`in`)"
        ));
    }
    if then.until.field.is_empty() || then.until.field.split('.').any(str::is_empty) {
        return Err(format!(
            "field `then.until.field`: {:?} is not a dotted path",
            then.until.field
        ));
    }
    let every = then.every.map_or(DEFAULT_EVERY, |every| every.0);
    if every > Duration::from_secs(60) {
        return Err("field `then.every`: at most 60s between polls".into());
    }
    let max_polls = then.max_polls.unwrap_or(MAX_POLLS);
    if !(1..=MAX_POLLS).contains(&max_polls) {
        return Err(format!("field `then.max_polls`: 1 to {MAX_POLLS}"));
    }
    Ok(Then {
        method: parse_method(
            then.method.as_deref(),
            if then.body.is_some() { "POST" } else { "GET" },
            "then.method",
        )?,
        path: path(Some(&then.path), "then.path", true)?,
        headers: headers(&then.headers, "then.headers", true)?,
        body: body(then.body.as_deref(), "then.body", true)?,
        expect: statuses(then.expect.as_ref(), "then.expect.status")?,
        field: then.until.field.split('.').map(str::to_owned).collect(),
        terminal: then.until.terminal.clone(),
        ok,
        every,
        max_polls,
    })
}
