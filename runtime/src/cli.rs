//! The command line: `coord run | up | down | attach | logs | wait | check | graph | status |
//! discover | stop | restart | events`.

use crate::driver::{self, RunRequest};
use crate::paths::StackPaths;
use crate::process::Launcher;
use clap::{Parser, Subcommand};
use coord_core::Stack;
use coord_core::graph::StackGraph;
use coord_core::stack::DependencyKind;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// coord brings up a local development stack as plain processes, in dependency order.
#[derive(Debug, Parser)]
#[command(name = "coord", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: CliCommand,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum CliCommand {
    /// Bring the stack up, stream its output, stop it in reverse order on Ctrl-C.
    Run {
        /// The stack file (default: coord.toml, process-compose.yaml/.yml or Procfile, here).
        #[arg(short = 'f', long = "file")]
        file: Option<PathBuf>,
        /// Run only these services (and what they depend on); default: all.
        services: Vec<String>,
        /// No live startup view on a terminal: print every line as it comes.
        #[arg(long)]
        no_progress: bool,
        /// How the run ends.
        #[command(flatten)]
        options: crate::run_options::RunOptions,
    },
    /// Bring the stack up as `run` does; with -d in the background, returning once it is up.
    Up {
        /// The stack file (default: coord.toml, process-compose.yaml/.yml or Procfile, here).
        #[arg(short = 'f', long = "file")]
        file: Option<PathBuf>,
        /// Run only these services (and what they depend on); default: all.
        services: Vec<String>,
        /// Start coord in the background and exit 0 once the selection is up (1 if it failed).
        #[arg(short = 'd', long = "detach")]
        detach: bool,
        /// Internal: this process is the background coord of `up -d`.
        #[arg(long = "background-child", hide = true)]
        background_child: bool,
        /// No live startup view on a terminal (as `run --no-progress`).
        #[arg(long)]
        no_progress: bool,
        /// How the run ends.
        #[command(flatten)]
        options: crate::run_options::RunOptions,
    },
    /// Stop the running stack in reverse order and return once everything is gone.
    Down {
        /// The stack file (default: coord.toml, process-compose.yaml/.yml or Procfile, here).
        #[arg(short = 'f', long = "file")]
        file: Option<PathBuf>,
    },
    /// Follow the running stack's output and state changes; Ctrl-C detaches, it keeps running.
    Attach {
        /// Only these services' output and events; default: all.
        services: Vec<String>,
        /// The stack file (default: coord.toml, process-compose.yaml/.yml or Procfile, here).
        #[arg(short = 'f', long = "file")]
        file: Option<PathBuf>,
    },
    /// Print the services' output from their log files (during the run and after).
    Logs {
        /// Only these services; default: all, in stack file order.
        services: Vec<String>,
        /// The stack file (default: coord.toml, process-compose.yaml/.yml or Procfile, here).
        #[arg(short = 'f', long = "file")]
        file: Option<PathBuf>,
        /// Keep printing new lines while coord runs (until the run ends or Ctrl-C).
        #[arg(long)]
        follow: bool,
        /// Only the last N lines of each service.
        #[arg(short = 'n', long = "lines")]
        lines: Option<usize>,
        /// The raw output of exactly one service, without the `name |` prefix.
        #[arg(long)]
        no_prefix: bool,
    },
    /// Wait until services are ready (tasks: completed); exit 1 if one fails or on timeout.
    Wait {
        /// These services; default: every service in the run's selection.
        services: Vec<String>,
        /// The stack file (default: coord.toml, process-compose.yaml/.yml or Procfile, here).
        #[arg(short = 'f', long = "file")]
        file: Option<PathBuf>,
        /// Give up after this long ("30s", "500ms"); default: wait as long as it takes.
        #[arg(long, value_parser = parse_wait)]
        timeout: Option<Duration>,
    },
    /// Validate the stack file and print the startup order.
    Check {
        /// The stack file (default: coord.toml, process-compose.yaml/.yml or Procfile, here).
        #[arg(short = 'f', long = "file")]
        file: Option<PathBuf>,
    },
    /// Print the dependency graph.
    Graph {
        /// The stack file (default: coord.toml, process-compose.yaml/.yml or Procfile, here).
        #[arg(short = 'f', long = "file")]
        file: Option<PathBuf>,
        /// Graphviz DOT instead of text.
        #[arg(long)]
        dot: bool,
    },
    /// Show the state of each service (live from the running coord, else from the registry).
    Status {
        /// The stack file (default: coord.toml, process-compose.yaml/.yml or Procfile, here).
        #[arg(short = 'f', long = "file")]
        file: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the URL of a service once it is ready (for scripts).
    Discover {
        /// The service.
        name: String,
        /// The stack file (default: coord.toml, process-compose.yaml/.yml or Procfile, here).
        #[arg(short = 'f', long = "file")]
        file: Option<PathBuf>,
        /// How long to wait for it to become ready ("30s", "500ms"); default: do not wait.
        #[arg(long, value_parser = parse_wait)]
        wait: Option<Duration>,
    },
    /// Stop one service of the running stack (dependents are left running).
    Stop {
        /// The service.
        name: String,
        /// The stack file (default: coord.toml, process-compose.yaml/.yml or Procfile, here).
        #[arg(short = 'f', long = "file")]
        file: Option<PathBuf>,
    },
    /// Restart one service of the running stack.
    Restart {
        /// The service.
        name: String,
        /// The stack file (default: coord.toml, process-compose.yaml/.yml or Procfile, here).
        #[arg(short = 'f', long = "file")]
        file: Option<PathBuf>,
    },
    /// Start one service into the running stack (a stopped one, or one with
    /// `autostart = false`), with the dependencies it pulls in.
    Start {
        /// The service.
        name: String,
        /// The stack file (default: coord.toml, process-compose.yaml/.yml or Procfile, here).
        #[arg(short = 'f', long = "file")]
        file: Option<PathBuf>,
    },
    /// Follow the running stack: print every state change, port, probe verdict, the startup
    /// summary and the run's end as they happen (until the run ends).
    Events {
        /// Only these services' events (and those of the run as a whole); default: all.
        services: Vec<String>,
        /// The stack file (default: coord.toml, process-compose.yaml/.yml or Procfile, here).
        #[arg(short = 'f', long = "file")]
        file: Option<PathBuf>,
        /// One JSON object per line (schema in the README, "Control protocol").
        #[arg(long)]
        json: bool,
        /// Also print the services' output lines.
        #[arg(long)]
        logs: bool,
    },
    /// Write the stack for another engine: Kubernetes manifests or systemd user units (a report
    /// of what does not map exactly goes to stderr).
    Export {
        /// The engine.
        #[command(subcommand)]
        target: crate::export::ExportTarget,
    },
    /// Write the coord.toml equivalent of a process-compose.yaml or Procfile, and report on
    /// stderr every field translated approximately or dropped.
    Import {
        /// The file to import (process-compose.yaml/.yml, compose.yaml, Procfile, Procfile.*).
        file: PathBuf,
        /// Where to write the coord.toml (default: stdout).
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
        /// Replace the -o file if it exists (never through a symbolic link).
        #[arg(long)]
        force: bool,
    },
    /// Internal: the supervising shim coord starts each service through.
    #[command(name = "__supervise", hide = true)]
    Supervise {
        /// Receive a listener on stdin (SCM_RIGHTS) and hand it to the service as fd 3.
        #[arg(long)]
        listen: bool,
        /// The command.
        #[arg(last = true, required = true)]
        argv: Vec<String>,
    },
}

fn parse_wait(text: &str) -> Result<Duration, String> {
    coord_core::stack::parse_duration(text).map_err(|e| e.to_string())
}

/// A failure of a command: the message (one paragraph) and the exit code.
#[derive(Debug)]
pub struct Failure {
    /// Exit code.
    pub code: i32,
    /// What to print.
    pub message: String,
    /// Print the message as is, without the `coord: ` prefix (compiler-style diagnostics).
    pub raw: bool,
}

impl Failure {
    /// A failure printed with the `coord: ` prefix.
    pub fn new(code: i32, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
            raw: false,
        }
    }
}

/// Runs a parsed command line; returns the exit code.
pub fn execute(cli: Cli) -> Result<i32, Failure> {
    let quiet = crate::stack_file::resolve_quietly;
    match cli.command {
        CliCommand::Run {
            file,
            services,
            no_progress,
            options,
        } => run(
            &crate::stack_file::resolve(file)?,
            services,
            no_progress,
            options,
        ),
        CliCommand::Up {
            file,
            services,
            detach,
            background_child,
            no_progress,
            options,
        } => {
            if detach {
                options.refuse_detached()?;
            }
            crate::commands::up::up(
                crate::commands::up::UpRequest {
                    file: crate::stack_file::resolve(file)?,
                    services,
                    detach,
                    background_child,
                },
                |file, services| run(file, services, no_progress, options),
            )
        }
        CliCommand::Down { file } => crate::commands::down::down(&quiet(file)?),
        CliCommand::Attach { services, file } => {
            crate::commands::attach::attach(&quiet(file)?, &services)
        }
        CliCommand::Logs {
            services,
            file,
            follow,
            lines,
            no_prefix,
        } => crate::commands::logs::logs(
            &quiet(file)?,
            crate::commands::logs::LogsRequest {
                services,
                follow,
                lines,
                no_prefix,
            },
        ),
        CliCommand::Wait {
            services,
            file,
            timeout,
        } => crate::commands::wait::wait(
            &quiet(file)?,
            crate::commands::wait::WaitRequest { services, timeout },
        ),
        CliCommand::Check { file } => check(&crate::stack_file::resolve(file)?),
        CliCommand::Graph { file, dot } => graph(&crate::stack_file::resolve(file)?, dot),
        CliCommand::Status { file, json } => crate::client::status(&quiet(file)?, json),
        CliCommand::Discover { name, file, wait } => {
            crate::client::discover(&quiet(file)?, &name, wait)
        }
        CliCommand::Stop { name, file } => crate::client::control(&quiet(file)?, "stop", &name),
        CliCommand::Restart { name, file } => {
            crate::client::control(&quiet(file)?, "restart", &name)
        }
        CliCommand::Start { name, file } => crate::start_client::start(&quiet(file)?, &name),
        CliCommand::Events {
            services,
            file,
            json,
            logs,
        } => crate::events::events(
            &quiet(file)?,
            crate::events::EventsRequest {
                services,
                json,
                logs,
            },
        ),
        CliCommand::Export { target } => crate::export::run(target),
        CliCommand::Import {
            file,
            output,
            force,
        } => crate::import::import(&file, output.as_deref(), force),
        CliCommand::Supervise { listen, argv } => crate::supervise::supervise(listen, &argv),
    }
}

/// Reads and validates a stack file: exit code 2 with every error (file:line:col + help).
pub fn load_stack(file: &Path) -> Result<Stack, Failure> {
    crate::load::parse_file(file).map(|parsed| parsed.stack)
}

fn stack_paths(file: &Path) -> Result<StackPaths, Failure> {
    StackPaths::for_stack_file(file)
        .map_err(|e| Failure::new(2, format!("bad stack file path {}: {e}", file.display())))
}

fn run(
    file: &Path,
    services: Vec<String>,
    no_progress: bool,
    options: crate::run_options::RunOptions,
) -> Result<i32, Failure> {
    let paths = stack_paths(file)?;
    let stack = crate::load::load_for_run(file, &paths.stack_dir, &services)?;
    options.check(&stack, file)?;
    crate::ephemeral::warn(&stack, file);
    let launcher = Launcher::current()
        .map_err(|e| Failure::new(1, format!("cannot find coord's own executable: {e}")))?;
    let outcome = driver::run(RunRequest {
        stack,
        paths,
        services,
        launcher,
        live_view: crate::output::live_view::wanted(
            std::io::IsTerminal::is_terminal(&std::io::stdout()),
            no_progress,
        ),
        options,
    })
    .map_err(|e| Failure::new(1, e.to_string()))?;
    match &outcome {
        coord_core::RunOutcome::Failed(why) => crate::errln!("coord: the stack failed: {why}"),
        coord_core::RunOutcome::TaskEnded { task, code } => {
            crate::errln!("coord: {task} ended with code {code}; the stack was stopped");
        }
        _ => {}
    }
    Ok(driver::exit_code(&outcome))
}

fn check(file: &Path) -> Result<i32, Failure> {
    let paths = stack_paths(file)?;
    let stack = crate::load::load_for_run(file, &paths.stack_dir, &[])?;
    crate::ephemeral::warn(&stack, file);
    let graph = StackGraph::new(&stack);
    let order: Vec<&str> = graph
        .startup_order()
        .iter()
        .map(|&id| stack.services[id].name.as_str())
        .collect();
    crate::outln!(
        "{}: ok, {} service{}",
        file.display(),
        stack.services.len(),
        if stack.services.len() == 1 { "" } else { "s" }
    );
    crate::outln!("startup order: {}", order.join(" > "));
    Ok(0)
}

fn kind_name(kind: DependencyKind) -> &'static str {
    match kind {
        DependencyKind::Required => "required",
        DependencyKind::Optional => "optional",
        DependencyKind::Soft => "soft",
        DependencyKind::Started => "started",
    }
}

fn graph(file: &Path, dot: bool) -> Result<i32, Failure> {
    let stack = load_stack(file)?;
    let graph = StackGraph::new(&stack);
    if dot {
        crate::out!("{}", dot_graph(&stack));
        return Ok(0);
    }
    for (level, ids) in graph.levels().iter().enumerate() {
        crate::outln!("level {level}:");
        for &id in ids {
            let deps: Vec<String> = graph
                .dependencies(id)
                .iter()
                .map(|&(d, kind)| format!("{} ({})", stack.services[d].name, kind_name(kind)))
                .collect();
            if deps.is_empty() {
                crate::outln!("  {}", stack.services[id].name);
            } else {
                crate::outln!("  {} <- {}", stack.services[id].name, deps.join(", "));
            }
        }
    }
    Ok(0)
}

/// The stack as Graphviz DOT: an edge from each dependency to its dependent; optional edges
/// dashed, soft ones dotted, started ones bold.
pub fn dot_graph(stack: &Stack) -> String {
    use petgraph::dot::{Config, Dot};
    let mut g = petgraph::graph::DiGraph::<&str, &str>::new();
    let nodes: Vec<_> = stack
        .services
        .iter()
        .map(|s| g.add_node(s.name.as_str()))
        .collect();
    for (id, s) in stack.services.iter().enumerate() {
        for dep in &s.depends_on {
            g.add_edge(nodes[dep.service], nodes[id], kind_name(dep.kind));
        }
    }
    let edge_attrs = |_: &_, e: petgraph::graph::EdgeReference<'_, &str>| match *e.weight() {
        "optional" => "style = dashed".to_string(),
        "soft" => "style = dotted".to_string(),
        "started" => "style = bold".to_string(),
        _ => String::new(),
    };
    format!(
        "{}",
        Dot::with_attr_getters(
            &g,
            &[Config::EdgeNoLabel],
            &edge_attrs,
            &|_, _| String::new()
        )
    )
}
