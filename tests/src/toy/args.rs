//! The toy service's command line, parsed by hand (the flag set is small and fixed).

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Everything the toy service was asked to do.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ToyArgs {
    /// Name used in event lines (`--name`, default `toy`).
    pub name: String,
    /// Port to listen on (`--port N`, else `$PORT`); `Some(0)` binds an ephemeral port.
    pub port: Option<u16>,
    /// Wait this long before binding the port (`--bind-after MS`).
    pub bind_after: Option<Duration>,
    /// Bind only once this file exists (`--bind-when-exists PATH`), to order a test without sleeps.
    pub bind_when_exists: Option<PathBuf>,
    /// Become ready this long after start (`--ready-after MS`); `/health` answers 503 until then.
    pub ready_after: Option<Duration>,
    /// Become ready only once this file exists (`--ready-when-exists PATH`).
    pub ready_when_exists: Option<PathBuf>,
    /// `/health` turns back to 503 this long after ready (`--unhealthy-after MS`): a hang that
    /// only a liveness probe can see.
    pub unhealthy_after: Option<Duration>,
    /// `/health` turns back to 503 once this file exists, after ready
    /// (`--unhealthy-when-exists PATH`): the same hang, ordered by the test rather than a clock.
    pub unhealthy_when_exists: Option<PathBuf>,
    /// Exit with `exit_code` (default 1) this long after start (`--crash-after MS`).
    pub crash_after: Option<Duration>,
    /// Exit with `exit_code` (default 0) this long after start (`--exit-after MS`), for tasks.
    pub exit_after: Option<Duration>,
    /// Exit code for `--crash-after` / `--exit-after` (`--exit-code N`).
    pub exit_code: Option<i32>,
    /// Log SIGTERM and keep running (`--ignore-sigterm`).
    pub ignore_sigterm: bool,
    /// Spawn a long-lived grandchild (this binary with `--sleep`) and print its pid.
    pub fork_grandchild: bool,
    /// Exit 3 if one of these variables is missing (`--require-env VAR`, repeatable).
    pub require_env: Vec<String>,
    /// Take the listener from `LISTEN_FDS` (socket activation) instead of binding (`--listen-fds`).
    pub listen_fds: bool,
    /// Send `READY=1` on `$NOTIFY_SOCKET` when ready (`--notify`).
    pub notify: bool,
    /// Be an outsider: bind this port, answer every request with 200 (reporting each connection
    /// as an event), do nothing else.
    pub hold_port: Option<u16>,
    /// Print these variables at start (`--print-env VAR`, repeatable).
    pub print_env: Vec<String>,
    /// Print this exact line on stdout when ready (`--log-ready LINE`).
    pub log_ready: Option<String>,
    /// Before anything else, connect to the host:port found in these variables' URLs and exit 4
    /// if that fails (`--check-url VAR`, repeatable).
    pub check_url: Vec<String>,
    /// Do nothing but sleep until killed (`--sleep`; the grandchild mode).
    pub sleep: bool,
    /// Also append every event line to this file (`--events PATH`).
    pub events: Option<PathBuf>,
    /// Listen on [::1] only, as a dev server whose `localhost` is IPv6 (`--bind6`).
    pub bind6: bool,
    /// At start, print this many short lines as fast as possible (`--flood-lines N`), then the
    /// event `flooded`.
    pub flood_lines: Option<u64>,
    /// At start, print one line of this many bytes (`--long-line BYTES`), then the event
    /// `flooded`.
    pub long_line: Option<u64>,
    /// Start daemons that leave the group and replace their child every millisecond or so (a
    /// churn of short-lived processes, `--fork-churn`): what a single-snapshot kill misses.
    pub fork_churn: bool,
    /// Be one of those daemons (`--churn-child`): start a sleeping child, kill the previous one,
    /// again and again.
    pub churn_child: bool,
}

/// A command line the toy service does not understand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgError(pub String);

impl fmt::Display for ArgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ArgError {}

/// The usage text printed with an argument error.
pub const USAGE: &str = "usage: toy-service [--name N] [--port N] [--bind-after MS] \
[--bind-when-exists PATH] [--ready-after MS] [--ready-when-exists PATH] [--unhealthy-after MS] \
[--unhealthy-when-exists PATH] \
[--crash-after MS] \
[--exit-after MS] [--exit-code N] [--ignore-sigterm] [--fork-grandchild] [--require-env VAR]... \
[--listen-fds] [--notify] [--hold-port N] [--print-env VAR]... [--log-ready LINE] \
[--check-url VAR]... [--sleep] [--events PATH] [--bind6] [--flood-lines N] [--long-line BYTES] [--fork-churn] [--churn-child]";

impl ToyArgs {
    /// Parses the arguments after the program name. `env_port` is the value of `$PORT`, used when
    /// no `--port` is given. Flags take their value as the next argument or after `=`.
    pub fn parse<I, S>(args: I, env_port: Option<&str>) -> Result<ToyArgs, ArgError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut out = ToyArgs {
            name: "toy".to_string(),
            ..ToyArgs::default()
        };
        let mut port_flag = None;
        let mut it = args.into_iter().map(Into::into);
        while let Some(arg) = it.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
                _ => (arg.clone(), None),
            };
            let mut value = |flag: &str| -> Result<String, ArgError> {
                match inline.clone() {
                    Some(v) => Ok(v),
                    None => it
                        .next()
                        .ok_or_else(|| ArgError(format!("{flag} needs a value"))),
                }
            };
            match flag.as_str() {
                "--name" => out.name = value(&flag)?,
                "--port" => port_flag = Some(parse_port(&flag, &value(&flag)?)?),
                "--bind-after" => out.bind_after = Some(parse_ms(&flag, &value(&flag)?)?),
                "--bind-when-exists" => out.bind_when_exists = Some(value(&flag)?.into()),
                "--ready-after" => out.ready_after = Some(parse_ms(&flag, &value(&flag)?)?),
                "--ready-when-exists" => out.ready_when_exists = Some(value(&flag)?.into()),
                "--unhealthy-after" => out.unhealthy_after = Some(parse_ms(&flag, &value(&flag)?)?),
                "--unhealthy-when-exists" => out.unhealthy_when_exists = Some(value(&flag)?.into()),
                "--crash-after" => out.crash_after = Some(parse_ms(&flag, &value(&flag)?)?),
                "--exit-after" | "--exit-after-ms" => {
                    out.exit_after = Some(parse_ms(&flag, &value(&flag)?)?)
                }
                "--exit-code" => {
                    let v = value(&flag)?;
                    out.exit_code = Some(v.parse().map_err(|_| {
                        ArgError(format!("{flag}: `{v}` is not an exit code (write e.g. 1)"))
                    })?)
                }
                "--ignore-sigterm" => out.ignore_sigterm = no_value(&flag, &inline)?,
                "--fork-grandchild" => out.fork_grandchild = no_value(&flag, &inline)?,
                "--require-env" => out.require_env.push(value(&flag)?),
                "--listen-fds" => out.listen_fds = no_value(&flag, &inline)?,
                "--notify" => out.notify = no_value(&flag, &inline)?,
                "--hold-port" => out.hold_port = Some(parse_port(&flag, &value(&flag)?)?),
                "--print-env" => out.print_env.push(value(&flag)?),
                "--log-ready" => out.log_ready = Some(value(&flag)?),
                "--check-url" => out.check_url.push(value(&flag)?),
                "--sleep" => out.sleep = no_value(&flag, &inline)?,
                "--events" => out.events = Some(value(&flag)?.into()),
                "--bind6" => out.bind6 = no_value(&flag, &inline)?,
                "--flood-lines" => out.flood_lines = Some(parse_count(&flag, &value(&flag)?)?),
                "--long-line" => out.long_line = Some(parse_count(&flag, &value(&flag)?)?),
                "--fork-churn" => out.fork_churn = no_value(&flag, &inline)?,
                "--churn-child" => out.churn_child = no_value(&flag, &inline)?,
                other => return Err(ArgError(format!("unknown argument `{other}`"))),
            }
        }
        out.port = match (port_flag, env_port) {
            (Some(p), _) => Some(p),
            (None, Some(v)) if !v.is_empty() => Some(parse_port("$PORT", v)?),
            _ => None,
        };
        if out.listen_fds && out.hold_port.is_some() {
            return Err(ArgError(
                "--listen-fds and --hold-port exclude each other".into(),
            ));
        }
        Ok(out)
    }
}

fn no_value(flag: &str, inline: &Option<String>) -> Result<bool, ArgError> {
    match inline {
        None => Ok(true),
        Some(_) => Err(ArgError(format!("{flag} takes no value"))),
    }
}

fn parse_port(flag: &str, v: &str) -> Result<u16, ArgError> {
    v.parse()
        .map_err(|_| ArgError(format!("{flag}: `{v}` is not a port (0-65535)")))
}

fn parse_count(flag: &str, v: &str) -> Result<u64, ArgError> {
    v.parse()
        .map_err(|_| ArgError(format!("{flag}: `{v}` is not a count (write e.g. 1000)")))
}

fn parse_ms(flag: &str, v: &str) -> Result<Duration, ArgError> {
    v.parse()
        .map(Duration::from_millis)
        .map_err(|_| ArgError(format!("{flag}: `{v}` is not a number of milliseconds")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<ToyArgs, ArgError> {
        ToyArgs::parse(args.iter().copied(), None)
    }

    #[test]
    fn flood_flags_take_counts() {
        let a = parse(&["--flood-lines", "2000000", "--long-line=268435456"]).unwrap();
        assert_eq!(a.flood_lines, Some(2_000_000));
        assert_eq!(a.long_line, Some(268_435_456));
        assert!(parse(&["--flood-lines", "many"]).is_err());
    }

    #[test]
    fn defaults_when_nothing_is_given() {
        let a = parse(&[]).unwrap();
        assert_eq!(a.name, "toy");
        assert_eq!(a.port, None);
        assert!(!a.ignore_sigterm && !a.notify && !a.listen_fds && !a.sleep);
        assert!(a.require_env.is_empty());
    }

    #[test]
    fn every_flag_with_a_value() {
        let a = parse(&[
            "--name",
            "db",
            "--port",
            "5432",
            "--bind-after",
            "10",
            "--ready-after=250",
            "--unhealthy-after",
            "40",
            "--crash-after",
            "900",
            "--exit-code",
            "7",
            "--require-env",
            "A",
            "--require-env",
            "B",
            "--print-env",
            "PORT",
            "--log-ready",
            "accepting connections now",
            "--check-url",
            "DATABASE_URL",
            "--events",
            "/tmp/ev",
            "--bind-when-exists",
            "/tmp/b",
            "--ready-when-exists",
            "/tmp/r",
            "--unhealthy-when-exists",
            "/tmp/u",
            "--exit-after-ms",
            "5",
        ])
        .unwrap();
        assert_eq!(a.name, "db");
        assert_eq!(a.port, Some(5432));
        assert_eq!(a.bind_after, Some(Duration::from_millis(10)));
        assert_eq!(a.ready_after, Some(Duration::from_millis(250)));
        assert_eq!(a.crash_after, Some(Duration::from_millis(900)));
        assert_eq!(a.exit_after, Some(Duration::from_millis(5)));
        assert_eq!(a.unhealthy_after, Some(Duration::from_millis(40)));
        assert_eq!(
            a.unhealthy_when_exists.as_deref(),
            Some(std::path::Path::new("/tmp/u"))
        );
        assert_eq!(a.exit_code, Some(7));
        assert_eq!(a.require_env, vec!["A", "B"]);
        assert_eq!(a.print_env, vec!["PORT"]);
        assert_eq!(a.log_ready.as_deref(), Some("accepting connections now"));
        assert_eq!(a.check_url, vec!["DATABASE_URL"]);
        assert_eq!(a.events, Some(PathBuf::from("/tmp/ev")));
        assert_eq!(a.bind_when_exists, Some(PathBuf::from("/tmp/b")));
        assert_eq!(a.ready_when_exists, Some(PathBuf::from("/tmp/r")));
    }

    #[test]
    fn switches() {
        let a = parse(&[
            "--ignore-sigterm",
            "--fork-grandchild",
            "--listen-fds",
            "--notify",
            "--sleep",
            "--bind6",
        ])
        .unwrap();
        assert!(a.ignore_sigterm && a.fork_grandchild && a.listen_fds && a.notify && a.sleep);
        assert!(a.bind6);
    }

    #[test]
    fn port_comes_from_env_unless_given() {
        assert_eq!(
            ToyArgs::parse(Vec::<String>::new(), Some("8001"))
                .unwrap()
                .port,
            Some(8001)
        );
        assert_eq!(
            ToyArgs::parse(["--port", "9"], Some("8001")).unwrap().port,
            Some(9)
        );
        assert_eq!(
            ToyArgs::parse(Vec::<String>::new(), Some("")).unwrap().port,
            None
        );
        let err = ToyArgs::parse(Vec::<String>::new(), Some("http")).unwrap_err();
        assert!(err.0.contains("$PORT"), "{err}");
    }

    #[test]
    fn churn_switches() {
        let a = parse(&["--fork-churn", "--churn-child"]).unwrap();
        assert!(a.fork_churn && a.churn_child);
        assert!(parse(&["--fork-churn=1"]).is_err());
    }

    #[test]
    fn hold_port_is_parsed() {
        assert_eq!(
            parse(&["--hold-port", "4000"]).unwrap().hold_port,
            Some(4000)
        );
    }

    #[test]
    fn errors_name_the_flag() {
        assert!(
            parse(&["--port"])
                .unwrap_err()
                .0
                .contains("--port needs a value")
        );
        assert!(
            parse(&["--port", "70000"])
                .unwrap_err()
                .0
                .contains("not a port")
        );
        assert!(
            parse(&["--ready-after", "soon"])
                .unwrap_err()
                .0
                .contains("--ready-after")
        );
        assert!(
            parse(&["--exit-code", "x"])
                .unwrap_err()
                .0
                .contains("exit code")
        );
        assert!(
            parse(&["--frobnicate"])
                .unwrap_err()
                .0
                .contains("unknown argument")
        );
        assert!(
            parse(&["--notify=1"])
                .unwrap_err()
                .0
                .contains("takes no value")
        );
        assert!(parse(&["--listen-fds", "--hold-port", "1"]).is_err());
    }
}
