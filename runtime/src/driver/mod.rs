//! The driver: a smol event loop that executes the coordinator's commands against the machine
//! and feeds back what happened.
//!
//! Tasks (child waiters, output readers, probes, notify sockets, the signal stream, the control
//! socket) send [`Event`]s over one async-channel; the loop turns them into `handle_input` calls,
//! turns the core's deadline into one async-io `Timer` (reset only when the deadline changes)
//! and drains `poll_command` after every `handle_*`. Everything runs on one thread, in a
//! `LocalExecutor`, so processes are only ever spawned from that thread.

mod clock;
mod control;
mod event;
mod execute;
mod probe_dispatch;
mod registry_writer;
mod spawn;
mod subscribers;

pub use clock::Clock;
pub use control::{CONTROL_PATIENCE, Connection, connect, control_request};
pub use event::Event;

use crate::output::Output;
use crate::paths::StackPaths;
use crate::ports::PortLocks;
use crate::process::Launcher;
use crate::registry::ProcessId;
use async_channel::{Receiver, Sender};
use coord_core::{Coordinator, Generation, Input, RunOutcome, ServiceId, Stack};
use futures_lite::FutureExt;
use regex::Regex;
use std::collections::{BTreeMap, VecDeque};
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::rc::Rc;

/// How many events may wait for the loop; senders wait beyond that. A line is at most 64 KiB,
/// so waiting lines take at most a few MiB.
const EVENT_QUEUE: usize = 64;

/// What `coord run` needs.
#[derive(Debug)]
pub struct RunRequest {
    /// The validated stack.
    pub stack: Stack,
    /// Where its files live.
    pub paths: StackPaths,
    /// Selected services (empty: all).
    pub services: Vec<String>,
    /// How to start processes.
    pub launcher: Launcher,
    /// Draw the live startup view (stdout is a terminal and nothing turned it off).
    pub live_view: bool,
    /// How the run ends (`--exit-code-from`, `--abort-on-failure`).
    pub options: crate::run_options::RunOptions,
}

/// Why a run could not even start.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Another coord runs this stack.
    #[error(
        "coord is already running this stack (pid {0}); stop it first with `coord down` (or Ctrl-C in its terminal)"
    )]
    AlreadyRunning(u32),
    /// A file or socket coord needs could not be set up.
    #[error("{0}")]
    Setup(String),
    /// coord panicked (the panic hook printed why) and then stopped the stack.
    #[error("the stack was stopped after coord's internal error (above)")]
    Panicked,
}

/// A process of one generation that coord started and that has not been seen to end.
#[derive(Debug)]
struct Live {
    /// The shim's pid, also the process group id.
    pid: u32,
    /// coord's end of the shim's lifeline: kept until the process ended, dropped to kill the
    /// service's whole tree (the shim does it, daemons that left the group included).
    lifeline: Option<std::os::unix::net::UnixStream>,
    /// The attempt's notify socket task, if its probe is `notify`.
    _notify: Option<smol::Task<()>>,
    /// The service's own pid, once the shim reported it.
    service_pid: std::rc::Rc<std::cell::Cell<Option<u32>>>,
    /// The shim's identity token (in its environment, recorded in the registry).
    token: String,
}

/// Per-service facts of the current generation that probes need.
#[derive(Debug, Default)]
struct ServiceRuntime {
    generation: Generation,
    port: Option<u16>,
    env: Vec<(String, String)>,
    /// Readiness / liveness regexes of `log` probes and of `http` body matches.
    ready_log: Option<Regex>,
    live_log: Option<Regex>,
    ready_body: Option<Rc<Regex>>,
    live_body: Option<Rc<Regex>>,
    /// The generation that printed a line matching the ready / live log regex.
    ready_log_seen: Option<Generation>,
    live_log_seen: Option<Generation>,
    /// The generation that sent READY=1.
    notified: Option<Generation>,
}

/// The loop's state.
struct Driver {
    coordinator: Coordinator,
    clock: Clock,
    paths: StackPaths,
    launcher: Launcher,
    locks: PortLocks,
    output: Output,
    notify_dir: PathBuf,
    events: Sender<Event>,
    executor: Rc<smol::LocalExecutor<'static>>,
    /// Inputs produced while executing commands, fed after the drain.
    immediate: VecDeque<Input>,
    services: Vec<ServiceRuntime>,
    live: BTreeMap<(ServiceId, Generation), Live>,
    start_times: BTreeMap<u32, u64>,
    outcome: Option<RunOutcome>,
    registry_dirty: bool,
    registry: registry_writer::RegistryWriter,
    me: Option<ProcessId>,
    started_unix_ms: Vec<Option<u64>>,
    ready_unix_ms: Vec<Option<u64>>,
    /// The `coord events` subscribers.
    subscribers: subscribers::Subscribers,
    /// The last probe verdict (passed?) per service and purpose, and its generation: only
    /// changes are told to subscribers.
    probe_verdicts: BTreeMap<(ServiceId, coord_core::ProbePurpose), (Generation, bool)>,
    /// The live startup view, while it is drawn.
    view: Option<crate::output::live_view::LiveView>,
    /// Test hook (`COORD_TEST_PANIC_WHEN_READY`): panic once when a service is ready, so the
    /// e2e tests can check what a panic does (one paragraph, no backtrace, an ordered stop).
    panic_when_ready: bool,
}

/// Exit code of a finished run, as the core decides it ([`RunOutcome::exit_code`]).
pub fn exit_code(outcome: &RunOutcome) -> i32 {
    outcome.exit_code()
}

/// Runs the stack until the coordinator reports `Finished`; returns how the run ended.
pub fn run(request: RunRequest) -> Result<RunOutcome, RunError> {
    let executor = Rc::new(smol::LocalExecutor::new());
    let ex = executor.clone();
    futures_lite::future::block_on(ex.run(run_on(request, executor)))
}

async fn run_on(
    request: RunRequest,
    executor: Rc<smol::LocalExecutor<'static>>,
) -> Result<RunOutcome, RunError> {
    let RunRequest {
        stack,
        paths,
        services: selected,
        launcher,
        live_view,
        options,
    } = request;
    let setup = |what: &str, e: std::io::Error| RunError::Setup(format!("{what}: {e}"));
    paths
        .ensure_dirs()
        .map_err(|e| setup(&format!("cannot create {}", paths.coord_dir.display()), e))?;
    let last_ports = registry_writer::claim_registry(&paths, &stack)?;
    crate::process::become_subreaper();
    let fd_limit = crate::process::raise_fd_limit();
    let fds_needed = crate::process::fds_needed(stack.services.len());
    if fds_needed > fd_limit {
        tracing::warn!(
            "this stack may need about {fds_needed} file descriptors but coord may open only \
             {fd_limit} (the hard limit, `ulimit -Hn`); raise it or a late service may fail to start"
        );
    }
    let runtime_dir = crate::paths::user_runtime_dir()
        .map_err(|e| setup("cannot create coord's runtime directory", e))?;
    let locks = PortLocks::machine_wide(runtime_dir.join("ports"))
        .map_err(|e| setup("cannot create the port lock directory", e))?;
    let notify_dir = runtime_dir.join("notify");
    crate::probe::notify::remove_stale(&notify_dir);

    crate::output::terminal::start();
    // Bounded: a task with something to report waits while the loop is behind (a service's
    // output reader then stops reading its pipe). The loop itself never sends here.
    let (tx, rx) = async_channel::bounded(EVENT_QUEUE);
    event::forward_signals(&executor, tx.clone())
        .map_err(|e| setup("cannot catch SIGINT/SIGTERM", e))?;
    let control = control::listen(&executor, &paths, tx.clone());

    let stack_dir = paths.stack_dir.clone();
    let _watching = crate::watch::start(
        &stack,
        |id| match &stack.services[id].working_dir {
            Some(dir) => stack_dir.join(dir),
            None => stack_dir.clone(),
        },
        &paths.coord_dir,
        &executor,
        tx.clone(),
    );
    let names: Vec<String> = stack.services.iter().map(|s| s.name.clone()).collect();
    let mut output = Output::new(names);
    output.open_logs(&paths.logs_dir());
    let services = stack
        .services
        .iter()
        .map(ServiceRuntime::for_service)
        .collect();
    let n = stack.services.len();
    let clock = Clock::start();
    let coordinator = Coordinator::new(
        stack,
        options.core_options(crate::registry::unix_ms(), last_ports),
        clock.now(),
    );
    let registry = registry_writer::RegistryWriter::start(paths.clone());
    let mut driver = Driver {
        coordinator,
        clock,
        paths,
        launcher,
        locks,
        output,
        notify_dir,
        events: tx,
        executor,
        immediate: VecDeque::new(),
        services,
        live: BTreeMap::new(),
        start_times: BTreeMap::new(),
        outcome: None,
        registry_dirty: true,
        registry,
        me: ProcessId::of(std::process::id()),
        started_unix_ms: vec![None; n],
        ready_unix_ms: vec![None; n],
        subscribers: subscribers::Subscribers::default(),
        probe_verdicts: BTreeMap::new(),
        view: None,
        panic_when_ready: std::env::var_os("COORD_TEST_PANIC_WHEN_READY").is_some(),
    };
    let now = driver.clock.now();
    driver
        .coordinator
        .handle_input(now, Input::Start { services: selected });
    if live_view {
        driver.start_view();
    }
    let first = AssertUnwindSafe(driver.run_loop(&rx)).catch_unwind().await;
    let outcome = match first {
        Ok(outcome) => Ok(outcome),
        Err(_) => {
            let _ = driver.end_view();
            // The panic hook has told the user. Attempt the ordered stop with what the loop
            // knows; if that panics too, unwinding drops the lifelines and the shims kill.
            let now = driver.clock.now();
            driver.coordinator.handle_input(now, Input::Shutdown);
            let _ = driver.run_loop(&rx).await;
            Err(RunError::Panicked)
        }
    };
    drop(control);
    driver.subscribers.finish().await;
    driver.finish_registry();
    outcome
}

impl Driver {
    /// The event loop proper.
    async fn run_loop(&mut self, rx: &Receiver<Event>) -> RunOutcome {
        let mut timer = async_io::Timer::never();
        let mut registry_timer = async_io::Timer::never();
        let mut armed = None;
        loop {
            while let Some(command) = self.coordinator.poll_command() {
                self.execute(command);
            }
            if let Some(outcome) = &self.outcome {
                return outcome.clone();
            }
            if let Some(input) = self.immediate.pop_front() {
                let now = self.clock.now();
                self.coordinator.handle_input(now, input);
                continue;
            }
            match self.sync_registry() {
                Some(due) => registry_timer.set_at(due),
                None => registry_timer = async_io::Timer::never(),
            }
            if rx.is_empty() {
                self.output.flush_logs();
            }
            let deadline = self.coordinator.poll_timeout();
            if deadline != armed {
                match deadline {
                    Some(t) => timer.set_at(self.clock.instant(t)),
                    None => timer = async_io::Timer::never(),
                }
                armed = deadline;
            }
            let next = futures_lite::future::or(
                async { rx.recv().await.ok().map(Wake::Event) },
                futures_lite::future::or(
                    async {
                        (&mut timer).await;
                        Some(Wake::Deadline)
                    },
                    async {
                        (&mut registry_timer).await;
                        Some(Wake::Registry)
                    },
                ),
            )
            .await;
            let now = self.clock.now();
            match next {
                Some(Wake::Event(event)) => self.handle_event(now, event),
                Some(Wake::Registry) => {}
                Some(Wake::Deadline) | None => {
                    armed = None;
                    self.coordinator.handle_timeout(now);
                }
            }
            if self.panic_when_ready && self.ready_unix_ms.iter().any(Option::is_some) {
                self.panic_when_ready = false;
                panic!("COORD_TEST_PANIC_WHEN_READY is set");
            }
        }
    }
}

/// What woke the loop.
enum Wake {
    Event(Event),
    Deadline,
    Registry,
}

impl Driver {
    /// Tells the `coord events` subscribers about `event` (nothing is built when none listens).
    fn publish(
        &mut self,
        service: Option<ServiceId>,
        event: impl FnOnce() -> crate::protocol::StreamEvent,
    ) {
        if self.subscribers.is_empty() {
            return;
        }
        let run_ms = self.clock.now().as_millis();
        self.subscribers
            .publish(crate::registry::unix_ms(), run_ms, service, event());
    }
}

impl Driver {
    /// Starts the live view over the selected services.
    fn start_view(&mut self) {
        let now = self.clock.now();
        let rows = self
            .coordinator
            .status(now)
            .services
            .into_iter()
            .zip(self.coordinator.stack().service_ids())
            .map(|(s, id)| (id, s))
            .filter(|(_, s)| s.selected)
            .map(|(id, s)| (id, s.name))
            .collect();
        self.view = Some(crate::output::live_view::LiveView::start(rows));
        self.output.set_terminal(false);
    }

    /// Ends the live view (its last frame stays) and lets service lines reach the terminal;
    /// whether it was drawn.
    fn end_view(&mut self) -> bool {
        match self.view.take() {
            Some(view) => {
                view.finish();
                self.output.set_terminal(true);
                true
            }
            None => false,
        }
    }
}

impl ServiceRuntime {
    fn for_service(service: &coord_core::stack::Service) -> ServiceRuntime {
        use coord_core::stack::ProbeCheck;
        let log = |p: &Option<coord_core::stack::Probe>| match p.as_ref().map(|p| &p.check) {
            Some(ProbeCheck::Log { pattern }) => Regex::new(pattern).ok(),
            _ => None,
        };
        let body = |p: &Option<coord_core::stack::Probe>| match p.as_ref().map(|p| &p.check) {
            Some(ProbeCheck::Http {
                body: Some(pattern),
                ..
            }) => Regex::new(pattern).ok().map(Rc::new),
            _ => None,
        };
        ServiceRuntime {
            ready_log: log(&service.ready),
            live_log: log(&service.live),
            ready_body: body(&service.ready),
            live_body: body(&service.live),
            ..ServiceRuntime::default()
        }
    }
}
