//! `cargo xtask serverbench`: what the Reflex Layer costs a core against an empty server,
//! under the same open-model load. Each server runs pinned to CPU 0, `octoperf bench` to
//! CPU 1; each server's CPU is read from `/proc` before and after its load, and divided by
//! the requests it was sent. Three loads, alternated round by round: the empty server
//! (`octoperf calibration-server`), the Reflex Layer on cache hits (one text, again and
//! again) and on misses (every text distinct). The ratios are the Reflex Layer's CPU per
//! request over the empty server's of the same round.

use std::path::Path;
use std::process::Command;

use anyhow::Context;

use crate::genbench::{Server, bench_json, find_on_path, pinned};

/// The prompt every request carries: 550 characters, one e-mail address (PII) in it.
const TEXT: &str = "Please review the attached quarterly planning notes and draft a short summary for the leadership team. Focus on the three hiring decisions, the delayed migration of the billing service, and the open question about the vendor contract that legal flagged in March. Keep the tone neutral and avoid naming individual engineers. If anything is unclear, write the open questions as a list at the end, and suggest who should answer each one. The finance contact for follow-up is dana.whitfield@example.com; her team needs the summary before the review call.";

/// Budgets of the issue: the Reflex Layer's CPU per request over the empty server's.
const MOST_HIT_RATIO: f64 = 1.3;
const MOST_MISS_RATIO: f64 = 1.6;

#[derive(Debug, clap::Args)]
pub struct ServerbenchOpts {
    /// Rounds (each: empty server, hits, misses).
    #[arg(long, default_value_t = 3)]
    rounds: u32,
    /// The offered rate, open model.
    #[arg(long, default_value = "10500/s")]
    rate: String,
    /// Seconds of each load's measured window (plus one of warm-up).
    #[arg(long, default_value_t = 12)]
    seconds: u32,
    /// The generator's send window (the quick suite's).
    #[arg(long, default_value = "250us")]
    send_window: String,
}

/// A round whose loads saw more steal than this is noisy: its ratios are printed but left
/// out of the median while a quieter round exists.
const MOST_STEAL: f64 = 0.05;

/// One load's reading.
struct Reading {
    cpu_us_per_request: f64,
    requests: u64,
    errors: u64,
    p99_us: u64,
    /// Share of the machine's CPU time the hypervisor took over the load.
    steal: f64,
}

pub fn serverbench(release: &Path, opts: &ServerbenchOpts) -> anyhow::Result<u8> {
    anyhow::ensure!(
        std::thread::available_parallelism().map_or(1, |n| n.get()) >= 2,
        "serverbench needs two cores: one for the server, one for the generator"
    );
    let taskset = find_on_path("taskset").context("taskset (util-linux) is not on PATH")?;
    let octoperf = release.join("octoperf");
    let reflex = release.join("reflex");
    anyhow::ensure!(
        reflex.is_file(),
        "{} is not built (cargo build --release -p reflex)",
        reflex.display()
    );
    println!(
        "servers pinned to CPU 0, `octoperf bench` to CPU 1; {} open model, {} send windows, {} s each; \
         CPU from /proc/PID/stat over each load, per request sent",
        opts.rate, opts.send_window, opts.seconds
    );
    let empty = Server::start(&octoperf, Some(0))?;
    let mut command = pinned(Some(&taskset), Some(0), &reflex);
    command
        .args(["--port", "0", "--rate-limit", "0"])
        .env("RUST_LOG", "warn");
    let gate = Server::spawn(command, "the Reflex Layer")?;
    let body = |text: &str| serde_json::json!({ "text": text }).to_string();
    // (hit ratio, miss ratio, the round's highest steal)
    let mut rounds = Vec::new();
    for round in 1..=opts.rounds {
        let floor = measure(&octoperf, &empty, "/process", &body(TEXT), opts)?;
        let hits = measure(&octoperf, &gate, "/process", &body(TEXT), opts)?;
        // Each request's text distinct, in this round and from every earlier one.
        let distinct = format!("[r{round}-{{seq}}] {}", &TEXT[16..]);
        let misses = measure(&octoperf, &gate, "/process", &body(&distinct), opts)?;
        let hit_ratio = hits.cpu_us_per_request / floor.cpu_us_per_request;
        let miss_ratio = misses.cpu_us_per_request / floor.cpu_us_per_request;
        let steal = [&floor, &hits, &misses]
            .iter()
            .map(|reading| reading.steal)
            .fold(0.0, f64::max);
        rounds.push((hit_ratio, miss_ratio, steal));
        println!("round {round}:");
        for (name, reading) in [
            ("empty server", &floor),
            ("reflex, hits", &hits),
            ("reflex, misses", &misses),
        ] {
            println!(
                "  {name:<15} {:>6.2} µs of CPU per request   ({} requests, {} errors, P99 {:.2} ms, steal {:.1}%)",
                reading.cpu_us_per_request,
                reading.requests,
                reading.errors,
                reading.p99_us as f64 / 1000.0,
                reading.steal * 100.0
            );
            anyhow::ensure!(
                reading.errors == 0,
                "{name}: {} of {} requests failed",
                reading.errors,
                reading.requests
            );
        }
        println!(
            "  ratios: hits {hit_ratio:.2}x (at most {MOST_HIT_RATIO}), misses {miss_ratio:.2}x (at most {MOST_MISS_RATIO}){}",
            if steal > MOST_STEAL {
                format!(
                    "; noisy: the hypervisor took {:.0}% of the machine",
                    steal * 100.0
                )
            } else {
                String::new()
            }
        );
    }
    let quiet: Vec<_> = rounds
        .iter()
        .filter(|(_, _, steal)| *steal <= MOST_STEAL)
        .copied()
        .collect();
    let counted = if quiet.is_empty() {
        println!(
            "\nevery round was noisy (steal over {:.0}%): the ratios below are the machine's as much as the servers'",
            MOST_STEAL * 100.0
        );
        rounds.clone()
    } else {
        quiet
    };
    let hit = median(&mut counted.iter().map(|round| round.0).collect::<Vec<_>>());
    let miss = median(&mut counted.iter().map(|round| round.1).collect::<Vec<_>>());
    let held = hit <= MOST_HIT_RATIO && miss <= MOST_MISS_RATIO;
    println!(
        "\nmedian of {} of {} rounds: the Reflex Layer costs {hit:.2}x the empty server per cache hit (at most {MOST_HIT_RATIO}), {miss:.2}x per miss (at most {MOST_MISS_RATIO}): {}",
        counted.len(),
        rounds.len(),
        if held { "held" } else { "NOT held" }
    );
    Ok(if held { 0 } else { 1 })
}

/// Offers the load to `server`, and reads its CPU over it.
fn measure(
    octoperf: &Path,
    server: &Server,
    path: &str,
    body: &str,
    opts: &ServerbenchOpts,
) -> anyhow::Result<Reading> {
    let before = procstat::read(server.pid()).context("reading the server's CPU")?;
    let machine_before = procstat::machine().context("reading /proc/stat")?;
    let started = std::time::Instant::now();
    let result = bench_json(
        Command::new(octoperf)
            .args(["bench", &format!("{}{path}", server.url)])
            .args(["--rate", &opts.rate, "--send-window", &opts.send_window])
            .args(["--threads", "1", "--cpus", "1"])
            .args([
                "--warmup",
                "1s",
                "--duration",
                &format!("{}s", opts.seconds),
            ])
            .args(["--body", body, "--json"]),
    )?;
    let after = procstat::read(server.pid()).context("reading the server's CPU")?;
    let machine_after = procstat::machine().context("reading /proc/stat")?;
    let machine_seconds = started.elapsed().as_secs_f64() * machine_after.cpus.max(1) as f64;
    let steal = (machine_after.steal_seconds - machine_before.steal_seconds) / machine_seconds;
    let requests = result["sent_total"].as_u64().unwrap_or(0);
    anyhow::ensure!(requests > 0, "the bench sent no request to {}", server.url);
    Ok(Reading {
        cpu_us_per_request: (after.cpu_seconds - before.cpu_seconds) * 1e6 / requests as f64,
        requests,
        errors: result["errors"].as_u64().unwrap_or(0),
        p99_us: result["latency_p99_us"].as_u64().unwrap_or(0),
        steal: steal.clamp(0.0, 1.0),
    })
}

/// The middle value; of an even count, the mean of the two middle ones.
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_text_is_the_quick_suites_length() {
        assert_eq!(super::TEXT.chars().count(), 550);
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_its_middle() {
        assert_eq!(super::median(&mut [1.94, 1.49]), (1.94 + 1.49) / 2.0);
        assert_eq!(super::median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert!(super::median(&mut []).is_nan());
    }
}
