//! The `tsunagu` binary: parse the command line, set up logging, dispatch.

use std::process::ExitCode;

use clap::Parser;
use tsunagu::{cli, config::Cli, telemetry};

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
