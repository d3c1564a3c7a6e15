//! Criterion benchmarks of the hot paths: the Reflex Layer's one-pass scan and the load
//! generator's per-request work. Names encode the configuration. Run with
//! `cargo bench -p octoperf-benches`; compare runs as ratios, or count instructions with
//! `cargo xtask instructions`, never by one absolute time on a shared machine.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn reflex_scan(c: &mut Criterion) {
    let detector = reflex::Detector::new();
    let mut group = c.benchmark_group("reflex_scan");
    for (name, text) in octoperf_benches::scan_texts() {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| detector.scan(black_box(&text), true, true))
        });
    }
    group.finish();
}

fn generator(c: &mut Criterion) {
    let mut mix = octoperf_benches::reflex_mix();
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
