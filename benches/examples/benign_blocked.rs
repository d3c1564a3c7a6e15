//! How many of the harness's own benign texts the Reflex Layer blocks: 5,000 each of simple
//! and complex goals of 60–300 characters (the fault scenarios'), complex goals of 100–600
//! and Reflex texts of 200–1,000, 15% with PII, no injection, seeds 1, 42, 2026, 7 and 99.
//! Prints the first blocked texts and the count. To judge another n-gram model, put its
//! weights in `runtime/reflex/model/ngram.tsv` (`git show REV:runtime/reflex/model/ngram.tsv`)
//! and run again: `cargo run --release -p octoperf-benches --example benign_blocked`.
//!
//! `-- --corpus DIR` instead writes `DIR/dev.jsonl`: 2,000 texts of the same kinds from other
//! seeds (1001–1005), labelled benign, in the corpus's format, for `reflex-eval --corpus DIR
//! --dump-logits` and the model's training (`runtime/reflex/model/train.py` says how): the
//! traffic the reference stack serves, which the model must not read as attacks.

use harness::spec::scenario::{RequestKind, RequestSpec, TextSpec};
use harness::workload::mix::Mix;

/// The kinds of text, the field that holds them, and their lengths.
const KINDS: [(RequestKind, &str, usize, usize); 4] = [
    (RequestKind::TaskSimple, "goal", 60, 300),
    (RequestKind::TaskComplex, "goal", 60, 300),
    (RequestKind::TaskComplex, "goal", 100, 600),
    (RequestKind::ReflexProcess, "text", 200, 1000),
];

/// `count` texts of one kind from the generator seeded with `seed`.
fn texts(
    (kind, field, min_chars, max_chars): (RequestKind, &str, usize, usize),
    seed: u64,
    count: usize,
) -> Vec<String> {
    let text_spec = TextSpec {
        min_chars,
        max_chars,
        pii_ratio: 0.15,
        injection_ratio: 0.0,
        ..TextSpec::default()
    };
    let spec = RequestSpec::builtin(kind, 1, text_spec, Vec::new());
    let mut mix = Mix::new(&[spec], seed);
    (0..count)
        .map(|_| {
            let request = mix.next_request();
            let body: serde_json::Value =
                serde_json::from_slice(&request.body).expect("the mix writes JSON");
            body.get(field)
                .or_else(|| body.pointer("/task/goal"))
                .and_then(|value| value.as_str())
                .expect("a text field")
                .to_owned()
        })
        .collect()
}

fn write_corpus(dir: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut out = String::new();
    for (idx, kind) in KINDS.into_iter().enumerate() {
        for seed in 1001..=1005 {
            for (n, text) in texts(kind, seed, 100).into_iter().enumerate() {
                let id = format!("harness-{idx}-{seed}-{n}");
                let record = serde_json::json!({
                    "id": id, "split": "dev", "template": id, "text": text, "pii": [],
                    "injection": null, "hard_negative": false,
                });
                out.push_str(&record.to_string());
                out.push('\n');
            }
        }
    }
    std::fs::write(dir.join("dev.jsonl"), out)
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, dir] = &args[..]
        && flag == "--corpus"
    {
        let dir = std::path::Path::new(dir);
        return match write_corpus(dir) {
            Ok(()) => {
                println!("wrote {}", dir.join("dev.jsonl").display());
                std::process::ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("benign_blocked: writing {}: {error}", dir.display());
                std::process::ExitCode::from(2)
            }
        };
    }
    if !args.is_empty() {
        eprintln!("usage: benign_blocked [--corpus DIR]");
        return std::process::ExitCode::from(2);
    }
    let detector = reflex::Detector::new();
    let (mut blocked, mut scanned) = (0, 0);
    for kind in KINDS {
        for seed in [1, 42, 2026, 7, 99] {
            for text in texts(kind, seed, 1_000) {
                scanned += 1;
                let findings = detector.scan(&text, true, true);
                if findings.is_blocked(reflex::injection::DEFAULT_THRESHOLD) {
                    blocked += 1;
                    if blocked <= 10 {
                        println!("{:?} {:.2}: {text}", kind.0, findings.injection[0].score);
                    }
                }
            }
        }
    }
    println!("{blocked} of {scanned} benign texts blocked");
    std::process::ExitCode::SUCCESS
}
