//! `octoperf bench`: the generator alone against a server, and what it can hold.

use super::args::BenchOpts;
use crate::exit;
use crate::{bench, stack};

pub(super) async fn bench_command(opts: BenchOpts) -> u8 {
    if !opts.allow_non_loopback
        && let Err(reason) = stack::check_loopback(&opts.url)
    {
        eprintln!("error: {reason}; pass --allow-non-loopback to load a target elsewhere");
        return exit::BAD_INPUT;
    }
    let shape = match bench::shape(opts.rate.as_deref(), opts.users) {
        Ok(shape) => shape,
        Err(message) => {
            eprintln!("error: {message}");
            return exit::BAD_INPUT;
        }
    };
    let threads = opts.threads.unwrap_or_else(loadgen::default_threads).max(1);
    let (method, body) = match opts.body {
        Some(body) => (loadgen::Method::POST, bytes::Bytes::from(body)),
        None => (loadgen::Method::GET, bytes::Bytes::new()),
    };
    let config = bench::BenchConfig {
        url: opts.url,
        max_in_flight: match shape {
            loadgen::Shape::Closed { users } => users as usize,
            loadgen::Shape::Open(_) => 10_000,
        },
        shape,
        warmup: opts.warmup,
        duration: opts.duration,
        threads,
        cpus: opts.cpus,
        body,
        method,
        timeout: std::time::Duration::from_secs(30),
        send_window: opts.send_window,
        tls: opts.tls.options(),
    };
    let result = match tokio::task::spawn_blocking(move || bench::run(&config)).await {
        Ok(Ok(result)) => result,
        Ok(Err(message)) => {
            eprintln!("error: {message}");
            return exit::BAD_INPUT;
        }
        Err(error) => {
            eprintln!("error: the generator failed: {error}");
            return exit::ERROR;
        }
    };
    if opts.json {
        println!(
            "{}",
            serde_json::to_string(&result).expect("a bench result serialises")
        );
    } else {
        print!("{}", bench::describe(&result));
    }
    if result.generator_limited.is_empty() {
        exit::PASS
    } else {
        exit::INVALID
    }
}
