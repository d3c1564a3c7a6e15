//! What triggers the samples: a thread that wakes at jittered intervals (on average 1 /
//! `frequency`, from 0.5× to 1.5× of it, so that it cannot lock onto a periodic load) and sends
//! `SIGPROF` to every other thread of the process that is running or ready to run, read from
//! `/proc/self/task/*/stat`. pprof-rs's handler then records that thread's stack. Each thread's
//! CPU time is thus sampled at about `frequency` per CPU-second, whatever its bursts' phase.
//! pprof-rs's own interval timer is turned off: the kernel checks it only on ticks.

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

/// The threads of this process, other than `own`, that are running or ready to run.
fn running_threads(own: libc::pid_t) -> Vec<libc::pid_t> {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    tasks
        .filter_map(|entry| {
            let tid: libc::pid_t = entry.ok()?.file_name().to_str()?.parse().ok()?;
            if tid == own {
                return None;
            }
            let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
            // The state follows the command name, which is in parentheses and may hold any
            // character, so it is found after the last ')'.
            let state = stat.rsplit_once(')')?.1.trim_start().chars().next()?;
            (state == 'R').then_some(tid)
        })
        .collect()
}
