//! Resource samples of the processes under test: CPU time and resident memory from
//! `/proc/<pid>` for processes the harness started, or from a service's Prometheus `/metrics`
//! (`process_cpu_seconds_total`, `process_resident_memory_bytes`) for services it did not.

use std::time::Duration;

pub use procstat::Sample;

/// Reads `/proc/<pid>`; `pid` 0 means this process.
pub fn read_proc(pid: u32) -> std::io::Result<Sample> {
    procstat::read(pid)
}

/// Scrapes `{base}/metrics` for the standard process metrics.
pub async fn read_metrics(client: &reqwest::Client, base: &str) -> Result<Sample, String> {
    let url = format!("{base}/metrics");
    let text = client
        .get(&url)
        .timeout(Duration::from_secs(2))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|error| format!("{url}: {error}"))?
        .text()
        .await
        .map_err(|error| format!("{url}: {error}"))?;
    parse_metrics(&text).ok_or_else(|| {
        format!("{url} has no process_cpu_seconds_total and process_resident_memory_bytes")
    })
}

fn parse_metrics(text: &str) -> Option<Sample> {
    let value = |name: &str| {
        text.lines()
            .find(|line| line.starts_with(name) && line[name.len()..].starts_with([' ', '{']))
            .and_then(|line| line.rsplit(' ').next())
            .and_then(|value| value.parse::<f64>().ok())
    };
    Some(Sample {
        cpu_seconds: value("process_cpu_seconds_total")?,
        rss_bytes: value("process_resident_memory_bytes")? as u64,
        rss_peak_bytes: value("process_resident_memory_peak_bytes").map(|peak| peak as u64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process_and_parses_prometheus_text() {
        let own = read_proc(0).unwrap();
        assert!(own.rss_bytes > 0 && own.rss_peak_bytes.unwrap() >= own.rss_bytes);
        let text = "# TYPE x counter\nprocess_resident_memory_bytes 1048576\nprocess_cpu_seconds_total 2.5\n";
        assert_eq!(
            parse_metrics(text),
            Some(Sample {
                cpu_seconds: 2.5,
                rss_bytes: 1 << 20,
                rss_peak_bytes: None
            })
        );
        assert_eq!(parse_metrics("other 1\n"), None);
    }
}
