//! Every file in `fixtures/invalid/` is rejected with located errors: the exact text of the
//! errors is snapshotted, and for each file the first error's place and message are checked.

use coord_core::Stack;
use coord_core::stack::{ConfigError, ConfigErrors};
use std::path::Path;

/// The errors of one invalid fixture, read with a stable file name for the messages.
fn errors_of(path: &Path) -> ConfigErrors {
    let name = path.file_name().unwrap().to_str().unwrap();
    let bytes = std::fs::read(path).unwrap();
    match Stack::parse_bytes(&format!("fixtures/invalid/{name}"), &bytes) {
        Ok(_) => panic!("fixtures/invalid/{name} parsed without errors"),
        Err(errors) => errors,
    }
}

fn invalid_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/invalid")
}

#[test]
fn snapshots_of_every_invalid_fixture() {
    insta::glob!("../../fixtures/invalid", "*.toml", |path| {
        insta::assert_snapshot!(errors_of(path).to_string());
    });
}

/// (file, line, column, part of the message) of the first error of each invalid fixture.
#[rustfmt::skip]
const FIRST_ERRORS: &[(&str, usize, usize, &str)] = &[
    ("bad_duration.toml", 2, 22, "bad duration `60`"),
    ("cycle.toml", 4, 15, "dependency cycle: a -> b -> c -> a"),
    ("duplicate_fixed_port.toml", 7, 8, "`admin` and `api` both use the fixed port 8080"),
    ("duration_too_long.toml", 4, 42, "`backoff`: duration `300000000000y` is longer than the maximum of 1year"),
    ("empty_command.toml", 2, 11, "`command` is empty"),
    ("empty_range.toml", 2, 16, "`8010-8000` is empty"),
    ("env_set_by_coord.toml", 10, 9, "`env` sets `PORT`, which coord sets for this service"),
    ("env_the_os_refuses.toml", 2, 31, "an argument of `command` contains a NUL byte"),
    ("invalid_regex.toml", 4, 36, "`body` is not a valid regex"),
    ("malformed_range.toml", 2, 9, "`8000:8010` is not a port range"),
    ("many_errors.toml", 3, 23, "`max_parallel_starts` must be at least 1"),
    ("missing_command.toml", 5, 11, "service `web` has no `command`"),
    ("no_services.toml", 1, 1, "the stack has no services"),
    ("not_utf8.toml", 1, 14, "the stack file is not valid UTF-8 (byte 0xe9 at offset 13)"),
    ("optional_contradiction.toml", 7, 12, "says `optional = true` but is listed in `required_services`"),
    ("overlapping_ranges.toml", 5, 9, "range `green` (8150-8300) partly overlaps range `blue` (8100-8200)"),
    ("port_out_of_range.toml", 3, 8, "port 70000 is outside 1-65535"),
    ("probe_several_checks.toml", 4, 30, "`ready` has several checks (`tcp`, `http`)"),
    ("probe_without_check.toml", 4, 9, "`ready` has no check"),
    ("required_and_optional.toml", 3, 29, "`api` is in both `required_services` and `optional_services`"),
    ("self_dependency.toml", 4, 15, "service `web` depends on itself"),
    ("socket_activation_without_port.toml", 3, 21, "needs a `port`"),
    ("syntax_error.toml", 2, 40, "invalid TOML"),
    ("task_restarted.toml", 4, 8, "a task cannot have a `live` probe"),
    ("unknown_dependency.toml", 8, 16, "`web` depends on unknown service `databse`"),
    ("unknown_dependency_kind.toml", 7, 33, "unknown dependency kind `process_started`"),
    ("unknown_key.toml", 4, 1, "unknown key `retsart`"),
    ("unknown_listed_service.toml", 2, 29, "`required_services` names unknown service `databse`"),
    ("unknown_range.toml", 3, 36, "unknown port range `backend_service`"),
    ("watch_and_stop_command.toml", 4, 19, "`watch` has no `paths`"),
    ("wrong_type.toml", 3, 8, "wrong type: found string \"8080\""),
    ("zero_parallel_starts.toml", 2, 23, "`max_parallel_starts` must be at least 1, not 0"),
];

#[test]
fn every_invalid_fixture_has_a_checked_first_error() {
    let mut files: Vec<String> = std::fs::read_dir(invalid_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    files.sort();
    let listed: Vec<&str> = FIRST_ERRORS.iter().map(|(f, ..)| *f).collect();
    assert_eq!(
        files, listed,
        "every invalid fixture needs an entry in FIRST_ERRORS"
    );
    for &(file, line, column, message) in FIRST_ERRORS {
        let errors = errors_of(&invalid_dir().join(file));
        let first: &ConfigError = errors.0.first().expect("at least one error");
        assert_eq!(first.file, format!("fixtures/invalid/{file}"));
        assert!(
            first.message.contains(message),
            "{file}: first error is `{}`, expected it to contain `{message}`",
            first.message
        );
        assert_eq!(
            (first.line, first.column),
            (line, column),
            "{file}: place of `{}`",
            first.message
        );
        assert!(
            !first.help.is_empty(),
            "{file}: the error says what to write instead"
        );
    }
}

#[test]
fn all_semantic_errors_are_collected_in_file_order() {
    let errors = errors_of(&invalid_dir().join("many_errors.toml")).0;
    let places: Vec<(usize, usize)> = errors.iter().map(|e| (e.line, e.column)).collect();
    let mut sorted = places.clone();
    sorted.sort();
    assert_eq!(places, sorted);
    let expected = [
        "`max_parallel_starts` must be at least 1",
        "`readiness_timeout`: bad duration",
        "port 99999 is outside 1-65535",
        "`api` depends on unknown service `db`",
        "service `api` depends on itself",
        "http path `health` does not start with `/`",
        "unknown stop signal `STOP`",
        "unknown kind `job`",
        "a `tcp` check in `ready` needs the service to have a `port`",
        "unknown restart policy `sometimes`",
        "`backoff` (1m) is longer than `backoff_max` (10s)",
    ];
    assert_eq!(errors.len(), expected.len(), "{errors:#?}");
    for (error, want) in errors.iter().zip(expected) {
        assert!(
            error.message.contains(want),
            "`{}` should contain `{want}`",
            error.message
        );
    }
}

#[test]
fn syntax_errors_and_unknown_keys_stop_at_the_first() {
    for file in ["syntax_error.toml", "unknown_key.toml", "wrong_type.toml"] {
        assert_eq!(errors_of(&invalid_dir().join(file)).0.len(), 1, "{file}");
    }
}

#[test]
fn unknown_key_help_lists_the_allowed_keys_and_the_closest() {
    let errors = errors_of(&invalid_dir().join("unknown_key.toml"));
    let help = &errors.0[0].help;
    assert!(help.starts_with("did you mean `restart`?"), "{help}");
    for key in [
        "command",
        "port",
        "depends_on",
        "ready",
        "live",
        "stop_signal",
    ] {
        assert!(help.contains(&format!("`{key}`")), "{help}");
    }
}

#[test]
fn cycle_names_only_the_services_on_it() {
    let errors = errors_of(&invalid_dir().join("cycle.toml"));
    assert_eq!(errors.0.len(), 1);
    assert_eq!(errors.0[0].message, "dependency cycle: a -> b -> c -> a");
}
