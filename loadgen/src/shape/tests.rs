//! Tests of rates, stages and schedules.

use super::*;

fn secs(value: f64) -> Duration {
    Duration::from_secs_f64(value)
}

#[test]
fn rates_and_stages_parse_and_print() {
    assert_eq!("600/min".parse::<Rate>().unwrap().per_second, 10.0);
    assert_eq!("10_500/s".parse::<Rate>().unwrap().per_second, 10_500.0);
    assert!("fast".parse::<Rate>().unwrap_err().contains("\"fast\""));
    let ramp: Stage = "ramp 1000/s -> 20000/s over 30s".parse().unwrap();
    assert_eq!(ramp.to_string(), "ramp 1000/s -> 20000/s over 30s");
    let hold: Stage = "hold 5/s for 1m".parse().unwrap();
    assert_eq!(hold.duration(), secs(60.0));
    let error = "hold 5/s during 1m".parse::<Stage>().unwrap_err();
    assert!(error.contains("unknown form"), "{error}");
}

#[test]
fn a_constant_rate_is_evenly_spaced() {
    let schedule = Schedule::constant(Rate { per_second: 4.0 });
    let times: Vec<Duration> = schedule.times().take(5).collect();
    assert_eq!(
        times,
        [secs(0.0), secs(0.25), secs(0.5), secs(0.75), secs(1.0)]
    );
}

#[test]
fn a_ramp_offers_its_integral_and_then_holds() {
    // 0 -> 1000/s over 10 s is 5,000 requests, then 1000/s.
    let schedule = Schedule::stages(vec![
        "ramp 0/s -> 1000/s over 10s".parse().unwrap(),
        "hold 1000/s for 5s".parse().unwrap(),
    ]);
    let times: Vec<Duration> = schedule.times().take_while(|t| *t < secs(20.0)).collect();
    let in_ramp = times.iter().filter(|t| **t < secs(10.0)).count();
    assert!((4_999..=5_001).contains(&in_ramp), "{in_ramp}");
    // Past the last stage its rate holds: 10,000 more in the next 10 s.
    assert!((14_998..=15_002).contains(&times.len()), "{}", times.len());
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    assert!((schedule.rate_at(secs(5.0)) - 500.0).abs() < 1e-9);
    assert_eq!(schedule.peak_rate(), 1000.0);
}

#[test]
fn steps_are_holds_in_a_row() {
    let schedule = Schedule::stages(vec![
        "hold 10/s for 1s".parse().unwrap(),
        "hold 100/s for 1s".parse().unwrap(),
    ]);
    let times: Vec<Duration> = schedule.times().take_while(|t| *t < secs(2.0)).collect();
    assert_eq!(times.len(), 110);
    assert_eq!(times[10], secs(1.0));
    assert_eq!(times[11], secs(1.01));
}

#[test]
fn segments_of_a_schedule_are_its_times_dealt_out_in_turn() {
    let whole = Schedule::stages(vec![
        "ramp 100/s -> 3000/s over 2s".parse().unwrap(),
        "hold 3000/s for 1s".parse().unwrap(),
        "ramp 3000/s -> 0/s over 1s".parse().unwrap(),
    ]);
    let until = |schedule: &Schedule| -> Vec<Duration> {
        schedule
            .times()
            .take_while(|t| *t < secs(4.0))
            .collect::<Vec<_>>()
    };
    let all = until(&whole);
    let parts: Vec<Vec<Duration>> = (1..=3).map(|i| until(&whole.segment(i, 3))).collect();
    // Each segment offers a third of every stage's rate...
    let third = whole.segment(2, 3);
    assert!((third.rate_at(secs(2.5)) - 1000.0).abs() < 1e-9);
    assert_eq!(third.peak_rate(), 1000.0);
    // ...and request k of segment i is request 3k + i - 1 of the whole, to the nanosecond.
    assert_eq!(parts.iter().map(Vec::len).sum::<usize>(), all.len());
    for (idx, at) in all.iter().enumerate() {
        let got = parts[idx % 3][idx / 3];
        let gap = got.abs_diff(*at);
        assert!(
            gap < Duration::from_nanos(10),
            "request {idx}: {got:?} != {at:?}"
        );
    }
    // One segment of one is the whole.
    assert_eq!(until(&whole.segment(1, 1)), all);
}
