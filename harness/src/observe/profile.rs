//! CPU profiles over exactly the measured window: each service's (`POST /debug/pprof/start` as
//! the window begins, `POST /debug/pprof/stop` as it ends, which answers with the gzipped pprof
//! protobuf) and the generator's own (pprof-rs in this process, started and stopped at the same
//! instants).

use std::time::Instant;

use tokio::sync::watch;

use super::UnderTest;

/// What a window's profiling left for one process: its gzipped pprof protobuf, or why there is
/// none.
#[derive(Debug)]
pub struct Taken {
    pub process: UnderTest,
    pub pprof: Result<Vec<u8>, String>,
    /// The profiler's own resident memory in the process, when the service says (bytes).
    pub profiler_rss_bytes: Option<u64>,
}

/// Profiles every process from `start` to `end`: starts them all as the window begins (the
/// services first, then the generator), and stops them as it ends. Cancelled before the
/// window, it profiles nothing; cancelled inside it, it stops early.
pub async fn profile_window(
    client: reqwest::Client,
    processes: Vec<UnderTest>,
    start: Instant,
    end: Instant,
    mut cancel: watch::Receiver<bool>,
) -> Vec<Taken> {
    tokio::select! {
        () = tokio::time::sleep_until(start.into()) => {}
        _ = cancel.wait_for(|stop| *stop) => return Vec::new(),
    }
    let mut started = Vec::new();
    for process in processes {
        let (outcome, footprint) = match &process.base_url {
            Some(url) => match start_service(&client, url).await {
                Ok(footprint) => (Ok(None), footprint),
                Err(why) => (Err(why), None),
            },
            None => (
                profiling::start(profiling::DEFAULT_FREQUENCY)
                    .map(Some)
                    .map_err(|error| error.to_string()),
                None,
            ),
        };
        started.push((process, outcome, footprint));
    }
    tokio::select! {
        () = tokio::time::sleep_until(end.into()) => {}
        _ = cancel.wait_for(|stop| *stop) => {}
    }
    let mut taken = Vec::new();
    for (process, outcome, profiler_rss_bytes) in started {
        let pprof = match (outcome, &process.base_url) {
            (Err(why), _) => Err(why),
            (Ok(Some(session)), _) => tokio::task::spawn_blocking(move || session.finish())
                .await
                .map_err(|error| error.to_string())
                .and_then(|finished| finished.map_err(|error| error.to_string())),
            (Ok(None), Some(url)) => stop_service(&client, url).await,
            (Ok(None), None) => Err("no profile was started".to_owned()),
        };
        taken.push(Taken {
            process,
            pprof,
            profiler_rss_bytes,
        });
    }
    taken
}

/// Starts a service's profile; returns the profiler's own resident memory when the service
/// says it.
async fn start_service(client: &reqwest::Client, base_url: &str) -> Result<Option<u64>, String> {
    let url = format!(
        "{base_url}/debug/pprof/start?frequency={}",
        profiling::DEFAULT_FREQUENCY
    );
    let response = client
        .post(&url)
        .send()
        .await
        .map_err(|error| format!("POST {url}: {error}"))?;
    if response.status().is_success() {
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        return Ok(body["profiler_rss_bytes"].as_u64());
    }
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    Err(format!("POST {url}: {status}: {}", body.trim()))
}

async fn stop_service(client: &reqwest::Client, base_url: &str) -> Result<Vec<u8>, String> {
    let url = format!("{base_url}/debug/pprof/stop");
    let response = client
        .post(&url)
        .send()
        .await
        .map_err(|error| format!("POST {url}: {error}"))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|error| format!("POST {url}: reading the profile: {error}"))?;
    if status.is_success() {
        Ok(body.to_vec())
    } else {
        Err(format!(
            "POST {url}: {status}: {}",
            String::from_utf8_lossy(&body).trim()
        ))
    }
}
