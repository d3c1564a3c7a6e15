//! The `octoperf` binary: parse the command line, run, exit with the documented code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let opts = harness::Opts::parse();
    // One thread runs every request task; the open model's dispatcher has a thread of its
    // own. At the rates one machine offers, a single runtime thread costs the least CPU per
    // request (no cross-thread wake-ups), and that CPU is taken from the system under test.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    runtime.block_on(harness::main_with(opts))
}
