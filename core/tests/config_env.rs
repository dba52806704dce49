//! Env files and `${...}` interpolation: the forms of `env_file`, the precedence of the sources,
//! what is left for spawn time, and errors at line:column.

use coord_core::Stack;
use coord_core::stack::{CommandSpec, EnvFileContent, EnvInputs, Parsed};
use std::collections::BTreeMap;

fn parsed(file: &str, text: &str) -> Parsed {
    Stack::parse_file_bytes(file, text.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
}

fn inputs(process: &[(&str, &str)], files: &[(&str, EnvFileContent)]) -> EnvInputs {
    EnvInputs {
        process: process
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        files: files
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    }
}

fn loaded(vars: &[(&str, &str)]) -> EnvFileContent {
    EnvFileContent::Loaded(
        vars.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

fn env(p: &Parsed, id: usize) -> BTreeMap<String, String> {
    p.stack.services[id].env.clone()
}

const STACK: &str = r#"env_file = [".env", { path = ".env.local", required = false }]

[services.db]
command = "postgres -p $PORT"
port = { range = "development" }

[services.api]
env_file = "api.env"
command = "./api --db ${DB_URL} --user ${USER:-nobody} --mode ${MODE}"
working_dir = "${APP_DIR:-.}/api"
env = { MODE = "${LEVEL}-mode", TOKEN = "from-env" }
depends_on = ["db"]
"#;

#[test]
fn env_file_forms_are_collected_with_their_places() {
    let p = parsed("coord.toml", STACK);
    let plan = &p.places.env;
    let stack: Vec<(&str, bool, usize, usize)> = plan
        .stack_files
        .iter()
        .map(|f| (f.path.as_str(), f.required, f.place.line, f.place.column))
        .collect();
    assert_eq!(stack, [(".env", true, 1, 13), (".env.local", false, 1, 30)]);
    assert_eq!(plan.service_files[0], []);
    assert_eq!(plan.service_files[1][0].path, "api.env");
    let all: Vec<&str> = plan.files().iter().map(|f| f.path.as_str()).collect();
    assert_eq!(all, [".env", ".env.local", "api.env"]);
}

#[test]
fn precedence_is_process_then_stack_files_then_service_files_then_env() {
    let p = parsed("coord.toml", STACK)
        .resolve_env(&inputs(
            &[("USER", "ada"), ("LEVEL", "from-process"), ("TOKEN", "p")],
            &[
                (
                    ".env",
                    loaded(&[("LEVEL", "from-dotenv"), ("TOKEN", "d"), ("A", "1")]),
                ),
                (".env.local", loaded(&[("LEVEL", "from-local")])),
                (
                    "api.env",
                    loaded(&[("TOKEN", "api-file"), ("APP_DIR", "/srv")]),
                ),
            ],
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    let api = &p.stack.services[1];
    assert_eq!(
        api.command,
        CommandSpec::Shell("./api --db ${DB_URL} --user ada --mode from-local-mode".into())
    );
    assert_eq!(api.working_dir.as_deref(), Some("/srv/api"));
    let e = env(&p, 1);
    assert_eq!(e["MODE"], "from-local-mode");
    assert_eq!(e["TOKEN"], "from-env", "the service's env wins over files");
    assert_eq!(e["LEVEL"], "from-local", "later stack files win");
    assert_eq!(e["APP_DIR"], "/srv");
    assert!(
        !e.contains_key("USER"),
        "coord's own environment is inherited, not copied"
    );
    assert_eq!(env(&p, 0)["A"], "1", "stack files reach every service");
    assert!(
        !env(&p, 0).contains_key("APP_DIR"),
        "service files only their service"
    );
    assert_eq!(
        p.stack.services[0].command,
        CommandSpec::Shell("postgres -p $PORT".into())
    );
}

#[test]
fn a_missing_required_file_is_an_error_at_its_entry_and_optional_ones_are_skipped() {
    let errors = parsed("coord.toml", STACK)
        .resolve_env(&inputs(
            &[],
            &[
                (".env", EnvFileContent::Missing),
                (".env.local", EnvFileContent::Missing),
                ("api.env", EnvFileContent::Unreadable("line 2: bad".into())),
            ],
        ))
        .unwrap_err();
    let text = errors.to_string();
    assert!(
        text.starts_with(
            "coord.toml:1:13: error: the env file `.env` does not exist\n  help: create it"
        ),
        "{text}"
    );
    assert!(
        text.contains("coord.toml:8:12: error: cannot read the env file `api.env`: line 2: bad"),
        "{text}"
    );
    assert_eq!(errors.0.len(), 2, "{text}");
}

#[test]
fn a_required_variable_is_an_error_at_its_dollar() {
    let text = "[services.a]\ncommand = \"./a --key ${API_KEY:?put it in .env}\"\nenv = { B = \"${B_VALUE:?}\" }\n";
    let errors = parsed("coord.toml", text)
        .resolve_env(&EnvInputs::default())
        .unwrap_err()
        .0;
    let found: Vec<(usize, usize, &str)> = errors
        .iter()
        .map(|e| (e.line, e.column, e.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                2,
                22,
                "the variable `API_KEY` is not set (or empty): put it in .env"
            ),
            (3, 14, "the variable `B_VALUE` is not set (or empty)"),
        ]
    );
    let ok = parsed("coord.toml", text)
        .resolve_env(&inputs(&[("API_KEY", "k"), ("B_VALUE", "b")], &[]))
        .unwrap();
    assert_eq!(
        ok.stack.services[0].command,
        CommandSpec::Shell("./a --key k".into())
    );
}

#[test]
fn argv_items_escapes_and_spawn_time_names() {
    let text = "[services.db]\ncommand = \"db\"\n[services.a]\ncommand = [\"./a\", \"--home=${HOME}\", \"$$HOME\", \"${PORT}\", \"${DB_PORT}\", \"${NOTIFY_SOCKET}\"]\ndepends_on = [\"db\"]\n";
    let p = parsed("coord.toml", text)
        .resolve_env(&inputs(&[("HOME", "/home/ada")], &[]))
        .unwrap();
    assert_eq!(
        p.stack.services[1].command,
        CommandSpec::Argv(vec![
            "./a".into(),
            "--home=/home/ada".into(),
            "$HOME".into(),
            "${PORT}".into(),
            "${DB_PORT}".into(),
            "${NOTIFY_SOCKET}".into(),
        ])
    );
}

#[test]
fn bad_env_file_entries_are_errors() {
    let errors = Stack::parse(
        "coord.toml",
        "env_file = [\"\", { required = false }]\n[services.a]\ncommand = \"a\"\n",
    )
    .unwrap_err()
    .0;
    let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "an `env_file` path is empty",
            "an `env_file` table has no `path`"
        ]
    );
    let shape = Stack::parse(
        "coord.toml",
        "env_file = [{ path = \".env\", requird = false }]\n[services.a]\ncommand = \"a\"\n",
    )
    .unwrap_err();
    assert!(
        shape.to_string().contains("unknown key `requird`"),
        "{shape}"
    );
}

#[test]
fn a_procfile_loads_its_dotenv_if_present_and_leaves_commands_to_the_shell() {
    let text = "web: ./web --user ${USER} --pid $$\n";
    let p = parsed("Procfile", text);
    let files: Vec<(&str, bool)> = p
        .places
        .env
        .files()
        .iter()
        .map(|f| (f.path.as_str(), f.required))
        .collect();
    assert_eq!(files, [(".env", false)]);
    let without = p.clone().resolve_env(&EnvInputs::default()).unwrap();
    assert!(without.stack.services[0].env.is_empty());
    let with = p
        .resolve_env(&inputs(&[], &[(".env", loaded(&[("USER", "ada")]))]))
        .unwrap();
    assert_eq!(with.stack.services[0].env["USER"], "ada");
    assert_eq!(
        with.stack.services[0].command,
        CommandSpec::Shell("./web --user ${USER} --pid $$".into())
    );
}

#[test]
fn the_keys_kept_from_env_files_are_recorded_and_overridden_ones_are_not() {
    let p = parsed("coord.toml", STACK)
        .resolve_env(&inputs(
            &[("LEVEL", "from-process"), ("PROCESS_ONLY", "p")],
            &[
                (
                    ".env",
                    loaded(&[("LEVEL", "dev"), ("TOKEN", "d"), ("A", "1")]),
                ),
                ("api.env", loaded(&[("APP_DIR", "/srv")])),
            ],
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    let keys = |id: usize| -> Vec<&str> {
        p.stack.services[id]
            .env_from_files
            .iter()
            .map(String::as_str)
            .collect()
    };
    assert_eq!(keys(0), ["A", "LEVEL", "TOKEN"]);
    // TOKEN is the service's own `env`, written out; MODE is its own too, but `${LEVEL}-mode`
    // carries the file's LEVEL; PROCESS_ONLY is coord's environment.
    assert_eq!(keys(1), ["A", "APP_DIR", "LEVEL", "MODE"]);
    let unresolved = parsed("coord.toml", STACK);
    assert!(
        unresolved
            .stack
            .services
            .iter()
            .all(|s| s.env_from_files.is_empty()),
        "nothing comes from a file before the files are read"
    );
}
