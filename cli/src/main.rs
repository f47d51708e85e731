//! `groundwork`: the command-line peer for a laptop. See `groundwork --help`.

mod args;
mod commands;
mod error;
mod output;
mod picture;
mod resolve;
mod store_open;
mod when;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    init_logging();
    let json = cli.json;
    let result = commands::run(cli).and_then(|report| output::emit(&report, json));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            output::note(&format!("error: {}", e.message));
            if let Some(hint) = &e.hint {
                output::note(&format!("hint: {hint}"));
            }
            ExitCode::from(e.exit_code())
        }
    }
}

/// Diagnostics on stderr, off unless GROUNDWORK_LOG (e.g. `debug`) asks for them.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("GROUNDWORK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
