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
    let value = |name: &str| text.lines().find_map(|line| sample_value(line, name));
    Some(Sample {
        cpu_seconds: value("process_cpu_seconds_total")?,
        rss_bytes: value("process_resident_memory_bytes")? as u64,
        rss_peak_bytes: value("process_resident_memory_peak_bytes").map(|peak| peak as u64),
    })
}

/// The value of a sample line of metric `name` in the Prometheus text format:
/// `name{labels} value [timestamp]`. The value is the first field after the name and its
/// labels, not the last (which may be a timestamp); a label value may hold spaces and braces.
fn sample_value(line: &str, name: &str) -> Option<f64> {
    let rest = line.strip_prefix(name)?;
    let rest = match rest.strip_prefix('{') {
        Some(labels) => &labels[labels_end(labels)? + 1..],
        None if rest.starts_with([' ', '\t']) => rest,
        None => return None,
    };
    rest.split_whitespace().next()?.parse().ok()
}

/// Where the label set that `labels` opens ends: the index of its closing brace, outside the
/// quoted label values.
fn labels_end(labels: &str) -> Option<usize> {
    let mut quoted = false;
    let mut escaped = false;
    for (idx, c) in labels.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '}' if !quoted => return Some(idx),
            _ => {}
        }
    }
    None
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

    #[test]
    fn a_sample_with_a_timestamp_or_labels_reads_its_value() {
        // The optional last field is a timestamp in milliseconds, not the value.
        let text = "process_cpu_seconds_total 2.5 1732600000000\n\
                    process_resident_memory_bytes{job=\"a b}\",instance=\"x\"} 4096 1732600000000\n";
        assert_eq!(
            parse_metrics(text),
            Some(Sample {
                cpu_seconds: 2.5,
                rss_bytes: 4096,
                rss_peak_bytes: None
            })
        );
        // A longer name that starts with the one asked for is another metric.
        assert_eq!(
            sample_value(
                "process_cpu_seconds_total_extra 9",
                "process_cpu_seconds_total"
            ),
            None
        );
        assert_eq!(
            sample_value(
                "process_cpu_seconds_total{a=\"1\"",
                "process_cpu_seconds_total"
            ),
            None
        );
    }
}
