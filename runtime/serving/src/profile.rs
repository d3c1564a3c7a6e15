//! A service's CPU profile on demand: `POST /debug/pprof/start` begins sampling the whole
//! process (answering the profiler's own resident memory, `{"profiler_rss_bytes": N}`),
//! `POST /debug/pprof/stop` ends it and answers with the gzipped pprof protobuf. Off
//! unless the service was started with `--profiling` (`enable_profiling`), and then answered
//! only to a peer on loopback: a profile names every function of the binary.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use axum::extract::{ConnectInfo, Query, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Resident memory the profiler took as it was readied (its sample table, the symbols it
/// loaded), bytes: `/debug/pprof/start` answers it, so that a memory row can leave it out.
static PROFILER_RSS: AtomicU64 = AtomicU64::new(0);

/// Lets the profile's routes answer (the `--profiling` start flag), and readies the profiler
/// now, at start-up, rather than inside the first measured window. pprof-rs allocates its
/// sample table up front (about 165 MB here) and loads symbols: that memory is measured here.
pub fn enable_profiling() {
    let before = procstat::read(0).map(|s| s.rss_bytes).unwrap_or(0);
    profiling::prepare();
    // What the set-up freed goes back to the system first: left resident, it would count as
    // the profiler's, and the service's own allocations would reuse it unseen (a 20 MB Reflex
    // Layer read 7.5 MB once the footprint was left out).
    // SAFETY: malloc_trim only releases free memory of the allocator's own arenas.
    unsafe {
        libc::malloc_trim(0);
    }
    let after = procstat::read(0).map(|s| s.rss_bytes).unwrap_or(0);
    PROFILER_RSS.store(after.saturating_sub(before), Ordering::Relaxed);
    ENABLED.store(true, Ordering::Relaxed);
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct StartQuery {
    /// Samples per CPU-second; the kernel's tick caps it (250 here).
    frequency: Option<i32>,
}

pub(crate) async fn start(Query(query): Query<StartQuery>, request: Request) -> Response {
    if let Some(refused) = refusal(&request) {
        return refused;
    }
    let frequency = query.frequency.unwrap_or(profiling::DEFAULT_FREQUENCY);
    if !(1..=10_000).contains(&frequency) {
        return (
            StatusCode::BAD_REQUEST,
            format!("frequency {frequency} is not between 1 and 10000 per second\n"),
        )
            .into_response();
    }
    let started = tokio::task::spawn_blocking(move || profiling::start_global(frequency))
        .await
        .unwrap_or(Err(profiling::Error::NotRunning));
    match started {
        Ok(()) => {
            let profiler_rss_bytes = PROFILER_RSS.load(Ordering::Relaxed);
            tracing::info!(frequency, profiler_rss_bytes, "CPU profile started");
            axum::Json(serde_json::json!({ "profiler_rss_bytes": profiler_rss_bytes }))
                .into_response()
        }
        Err(error @ profiling::Error::AlreadyRunning) => {
            (StatusCode::CONFLICT, format!("{error}\n")).into_response()
        }
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{error}\n")).into_response(),
    }
}

pub(crate) async fn stop(request: Request) -> Response {
    if let Some(refused) = refusal(&request) {
        return refused;
    }
    // Symbolising takes tens of milliseconds of CPU: off the runtime's thread.
    let stopped = tokio::task::spawn_blocking(profiling::stop_global).await;
    match stopped {
        Ok(Ok(bytes)) => {
            tracing::info!(bytes = bytes.len(), "CPU profile stopped");
            (
                [
                    (header::CONTENT_TYPE, "application/octet-stream"),
                    (header::CONTENT_ENCODING, "identity"),
                ],
                bytes,
            )
                .into_response()
        }
        Ok(Err(error @ profiling::Error::NotRunning)) => {
            (StatusCode::CONFLICT, format!("{error}\n")).into_response()
        }
        Ok(Err(error)) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{error}\n")).into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{error}\n")).into_response(),
    }
}

/// The answer refusing the request, unless profiling is enabled and the peer is on loopback.
fn refusal(request: &Request) -> Option<Response> {
    if !ENABLED.load(Ordering::Relaxed) {
        return Some(
            (
                StatusCode::NOT_FOUND,
                "profiling is off: start the service with --profiling\n",
            )
                .into_response(),
        );
    }
    refusal_to_foreign(request)
}

/// Whether the request came from a peer on loopback (as `serve` records it); false when the
/// peer is unknown.
pub fn peer_is_loopback(request: &Request) -> bool {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|info| info.0.ip().is_loopback())
}

/// The answer refusing a peer that is not on loopback: profiles name every function of the
/// binary and every allocation site.
pub(crate) fn refusal_to_foreign(request: &Request) -> Option<Response> {
    match peer_is_loopback(request) {
        true => None,
        false => Some(
            (
                StatusCode::FORBIDDEN,
                "profiles are served only to loopback\n",
            )
                .into_response(),
        ),
    }
}
