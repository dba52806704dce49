//! `coord export kubernetes|systemd`: hands a validated stack to another engine with its
//! semantics kept where the engine can keep them, and a report on stderr of everything that is
//! translated approximately or dropped, per service.
//!
//! Both exports read the same [`Plan`]: the selected services, the port each one listens on
//! (chosen by the core's port ledger) and their discovery variables (named by the core's
//! discovery rule). They decide nothing about the stack; they only translate it.

mod env_split;
pub mod kubernetes;
mod notes;
pub mod output;
mod plan;
pub mod systemd;
mod text;

pub use env_split::EnvSplit;
pub use notes::Notes;
pub use output::{Output, OutputFile};
pub use plan::{Plan, PlanError};

use crate::cli::Failure;
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};

/// What to export to.
#[derive(Debug, Subcommand)]
pub enum ExportTarget {
    /// Kubernetes manifests: a Deployment and a ClusterIP Service per service, a Job per task,
    /// init containers that wait for required dependencies, a ConfigMap per `env`, a Secret per
    /// service with env files.
    Kubernetes(ExportArgs),
    /// systemd user units: a .service per service or task, a .socket per socket-activated
    /// service, a .env file per service with env files (mode 0600), and a .target grouping the
    /// stack.
    Systemd(ExportArgs),
}

/// The arguments every export takes.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The stack file.
    #[arg(short = 'f', long = "file", default_value = "coord.toml")]
    pub file: PathBuf,
    /// Write one file per service (and the shared ones) into DIR, or `-` for stdout.
    #[arg(
        short = 'o',
        long = "output",
        value_name = "DIR|-",
        default_value = "-"
    )]
    pub output: String,
    /// Export only these services and what they need; default: all.
    pub services: Vec<String>,
}

/// Runs `coord export ...`: exit 0 with the files written, 2 for a stack that cannot be
/// exported (every problem named), 1 when the files cannot be written.
pub fn run(target: ExportTarget) -> Result<i32, Failure> {
    let (name, args) = match &target {
        ExportTarget::Kubernetes(args) => ("kubernetes", args),
        ExportTarget::Systemd(args) => ("systemd", args),
    };
    let parsed = crate::load::parse_file(&args.file)?;
    let plan = Plan::new(&parsed.stack, &args.file, &args.services)
        .map_err(|e| Failure::new(2, e.to_string()))?;
    let mut notes = Notes::default();
    let files = match target {
        ExportTarget::Kubernetes(_) => {
            kubernetes::export(&plan, &mut notes).map_err(|missing| {
                let errors = missing.errors(&parsed.places);
                errors_failure(&args.file, &errors)
            })?
        }
        ExportTarget::Systemd(_) => {
            let stack_dir = stack_dir(&args.file)?;
            systemd::export(&plan, &stack_dir, &mut notes)
        }
    };
    let output = Output::parse(&args.output);
    output
        .write(&files)
        .map_err(|e| Failure::new(1, format!("cannot write the {name} export: {e}")))?;
    let report = notes.render(name, &plan);
    // A closed stderr must not fail the export: the files are written.
    let _ = std::io::Write::write_all(&mut std::io::stderr(), report.as_bytes());
    Ok(0)
}

/// The absolute directory of the stack file (what its `working_dir`s are relative to).
fn stack_dir(file: &Path) -> Result<PathBuf, Failure> {
    let absolute = std::path::absolute(file)
        .map_err(|e| Failure::new(2, format!("bad stack file path {}: {e}", file.display())))?;
    Ok(absolute
        .parent()
        .map_or_else(|| PathBuf::from("/"), Path::to_path_buf))
}

/// Every error of the file, then a count: exit 2, printed as is.
fn errors_failure(file: &Path, errors: &coord_core::stack::ConfigErrors) -> Failure {
    let count = errors.0.len();
    Failure {
        code: 2,
        message: format!(
            "{errors}\ncoord: {} cannot be exported: {count} error{}",
            file.display(),
            if count == 1 { "" } else { "s" }
        ),
        raw: true,
    }
}
