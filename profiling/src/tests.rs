//! Folding a pprof protobuf into stacks: order, inlined frames, the thread as root, symbol
//! hashes dropped; and the process-wide slot's errors.

use pprof::protos::{Function, Label, Line, Location, Profile, Sample};

use super::*;

/// A profile of two samples: `main` → `serve` → (inlined `scan` in `check`), counted 3, and
/// `main` → `idle`, counted 0 (left out).
fn profile() -> Vec<u8> {
    let strings: Vec<String> = [
        "",
        "main",
        "app::serve::h0123456789abcdef",
        "app::check",
        "app::scan",
        "thread",
        "worker-1",
        "idle",
    ]
    .map(str::to_owned)
    .to_vec();
    let function = |id: u64, name: i64| Function {
        id,
        name,
        ..Function::default()
    };
    let line = |function_id: u64| Line {
        function_id,
        line: 1,
    };
    let location = |id: u64, lines: Vec<Line>| Location {
        id,
        line: lines,
        ..Location::default()
    };
    let profile = Profile {
        string_table: strings,
        function: vec![
            function(1, 1),
            function(2, 2),
            function(3, 3),
            function(4, 4),
            function(5, 7),
        ],
        // Location 3 holds `scan` inlined into `check`: innermost first.
        location: vec![
            location(1, vec![line(1)]),
            location(2, vec![line(2)]),
            location(3, vec![line(4), line(3)]),
            location(4, vec![line(5)]),
        ],
        sample: vec![
            Sample {
                location_id: vec![3, 2, 1],
                value: vec![3, 12_000_000],
                label: vec![Label {
                    key: 5,
                    str: 6,
                    ..Label::default()
                }],
            },
            Sample {
                location_id: vec![4, 1],
                value: vec![0, 0],
                label: Vec::new(),
            },
        ],
        period: 4_000_000,
        ..Profile::default()
    };
    let mut bytes = Vec::new();
    profile.encode(&mut bytes).unwrap();
    bytes
}

#[test]
fn a_profile_folds_root_first_with_inlined_frames_and_the_thread() {
    let folded = fold(&profile()).unwrap();
    assert_eq!(
        folded.lines,
        [(
            "worker-1;main;app::serve;app::check;app::scan".to_owned(),
            3
        )]
    );
    assert_eq!(folded.frequency, Some(250.0));
    assert_eq!(folded.inclusive("app::check"), 3);
    assert_eq!(folded.self_samples(), [("app::scan".to_owned(), 3)]);
    assert_eq!(
        folded.to_text(),
        "worker-1;main;app::serve;app::check;app::scan 3\n"
    );
}

#[test]
fn gzipped_and_plain_profiles_fold_alike_and_garbage_is_refused() {
    let plain = profile();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&plain).unwrap();
    let gzipped = gz.finish().unwrap();
    assert_eq!(fold(&plain).unwrap(), fold(&gzipped).unwrap());
    assert!(matches!(fold(b"\x1f\x8bnot gzip"), Err(Error::Decode(_))));
}

#[test]
fn stopping_a_profile_never_started_says_so() {
    assert!(matches!(stop_global(), Err(Error::NotRunning)));
}
