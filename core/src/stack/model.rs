//! The validated stack: services, their dependencies, probes, ports and the coordination settings.
//! Every field here has already been checked; defaults have been filled in.

use super::DependencyKind;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

pub use super::service_id::ServiceId;

/// A validated stack file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stack {
    /// The file the stack was read from, as given to the parser (for messages only).
    pub file: String,
    /// The `[coordination]` settings, defaults filled in.
    pub coordination: Coordination,
    /// `[ports.ranges]`: name -> inclusive range. Always holds the four default ranges unless the
    /// file redefines them.
    pub port_ranges: BTreeMap<String, PortRange>,
    /// The services, in file order. A [`ServiceId`] is an index into this vector.
    pub services: Vec<Service>,
}

impl Stack {
    /// The id of the service called `name`, if there is one.
    pub fn service_id(&self, name: &str) -> Option<ServiceId> {
        self.services
            .iter()
            .position(|s| s.name == name)
            .map(ServiceId::from_index)
    }

    /// The ids of every service, in file order.
    pub fn service_ids(&self) -> impl DoubleEndedIterator<Item = ServiceId> + ExactSizeIterator {
        ServiceId::all(self.services.len())
    }

    /// The service with id `id`.
    ///
    /// # Panics
    /// If `id` is not an index into [`Stack::services`] (ids only come from this stack).
    pub fn service(&self, id: ServiceId) -> &Service {
        &self.services[id]
    }
}

/// The `[coordination]` table, with the original design's defaults.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coordination {
    /// Services in `Starting` at once (default 3).
    pub max_parallel_starts: usize,
    /// Default time a dependent waits for one dependency (default 60 s).
    pub dependency_timeout: Duration,
    /// Default spawn -> Ready budget of one start attempt (default 90 s).
    pub readiness_timeout: Duration,
    /// Extra start attempts before a service is Failed (default 2).
    pub startup_retry_count: u32,
    /// Optional services may fail without failing the run (default true).
    pub graceful_degradation: bool,
    /// Services whose failure fails the run (default: every service not marked optional).
    pub required_services: Vec<String>,
    /// Services whose failure does not fail the run while `graceful_degradation` is on.
    pub optional_services: Vec<String>,
}

impl Default for Coordination {
    fn default() -> Self {
        Coordination {
            max_parallel_starts: 3,
            dependency_timeout: Duration::from_secs(60),
            readiness_timeout: Duration::from_secs(90),
            startup_retry_count: 2,
            graceful_degradation: true,
            required_services: Vec::new(),
            optional_services: Vec::new(),
        }
    }
}

/// An inclusive port range such as `8000-8010`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PortRange {
    /// First port of the range.
    pub start: u16,
    /// Last port of the range (inclusive).
    pub end: u16,
}

impl PortRange {
    /// Whether `port` lies in the range.
    pub fn contains(&self, port: u16) -> bool {
        self.start <= port && port <= self.end
    }

    /// The ports of the range, in order.
    pub fn ports(&self) -> std::ops::RangeInclusive<u16> {
        self.start..=self.end
    }
}

/// The four default ranges of the original design.
pub fn default_port_ranges() -> BTreeMap<String, PortRange> {
    [
        ("backend_services", 8000, 8010),
        ("auth_services", 8080, 8090),
        ("frontend_services", 3000, 3010),
        ("development", 8000, 9999),
    ]
    .into_iter()
    .map(|(n, start, end)| (n.to_string(), PortRange { start, end }))
    .collect()
}

/// Whether a service runs until stopped or once to completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceKind {
    /// A long-running service: ready when its readiness probe passes.
    Service,
    /// A one-shot task (a migration): done when it exits 0; dependents wait for that.
    Task,
}

/// How to start a service's process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CommandSpec {
    /// A string, run by `sh -c`.
    Shell(String),
    /// An argv array, executed directly. Never empty.
    Argv(Vec<String>),
}

/// One service of the stack.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Service {
    /// The name, the key of its `[services.NAME]` table.
    pub name: String,
    /// Service or task.
    pub kind: ServiceKind,
    /// How to start it. `$PORT` and the discovery variables reach it through the environment.
    pub command: CommandSpec,
    /// Working directory, relative to the stack file's directory (None: that directory).
    pub working_dir: Option<String>,
    /// Extra environment variables, in file order of their keys (sorted).
    pub env: BTreeMap<String, String>,
    /// The keys of `env` whose value came from an env file (`env_file`) and is not overridden
    /// by the service's own `env`, or is an own `env` value that interpolates an env file's
    /// variable (`"postgres://app:${DB_PASSWORD}@db"`): secrets by convention, which
    /// `coord export` keeps out of what it writes in the clear. Set by
    /// [`super::Parsed::resolve_env`].
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub env_from_files: BTreeSet<String>,
    /// The port the service listens on, if any.
    pub port: Option<PortSpec>,
    /// Whether the runtime binds the listener itself and passes it as fd 3.
    pub socket_activation: bool,
    /// Template of the `<NAME>_URL` handed to dependents; `$PORT` and `$HOST` are substituted.
    /// Default `http://$HOST:$PORT`.
    pub url: String,
    /// Dependencies, in file order.
    pub depends_on: Vec<Dependency>,
    /// Readiness probe: decides Starting -> Ready. None with a port: a tcp probe is filled in;
    /// None without a port: Ready after `min_uptime`.
    pub ready: Option<Probe>,
    /// Liveness probe: only after Ready; failures trigger the restart policy.
    pub live: Option<Probe>,
    /// A service without a readiness probe is Ready after running this long (default 500 ms).
    pub min_uptime: Duration,
    /// Spawn -> Ready budget of one attempt (default: the coordination's `readiness_timeout`).
    pub readiness_timeout: Duration,
    /// What to do when the service exits or turns unhealthy after Ready.
    pub restart: RestartSpec,
    /// Signal sent to the process group to stop it (default TERM).
    pub stop_signal: StopSignal,
    /// Time between the stop signal (or the start of the stop command) and SIGKILL of the
    /// whole group (default 10 s).
    pub stop_grace: Duration,
    /// A command (run by `sh -c` with the service's environment, in its working directory) that
    /// runs instead of sending the stop signal; `$MAINPID` is the service's own pid.
    pub stop_command: Option<String>,
    /// Restart the service when files it watches change.
    pub watch: Option<Watch>,
    /// Whether the run survives this service failing (graceful degradation).
    pub optional: bool,
    /// Whether a run starts it without naming it (`autostart = false`: only when named on the
    /// command line, pulled in by a selected dependent, or started with `coord start`).
    pub autostart: bool,
    /// `[services.NAME.export]`: what `coord export` needs (ignored by `coord run`).
    pub export: super::Export,
}

/// The `watch` table of a service: restart it when matching files change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Watch {
    /// Directories or files to watch (recursively), relative to the service's working directory.
    pub paths: Vec<String>,
    /// Globs a changed path (relative to the watched path) must match; empty: every path.
    pub include: Vec<String>,
    /// Globs of changed paths to ignore, on top of `.git`, `target`, `node_modules` and the
    /// stack's own `.coord` directory.
    pub exclude: Vec<String>,
    /// A burst of changes restarts the service once, this long after the last change
    /// (default 300 ms).
    pub debounce: Duration,
    /// Once the service is ready again, restart its running required dependents (and theirs, in
    /// dependency order).
    pub cascade: bool,
}

/// Where a service's port comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PortSpec {
    /// Exactly this port (`port = 5432`); if it is taken the attempt fails.
    Fixed(u16),
    /// Try `preferred` first, then the named range in order (`port = { preferred, range }`).
    Allocated {
        /// Port tried first, if any (may lie outside the range).
        preferred: Option<u16>,
        /// Name of the range in `[ports.ranges]`.
        range_name: String,
        /// The range itself, resolved.
        range: PortRange,
    },
}

impl PortSpec {
    /// The port tried first, if the spec names one.
    pub fn preferred(&self) -> Option<u16> {
        match self {
            PortSpec::Fixed(p) => Some(*p),
            PortSpec::Allocated { preferred, .. } => *preferred,
        }
    }
}

/// One dependency edge: `dependent` (the service holding it) depends on `service`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dependency {
    /// The service depended on.
    pub service: ServiceId,
    /// Its name (for messages).
    pub name: String,
    /// Required, optional or soft.
    pub kind: DependencyKind,
    /// How long the dependent waits for it (default: the coordination's `dependency_timeout`).
    pub timeout: Duration,
}

/// A readiness or liveness probe.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Probe {
    /// What the probe does.
    pub check: ProbeCheck,
    /// Interval between probes once backed off (readiness starts at 5 ms and doubles up to it).
    /// Default 1 s for readiness, 10 s for liveness.
    pub period: Duration,
    /// Budget of a single probe (default 1 s).
    pub timeout: Duration,
    /// Consecutive successes needed (default 1).
    pub success_threshold: u32,
    /// Consecutive failures that make a Ready service Unhealthy (liveness; default 3).
    pub failure_threshold: u32,
}

/// What a probe checks.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeCheck {
    /// A TCP connect to the service's port on 127.0.0.1.
    Tcp,
    /// `GET path` on the service's port; 200-399 passes, and the body must match `body` if given.
    Http {
        /// Request path, starting with `/`.
        path: String,
        /// Regex the response body must match.
        body: Option<String>,
    },
    /// A command (run by `sh -c`, with the service's environment) that must exit 0.
    Exec {
        /// The command line.
        command: String,
    },
    /// A regex that must match a line the service wrote on stdout or stderr (this attempt).
    Log {
        /// The regex (validated when the stack loads).
        pattern: String,
    },
    /// `READY=1` sent on `$NOTIFY_SOCKET` (sd_notify) by this attempt.
    Notify,
}

/// When to restart a service after it was Ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RestartPolicy {
    /// Never restart (default).
    No,
    /// Restart when it exits non-zero, is killed by a signal, or turns unhealthy.
    OnFailure,
    /// Restart whenever it exits or turns unhealthy.
    Always,
}

/// The `restart` table of a service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RestartSpec {
    /// The policy (default `no`).
    pub policy: RestartPolicy,
    /// Restarts allowed within `window` before the service is Failed (default 5).
    pub max_restarts: u32,
    /// The window over which restarts are counted (default 60 s).
    pub window: Duration,
    /// First backoff delay (default 100 ms); doubles after each restart.
    pub backoff_initial: Duration,
    /// Cap of the backoff delay (default 30 s).
    pub backoff_max: Duration,
    /// Staying Ready this long resets the backoff to its initial delay (default 10 s).
    pub backoff_reset: Duration,
}

impl Default for RestartSpec {
    fn default() -> Self {
        RestartSpec {
            policy: RestartPolicy::No,
            max_restarts: 5,
            window: Duration::from_secs(60),
            backoff_initial: Duration::from_millis(100),
            backoff_max: Duration::from_secs(30),
            backoff_reset: Duration::from_secs(10),
        }
    }
}

/// A stop signal, by name; drivers map it to the platform's number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum StopSignal {
    /// SIGTERM (default).
    Term,
    /// SIGINT.
    Int,
    /// SIGQUIT.
    Quit,
    /// SIGHUP.
    Hup,
    /// SIGUSR1.
    Usr1,
    /// SIGUSR2.
    Usr2,
    /// SIGKILL.
    Kill,
}
