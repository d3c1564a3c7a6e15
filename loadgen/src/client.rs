//! The load client's own HTTP/1.1 wire path, as wrk (http-parser) and h2load (llhttp) own
//! theirs: a measuring instrument pays for nothing between its clock and the socket. A request
//! is written from the connection's reused buffer in one `write` (request line, headers and
//! body); the answer is read into a reused buffer and parsed with `httparse` (hyper's own
//! parser), framed by `Content-Length`, chunks (trailers read and dropped) or the close, with
//! `1xx` answers skipped and `HEAD`/`204`/`304` read without a body. No task is spawned: the
//! request's own future does the I/O, on the worker's thread. hyper is the oracle this client
//! is tested against (`tests/it/wire.rs`), not its engine.
//!
//! Reads and writes are timestamped where they happen: a request's send time is taken just
//! before its first socket write, and its answer's arrival is the kernel's receive time of the
//! read that completed it (`SO_TIMESTAMPNS`), however late the worker gets round to it. Over
//! TLS (rustls) the stamps are the TCP socket's, under the TLS layer.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, Interest, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, pem::PemObject};

use crate::rxtime;

/// A base URL resolved once: where to connect, the Host header, a path prefix, and TLS.
#[derive(Clone)]
pub struct Endpoint {
    pub addr: SocketAddr,
    pub authority: String,
    /// The URL's path without a trailing slash (`""` for `http://host:port`).
    pub base_path: String,
    /// The `Authorization` header's value every request to it carries, if any.
    authorization: Option<String>,
    /// `https://`: the TLS client and the name the server's certificate must carry.
    tls: Option<TlsTarget>,
}

#[derive(Clone)]
struct TlsTarget {
    connector: TlsConnector,
    server_name: ServerName<'static>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("addr", &self.addr)
            .field("authority", &self.authority)
            .field("base_path", &self.base_path)
            // An API key is a secret: never in a log.
            .field(
                "authorization",
                &self.authorization.as_ref().map(|_| "Sensitive"),
            )
            .field(
                "tls",
                &self.tls.as_ref().map(|tls| tls.server_name.to_str()),
            )
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error("{0:?} is not a URL: {1}")]
    Syntax(String, String),
    #[error("{0:?}: the load client speaks http:// and https:// only")]
    Scheme(String),
    #[error("{0:?}: a URL with user information is refused")]
    UserInfo(String),
    #[error("{0:?}: cannot resolve the host: {1}")]
    Resolve(String, String),
    #[error("{0}: the API key has characters a header cannot carry")]
    Token(String),
    #[error("{0}")]
    Tls(String),
}

/// How `https://` targets are trusted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// PEM certificates to trust instead of the system's roots (`--cacert FILE`).
    pub cacert: Option<PathBuf>,
    /// Trust any certificate (`--insecure`): for a staging server with a self-signed one.
    pub insecure: bool,
}

/// The TLS client of a run: one per set of options, so that every connection shares its
/// session cache and a new connection resumes a session instead of a full handshake.
#[derive(Clone)]
pub struct TlsClient {
    connector: TlsConnector,
}

impl std::fmt::Debug for TlsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsClient")
    }
}

impl TlsClient {
    pub fn new(options: &TlsOptions) -> Result<TlsClient, EndpointError> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|error| EndpointError::Tls(format!("TLS set-up: {error}")))?;
        let config = if options.insecure {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
                .with_no_client_auth()
        } else {
            let roots = match &options.cacert {
                Some(path) => roots_from(path)?,
                None => system_roots()?,
            };
            builder.with_root_certificates(roots).with_no_client_auth()
        };
        Ok(TlsClient {
            connector: TlsConnector::from(Arc::new(config)),
        })
    }
}

fn roots_from(path: &Path) -> Result<rustls::RootCertStore, EndpointError> {
    let named = |what: String| EndpointError::Tls(format!("--cacert {}: {what}", path.display()));
    let mut roots = rustls::RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|error| named(error.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| named(error.to_string()))?;
    if certs.is_empty() {
        return Err(named("no PEM certificate in the file".into()));
    }
    for cert in certs {
        roots
            .add(cert)
            .map_err(|error| named(format!("a certificate is not usable: {error}")))?;
    }
    Ok(roots)
}

fn system_roots() -> Result<rustls::RootCertStore, EndpointError> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(found.certs);
    if roots.is_empty() {
        return Err(EndpointError::Tls(
            "no system root certificate found: give --cacert FILE (or --insecure)".into(),
        ));
    }
    Ok(roots)
}

/// `--insecure`: every certificate is accepted; signatures are still checked, so the
/// handshake costs what a real one does.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

impl Endpoint {
    /// Parses and resolves `url` (`http://127.0.0.1:8001`, `http://[::1]:80/api`); an
    /// `https://` URL trusts the system's roots.
    pub fn parse(url: &str) -> Result<Endpoint, EndpointError> {
        Endpoint::parse_with(url, None)
    }

    /// As [`Endpoint::parse`], `https://` through `tls` (the system's roots when `None`).
    pub fn parse_with(url: &str, tls: Option<&TlsClient>) -> Result<Endpoint, EndpointError> {
        let uri: http::Uri = url.parse().map_err(|error: http::uri::InvalidUri| {
            EndpointError::Syntax(url.to_owned(), error.to_string())
        })?;
        let secure = match uri.scheme_str() {
            Some("http") => false,
            Some("https") => true,
            _ => return Err(EndpointError::Scheme(url.to_owned())),
        };
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
        let port = authority
            .port_u16()
            .unwrap_or(if secure { 443 } else { 80 });
        let addr = (host, port)
            .to_socket_addrs()
            .map_err(|error| EndpointError::Resolve(url.to_owned(), error.to_string()))?
            .next()
            .ok_or_else(|| EndpointError::Resolve(url.to_owned(), "no address".into()))?;
        let tls = if secure {
            let client = match tls {
                Some(client) => client.clone(),
                None => TlsClient::new(&TlsOptions::default())?,
            };
            let server_name = ServerName::try_from(host.to_owned()).map_err(|error| {
                EndpointError::Tls(format!("{url:?}: {host:?} is no TLS server name: {error}"))
            })?;
            Some(TlsTarget {
                connector: client.connector,
                server_name,
            })
        } else {
            None
        };
        Ok(Endpoint {
            addr,
            authority: authority.as_str().to_owned(),
            base_path: uri.path().trim_end_matches('/').to_owned(),
            authorization: None,
            tls,
        })
    }

    /// The same endpoint, every request carrying `Authorization: Bearer <token>`.
    pub fn with_bearer(mut self, token: &str) -> Result<Endpoint, EndpointError> {
        if !header_safe(token) {
            return Err(EndpointError::Token(self.authority.clone()));
        }
        self.authorization = Some(format!("Bearer {token}"));
        Ok(self)
    }

    /// Whether requests go over TLS.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// The URL the endpoint was made from, without its path: `https://host:port`.
    pub fn origin(&self) -> String {
        let scheme = if self.is_tls() { "https" } else { "http" };
        format!("{scheme}://{}", self.authority)
    }
}

/// Whether `value` can be sent as a header value as it is: visible ASCII, spaces and tabs.
pub fn header_safe(value: &str) -> bool {
    value
        .bytes()
        .all(|byte| byte == b'\t' || (b' '..=b'~').contains(&byte) || byte >= 0x80)
}

/// Whether `name` is a header name (an HTTP token).
pub fn header_name_valid(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte))
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

/// A TCP stream that timestamps its socket writes and reads, in [`Epoch`] nanoseconds.
struct TimedStream {
    stream: TcpStream,
    /// Before the first write of the current request (0: not yet).
    first_write: u64,
    /// The arrival of the bytes of the last read (0: none yet).
    last_read: u64,
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
                this.last_read =
                    arrived.map_or_else(|| this.now(), |at| this.epoch.nanos(at).max(1));
            }
            return Poll::Ready(Ok(()));
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
        // Taken before rather than after the write: a system call's return is where the
        // scheduler preempts a thread, and a stamp taken after it would then be late, making
        // the service time read short; the reader's kernel has the bytes within the call.
        let before = this.now();
        let poll = Pin::new(&mut this.stream).poll_write(cx, buf);
        if matches!(poll, Poll::Ready(Ok(n)) if n > 0) && this.first_write == 0 {
            this.first_write = before;
        }
        poll
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// A connection's byte stream: plain TCP, or TLS over it.
enum Io {
    Plain(TimedStream),
    Tls(Box<tokio_rustls::client::TlsStream<TimedStream>>),
}

impl Io {
    fn timed(&mut self) -> &mut TimedStream {
        match self {
            Io::Plain(timed) => timed,
            Io::Tls(tls) => tls.get_mut().0,
        }
    }
}

impl AsyncRead for Io {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Io::Plain(timed) => Pin::new(timed).poll_read(cx, buf),
            Io::Tls(tls) => Pin::new(tls.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Io {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Io::Plain(timed) => Pin::new(timed).poll_write(cx, buf),
            Io::Tls(tls) => Pin::new(tls.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Io::Plain(timed) => Pin::new(timed).poll_flush(cx),
            Io::Tls(tls) => Pin::new(tls.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Io::Plain(timed) => Pin::new(timed).poll_shutdown(cx),
            Io::Tls(tls) => Pin::new(tls.as_mut()).poll_shutdown(cx),
        }
    }
}

/// How long a connection took to set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetUp {
    /// The TCP connect.
    pub connect: Duration,
    /// The TLS handshake after it (`https://` only).
    pub tls: Option<Duration>,
    /// Whether the TLS handshake resumed an earlier session.
    pub resumed: bool,
}

/// One keep-alive connection: the stream and its reused buffers.
pub struct Connection {
    io: Io,
    /// The request being written.
    out: Vec<u8>,
    /// The answer as read: the final head at `head`, its headers at `headers`.
    input: Vec<u8>,
    head: std::ops::Range<usize>,
    headers: Vec<[u32; 4]>,
    /// A chunked answer's body, decoded; otherwise the body lies in `input` at `body`.
    chunked: Vec<u8>,
    body: Body,
    /// The last answer left the connection fit for another request.
    reusable: bool,
    /// How the connection was set up, until the worker takes it.
    pub set_up: Option<SetUp>,
}

#[derive(Debug, Clone)]
enum Body {
    In(std::ops::Range<usize>),
    Chunked,
}

/// A failed exchange, by kind: these are the error kinds a report counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportError {
    Connect,
    /// The TLS handshake failed (an untrusted certificate, say).
    Tls,
    Io,
    /// The answer was not HTTP/1.1 this client can read.
    Malformed,
}

impl TransportError {
    pub fn as_str(self) -> &'static str {
        match self {
            TransportError::Connect => "connect",
            TransportError::Tls => "tls",
            TransportError::Io => "io",
            TransportError::Malformed => "malformed",
        }
    }
}

/// An answer read to its end, with the times that matter. Its body and headers are the
/// connection's to lend ([`Connection::body`], [`Connection::headers`]) until the next request.
#[derive(Debug, Clone, Copy)]
pub struct Exchanged {
    pub status: u16,
    /// The request's first byte went to the socket.
    pub sent_at: Instant,
    /// The response's last bytes reached this host (the kernel's receive time of the read
    /// that completed it).
    pub answered_at: Instant,
}

/// A request as the wire path writes it.
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    pub method: &'a http::Method,
    /// Appended to the endpoint's base path.
    pub path: &'a str,
    /// Further headers (names and values checked by whoever made them).
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

/// Opens a connection to `endpoint`: TCP, then TLS for `https://`.
pub async fn connect(endpoint: &Endpoint, epoch: Epoch) -> Result<Connection, TransportError> {
    let began = Instant::now();
    let stream = TcpStream::connect(endpoint.addr)
        .await
        .map_err(|_| TransportError::Connect)?;
    let connected = began.elapsed();
    let _ = stream.set_nodelay(true);
    // Closed with a reset, not a FIN: the generator closes a connection only once its answer
    // is read or abandoned, so nothing is lost, and no TIME_WAIT is left behind. With FIN, a
    // run that churned connections left one TIME_WAIT for each (60 s on Linux): the windowed
    // worker's test at 20k/s left 18,174, and the next run's 40,000 requests met 26,102
    // connect errors for want of ephemeral ports.
    let _ = stream.set_zero_linger();
    rxtime::enable(&stream);
    let timed = TimedStream {
        stream,
        first_write: 0,
        last_read: 0,
        epoch,
        clock: rxtime::Clock::now(),
    };
    let (io, tls, resumed) = match &endpoint.tls {
        None => (Io::Plain(timed), None, false),
        Some(target) => {
            let began = Instant::now();
            let stream = target
                .connector
                .connect(target.server_name.clone(), timed)
                .await
                .map_err(|_| TransportError::Tls)?;
            let resumed = matches!(
                stream.get_ref().1.handshake_kind(),
                Some(rustls::HandshakeKind::Resumed)
            );
            (Io::Tls(Box::new(stream)), Some(began.elapsed()), resumed)
        }
    };
    Ok(Connection {
        io,
        out: Vec::with_capacity(1024),
        input: Vec::with_capacity(READ_CHUNK),
        head: 0..0,
        headers: Vec::new(),
        chunked: Vec::new(),
        body: Body::In(0..0),
        reusable: true,
        set_up: Some(SetUp {
            connect: connected,
            tls,
            resumed,
        }),
    })
}

/// Bytes read at a time, at least.
const READ_CHUNK: usize = 16 * 1024;
/// Headers an answer may carry, at most.
const MAX_HEADERS: usize = 128;
/// An answer's head and body together, at most.
const MAX_ANSWER: usize = 64 * 1024 * 1024;

/// How the body of an answer is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    Empty,
    Length(usize),
    Chunked,
    UntilClose,
}

impl Connection {
    /// Whether the connection can take a request: its last answer left it open, and the
    /// server has not closed it (or sent anything unasked) since, as far as the runtime has
    /// seen. Costs no system call unless the socket turned readable while idle.
    pub fn is_open(&mut self) -> bool {
        if !self.reusable {
            return false;
        }
        let mut cx = Context::from_waker(std::task::Waker::noop());
        if self.io.timed().stream.poll_read_ready(&mut cx).is_pending() {
            return true;
        }
        // Readable while idle: the close, an unasked answer, or (TLS) a session ticket,
        // which the TLS layer takes in without handing anything up.
        let mut scratch = [0u8; 512];
        let mut buf = ReadBuf::new(&mut scratch);
        let open = matches!(
            Pin::new(&mut self.io).poll_read(&mut cx, &mut buf),
            Poll::Pending
        );
        self.reusable = open;
        open
    }

    /// Whether the last answer left the connection fit for another request.
    pub fn reusable(&self) -> bool {
        self.reusable
    }

    /// The last answer's body.
    pub fn body(&self) -> &[u8] {
        match &self.body {
            Body::In(range) => &self.input[range.clone()],
            Body::Chunked => &self.chunked,
        }
    }

    /// The last answer's headers, in the order they came (names as sent).
    pub fn headers(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.headers
            .iter()
            .map(|&[name, name_len, value, value_len]| {
                let name = &self.input[name as usize..(name + name_len) as usize];
                let value = &self.input[value as usize..(value + value_len) as usize];
                (std::str::from_utf8(name).unwrap_or(""), value)
            })
    }

    /// Sends one request and reads its whole answer.
    pub async fn exchange(
        &mut self,
        endpoint: &Endpoint,
        request: Outgoing<'_>,
        epoch: Epoch,
    ) -> Result<Exchanged, TransportError> {
        self.write_request(endpoint, &request);
        let timed = self.io.timed();
        timed.first_write = 0;
        timed.last_read = 0;
        self.reusable = false;
        self.io
            .write_all(&self.out)
            .await
            .map_err(|_| TransportError::Io)?;
        if let Io::Tls(_) = self.io {
            self.io.flush().await.map_err(|_| TransportError::Io)?;
        }
        let status = self
            .read_answer(request.method == http::Method::HEAD)
            .await?;
        let now = Instant::now();
        let timed = self.io.timed();
        let stamp = |nanos: u64| {
            if nanos == 0 {
                now
            } else {
                epoch.instant(nanos)
            }
        };
        let sent_at = stamp(timed.first_write);
        let answered_at = stamp(timed.last_read).max(sent_at);
        Ok(Exchanged {
            status,
            sent_at,
            answered_at,
        })
    }

    /// The request line, headers and body, into the reused buffer.
    fn write_request(&mut self, endpoint: &Endpoint, request: &Outgoing<'_>) {
        let out = &mut self.out;
        out.clear();
        out.extend_from_slice(request.method.as_str().as_bytes());
        out.push(b' ');
        out.extend_from_slice(endpoint.base_path.as_bytes());
        out.extend_from_slice(request.path.as_bytes());
        if endpoint.base_path.is_empty() && request.path.is_empty() {
            out.push(b'/');
        }
        out.extend_from_slice(b" HTTP/1.1\r\nhost: ");
        out.extend_from_slice(endpoint.authority.as_bytes());
        out.extend_from_slice(b"\r\n");
        if let Some(authorization) = &endpoint.authorization {
            out.extend_from_slice(b"authorization: ");
            out.extend_from_slice(authorization.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        let mut typed = false;
        for (name, value) in request.headers {
            typed |= name.eq_ignore_ascii_case("content-type");
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        let carries_body = !request.body.is_empty()
            || matches!(
                *request.method,
                http::Method::POST | http::Method::PUT | http::Method::PATCH
            );
        if carries_body {
            if !typed && !request.body.is_empty() {
                out.extend_from_slice(b"content-type: application/json\r\n");
            }
            out.extend_from_slice(b"content-length: ");
            out.extend_from_slice(itoa::Buffer::new().format(request.body.len()).as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(request.body);
    }

    /// Reads more of the answer into `input`; false at the end of the stream.
    async fn fill(&mut self) -> Result<bool, TransportError> {
        if self.input.len() >= MAX_ANSWER {
            return Err(TransportError::Malformed);
        }
        if self.input.capacity() - self.input.len() < READ_CHUNK / 4 {
            self.input.reserve(READ_CHUNK);
        }
        match self.io.read_buf(&mut self.input).await {
            Ok(n) => Ok(n > 0),
            Err(_) => Err(TransportError::Io),
        }
    }

    /// Reads one answer (after any `1xx`): its head, then its body as its framing says.
    async fn read_answer(&mut self, head_request: bool) -> Result<u16, TransportError> {
        self.input.clear();
        self.chunked.clear();
        let mut start = 0;
        let (status, framing, close) = loop {
            match parse_head(&self.input[start..], start, &mut self.headers)? {
                None => {
                    if !self.fill().await? {
                        return Err(TransportError::Io);
                    }
                }
                Some(head) if (100..200).contains(&head.status) => {
                    // An interim answer (100 Continue, 103 Early Hints): the real one follows.
                    // 101 would switch protocols, which this client never asks for.
                    if head.status == 101 {
                        return Err(TransportError::Malformed);
                    }
                    start += head.len;
                }
                Some(head) => {
                    self.head = start..start + head.len;
                    let framing = if head_request || matches!(head.status, 204 | 304) {
                        Framing::Empty
                    } else {
                        head.framing
                    };
                    break (head.status, framing, head.close);
                }
            }
        };
        let body_start = self.head.end;
        let end = match framing {
            Framing::Empty => {
                self.body = Body::In(body_start..body_start);
                body_start
            }
            Framing::Length(length) => {
                let end = body_start
                    .checked_add(length)
                    .filter(|end| *end <= MAX_ANSWER)
                    .ok_or(TransportError::Malformed)?;
                while self.input.len() < end {
                    if !self.fill().await? {
                        return Err(TransportError::Io);
                    }
                }
                self.body = Body::In(body_start..end);
                end
            }
            Framing::Chunked => {
                let end = self.read_chunks(body_start).await?;
                self.body = Body::Chunked;
                end
            }
            Framing::UntilClose => {
                while self.fill().await? {}
                self.body = Body::In(body_start..self.input.len());
                self.input.len()
            }
        };
        // Bytes past the answer were never asked for: the connection is not trusted again.
        self.reusable = !close && framing != Framing::UntilClose && end == self.input.len();
        Ok(status)
    }

    /// Decodes a chunked body from `at` into `chunked`, reading as needed, through its
    /// trailers; returns where the answer ends.
    async fn read_chunks(&mut self, mut at: usize) -> Result<usize, TransportError> {
        loop {
            match httparse::parse_chunk_size(&self.input[at..]) {
                Ok(httparse::Status::Complete((size_len, size))) => {
                    let data = at + size_len;
                    if size == 0 {
                        at = data;
                        break;
                    }
                    let size = usize::try_from(size)
                        .ok()
                        .filter(|size| self.chunked.len() + size <= MAX_ANSWER)
                        .ok_or(TransportError::Malformed)?;
                    let chunk_end = data + size;
                    while self.input.len() < chunk_end + 2 {
                        if !self.fill().await? {
                            return Err(TransportError::Io);
                        }
                    }
                    if &self.input[chunk_end..chunk_end + 2] != b"\r\n" {
                        return Err(TransportError::Malformed);
                    }
                    self.chunked.extend_from_slice(&self.input[data..chunk_end]);
                    at = chunk_end + 2;
                }
                Ok(httparse::Status::Partial) => {
                    if !self.fill().await? {
                        return Err(TransportError::Io);
                    }
                }
                Err(_) => return Err(TransportError::Malformed),
            }
        }
        // The trailers, up to the empty line; read and dropped.
        loop {
            let mut trailers = [httparse::EMPTY_HEADER; MAX_HEADERS];
            match httparse::parse_headers(&self.input[at..], &mut trailers) {
                Ok(httparse::Status::Complete((length, _))) => return Ok(at + length),
                Ok(httparse::Status::Partial) => {
                    if !self.fill().await? {
                        return Err(TransportError::Io);
                    }
                }
                Err(_) => return Err(TransportError::Malformed),
            }
        }
    }
}

/// A parsed answer head.
#[derive(Debug)]
struct Head {
    status: u16,
    /// Its length in bytes, through the empty line.
    len: usize,
    framing: Framing,
    /// The server closes the connection after this answer.
    close: bool,
}

/// Parses an answer's head from `bytes` (which lie at `offset` in the answer), keeping where
/// each header is; `None` until the head is complete.
fn parse_head(
    bytes: &[u8],
    offset: usize,
    kept: &mut Vec<[u32; 4]>,
) -> Result<Option<Head>, TransportError> {
    // Uninitialised: an answer's few headers are written, not a hundred cleared first (the
    // clearing was the client's most costly line at 170k answers/s).
    let mut headers =
        [const { std::mem::MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut []);
    let len = match httparse::ParserConfig::default().parse_response_with_uninit_headers(
        &mut response,
        bytes,
        &mut headers,
    ) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => {
            return if bytes.len() >= MAX_ANSWER {
                Err(TransportError::Malformed)
            } else {
                Ok(None)
            };
        }
        Err(_) => return Err(TransportError::Malformed),
    };
    let status = response.code.ok_or(TransportError::Malformed)?;
    let version = response.version.ok_or(TransportError::Malformed)?;
    let mut close = version == 0;
    let mut length: Option<usize> = None;
    let mut chunked = None;
    kept.clear();
    let base = bytes.as_ptr() as usize;
    for header in response.headers.iter() {
        let at = |slice: &[u8]| (slice.as_ptr() as usize - base + offset) as u32;
        kept.push([
            at(header.name.as_bytes()),
            header.name.len() as u32,
            at(header.value),
            header.value.len() as u32,
        ]);
        let name = header.name;
        if name.eq_ignore_ascii_case("content-length") {
            for value in header.value.split(|byte| *byte == b',') {
                let value = std::str::from_utf8(value)
                    .ok()
                    .map(str::trim)
                    .filter(|value| !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|value| value.parse::<usize>().ok())
                    .ok_or(TransportError::Malformed)?;
                if length.is_some_and(|seen| seen != value) {
                    return Err(TransportError::Malformed);
                }
                length = Some(value);
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            // Chunked only when it is the last coding applied.
            let last = header
                .value
                .rsplit(|byte| *byte == b',')
                .next()
                .map(|coding| coding.trim_ascii());
            chunked = Some(last.is_some_and(|coding| coding.eq_ignore_ascii_case(b"chunked")));
        } else if name.eq_ignore_ascii_case("connection") {
            for token in header.value.split(|byte| *byte == b',') {
                let token = token.trim_ascii();
                if token.eq_ignore_ascii_case(b"close") {
                    close = true;
                } else if token.eq_ignore_ascii_case(b"keep-alive") && version == 0 {
                    close = false;
                }
            }
        }
    }
    let framing = match (chunked, length) {
        (Some(true), _) => Framing::Chunked,
        (Some(false), _) => Framing::UntilClose,
        (None, Some(length)) => Framing::Length(length),
        (None, None) => Framing::UntilClose,
    };
    Ok(Some(Head {
        status,
        len,
        framing,
        close,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(bytes: &[u8]) -> Result<Option<Head>, TransportError> {
        parse_head(bytes, 0, &mut Vec::new())
    }

    #[test]
    fn framing_follows_the_rfc() {
        let framing = |bytes: &[u8]| head(bytes).unwrap().unwrap().framing;
        assert_eq!(
            framing(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n"),
            Framing::Length(5)
        );
        assert_eq!(
            framing(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\ncontent-length: 5\r\n\r\n"
            ),
            Framing::Chunked
        );
        assert_eq!(
            framing(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
            Framing::UntilClose
        );
        assert_eq!(framing(b"HTTP/1.1 200 OK\r\n\r\n"), Framing::UntilClose);
        assert_eq!(
            framing(b"HTTP/1.1 200 OK\r\ncontent-length: 7, 7\r\n\r\n"),
            Framing::Length(7)
        );
        assert!(head(b"HTTP/1.1 200 OK\r\ncontent-length: 7, 8\r\n\r\n").is_err());
        assert!(head(b"HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n").is_err());
        assert!(head(b"HTTP/1.1 200 OK\r\ncontent-length: +1\r\n\r\n").is_err());
        assert!(
            head(b"HTTP/1.1 200 OK\r\ncontent-length")
                .unwrap()
                .is_none()
        );
        assert!(head(b"HTTQ/1.1 200 OK\r\n\r\n").is_err());
    }

    #[test]
    fn connection_close_and_http_1_0_end_the_connection() {
        let close = |bytes: &[u8]| head(bytes).unwrap().unwrap().close;
        assert!(close(
            b"HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\n\r\n"
        ));
        assert!(!close(b"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n\r\n"));
        assert!(close(b"HTTP/1.0 200 OK\r\n\r\n"));
        assert!(!close(b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n"));
    }

    #[test]
    fn header_checks() {
        assert!(header_name_valid("x-tenant"));
        assert!(!header_name_valid("x tenant"));
        assert!(!header_name_valid(""));
        assert!(header_safe("Bearer abc"));
        assert!(!header_safe("a\r\nb"));
    }
}
