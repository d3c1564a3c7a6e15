//! Scan times of the reflex scenario's texts, per chunk of 10,000: the lazy DFA's warm-up and
//! any later stall show as a chunk's maximum.
fn main() {
    let detector = reflex::Detector::new();
    let mut mix = octoperf_benches::reflex_mix();
    for chunk in 0..12 {
        let mut times = Vec::with_capacity(10_000);
        let mut total = 0u128;
        for _ in 0..10_000 {
            let request = mix.next_request();
            let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
            let text = body["text"].as_str().unwrap();
            let started = std::time::Instant::now();
            std::hint::black_box(detector.scan(text, true, true));
            let took = started.elapsed().as_nanos();
            total += took;
            times.push(took);
        }
        times.sort_unstable();
        println!(
            "chunk {chunk}: mean {:.1} us, p99 {:.1} us, max {:.1} us",
            total as f64 / 10_000.0 / 1e3,
            times[9_900] as f64 / 1e3,
            times[9_999] as f64 / 1e3
        );
    }
}
