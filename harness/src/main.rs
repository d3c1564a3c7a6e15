//! The `octoperf` binary: parse the command line, run, exit with the documented code.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    harness::main_with(harness::Opts::parse()).await
}
