//! The wire path against its oracle: a raw TCP server replays generated answers (interim
//! `1xx`, `Content-Length`, chunks with extensions and trailers, close-delimited bodies,
//! `Connection: close`, `HEAD`, `204`, `304`), written in pieces so that the client reads them
//! split, to this client and to hyper's; both must read the same status, headers and body.
//! Malformed answers must be their own error kind, never a panic.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use loadgen::Method;
use loadgen::client::{self, Endpoint, Epoch, Outgoing, TransportError};
use proptest::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How an answer's body is delimited.
#[derive(Debug, Clone)]
enum Framing {
    Length,
    /// Chunk sizes (the body is cut into these, the rest in one more), an extension on each,
    /// and trailers.
    Chunked {
        cuts: Vec<usize>,
        extension: bool,
        trailers: Vec<(String, String)>,
    },
    /// Delimited by the close: the last answer on its connection.
    Close,
}

#[derive(Debug, Clone)]
struct Generated {
    interim: Vec<u16>,
    status: u16,
    headers: Vec<(String, String)>,
    framing: Framing,
    close: bool,
    body: Vec<u8>,
    head_request: bool,
}

impl Generated {
    /// Whether the answer carries no body whatever its headers say.
    fn bodiless(&self) -> bool {
        self.head_request || matches!(self.status, 204 | 304)
    }

    /// Whether the connection ends after it.
    fn ends_connection(&self) -> bool {
        self.close || (matches!(self.framing, Framing::Close) && !self.bodiless())
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for status in &self.interim {
            out.extend_from_slice(
                format!("HTTP/1.1 {status} Interim\r\nx-hint: a\r\n\r\n").as_bytes(),
            );
        }
        out.extend_from_slice(format!("HTTP/1.1 {} Some Reason\r\n", self.status).as_bytes());
        for (name, value) in &self.headers {
            out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        if self.close {
            out.extend_from_slice(b"Connection: close\r\n");
        }
        let body: &[u8] = if self.bodiless() { &[] } else { &self.body };
        match &self.framing {
            Framing::Length => {
                // A HEAD answer says the length the GET would have had.
                out.extend_from_slice(
                    format!("Content-Length: {}\r\n\r\n", self.body.len()).as_bytes(),
                );
                out.extend_from_slice(body);
            }
            Framing::Chunked {
                cuts,
                extension,
                trailers,
            } => {
                out.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
                if !self.bodiless() {
                    let mut rest = body;
                    for cut in cuts.iter().copied().chain([usize::MAX]) {
                        if rest.is_empty() {
                            break;
                        }
                        let (chunk, after) = rest.split_at(cut.clamp(1, rest.len()));
                        out.extend_from_slice(format!("{:x}", chunk.len()).as_bytes());
                        if *extension {
                            out.extend_from_slice(b";name=value");
                        }
                        out.extend_from_slice(b"\r\n");
                        out.extend_from_slice(chunk);
                        out.extend_from_slice(b"\r\n");
                        rest = after;
                    }
                    out.extend_from_slice(b"0\r\n");
                    for (name, value) in trailers {
                        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
                    }
                    out.extend_from_slice(b"\r\n");
                }
            }
            Framing::Close => {
                out.extend_from_slice(b"\r\n");
                out.extend_from_slice(body);
            }
        }
        out
    }
}

fn header_strategy() -> impl Strategy<Value = (String, String)> {
    (
        prop::sample::select(vec![
            "x-a",
            "X-Request-Id",
            "server",
            "x-b",
            "Cache-Control",
        ]),
        "[!-~]([ -~]{0,20}[!-~])?",
    )
        .prop_map(|(name, value)| (name.to_owned(), value))
}

fn answer_strategy() -> impl Strategy<Value = Generated> {
    let framing = prop_oneof![
        Just(Framing::Length),
        (
            prop::collection::vec(1usize..40, 0..5),
            any::<bool>(),
            prop::collection::vec(header_strategy(), 0..3)
        )
            .prop_map(|(cuts, extension, trailers)| Framing::Chunked {
                cuts,
                extension,
                trailers
            }),
        Just(Framing::Close),
    ];
    (
        prop::collection::vec(prop::sample::select(vec![100u16, 102, 103]), 0..2),
        prop::sample::select(vec![200u16, 201, 202, 204, 301, 304, 404, 418, 500, 503]),
        prop::collection::vec(header_strategy(), 0..6),
        framing,
        prop::bool::weighted(0.2),
        prop::collection::vec(any::<u8>(), 0..300),
        prop::bool::weighted(0.15),
    )
        .prop_map(
            |(interim, status, headers, framing, close, body, head_request)| Generated {
                interim,
                status,
                headers,
                // 204 and 304 carry no framing header but a length, as servers send them.
                framing: if matches!(status, 204 | 304) {
                    Framing::Length
                } else {
                    framing
                },
                close,
                body,
                head_request,
            },
        )
}

/// What a client read: status, headers (lower-case names, sorted) and body.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Read {
    status: u16,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

/// Serves `answers` in order on one connection, each written in `pieces` parts a little
/// apart, after reading each request's head (requests carry no body here).
async fn replay(listener: TcpListener, answers: Vec<Generated>, pieces: usize) {
    let (mut stream, _) = listener.accept().await.unwrap();
    stream.set_nodelay(true).unwrap();
    let mut seen = Vec::new();
    for answer in answers {
        // The request's head.
        loop {
            if let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                seen.drain(..end + 4);
                break;
            }
            let mut buf = [0u8; 4096];
            let n = stream.read(&mut buf).await.unwrap();
            if n == 0 {
                return;
            }
            seen.extend_from_slice(&buf[..n]);
        }
        let bytes = answer.bytes();
        let size = bytes.len().div_ceil(pieces.max(1)).max(1);
        for piece in bytes.chunks(size) {
            stream.write_all(piece).await.unwrap();
            tokio::time::sleep(Duration::from_micros(300)).await;
        }
        if answer.ends_connection() {
            return;
        }
    }
    // Hold the connection until the client is done.
    let _ = stream.read(&mut [0u8; 16]).await;
}

fn method(answer: &Generated) -> Method {
    if answer.head_request {
        Method::HEAD
    } else {
        Method::GET
    }
}

fn sorted(mut headers: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
    headers.sort();
    headers
}

async fn ours(answers: &[Generated], pieces: usize) -> Vec<Result<Read, TransportError>> {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(replay(listener, answers.to_vec(), pieces));
    let endpoint = Endpoint::parse(&url).unwrap();
    let epoch = Epoch(std::time::Instant::now());
    let mut connection = client::connect(&endpoint, epoch).await.unwrap();
    let mut reads = Vec::new();
    for answer in answers {
        // A client that waits for bytes that never come fails the case, not the whole run.
        let exchanged = tokio::time::timeout(
            Duration::from_millis(300),
            connection.exchange(
                &endpoint,
                Outgoing {
                    method: &method(answer),
                    path: "/x",
                    headers: &[],
                    body: &[],
                },
                epoch,
            ),
        )
        .await
        .unwrap_or(Err(TransportError::Io));
        let read = exchanged.map(|exchanged| Read {
            status: exchanged.status,
            headers: sorted(
                connection
                    .headers()
                    .map(|(name, value)| (name.to_ascii_lowercase(), value.to_vec()))
                    .collect(),
            ),
            body: connection.body().to_vec(),
        });
        let failed = read.is_err();
        reads.push(read);
        if failed || answer.ends_connection() {
            assert!(
                failed || !connection.reusable(),
                "a closing answer left the connection reusable"
            );
            break;
        }
        assert!(
            connection.reusable(),
            "a keep-alive answer closed the connection: {answer:?}"
        );
    }
    server.abort();
    reads
}

async fn hypers(answers: &[Generated], pieces: usize) -> Vec<Read> {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(replay(listener, answers.to_vec(), pieces));
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let mut reads = Vec::new();
    for answer in answers {
        if sender.ready().await.is_err() {
            break;
        }
        let request = hyper::Request::builder()
            .method(method(answer))
            .uri("/x")
            .header("host", addr.to_string())
            .body(Full::new(Bytes::new()))
            .unwrap();
        let response = sender.send_request(request).await.unwrap();
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
            .collect();
        let body = response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        reads.push(Read {
            status,
            headers: sorted(headers),
            body,
        });
        if answer.ends_connection() {
            break;
        }
    }
    server.abort();
    reads
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, max_shrink_iters: 32, ..ProptestConfig::default() })]

    #[test]
    fn reads_what_hyper_reads(
        answers in prop::collection::vec(answer_strategy(), 1..4),
        pieces in 1usize..6,
    ) {
        let runtime = runtime();
        let ours = runtime.block_on(ours(&answers, pieces));
        let theirs = runtime.block_on(hypers(&answers, pieces));
        prop_assert!(ours.iter().all(Result::is_ok), "{:?}", ours);
        let ours: Vec<Read> = ours.into_iter().map(Result::unwrap).collect();
        prop_assert_eq!(ours, theirs);
    }

    #[test]
    fn garbage_is_an_error_never_a_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let runtime = runtime();
        let read = runtime.block_on(raw_answer(bytes));
        if let Err(kind) = read {
            prop_assert!(matches!(kind, TransportError::Malformed | TransportError::Io), "{kind:?}");
        }
    }
}

/// The client's reading of `bytes` sent as the answer to one GET, then the close.
async fn raw_answer(bytes: Vec<u8>) -> Result<(u16, Vec<u8>), TransportError> {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 1024];
        let _ = stream.read(&mut buf).await;
        let _ = stream.write_all(&bytes).await;
        let _ = stream.shutdown().await;
    });
    let endpoint = Endpoint::parse(&url).unwrap();
    let epoch = Epoch(std::time::Instant::now());
    let mut connection = client::connect(&endpoint, epoch).await.unwrap();
    let read = connection
        .exchange(
            &endpoint,
            Outgoing {
                method: &Method::GET,
                path: "/",
                headers: &[],
                body: &[],
            },
            epoch,
        )
        .await
        .map(|exchanged| (exchanged.status, connection.body().to_vec()));
    server.abort();
    read
}

#[test]
fn malformed_answers_are_their_own_kind() {
    let runtime = runtime();
    for bytes in [
        &b"HTTP/1.1 abc OK\r\n\r\n"[..],
        b"SMTP ready\r\n\r\n",
        b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\ncontent-length: 4\r\n\r\nabcd",
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabcXX0\r\n\r\n",
        b"HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n",
    ] {
        let read = runtime.block_on(raw_answer(bytes.to_vec()));
        assert_eq!(
            read,
            Err(TransportError::Malformed),
            "{}",
            String::from_utf8_lossy(bytes)
        );
    }
    // Cut short: the stream ended inside the answer.
    let read = runtime.block_on(raw_answer(
        b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc".to_vec(),
    ));
    assert_eq!(read, Err(TransportError::Io));
    // Close-delimited: the body is all that came.
    let read = runtime.block_on(raw_answer(b"HTTP/1.1 200 OK\r\n\r\nall of it".to_vec()));
    assert_eq!(read, Ok((200, b"all of it".to_vec())));
}

#[test]
fn a_request_is_one_write_with_its_body_and_headers() {
    let runtime = runtime();
    runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/api", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut buf = vec![0u8; 4096];
            let mut got = Vec::new();
            while !got.ends_with(b"{\"a\":1}") {
                let n = stream.read(&mut buf).await.unwrap();
                assert!(n > 0);
                got.extend_from_slice(&buf[..n]);
            }
            stream
                .write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 2\r\n\r\nok")
                .await
                .unwrap();
            String::from_utf8(got).unwrap()
        });
        let endpoint = Endpoint::parse(&url)
            .unwrap()
            .with_bearer("s3cret")
            .unwrap();
        assert!(!format!("{endpoint:?}").contains("s3cret"));
        let epoch = Epoch(std::time::Instant::now());
        let mut connection = client::connect(&endpoint, epoch).await.unwrap();
        let headers = [("x-tenant".to_owned(), "user-7".to_owned())];
        let exchanged = connection
            .exchange(
                &endpoint,
                Outgoing {
                    method: &Method::POST,
                    path: "/submit",
                    headers: &headers,
                    body: br#"{"a":1}"#,
                },
                epoch,
            )
            .await
            .unwrap();
        assert_eq!(exchanged.status, 202);
        assert_eq!(connection.body(), b"ok");
        assert!(exchanged.answered_at >= exchanged.sent_at);
        let request = server.await.unwrap();
        let (head, body) = request.split_once("\r\n\r\n").unwrap();
        assert_eq!(body, r#"{"a":1}"#);
        let mut lines = head.lines();
        assert_eq!(lines.next(), Some("POST /api/submit HTTP/1.1"));
        let headers: Vec<&str> = lines.collect();
        for expected in [
            "authorization: Bearer s3cret",
            "x-tenant: user-7",
            "content-type: application/json",
            "content-length: 7",
        ] {
            assert!(headers.contains(&expected), "{expected} not in {headers:?}");
        }
        assert!(headers.iter().any(|h| h.starts_with("host: 127.0.0.1:")));
    });
}
