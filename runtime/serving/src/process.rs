//! Reads this process's resident memory and CPU time from /proc, for `/metrics`.

/// A process's resident set size and cumulative CPU time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProcessStats {
    pub rss_bytes: u64,
    pub cpu_seconds: f64,
}

/// This process's stats, from `/proc/self/stat` and `/proc/self/status`.
pub fn read_self_stats() -> std::io::Result<ProcessStats> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    let status = std::fs::read_to_string("/proc/self/status")?;
    let invalid =
        || std::io::Error::new(std::io::ErrorKind::InvalidData, "unexpected /proc format");
    let ticks = cpu_ticks(&stat).ok_or_else(invalid)?;
    let rss_kib = status_kib(&status, "VmRSS:").ok_or_else(invalid)?;
    Ok(ProcessStats {
        rss_bytes: rss_kib * 1024,
        cpu_seconds: ticks as f64 / clock_ticks_per_second(),
    })
}

/// utime + stime from a `/proc/<pid>/stat` line; fields after the parenthesised command name.
fn cpu_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 2..];
    let mut fields = after_name.split_ascii_whitespace();
    // After the name: state is field 3 of the line, utime field 14, stime field 15.
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
    // SAFETY: sysconf has no preconditions; it only reads a system constant.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 { ticks as f64 } else { 100.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_stat_line_whose_name_has_spaces_and_parens() {
        let line =
            "1234 (my (odd) name) S 1 1234 1234 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 4 0 1 2 3";
        assert_eq!(cpu_ticks(line), Some(300));
    }

    #[test]
    fn reads_this_process() {
        let stats = read_self_stats().unwrap();
        assert!(stats.rss_bytes > 0);
        assert!(stats.cpu_seconds >= 0.0);
    }
}
