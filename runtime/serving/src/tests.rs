//! Tests of the shared service plumbing over real sockets.

use super::*;

#[tokio::test]
async fn metrics_count_requests_per_route_and_report_the_process() {
    let metrics = Metrics::new();
    let app = instrument(
        Router::new().route("/hello/{name}", get(|| async { "hi" })),
        metrics,
        1024,
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, app, async {
        let _ = stop_rx.await;
    }));
    let client = reqwest::Client::new();
    for name in ["a", "b", "c"] {
        let response = client
            .get(format!("http://{addr}/hello/{name}"))
            .send()
            .await
            .unwrap();
        let process_time: u64 = response.headers()[PROCESS_TIME_HEADER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(process_time < 10_000_000);
        assert_eq!(response.text().await.unwrap(), "hi");
    }
    let missing = client
        .get(format!("http://{addr}/nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let text = client
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(
            "http_requests_total{method=\"GET\",route=\"/hello/{name}\",status=\"2xx\"} 3"
        ),
        "{text}"
    );
    assert!(
        text.contains("route=\"unmatched\",status=\"4xx\"} 1"),
        "{text}"
    );
    assert!(
        text.contains(
            "http_request_duration_seconds_count{method=\"GET\",route=\"/hello/{name}\"} 3"
        )
    );
    assert!(text.contains("process_resident_memory_bytes "));
    stop_tx.send(()).unwrap();
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn body_limit_rejects_large_bodies() {
    let app = instrument(
        Router::new().route(
            "/echo",
            axum::routing::post(|body: String| async move { body }),
        ),
        Metrics::new(),
        16,
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(listener, app, std::future::pending()));
    let client = reqwest::Client::new();
    let small = client
        .post(format!("http://{addr}/echo"))
        .body("tiny")
        .send()
        .await
        .unwrap();
    assert_eq!(small.status(), 200);
    let large = client
        .post(format!("http://{addr}/echo"))
        .body("x".repeat(100))
        .send()
        .await
        .unwrap();
    assert_eq!(large.status(), 413);
}

#[tokio::test]
async fn the_cpu_profile_is_off_unless_enabled_then_served_to_loopback_only() {
    // One test for the whole life of the switch: it is process-wide.
    let app = instrument(Router::new(), Metrics::new(), 1024);
    // Bound on every address, so that a peer off loopback can be tried where the machine has
    // an address of its own.
    let listener = TcpListener::bind("0.0.0.0:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(serve(listener, app, std::future::pending()));
    let client = reqwest::Client::new();
    let post = |host: String, path: &'static str| {
        let client = client.clone();
        async move {
            client
                .post(format!("http://{host}:{port}{path}"))
                .send()
                .await
                .unwrap()
        }
    };
    let local = || "127.0.0.1".to_owned();
    let off = post(local(), "/debug/pprof/start").await;
    assert_eq!(off.status(), 404);
    assert!(off.text().await.unwrap().contains("--profiling"));

    enable_profiling();
    let started = post(local(), "/debug/pprof/start").await;
    assert_eq!(started.status(), 200);
    let body: serde_json::Value = started.json().await.unwrap();
    assert!(body["profiler_rss_bytes"].as_u64().is_some(), "{body}");
    assert_eq!(post(local(), "/debug/pprof/start").await.status(), 409);
    // Some CPU for the profile to see.
    let mut acc = 0u64;
    for i in 0..20_000_000u64 {
        acc = std::hint::black_box(acc ^ i.rotate_left(3));
    }
    let stopped = post(local(), "/debug/pprof/stop").await;
    assert_eq!(stopped.status(), 200);
    let bytes = stopped.bytes().await.unwrap();
    assert!(bytes.starts_with(&[0x1f, 0x8b]), "not a gzipped profile");
    profiling::fold(&bytes).unwrap();
    assert_eq!(post(local(), "/debug/pprof/stop").await.status(), 409);

    // From this machine's own address, not loopback: refused.
    // (A UDP socket "connected" to an address off this machine names the address its packets
    // would leave from; no packet is sent.)
    let own = ["8.8.8.8:9", "192.0.2.1:9", "10.0.0.1:9"]
        .into_iter()
        .find_map(|far| {
            let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
            socket.connect(far).ok()?;
            socket.local_addr().ok()
        });
    match own {
        Some(addr) if !addr.ip().is_loopback() && !addr.ip().is_unspecified() => {
            let refused = post(addr.ip().to_string(), "/debug/pprof/start").await;
            assert_eq!(refused.status(), 403);
        }
        _ => eprintln!("no address off loopback here: the refusal is not tried"),
    }
}

/// The direct route of the test services: `{"bytes": N, "user": NAME}` of the body it got,
/// 422 when the body is not JSON.
fn direct_echo(request: DirectRequest<'_>) -> DirectResponse {
    if let Err(error) = serde_json::from_slice::<serde_json::Value>(request.body) {
        return DirectResponse::rejected(&error);
    }
    DirectResponse {
        status: axum::http::StatusCode::OK,
        body: serde_json::to_vec(&serde_json::json!({
            "bytes": request.body.len(),
            "user": request.principal.map(|principal| principal.name.to_string()),
        }))
        .unwrap(),
    }
}

/// An echo service under `limits`, with a direct route (`POST /direct`) beside its router's;
/// returns its address and a sender that starts its shutdown, and the server's task.
async fn limited(
    limits: Limits,
) -> (
    SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<anyhow::Result<()>>,
) {
    let app = App::new(
        Router::new()
            .route("/echo", post(|body: String| async move { body }))
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    "late"
                }),
            ),
        Metrics::new(),
        1024,
        auth::Access::open(),
    )
    .direct("/direct", direct_echo);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve_with(
        listener,
        app,
        async {
            let _ = stop_rx.await;
        },
        limits,
    ));
    (addr, stop_tx, server)
}

/// Reads from `stream` until it closes or `within` passes; what was read, and whether it closed.
async fn read_until_closed(stream: &mut tokio::net::TcpStream, within: Duration) -> (String, bool) {
    use tokio::io::AsyncReadExt;
    let mut seen = Vec::new();
    let mut buffer = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&seen).into(), true),
            Ok(Ok(read)) => seen.extend_from_slice(&buffer[..read]),
            Err(_) => return (String::from_utf8_lossy(&seen).into(), false),
        }
    }
}

#[tokio::test]
async fn a_client_that_never_finishes_its_head_is_disconnected() {
    let (addr, _stop, _server) = limited(Limits {
        header_read_timeout: Duration::from_millis(300),
        ..Limits::default()
    })
    .await;
    use tokio::io::AsyncWriteExt;
    // Slowloris: half a request head, then silence; to a router's route and to a direct one.
    for head in [
        &b"GET /health HTTP/1.1\r\nHost: x\r\n"[..],
        b"POST /direct HTTP/1.1\r\nHost: x\r\n",
    ] {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.write_all(head).await.unwrap();
        let (_, closed) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
        assert!(closed, "the connection was held open");
    }
}

#[tokio::test]
async fn a_body_that_trickles_is_refused_when_its_time_is_up() {
    let (addr, _stop, _server) = limited(Limits {
        body_read_timeout: Duration::from_millis(300),
        ..Limits::default()
    })
    .await;
    use tokio::io::AsyncWriteExt;
    for head in [
        &b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc"[..],
        b"POST /direct HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[1,",
    ] {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.write_all(head).await.unwrap();
        let (seen, _) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
        assert!(seen.starts_with("HTTP/1.1 400"), "{seen}");
        assert!(seen.contains("not sent within"), "{seen}");
    }
    // A whole body is served as before.
    let echoed = reqwest::Client::new()
        .post(format!("http://{addr}/echo"))
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.text().await.unwrap(), "hello");
}

#[tokio::test]
async fn connections_over_the_cap_wait_until_one_closes() {
    let (addr, _stop, _server) = limited(Limits {
        max_connections: 1,
        ..Limits::default()
    })
    .await;
    use tokio::io::AsyncWriteExt;
    let mut first = tokio::net::TcpStream::connect(addr).await.unwrap();
    first
        .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let (seen, _) = read_until_closed(&mut first, Duration::from_millis(500)).await;
    assert!(seen.starts_with("HTTP/1.1 200"), "{seen}");
    // The first connection stays open (keep-alive): the second is not served.
    let client = reqwest::Client::new();
    let second = client
        .get(format!("http://{addr}/health"))
        .timeout(Duration::from_millis(500))
        .send()
        .await;
    assert!(
        second.is_err(),
        "a second connection was served: {second:?}"
    );
    drop(first);
    let third = client
        .get(format!("http://{addr}/health"))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap();
    assert_eq!(third.status(), 200);
}

#[tokio::test]
async fn shutdown_ends_by_its_deadline_with_a_request_still_running() {
    let (addr, stop, server) = limited(Limits {
        shutdown_deadline: Duration::from_millis(500),
        ..Limits::default()
    })
    .await;
    let client = reqwest::Client::new();
    let slow = tokio::spawn(async move { client.get(format!("http://{addr}/slow")).send().await });
    // The request is in its handler once the server has it; give it a moment to arrive.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = std::time::Instant::now();
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("the shutdown had no deadline")
        .unwrap()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    slow.abort();
}

const USER_TOKEN: &str = "user-token-0123456789";
const SERVICE_TOKEN: &str = "service-token-0123456789";
const ADMIN_TOKEN: &str = "admin-token-0123456789";

fn test_keys() -> Arc<auth::ApiKeys> {
    let text = format!(
        "# tokens of the tests\n{USER_TOKEN} user alice\n\n{SERVICE_TOKEN} service gateway\n{ADMIN_TOKEN} admin ops\n"
    );
    Arc::new(auth::ApiKeys::parse(&text, "keys.txt").unwrap())
}

/// Serves a router behind `access`, whose `/whoami` answers the principal's name, until the
/// returned sender is dropped.
async fn serve_behind(access: auth::Access) -> (String, tokio::sync::oneshot::Sender<()>) {
    let whoami = get(
        |principal: Option<axum::Extension<auth::Principal>>| async move {
            principal.map_or_else(|| "nobody".to_owned(), |p| p.name.to_string())
        },
    );
    let app = App::new(
        Router::new().route("/whoami", whoami),
        Metrics::new(),
        1024,
        access,
    )
    .direct("/direct", direct_echo);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serve(listener, app, async {
        let _ = stop_rx.await;
    }));
    (format!("http://{addr}"), stop_tx)
}

#[tokio::test]
async fn api_keys_let_in_only_known_keys_of_the_scope_a_route_needs() {
    let (base, _stop) = serve_behind(auth::Access {
        keys: Some(test_keys()),
        routes_need: auth::Scope::Service,
    })
    .await;
    let client = reqwest::Client::new();
    let call = |path: &str, token: Option<&str>| {
        let mut request = client.get(format!("{base}{path}"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    // Probes need no key.
    assert_eq!(call("/health", None).await.unwrap().status(), 200);
    // No key, or an unknown one: 401, saying how.
    let missing = call("/whoami", None).await.unwrap();
    assert_eq!(missing.status(), 401);
    assert_eq!(missing.headers()["www-authenticate"], "Bearer");
    let body: serde_json::Value = missing.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
    assert_eq!(
        call("/whoami", Some("not-a-key-of-ours-at-all"))
            .await
            .unwrap()
            .status(),
        401
    );
    // A user's key on a route that needs a service: 403, naming the scope.
    let low = call("/whoami", Some(USER_TOKEN)).await.unwrap();
    assert_eq!(low.status(), 403);
    let body: serde_json::Value = low.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("service scope"),
        "{body}"
    );
    // A service's key passes, and the handler knows who called.
    let ok = call("/whoami", Some(SERVICE_TOKEN)).await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "gateway");
    // /metrics and /debug/* need an admin.
    assert_eq!(
        call("/metrics", Some(SERVICE_TOKEN))
            .await
            .unwrap()
            .status(),
        403
    );
    let metrics = call("/metrics", Some(ADMIN_TOKEN)).await.unwrap();
    assert_eq!(metrics.status(), 200);
    let text = metrics.text().await.unwrap();
    // Refusals are counted on their route like any other answer.
    assert!(
        text.contains("route=\"/whoami\",status=\"4xx\"} 3"),
        "{text}"
    );
    assert_eq!(
        client
            .post(format!("{base}/debug/pprof/start"))
            .bearer_auth(SERVICE_TOKEN)
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    // A direct route holds to the same keys, on its own wire path: 401 with the challenge,
    // 403 for a user's key, the principal for a service's; counted on its route.
    let direct = |token: Option<&str>| {
        let mut request = client
            .post(format!("{base}/direct"))
            .header("content-type", "application/json")
            .body("{}");
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let missing = direct(None).await.unwrap();
    assert_eq!(missing.status(), 401);
    assert_eq!(missing.headers()["www-authenticate"], "Bearer");
    assert_eq!(direct(Some(USER_TOKEN)).await.unwrap().status(), 403);
    let ok = direct(Some(SERVICE_TOKEN)).await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), r#"{"bytes":2,"user":"gateway"}"#);
    let text = call("/metrics", Some(ADMIN_TOKEN))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("http_requests_total{method=\"POST\",route=\"/direct\",status=\"4xx\"} 2"),
        "{text}"
    );
}

#[tokio::test]
async fn without_keys_every_route_is_open() {
    let (base, _stop) = serve_behind(auth::Access::open()).await;
    let answer = reqwest::get(format!("{base}/whoami")).await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.text().await.unwrap(), "nobody");
}

#[test]
fn a_keys_file_with_an_error_names_its_line() {
    let cases = [
        ("short-token user alice", "line 1", "shorter than 16"),
        (
            "# a comment\nuser-token-0123456789 root alice",
            "line 2",
            "expected user, service or admin",
        ),
        ("user-token-0123456789 user", "line 1", "3 fields"),
        (
            "user-token-0123456789 user alice\nuser-token-0123456789 admin bob",
            "line 2",
            "same token",
        ),
        ("# nothing\n", "keys.txt", "no keys"),
    ];
    for (text, at, says) in cases {
        let error = format!("{:#}", auth::ApiKeys::parse(text, "keys.txt").unwrap_err());
        assert!(
            error.contains(at) && error.contains(says),
            "{text:?}: {error}"
        );
    }
    let keys = test_keys();
    assert_eq!(keys.len(), 3);
    let alice = keys.principal(USER_TOKEN).unwrap();
    assert!(alice.may_act_for("alice") && !alice.may_act_for("bob"));
    assert!(keys.principal(SERVICE_TOKEN).unwrap().may_act_for("bob"));
}

/// Issue 23: connections were capped globally only, so one client's idle keep-alive
/// connections could hold every slot. One address now holds at most its share; another
/// address is still served.
#[tokio::test]
async fn one_client_address_holds_at_most_its_share_of_the_connections() {
    let (addr, _stop, _server) = limited(Limits {
        max_connections: 16,
        max_connections_per_client: 2,
        ..Limits::default()
    })
    .await;
    use tokio::io::AsyncWriteExt;
    let from = |ip: &str| {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(format!("{ip}:0").parse().unwrap()).unwrap();
        socket.connect(addr)
    };
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = from("127.0.0.1").await.unwrap();
        stream
            .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let (seen, closed) = read_until_closed(&mut stream, Duration::from_millis(300)).await;
        assert!(seen.starts_with("HTTP/1.1 200") && !closed, "{seen}");
        held.push(stream);
    }
    // A third from the same address is closed at once, unanswered.
    let mut third = from("127.0.0.1").await.unwrap();
    let _ = third
        .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let (seen, closed) = read_until_closed(&mut third, Duration::from_secs(2)).await;
    assert!(closed && seen.is_empty(), "served past the cap: {seen:?}");
    // Another address is served.
    let mut other = from("127.0.0.2").await.unwrap();
    other
        .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let (seen, _) = read_until_closed(&mut other, Duration::from_millis(500)).await;
    assert!(seen.starts_with("HTTP/1.1 200"), "{seen}");
    // A closed connection gives its slot back.
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut again = from("127.0.0.1").await.unwrap();
    again
        .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let (seen, _) = read_until_closed(&mut again, Duration::from_millis(500)).await;
    assert!(seen.starts_with("HTTP/1.1 200"), "{seen}");
}

/// An idle kept-alive connection is closed once it has sent nothing for the head's timeout:
/// hyper starts that timer whenever it waits for a request, the next one included.
#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_head_timeout() {
    let (addr, _stop, _server) = limited(Limits {
        header_read_timeout: Duration::from_millis(300),
        ..Limits::default()
    })
    .await;
    use tokio::io::AsyncWriteExt;
    for request in [
        &b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"[..],
        b"POST /direct HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
    ] {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.write_all(request).await.unwrap();
        let (seen, closed) = read_until_closed(&mut stream, Duration::from_secs(3)).await;
        assert!(seen.starts_with("HTTP/1.1 200"), "{seen}");
        assert!(closed, "the idle connection was kept past the timeout");
    }
}

/// The answers on a connection, read until `count` whole answers have come: (status, body).
async fn answers(stream: &mut tokio::net::TcpStream, count: usize) -> Vec<(u16, String)> {
    use tokio::io::AsyncReadExt;
    let mut seen: Vec<u8> = Vec::new();
    let mut parsed = Vec::new();
    let mut chunk = [0u8; 4096];
    while parsed.len() < count {
        let mut fields = [httparse::EMPTY_HEADER; 32];
        let mut response = httparse::Response::new(&mut fields);
        if let Ok(httparse::Status::Complete(head)) = response.parse(&seen) {
            let length: usize = response
                .headers
                .iter()
                .find(|field| field.name.eq_ignore_ascii_case("content-length"))
                .map(|field| std::str::from_utf8(field.value).unwrap().parse().unwrap())
                .unwrap_or(0);
            if seen.len() >= head + length {
                let status = response.code.unwrap();
                parsed.push((
                    status,
                    String::from_utf8_lossy(&seen[head..head + length]).into_owned(),
                ));
                seen.drain(..head + length);
                continue;
            }
        }
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut chunk))
            .await
            .expect("an answer within 5 s")
            .unwrap();
        assert!(
            read > 0,
            "closed after {} answers: {parsed:?}",
            parsed.len()
        );
        seen.extend_from_slice(&chunk[..read]);
    }
    parsed
}

/// The direct routes' own wire path: requests pipelined in one write and split across
/// writes are answered in order; a request of another form (a router's route, a chunked
/// body) hands the connection to hyper with the bytes already read, and hyper then answers
/// the direct route too, with the same answer.
#[tokio::test]
async fn direct_routes_answer_pipelined_and_split_requests_and_hand_the_rest_to_hyper() {
    use tokio::io::AsyncWriteExt;
    let (addr, _stop, _server) = limited(Limits::default()).await;
    let plain = |body: &str| {
        format!(
            "POST /direct HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    // Two in one write.
    let two = format!("{}{}", plain("[1,2,3]"), plain("{\"a\":1}"));
    stream.write_all(two.as_bytes()).await.unwrap();
    let got = answers(&mut stream, 2).await;
    assert_eq!(got[0], (200, r#"{"bytes":7,"user":null}"#.to_owned()));
    assert_eq!(got[1], (200, r#"{"bytes":7,"user":null}"#.to_owned()));
    // One in three writes: the head cut, then the body cut.
    let one = plain("[10,20]");
    for piece in [&one[..20], &one[20..one.len() - 3], &one[one.len() - 3..]] {
        stream.write_all(piece.as_bytes()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(answers(&mut stream, 1).await[0].0, 200);
    // Not JSON: the handler's 4xx, on the same connection.
    stream.write_all(plain("{nope").as_bytes()).await.unwrap();
    assert_eq!(answers(&mut stream, 1).await[0].0, 400);
    // A router's route, pipelined with a direct one behind it: hyper from here on.
    let mixed = format!(
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello{}",
        plain("[1,2,3]")
    );
    stream.write_all(mixed.as_bytes()).await.unwrap();
    let got = answers(&mut stream, 2).await;
    assert_eq!(got[0], (200, "hello".to_owned()));
    assert_eq!(got[1], (200, r#"{"bytes":7,"user":null}"#.to_owned()));
    // A chunked body on a fresh connection goes to hyper, which answers as the wire path did.
    let mut chunked = tokio::net::TcpStream::connect(addr).await.unwrap();
    chunked
        .write_all(
            b"POST /direct HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n[1,2,3]\r\n0\r\n\r\n",
        )
        .await
        .unwrap();
    assert_eq!(
        answers(&mut chunked, 1).await[0],
        (200, r#"{"bytes":7,"user":null}"#.to_owned())
    );
}

/// Whatever the wire path refuses, it refuses as hyper's path does (the same status and
/// body): each request is sent plain, then again with a chunked body, which only hyper
/// takes.
#[tokio::test]
async fn the_wire_path_answers_as_hyper_does() {
    use tokio::io::AsyncWriteExt;
    let (addr, _stop, _server) = limited(Limits::default()).await;
    let cases: [(&str, &str, &str); 5] = [
        ("POST", "application/json", "[1]"),
        ("POST", "text/plain", "[1]"),
        ("POST", "", "[1]"),
        ("POST", "application/json", "not json"),
        ("POST", "application/problem+json", "{}"),
    ];
    for (method, content_type, body) in cases {
        let content_type = if content_type.is_empty() {
            String::new()
        } else {
            format!("Content-Type: {content_type}\r\n")
        };
        let plain = format!(
            "{method} /direct HTTP/1.1\r\nHost: x\r\n{content_type}Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let chunked = format!(
            "{method} /direct HTTP/1.1\r\nHost: x\r\n{content_type}Transfer-Encoding: chunked\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
            body.len()
        );
        let mut got = Vec::new();
        for request in [plain, chunked] {
            let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            stream.write_all(request.as_bytes()).await.unwrap();
            got.push(answers(&mut stream, 1).await.remove(0));
        }
        assert_eq!(got[0], got[1], "{method} {content_type:?} {body:?}");
    }
    // Two keys, or two content types: ambiguous, so hyper's (which reads the first).
    for doubled in [
        "Authorization: Bearer a\r\nAuthorization: Bearer b\r\n",
        "Content-Type: text/plain\r\n",
    ] {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(format!("POST /direct HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{doubled}Content-Length: 2\r\n\r\n{{}}").as_bytes())
            .await
            .unwrap();
        assert_eq!(answers(&mut stream, 1).await[0].0, 200, "{doubled}");
    }
    // Too large for the limit (1024 bytes): hyper's 413 either way.
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"POST /direct HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(answers(&mut stream, 1).await[0].0, 413);
}

/// `Connection: close` is honoured: the answer says so and the connection ends; a shutdown
/// ends an idle connection of the wire path at once.
#[tokio::test]
async fn a_direct_answer_to_connection_close_ends_the_connection() {
    use tokio::io::AsyncWriteExt;
    let (addr, stop, server) = limited(Limits::default()).await;
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"POST /direct HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
        .await
        .unwrap();
    let (seen, closed) = read_until_closed(&mut stream, Duration::from_secs(3)).await;
    assert!(seen.starts_with("HTTP/1.1 200 OK\r\n"), "{seen}");
    assert!(seen.contains("connection: close\r\n"), "{seen}");
    assert!(closed, "the connection stayed open");
    let mut idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"POST /direct HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
        .await
        .unwrap();
    assert_eq!(answers(&mut idle, 1).await[0].0, 200);
    let _ = stop.send(());
    let (_, closed) = read_until_closed(&mut idle, Duration::from_secs(3)).await;
    assert!(closed, "an idle connection outlived the shutdown");
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server stopped")
        .unwrap()
        .unwrap();
}

#[test]
fn the_open_files_limit_is_raised_to_the_hard_limit() {
    let mut rlimit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    let now = raise_open_files_limit(&Limits::default());
    // SAFETY: getrlimit writes to the struct passed.
    assert_eq!(
        unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut rlimit) },
        0
    );
    assert_eq!(now, rlimit.rlim_cur);
    assert_eq!(rlimit.rlim_cur, rlimit.rlim_max);
}

/// Issue 23: the open `/ready` told anyone internal URLs and error texts. Behind keys, only
/// an admin's key sees internals; a service run open hides nothing.
#[tokio::test]
async fn internals_are_shown_to_admins_only_behind_keys() {
    let shown = get(
        |internals: Option<axum::Extension<auth::Internals>>| async move {
            internals
                .is_some_and(|axum::Extension(shown)| shown.0)
                .to_string()
        },
    );
    for (keys, expected) in [
        (
            Some(test_keys()),
            [
                (None, "false"),
                (Some(USER_TOKEN), "false"),
                (Some(ADMIN_TOKEN), "true"),
            ],
        ),
        (
            None,
            [
                (None, "true"),
                (Some(USER_TOKEN), "true"),
                (Some(ADMIN_TOKEN), "true"),
            ],
        ),
    ] {
        let app = instrument_with(
            Router::new().route("/ready", shown.clone()),
            Metrics::new(),
            1024,
            auth::Access {
                keys: keys.clone(),
                routes_need: auth::Scope::User,
            },
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(serve(listener, app, std::future::pending()));
        for (token, answer) in expected {
            let mut request = reqwest::Client::new().get(format!("http://{addr}/ready"));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200);
            assert_eq!(
                response.text().await.unwrap(),
                answer,
                "{token:?}, keys: {}",
                keys.is_some()
            );
        }
    }
}
