//! The `octoperf` binary: parse the command line, run, exit with the documented code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let opts = harness::Opts::parse();
    // The load engine's workers run on threads of their own, each with its own runtime
    // (`loadgen`); this runtime only orchestrates: the stack, the samplers, the profiles and
    // the report. One thread is enough for that and takes the least CPU from the system under
    // test.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    runtime.block_on(harness::main_with(opts))
}
