//! The lean HTTP/1.1 keep-alive client: hyper's client connection API over a TCP stream whose
//! reads and writes are timestamped where they happen, so a request's send time is its first
//! socket write and its answer's arrival is the read that completed it, however late the
//! worker gets round to recording it. Each worker owns its pool; nothing crosses threads.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::AsRawFd;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;

use crate::rxtime;
use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};
use tokio::net::TcpStream;

/// A base URL resolved once: where to connect, the Host header, and a path prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub addr: SocketAddr,
    pub authority: String,
    /// The URL's path without a trailing slash (`""` for `http://host:port`).
    pub base_path: String,
    /// The `Authorization` header every request to it carries, if any (marked sensitive).
    pub authorization: Option<hyper::header::HeaderValue>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error("{0:?} is not a URL: {1}")]
    Syntax(String, String),
    #[error("{0:?}: only http:// is supported by the load client")]
    Scheme(String),
    #[error("{0:?}: a URL with user information is refused")]
    UserInfo(String),
    #[error("{0:?}: cannot resolve the host: {1}")]
    Resolve(String, String),
    #[error("{0}: the API key has characters a header cannot carry")]
    Token(String),
}

impl Endpoint {
    /// Parses and resolves `url` (`http://127.0.0.1:8001`, `http://[::1]:80/api`).
    pub fn parse(url: &str) -> Result<Endpoint, EndpointError> {
        let uri: hyper::Uri = url.parse().map_err(|error: hyper::http::uri::InvalidUri| {
            EndpointError::Syntax(url.to_owned(), error.to_string())
        })?;
        if uri.scheme_str() != Some("http") {
            return Err(EndpointError::Scheme(url.to_owned()));
        }
        let authority = uri
            .authority()
            .ok_or_else(|| EndpointError::Syntax(url.to_owned(), "no host".into()))?;
        if authority.as_str().contains('@') {
            return Err(EndpointError::UserInfo(url.to_owned()));
        }
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        let port = authority.port_u16().unwrap_or(80);
        let addr = (host, port)
            .to_socket_addrs()
            .map_err(|error| EndpointError::Resolve(url.to_owned(), error.to_string()))?
            .next()
            .ok_or_else(|| EndpointError::Resolve(url.to_owned(), "no address".into()))?;
        Ok(Endpoint {
            addr,
            authority: authority.as_str().to_owned(),
            base_path: uri.path().trim_end_matches('/').to_owned(),
            authorization: None,
        })
    }

    /// The same endpoint, every request carrying `Authorization: Bearer <token>`.
    pub fn with_bearer(mut self, token: &str) -> Result<Endpoint, EndpointError> {
        let mut value = hyper::header::HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| EndpointError::Token(self.authority.clone()))?;
        value.set_sensitive(true);
        self.authorization = Some(value);
        Ok(self)
    }
}

/// The clock every timestamp is taken against: nanoseconds since the engine started.
#[derive(Debug, Clone, Copy)]
pub struct Epoch(pub Instant);

impl Epoch {
    pub fn nanos(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.0).as_nanos() as u64
    }

    pub fn instant(&self, nanos: u64) -> Instant {
        self.0 + Duration::from_nanos(nanos)
    }
}

/// When a connection last wrote and read, in [`Epoch`] nanoseconds (0: not yet).
#[derive(Debug, Default)]
struct Stamps {
    first_write: AtomicU64,
    last_read: AtomicU64,
}

/// A TCP stream that timestamps its socket writes and reads.
struct TimedStream {
    stream: TcpStream,
    stamps: Arc<Stamps>,
    epoch: Epoch,
    clock: rxtime::Clock,
}

impl TimedStream {
    fn now(&self) -> u64 {
        self.epoch.nanos(Instant::now()).max(1)
    }
}

impl AsyncRead for TimedStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            std::task::ready!(this.stream.poll_read_ready(cx))?;
            let fd = this.stream.as_raw_fd();
            let clock = &this.clock;
            // SAFETY: recvmsg only writes into the buffer; the bytes it reports written are
            // marked initialised below, and nothing reads the rest.
            let unfilled = unsafe {
                &mut *(std::ptr::from_mut::<[std::mem::MaybeUninit<u8>]>(buf.unfilled_mut())
                    as *mut [u8])
            };
            let capacity = unfilled.len();
            let mut short_read = None;
            let read = this.stream.try_io(Interest::READABLE, || {
                let (n, arrived) = rxtime::recv(fd, unfilled, clock)?;
                if n > 0 && n < capacity {
                    // A short read drained the socket: say so now, so the runtime forgets the
                    // readiness instead of learning it from one more read that would fail. Data
                    // that arrives meanwhile raises a new edge, so nothing is missed.
                    short_read = Some((n, arrived));
                    return Err(io::ErrorKind::WouldBlock.into());
                }
                Ok((n, arrived))
            });
            let (n, arrived) = match (read, short_read) {
                (_, Some(got)) | (Ok(got), None) => got,
                (Err(error), None) if error.kind() == io::ErrorKind::WouldBlock => continue,
                (Err(error), None) => return Poll::Ready(Err(error)),
            };
            // SAFETY: recvmsg wrote these `n` bytes.
            unsafe { buf.assume_init(n) };
            buf.advance(n);
            if n > 0 {
                // The kernel's receive time when it gives one, else now.
                let at = arrived.map_or_else(|| this.now(), |at| this.epoch.nanos(at).max(1));
                this.stamps.last_read.store(at, Ordering::Relaxed);
            }
            return Poll::Ready(Ok(()));
        }
    }
}

impl TimedStream {
    /// Keeps `before`, the time taken just before a write, as the request's send time if the
    /// write was its first. Taken before rather than after: a system call's return is where
    /// the scheduler preempts a thread, and a stamp taken after it would then be late, making
    /// the service time read short; the reader's kernel has the bytes within the call.
    fn stamp_write(&self, before: u64, poll: &Poll<io::Result<usize>>) {
        if matches!(poll, Poll::Ready(Ok(n)) if *n > 0)
            && self.stamps.first_write.load(Ordering::Relaxed) == 0
        {
            self.stamps.first_write.store(before, Ordering::Relaxed);
        }
    }
}

impl AsyncWrite for TimedStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let before = this.now();
        let poll = Pin::new(&mut this.stream).poll_write(cx, buf);
        this.stamp_write(before, &poll);
        poll
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let before = this.now();
        let poll = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        this.stamp_write(before, &poll);
        poll
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// One keep-alive connection.
pub struct Connection {
    sender: SendRequest<Full<Bytes>>,
    stamps: Arc<Stamps>,
}

/// A failed exchange, by kind: these are the error kinds a report counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportError {
    Connect,
    Io,
}

impl TransportError {
    pub fn as_str(self) -> &'static str {
        match self {
            TransportError::Connect => "connect",
            TransportError::Io => "io",
        }
    }
}

/// A response read to its end, with the times that matter.
pub struct Exchanged {
    pub status: u16,
    pub body: Bytes,
    /// The request's first byte went to the socket.
    pub sent_at: Instant,
    /// The response's last bytes reached this host (the kernel's receive time of the read
    /// that completed it).
    pub answered_at: Instant,
}

/// Opens a connection to `endpoint` and spawns its driver on the current runtime.
pub async fn connect(endpoint: &Endpoint, epoch: Epoch) -> Result<Connection, TransportError> {
    let stream = TcpStream::connect(endpoint.addr)
        .await
        .map_err(|_| TransportError::Connect)?;
    let _ = stream.set_nodelay(true);
    // Closed with a reset, not a FIN: the generator closes a connection only once its answer
    // is read or abandoned, so nothing is lost, and no TIME_WAIT is left behind. With FIN, a
    // run that churned connections left one TIME_WAIT for each (60 s on Linux): the windowed
    // worker's test at 20k/s left 18,174, and the next run's 40,000 requests met 26,102
    // connect errors for want of ephemeral ports.
    let _ = stream.set_zero_linger();
    rxtime::enable(&stream);
    let stamps = Arc::new(Stamps::default());
    let timed = TimedStream {
        stream,
        stamps: stamps.clone(),
        epoch,
        clock: rxtime::Clock::now(),
    };
    let (sender, connection) = hyper::client::conn::http1::Builder::new()
        // Requests are small: one copy into one buffer and one write beat a gathered write.
        .writev(false)
        .handshake(TokioIo::new(timed))
        .await
        .map_err(|_| TransportError::Connect)?;
    // One spawn per connection, never per request; it ends when the sender is dropped.
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(Connection { sender, stamps })
}

impl Connection {
    /// Whether the connection is still open. One just handed back may not be marked ready
    /// until its driver next runs; `exchange` waits for that, so it is not a reason to drop it.
    pub fn is_open(&self) -> bool {
        !self.sender.is_closed()
    }

    /// Sends one request and reads its whole answer.
    pub async fn exchange(
        &mut self,
        request: hyper::Request<Full<Bytes>>,
        epoch: Epoch,
    ) -> Result<Exchanged, TransportError> {
        self.stamps.first_write.store(0, Ordering::Relaxed);
        self.sender.ready().await.map_err(|_| TransportError::Io)?;
        let response = self
            .sender
            .send_request(request)
            .await
            .map_err(|_| TransportError::Io)?;
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|_| TransportError::Io)?
            .to_bytes();
        let now = Instant::now();
        let stamp = |nanos: u64| {
            if nanos == 0 {
                now
            } else {
                epoch.instant(nanos)
            }
        };
        let sent_at = stamp(self.stamps.first_write.load(Ordering::Relaxed));
        let answered_at = stamp(self.stamps.last_read.load(Ordering::Relaxed)).max(sent_at);
        Ok(Exchanged {
            status,
            body,
            sent_at,
            answered_at,
        })
    }
}
