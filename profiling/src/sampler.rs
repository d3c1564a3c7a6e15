//! What triggers the samples. pprof-rs's own interval timer (`ITIMER_PROF`) is turned off: the
//! kernel checks it only on the ticks that find the process running, so a process whose
//! bursts of work keep one phase of the tick (a service under evenly spaced requests) is
//! sampled by chance. Instead, each thread gets a software perf event of its own CPU time
//! (`task-clock`) that overflows every 1 / `frequency` seconds of that thread's CPU time and
//! signals `SIGPROF` to that very thread while it runs; pprof-rs's handler records its stack.
//! A thread started later gets its event within 50 ms. Where perf events are not allowed
//! (`perf_event_paranoid`), a thread that wakes at jittered intervals sends `SIGPROF` to every
//! thread in state R instead, which also catches some threads just after they went back to
//! waiting (their samples then show the wait).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

pub(crate) struct Sampler {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl Sampler {
    pub(crate) fn start(frequency: i32) -> Result<Sampler, crate::Error> {
        // pprof-rs armed ITIMER_PROF as its profile began; disarm it.
        let off = libc::itimerval {
            it_interval: libc::timeval {
                tv_sec: 0,
                tv_usec: 0,
            },
            it_value: libc::timeval {
                tv_sec: 0,
                tv_usec: 0,
            },
        };
        // SAFETY: setitimer reads `off` and writes nothing through the null pointer.
        unsafe {
            libc::setitimer(libc::ITIMER_PROF, &off, std::ptr::null_mut());
        }
        let stop = Arc::new(AtomicBool::new(false));
        let period = Duration::from_secs(1) / frequency.max(1) as u32;
        let thread = std::thread::Builder::new()
            .name("profile-sampler".into())
            .spawn({
                let stop = stop.clone();
                move || run(&stop, period)
            })?;
        Ok(Sampler { stop, thread })
    }

    pub(crate) fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
    }
}

fn run(stop: &AtomicBool, period: Duration) {
    // SAFETY: getpid and gettid have no preconditions.
    let (pid, own_tid) = unsafe { (libc::getpid(), libc::gettid()) };
    let mut events = perf::Events::new(period);
    if events.open_all(own_tid) {
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(50));
            events.open_all(own_tid);
        }
        return;
    }
    let mut rng = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0x9e37_79b9_7f4a_7c15, |d| d.as_nanos() as u64)
        | 1;
    while !stop.load(Ordering::Relaxed) {
        // xorshift64: uniform jitter in [0.5, 1.5) periods.
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let jitter = 0.5 + (rng >> 11) as f64 / (1u64 << 53) as f64;
        std::thread::sleep(period.mul_f64(jitter));
        for tid in running_threads(own_tid) {
            // SAFETY: tgkill sends a signal to a thread of this process; SIGPROF's handler is
            // pprof-rs's while the profile runs.
            unsafe {
                libc::syscall(libc::SYS_tgkill, pid, tid, libc::SIGPROF);
            }
        }
    }
}

/// The threads of this process, other than `own`.
fn threads(own: libc::pid_t) -> Vec<libc::pid_t> {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    tasks
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .filter(|tid| *tid != own)
        .collect()
}

/// The threads of this process, other than `own`, that are running or ready to run.
fn running_threads(own: libc::pid_t) -> Vec<libc::pid_t> {
    threads(own)
        .into_iter()
        .filter(|tid| {
            let Ok(stat) = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")) else {
                return false;
            };
            // The state follows the command name, which is in parentheses and may hold any
            // character, so it is found after the last ')'.
            stat.rsplit_once(')')
                .and_then(|(_, rest)| rest.trim_start().chars().next())
                == Some('R')
        })
        .collect()
}

/// Per-thread CPU-time events (`perf_event_open`, `PERF_COUNT_SW_TASK_CLOCK`) that signal
/// their own thread on every overflow.
mod perf {
    use std::collections::HashMap;
    use std::os::fd::{FromRawFd, OwnedFd};
    use std::time::Duration;

    /// `struct perf_event_attr` as of `PERF_ATTR_SIZE_VER5` (112 bytes); what is not set is 0.
    #[repr(C)]
    #[derive(Default)]
    struct PerfEventAttr {
        kind: u32,
        size: u32,
        config: u64,
        sample_period: u64,
        sample_type: u64,
        read_format: u64,
        /// Bit flags: disabled (bit 0), …, exclude_kernel (bit 5).
        flags: u64,
        wakeup_events: u32,
        bp_type: u32,
        config1: u64,
        config2: u64,
        branch_sample_type: u64,
        sample_regs_user: u64,
        sample_stack_user: u32,
        clockid: i32,
        sample_regs_intr: u64,
        aux_watermark: u32,
        sample_max_stack: u16,
        reserved: u16,
    }

    const PERF_TYPE_SOFTWARE: u32 = 1;
    const PERF_COUNT_SW_TASK_CLOCK: u64 = 1;
    const PERF_FLAG_FD_CLOEXEC: libc::c_ulong = 8;
    const EXCLUDE_KERNEL: u64 = 1 << 5;
    // Not in the libc crate for glibc targets: <fcntl.h>.
    const F_SETSIG: libc::c_int = 10;
    const F_SETOWN_EX: libc::c_int = 15;
    const F_OWNER_TID: libc::c_int = 0;

    #[repr(C)]
    struct FOwnerEx {
        kind: libc::c_int,
        pid: libc::pid_t,
    }

    pub(super) struct Events {
        period_ns: u64,
        /// The kernel's time too, unless it refused (then user time only).
        exclude_kernel: bool,
        open: HashMap<libc::pid_t, OwnedFd>,
    }

    impl Events {
        pub(super) fn new(period: Duration) -> Events {
            Events {
                period_ns: period.as_nanos().max(1) as u64,
                exclude_kernel: false,
                open: HashMap::new(),
            }
        }

        /// Opens an event for each thread that has none and closes those of threads gone;
        /// false when not one could be opened (perf events are not allowed here).
        pub(super) fn open_all(&mut self, own: libc::pid_t) -> bool {
            let threads = super::threads(own);
            self.open.retain(|tid, _| threads.contains(tid));
            for tid in threads {
                if self.open.contains_key(&tid) {
                    continue;
                }
                let fd = self.open_one(tid).or_else(|| {
                    // Unprivileged, with perf_event_paranoid 2: user time only.
                    (!self.exclude_kernel).then(|| {
                        self.exclude_kernel = true;
                        self.open_one(tid)
                    })?
                });
                if let Some(fd) = fd {
                    self.open.insert(tid, fd);
                }
            }
            !self.open.is_empty()
        }

        fn open_one(&self, tid: libc::pid_t) -> Option<OwnedFd> {
            let attr = PerfEventAttr {
                kind: PERF_TYPE_SOFTWARE,
                size: std::mem::size_of::<PerfEventAttr>() as u32,
                config: PERF_COUNT_SW_TASK_CLOCK,
                sample_period: self.period_ns,
                flags: if self.exclude_kernel {
                    EXCLUDE_KERNEL
                } else {
                    0
                },
                wakeup_events: 1,
                ..PerfEventAttr::default()
            };
            // SAFETY: `attr` is a valid perf_event_attr of the size it says; the event counts
            // one thread of this process on any CPU.
            let fd = unsafe {
                libc::syscall(
                    libc::SYS_perf_event_open,
                    &attr as *const PerfEventAttr,
                    tid,
                    -1,
                    -1,
                    PERF_FLAG_FD_CLOEXEC,
                )
            };
            if fd < 0 {
                return None;
            }
            // SAFETY: the kernel just returned this descriptor, owned by nothing else.
            let fd = unsafe { OwnedFd::from_raw_fd(fd as libc::c_int) };
            let raw = std::os::fd::AsRawFd::as_raw_fd(&fd);
            let owner = FOwnerEx {
                kind: F_OWNER_TID,
                pid: tid,
            };
            // SAFETY: plain fcntl calls on a descriptor this function owns: every overflow
            // signals SIGPROF (not SIGIO) to the thread counted.
            let set = unsafe {
                libc::fcntl(raw, libc::F_SETFL, libc::O_ASYNC) == 0
                    && libc::fcntl(raw, F_SETSIG, libc::SIGPROF) == 0
                    && libc::fcntl(raw, F_SETOWN_EX, &owner as *const FOwnerEx) == 0
            };
            set.then_some(fd)
        }
    }
}
