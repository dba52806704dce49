//! Loading a stack file for `coord check` and `coord run`: parse it (exit 2 with every error at
//! file:line:col), print the core's warnings about the run, and check what the core cannot see
//! because it does no I/O: that each selected service's `working_dir` is a directory.

use crate::cli::Failure;
use coord_core::Stack;
use coord_core::graph::StackGraph;
use coord_core::stack::{ConfigErrors, Parsed, optional_but_required};
use std::io::Write;
use std::path::Path;

/// Reads and validates a stack file of any format (picked from its name by the core), reads the
/// env files it names and has the core resolve `${...}` references: exit code 2 with every error
/// (file:line:col + help).
pub fn parse_file(file: &Path) -> Result<Parsed, Failure> {
    let bytes = std::fs::read(file).map_err(|e| {
        Failure::new(
            2,
            format!(
                "cannot read the stack file {}: {e}\n  help: pass the stack file with -f FILE, or run coord where coord.toml (or process-compose.yaml, or a Procfile) is",
                file.display()
            ),
        )
    })?;
    let (parsed, notes) = Stack::parse_file_bytes_with_notes(&file.display().to_string(), &bytes)
        .map_err(|errors| errors_failure(file, &errors))?;
    // What another format's file said that coord translated approximately or dropped.
    for note in notes {
        let _ = writeln!(std::io::stderr(), "{note}");
    }
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let inputs = crate::env_files::read(&parsed.places.env, dir);
    parsed
        .resolve_env(&inputs)
        .map_err(|errors| errors_failure(file, &errors))
}

/// Loads the stack for a run of `services` (empty: all of them): parses it, prints the warnings
/// about that run on stderr, and refuses a selected service whose `working_dir` is not a
/// directory. `stack_dir`: the directory the working directories are relative to.
pub fn load_for_run(file: &Path, stack_dir: &Path, services: &[String]) -> Result<Stack, Failure> {
    let Parsed { stack, places } = parse_file(file)?;
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
        Err(errors_failure(file, &ConfigErrors(errors)))
    }
}

/// Every error of the file, then a count: exit 2, printed as is.
pub fn errors_failure(file: &Path, errors: &ConfigErrors) -> Failure {
    let count = errors.0.len();
    Failure {
        code: 2,
        message: format!(
            "{errors}\ncoord: {} has {count} error{}",
            file.display(),
            if count == 1 { "" } else { "s" }
        ),
        raw: true,
    }
}
