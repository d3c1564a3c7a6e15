//! Tests of `mix`.

use super::*;

fn spec(kind: RequestKind, weight: u32, text: TextSpec) -> RequestSpec {
    RequestSpec::builtin(kind, weight, text, vec!["coder".into(), "judge".into()])
}

#[test]
fn weights_ratios_and_repeats_are_honoured() {
    let text = TextSpec {
        pii_ratio: 0.2,
        injection_ratio: 0.1,
        repeat_ratio: 0.5,
        distinct_repeats: 10,
        ..TextSpec::default()
    };
    let mut mix = Mix::new(
        &[
            spec(RequestKind::ReflexProcess, 3, text.clone()),
            spec(RequestKind::ArmExecute, 1, TextSpec::default()),
        ],
        7,
    );
    let n = 20_000;
    let mut reflex = 0;
    let mut with_pii = 0;
    let mut with_injection = 0;
    let mut texts = std::collections::HashMap::new();
    let mut arms = std::collections::HashMap::new();
    for _ in 0..n {
        let request = mix.next_request();
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
        match request.destination {
            Destination::Reflex => {
                reflex += 1;
                let text = body["text"].as_str().unwrap().to_owned();
                assert!((200..=900).contains(&text.len()), "{}", text.len());
                with_pii += usize::from(PII.iter().any(|p| text.contains(p)));
                with_injection += usize::from(INJECTIONS.iter().any(|p| text.contains(p)));
                *texts.entry(text).or_insert(0) += 1;
            }
            Destination::Arm(arm) => *arms.entry(arm).or_insert(0) += 1,
            Destination::Orchestrator | Destination::Url(_) => unreachable!(),
        }
    }
    let share = |count: usize, of: usize| count as f64 / of as f64;
    assert!((0.72..0.78).contains(&share(reflex, n)));
    assert!(
        (0.17..0.23).contains(&share(with_pii, reflex)),
        "{}",
        share(with_pii, reflex)
    );
    assert!((0.07..0.13).contains(&share(with_injection, reflex)));
    // Half the texts repeat one of ten: the ten most frequent texts carry about half.
    let mut counts: Vec<usize> = texts.values().copied().collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let repeated: usize = counts.iter().take(10).sum();
    assert!(
        (0.45..0.55).contains(&share(repeated, reflex)),
        "{}",
        share(repeated, reflex)
    );
    // Arm calls alternate evenly.
    let coder = arms["coder"] as i64;
    let judge = arms["judge"] as i64;
    assert!((coder - judge).abs() <= 1);
    let labels: Vec<String> = mix.series().iter().map(|s| s.label.to_string()).collect();
    assert_eq!(
        labels,
        [
            "reflex_process",
            "arm_execute",
            "arm_execute[coder]",
            "arm_execute[judge]"
        ]
    );
    let shares: Vec<f64> = mix.series().iter().map(|s| s.share).collect();
    assert_eq!(shares, [0.75, 0.25, 0.125, 0.125]);
}

#[test]
fn the_same_seed_gives_the_same_requests() {
    let specs = [spec(RequestKind::TaskComplex, 1, TextSpec::default())];
    let mut a = Mix::new(&specs, 3);
    let mut b = Mix::new(&specs, 3);
    for _ in 0..50 {
        assert_eq!(a.next_request().body, b.next_request().body);
    }
    let body: serde_json::Value = serde_json::from_slice(&a.next_request().body).unwrap();
    assert_eq!(body["kind"], "complex");
}
