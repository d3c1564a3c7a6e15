//! How many of the harness's own benign texts the Reflex Layer blocks: 5,000 each of simple
//! and complex goals of 60–300 characters (the fault scenarios'), complex goals of 100–600
//! and Reflex texts of 200–1,000, 15% with PII, no injection, seeds 1, 42, 2026, 7 and 99.
//! Prints the first blocked texts and the count. To judge another n-gram model, put its
//! weights in `runtime/reflex/model/ngram.tsv` (`git show REV:runtime/reflex/model/ngram.tsv`)
//! and run again: `cargo run --release -p octoperf-benches --example benign_blocked`.

use harness::spec::scenario::{RequestKind, RequestSpec, TextSpec};
use harness::workload::mix::Mix;

fn main() {
    let detector = reflex::Detector::new();
    let (mut blocked, mut scanned) = (0, 0);
    for (kind, field, min_chars, max_chars) in [
        (RequestKind::TaskSimple, "goal", 60, 300),
        (RequestKind::TaskComplex, "goal", 60, 300),
        (RequestKind::TaskComplex, "goal", 100, 600),
        (RequestKind::ReflexProcess, "text", 200, 1000),
    ] {
        for seed in [1, 42, 2026, 7, 99] {
            let text_spec = TextSpec {
                min_chars,
                max_chars,
                pii_ratio: 0.15,
                injection_ratio: 0.0,
                ..TextSpec::default()
            };
            let spec = RequestSpec::builtin(kind, 1, text_spec, Vec::new());
            let mut mix = Mix::new(&[spec], seed);
            for _ in 0..1_000 {
                let request = mix.next_request();
                let body: serde_json::Value =
                    serde_json::from_slice(&request.body).expect("the mix writes JSON");
                let text = body[field].as_str().expect("a text field");
                scanned += 1;
                let findings = detector.scan(text, true, true);
                if findings.is_blocked(reflex::injection::DEFAULT_THRESHOLD) {
                    blocked += 1;
                    if blocked <= 10 {
                        println!("{kind:?} {:.2}: {text}", findings.injection[0].score);
                    }
                }
            }
        }
    }
    println!("{blocked} of {scanned} benign texts blocked");
}
