//! The `coord` command.

use clap::Parser;
use coord::errln;
use coord::output::terminal;
use std::io::{IsTerminal, Write};
use std::time::Duration;

fn main() {
    install_panic_hook();
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
                errln!("{}", failure.message);
            } else {
                errln!("coord: {}", failure.message);
            }
            failure.code
        }
    };
    // What `coord run` queued for the terminal, unless the terminal does not read at all.
    terminal::flush(Duration::from_secs(2));
    terminal::restore_cursor();
    std::process::exit(code);
}

/// coord's own messages on stderr; `RUST_LOG` honoured (default `info`); colour only on a
/// terminal and without `NO_COLOR`. The writer never blocks the run nor fails on a closed pipe.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(terminal::StderrWriter)
        .with_ansi(coord::output::use_color(std::io::stderr().is_terminal()))
        .with_target(false)
        .with_timer(tracing_subscriber::fmt::time::uptime())
        .init();
}

/// A panic prints one paragraph on stderr, never a backtrace (even with `RUST_BACKTRACE=1`).
/// The unwinding that follows still drops every service's lifeline, so each shim ends its
/// service's tree; `coord run` also attempts the ordered stop (see `coord::driver::run`).
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        terminal::restore_cursor();
        let text = coord::output::panic_paragraph(info);
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }));
}
