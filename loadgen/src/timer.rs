//! A timer precise to microseconds inside a tokio runtime: a Linux timerfd registered with the
//! runtime's poller. tokio's own timer rounds to whole milliseconds, which would send requests
//! in bursts and add up to a millisecond to every latency measured from the intended time.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

use tokio::io::unix::AsyncFd;

pub struct PreciseTimer {
    fd: AsyncFd<OwnedFd>,
    /// The deadline the timer is set for, if any.
    armed: Option<Instant>,
    /// When set, the timer learns how late this thread wakes (a moving average), fires that
    /// much early (at most this much, and at most an eighth of the wait) and waits out the
    /// rest awake: on time, at the price of a little spinning that is cheap at low rates
    /// and, at high rates, bounded to a small share of the gap between requests.
    compensate_up_to: Duration,
    wake_latency: Duration,
    /// Fire early by the whole `compensate_up_to` (within half the wait), not by the
    /// learnt average: on time even when a wake-up is far later than usual.
    always_early: bool,
    /// Time spent spinning, awake but idle, since [`PreciseTimer::take_spun`] last asked.
    spun: Duration,
}

/// Asks the kernel not to defer this thread's timers: by default Linux lets a timer fire up
/// to 50 µs late to batch wake-ups, lateness that would land in every measured latency.
pub fn tighten_timer_slack() {
    // SAFETY: PR_SET_TIMERSLACK takes a plain integer and affects only the calling thread.
    unsafe {
        libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong);
    }
}

impl PreciseTimer {
    /// Must be called inside a tokio runtime with IO enabled.
    pub fn new() -> io::Result<PreciseTimer> {
        // SAFETY: timerfd_create has no preconditions; a negative result is an error.
        let raw = unsafe {
            libc::timerfd_create(
                libc::CLOCK_MONOTONIC,
                libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
            )
        };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `raw` is a file descriptor just opened and owned by nobody else.
        let owned = unsafe { OwnedFd::from_raw_fd(raw) };
        // SAFETY: an OwnedFd keeps its descriptor open and the same until it is dropped with
        // the AsyncFd, and nothing else closes it.
        let fd = unsafe { AsyncFd::register_with_interest(owned, tokio::io::Interest::READABLE) }
            .map_err(io::Error::from)?;
        Ok(PreciseTimer {
            fd,
            armed: None,
            compensate_up_to: Duration::ZERO,
            wake_latency: Duration::ZERO,
            always_early: false,
            spun: Duration::ZERO,
        })
    }

    /// A timer that fires early by its learnt wake-up latency, up to `limit`, and spins the
    /// rest of the way.
    pub fn compensated(limit: Duration) -> io::Result<PreciseTimer> {
        let mut timer = PreciseTimer::new()?;
        timer.compensate_up_to = limit;
        Ok(timer)
    }

    /// A timer that always fires `margin` early (at most half the wait) and spins the
    /// rest of the way: punctual through the wake-ups far later than the average, for a thread
    /// whose punctuality matters more than its CPU (the calibration server's).
    pub fn early_by(margin: Duration) -> io::Result<PreciseTimer> {
        let mut timer = PreciseTimer::compensated(margin)?;
        timer.always_early = true;
        Ok(timer)
    }

    /// Waits until `deadline`. Re-arming for the same deadline costs no system call, so a
    /// loop that is woken by other events can call this every time round.
    pub async fn sleep_until(&mut self, deadline: Instant) {
        // At most an eighth of the wait (half, for a timer always early): spinning stays a
        // small share of the gap between deadlines, however close together they come.
        let share = if self.always_early { 2 } else { 8 };
        let ahead = deadline.saturating_duration_since(Instant::now()) / share;
        let margin = if self.always_early {
            self.compensate_up_to
        } else {
            self.wake_latency.min(self.compensate_up_to)
        };
        let early = deadline.checked_sub(margin.min(ahead)).unwrap_or(deadline);
        if self.armed != Some(deadline) {
            let wait = early.saturating_duration_since(Instant::now());
            if wait.is_zero() {
                self.disarm();
                self.spun += spin_until(deadline, self.compensate_up_to);
                return;
            }
            self.set(wait);
            self.armed = Some(deadline);
        }
        loop {
            let Ok(mut guard) = self.fd.readable().await else {
                // The poller failed: fall back to a coarse wait rather than spin.
                tokio::time::sleep_until(deadline.into()).await;
                break;
            };
            let mut expirations = [0u8; 8];
            let read = guard.try_io(|fd| {
                // SAFETY: reading 8 bytes into an 8-byte buffer from a timerfd we own.
                let n = unsafe {
                    libc::read(
                        fd.get_ref().as_raw_fd(),
                        expirations.as_mut_ptr().cast(),
                        expirations.len(),
                    )
                };
                if n < 0 {
                    Err(io::Error::last_os_error())
                } else {
                    Ok(())
                }
            });
            if let Ok(Ok(())) = read {
                // The expiry is consumed: forget the readiness now rather than learn it from
                // one more read that would fail next time.
                guard.clear_ready();
                break;
            }
        }
        self.armed = None;
        if !self.compensate_up_to.is_zero() {
            let late = Instant::now().saturating_duration_since(early);
            self.wake_latency = (self.wake_latency * 7 + late) / 8;
            self.spun += spin_until(deadline, self.compensate_up_to);
        }
    }

    /// The time spent spinning since the last call: idle time, though the thread was awake.
    pub fn take_spun(&mut self) -> Duration {
        std::mem::take(&mut self.spun)
    }

    fn disarm(&mut self) {
        if self.armed.take().is_some() {
            self.set(Duration::ZERO);
        }
    }

    /// Sets the timer `wait` from now (zero disarms it).
    fn set(&self, wait: Duration) {
        let spec = libc::itimerspec {
            it_interval: libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: libc::timespec {
                tv_sec: wait.as_secs() as libc::time_t,
                tv_nsec: libc::c_long::from(wait.subsec_nanos() as i32),
            },
        };
        // SAFETY: a valid timerfd and a fully initialised itimerspec; the old value is not
        // asked for.
        unsafe {
            libc::timerfd_settime(
                self.fd.get_ref().as_raw_fd(),
                0,
                &spec,
                std::ptr::null_mut(),
            );
        }
    }
}

/// Waits awake until `deadline`, for at most `limit`; returns the time it waited.
fn spin_until(deadline: Instant, limit: Duration) -> Duration {
    let began = Instant::now();
    let give_up = began + limit;
    loop {
        let now = Instant::now();
        if now >= deadline || now >= give_up {
            return now - began;
        }
        std::hint::spin_loop();
    }
}
