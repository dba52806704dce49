//! `ready` -> when systemd considers a service started, so that `After=` waits for readiness
//! and not just for the fork:
//! - notify -> `Type=notify` (the program sends `READY=1`, as under coord);
//! - tcp, http, exec -> an `ExecStartPost=` loop that polls the check until it passes
//!   `success_threshold` times in a row (systemd counts the start as done only after it);
//! - log -> no equivalent: a tcp poll stands in where the service has a port;
//! - none (no port) -> `ExecStartPost=/bin/sleep` for `min_uptime`.
//!
//! `TimeoutStartSec=` (the `readiness_timeout`) bounds the whole start, as coord's does.

use super::super::Notes;
use super::super::kubernetes::waits::sh_quote;
use super::super::text::{ceil_secs, human};
use coord_core::stack::{ProbeCheck, Service};

/// How a service tells systemd it is ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// `Type=notify`.
    Notify,
    /// `Type=exec` with this shell script as `ExecStartPost=` (run by `interpreter -c`).
    Poll {
        /// `/bin/sh`, or `/bin/bash` for a tcp connect through `/dev/tcp`.
        interpreter: &'static str,
        /// The script.
        script: String,
    },
    /// `Type=exec` with `ExecStartPost=/bin/sleep SECONDS`.
    Uptime(String),
}

/// The readiness of a long-running service listening on `port`.
pub fn readiness(service: &Service, port: Option<u16>, notes: &mut Notes) -> Readiness {
    let Some(ready) = &service.ready else {
        let secs = service.min_uptime.as_secs_f64();
        return Readiness::Uptime(format!("{secs}"));
    };
    let timeout = ceil_secs(ready.timeout);
    let tcp = |p: u16| Readiness::Poll {
        interpreter: "/bin/bash",
        script: poll(
            &format!("(exec 3<>/dev/tcp/127.0.0.1/{p}) 2>/dev/null"),
            ready.success_threshold,
        ),
    };
    match (&ready.check, port) {
        (ProbeCheck::Notify, _) => Readiness::Notify,
        (ProbeCheck::Tcp, Some(p)) => tcp(p),
        (ProbeCheck::Http { path, body }, Some(p)) => {
            let url = sh_quote(&format!("http://127.0.0.1:{p}{path}"));
            let check = match body {
                Some(re) => format!(
                    "curl -fsS -m {timeout} {url} 2>/dev/null | grep -Eq {}",
                    sh_quote(re)
                ),
                None => format!("curl -fsS -m {timeout} -o /dev/null {url} 2>/dev/null"),
            };
            notes.service(
                &service.name,
                if body.is_some() {
                    "ready: http is polled with `curl` (needed on the server); the body regex goes through `grep -E` (POSIX syntax)"
                } else {
                    "ready: http is polled with `curl` (needed on the server)"
                },
            );
            Readiness::Poll {
                interpreter: "/bin/sh",
                script: poll(&check, ready.success_threshold),
            }
        }
        (ProbeCheck::Exec { command }, _) => Readiness::Poll {
            interpreter: "/bin/sh",
            script: poll(
                &format!("timeout {timeout} sh -c {}", sh_quote(command)),
                ready.success_threshold,
            ),
        },
        (ProbeCheck::Log { pattern }, port) => {
            let (instead, readiness) = match port {
                Some(p) => (format!("a tcp poll on port {p} stands in"), tcp(p)),
                None => {
                    let secs = service.min_uptime.as_secs_f64();
                    (
                        format!(
                            "ready after running min_uptime {}",
                            human(service.min_uptime)
                        ),
                        Readiness::Uptime(format!("{secs}")),
                    )
                }
            };
            notes.service(
                &service.name,
                format!("ready: `log = \"{pattern}\"` has no systemd equivalent: {instead}"),
            );
            readiness
        }
        // tcp and http need a port; the stack file guarantees one.
        (ProbeCheck::Tcp | ProbeCheck::Http { .. }, None) => {
            Readiness::Uptime(format!("{}", service.min_uptime.as_secs_f64()))
        }
    }
}

/// A loop that ends once `check` has passed `times` times in a row.
fn poll(check: &str, times: u32) -> String {
    if times <= 1 {
        format!("until {check}; do sleep 0.1; done")
    } else {
        format!(
            "ok=0; while [ \"$ok\" -lt {times} ]; do if {check}; then ok=$((ok + 1)); else ok=0; fi; sleep 0.1; done"
        )
    }
}
