//! A calibration server whose latency is known exactly: each request takes a fixed service
//! time, and one optional global stall holds every request that arrives or would finish
//! inside it until it ends. A request that arrives at `t` is answered at
//! `gate(gate(t) + service)`, where `gate(x)` is the stall's end for `x` inside the stall and
//! `x` otherwise. With a zero service time and no stall it is the trivial server the
//! generator is compared with wrk on. Raw HTTP/1.1 over tokio, keep-alive, no pipelining.
//! It counts the connections it accepts and, when asked (`Server::record_answers`), records
//! each answer's time with the number its request carried (`"seq":N`): a test's truth for
//! each request, whatever the machine did to the server.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use std::os::fd::AsRawFd;

use tokio::io::{AsyncWriteExt, Interest};
use tokio::net::{TcpListener, TcpStream};

use tokio::sync::{Notify, oneshot, watch};

use hdrhistogram::Histogram;

use crate::recorder::new_histogram;
use crate::rxtime;
use crate::timer::PreciseTimer;

/// The latency model the server follows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Model {
    pub service: Duration,
    /// `(start, length)` of the one global stall, if any.
    pub stall: Option<(Instant, Duration)>,
}

impl Model {
    /// The stall's end for an instant inside it; the instant itself otherwise.
    pub fn gate(&self, at: Instant) -> Instant {
        match self.stall {
            Some((start, length)) if at >= start && at < start + length => start + length,
            _ => at,
        }
    }

    /// When a request arriving at `at` is answered.
    pub fn answer_at(&self, at: Instant) -> Instant {
        self.gate(self.gate(at) + self.service)
    }
}

/// One request the server answered, when recording (`Server::record_answers`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answered {
    /// The number the request's body carried as `"seq":N`, if any: which request it was.
    pub seq: Option<u64>,
    /// When the kernel received the request's last bytes.
    pub arrived: Instant,
    /// When the answer went to the socket.
    pub answered: Instant,
}

/// What the server counts as it answers.
struct Counters {
    requests: AtomicU64,
    /// Connections accepted.
    connections: AtomicU64,
    /// The model's service time of every request it answered (answer time − arrival), µs:
    /// the truth a closed model's measured service times are compared with.
    model_service: Mutex<Histogram<u64>>,
    /// From each request's arrival to its answer's write, µs: what the server actually did,
    /// late wake-ups and all.
    actual_service: Mutex<Histogram<u64>>,
    /// Every answer, when recording: a test's truth for each request (off by default, so that
    /// a long-running server does not grow).
    recording: AtomicBool,
    answers: Mutex<Vec<Answered>>,
}

/// A running server; dropping it stops it.
pub struct Server {
    pub addr: SocketAddr,
    shared: Arc<Counters>,
    stop: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Starts the server on `127.0.0.1:port` (0: any free port), on a thread of its own.
    pub fn start(port: u16, model: Model) -> std::io::Result<Server> {
        Server::start_on(port, model, None)
    }

    /// As [`Server::start`], with the server's thread pinned to `cpu` when given.
    pub fn start_on(port: u16, model: Model, cpu: Option<usize>) -> std::io::Result<Server> {
        let shared = Arc::new(Counters {
            requests: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            model_service: Mutex::new(new_histogram()),
            actual_service: Mutex::new(new_histogram()),
            recording: AtomicBool::new(false),
            answers: Mutex::new(Vec::new()),
        });
        let (stop, stopped) = watch::channel(false);
        let counters = shared.clone();
        // The server binds on its own thread and runtime, so it can be started from inside
        // another runtime too; the address comes back over a channel.
        let (bound_tx, bound_rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("calibration-server".into())
            .spawn(move || {
                if let Some(cpu) = cpu {
                    crate::pin_current_thread(cpu);
                }
                crate::timer::tighten_timer_slack();
                let started = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .and_then(|runtime| {
                        let listener = runtime.block_on(async { listen(port) })?;
                        Ok((runtime, listener))
                    });
                match started {
                    Ok((runtime, listener)) => {
                        let _ = bound_tx.send(listener.local_addr());
                        runtime.block_on(accept(listener, model, counters, stopped));
                    }
                    Err(error) => {
                        let _ = bound_tx.send(Err(error));
                    }
                }
            })?;
        let addr = bound_rx
            .recv()
            .map_err(|_| std::io::Error::other("the calibration server's thread ended"))??;
        Ok(Server {
            addr,
            shared,
            stop,
            thread: Some(thread),
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests answered so far.
    pub fn requests(&self) -> u64 {
        self.shared.requests.load(Ordering::Relaxed)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.shared.connections.load(Ordering::Relaxed)
    }

    /// The model's service time of every request answered so far, µs (only when the server
    /// has a service time or a stall).
    pub fn model_service_times(&self) -> Histogram<u64> {
        self.shared.model_service.lock().expect("lock").clone()
    }

    /// The service time the server actually gave every request answered so far, µs: from
    /// the kernel's receive time of the request to the answer's write. The model
    /// is what the server aims at; this is what it did, on a machine whose wake-ups are now
    /// and then late, and so the truth a generator's measurement is held to.
    pub fn actual_service_times(&self) -> Histogram<u64> {
        self.shared.actual_service.lock().expect("lock").clone()
    }

    /// Records every answer from now on (what was recorded before is forgotten).
    pub fn record_answers(&self) {
        self.shared.answers.lock().expect("lock").clear();
        self.shared.recording.store(true, Ordering::Relaxed);
    }

    /// The answers recorded since `record_answers`, in the order they were given.
    pub fn answers(&self) -> Vec<Answered> {
        self.shared.answers.lock().expect("lock").clone()
    }

    /// Forgets the service times recorded so far (those of a warm-up, say).
    pub fn reset_model_service_times(&self) {
        self.shared.model_service.lock().expect("lock").reset();
        self.shared.actual_service.lock().expect("lock").reset();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Answers due at a time, earliest first; one timer for the whole server, so answers due
/// together go out on one wake-up rather than one timer interrupt each.
#[derive(Default)]
struct Releases {
    /// (answer time, arrival, id): answers due together go out in order of arrival.
    due: Mutex<BinaryHeap<Reverse<(Instant, Instant, u64)>>>,
    waiting: Mutex<std::collections::HashMap<u64, oneshot::Sender<()>>>,
    changed: Notify,
}

impl Releases {
    fn hold_until(&self, at: Instant, arrived: Instant, id: u64) -> oneshot::Receiver<()> {
        let (sender, receiver) = oneshot::channel();
        self.waiting.lock().expect("lock").insert(id, sender);
        let mut due = self.due.lock().expect("lock");
        let earliest = due.peek().is_none_or(|Reverse((first, _, _))| at < *first);
        due.push(Reverse((at, arrived, id)));
        drop(due);
        if earliest {
            self.changed.notify_one();
        }
        receiver
    }

    /// Releases every answer whose time has come; returns the next time, if any.
    fn release_due(&self) -> Option<Instant> {
        let now = Instant::now();
        let mut due = self.due.lock().expect("lock");
        while let Some(Reverse((at, _, id))) = due.peek().copied() {
            if at > now {
                return Some(at);
            }
            due.pop();
            if let Some(sender) = self.waiting.lock().expect("lock").remove(&id) {
                let _ = sender.send(());
            }
        }
        None
    }
}

async fn release(releases: Arc<Releases>) {
    // The server answers on time rather than a wake-up late: it is the truth the generator is
    // measured against, and its spinning is a test's cost, not the system's. It wakes half a
    // millisecond early every time (at most half the wait), not by the average lateness: a
    // wake-up on a small VM is now and then some 100 to 300 µs later than usual, which would
    // land in the P99.
    let Ok(mut timer) = PreciseTimer::early_by(Duration::from_micros(500)) else {
        return;
    };
    loop {
        let changed = releases.changed.notified();
        match releases.release_due() {
            Some(next) => {
                tokio::select! {
                    () = timer.sleep_until(next) => {}
                    () = changed => {}
                }
            }
            None => changed.await,
        }
    }
}

fn listen(port: u16) -> std::io::Result<TcpListener> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(SocketAddr::from(([127, 0, 0, 1], port)))?;
    // A deep accept queue: a stall makes the generator open hundreds of connections at once,
    // and a dropped SYN would come back only a second later.
    socket.listen(8192)
}

async fn accept(
    listener: TcpListener,
    model: Model,
    shared: Arc<Counters>,
    mut stopped: watch::Receiver<bool>,
) {
    let releases = Arc::new(Releases::default());
    let timed = !model.service.is_zero() || model.stall.is_some();
    if timed {
        tokio::spawn(release(releases.clone()));
    }
    let mut next_id = 0u64;
    loop {
        tokio::select! {
            _ = stopped.changed() => return,
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    shared.connections.fetch_add(1, Ordering::Relaxed);
                    let _ = stream.set_nodelay(true);
                    next_id += 1;
                    let releases = timed.then(|| releases.clone());
                    tokio::spawn(serve(stream, model, shared.clone(), releases, next_id << 32));
                }
            }
        }
    }
}

/// The answer to every request.
const RESPONSE: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";

async fn serve(
    stream: TcpStream,
    model: Model,
    shared: Arc<Counters>,
    releases: Option<Arc<Releases>>,
    id_base: u64,
) {
    let mut stream = stream;
    rxtime::enable(&stream);
    let clock = rxtime::Clock::now();
    let fd = stream.as_raw_fd();
    let mut buffer = Vec::with_capacity(8192);
    let mut chunk = vec![0u8; 16 * 1024];
    let mut arrived = Instant::now();
    for sequence in 0u64.. {
        // Read one whole request: headers, then Content-Length bytes of body. It arrived when
        // the kernel received its last bytes, however late this thread woke to read them.
        let request_len = loop {
            if let Some(len) = complete_request(&buffer) {
                break len;
            }
            if stream.readable().await.is_err() {
                return;
            }
            match stream.try_io(Interest::READABLE, || rxtime::recv(fd, &mut chunk, &clock)) {
                Ok((0, _)) => return,
                Ok((n, at)) => {
                    buffer.extend_from_slice(&chunk[..n]);
                    arrived = at.unwrap_or_else(Instant::now);
                }
                Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => return,
            }
        };
        let seq = shared
            .recording
            .load(Ordering::Relaxed)
            .then(|| request_seq(&buffer[..request_len]))
            .flatten();
        buffer.drain(..request_len);
        if let Some(releases) = &releases {
            let at = model.answer_at(arrived);
            shared
                .model_service
                .lock()
                .expect("lock")
                .saturating_record(((at - arrived).as_micros() as u64).max(1));
            if at > Instant::now() {
                let _ = releases.hold_until(at, arrived, id_base + sequence).await;
            }
        }
        // Stamped as the answer goes to the socket: the reader's kernel receives it within the
        // write, and a thread preempted before the write returns must not count that wait.
        let answered_at = Instant::now();
        let answered = answered_at.saturating_duration_since(arrived);
        if stream.write_all(RESPONSE).await.is_err() {
            return;
        }
        if shared.recording.load(Ordering::Relaxed) {
            shared.answers.lock().expect("lock").push(Answered {
                seq,
                arrived,
                answered: answered_at,
            });
        }
        shared
            .actual_service
            .lock()
            .expect("lock")
            .saturating_record((answered.as_micros() as u64).max(1));
        shared.requests.fetch_add(1, Ordering::Relaxed);
    }
}

/// The number after `"seq":` in a request, if it has one.
fn request_seq(request: &[u8]) -> Option<u64> {
    const KEY: &[u8] = b"\"seq\":";
    let at = request.windows(KEY.len()).position(|w| w == KEY)? + KEY.len();
    let digits = request[at..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    std::str::from_utf8(&request[at..at + digits])
        .ok()?
        .parse()
        .ok()
}

/// The length of the first complete request in `buffer`, if it holds one.
fn complete_request(buffer: &[u8]) -> Option<usize> {
    let head_end = buffer.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&buffer[..head_end]).ok()?;
    let body_len = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    (buffer.len() >= head_end + body_len).then_some(head_end + body_len)
}
