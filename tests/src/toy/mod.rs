//! The toy service used by the end-to-end tests and the benchmark: a configurable stand-in for a
//! database, cache or backend. See [`args::ToyArgs`] for what it can be asked to do.

pub mod args;
pub mod events;
pub mod http;
pub mod net;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use args::{ToyArgs, USAGE};
use events::Events;

/// Exit code for a bad command line.
pub const EXIT_USAGE: i32 = 2;
/// Exit code when a `--require-env` variable is missing.
pub const EXIT_MISSING_ENV: i32 = 3;
/// Exit code when a `--check-url` target cannot be reached.
pub const EXIT_UNREACHABLE: i32 = 4;
/// Exit code when the port cannot be bound (or no socket was passed).
pub const EXIT_BIND_FAILED: i32 = 5;

/// Runs the toy service with the process's arguments and environment; never returns.
pub fn main() -> ! {
    let env_port = std::env::var("PORT").ok();
    let args = match ToyArgs::parse(std::env::args().skip(1), env_port.as_deref()) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("toy-service: {e}\n{USAGE}");
            std::process::exit(EXIT_USAGE);
        }
    };
    let events = match Events::new(&args.name, args.events.as_deref()) {
        Ok(ev) => ev,
        Err(e) => {
            eprintln!("toy-service: cannot open the events file: {e}");
            std::process::exit(EXIT_USAGE);
        }
    };
    run(&args, &events)
}

fn run(args: &ToyArgs, events: &Events) -> ! {
    if args.churn_child {
        churn_daemon(args);
    }
    let started = Instant::now();
    let port_field = args.port.map(|p| format!("port={p}")).unwrap_or_default();
    events.emit("start", &port_field);
    install_sigterm_handler(args.ignore_sigterm, events.clone());

    if args.sleep {
        park_forever();
    }
    if let Some(port) = args.hold_port {
        hold_port(port, args, events);
    }
    for var in &args.print_env {
        match std::env::var(var) {
            Ok(v) => events.emit("env", &format!("var={var} value={v}")),
            Err(_) => events.emit("env", &format!("var={var} unset")),
        }
    }
    for var in &args.require_env {
        if std::env::var_os(var).is_none() {
            events.emit("missing-env", &format!("var={var}"));
            eprintln!(
                "toy-service {}: required variable {var} is not set",
                args.name
            );
            exit(events, EXIT_MISSING_ENV);
        }
    }
    for var in &args.check_url {
        match net::check_url(var) {
            Ok(()) => events.emit("reached", &format!("var={var}")),
            Err(e) => {
                events.emit("unreachable", &format!("var={var}"));
                eprintln!("toy-service {}: cannot reach {e}", args.name);
                exit(events, EXIT_UNREACHABLE);
            }
        }
    }
    if args.fork_grandchild {
        fork_grandchild(args, events);
    }
    if args.flood_lines.is_some() || args.long_line.is_some() {
        flood(args, events);
    }
    if args.fork_churn {
        for _ in 0..CHURN_DAEMONS {
            match spawn_detached(&format!("{}-churn", args.name), "--churn-child") {
                Ok(child) => events.emit("churning", &format!("child_pid={}", child.id())),
                Err(e) => eprintln!("toy-service {}: cannot start the churn: {e}", args.name),
            }
        }
    }
    exit_timer(args.crash_after, args.exit_code.unwrap_or(1), events);
    exit_timer(args.exit_after, args.exit_code.unwrap_or(0), events);

    let ready = Arc::new(AtomicBool::new(false));
    if let Some(listener) = acquire_listener(args, events) {
        http::serve(listener, args.name.clone(), ready.clone(), None);
    }

    if let Some(d) = args.ready_after {
        std::thread::sleep(d.saturating_sub(started.elapsed()));
    }
    if let Some(path) = &args.ready_when_exists {
        wait_for_file(path);
    }
    // The event is written before readiness is visible, so it precedes every effect of it.
    events.emit("ready", "");
    if let Some(line) = &args.log_ready {
        events.raw(&format!("{line}\n"));
    }
    ready.store(true, Ordering::SeqCst);
    if args.notify {
        match net::notify_ready() {
            Ok(()) => events.emit("notified", ""),
            Err(e) => eprintln!("toy-service {}: cannot notify: {e}", args.name),
        }
    }
    if let Some(d) = args.unhealthy_after {
        std::thread::sleep(d);
        events.emit("unhealthy", "");
        ready.store(false, Ordering::SeqCst);
    }
    if let Some(path) = &args.unhealthy_when_exists {
        wait_for_file(path);
        events.emit("unhealthy", "");
        ready.store(false, Ordering::SeqCst);
    }
    park_forever()
}

/// Prints `--flood-lines` short lines and a `--long-line` line through a large buffer (the pipe
/// stays full), then the event `flooded`. Write errors end the flood quietly.
fn flood(args: &ToyArgs, events: &Events) {
    use std::io::Write;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    for i in 0..args.flood_lines.unwrap_or(0) {
        if writeln!(out, "flood line {i}").is_err() {
            break;
        }
    }
    if let Some(bytes) = args.long_line {
        let chunk = vec![b'x'; 1 << 16];
        let mut left = bytes;
        while left > 0 {
            let n = left.min(chunk.len() as u64) as usize;
            if out.write_all(&chunk[..n]).is_err() {
                break;
            }
            left -= n as u64;
        }
        let _ = out.write_all(b"\n");
    }
    let _ = out.flush();
    drop(out);
    events.emit("flooded", "");
}

/// Binds (after the requested delay or file) or takes the activated socket; None without a port.
fn acquire_listener(args: &ToyArgs, events: &Events) -> Option<std::net::TcpListener> {
    if args.listen_fds {
        return match net::activated_listener() {
            Ok((l, port)) => {
                events.emit("listening", &format!("port={port} activated=true"));
                Some(l)
            }
            Err(e) => {
                eprintln!("toy-service {}: {e}", args.name);
                exit(events, EXIT_BIND_FAILED)
            }
        };
    }
    let port = args.port?;
    if let Some(d) = args.bind_after {
        std::thread::sleep(d);
    }
    if let Some(path) = &args.bind_when_exists {
        wait_for_file(path);
    }
    let ip = if args.bind6 {
        std::net::IpAddr::V6(std::net::Ipv6Addr::LOCALHOST)
    } else {
        std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)
    };
    match net::bind_and_listen_on(ip, port, events) {
        Ok(l) => Some(l),
        Err(e) => {
            events.emit("bind-failed", &format!("port={port}"));
            eprintln!(
                "toy-service {}: cannot bind {}: {e}",
                args.name,
                std::net::SocketAddr::new(ip, port)
            );
            exit(events, EXIT_BIND_FAILED)
        }
    }
}

/// The outsider: bind `port`, answer everything as a ready service would, forever.
fn hold_port(port: u16, args: &ToyArgs, events: &Events) -> ! {
    match std::net::TcpListener::bind(("127.0.0.1", port)) {
        Ok(l) => {
            let real = l.local_addr().map(|a| a.port()).unwrap_or(port);
            let ready = Arc::new(AtomicBool::new(true));
            http::serve(l, args.name.clone(), ready, Some(events.clone()));
            events.emit("holding", &format!("port={real}"));
            park_forever()
        }
        Err(e) => {
            events.emit("bind-failed", &format!("port={port}"));
            eprintln!(
                "toy-service {}: cannot hold 127.0.0.1:{port}: {e}",
                args.name
            );
            exit(events, EXIT_BIND_FAILED)
        }
    }
}

fn fork_grandchild(args: &ToyArgs, events: &Events) {
    let exe = std::env::current_exe().expect("the toy knows its own path");
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("--name")
        .arg(format!("{}-grandchild", args.name))
        .arg("--sleep");
    if let Some(ev) = &args.events {
        cmd.arg("--events").arg(ev);
    }
    match cmd.spawn() {
        // The child handle is dropped on purpose: the grandchild lives on unsupervised.
        Ok(child) => events.emit("grandchild", &format!("child_pid={}", child.id())),
        Err(e) => eprintln!("toy-service {}: cannot fork a grandchild: {e}", args.name),
    }
}

/// Starts this binary with `name` and `extra` arguments in a process group of its own (it
/// leaves the service's group, as a daemon does), with no stdio.
fn spawn_detached(name: &str, extra: &str) -> std::io::Result<std::process::Child> {
    use std::os::unix::process::CommandExt;
    use std::process::Stdio;
    let exe = std::env::current_exe()?;
    std::process::Command::new(exe)
        .arg("--name")
        .arg(name)
        .arg(extra)
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
}

/// How many daemons `--fork-churn` starts.
const CHURN_DAEMONS: usize = 4;

/// One churn daemon: forever start a new sleeping child, then kill and reap the previous one,
/// so that a new process appears about every millisecond (the time of one fork and exec).
/// Emits no events: there are a thousand a second.
fn churn_daemon(args: &ToyArgs) -> ! {
    let mut previous: Option<std::process::Child> = None;
    loop {
        let next = spawn_detached(&args.name, "--sleep").ok();
        if let Some(mut old) = std::mem::replace(&mut previous, next) {
            let _ = old.kill();
            let _ = old.wait();
        }
    }
}

fn exit_timer(after: Option<Duration>, code: i32, events: &Events) {
    if let Some(d) = after {
        let events = events.clone();
        std::thread::spawn(move || {
            std::thread::sleep(d);
            exit(&events, code)
        });
    }
}

fn install_sigterm_handler(ignore: bool, events: Events) {
    use async_signal::{Signal, Signals};
    let signals = match Signals::new([Signal::Term]) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("toy-service: cannot handle SIGTERM ({e}); keeping the default action");
            return;
        }
    };
    std::thread::spawn(move || {
        for signal in futures_lite::stream::block_on(signals) {
            if signal.is_err() {
                continue;
            }
            if ignore {
                events.emit("sigterm-ignored", "");
            } else {
                events.emit("sigterm", "");
                exit(&events, 0);
            }
        }
    });
}

fn exit(events: &Events, code: i32) -> ! {
    events.emit("exit", &format!("code={code}"));
    std::process::exit(code)
}

fn wait_for_file(path: &Path) {
    while !path.exists() {
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn park_forever() -> ! {
    loop {
        std::thread::park();
    }
}
