//! API keys: bearer tokens, each naming a principal and its scope, checked on every route but
//! `/health` and `/ready` (probes need no key). `/metrics` and `/debug/*` (profiles, fault
//! switches) need the admin scope; a service's other routes need at least the scope it says.
//! The principal found is put in the request's extensions for the handlers.
//!
//! Keys come from a file (`--api-keys-file`, or `OCTO_API_KEYS_FILE`) or from the environment
//! (`OCTO_API_KEYS`), one per line: `TOKEN SCOPE NAME`, where the scope is `user`, `service` or
//! `admin`; blank lines and lines starting with `#` are skipped. With no keys given, every
//! route is open, as before.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The environment variable holding keys themselves, when no file is given.
pub const API_KEYS_ENV: &str = "OCTO_API_KEYS";

/// The shortest token accepted: a guessable key is no key.
pub const MIN_TOKEN_CHARS: usize = 16;

/// What a principal may do, in increasing order: a `user` acts for itself only; a `service`
/// (the Orchestrator calling the Reflex Layer and the arms, a gateway, the load generator) acts
/// for the users named in its requests; an `admin` may also read `/metrics` and drive
/// profiling and fault switches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    User,
    Service,
    Admin,
}

impl Scope {
    fn parse(text: &str) -> Option<Scope> {
        match text {
            "user" => Some(Scope::User),
            "service" => Some(Scope::Service),
            "admin" => Some(Scope::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::User => "user",
            Scope::Service => "service",
            Scope::Admin => "admin",
        }
    }
}

/// Who sent a request, as its key says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub name: Arc<str>,
    pub scope: Scope,
}

impl Principal {
    /// Whether this principal may act for `user_id`: itself, or anyone when it is a service
    /// or an admin.
    pub fn may_act_for(&self, user_id: &str) -> bool {
        self.scope >= Scope::Service || *self.name == *user_id
    }
}

/// The keys a service accepts.
#[derive(Debug, Default)]
pub struct ApiKeys {
    by_token: HashMap<Box<str>, Principal>,
}

impl ApiKeys {
    /// Parses keys in the file format; `source` names the file (or variable) in errors.
    pub fn parse(text: &str, source: &str) -> anyhow::Result<ApiKeys> {
        let mut by_token: HashMap<Box<str>, Principal> = HashMap::new();
        for (idx, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at = format!("{source}, line {}", idx + 1);
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [token, scope, name] = fields[..] else {
                anyhow::bail!(
                    "{at}: expected `TOKEN SCOPE NAME` (3 fields), found {}",
                    fields.len()
                );
            };
            anyhow::ensure!(
                token.chars().count() >= MIN_TOKEN_CHARS,
                "{at}: the token of {name:?} is shorter than {MIN_TOKEN_CHARS} characters"
            );
            anyhow::ensure!(
                HeaderValue::from_str(&format!("Bearer {token}")).is_ok(),
                "{at}: the token of {name:?} has characters a header cannot carry"
            );
            let scope = Scope::parse(scope).with_context(|| {
                format!("{at}: scope {scope:?} of {name:?}: expected user, service or admin")
            })?;
            let principal = Principal {
                name: name.into(),
                scope,
            };
            if let Some(earlier) = by_token.insert(token.into(), principal) {
                anyhow::bail!("{at}: {name:?} has the same token as {:?}", earlier.name);
            }
        }
        anyhow::ensure!(!by_token.is_empty(), "{source}: no keys in it");
        Ok(ApiKeys { by_token })
    }

    /// The keys of `file` when given, else of the `OCTO_API_KEYS` variable when set; `None`
    /// (every route open) when neither is.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Option<Arc<ApiKeys>>> {
        if let Some(file) = file {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading the API keys file {}", file.display()))?;
            return ApiKeys::parse(&text, &file.display().to_string())
                .map(|keys| Some(Arc::new(keys)));
        }
        match std::env::var(API_KEYS_ENV) {
            Ok(text) => ApiKeys::parse(&text, API_KEYS_ENV).map(|keys| Some(Arc::new(keys))),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => {
                anyhow::bail!("{API_KEYS_ENV}: not UTF-8")
            }
        }
    }

    /// The principal of `token`.
    pub fn principal(&self, token: &str) -> Option<&Principal> {
        self.by_token.get(token)
    }

    pub fn len(&self) -> usize {
        self.by_token.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_token.is_empty()
    }
}

/// Who may call a service: its keys (none: open) and the scope its own routes need.
#[derive(Debug, Clone)]
pub struct Access {
    pub keys: Option<Arc<ApiKeys>>,
    pub routes_need: Scope,
}

impl Access {
    /// Every route open.
    pub fn open() -> Access {
        Access {
            keys: None,
            routes_need: Scope::User,
        }
    }

    /// The scope `path` needs, or `None` when it is open to all.
    fn needs(&self, path: &str) -> Option<Scope> {
        match path {
            "/health" | "/ready" => None,
            "/metrics" => Some(Scope::Admin),
            _ if path.starts_with("/debug/") => Some(Scope::Admin),
            _ => Some(self.routes_need),
        }
    }
}

/// The middleware: 401 without a known key, 403 with a key whose scope is too low; otherwise
/// the request goes on with its [`Principal`] in its extensions.
pub(crate) async fn authenticate(
    State(access): State<Arc<Access>>,
    mut request: Request,
    next: Next,
) -> Response {
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    match decide(&access, authorization, request.uri().path()) {
        Ok(checked) => {
            if let Some(principal) = checked.principal {
                request.extensions_mut().insert(principal);
            }
            request.extensions_mut().insert(checked.internals);
            next.run(request).await
        }
        Err(refusal) => refused(refusal.status, refusal.code, refusal.message),
    }
}

/// Who a request comes from, as [`decide`] found.
pub(crate) struct Checked {
    /// The key's principal; none when the service is open or the route needs no key.
    pub principal: Option<Principal>,
    pub internals: Internals,
}

/// The key check of a direct route's request: the caller's principal (none when the service
/// is open), or the refusal to answer.
pub(crate) fn check_token(
    access: &Access,
    authorization: Option<&str>,
    path: &str,
) -> Result<Option<Principal>, crate::DirectResponse> {
    match decide(access, authorization, path) {
        Ok(checked) => Ok(checked.principal),
        Err(refusal) => Err(crate::DirectResponse::error(
            refusal.status,
            refusal.code,
            &refusal.message,
        )),
    }
}

/// Why a request is refused.
struct Refusal {
    status: StatusCode,
    code: &'static str,
    message: String,
}

/// The one decision, from the `Authorization` header's value.
fn decide(access: &Access, authorization: Option<&str>, path: &str) -> Result<Checked, Refusal> {
    let Some(keys) = &access.keys else {
        // An open service hides nothing: anyone may read its `/metrics` too.
        return Ok(Checked {
            principal: None,
            internals: Internals(true),
        });
    };
    let token = authorization
        .and_then(|value| {
            value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
        })
        .map(str::trim);
    let Some(needs) = access.needs(path) else {
        // An open route (`/health`, `/ready`) needs no key, but shows internals (dependency
        // URLs, error texts) only to an admin's.
        let admin = token
            .and_then(|token| keys.principal(token))
            .is_some_and(|principal| principal.scope >= Scope::Admin);
        return Ok(Checked {
            principal: None,
            internals: Internals(admin),
        });
    };
    let Some(token) = token else {
        return Err(Refusal {
            status: StatusCode::UNAUTHORIZED,
            code: "unauthorized",
            message: "an API key is required: send `Authorization: Bearer <key>`".into(),
        });
    };
    let Some(principal) = keys.principal(token) else {
        return Err(Refusal {
            status: StatusCode::UNAUTHORIZED,
            code: "unauthorized",
            message: "the API key is not known here".into(),
        });
    };
    if principal.scope < needs {
        return Err(Refusal {
            status: StatusCode::FORBIDDEN,
            code: "forbidden",
            message: format!(
                "{path} needs the {} scope; the key of {:?} has {}",
                needs.as_str(),
                principal.name,
                principal.scope.as_str()
            ),
        });
    }
    Ok(Checked {
        principal: Some(principal.clone()),
        internals: Internals(principal.scope >= Scope::Admin),
    })
}

/// Whether the caller may see the service's internals (its dependencies' URLs, error texts):
/// an admin's key, or a service run without keys. Put in every request's extensions by the
/// middleware; a handler that finds none shows nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Internals(pub bool);

/// A refusal, in the services' error shape; a 401 says how to authenticate.
fn refused(status: StatusCode, code: &'static str, message: String) -> Response {
    let body = serde_json::json!({"error": {"code": code, "message": message}});
    let mut response = (status, axum::Json(body)).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}
