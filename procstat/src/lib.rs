//! A process's CPU time and resident memory, read from `/proc/<pid>/stat` and
//! `/proc/<pid>/status`, and the whole machine's CPU time from `/proc/stat`. The services
//! export theirs on `/metrics`; the harness samples the processes it starts with it, and the
//! machine, to know what else ran beside them. Linux only.

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

/// The whole machine at one instant: every process's CPU time, and what the hypervisor took.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Machine {
    /// Each process's user plus system CPU time since it started, its threads' included
    /// (precise: the kernel scales its sampled ticks to the scheduler's exact runtime). Kernel
    /// threads are processes here too. The machine-wide counters of `/proc/stat` are not used
    /// for this: they are sampled at each tick and, for a load of short bursts like a load
    /// test's, read tenths of a core away from the processes' own sums.
    pub processes: std::collections::HashMap<u32, f64>,
    /// Time the hypervisor ran something else while this machine wanted to run (steal), summed
    /// over the CPUs; 0 where the kernel does not account it.
    pub steal_seconds: f64,
    /// CPUs the kernel reports online.
    pub cpus: usize,
}

/// Reads `/proc/stat` and every `/proc/<pid>/stat`. A process that exits while it is read is
/// left out.
pub fn machine() -> std::io::Result<Machine> {
    let stat = std::fs::read_to_string("/proc/stat")?;
    let (steal_seconds, cpus) = parse_machine(&stat).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "unexpected format of /proc/stat",
        )
    })?;
    let mut processes = std::collections::HashMap::new();
    for entry in std::fs::read_dir("/proc")?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse().ok())
        else {
            continue;
        };
        let Ok(line) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        if let Some(ticks) = cpu_ticks(&line) {
            processes.insert(pid, ticks as f64 / clock_ticks_per_second());
        }
    }
    Ok(Machine {
        processes,
        steal_seconds,
        cpus,
    })
}

impl Machine {
    /// CPU seconds that every process used between `self` and `later`: for a process alive at
    /// both, the difference; for one started in between, all of its time. A process that
    /// ended in between is not seen (its last part is missed).
    pub fn cpu_seconds_until(&self, later: &Machine) -> f64 {
        later
            .processes
            .iter()
            .map(|(pid, seconds)| {
                (seconds - self.processes.get(pid).copied().unwrap_or(0.0)).max(0.0)
            })
            .sum()
    }
}

/// Process `pid` and its children as one: a server that forks a process per connection
/// (PostgreSQL's backends) or none (Redis). CPU: the process's own, the children's it has
/// waited for (`cutime`, `cstime`: its exited backends), and each live child's with its own
/// waited-for children; resident memory: the process's, plus each child's private
/// (`RssAnon`), so that memory they share (PostgreSQL's shared buffers) is counted once. Its
/// peak is not known.
pub fn tree(pid: u32) -> std::io::Result<Sample> {
    let invalid = || {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("unexpected format of /proc/{pid}/stat"),
        )
    };
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let mut ticks = tree_ticks(&stat).ok_or_else(invalid)?;
    let mut rss_kib = status_kib(&status, "VmRSS:").unwrap_or(0);
    for entry in std::fs::read_dir("/proc")?.flatten() {
        let Some(child) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(line) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        if parent(&line) != Some(pid) || child == pid {
            continue;
        }
        ticks += tree_ticks(&line).unwrap_or(0);
        if let Ok(status) = std::fs::read_to_string(entry.path().join("status")) {
            rss_kib += status_kib(&status, "RssAnon:").unwrap_or(0);
        }
    }
    Ok(Sample {
        cpu_seconds: ticks as f64 / clock_ticks_per_second(),
        rss_bytes: rss_kib * 1024,
        rss_peak_bytes: None,
    })
}

/// The process that listens on TCP `port` of this machine (any address, IPv4 or IPv6), found
/// through `/proc/net/tcp{,6}` and the processes' descriptors; `None` when no process this
/// one may inspect holds it.
pub fn listener(port: u16) -> Option<u32> {
    let mut inodes = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        if let Ok(text) = std::fs::read_to_string(table) {
            inodes.extend(listening_inodes(&text, port));
        }
    }
    if inodes.is_empty() {
        return None;
    }
    let wanted: Vec<String> = inodes
        .iter()
        .map(|inode| format!("socket:[{inode}]"))
        .collect();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            if let Ok(target) = std::fs::read_link(fd.path())
                && wanted.iter().any(|w| target.as_os_str() == w.as_str())
            {
                return Some(pid);
            }
        }
    }
    None
}

/// The inodes of the sockets listening on `port` in a `/proc/net/tcp` table.
fn listening_inodes(table: &str, port: u16) -> Vec<u64> {
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_ascii_whitespace().collect();
            let local = fields.get(1)?;
            let local_port = u16::from_str_radix(local.rsplit(':').next()?, 16).ok()?;
            // 0A: TCP_LISTEN.
            (local_port == port && *fields.get(3)? == "0A").then(|| fields.get(9)?.parse().ok())?
        })
        .collect()
}

/// The parent's PID from a stat line.
fn parent(stat: &str) -> Option<u32> {
    let after_name = stat.get(stat.rfind(')')? + 2..)?;
    after_name.split_ascii_whitespace().nth(1)?.parse().ok()
}

/// utime + stime + cutime + cstime from a stat line.
fn tree_ticks(stat: &str) -> Option<u64> {
    let after_name = stat.get(stat.rfind(')')? + 2..)?;
    let fields: Vec<u64> = after_name
        .split_ascii_whitespace()
        .skip(11)
        .take(4)
        .map(|field| field.parse().unwrap_or(0))
        .collect();
    (fields.len() == 4).then(|| fields.iter().sum())
}

/// Steal seconds and online CPUs from `/proc/stat`.
fn parse_machine(stat: &str) -> Option<(f64, usize)> {
    let total_line = stat.lines().find(|line| line.starts_with("cpu "))?;
    let fields: Vec<u64> = total_line
        .split_ascii_whitespace()
        .skip(1)
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    // user nice system idle iowait irq softirq steal [guest guest_nice]
    if fields.len() < 4 {
        return None;
    }
    let steal = fields.get(7).copied().unwrap_or(0);
    let cpus = stat
        .lines()
        .filter(|line| {
            line.strip_prefix("cpu")
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        })
        .count();
    Some((steal as f64 / clock_ticks_per_second(), cpus.max(1)))
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
    fn a_tree_counts_its_waited_for_children_and_a_listener_is_found_by_its_port() {
        let line =
            "1234 (postgres) S 1 1234 1234 0 -1 4194304 100 0 0 0 250 50 70 30 20 0 4 0 1 2 3";
        assert_eq!(tree_ticks(line), Some(400));
        assert_eq!(parent(line), Some(1));
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   105        0 21543 1 0000000000000000 100 0 0 10 0\n   1: 0100007F:1538 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000   105        0 99999 1 0000000000000000 100 0 0 10 0\n";
        assert_eq!(listening_inodes(table, 5432), vec![21543]);
        assert!(listening_inodes(table, 6379).is_empty());
        // A socket of this process, found by its port.
        let socket = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = socket.local_addr().unwrap().port();
        assert_eq!(listener(port), Some(std::process::id()));
        // This process as a tree: at least its own time and memory.
        let own = tree(std::process::id()).unwrap();
        assert!(own.rss_bytes > 0 && own.cpu_seconds >= 0.0, "{own:?}");
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
    fn parses_the_machine_line_of_proc_stat() {
        let stat = "cpu  100 20 30 800 5 6 7 40 3 0\ncpu0 50 10 15 400 2 3 3 20 0 0\ncpu1 50 10 15 400 3 3 4 20 3 0\nintr 1 2 3\n";
        let (steal, cpus) = parse_machine(stat).unwrap();
        assert_eq!(cpus, 2);
        assert!((steal - 40.0 / clock_ticks_per_second()).abs() < 1e-9);
        assert_eq!(parse_machine("intr 1 2 3\n"), None);
        assert_eq!(parse_machine("cpu  1 2 x 4\n"), None);
    }

    #[test]
    fn the_machine_sees_this_process_spend_its_cpu() {
        let before = machine().unwrap();
        assert!(before.cpus >= 1);
        let own = std::process::id();
        assert!(before.processes.contains_key(&own));
        // 0.3 s of this process's CPU (the kernel's tick is at most 10 ms).
        let started = read(0).unwrap().cpu_seconds;
        while read(0).unwrap().cpu_seconds - started < 0.3 {
            std::hint::black_box((0..1000).sum::<u64>());
        }
        let after = machine().unwrap();
        let spent = before.cpu_seconds_until(&after);
        // At least this process's 0.3 s; the other processes of a test run add to it.
        assert!(spent >= 0.25, "{spent}");
        // A process that was not there before counts in full; none counts below zero.
        let mut empty = before.clone();
        empty.processes.clear();
        assert!(empty.cpu_seconds_until(&after) >= spent);
    }

    #[test]
    fn reads_this_process() {
        let own = read(0).unwrap();
        assert!(own.rss_bytes > 0);
        assert!(own.rss_peak_bytes.unwrap() >= own.rss_bytes);
        assert!(own.cpu_seconds >= 0.0);
    }
}
