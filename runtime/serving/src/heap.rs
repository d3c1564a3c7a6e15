//! The heap pass's side of a service: with the `dhat-heap` feature, dhat is the global
//! allocator, the profile is written to the file `OCTOPERF_DHAT_OUT` names when the service
//! shuts down gracefully, and `GET /debug/heap` (loopback only) answers dhat's running totals,
//! which the harness reads as the measured window begins and ends. Without the feature, all of
//! it is absent and costs nothing.

/// The environment variable naming the file a heap-profiled service writes its dhat profile to.
pub const DHAT_OUT_ENV: &str = "OCTOPERF_DHAT_OUT";

#[cfg(feature = "dhat-heap")]
#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// A running heap profile; dropping it writes the file.
#[derive(Debug)]
pub struct HeapProfile {
    #[cfg(feature = "dhat-heap")]
    _profiler: Option<dhat::Profiler>,
}

/// Starts the heap profile when built with `dhat-heap` and `out` names a file.
pub fn heap_profile(out: Option<std::ffi::OsString>) -> HeapProfile {
    #[cfg(feature = "dhat-heap")]
    {
        let profiler = out.map(|path| {
            tracing::info!(path = ?path, "heap profile (dhat) written at shutdown");
            dhat::Profiler::builder().file_name(path).build()
        });
        HeapProfile {
            _profiler: profiler,
        }
    }
    #[cfg(not(feature = "dhat-heap"))]
    {
        if out.is_some() {
            tracing::warn!(
                "{DHAT_OUT_ENV} is set, but this binary was built without the dhat-heap feature"
            );
        }
        HeapProfile {}
    }
}

/// `GET /debug/heap`: dhat's totals so far, as JSON; 404 in a build without dhat.
pub(crate) async fn stats(request: axum::extract::Request) -> axum::response::Response {
    use axum::response::IntoResponse;
    if let Some(refused) = crate::profile::refusal_to_foreign(&request) {
        return refused;
    }
    #[cfg(feature = "dhat-heap")]
    {
        let stats = dhat::HeapStats::get();
        axum::Json(serde_json::json!({
            "total_blocks": stats.total_blocks,
            "total_bytes": stats.total_bytes,
            "curr_blocks": stats.curr_blocks,
            "curr_bytes": stats.curr_bytes,
            "max_blocks": stats.max_blocks,
            "max_bytes": stats.max_bytes,
        }))
        .into_response()
    }
    #[cfg(not(feature = "dhat-heap"))]
    {
        (
            axum::http::StatusCode::NOT_FOUND,
            "no heap profile: this binary was built without the dhat-heap feature\n",
        )
            .into_response()
    }
}
