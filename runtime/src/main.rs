//! The `coord` command.

use clap::Parser;
use std::io::IsTerminal;

fn main() {
    // The shim is started for every service and exec probe: skip clap and tracing for it.
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some((listen, argv)) = coord::supervise::parse_args(&args) {
        coord::supervise::supervise(listen, argv);
    }
    let cli = coord::cli::Cli::parse();
    if !matches!(cli.command, coord::cli::CliCommand::Supervise { .. }) {
        init_tracing();
    }
    let code = match coord::cli::execute(cli) {
        Ok(code) => code,
        Err(failure) => {
            if failure.raw {
                eprintln!("{}", failure.message);
            } else {
                eprintln!("coord: {}", failure.message);
            }
            failure.code
        }
    };
    std::process::exit(code);
}

/// coord's own messages on stderr; `RUST_LOG` honoured (default `info`); colour only on a
/// terminal and without `NO_COLOR`.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(coord::output::use_color(std::io::stderr().is_terminal()))
        .with_target(false)
        .with_timer(tracing_subscriber::fmt::time::uptime())
        .init();
}
