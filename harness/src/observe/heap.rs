//! The heap pass's readings: each service's dhat totals (`GET /debug/heap`) as the measured
//! window begins and ends, and its `dhat-heap.json` (written as it shuts down) summarised: peak
//! live heap, bytes and allocations per request over the window, and the allocation sites that
//! allocated the most bytes.

use std::path::Path;
use std::time::Instant;

use reports::{HeapResult, HeapSite};
use serde::Deserialize;

use super::UnderTest;

/// The environment variable a `dhat-heap` build of a service reads for its profile's path
/// (`serving::DHAT_OUT_ENV`; the harness knows the services only by this contract).
pub const DHAT_OUT_ENV: &str = "OCTOPERF_DHAT_OUT";

/// Allocation sites listed per service.
const TOP_SITES: usize = 10;

/// dhat's running totals, as `/debug/heap` answers them.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct HeapStats {
    pub total_blocks: u64,
    pub total_bytes: u64,
    pub max_bytes: u64,
}

/// Each service's totals at `start` and at `end` (or why they could not be read).
pub async fn heap_window(
    client: reqwest::Client,
    services: Vec<UnderTest>,
    start: Instant,
    end: Instant,
) -> Vec<(UnderTest, Result<(HeapStats, HeapStats), String>)> {
    tokio::time::sleep_until(start.into()).await;
    let mut first = Vec::new();
    for service in &services {
        first.push(read_stats(&client, service.base_url.as_deref()).await);
    }
    tokio::time::sleep_until(end.into()).await;
    let mut readings = Vec::new();
    for (service, first) in services.into_iter().zip(first) {
        let last = read_stats(&client, service.base_url.as_deref()).await;
        readings.push((service, first.and_then(|first| Ok((first, last?)))));
    }
    readings
}

async fn read_stats(client: &reqwest::Client, base_url: Option<&str>) -> Result<HeapStats, String> {
    let base_url = base_url.ok_or("it is not reachable over HTTP")?;
    let url = format!("{base_url}/debug/heap");
    let response = client
        .get(&url)
        .send()
        .await
        .map_err(|error| format!("GET {url}: {error}"))?;
    let status = response.status();
    let body = response
        .text()
        .await
        .map_err(|error| format!("GET {url}: {error}"))?;
    if !status.is_success() {
        return Err(format!("GET {url}: {status}: {}", body.trim()));
    }
    serde_json::from_str(&body).map_err(|error| format!("GET {url}: {error}"))
}

/// The parts of a `dhat-heap.json` the summary reads.
#[derive(Debug, Deserialize)]
struct DhatFile {
    pps: Vec<ProgramPoint>,
    ftbl: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct ProgramPoint {
    /// Bytes and blocks allocated at this point over the run.
    tb: u64,
    tbk: u64,
    /// Frame indices into `ftbl`, innermost first.
    fs: Vec<usize>,
}

/// Summarises one service's heap pass: the window's totals (from the two readings) per
/// request, and the dhat file's top allocation sites by bytes (over the service's life).
pub fn summarise(
    watched: &UnderTest,
    readings: Result<(HeapStats, HeapStats), String>,
    dhat_path: &Path,
    relative_path: String,
    requests: u64,
) -> HeapResult {
    let mut result = HeapResult {
        component: watched.component.clone(),
        name: watched.name.clone(),
        requests,
        ..HeapResult::default()
    };
    match readings {
        Ok((first, last)) => {
            result.peak_bytes = last.max_bytes;
            result.total_bytes = last.total_bytes.saturating_sub(first.total_bytes);
            result.total_allocations = last.total_blocks.saturating_sub(first.total_blocks);
            if requests > 0 {
                result.bytes_per_request = result.total_bytes as f64 / requests as f64;
                result.allocations_per_request = result.total_allocations as f64 / requests as f64;
            }
        }
        Err(why) => result.error = Some(why),
    }
    let parsed = std::fs::read_to_string(dhat_path)
        .map_err(|error| format!("{}: {error}", dhat_path.display()))
        .and_then(|text| {
            serde_json::from_str::<DhatFile>(&text)
                .map_err(|error| format!("{}: not a dhat profile: {error}", dhat_path.display()))
        });
    match parsed {
        Ok(file) => {
            result.dhat = Some(relative_path);
            result.top_sites = top_sites(&file);
        }
        Err(why) => {
            result.error = Some(match result.error.take() {
                Some(before) => format!("{before}; {why}"),
                None => why,
            });
        }
    }
    result
}

/// Allocation sites by bytes, each named by its first frame outside the standard library.
fn top_sites(file: &DhatFile) -> Vec<HeapSite> {
    let mut by_site: std::collections::HashMap<String, (u64, u64)> = Default::default();
    for point in &file.pps {
        let frames: Vec<&str> = point
            .fs
            .iter()
            .filter_map(|idx| file.ftbl.get(*idx).map(String::as_str))
            .collect();
        let site = frames
            .iter()
            .find(|frame| is_site(frame))
            .or(frames.first())
            .map_or_else(|| "[unknown]".to_owned(), |frame| site_name(frame));
        let entry = by_site.entry(site).or_default();
        entry.0 += point.tb;
        entry.1 += point.tbk;
    }
    let mut sites: Vec<HeapSite> = by_site
        .into_iter()
        .map(|(site, (bytes, allocations))| HeapSite {
            site,
            bytes,
            allocations,
        })
        .collect();
    sites.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.site.cmp(&b.site)));
    sites.truncate(TOP_SITES);
    sites
}

/// A frame outside the standard library and the allocator: where the allocation was asked
/// for (a dependency's frame counts, as in dh_view: hyper's read buffer is hyper's site).
fn is_site(frame: &str) -> bool {
    let frame = frame.split_once(": ").map_or(frame, |(_, rest)| rest);
    let (function, location) = frame.rsplit_once(" (").unwrap_or((frame, ""));
    let function = function.trim_start_matches('<');
    let library = ["alloc::", "core::", "std::", "dhat::", "__rust"]
        .iter()
        .any(|prefix| function.starts_with(prefix));
    !(library
        || location.starts_with("/rustc/")
        || location.contains("/library/")
        || location.starts_with("???"))
}

/// `0x55d0c2b0a6f4: reflex::scan_cached (src/lib.rs:120:13)` → `reflex::scan_cached
/// (src/lib.rs:120)`.
fn site_name(frame: &str) -> String {
    let frame = frame.split_once(": ").map_or(frame, |(_, rest)| rest);
    match frame.rsplit_once(':') {
        Some((head, column))
            if column
                .trim_end_matches(')')
                .bytes()
                .all(|b| b.is_ascii_digit()) =>
        {
            format!("{head})")
        }
        _ => frame.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sites_are_named_by_their_first_own_frame_and_ranked_by_bytes() {
        let file: DhatFile = serde_json::from_value(serde_json::json!({
            "pps": [
                {"tb": 100, "tbk": 10, "fs": [1, 4, 2]},
                {"tb": 900, "tbk": 3, "fs": [1, 3]},
                {"tb": 50, "tbk": 5, "fs": [2]},
            ],
            "ftbl": [
                "[root]",
                "0x1: alloc::raw_vec::finish_grow<alloc::alloc::Global> (src/raw_vec/mod.rs:1:2)",
                "0x2: reflex::scan_cached (reflex/src/lib.rs:120:13)",
                "0x3: orchestrator::store::insert (orchestrator/src/store.rs:7:1)",
                "0x4: bytes::bytes_mut::BytesMut::reserve (bytes-1.12.2/src/bytes_mut.rs:626:22)",
            ],
        }))
        .unwrap();
        let sites = top_sites(&file);
        assert_eq!(
            sites[0].site,
            "orchestrator::store::insert (orchestrator/src/store.rs:7)"
        );
        assert_eq!((sites[0].bytes, sites[0].allocations), (900, 3));
        // Where a dependency asked, the dependency's frame is the site.
        assert_eq!(
            sites[1].site,
            "bytes::bytes_mut::BytesMut::reserve (bytes-1.12.2/src/bytes_mut.rs:626)"
        );
        assert_eq!((sites[1].bytes, sites[1].allocations), (100, 10));
        assert_eq!(sites[2].site, "reflex::scan_cached (reflex/src/lib.rs:120)");
        assert_eq!((sites[2].bytes, sites[2].allocations), (50, 5));
    }

    #[test]
    fn per_request_figures_come_from_the_window_and_a_missing_file_is_said() {
        let watched = UnderTest::given("reflex", "reflex", "http://127.0.0.1:1");
        let first = HeapStats {
            total_blocks: 1_000,
            total_bytes: 50_000,
            max_bytes: 10_000,
        };
        let last = HeapStats {
            total_blocks: 3_000,
            total_bytes: 250_000,
            max_bytes: 20_000,
        };
        let result = summarise(
            &watched,
            Ok((first, last)),
            Path::new("/nonexistent/dhat-heap.json"),
            "x".into(),
            100,
        );
        assert_eq!(result.peak_bytes, 20_000);
        assert_eq!(result.bytes_per_request, 2_000.0);
        assert_eq!(result.allocations_per_request, 20.0);
        assert!(result.dhat.is_none());
        assert!(
            result
                .error
                .unwrap()
                .contains("/nonexistent/dhat-heap.json")
        );
    }
}
