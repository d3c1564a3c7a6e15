//! `https://` against a TLS server started in the test (rustls, with a certificate made by
//! rcgen at test time): trusted through `--cacert`, refused without it, accepted with
//! `--insecure`; sessions resumed; the handshake timed as its own series.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use loadgen::client::{self, Endpoint, Epoch, Outgoing, TransportError};
use loadgen::{Method, Plan, Progress, Shape, TlsClient, TlsOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::Posts;

/// A TLS server on a thread of its own: `HTTP/1.1 200` to every request, closing each
/// connection after one answer when `close_each`.
struct TlsServer {
    port: u16,
    cert_pem: String,
    handshakes: Arc<AtomicU64>,
    _runtime: tokio::runtime::Runtime,
}

impl TlsServer {
    fn start(close_each: bool) -> TlsServer {
        let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            certified.signing_key.serialize_der(),
        ));
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .unwrap();
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let port = listener.local_addr().unwrap().port();
        let handshakes = Arc::new(AtomicU64::new(0));
        let counted = handshakes.clone();
        runtime.spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let acceptor = acceptor.clone();
                let counted = counted.clone();
                tokio::spawn(async move {
                    let Ok(mut stream) = acceptor.accept(stream).await else {
                        return;
                    };
                    counted.fetch_add(1, Ordering::Relaxed);
                    let mut seen = Vec::new();
                    let mut buf = [0u8; 4096];
                    loop {
                        let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") else {
                            match stream.read(&mut buf).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => seen.extend_from_slice(&buf[..n]),
                            }
                            continue;
                        };
                        let head = String::from_utf8_lossy(&seen[..end]).to_ascii_lowercase();
                        let length: usize = head
                            .lines()
                            .find_map(|line| line.strip_prefix("content-length: "))
                            .map_or(0, |n| n.trim().parse().unwrap());
                        while seen.len() < end + 4 + length {
                            match stream.read(&mut buf).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => seen.extend_from_slice(&buf[..n]),
                            }
                        }
                        seen.drain(..end + 4 + length);
                        let answer: &[u8] = if close_each {
                            b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok"
                        } else {
                            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"
                        };
                        if stream.write_all(answer).await.is_err() || close_each {
                            let _ = stream.shutdown().await;
                            return;
                        }
                    }
                });
            }
        });
        TlsServer {
            port,
            cert_pem: certified.cert.pem(),
            handshakes,
            _runtime: runtime,
        }
    }

    fn url(&self) -> String {
        format!("https://localhost:{}", self.port)
    }
}

fn trusting(server: &TlsServer) -> (TlsClient, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ca.pem");
    std::fs::write(&path, &server.cert_pem).unwrap();
    let client = TlsClient::new(&TlsOptions {
        cacert: Some(path),
        insecure: false,
    })
    .unwrap();
    (client, dir)
}

async fn one_get(endpoint: &Endpoint) -> Result<(u16, bool), TransportError> {
    let epoch = Epoch(Instant::now());
    let mut connection = client::connect(endpoint, epoch).await?;
    let set_up = connection
        .set_up
        .take()
        .expect("a new connection says how it was set up");
    assert!(set_up.tls.is_some(), "https:// without a handshake");
    let exchanged = connection
        .exchange(
            endpoint,
            Outgoing {
                method: &Method::GET,
                path: "/",
                headers: &[],
                body: &[],
            },
            epoch,
        )
        .await?;
    assert_eq!(connection.body(), b"ok");
    Ok((exchanged.status, set_up.resumed))
}

#[test]
fn https_is_trusted_through_cacert_refused_without_and_accepted_when_insecure() {
    let server = TlsServer::start(true);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (client, _dir) = trusting(&server);
    let endpoint = Endpoint::parse_with(&server.url(), Some(&client)).unwrap();
    assert!(endpoint.is_tls());
    runtime.block_on(async {
        // One connection per request (the server closes each): after the first, the session
        // the server gave is resumed.
        let mut resumed = 0;
        for _ in 0..4 {
            let (status, was_resumed) = one_get(&endpoint).await.unwrap();
            assert_eq!(status, 200);
            resumed += usize::from(was_resumed);
        }
        assert!(
            resumed >= 2,
            "only {resumed} of 4 handshakes resumed a session"
        );

        // The system's roots do not know the test's certificate.
        let untrusted = Endpoint::parse(&server.url()).unwrap();
        assert_eq!(one_get(&untrusted).await, Err(TransportError::Tls));

        let insecure = TlsClient::new(&TlsOptions {
            cacert: None,
            insecure: true,
        })
        .unwrap();
        let endpoint = Endpoint::parse_with(&server.url(), Some(&insecure)).unwrap();
        assert_eq!(one_get(&endpoint).await.unwrap().0, 200);
    });
}

#[test]
fn a_cacert_that_is_not_pem_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ca.pem");
    std::fs::write(&path, "not a certificate").unwrap();
    let error = TlsClient::new(&TlsOptions {
        cacert: Some(path.clone()),
        insecure: false,
    })
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("--cacert") && error.contains("ca.pem"),
        "{error}"
    );
    let missing = TlsClient::new(&TlsOptions {
        cacert: Some(dir.path().join("missing.pem")),
        insecure: false,
    })
    .unwrap_err()
    .to_string();
    assert!(missing.contains("missing.pem"), "{missing}");
}

#[test]
fn the_engine_runs_over_tls_and_times_handshakes_apart() {
    let server = TlsServer::start(false);
    let (client, _dir) = trusting(&server);
    let endpoint = Endpoint::parse_with(&server.url(), Some(&client)).unwrap();
    let plan = Plan {
        shape: Shape::Closed { users: 4 },
        start: Instant::now() + Duration::from_millis(200),
        warmup: Duration::from_millis(100),
        duration: Duration::from_millis(700),
        max_in_flight: 64,
        request_timeout: Duration::from_secs(5),
        threads: 1,
        interval: Duration::from_secs(1),
        n_series: 1,
        cpus: Vec::new(),
        send_window: Duration::ZERO,
    };
    let (_cancel, cancel_rx) = tokio::sync::watch::channel(false);
    let outcome = loadgen::run(
        &plan,
        &[endpoint],
        vec![Posts::default()],
        &Progress::new(1),
        cancel_rx,
    )
    .unwrap();
    let series = &outcome.series[0];
    assert!(series.ok > 100, "{} ok", series.ok);
    assert_eq!(series.error_count(), 0, "{:?}", series.errors);
    // One connection per user, each set up once: connect and handshake apart from latency.
    let handshakes = server.handshakes.load(Ordering::Relaxed);
    assert!(
        (4..=5).contains(&handshakes),
        "{handshakes} handshakes for 4 users"
    );
    assert_eq!(outcome.tls_handshake.len(), handshakes);
    assert_eq!(outcome.connect.len(), handshakes);
    assert!(outcome.tls_handshake.min() >= 1);
}
