//! The direct routes' own HTTP/1.1 path, as the fastest servers of the field have theirs
//! (may-minihttp, the TechEmpower leaders): a connection's requests are parsed with
//! `httparse` from one buffer and each answer is written with one `write`, with no per-request
//! task, header map, boxed body or timer. hyper alone, answering at once, cost a core 1.35-1.4
//! times what the empty server does per request on this machine, before any work (issue 26,
//! measured pinned as `cargo xtask serverbench` measures, with a build not kept).
//!
//! Only the plain form is answered here: `POST` of a direct route's exact path, HTTP/1.1, one
//! `Content-Length` within the body limit, no `Transfer-Encoding`, `Expect` or `Upgrade`, a
//! head of at most [`MAX_HEADERS`] fields within [`MAX_HEAD_BYTES`]. At the first request of
//! any other form, the connection, with every byte already read, goes to hyper for the rest of
//! its life, and hyper answers it as it would have (the router, or the direct route through
//! [`App::call`]): whatever this path does not know, it does not guess.
//!
//! Its limits are hyper's: a head not complete within `header_read_timeout` of the wait for
//! it (an idle keep-alive connection too) closes the connection, a body not complete within
//! `body_read_timeout` gets a 400 that says so, and a shutdown ends the connection between
//! requests.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Instant, SystemTime};

use axum::body::Bytes;
use axum::http::StatusCode;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::watch;

use crate::Limits;
use crate::direct::{Answer, App, Head};

/// The most header fields a request answered here may have (hyper takes up to 100).
pub(crate) const MAX_HEADERS: usize = 32;
/// The longest head answered here.
pub(crate) const MAX_HEAD_BYTES: usize = 16 * 1024;

/// A request head this path answers: where its parts lie in the buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plain {
    /// The direct route's index.
    pub route: usize,
    pub head_len: usize,
    pub content_length: usize,
    pub close: bool,
    pub authorization: Option<(usize, usize)>,
    pub content_type: Option<(usize, usize)>,
}

/// What the bytes read so far hold.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Parsed {
    Plain(Plain),
    /// The head is not whole yet.
    Partial,
    /// Anything else: hyper's to answer.
    Other,
}

/// Reads the request head at the start of `buffer`.
pub(crate) fn parse(buffer: &[u8], app: &App) -> Parsed {
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut fields);
    let head_len = match request.parse(buffer) {
        Ok(httparse::Status::Complete(length)) => length,
        Ok(httparse::Status::Partial) if buffer.len() < MAX_HEAD_BYTES => return Parsed::Partial,
        _ => return Parsed::Other,
    };
    if request.version != Some(1) || request.method != Some("POST") {
        return Parsed::Other;
    }
    let Some(route) = request.path.and_then(|path| app.direct_index(path)) else {
        return Parsed::Other;
    };
    let at = |value: &[u8]| {
        let start = value.as_ptr() as usize - buffer.as_ptr() as usize;
        (start, start + value.len())
    };
    let mut content_length = None;
    let mut close = false;
    let mut authorization = None;
    let mut content_type = None;
    for field in request.headers.iter() {
        let name = field.name;
        if name.eq_ignore_ascii_case("content-length") {
            let digits = field.value;
            if content_length.is_some()
                || digits.is_empty()
                || digits.len() > 12
                || !digits.iter().all(u8::is_ascii_digit)
            {
                return Parsed::Other;
            }
            content_length = std::str::from_utf8(digits)
                .ok()
                .and_then(|text| text.parse::<usize>().ok());
        } else if name.eq_ignore_ascii_case("transfer-encoding")
            || name.eq_ignore_ascii_case("expect")
            || name.eq_ignore_ascii_case("upgrade")
        {
            return Parsed::Other;
        } else if name.eq_ignore_ascii_case("connection") {
            let value = std::str::from_utf8(field.value).unwrap_or("");
            for token in value.split(',').map(str::trim) {
                if token.eq_ignore_ascii_case("close") {
                    close = true;
                } else if token.eq_ignore_ascii_case("upgrade") {
                    return Parsed::Other;
                }
            }
        } else if name.eq_ignore_ascii_case("authorization") {
            // Twice is ambiguous (hyper's header map reads the first): hyper's to answer.
            if authorization.replace(at(field.value)).is_some() {
                return Parsed::Other;
            }
        } else if name.eq_ignore_ascii_case("content-type")
            && content_type.replace(at(field.value)).is_some()
        {
            return Parsed::Other;
        }
    }
    match content_length {
        Some(content_length) if content_length <= app.body_limit() => Parsed::Plain(Plain {
            route,
            head_len,
            content_length,
            close,
            authorization,
            content_type,
        }),
        _ => Parsed::Other,
    }
}

/// Serves one connection of an app with direct routes (see the module's header).
pub(crate) async fn connection(
    mut tcp: TcpStream,
    peer: SocketAddr,
    app: Arc<App>,
    http: hyper::server::conn::http1::Builder,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) {
    let mut buffer: Vec<u8> = Vec::with_capacity(8 * 1024);
    let mut out: Vec<u8> = Vec::with_capacity(1024);
    // One timer for the connection, moved only when it fires early: a request's head (or
    // body) is `due` its timeout after the wait for it began, and the timer, when it fires, is
    // reset to the real due time if that is later. Resetting it for every request cost a
    // timer-wheel update each.
    let deadline = tokio::time::sleep(limits.header_read_timeout);
    tokio::pin!(deadline);
    loop {
        let mut due = tokio::time::Instant::now() + limits.header_read_timeout;
        if deadline.deadline() > due {
            deadline.as_mut().reset(due);
        }
        let plain = loop {
            if !buffer.is_empty() {
                match parse(&buffer, &app) {
                    Parsed::Plain(plain) => break plain,
                    Parsed::Partial => {}
                    Parsed::Other => {
                        let io = Prefixed {
                            prefix: Bytes::from(buffer),
                            io: tcp,
                        };
                        crate::hyper_connection(io, peer, app, http, limits, stop).await;
                        return;
                    }
                }
            }
            let idle = buffer.is_empty();
            tokio::select! {
                biased;
                read = read_more(&mut tcp, &mut buffer) => match read {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                },
                () = &mut deadline => {
                    if tokio::time::Instant::now() >= due {
                        return;
                    }
                    deadline.as_mut().reset(due);
                }
                // A shutdown ends a connection between requests, never inside one.
                _ = stop.wait_for(|stopping| *stopping), if idle => return,
            }
        };
        let started = Instant::now();
        let whole = plain.head_len + plain.content_length;
        if buffer.len() < whole {
            due = tokio::time::Instant::now() + limits.body_read_timeout;
            if deadline.deadline() > due {
                deadline.as_mut().reset(due);
            }
            buffer.reserve(whole - buffer.len());
            while buffer.len() < whole {
                tokio::select! {
                    biased;
                    read = read_more(&mut tcp, &mut buffer) => match read {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    },
                    () = &mut deadline => {
                        if tokio::time::Instant::now() < due {
                            deadline.as_mut().reset(due);
                            continue;
                        }
                        let answer = Answer::error(
                            StatusCode::BAD_REQUEST,
                            "invalid_request",
                            &format!(
                                "Failed to read the request body: the request body was not sent within {:?}",
                                limits.body_read_timeout
                            ),
                        );
                        write_answer(&mut out, &answer, 0, true);
                        let _ = tcp.write_all(&out).await;
                        return;
                    }
                }
            }
        }
        let text = |range: Option<(usize, usize)>| {
            range.and_then(|(start, end)| std::str::from_utf8(&buffer[start..end]).ok())
        };
        let head = Head {
            post: true,
            token: text(plain.authorization),
            content_type: text(plain.content_type),
            content_length: Some(plain.content_length as u64),
        };
        let route = app.direct_at(plain.route);
        let answer = match app.admit(route, &head) {
            Ok(principal) => app.answer(
                route,
                principal.as_ref(),
                &buffer[plain.head_len..whole],
                Some(peer),
            ),
            Err(refusal) => refusal,
        };
        let micros = app.finish(route, answer.status, started);
        // Stopping: this answer is the connection's last, and says so.
        let close = plain.close || *stop.borrow();
        write_answer(&mut out, &answer, micros, close);
        if tcp.write_all(&out).await.is_err() {
            return;
        }
        if close {
            let _ = tcp.shutdown().await;
            return;
        }
        buffer.drain(..whole);
        // A large body's room is given back, so that an idle connection holds 16 KB at most.
        if buffer.capacity() > 64 * 1024 {
            buffer.shrink_to(16 * 1024);
        }
    }
}

/// Reads what the socket has into the spare room of `buffer` (8 KB at least).
async fn read_more(tcp: &mut TcpStream, buffer: &mut Vec<u8>) -> io::Result<usize> {
    if buffer.capacity() - buffer.len() < 4096 {
        buffer.reserve(8 * 1024);
    }
    tcp.read_buf(buffer).await
}

/// Writes `answer` as a whole HTTP/1.1 response into `out`.
pub(crate) fn write_answer(out: &mut Vec<u8>, answer: &Answer, micros: u64, close: bool) {
    use std::io::Write;
    out.clear();
    let status = answer.status;
    let _ = write!(
        out,
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\n{}: {micros}\r\ncontent-length: {}\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        crate::PROCESS_TIME_HEADER,
        answer.body.len()
    );
    for (name, value) in crate::direct::status_headers(status) {
        let _ = write!(out, "{name}: {value}\r\n");
    }
    if close {
        out.extend_from_slice(b"connection: close\r\n");
    }
    out.extend_from_slice(b"date: ");
    DATE.with(|date| {
        let mut date = date.borrow_mut();
        let now = SystemTime::now();
        let second = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |since| since.as_secs());
        if date.0 != second {
            *date = (second, httpdate::fmt_http_date(now));
        }
        out.extend_from_slice(date.1.as_bytes());
    });
    out.extend_from_slice(b"\r\n\r\n");
    out.extend_from_slice(&answer.body);
}

thread_local! {
    /// The `date` header's text, made once a second (as hyper does).
    static DATE: std::cell::RefCell<(u64, String)> = const { std::cell::RefCell::new((u64::MAX, String::new())) };
}

/// A connection handed to hyper: the bytes this path read first, then the socket.
pub(crate) struct Prefixed<I> {
    prefix: Bytes,
    io: I,
}

impl<I: AsyncRead + Unpin> AsyncRead for Prefixed<I> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if !self.prefix.is_empty() {
            let n = self.prefix.len().min(buf.remaining());
            let chunk = self.prefix.split_to(n);
            buf.put_slice(&chunk);
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for Prefixed<I> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

impl<I> Prefixed<I> {
    /// `io` with nothing read ahead.
    pub(crate) fn new(io: I) -> Prefixed<I> {
        Prefixed {
            prefix: Bytes::new(),
            io,
        }
    }
}
