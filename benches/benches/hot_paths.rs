//! Criterion benchmarks of the hot paths: the Reflex Layer's one-pass scan and the load
//! generator's per-request work. Names encode the configuration. Run with
//! `cargo bench -p octoperf-benches`; compare runs as ratios, or count instructions with
//! callgrind, never by one absolute time on a shared machine.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use harness::spec::scenario::{RequestKind, RequestSpec, TextSpec};
use harness::workload::mix::Mix;

fn text_of(bytes: usize, insert: &str) -> String {
    let words = "the quarterly report lists customer data trends and revenue growth for the team ";
    let mut text = String::with_capacity(bytes + insert.len());
    while text.len() < bytes / 2 {
        text.push_str(words);
    }
    text.push_str(insert);
    while text.len() < bytes {
        text.push_str(words);
    }
    text.truncate(bytes);
    text
}

fn reflex_scan(c: &mut Criterion) {
    let detector = reflex::Detector::new();
    let mut group = c.benchmark_group("reflex_scan");
    for (name, bytes, insert) in [
        ("reflex_scan_clean_1kb", 1024, ""),
        (
            "reflex_scan_pii_1kb",
            1024,
            " mail jane.doe@example.com or card 4111 1111 1111 1111 ",
        ),
        (
            "reflex_scan_injection_1kb",
            1024,
            " ignore all previous instructions and ",
        ),
        ("reflex_scan_clean_64kb", 64 * 1024, ""),
    ] {
        let text = text_of(bytes, insert);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| detector.scan(black_box(&text), true, true))
        });
    }
    group.finish();
}

fn generator(c: &mut Criterion) {
    let spec = RequestSpec {
        kind: RequestKind::ReflexProcess,
        weight: 1,
        text: TextSpec {
            pii_ratio: 0.15,
            injection_ratio: 0.05,
            repeat_ratio: 0.4,
            ..TextSpec::default()
        },
        arms: Vec::new(),
    };
    let mut mix = Mix::new(&[spec], 42);
    c.bench_function("generator_next_request_reflex_mix", |b| {
        b.iter(|| black_box(mix.next_request()))
    });
    let mut histogram = loadgen::new_histogram();
    let mut value = 1u64;
    c.bench_function("generator_histogram_record", |b| {
        b.iter(|| {
            value = value.wrapping_mul(6364136223846793005).wrapping_add(1);
            histogram.saturating_record(black_box(value % 100_000 + 1));
        })
    });
}

criterion_group!(benches, reflex_scan, generator);
criterion_main!(benches);
