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
