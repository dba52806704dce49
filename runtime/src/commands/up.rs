//! `coord up [-d] [SERVICE...]`: without `-d` it is `coord run`. With `-d`, coord starts itself
//! in the background (its own session, stdin from `/dev/null`, its output to
//! `.coord/logs/coord.log`), follows the startup through the event stream, and exits 0 once the
//! selection is up, or 1 with the reason once the background coord has stopped what it started.
//!
//! Two `up -d` of one stack at the same instant are serialised by a lock file
//! (`.coord/up.lock`) held from the check "does a coord run this stack?" until the background
//! coord has claimed the registry (or ended): the second one then finds it running and says so.
//! Between an `up -d` and a `coord run`, the registry lock decides as for two runs.

use super::live_status;
use super::stream::{Follow, Next};
use crate::cli::Failure;
use crate::events::in_words;
use crate::paths::StackPaths;
use crate::protocol::StreamEvent;
use crate::stack_files::StackFiles;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

/// The hidden flag the background coord is started with (right after `up`).
pub const BACKGROUND_FLAG: &str = "--background-child";

/// How often the foreground process looks for the background coord while it sets up.
const POLL: Duration = Duration::from_millis(20);

/// What `coord up` was asked for.
#[derive(Debug, Clone)]
pub struct UpRequest {
    /// The stack file(s) (the first names the stack).
    pub files: StackFiles,
    /// The selection (empty: all).
    pub services: Vec<String>,
    /// Run in the background (`-d`).
    pub detach: bool,
    /// This process is the background coord itself.
    pub background_child: bool,
}

/// `coord up`: `run` runs the stack in this process (as `coord run` with the same options).
pub fn up(
    request: UpRequest,
    run: impl FnOnce(&StackFiles, Vec<String>) -> Result<i32, Failure>,
) -> Result<i32, Failure> {
    if request.background_child {
        // A session of its own: no terminal, no Ctrl-C or SIGHUP of the terminal it came from.
        // (A child of `up -d`, so never a group leader: setsid cannot fail with EPERM.)
        if let Err(e) = rustix::process::setsid() {
            tracing::warn!("cannot start a session of its own: {e}");
        }
        return run(&request.files, request.services);
    }
    if !request.detach {
        return run(&request.files, request.services);
    }
    detach(&request)
}

/// Where the background coord's own output goes: `logs/coord.log`, or `coord.log` in the state
/// directory when a service of the stack is itself named `coord` (its log is `logs/coord.log`).
pub fn coord_log(paths: &StackPaths, stack: &coord_core::Stack) -> PathBuf {
    if stack.service_id("coord").is_some() {
        paths.coord_dir.join("coord.log")
    } else {
        paths.logs_dir().join("coord.log")
    }
}

fn detach(request: &UpRequest) -> Result<i32, Failure> {
    let file = request.files.primary();
    let paths = StackPaths::for_stack_file(file)
        .map_err(|e| Failure::new(2, format!("bad stack file path {}: {e}", file.display())))?;
    // Errors in the stack file are the user's to read here, not in a log file.
    let stack = crate::load::load_for_run(&request.files, &paths.stack_dir, &request.services)?;
    paths.ensure_dirs().map_err(|e| {
        Failure::new(
            1,
            format!("cannot create {}: {e}", paths.coord_dir.display()),
        )
    })?;
    // Without its control socket the background coord would run on, unreachable: refuse first.
    let socket = paths.control_socket();
    if !socket_path_fits(&socket) {
        return Err(Failure::new(
            1,
            format!(
                "`up -d` follows the stack through its control socket {}, but that path is longer \
                 than a Unix socket path may be ({MAX_SOCKET_PATH} bytes)\n  help: move the stack \
                 to a shorter directory, or use `coord run` in a terminal",
                socket.display()
            ),
        ));
    }
    let lock = lock_up(&paths)?;
    if let Some(owner) = crate::registry::read(&paths)
        .ok()
        .and_then(|r| r.live_owner())
    {
        return Err(already_running(file, owner.pid));
    }
    let log_path = coord_log(&paths, &stack);
    let log = crate::safe_fs::create_file(&log_path)
        .map_err(|e| Failure::new(1, format!("cannot create {}: {e}", log_path.display())))?;
    let mut child = spawn_background(&log)?;
    let pid = child.id();
    let mut follow = await_claim(&paths, &mut child, &log_path)?;
    // The background coord owns the stack now: a second `up -d` finds it in the registry.
    drop(lock);
    crate::errln!(
        "coord: started in the background (pid {pid}); its own output goes to {}",
        log_path.display()
    );
    match await_startup(&paths, &mut follow)? {
        Startup::Up(summary) => {
            crate::outln!("{summary}");
            crate::errln!(
                "coord: the stack runs in the background: `coord logs --follow -f {f}` shows its \
                 output, `coord down -f {f}` stops it",
                f = file.display()
            );
            Ok(0)
        }
        Startup::Failed(why) => {
            // The background coord stops what it started, then ends: wait for the end of the
            // run (every process gone), then for coord itself.
            let end = drain_to_end(&mut follow)?;
            let _ = child.wait();
            Err(Failure::new(
                1,
                format!(
                    "the stack did not come up: {why}{end}\n  coord stopped what it had started; \
                     its output is in {}",
                    log_path.display()
                ),
            ))
        }
    }
}

/// The longest path of a Unix socket (`sun_path` is 108 bytes with its NUL).
const MAX_SOCKET_PATH: usize = 107;

/// Whether a Unix socket can be bound at `path`.
pub fn socket_path_fits(path: &Path) -> bool {
    path.as_os_str().len() <= MAX_SOCKET_PATH
}

/// Takes `.coord/up.lock` (waiting for another `up -d` that holds it).
fn lock_up(paths: &StackPaths) -> Result<std::fs::File, Failure> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = paths.coord_dir.join("up.lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .custom_flags(crate::safe_fs::nofollow_flags())
        .open(&path)
        .map_err(|e| Failure::new(1, format!("cannot open {}: {e}", path.display())))?;
    lock.lock()
        .map_err(|e| Failure::new(1, format!("cannot lock {}: {e}", path.display())))?;
    Ok(lock)
}

/// The failure of an `up` of a stack a coord already runs.
pub fn already_running(file: &Path, pid: u32) -> Failure {
    Failure::new(
        1,
        format!(
            "a coord (pid {pid}) already runs the stack {f}\n  help: `coord down -f {f}` stops \
             it, `coord attach -f {f}` follows it",
            f = file.display()
        ),
    )
}

/// This very command line again, with [`BACKGROUND_FLAG`] after the subcommand, as a child in
/// the background: stdin from `/dev/null`, stdout and stderr to `log`.
fn spawn_background(log: &std::fs::File) -> Result<Child, Failure> {
    let exe = std::env::current_exe()
        .map_err(|e| Failure::new(1, format!("cannot find coord's own executable: {e}")))?;
    let args = background_args(std::env::args_os().skip(1).collect());
    let io = |what: &str, e: std::io::Error| Failure::new(1, format!("cannot {what}: {e}"));
    let out = log.try_clone().map_err(|e| io("share the log file", e))?;
    let err = log.try_clone().map_err(|e| io("share the log file", e))?;
    std::process::Command::new(exe)
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| io("start coord in the background", e))
}

/// `up ARGS...` with [`BACKGROUND_FLAG`] right after `up` (the subcommand is the first argument:
/// coord has no options before it).
pub fn background_args(mut args: Vec<OsString>) -> Vec<OsString> {
    let at = args.iter().position(|a| a == "up").map_or(0, |i| i + 1);
    args.insert(at, BACKGROUND_FLAG.into());
    args
}

/// Waits until the background coord answers on the control socket (it claimed the registry
/// and listens) and returns its event stream; fails with its last words if it ends first.
fn await_claim(paths: &StackPaths, child: &mut Child, log: &Path) -> Result<Follow, Failure> {
    let pid = child.id();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            let words = last_words(log);
            return Err(Failure::new(
                1,
                format!("the background coord ended before the stack started ({status}):\n{words}"),
            ));
        }
        // Another coord answering (a `coord run` that won the registry) is not ours: ours is
        // about to end with "already running", seen above.
        if let Ok(Some(follow)) = Follow::subscribe(paths, &[], false)
            && follow.coord_pid == Some(pid)
        {
            return Ok(follow);
        }
        std::thread::sleep(POLL);
    }
}

/// The last lines of coord's own log, indented, for a failure message.
fn last_words(log: &Path) -> String {
    let text = std::fs::read(log)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let tail = &lines[lines.len().saturating_sub(10)..];
    tail.iter()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// How startup ended.
enum Startup {
    /// The selection is up: the summary.
    Up(String),
    /// It failed: why.
    Failed(String),
}

/// Follows the events until startup is over, printing each service's transitions.
fn await_startup(paths: &StackPaths, follow: &mut Follow) -> Result<Startup, Failure> {
    // Subscribed first, so nothing is missed; startup may be over already.
    if let Some(status) = live_status::fetch(paths)?
        && let Some(startup) = status.startup
    {
        return Ok(if startup.run_failed {
            Startup::Failed(startup.to_string())
        } else {
            Startup::Up(startup.to_string())
        });
    }
    loop {
        match follow.next(None, None)? {
            Next::Event(_, StreamEvent::Startup { summary, failed }) => {
                return Ok(if failed {
                    Startup::Failed(summary)
                } else {
                    Startup::Up(summary)
                });
            }
            Next::Event(_, event @ StreamEvent::Transition { .. }) => {
                crate::outln!("{}", in_words(&event));
            }
            Next::Event(_, StreamEvent::RunEnd { outcome, reason }) => {
                return Ok(Startup::Failed(match reason {
                    Some(why) => format!("the run ended ({outcome}): {why}"),
                    None => format!("the run ended ({outcome}) before startup was over"),
                }));
            }
            Next::Event(_, StreamEvent::Dropped { message }) => {
                return Err(Failure::new(1, message));
            }
            Next::Event(..) | Next::Timeout | Next::Stopped => {}
            Next::Closed => {
                return Ok(Startup::Failed(
                    "the background coord ended before startup was over".into(),
                ));
            }
        }
    }
}

/// Reads the stream to the end of the run; returns the run's reason (`; reason`), if told.
fn drain_to_end(follow: &mut Follow) -> Result<String, Failure> {
    loop {
        match follow.next(None, None)? {
            Next::Event(_, StreamEvent::RunEnd { reason, .. }) => {
                return Ok(reason.map(|r| format!(" ({r})")).unwrap_or_default());
            }
            Next::Event(_, event @ StreamEvent::Transition { .. }) => {
                crate::outln!("{}", in_words(&event));
            }
            Next::Closed | Next::Event(_, StreamEvent::Dropped { .. }) => return Ok(String::new()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_socket_path_must_fit_sun_path() {
        assert!(socket_path_fits(Path::new("/srv/app/.coord/control.sock")));
        let long = format!("/{}/.coord/control.sock", "d".repeat(100));
        assert!(!socket_path_fits(Path::new(&long)));
        let exact = format!("/{}", "x".repeat(MAX_SOCKET_PATH - 1));
        assert!(socket_path_fits(Path::new(&exact)));
    }

    #[test]
    fn the_background_flag_follows_the_subcommand() {
        let args = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            background_args(args(&["up", "-d", "-f", "x.toml", "api"])),
            args(&["up", BACKGROUND_FLAG, "-d", "-f", "x.toml", "api"])
        );
        // A service named `up` after the subcommand is left alone.
        assert_eq!(
            background_args(args(&["up", "-d", "up"])),
            args(&["up", BACKGROUND_FLAG, "-d", "up"])
        );
    }
}
