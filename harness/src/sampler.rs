//! Resource samples of the processes under test: CPU time and resident memory from
//! `/proc/<pid>` for processes the harness started, or from a service's Prometheus `/metrics`
//! (`process_cpu_seconds_total`, `process_resident_memory_bytes`) for services it did not.

use std::time::Duration;

/// One reading of a process.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub cpu_seconds: f64,
    pub rss_bytes: u64,
    /// The peak resident set since the process started (VmHWM), when known.
    pub rss_peak_bytes: Option<u64>,
}

/// Reads `/proc/<pid>/stat` and `/proc/<pid>/status`; `pid` 0 means this process.
pub fn read_proc(pid: u32) -> std::io::Result<Sample> {
    let dir = if pid == 0 {
        "/proc/self".to_owned()
    } else {
        format!("/proc/{pid}")
    };
    let stat = std::fs::read_to_string(format!("{dir}/stat"))?;
    let status = std::fs::read_to_string(format!("{dir}/status"))?;
    let invalid = || {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("unexpected format of {dir}/stat"),
        )
    };
    let ticks = cpu_ticks(&stat).ok_or_else(invalid)?;
    Ok(Sample {
        cpu_seconds: ticks as f64 / clock_ticks_per_second(),
        rss_bytes: status_kib(&status, "VmRSS:").unwrap_or(0) * 1024,
        rss_peak_bytes: status_kib(&status, "VmHWM:").map(|kib| kib * 1024),
    })
}

/// utime + stime from a stat line; the command name may hold spaces and parentheses.
fn cpu_ticks(stat: &str) -> Option<u64> {
    let after_name = stat.get(stat.rfind(')')? + 2..)?;
    let mut fields = after_name.split_ascii_whitespace();
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

fn status_kib(status: &str, key: &str) -> Option<u64> {
    let line = status.lines().find(|line| line.starts_with(key))?;
    line[key.len()..]
        .split_ascii_whitespace()
        .next()?
        .parse()
        .ok()
}

fn clock_ticks_per_second() -> f64 {
    // SAFETY: sysconf has no preconditions; it reads a system constant.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 { ticks as f64 } else { 100.0 }
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
        rss_peak_bytes: None,
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
