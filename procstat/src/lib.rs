//! A process's CPU time and resident memory, read from `/proc/<pid>/stat` and
//! `/proc/<pid>/status`. The services export it on `/metrics`; the harness samples the
//! processes it starts with it. Linux only.

/// One reading of a process.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// User plus system CPU time since the process started.
    pub cpu_seconds: f64,
    pub rss_bytes: u64,
    /// The peak resident set since the process started (VmHWM), when the kernel reports it.
    pub rss_peak_bytes: Option<u64>,
}

/// Reads process `pid`; 0 means this process.
pub fn read(pid: u32) -> std::io::Result<Sample> {
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

/// Resets process `pid`'s peak resident set (VmHWM) to its current resident set (Linux 4.0
/// and later; writing `5` to `/proc/<pid>/clear_refs`), so that the next reading's peak
/// covers only what came after. Needs the right to write to the process (the same user, or
/// root).
pub fn reset_peak(pid: u32) -> std::io::Result<()> {
    let dir = if pid == 0 {
        "/proc/self".to_owned()
    } else {
        format!("/proc/{pid}")
    };
    std::fs::write(format!("{dir}/clear_refs"), b"5")
}

/// utime + stime from a stat line. The command name is parenthesised and may itself hold
/// spaces and parentheses, so fields are counted from the last `)`.
fn cpu_ticks(stat: &str) -> Option<u64> {
    let after_name = stat.get(stat.rfind(')')? + 2..)?;
    let mut fields = after_name.split_ascii_whitespace();
    // After the name, state is field 3 of the line; utime is field 14 and stime 15.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_stat_line_whose_name_has_spaces_and_parens() {
        let line =
            "1234 (my (odd) name) S 1 1234 1234 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 4 0 1 2 3";
        assert_eq!(cpu_ticks(line), Some(300));
        assert_eq!(cpu_ticks("garbage"), None);
    }

    #[test]
    fn a_reset_peak_forgets_what_came_before() {
        // 64 MB touched and given back (an allocation this large is its own mapping).
        let mut block = vec![0u8; 64 << 20];
        for page in block.chunks_mut(4096) {
            page[0] = 1;
        }
        std::hint::black_box(&block);
        drop(block);
        let before = read(0).unwrap().rss_peak_bytes.unwrap();
        reset_peak(0).unwrap();
        let after = read(0).unwrap();
        assert!(
            after.rss_peak_bytes.unwrap() + (32 << 20) < before,
            "peak {before} before the reset, {:?} after",
            after.rss_peak_bytes
        );
        assert!(after.rss_peak_bytes.unwrap() >= after.rss_bytes);
    }

    #[test]
    fn reads_this_process() {
        let own = read(0).unwrap();
        assert!(own.rss_bytes > 0);
        assert!(own.rss_peak_bytes.unwrap() >= own.rss_bytes);
        assert!(own.cpu_seconds >= 0.0);
    }
}
