//! The `tsunagu` binary: parse the command line, set up logging, dispatch.

use std::process::ExitCode;

use clap::Parser;
use tsunagu::{cli, config::Cli, telemetry};

/// mimalloc serves the many small, short-lived allocations of a request from per-thread
/// pages and gives freed memory back to the system (glibc's allocator kept a demo server
/// at several times its working set). It also stands in for `malloc` (the `override`
/// feature), so SQLite's copies of the values it returns come from it too instead of
/// glibc's arenas.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.global.log_format);
    match cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
