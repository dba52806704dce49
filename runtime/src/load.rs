//! Loading a stack file for `coord check` and `coord run`: parse it (exit 2 with every error at
//! file:line:col), print the core's warnings about the run, and check what the core cannot see
//! because it does no I/O: that each selected service's `working_dir` is a directory.

use crate::cli::Failure;
use crate::stack_files::StackFiles;
use coord_core::Stack;
use coord_core::graph::StackGraph;
use coord_core::stack::{ConfigErrors, Parsed, optional_but_required};
use std::io::Write;
use std::path::Path;

/// Reads and validates a stack file of any format (picked from its name by the core), reads the
/// env files it names and has the core resolve `${...}` references: exit code 2 with every error
/// (file:line:col + help).
pub fn parse_file(file: &Path) -> Result<Parsed, Failure> {
    parse_files(&StackFiles::one(file))
}

/// [`parse_file`] for the files of a stack ([`StackFiles`]): several process-compose files are
/// merged by the core, each error names the file it is in.
pub fn parse_files(files: &StackFiles) -> Result<Parsed, Failure> {
    let contents = files.read()?;
    let named: Vec<(&str, &[u8])> = contents
        .iter()
        .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
        .collect();
    let shown = files.shown();
    let (parsed, notes) = Stack::parse_files_bytes_with_notes(&named)
        .map_err(|errors| errors_failure_named(&shown, &errors))?;
    // What another format's file said that coord translated approximately or dropped.
    for note in notes {
        let _ = writeln!(std::io::stderr(), "{note}");
    }
    let file = files.primary();
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let inputs = crate::env_files::read(&parsed.places.env, dir);
    parsed
        .resolve_env(&inputs)
        .map_err(|errors| errors_failure_named(&shown, &errors))
}

/// Loads the stack for a run of `services` (empty: all of them): parses it, prints the warnings
/// about that run on stderr, and refuses a selected service whose `working_dir` is not a
/// directory. `stack_dir`: the directory the working directories are relative to.
pub fn load_for_run(
    files: &StackFiles,
    stack_dir: &Path,
    services: &[String],
) -> Result<Stack, Failure> {
    let file = files.primary();
    let Parsed { stack, places } = parse_files(files)?;
    let graph = StackGraph::new(&stack);
    let mut roots = Vec::new();
    for name in services {
        match stack.service_id(name) {
            Some(id) => roots.push(id),
            None => {
                let known: Vec<&str> = stack.services.iter().map(|s| s.name.as_str()).collect();
                return Err(Failure::new(
                    2,
                    format!(
                        "no service named `{name}` in {}\n  help: the services are: {}",
                        file.display(),
                        known.join(", ")
                    ),
                ));
            }
        }
    }
    let selected = graph.select(&stack.run_roots(&roots));
    for warning in optional_but_required(&stack, &places, &selected) {
        // A closed stderr must not stop the load (no panic as `eprintln!` would).
        let _ = writeln!(std::io::stderr(), "{warning}");
    }
    let mut errors = Vec::new();
    for (id, service) in stack.services.iter().enumerate() {
        let (true, Some(dir), Some(Some(place))) = (
            selected[id],
            &service.working_dir,
            places.working_dir.get(id),
        ) else {
            continue;
        };
        let path = stack_dir.join(dir);
        let problem = match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => continue,
            Ok(_) => "is not a directory".to_string(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => "does not exist".to_string(),
            Err(e) => format!("cannot be read ({e})"),
        };
        errors.push(places.error(
            *place,
            format!(
                "`working_dir` of `{}` {problem}: {}",
                service.name,
                path.display()
            ),
            "create the directory, or correct `working_dir` (it is relative to the directory of the stack file)",
        ));
    }
    if errors.is_empty() {
        Ok(stack)
    } else {
        Err(errors_failure_named(&files.shown(), &ConfigErrors(errors)))
    }
}

/// Every error of the file, then a count: exit 2, printed as is.
pub fn errors_failure(file: &Path, errors: &ConfigErrors) -> Failure {
    errors_failure_named(&file.display().to_string(), errors)
}

/// [`errors_failure`] for a stack named in words (`a.yaml + b.yaml`).
pub fn errors_failure_named(file: &str, errors: &ConfigErrors) -> Failure {
    let count = errors.0.len();
    Failure {
        code: 2,
        message: format!(
            "{errors}\ncoord: {file} has {count} error{}",
            if count == 1 { "" } else { "s" }
        ),
        raw: true,
    }
}
