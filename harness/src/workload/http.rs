//! The generic request kind (`kind = "http"`): a request a scenario describes without code,
//! for any HTTP API. Its method, path, headers and body are templates over what the mix draws
//! (`{{text}}` with its PII and injection mix, `{{user}}`, `{{seq}}`, `{{uuid}}`); its answer
//! is judged by status; and a session (`[requests.then]`) polls a follow-up, templated on the
//! first answer's fields (`{{answer.task_id}}`), until a field reaches a terminal value. The
//! session's latency runs from the first request's intended time to its terminal answer.
//!
//! Templates are compiled when the scenario is read, so that a bad one is refused naming its
//! field before anything starts, and rendered without parsing at each request.

use std::fmt::Write as _;
use std::time::Duration;

use loadgen::{Answer, Method, Request};

use super::kind::ErrorKind;

/// A template: literal text and `{{ variable | filter }}` holes.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Literal(String),
    Hole(Var, Filter),
}

/// What a hole stands for.
#[derive(Debug, Clone, PartialEq)]
enum Var {
    /// The generated text (a prompt with the scenario's PII and injection mix).
    Text,
    /// The user id (`user-17`), from the scenario's set of users.
    User,
    /// A number no other request of the run uses.
    Seq,
    /// A random UUID (v4), from the run's seed.
    Uuid,
    /// A field of the session's first answer (JSON), by its dotted path.
    Answer(Vec<String>),
}

/// How a value is written into its place.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Filter {
    /// As it is (a header value loses any line break).
    Raw,
    /// As a JSON value: a string quoted and escaped, an answer's number or object as JSON.
    Json,
    /// Percent-encoded (the default in a path).
    Url,
}

/// Where a template is used, which decides its default filter and what it may refer to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Place {
    Path,
    Header,
    Body,
}

/// The values a template is rendered with.
pub struct Values<'a> {
    pub text: &'a str,
    pub user: &'a str,
    pub seq: u64,
    pub uuid: u128,
    /// The session's first answer, for a follow-up.
    pub answer: Option<&'a serde_json::Value>,
}

/// The variables a template may use, for error messages.
const KNOWN: &str =
    "text, user, seq, uuid, answer.FIELD (in [requests.then] only); filters: json, url, raw";

impl Template {
    /// Compiles `source`; `answers` says whether `{{answer.…}}` may be used.
    pub fn compile(source: &str, place: Place, answers: bool) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut rest = source;
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                parts.push(Part::Literal(rest[..open].to_owned()));
            }
            let after = &rest[open + 2..];
            let close = after
                .find("}}")
                .ok_or_else(|| format!("an unclosed {{{{ at {:?}", truncate(&rest[open..])))?;
            let inner = after[..close].trim();
            let (name, filter) = match inner.split_once('|') {
                Some((name, filter)) => (name.trim(), Some(filter.trim())),
                None => (inner, None),
            };
            let var = match name {
                "text" => Var::Text,
                "user" => Var::User,
                "seq" => Var::Seq,
                "uuid" => Var::Uuid,
                _ => match name.strip_prefix("answer.") {
                    Some(path) if answers && !path.is_empty() => {
                        Var::Answer(path.split('.').map(str::to_owned).collect())
                    }
                    Some(_) if !answers => {
                        return Err(format!(
                            "{{{{{name}}}}}: an answer's fields exist only in [requests.then]"
                        ));
                    }
                    _ => return Err(format!("unknown variable {{{{{inner}}}}}; known: {KNOWN}")),
                },
            };
            let filter = match filter {
                None if place == Place::Path => Filter::Url,
                None | Some("raw") => Filter::Raw,
                Some("json") => Filter::Json,
                Some("url") => Filter::Url,
                Some(other) => {
                    return Err(format!(
                        "unknown filter {other:?} in {{{{{inner}}}}}; known: {KNOWN}"
                    ));
                }
            };
            parts.push(Part::Hole(var, filter));
            rest = &after[close + 2..];
        }
        if !rest.is_empty() {
            parts.push(Part::Literal(rest.to_owned()));
        }
        Ok(Template { parts })
    }

    /// A template of literal text only.
    #[cfg(test)]
    pub fn literal(text: &str) -> Template {
        Template {
            parts: vec![Part::Literal(text.to_owned())],
        }
    }

    /// Renders into `out`; `Err` names an answer field that is missing.
    pub fn render(&self, values: &Values<'_>, out: &mut String) -> Result<(), String> {
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Hole(var, filter) => {
                    let answer_field;
                    let value: Value<'_> = match var {
                        Var::Text => Value::Str(values.text),
                        Var::User => Value::Str(values.user),
                        Var::Seq => Value::Int(values.seq),
                        Var::Uuid => Value::Uuid(values.uuid),
                        Var::Answer(path) => {
                            answer_field = values
                                .answer
                                .and_then(|answer| field(answer, path))
                                .ok_or_else(|| path.join("."))?;
                            match answer_field {
                                serde_json::Value::String(text) => Value::Str(text),
                                other => Value::Json(other),
                            }
                        }
                    };
                    value.write(*filter, out);
                }
            }
        }
        Ok(())
    }

    pub fn render_to_string(&self, values: &Values<'_>) -> Result<String, String> {
        let mut out = String::new();
        self.render(values, &mut out)?;
        Ok(out)
    }
}

fn truncate(text: &str) -> &str {
    let end = text.char_indices().nth(24).map_or(text.len(), |(at, _)| at);
    &text[..end]
}

enum Value<'a> {
    Str(&'a str),
    Int(u64),
    Uuid(u128),
    Json(&'a serde_json::Value),
}

impl Value<'_> {
    fn write(&self, filter: Filter, out: &mut String) {
        match (self, filter) {
            (Value::Str(text), Filter::Json) => {
                out.push_str(&serde_json::to_string(text).expect("a string serialises"));
            }
            (Value::Str(text), Filter::Url) => percent_encode(text, out),
            (Value::Str(text), Filter::Raw) => out.push_str(text),
            (Value::Int(n), _) => {
                let _ = write!(out, "{n}");
            }
            (Value::Uuid(bits), Filter::Json) => {
                let _ = write!(out, "\"{}\"", uuid_text(*bits));
            }
            (Value::Uuid(bits), _) => out.push_str(&uuid_text(*bits)),
            (Value::Json(value), Filter::Url) => percent_encode(&value.to_string(), out),
            (Value::Json(value), _) => out.push_str(&value.to_string()),
        }
    }
}

/// A version-4 UUID from 128 random bits.
fn uuid_text(bits: u128) -> String {
    let bits = (bits & !(0xf << 76) | (0x4 << 76)) & !(0x3 << 62) | (0x2 << 62);
    let hex = format!("{bits:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn percent_encode(text: &str, out: &mut String) {
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
}

/// The value at a dotted path of a JSON answer (`task.id`; a number indexes an array).
fn field<'a>(value: &'a serde_json::Value, path: &[String]) -> Option<&'a serde_json::Value> {
    path.iter().try_fold(value, |value, key| match value {
        serde_json::Value::Object(map) => map.get(key),
        serde_json::Value::Array(items) => items.get(key.parse::<usize>().ok()?),
        _ => None,
    })
}

/// One generic request kind, compiled from its `[[requests]]` entry.
#[derive(Debug, Clone)]
pub struct HttpKind {
    /// Its series in the report.
    pub name: String,
    pub method: Method,
    pub path: Template,
    pub headers: Vec<(String, Template)>,
    pub body: Option<Template>,
    /// Statuses that count as success; empty: any 2xx.
    pub expect: Vec<u16>,
    /// The budget rows its series may judge: `latency.orchestrator_simple`…
    pub feeds: Vec<reports::RowId>,
    pub then: Option<Then>,
}

/// A session's follow-up: polled until a field of its answer is terminal.
#[derive(Debug, Clone)]
pub struct Then {
    pub method: Method,
    pub path: Template,
    pub headers: Vec<(String, Template)>,
    pub body: Option<Template>,
    /// Statuses a poll may be answered with; empty: 200.
    pub expect: Vec<u16>,
    /// The answer field that says whether the session is over (dotted path).
    pub field: Vec<String>,
    /// Its terminal values, and those of them that are a success.
    pub terminal: Vec<String>,
    pub ok: Vec<String>,
    pub every: Duration,
    pub max_polls: u32,
}

/// A rendered request's parts.
pub struct Rendered {
    pub method: Method,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

fn render_parts(
    (method, path, headers, body): (&Method, &Template, &[(String, Template)], Option<&Template>),
    values: &Values<'_>,
) -> Result<Rendered, String> {
    let path = path.render_to_string(values)?;
    let mut rendered_headers = Vec::with_capacity(headers.len());
    for (name, value) in headers {
        let mut value = value.render_to_string(values)?;
        if !loadgen::header_safe(&value) {
            // A value from a generated text or an answer cannot break the request's framing.
            value.retain(|c| c != '\r' && c != '\n' && c != '\0');
        }
        rendered_headers.push((name.clone(), value));
    }
    let body = match body {
        Some(body) => body.render_to_string(values)?.into_bytes(),
        None => Vec::new(),
    };
    Ok(Rendered {
        method: method.clone(),
        path,
        headers: rendered_headers,
        body,
    })
}

impl HttpKind {
    /// The first request of a session, from what the mix drew.
    pub fn first(&self, values: &Values<'_>) -> Rendered {
        render_parts(
            (&self.method, &self.path, &self.headers, self.body.as_ref()),
            values,
        )
        .expect("a first request refers to no answer")
    }

    /// What the answer to `request` (at `step`: 0 the first, then the polls) means.
    pub fn check(
        &self,
        step: u8,
        request: &Request,
        status: u16,
        body: &[u8],
    ) -> Result<Answer, ErrorKind> {
        if step == 0 {
            let expected = if self.expect.is_empty() {
                (200..300).contains(&status)
            } else {
                self.expect.contains(&status)
            };
            if !expected {
                return Err(ErrorKind::Http(status));
            }
            let Some(then) = &self.then else {
                return Ok(Answer::Done(Ok(())));
            };
            let answer: serde_json::Value =
                serde_json::from_slice(body).map_err(|_| ErrorKind::BadBody)?;
            let values = Values {
                text: "",
                user: "",
                seq: 0,
                uuid: 0,
                answer: Some(&answer),
            };
            let rendered = render_parts(
                (&then.method, &then.path, &then.headers, then.body.as_ref()),
                &values,
            )
            .map_err(|_| ErrorKind::BadBody)?;
            // The first poll may already find the session over: it goes at once.
            return Ok(Answer::Then(self.follow_up(
                request,
                rendered,
                1,
                Duration::ZERO,
            )));
        }
        let then = self.then.as_ref().ok_or(ErrorKind::UnknownTag)?;
        let expected = if then.expect.is_empty() {
            status == 200
        } else {
            then.expect.contains(&status)
        };
        if !expected {
            return Err(ErrorKind::PollHttp(status));
        }
        let answer: serde_json::Value =
            serde_json::from_slice(body).map_err(|_| ErrorKind::BadBody)?;
        let value = field(&answer, &then.field).ok_or(ErrorKind::BadBody)?;
        let value = match value {
            serde_json::Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        if then.terminal.contains(&value) {
            return Ok(Answer::Done(if then.ok.contains(&value) {
                Ok(())
            } else {
                Err(ErrorKind::Ended(value).name())
            }));
        }
        if u32::from(step) >= then.max_polls.min(u32::from(u8::MAX)) {
            return Err(ErrorKind::PollLimit);
        }
        let again = Rendered {
            method: request.method.clone(),
            path: request.path.clone(),
            headers: request.headers.clone(),
            body: request.body.to_vec(),
        };
        Ok(Answer::Then(self.follow_up(
            request,
            again,
            step + 1,
            then.every,
        )))
    }

    fn follow_up(
        &self,
        request: &Request,
        rendered: Rendered,
        step: u8,
        delay: Duration,
    ) -> Request {
        Request {
            endpoint: request.endpoint,
            method: rendered.method,
            path: rendered.path,
            body: rendered.body.into(),
            headers: rendered.headers,
            delay,
            tag: (request.tag & !0xff) | u32::from(step),
            series: request.series,
            detail: request.detail,
        }
    }
}

#[cfg(test)]
mod tests;
