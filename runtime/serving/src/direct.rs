//! Routes answered straight from the connection: a service's hot JSON routes, without the
//! router's layers. The router and its middleware (boxed futures for each layer, the body
//! boxed and collected by an extractor, the answer serialised into a growing buffer) cost the
//! Reflex Layer about 31,000 instructions a request, 60% of its whole request path (issue 26:
//! the `reflex_request_hit` workload counted against the serving code before direct routes,
//! and against a hyper build that answered at once, neither kept); a direct route does the same
//! checks inline: the API key and scope (`auth::decide`, as the middleware), the body limit
//! and read deadline, `Content-Type: application/json`, the per-route metrics and the
//! `x-process-time-us` header. Its handler is a plain function of the body's bytes that
//! answers JSON; a handler that must wait on something (a database, another service) belongs
//! in the router.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use axum::response::Response;
use http_body_util::BodyExt;

use crate::auth::{self, Principal};
use crate::{Metrics, PROCESS_TIME_HEADER};

/// What a direct route's handler is given.
pub struct DirectRequest<'a> {
    /// The caller, when the service has keys.
    pub principal: Option<&'a Principal>,
    pub peer: Option<SocketAddr>,
    /// The whole body, within the service's limit.
    pub body: &'a [u8],
}

/// A direct route's answer: a status and a JSON body.
pub struct DirectResponse {
    pub status: StatusCode,
    pub body: Vec<u8>,
}

impl DirectResponse {
    /// `{"error": {"code", "message"}}`, the services' error shape.
    pub fn error(status: StatusCode, code: &str, message: &str) -> DirectResponse {
        DirectResponse {
            status,
            body: serde_json::to_vec(
                &serde_json::json!({"error": {"code": code, "message": message}}),
            )
            .unwrap_or_default(),
        }
    }

    /// The answer to a body that is not the JSON the route reads, as axum's `Json` extractor
    /// words it: 400 for JSON that does not parse, 422 for JSON of the wrong shape.
    pub fn rejected(error: &serde_json::Error) -> DirectResponse {
        let (status, what) = match error.classify() {
            serde_json::error::Category::Data => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "Failed to deserialize the JSON body into the target type",
            ),
            _ => (
                StatusCode::BAD_REQUEST,
                "Failed to parse the request body as JSON",
            ),
        };
        DirectResponse::error(status, "invalid_request", &format!("{what}: {error}"))
    }
}

type Handler = dyn Fn(DirectRequest<'_>) -> DirectResponse + Send + Sync;

pub(crate) struct Route {
    pub(crate) path: &'static str,
    handler: Box<Handler>,
    /// The route's counters, resolved once.
    metrics: Arc<crate::RouteMetrics>,
}

/// What `serve` answers: the service's router, with its layers, and the routes answered
/// before it (`POST` only).
#[derive(Clone)]
pub struct App {
    router: Router,
    direct: Arc<Vec<Route>>,
    access: Arc<auth::Access>,
    metrics: Arc<Metrics>,
    body_limit: usize,
}

/// A router served as it is, with no direct routes (add those to an [`App::new`], which knows
/// the service's limits, keys and metrics).
impl From<Router> for App {
    fn from(router: Router) -> App {
        App {
            router,
            direct: Arc::new(Vec::new()),
            access: Arc::new(auth::Access::open()),
            metrics: Metrics::new(),
            body_limit: 0,
        }
    }
}

impl App {
    /// `router` instrumented as [`crate::instrument_with`] does, and the limits, keys and
    /// metrics that the direct routes added with [`App::direct`] share with it.
    pub fn new(
        router: Router,
        metrics: Arc<Metrics>,
        body_limit: usize,
        access: auth::Access,
    ) -> App {
        App {
            router: crate::instrument_with(router, metrics.clone(), body_limit, access.clone()),
            direct: Arc::new(Vec::new()),
            access: Arc::new(access),
            metrics,
            body_limit,
        }
    }

    /// Answers `POST path` with `handler`, before the router (another method gets a 405).
    pub fn direct(
        mut self,
        path: &'static str,
        handler: impl Fn(DirectRequest<'_>) -> DirectResponse + Send + Sync + 'static,
    ) -> App {
        let metrics = self.metrics.route(path, "POST");
        Arc::get_mut(&mut self.direct)
            .expect("direct routes are added while the app is built, before it is cloned")
            .push(Route {
                path,
                handler: Box::new(handler),
                metrics,
            });
        self
    }

    /// Answers one request: a direct route's, or the router's. `peer` is the client's address
    /// (put in the router's requests as `ConnectInfo`).
    pub async fn call<B>(&self, request: Request<B>, peer: Option<SocketAddr>) -> Response
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<axum::BoxError>,
    {
        if let Some(index) = self.direct_index(request.uri().path()) {
            return self
                .answer_direct(self.direct_at(index), request, peer)
                .await;
        }
        let mut request = request.map(axum::body::Body::new);
        if let Some(peer) = peer {
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
        }
        let mut router = self.router.clone();
        match tower_service::Service::call(&mut router, request).await {
            Ok(response) => response,
            Err(never) => match never {},
        }
    }

    /// [`App::call`] of a request with no peer: for tests that drive the service in process.
    pub async fn oneshot(&self, request: Request<axum::body::Body>) -> Response {
        self.call(request, None).await
    }

    /// The index of the direct route for `path`, if it is one.
    pub(crate) fn direct_index(&self, path: &str) -> Option<usize> {
        self.direct.iter().position(|route| route.path == path)
    }

    pub(crate) fn direct_at(&self, index: usize) -> &Route {
        &self.direct[index]
    }

    pub(crate) fn has_direct_routes(&self) -> bool {
        !self.direct.is_empty()
    }

    pub(crate) fn body_limit(&self) -> usize {
        self.body_limit
    }

    /// A direct route's answer over hyper: the body collected (within the limit and its read
    /// deadline), then [`App::answer`].
    async fn answer_direct<B>(
        &self,
        route: &Route,
        request: Request<B>,
        peer: Option<SocketAddr>,
    ) -> Response
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<axum::BoxError>,
    {
        let started = Instant::now();
        let (parts, body) = request.into_parts();
        let header = |name| {
            parts
                .headers
                .get(name)
                .and_then(|value: &HeaderValue| value.to_str().ok())
        };
        let head = Head {
            post: parts.method == Method::POST,
            token: header(header::AUTHORIZATION),
            content_type: header(header::CONTENT_TYPE),
            content_length: header(header::CONTENT_LENGTH).and_then(|v| v.parse().ok()),
        };
        let collected = match self.admit(route, &head) {
            Err(refusal) => Err(refusal),
            Ok(principal) => match http_body_util::Limited::new(body, self.body_limit)
                .collect()
                .await
            {
                Ok(collected) => Ok((principal, collected.to_bytes())),
                Err(failure) if failure.is::<http_body_util::LengthLimitError>() => {
                    Err(self.too_large())
                }
                Err(failure) => Err(Answer::error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    &format!("Failed to read the request body: {failure}"),
                )),
            },
        };
        let answer = match collected {
            Ok((principal, bytes)) => self.answer(route, principal.as_ref(), &bytes, peer),
            Err(refusal) => refusal,
        };
        let elapsed = self.finish(route, answer.status, started);
        let mut response = Response::new(axum::body::Body::from(answer.body));
        *response.status_mut() = answer.status;
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(PROCESS_TIME_HEADER, HeaderValue::from(elapsed));
        for (name, value) in status_headers(answer.status) {
            headers.insert(
                header::HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        response
    }

    /// A direct route's request judged on its head, before its body is read: its key (the
    /// caller's principal), its method, its content type and its declared length.
    pub(crate) fn admit(
        &self,
        route: &Route,
        head: &Head<'_>,
    ) -> Result<Option<Principal>, Answer> {
        let principal = auth::check_token(&self.access, head.token, route.path)?;
        if !head.post {
            return Err(Answer::error(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                &format!("{} takes POST", route.path),
            ));
        }
        if !head.content_type.is_some_and(is_json) {
            return Err(Answer::error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "invalid_request",
                "Expected request with `Content-Type: application/json`",
            ));
        }
        if head
            .content_length
            .is_some_and(|length| length > self.body_limit as u64)
        {
            return Err(self.too_large());
        }
        Ok(principal)
    }

    pub(crate) fn too_large(&self) -> Answer {
        Answer::error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            &format!("the body is over {} bytes", self.body_limit),
        )
    }

    /// The handler's answer to a request [`App::admit`] admitted, with its whole body.
    pub(crate) fn answer(
        &self,
        route: &Route,
        principal: Option<&Principal>,
        body: &[u8],
        peer: Option<SocketAddr>,
    ) -> Answer {
        (route.handler)(DirectRequest {
            principal,
            peer,
            body,
        })
    }

    /// Records the request on the route's metrics; its time since `started`, in µs.
    pub(crate) fn finish(&self, route: &Route, status: StatusCode, started: Instant) -> u64 {
        let elapsed = started.elapsed();
        // The route's counters are labelled POST; another method (answered 405) is counted
        // with them, as the router counts a refusal on its route.
        route
            .metrics
            .observe(status.as_u16(), elapsed.as_secs_f64());
        elapsed.as_micros() as u64
    }
}

/// The headers a direct answer's status calls for, on either path: the method a 405 allows,
/// the challenge of a 401.
pub(crate) fn status_headers(status: StatusCode) -> &'static [(&'static str, &'static str)] {
    match status {
        StatusCode::METHOD_NOT_ALLOWED => &[("allow", "POST")],
        StatusCode::UNAUTHORIZED => &[("www-authenticate", "Bearer")],
        _ => &[],
    }
}

/// What a direct route reads of a request's head.
pub(crate) struct Head<'a> {
    pub post: bool,
    /// The `Authorization` header's value.
    pub token: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub content_length: Option<u64>,
}

/// A direct route's answer (a [`DirectResponse`]).
pub(crate) type Answer = DirectResponse;

/// Whether a content type is JSON (`application/json`, or `application/*+json`), as axum's
/// `Json` extractor asks.
fn is_json(value: &str) -> bool {
    let essence = value.split(';').next().unwrap_or("").trim();
    let Some((kind, sub)) = essence.split_once('/') else {
        return false;
    };
    kind.eq_ignore_ascii_case("application")
        && (sub.eq_ignore_ascii_case("json")
            || sub.len() > 5 && sub[sub.len() - 5..].eq_ignore_ascii_case("+json"))
}
