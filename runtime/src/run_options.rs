//! The options that decide how a run ends, shared by `coord run` and `coord up`
//! (`#[command(flatten)]`): the core decides with them ([`coord_core::Options`]).

use crate::cli::Failure;
use clap::Args;
use coord_core::Stack;

/// `--exit-code-from TASK` and `--abort-on-failure`.
#[derive(Debug, Clone, Default, Args)]
pub struct RunOptions {
    /// When this service (normally a task, such as the test suite) ends, stop the stack in
    /// order and exit with its exit code. It runs once (a non-zero exit is not retried) and is
    /// started even when not named or `autostart = false`.
    #[arg(long, value_name = "TASK")]
    pub exit_code_from: Option<String>,
    /// Any service failing (after its retries), optional or not, stops the run: exit 1.
    #[arg(long)]
    pub abort_on_failure: bool,
}

impl RunOptions {
    /// `up -d` returns once startup is over, so it cannot report how the run ends: with
    /// `--exit-code-from` or `--abort-on-failure` it is a usage error (exit 2), as docker compose
    /// refuses `-d` with `--exit-code-from`.
    pub fn refuse_detached(&self) -> Result<(), Failure> {
        let option = match (&self.exit_code_from, self.abort_on_failure) {
            (Some(_), _) => "--exit-code-from",
            (None, true) => "--abort-on-failure",
            (None, false) => return Ok(()),
        };
        Err(Failure::new(
            2,
            format!(
                "`coord up -d` cannot take {option}: it returns once startup is over, before the run ends\n  help: use `coord up {option} ...` or `coord run {option} ...` without -d (a CI job's usual form)"
            ),
        ))
    }

    /// Checks the options against the stack: an unknown `--exit-code-from` name is a usage error
    /// (exit 2) naming the services there are.
    pub fn check(&self, stack: &Stack, file: &std::path::Path) -> Result<(), Failure> {
        match &self.exit_code_from {
            Some(name) if stack.service_id(name).is_none() => {
                let known: Vec<&str> = stack.services.iter().map(|s| s.name.as_str()).collect();
                Err(Failure::new(
                    2,
                    format!(
                        "--exit-code-from {name}: no service named `{name}` in {}\n  help: the services are: {}",
                        file.display(),
                        known.join(", ")
                    ),
                ))
            }
            _ => Ok(()),
        }
    }

    /// The core's options for a run with these, `seed` and the ports of last time.
    pub fn core_options(
        &self,
        seed: u64,
        last_ports: std::collections::BTreeMap<String, u16>,
    ) -> coord_core::Options {
        coord_core::Options {
            seed,
            last_ports,
            exit_code_from: self.exit_code_from.clone(),
            abort_on_failure: self.abort_on_failure,
        }
    }
}
